import Template
import Gomplate
import Foundation
import Yams

/// The checks a rendered file passes before anything is written: manifests (`.yaml`, `.yml`,
/// `.json`, the files Argo CD applies) must parse, and no output may carry a credential.
/// Credentials are found two ways: a Kubernetes Secret with data in it, and the value of a
/// variable whose name says it is a credential (`CredentialVariables`). Messages name the file,
/// line and variable, never the value.
struct OutputGuard: Sendable {
    /// The template comment that exempts one file from the credential checks.
    static let optOutWord = "edpctl:allow-secrets"

    let credentials: CredentialVariables
    private let optOutHint: String
    private let optOutPattern: NSRegularExpression

    init(environment: [String: String], leftDelimiter: String, rightDelimiter: String) throws {
        credentials = CredentialVariables(environment: environment)
        optOutHint = "\(leftDelimiter)/* \(Self.optOutWord) */\(rightDelimiter)"
        let left = NSRegularExpression.escapedPattern(for: leftDelimiter)
        let right = NSRegularExpression.escapedPattern(for: rightDelimiter)
        optOutPattern = try NSRegularExpression(pattern: "\(left)(- )?/\\*\\s*\(Self.optOutWord)\\s*\\*/( -)?\(right)")
    }

    /// Whether the template opts its file out of the credential checks.
    func allowsSecrets(templateText: String) -> Bool {
        optOutPattern.firstMatch(in: templateText, range: NSRange(templateText.startIndex..., in: templateText)) != nil
    }

    enum ManifestFormat: String, Sendable {
        case yaml = "YAML"
        case json = "JSON"
    }

    /// `.yaml` and `.yml` (the manifests and Helm values of a stack) and `.json`, in any case, and
    /// kustomize's extension-less `Kustomization`.
    static func manifestFormat(of path: String) -> ManifestFormat? {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") || fileName(of: path) == "Kustomization" {
            return .yaml
        }
        if lowered.hasSuffix(".json") { return .json }
        return nil
    }

    /// The names kustomize reads a kustomization from.
    static func isKustomization(_ path: String) -> Bool {
        ["kustomization.yaml", "kustomization.yml", "Kustomization"].contains(fileName(of: path))
    }

    /// Outputs that are not manifests but are YAML waiting for one more templating step
    /// (`secret.yaml.tmpl`, `values.yml.j2`, `_helpers.tpl`) or have no extension: what is YAML
    /// in them may well be applied.
    static func isYAMLLike(_ path: String) -> Bool {
        let name = fileName(of: path).lowercased()
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return true }
        let extensions = [".tpl", ".tmpl", ".gotmpl", ".j2", ".jinja", ".jinja2"]
        return [".yaml.", ".yml.", ".json."].contains(where: name.contains) || extensions.contains(where: name.hasSuffix)
    }

    private static func fileName(of path: String) -> String {
        String(path.split(separator: "/").last ?? "")
    }

    /// A syntax error as one diagnostic, or else every Secret that holds data. JSON is read as
    /// the YAML it is.
    func manifestDiagnostics(file: String, output: [UInt8], format: ManifestFormat,
                             checkSecrets: Bool) -> [HydrationDiagnostic] {
        let kind: HydrationDiagnostic.Kind = format == .json ? .invalidJSON : .invalidYAML
        func invalid(_ line: Int, _ column: Int, _ problem: String) -> [HydrationDiagnostic] {
            [HydrationDiagnostic(kind: kind, file: file, line: line, column: column,
                                 message: "the rendered output is not valid \(format.rawValue): \(problem)")]
        }
        let text = String(decoding: format == .json ? Self.tabsAroundJSONAsSpaces(output) : output, as: UTF8.self)
        var budget = YAMLAliasBudget()
        if let (line, column) = budget.count(text) {
            return invalid(line, column, Self.excessiveAliasing)
        }
        var search = SecretSearch(budget: 8 * budget.expandedNodes + 1000, isKustomization: Self.isKustomization(file))
        do {
            let parser = try Parser(yaml: text, resolver: Self.resolver, constructor: .default, encoding: .utf8)
            while let document = try parser.nextRoot() {
                if checkSecrets { try search.visit(document) }
            }
        } catch let error as SecretSearch.BudgetExceeded {
            return invalid(error.line, error.column, Self.excessiveAliasing)
        } catch {
            let (line, column, problem) = Self.position(of: error, in: output)
            return invalid(line, column, problem)
        }
        return search.found.map { secretDiagnostic(file: file, $0) }
    }

    /// The Secrets with data in an output that is not a manifest (a `.txt`, a `.md`, a
    /// `secret.yaml.tmpl`): only when its text names `kind` and `Secret`, read as YAML if it is
    /// YAML, and line by line (`SecretLines`) if it does not parse and its name says it is
    /// YAML-like (`isYAMLLike`). Such a file is not required to parse.
    func otherFileDiagnostics(file: String, output: [UInt8]) -> [HydrationDiagnostic] {
        guard Self.manifestFormat(of: file) == nil, SecretSearch.mayHoldSecret(output) else { return [] }
        let text = String(decoding: output, as: UTF8.self)
        var budget = YAMLAliasBudget()
        if budget.count(text) == nil, let parser = try? Parser(yaml: text, resolver: Self.resolver, constructor: .default,
                                                                encoding: .utf8) {
            var search = SecretSearch(budget: 8 * budget.expandedNodes + 1000, isKustomization: false)
            do {
                while let document = try parser.nextRoot() { try search.visit(document) }
                return search.found.map { secretDiagnostic(file: file, $0) }
            } catch {
                // Not YAML (or too much of it): only the line-by-line look below is left.
            }
        }
        guard Self.isYAMLLike(file), let found = SecretLines.secretWithData(in: text) else { return [] }
        return [secretDiagnostic(file: file, FoundSecret(subject: found.subject, field: found.field, line: found.line,
                                                         column: found.column, inString: false))]
    }

    private func secretDiagnostic(file: String, _ secret: FoundSecret) -> HydrationDiagnostic {
        HydrationDiagnostic(
            kind: .secret, file: file, line: secret.line, column: secret.column,
            message: "\(secret.subject)\(secret.inString ? " (in the YAML text of a string)" : "") has \(secret.field) "
                + "in it: Secrets are created outside git (or opt the file out with \(optOutHint))")
    }

    /// Plain scalars are strings, but for the merge key `<<`.
    static let resolver = Resolver.basic.appending(.merge)

    /// go-yaml's wording.
    static let excessiveAliasing = "document contains excessive aliasing"

    /// Every line where a credential variable's value appears, in any case and in any of the
    /// spellings `CredentialVariables` knows (escaped, percent-, hex-, base32-, base64-encoded):
    /// one finding per variable, spelling and line.
    func credentialDiagnostics(file: String, output: [UInt8]) -> [HydrationDiagnostic] {
        guard !credentials.isEmpty else { return [] }
        let folded = CaseFolding.fold(bytes: output)
        var reported: Set<String> = []
        var diagnostics: [HydrationDiagnostic] = []
        for match in credentials.matches(in: folded.units).sorted(by: { $0.start < $1.start }) {
            let (line, column) = lineAndColumn(of: folded.offsets[match.start], in: output)
            let name = credentials.credentials[match.credential].name
            let what = match.isURLPassword ? "the password of a URL in the variable \(name)"
                : "the value of the credential variable \(name)"
            guard reported.insert("\(what)\(match.encoding.rawValue) \(line)").inserted else { continue }
            diagnostics.append(HydrationDiagnostic(
                kind: .secret, file: file, line: line, column: column,
                message: "\(what) appears\(match.encoding.rawValue) in the output "
                    + "(keep it out of git, or opt the file out with \(optOutHint))"))
        }
        return diagnostics
    }

    /// libyaml refuses a tab before a top-level `{` (JSON allows it), so the tabs before and after
    /// the JSON value become spaces, which keeps every position.
    private static func tabsAroundJSONAsSpaces(_ output: [UInt8]) -> [UInt8] {
        let blanks: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        var bytes = output
        for index in bytes.indices {
            guard blanks.contains(bytes[index]) else { break }
            if bytes[index] == 0x09 { bytes[index] = 0x20 }
        }
        for index in bytes.indices.reversed() {
            guard blanks.contains(bytes[index]) else { break }
            if bytes[index] == 0x09 { bytes[index] = 0x20 }
        }
        return bytes
    }

    /// Yams' errors carry the source text; only the position and the problem are kept, and the
    /// problem is libyaml's fixed wording (a duplicate key is named, and redacted later like
    /// every message).
    private static func position(of error: any Error, in output: [UInt8]) -> (line: Int, column: Int, problem: String) {
        guard let yamlError = error as? YamlError else { return (1, 1, "it could not be read") }
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return (mark.line, mark.column, problem)
        case .reader(let problem, let offset, _, _):
            let (line, column) = lineAndColumn(of: offset ?? 0, in: output)
            return (line, column, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return (context.mark.line, context.mark.column,
                    "mapping key \(goQuote(duplicates.first ?? "")) already defined")
        case .dataCouldNotBeDecoded:
            return (1, 1, "it is not UTF-8")
        case .no, .memory, .writer, .emitter, .representer:
            return (1, 1, "it could not be read")
        }
    }
}

/// A Secret with data (or a kustomize `secretGenerator` with content) found by `SecretSearch` or
/// `SecretLines`.
private struct FoundSecret: Hashable {
    /// `Secret "namespace/name"`, `secretGenerator "name"`.
    let subject: String
    /// `data`, `stringData`; `literals`, `envs`, `env`, `files`.
    let field: String
    /// Of the field's key: where the data is written, also when a merge key brings it in; for a
    /// Secret in the text of a string, the string's.
    let line: Int?
    let column: Int?
    let inString: Bool
}

/// Every Secret with a non-empty `data` or `stringData`, however the YAML spells it: at any
/// depth (Lists, `SecretList`s and their items, Helm values that embed manifests), with keys and
/// values reached through anchors, aliases and merge keys (`<<: *base`, `<<: [*a, *b]`), quoted,
/// tagged (`!!str`, `!!binary`) or in flow style. Items of a `FooList` without a `kind` of their
/// own are `Foo`s, as in a typed list the API server returns. A string whose text holds `kind`
/// and `Secret` is read as YAML in turn (Helm's `extraObjects: |`, `extraDeploy`), to
/// `maxStringDepth` strings deep, each distinct text once, or line by line (`SecretLines`) when
/// it does not parse (a chart's `{{ .Release.Name }}`). A kustomization's `secretGenerator` with
/// `literals`, `envs`, `env` or `files` makes a Secret of what is in git just the same. The walk
/// keeps its own stack and counts every node it touches, so no nesting or aliasing makes it
/// recurse or run away.
private struct SecretSearch {
    struct BudgetExceeded: Error {
        let line: Int
        let column: Int
    }

    /// Strings in strings in strings: deeper is no longer a manifest anyone applies.
    static let maxStringDepth = 3

    private var budget: Int
    /// A document read from a file kustomize reads as a kustomization.
    private let isKustomization: Bool
    private(set) var found: [FoundSecret] = []
    private var seen: Set<FoundSecret> = []
    /// The string being read as YAML, when the walk is inside one: findings are placed there.
    private var enclosingString: Node?
    private var stringDepth = 0
    private var readStrings: Set<String> = []

    init(budget: Int, isKustomization: Bool) {
        self.budget = budget
        self.isKustomization = isKustomization
    }

    /// Whether a text is worth reading for a Secret at all: it names both `kind` and `Secret`.
    static func mayHoldSecret(_ text: some Collection<UInt8>) -> Bool {
        let bytes = Array(text)
        return !occurrences(of: Array("kind".utf8), in: bytes).isEmpty
            && !occurrences(of: Array("Secret".utf8), in: bytes).isEmpty
    }

    mutating func visit(_ root: Node) throws {
        if let document = root.mapping {
            let kind = try field("kind", in: document).flatMap { text(of: $0.value) }
            if isKustomization && enclosingString == nil || kind == "Kustomization" || kind == "Component" {
                try recordGenerators(of: document)
            }
        }
        var pending: [(node: Node, impliedKind: String?)] = [(root, nil)]
        while let (node, impliedKind) = pending.popLast() {
            try spend(on: node)
            switch node {
            case .mapping(let mapping):
                let kind = try field("kind", in: mapping).flatMap { text(of: $0.value) } ?? impliedKind
                if kind == "Secret" { try recordData(of: mapping) }
                var itemsQueued = false
                if let kind, kind.hasSuffix("List"), case .sequence(let items)? = try field("items", in: mapping)?.value {
                    let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
                    pending += items.map { ($0, itemKind) }
                    itemsQueued = true
                }
                for (key, value) in mapping {
                    // Queued once only: twice per level would double the work with every nested List.
                    if itemsQueued && !isMergeKey(key) && text(of: key) == "items" { continue }
                    pending += [(key, nil), (value, nil)]
                }
            case .sequence(let sequence):
                pending += sequence.map { ($0, nil) }
            case .scalar(let scalar):
                try visitText(of: scalar.string, in: node)
            case .alias:
                continue
            }
        }
    }

    /// A string that may hold a manifest, read as YAML with the alias rule of the file, its nodes
    /// counted against the same budget.
    private mutating func visitText(of string: String, in node: Node) throws {
        guard stringDepth < Self.maxStringDepth, string.contains(where: \.isNewline) || string.contains("{"),
              Self.mayHoldSecret(string.utf8), readStrings.insert(string).inserted else { return }
        let outer = enclosingString
        enclosingString = outer ?? node
        stringDepth += 1
        defer {
            enclosingString = outer
            stringDepth -= 1
        }
        var aliases = YAMLAliasBudget()
        var documents: [Node] = []
        if aliases.count(string) == nil, let parser = try? Parser(yaml: string, resolver: OutputGuard.resolver) {
            do {
                while let document = try parser.nextRoot() { documents.append(document) }
            } catch {
                documents = []
            }
        }
        guard !documents.isEmpty else {
            if let secret = SecretLines.secretWithData(in: string) {
                record(FoundSecret(subject: secret.subject, field: secret.field, line: nil, column: nil, inString: true))
            }
            return
        }
        budget += 8 * aliases.expandedNodes
        for document in documents { try visit(document) }
    }

    private mutating func recordData(of secret: Node.Mapping) throws {
        let metadata = try field("metadata", in: secret)?.value.mapping
        let namespace = try metadata.flatMap { try field("namespace", in: $0) }.flatMap { text(of: $0.value) }
        let name = try metadata.flatMap { try field("name", in: $0) }.flatMap { text(of: $0.value) }
        let subject = "Secret " + goQuote([namespace, name].compactMap { $0 }.joined(separator: "/"))
        for fieldName in ["data", "stringData"] {
            guard let (key, value) = try field(fieldName, in: secret), holdsSomething(value) else { continue }
            record(FoundSecret(subject: subject, field: fieldName, line: key.mark?.line, column: key.mark?.column,
                               inString: false))
        }
    }

    /// kustomize's `secretGenerator` entries with something to make a Secret of: `literals`, or
    /// `envs`/`env`/`files`, which name files beside the kustomization, so in git too.
    private mutating func recordGenerators(of kustomization: Node.Mapping) throws {
        guard case .sequence(let generators)? = try field("secretGenerator", in: kustomization)?.value else { return }
        for generator in generators {
            guard let entry = generator.mapping else { continue }
            let name = try field("name", in: entry).flatMap { text(of: $0.value) } ?? ""
            for fieldName in ["literals", "envs", "env", "files"] {
                guard let (key, value) = try field(fieldName, in: entry), holdsSomething(value) else { continue }
                record(FoundSecret(subject: "secretGenerator " + goQuote(name), field: fieldName,
                                   line: key.mark?.line, column: key.mark?.column, inString: false))
            }
        }
    }

    private mutating func record(_ secret: FoundSecret) {
        let placed = enclosingString.map { string in
            FoundSecret(subject: secret.subject, field: secret.field, line: string.mark?.line,
                        column: string.mark?.column, inString: true)
        } ?? secret
        if seen.insert(placed).inserted { found.append(placed) }
    }

    /// The value of `name` as a YAML loader sees it: the mapping's own key first, then its merge
    /// keys' mappings in order, each with its own merge keys (YAML's merge key type).
    private mutating func field(_ name: String, in mapping: Node.Mapping) throws -> (key: Node, value: Node)? {
        var pending = [mapping]
        while let current = pending.popLast() {
            var merged: [Node.Mapping] = []
            for (key, value) in current {
                try spend(on: key)
                if isMergeKey(key) {
                    switch value {
                    case .mapping(let source): merged.append(source)
                    case .sequence(let sources): merged += sources.compactMap(\.mapping)
                    case .scalar, .alias: continue
                    }
                } else if text(of: key) == name {
                    return (key, value)
                }
            }
            pending += merged.reversed()
        }
        return nil
    }

    private mutating func spend(on node: Node) throws {
        budget -= 1
        if budget < 0 {
            let place = enclosingString ?? node
            throw BudgetExceeded(line: place.mark?.line ?? 1, column: place.mark?.column ?? 1)
        }
    }

    /// `<<` written plain, or tagged `!!merge` (the parser's resolver knows the merge rule).
    private func isMergeKey(_ key: Node) -> Bool {
        guard case .scalar = key else { return false }
        return key.tag.description == Tag.Name.merge.rawValue
    }

    /// A scalar's text; a `!!binary` one decoded, as Kubernetes' YAML reader decodes it.
    private func text(of node: Node) -> String? {
        guard case .scalar(let scalar) = node else { return nil }
        guard node.tag.description == Tag.Name.binary.rawValue else { return scalar.string }
        let base64 = scalar.string.filter { !$0.isWhitespace }
        return Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Anything but an empty collection, an empty string or null.
    private func holdsSomething(_ node: Node) -> Bool {
        switch node {
        case .mapping(let mapping): return !mapping.isEmpty
        case .sequence(let sequence): return !sequence.isEmpty
        case .alias: return true
        case .scalar(let scalar):
            if scalar.string.isEmpty { return false }
            return scalar.style != .plain || !["~", "null", "Null", "NULL"].contains(scalar.string)
        }
    }
}

/// A Secret with data spotted line by line in text meant to be YAML that does not parse (a Helm
/// template's `name: {{ .Release.Name }}` is a flow-mapping error): within one `---` document, a
/// `kind: Secret` line and a `data:` or `stringData:` key with a value after it or more deeply
/// indented lines below it.
enum SecretLines {
    /// Its name is not looked for: lines tell too little of what belongs to `metadata`.
    private static let unnamedSecret = "Secret \"\""

    static func secretWithData(in text: String) -> (subject: String, field: String, line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var isSecret = false
        var data: (field: String, line: Int, column: Int)?
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("---") || line.hasPrefix("...") {
                if isSecret, let data { return (unnamedSecret, data.field, data.line, data.column) }
                (isSecret, data) = (false, nil)
                continue
            }
            let indent = line.prefix { $0 == " " || $0 == "-" || $0 == "\t" }.count
            let content = String(line.dropFirst(indent))
            let (key, value) = keyAndValue(content)
            if key == "kind" && value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) == "Secret" {
                isSecret = true
            } else if data == nil, key == "data" || key == "stringData",
                      !["", "{}", "[]", "~", "null", "\"\"", "''"].contains(value)
                        || lines[(index + 1)...].first(where: isContent).map({ indentation(of: $0) > indent }) == true {
                data = (key, index + 1, indent + 1)
            }
        }
        return isSecret ? data.map { (unnamedSecret, $0.field, $0.line, $0.column) } : nil
    }

    /// `key: value  # comment` → (`key`, `value`), the key unquoted.
    private static func keyAndValue(_ content: String) -> (key: String, value: String) {
        guard let colon = content.firstIndex(of: ":") else { return ("", "") }
        let key = content[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
        var value = content[content.index(after: colon)...]
        if let comment = value.range(of: " #") { value = value[..<comment.lowerBound] }
        return (key, value.trimmingCharacters(in: .whitespaces))
    }

    private static func isContent(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return !trimmed.isEmpty && !trimmed.hasPrefix("#")
    }

    private static func indentation(of line: Substring) -> Int {
        line.prefix { $0 == " " || $0 == "-" || $0 == "\t" }.count
    }
}

/// 1-based line and column (in characters) of a byte offset.
private func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
    let end = min(offset, bytes.count)
    var line = 1
    var column = 1
    for byte in bytes[..<end] {
        if byte == 0x0A {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }
    return (line, column)
}
