import Foundation
import Template
import YAML

/// Reads a `secrets.yaml` into a `SecretsFile`, checking everything that needs no value: fields,
/// one source a key, alphabets, formats, patterns, the keys a type requires, duplicates. Every
/// problem is collected and thrown together; no message quotes a line of the file.
package struct SecretsLoader {
    package let path: String
    /// For Secrets without `namespace:` (the command's `--namespace`); nil makes it required.
    package let defaultNamespace: String?

    package init(path: String, defaultNamespace: String? = nil) {
        self.path = path
        self.defaultNamespace = defaultNamespace
    }

    package func load() throws(SecretsError) -> SecretsFile {
        let bytes: [UInt8]
        switch readFile(path) {
        case .success(let read): bytes = read
        case .failure(let failure): throw SecretsError([Diagnostic(file: path, message: "cannot read the file: \(failure)")])
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw SecretsError([Diagnostic(file: path, message: "the file is not UTF-8 text")])
        }
        return try parse(text)
    }

    /// `text` as the content of `path` (which only names the file in diagnostics and anchors `file:`).
    package func parse(_ text: String) throws(SecretsError) -> SecretsFile {
        let root: YAMLNode?
        do {
            root = try YAMLParser.documents(in: text).first
        } catch {
            // libyaml's problem text names no content; the line is not echoed.
            throw SecretsError([Diagnostic(file: path, line: error.line, column: error.column, message: error.problem)])
        }
        var reader = Reader(path: path, defaultNamespace: defaultNamespace)
        let secrets = reader.file(root)
        guard reader.diagnostics.isEmpty else { throw SecretsError(reader.diagnostics) }
        return SecretsFile(path: path, secrets: secrets)
    }
}

/// The walk over the document, collecting diagnostics as it goes.
private struct Reader {
    let path: String
    let defaultNamespace: String?
    var diagnostics: [Diagnostic] = []

    init(path: String, defaultNamespace: String?) {
        self.path = path
        self.defaultNamespace = defaultNamespace
    }

    private var folder: String { (path as NSString).deletingLastPathComponent }

    mutating func problem(_ node: YAMLNode, _ message: String, subject: String? = nil) {
        diagnostics.append(Diagnostic(file: path, line: node.line, column: node.column, message: message, subject: subject))
    }

    mutating func problem(_ mark: Mark, _ message: String, subject: String? = nil) {
        diagnostics.append(Diagnostic(file: path, line: mark.line, column: mark.column, message: message, subject: subject))
    }

    mutating func file(_ root: YAMLNode?) -> [SecretSpec] {
        guard let root else {
            diagnostics.append(Diagnostic(file: path, message: "the file is empty; it needs a \"secrets:\" list"))
            return []
        }
        guard let fields = fields(root, "the file", allowed: ["secrets"]) else { return [] }
        guard let list = fields["secrets"] else {
            problem(root, "missing field \"secrets\"")
            return []
        }
        guard let items = list.sequence else {
            problem(list, "secrets: expected a list of Secrets")
            return []
        }
        var specs: [SecretSpec] = []
        var seen: [String: Mark] = [:]
        for (index, item) in items.enumerated() {
            guard let spec = secret(item, at: "secrets[\(index)]") else { continue }
            if let first = seen[spec.reference] {
                problem(spec.mark, "secrets[\(index)]: duplicate Secret \(spec.reference), first at line \(first.line)",
                        subject: spec.reference)
                continue
            }
            seen[spec.reference] = spec.mark
            specs.append(spec)
        }
        return specs
    }

    // MARK: A Secret

    mutating func secret(_ node: YAMLNode, at context: String) -> SecretSpec? {
        let allowed = ["name", "namespace", "type", "labels", "annotations", "createNamespace", "keys"]
        guard let fields = fields(node, context, allowed: allowed) else { return nil }
        let mark = Mark(line: node.line, column: node.column)
        var valid = true
        let name = string(fields["name"], "\(context).name")
        if let name, !Self.isDNSSubdomain(name) {
            problem(fields["name"]!, "\(context).name: \(quoted(name)) is not a valid Secret name (lower-case letters, digits, '-' and '.')")
            valid = false
        } else if name == nil, fields["name"] == nil {
            problem(node, "\(context): missing field \"name\"")
        }
        var namespace = string(fields["namespace"], "\(context).namespace")
        if let given = namespace, !Self.isDNSLabel(given) {
            problem(fields["namespace"]!, "\(context).namespace: \(quoted(given)) is not a valid namespace name")
            valid = false
        }
        if fields["namespace"] == nil {
            namespace = defaultNamespace
            if namespace == nil { problem(node, "\(context): missing field \"namespace\" (and no default namespace was given)") }
        }
        var type = SecretType.opaque
        if let typeNode = fields["type"], let text = string(typeNode, "\(context).type") {
            if let known = SecretType(rawValue: text) {
                type = known
            } else {
                problem(typeNode, "\(context).type: unknown type \(quoted(text)); expected one of \(SecretType.allCases.map(\.rawValue).joined(separator: ", "))")
                valid = false
            }
        }
        let labels = stringMap(fields["labels"], "\(context).labels")
        let annotations = stringMap(fields["annotations"], "\(context).annotations")
        let createNamespace = bool(fields["createNamespace"], "\(context).createNamespace") ?? false
        var keys: [KeySpec] = []
        if let keysNode = fields["keys"] {
            if let pairs = keysNode.mapping {
                if pairs.isEmpty { problem(keysNode, "\(context).keys: a Secret needs at least one key") }
                for (keyNode, valueNode) in pairs {
                    guard let keyName = string(keyNode, "\(context).keys") else { continue }
                    let keyContext = "\(context).keys.\(keyName)"
                    if !Self.isDataKey(keyName) {
                        problem(keyNode, "\(keyContext): not a valid key name (letters, digits, '-', '_' and '.')")
                        continue
                    }
                    if let key = key(keyName, valueNode, at: keyContext, mark: Mark(line: keyNode.line, column: keyNode.column)) {
                        keys.append(key)
                    }
                }
            } else {
                problem(keysNode, "\(context).keys: expected a mapping of key names to sources")
            }
        } else {
            problem(node, "\(context): missing field \"keys\"")
        }
        let names = Set(keys.map(\.name))
        if keys.count == (fields["keys"]?.mapping?.count ?? -1) {
            for required in type.requiredKeys where !names.contains(required) {
                problem(fields["keys"]!, "\(context).keys: a Secret of type \(type.rawValue) needs the key \(quoted(required))")
            }
        }
        guard valid, let name, let namespace else { return nil }
        return SecretSpec(name: name, namespace: namespace, type: type, labels: labels, annotations: annotations,
                          createNamespace: createNamespace, keys: keys, mark: mark)
    }

    // MARK: A key

    static let sourceFields = ["env", "file", "generate", "fromSecret", "template", "literal", "dockerconfigjson"]
    static let checkFields = ["format", "minLength", "pattern"]

    mutating func key(_ name: String, _ node: YAMLNode, at context: String, mark: Mark) -> KeySpec? {
        guard let fields = fields(node, context, allowed: Self.sourceFields + Self.checkFields) else { return nil }
        guard let source = source(node, fields, at: context, nested: false) else { return nil }
        var checks = ValueChecks()
        var valid = true
        if let formatNode = fields["format"], let text = string(formatNode, "\(context).format") {
            checks.format = ValueFormat(rawValue: text)
            if checks.format == nil {
                problem(formatNode, "\(context).format: unknown format \(quoted(text)); expected one of \(ValueFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                valid = false
            }
        }
        if let lengthNode = fields["minLength"] {
            checks.minLength = positiveInt(lengthNode, "\(context).minLength")
            if checks.minLength == nil { valid = false }
        }
        if let patternNode = fields["pattern"], let text = string(patternNode, "\(context).pattern") {
            if (try? NSRegularExpression(pattern: text)) == nil {
                problem(patternNode, "\(context).pattern: not a valid regular expression")
                valid = false
            } else {
                checks.pattern = text
            }
        }
        guard valid else { return nil }
        return KeySpec(name: name, source: source, checks: checks, mark: mark)
    }

    /// The one source among `fields`; `nested` for a part of a `dockerconfigjson`, which cannot be
    /// another `dockerconfigjson`, a template or generated.
    mutating func source(_ node: YAMLNode, _ fields: [String: YAMLNode], at context: String, nested: Bool) -> SourceSpec? {
        let given = Self.sourceFields.filter { fields[$0] != nil }
        guard let kind = given.first else {
            problem(node, "\(context): no source; give one of \(Self.sourceFields.joined(separator: ", "))")
            return nil
        }
        if given.count > 1 {
            let second = fields[given[1]]!
            problem(second, "\(context): two sources, \(given[0]) and \(given[1]); a key takes exactly one")
            return nil
        }
        let valueNode = fields[kind]!
        let mark = Mark(line: node.line, column: node.column)
        let fieldContext = "\(context).\(kind)"
        if nested, ["dockerconfigjson", "template", "generate"].contains(kind) {
            problem(valueNode, "\(fieldContext): a part of a dockerconfigjson takes env, file, fromSecret or literal")
            return nil
        }
        let source: ValueSource?
        switch kind {
        case "env":
            source = string(valueNode, fieldContext).flatMap { name in
                guard Self.isEnvironmentName(name) else {
                    // Not quoted: a value pasted in place of the name must not be echoed.
                    problem(valueNode, "\(fieldContext): not an environment variable name (letters, digits and '_', not starting with a digit)")
                    return nil
                }
                return .env(name)
            }
        case "file":
            source = string(valueNode, fieldContext).map { written in
                .file(written: written, path: written.hasPrefix("/") ? written : (folder.isEmpty ? written : folder + "/" + written))
            }
        case "generate":
            source = generate(valueNode, at: fieldContext).map(ValueSource.generate)
        case "fromSecret":
            source = fromSecret(valueNode, at: fieldContext).map(ValueSource.fromSecret)
        case "template":
            source = string(valueNode, fieldContext).map(ValueSource.template)
        case "literal":
            source = string(valueNode, fieldContext).map(ValueSource.literal)
        default:
            source = dockerConfig(valueNode, at: fieldContext)
        }
        return source.map { SourceSpec(source: $0, mark: mark) }
    }

    mutating func generate(_ node: YAMLNode, at context: String) -> GenerateSpec? {
        guard let fields = fields(node, context, allowed: ["length", "alphabet"]) else { return nil }
        var alphabet = Alphabet.alphanumeric
        if let alphabetNode = fields["alphabet"], let text = string(alphabetNode, "\(context).alphabet") {
            guard let known = Alphabet(rawValue: text) else {
                problem(alphabetNode, "\(context).alphabet: unknown alphabet \(quoted(text)); expected one of \(Alphabet.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            alphabet = known
        }
        guard let lengthNode = fields["length"] else {
            problem(node, "\(context): missing field \"length\"")
            return nil
        }
        guard let length = positiveInt(lengthNode, "\(context).length") else { return nil }
        if length > 4096 {
            problem(lengthNode, "\(context).length: \(length) is more than 4096")
            return nil
        }
        if alphabet == .base64, length % 4 != 0 {
            problem(lengthNode, "\(context).length: \(length) is not a multiple of 4, which a base64 value needs")
            return nil
        }
        return GenerateSpec(length: length, alphabet: alphabet)
    }

    mutating func fromSecret(_ node: YAMLNode, at context: String) -> SecretKeyReference? {
        guard let fields = fields(node, context, allowed: ["namespace", "name", "key"]) else { return nil }
        var missing = false
        for field in ["name", "key"] where fields[field] == nil {
            problem(node, "\(context): missing field \(quoted(field))")
            missing = true
        }
        guard !missing, let name = string(fields["name"], "\(context).name"),
              let key = string(fields["key"], "\(context).key") else { return nil }
        // An empty namespace is the referring Secret's own, filled in by the resolver.
        let namespace = fields["namespace"].flatMap { string($0, "\(context).namespace") } ?? ""
        return SecretKeyReference(namespace: namespace, name: name, key: key)
    }

    mutating func dockerConfig(_ node: YAMLNode, at context: String) -> ValueSource? {
        guard let fields = fields(node, context, allowed: ["registry", "username", "password"]) else { return nil }
        var parts: [SourceSpec] = []
        for part in ["registry", "username", "password"] {
            guard let partNode = fields[part] else {
                problem(node, "\(context): missing field \(quoted(part))")
                continue
            }
            // A bare string for the registry is its name, the common case.
            if part == "registry", let text = partNode.scalar {
                parts.append(SourceSpec(source: .literal(text), mark: Mark(line: partNode.line, column: partNode.column)))
                continue
            }
            guard let partFields = self.fields(partNode, "\(context).\(part)", allowed: Self.sourceFields) else { continue }
            if let spec = source(partNode, partFields, at: "\(context).\(part)", nested: true) { parts.append(spec) }
        }
        guard parts.count == 3 else { return nil }
        return .dockerConfigJSON(registry: parts[0], username: parts[1], password: parts[2])
    }

    // MARK: Scalars and mappings

    /// A mapping's fields by name; an unknown field is a problem (reported, then ignored).
    mutating func fields(_ node: YAMLNode, _ context: String, allowed: [String]) -> [String: YAMLNode]? {
        guard let pairs = node.mapping else {
            problem(node, "\(context): expected a mapping")
            return nil
        }
        var fields: [String: YAMLNode] = [:]
        for (key, value) in pairs {
            guard let name = key.scalar else {
                problem(key, "\(context): a field name must be a string")
                continue
            }
            if allowed.contains(name) {
                fields[name] = value
            } else {
                problem(key, "\(context): unknown field \(quoted(name))")
            }
        }
        return fields
    }

    mutating func string(_ node: YAMLNode?, _ context: String) -> String? {
        guard let node else { return nil }
        guard let text = node.scalar, !(node.isUntaggedPlainScalar && ["~", "null", "Null", "NULL", ""].contains(text)) else {
            problem(node, "\(context): expected a string")
            return nil
        }
        return text
    }

    mutating func positiveInt(_ node: YAMLNode, _ context: String) -> Int? {
        guard let text = node.scalar, node.isUntaggedPlainScalar, let number = Int(text), number > 0 else {
            problem(node, "\(context): expected a positive whole number")
            return nil
        }
        return number
    }

    mutating func bool(_ node: YAMLNode?, _ context: String) -> Bool? {
        guard let node else { return nil }
        switch node.isUntaggedPlainScalar ? node.scalar : nil {
        case "true": return true
        case "false": return false
        default:
            problem(node, "\(context): expected true or false")
            return nil
        }
    }

    mutating func stringMap(_ node: YAMLNode?, _ context: String) -> [String: String] {
        guard let node else { return [:] }
        guard let pairs = node.mapping else {
            problem(node, "\(context): expected a mapping of strings")
            return [:]
        }
        var map: [String: String] = [:]
        for (key, value) in pairs {
            guard let name = string(key, context), let text = string(value, "\(context).\(name)") else { continue }
            map[name] = text
        }
        return map
    }

    // MARK: Names Kubernetes accepts

    static func isDNSSubdomain(_ name: String) -> Bool {
        name.utf8.count <= 253 && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    static func isDNSLabel(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }

    static func isDataKey(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253 && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._".unicodeScalars.contains($0)) }
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }
    }
}

/// A name from the file, quoted as Go would, so control characters cannot garble a message.
func quoted(_ text: String) -> String {
    goQuote(text)
}
