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

    /// `.yaml` and `.yml` (the manifests and Helm values of a stack) and `.json`, in any case.
    static func manifestFormat(of path: String) -> ManifestFormat? {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") { return .yaml }
        if lowered.hasSuffix(".json") { return .json }
        return nil
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
        var search = SecretSearch(budget: 8 * budget.expandedNodes + 1000)
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
        return search.found.map { secret in
            let name = [secret.namespace, secret.name].compactMap { $0 }.joined(separator: "/")
            return HydrationDiagnostic(
                kind: .secret, file: file, line: secret.line, column: secret.column,
                message: "Secret \(goQuote(name)) has \(secret.field) in it: Secrets are created outside git "
                    + "(or opt the file out with \(optOutHint))")
        }
    }

    /// Plain scalars are strings, but for the merge key `<<`.
    private static let resolver = Resolver.basic.appending(.merge)

    /// go-yaml's wording.
    static let excessiveAliasing = "document contains excessive aliasing"

    /// Every line where a credential variable's value (or its base64 encoding) appears.
    func credentialDiagnostics(file: String, output: [UInt8]) -> [HydrationDiagnostic] {
        var diagnostics: [HydrationDiagnostic] = []
        for credential in credentials.credentials {
            for (needles, how) in [([credential.value] + credential.lines, ""), (credential.encodings, " base64-encoded")] {
                var reportedLines: Set<Int> = []
                for offset in needles.flatMap({ occurrences(of: $0, in: output) }).sorted() {
                    let (line, column) = lineAndColumn(of: offset, in: output)
                    guard reportedLines.insert(line).inserted else { continue }
                    diagnostics.append(HydrationDiagnostic(
                        kind: .secret, file: file, line: line, column: column,
                        message: "the value of the credential variable \(credential.name) appears\(how) in the output "
                            + "(keep it out of git, or opt the file out with \(optOutHint))"))
                }
            }
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

/// A Secret with data found by `SecretSearch`.
private struct FoundSecret: Hashable {
    let namespace: String?
    let name: String?
    /// `data` or `stringData`.
    let field: String
    /// Of the field's key: where the data is written, also when a merge key brings it in.
    let line: Int?
    let column: Int?
}

/// Every Secret with a non-empty `data` or `stringData`, however the YAML spells it: at any
/// depth (Lists, `SecretList`s and their items, Helm values that embed manifests), with keys and
/// values reached through anchors, aliases and merge keys (`<<: *base`, `<<: [*a, *b]`), quoted,
/// tagged (`!!str`, `!!binary`) or in flow style. Items of a `FooList` without a `kind` of their
/// own are `Foo`s, as in a typed list the API server returns. The walk keeps its own stack and
/// counts every node it touches, so no nesting or aliasing makes it recurse or run away.
private struct SecretSearch {
    struct BudgetExceeded: Error {
        let line: Int
        let column: Int
    }

    private var budget: Int
    private(set) var found: [FoundSecret] = []
    private var seen: Set<FoundSecret> = []

    init(budget: Int) { self.budget = budget }

    mutating func visit(_ root: Node) throws {
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
            case .scalar, .alias:
                continue
            }
        }
    }

    private mutating func recordData(of secret: Node.Mapping) throws {
        let metadata = try field("metadata", in: secret)?.value.mapping
        let namespace = try metadata.flatMap { try field("namespace", in: $0) }.flatMap { text(of: $0.value) }
        let name = try metadata.flatMap { try field("name", in: $0) }.flatMap { text(of: $0.value) }
        for fieldName in ["data", "stringData"] {
            guard let (key, value) = try field(fieldName, in: secret), holdsSomething(value) else { continue }
            let secret = FoundSecret(namespace: namespace, name: name, field: fieldName,
                                     line: key.mark?.line, column: key.mark?.column)
            if seen.insert(secret).inserted { found.append(secret) }
        }
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
        if budget < 0 { throw BudgetExceeded(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1) }
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
