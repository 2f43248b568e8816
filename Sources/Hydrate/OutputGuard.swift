import Template
import Gomplate
import Foundation
import YAML

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
    /// the YAML it is. The nodes are built only for the Secret walk, and only when the text could
    /// spell what it looks for; otherwise libyaml's events are checked alone.
    func manifestDiagnostics(file: String, output: [UInt8], format: ManifestFormat,
                             checkSecrets: Bool) -> [HydrationDiagnostic] {
        let kind: HydrationDiagnostic.Kind = format == .json ? .invalidJSON : .invalidYAML
        func invalid(_ line: Int, _ column: Int, _ problem: String) -> [HydrationDiagnostic] {
            [HydrationDiagnostic(kind: kind, file: file, line: line,
                                 column: byteColumn(ofCharacterColumn: column, onLine: line, in: output),
                                 message: "the rendered output is not valid \(format.rawValue): \(problem)")]
        }
        let text = String(decoding: format == .json ? Self.tabsAroundJSONAsSpaces(output) : output, as: UTF8.self)
        guard checkSecrets && SecretSearch.maySpellSecret(output) else {
            return YAMLParser.firstError(in: text).map { invalid($0.line, $0.column, Self.problem(of: $0)) } ?? []
        }
        let parser = YAMLParser(text)
        let documents: [YAMLNode]
        do throws(YAMLError) {
            documents = try parser.remainingDocuments()
        } catch {
            return invalid(error.line, error.column, Self.problem(of: error))
        }
        var search = SecretSearch(budget: 8 * parser.aliasBudget.expandedNodes + 1000,
                                  isKustomization: Self.isKustomization(file))
        do throws(SecretSearch.BudgetExceeded) {
            for document in documents { try search.visit(document) }
        } catch {
            return invalid(error.line, error.column, YAMLError.excessiveAliasing)
        }
        return search.found.map { secretDiagnostic(file: file, output: output, $0) }
    }

    /// The Secrets with data in an output that is not a manifest (a `.txt`, a `.md`, a
    /// `secret.yaml.tmpl`): only when its text names `kind` and `Secret`, read as YAML if it is
    /// YAML, and line by line (`SecretLines`) if it does not parse and its name says it is
    /// YAML-like (`isYAMLLike`). Such a file is not required to parse.
    func otherFileDiagnostics(file: String, output: [UInt8]) -> [HydrationDiagnostic] {
        guard Self.manifestFormat(of: file) == nil, SecretSearch.mayHoldSecret(output) else { return [] }
        let text = String(decoding: output, as: UTF8.self)
        let parser = YAMLParser(text)
        if let documents = try? parser.remainingDocuments() {
            var search = SecretSearch(budget: 8 * parser.aliasBudget.expandedNodes + 1000, isKustomization: false)
            do {
                for document in documents { try search.visit(document) }
                return search.found.map { secretDiagnostic(file: file, output: output, $0) }
            } catch {
                // Too much YAML to walk: only the line-by-line look below is left, as for text that is not YAML.
            }
        }
        guard Self.isYAMLLike(file), let found = SecretLines.secretWithData(in: text) else { return [] }
        return [secretDiagnostic(file: file, output: output, FoundSecret(subject: found.subject, field: found.field, line: found.line,
                                                         column: found.column, inString: false))]
    }

    private func secretDiagnostic(file: String, output: [UInt8], _ secret: FoundSecret) -> HydrationDiagnostic {
        HydrationDiagnostic(
            kind: .secret, file: file, line: secret.line,
            column: secret.line.flatMap { line in
                secret.column.map { byteColumn(ofCharacterColumn: $0, onLine: line, in: output) }
            },
            message: "\(secret.subject)\(secret.inString ? " (in the YAML text of a string)" : "") has \(secret.field) "
                + "in it: Secrets are created outside git (or opt the file out with \(optOutHint))",
            subject: secret.subject)
    }

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
                    + "(keep it out of git, or opt the file out with \(optOutHint))",
                subject: name))
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

    /// libyaml's fixed wording, or the parser's; a duplicate key is named the Go way (`%q`), and
    /// redacted later like every message.
    private static func problem(of error: YAMLError) -> String {
        YAMLDecodeError(error).problem
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
    private var enclosingString: YAMLNode?
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

    /// Whether the walk could find anything in a manifest, so that its tree is worth building:
    /// what it looks for is spelled in the text as written (`kind` and `Secret`, or
    /// `secretGenerator`), unless the text has an escape (`"Secr\x65t"`) or a tag (`!!binary`),
    /// the only ways YAML has to spell a scalar with other characters. Aliases and merge keys only
    /// repeat what is written elsewhere in the same text, and folded lines join with a space.
    static func maySpellSecret(_ text: [UInt8]) -> Bool {
        text.contains(UInt8(ascii: "\\")) || text.contains(UInt8(ascii: "!"))
            || containsBytes(text, Array("secretGenerator".utf8))
            || containsBytes(text, Array("Secret".utf8)) && containsBytes(text, Array("kind".utf8))
    }

    mutating func visit(_ root: YAMLNode) throws(BudgetExceeded) {
        if let document = root.mapping {
            let kind = try field("kind", in: document).flatMap { text(of: $0.value) }
            if isKustomization && enclosingString == nil || kind == "Kustomization" || kind == "Component" {
                try recordGenerators(of: document)
            }
        }
        var pending: [(node: YAMLNode, impliedKind: String?)] = [(root, nil)]
        while let (node, impliedKind) = pending.popLast() {
            try spend(on: node)
            switch node.content {
            case .mapping(let mapping):
                let kind = try field("kind", in: mapping).flatMap { text(of: $0.value) } ?? impliedKind
                if kind == "Secret" { try recordData(of: mapping) }
                var itemsQueued = false
                if let kind, kind.hasSuffix("List"), let items = try field("items", in: mapping)?.value.sequence {
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
            case .scalar(let text, _):
                try visitText(of: text, in: node)
            }
        }
    }

    /// A string that may hold a manifest, read as YAML with the alias rule of the file, its nodes
    /// counted against the same budget.
    private mutating func visitText(of string: String, in node: YAMLNode) throws(BudgetExceeded) {
        guard stringDepth < Self.maxStringDepth, string.contains(where: \.isNewline) || string.contains("{"),
              Self.mayHoldSecret(string.utf8), readStrings.insert(string).inserted else { return }
        let outer = enclosingString
        enclosingString = outer ?? node
        stringDepth += 1
        defer {
            enclosingString = outer
            stringDepth -= 1
        }
        let parser = YAMLParser(string)
        guard let documents = try? parser.remainingDocuments(), !documents.isEmpty else {
            if let secret = SecretLines.secretWithData(in: string) {
                record(FoundSecret(subject: secret.subject, field: secret.field, line: nil, column: nil, inString: true))
            }
            return
        }
        budget += 8 * parser.aliasBudget.expandedNodes
        for document in documents { try visit(document) }
    }

    private mutating func recordData(of secret: YAMLNode.Mapping) throws(BudgetExceeded) {
        var namespace: String?
        var name: String?
        if let metadata = try field("metadata", in: secret)?.value.mapping {
            namespace = try field("namespace", in: metadata).flatMap { text(of: $0.value) }
            name = try field("name", in: metadata).flatMap { text(of: $0.value) }
        }
        let subject = "Secret " + goQuote([namespace, name].compactMap { $0 }.joined(separator: "/"))
        for fieldName in ["data", "stringData"] {
            guard let (key, value) = try field(fieldName, in: secret), holdsSomething(value) else { continue }
            record(FoundSecret(subject: subject, field: fieldName, line: key.line, column: key.column, inString: false))
        }
    }

    /// kustomize's `secretGenerator` entries with something to make a Secret of: `literals`, or
    /// `envs`/`env`/`files`, which name files beside the kustomization, so in git too.
    private mutating func recordGenerators(of kustomization: YAMLNode.Mapping) throws(BudgetExceeded) {
        guard let generators = try field("secretGenerator", in: kustomization)?.value.sequence else { return }
        for generator in generators {
            guard let entry = generator.mapping else { continue }
            let name = try field("name", in: entry).flatMap { text(of: $0.value) } ?? ""
            for fieldName in ["literals", "envs", "env", "files"] {
                guard let (key, value) = try field(fieldName, in: entry), holdsSomething(value) else { continue }
                record(FoundSecret(subject: "secretGenerator " + goQuote(name), field: fieldName,
                                   line: key.line, column: key.column, inString: false))
            }
        }
    }

    private mutating func record(_ secret: FoundSecret) {
        let placed = enclosingString.map { string in
            FoundSecret(subject: secret.subject, field: secret.field, line: string.line, column: string.column,
                        inString: true)
        } ?? secret
        if seen.insert(placed).inserted { found.append(placed) }
    }

    /// The value of `name` as a YAML loader sees it: the mapping's own key first, then its merge
    /// keys' mappings in order, each with its own merge keys (YAML's merge key type).
    private mutating func field(_ name: String, in mapping: YAMLNode.Mapping)
        throws(BudgetExceeded) -> (key: YAMLNode, value: YAMLNode)? {
        var pending = [mapping]
        while let current = pending.popLast() {
            var merged: [YAMLNode.Mapping] = []
            for (key, value) in current {
                try spend(on: key)
                if isMergeKey(key) {
                    switch value.content {
                    case .mapping(let source): merged.append(source)
                    case .sequence(let sources): merged += sources.compactMap(\.mapping)
                    case .scalar: continue
                    }
                } else if text(of: key) == name {
                    return (key, value)
                }
            }
            pending += merged.reversed()
        }
        return nil
    }

    private mutating func spend(on node: YAMLNode) throws(BudgetExceeded) {
        budget -= 1
        if budget < 0 {
            let place = enclosingString ?? node
            throw BudgetExceeded(line: place.line, column: place.column)
        }
    }

    /// `<<` written plain without a tag, or any scalar tagged `!!merge` (YAML's merge key type).
    private func isMergeKey(_ key: YAMLNode) -> Bool {
        guard case .scalar(let text, _) = key.content else { return false }
        return key.tag == YAMLTag.merge || key.isUntaggedPlainScalar && text == "<<"
    }

    /// A scalar's text; a `!!binary` one decoded, as Kubernetes' YAML reader decodes it.
    private func text(of node: YAMLNode) -> String? {
        guard case .scalar(let text, _) = node.content else { return nil }
        guard node.tag == YAMLTag.binary else { return text }
        let base64 = text.filter { !$0.isWhitespace }
        return Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Anything but an empty collection, an empty string or null.
    private func holdsSomething(_ node: YAMLNode) -> Bool {
        switch node.content {
        case .mapping(let mapping): return !mapping.isEmpty
        case .sequence(let sequence): return !sequence.isEmpty
        case .scalar(let text, let style):
            if text.isEmpty { return false }
            return style != .plain || !["~", "null", "Null", "NULL"].contains(text)
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

/// 1-based line and column of a byte offset; the column counts bytes, as every Diagnostic's does.
private func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
    let end = min(offset, bytes.count)
    let lineStart = bytes[..<end].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
    return (bytes[..<lineStart].count { $0 == 0x0A } + 1, end - lineStart + 1)
}

/// The byte column of libyaml's column (which counts Unicode scalars, a leading byte-order mark
/// not counted) on a 1-based line of `bytes`.
private func byteColumn(ofCharacterColumn column: Int, onLine line: Int, in bytes: [UInt8]) -> Int {
    var index = 0
    for _ in 1..<max(line, 1) {
        guard let newline = bytes[index...].firstIndex(of: 0x0A) else { return column }
        index = newline + 1
    }
    if line == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    let lineStart = index
    var characters = 1
    while characters < column, index < bytes.count, bytes[index] != 0x0A {
        index += 1
        while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
        characters += 1
    }
    return index - lineStart + 1
}
