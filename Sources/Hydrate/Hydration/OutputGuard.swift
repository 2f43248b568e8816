import Foundation
import Yams

/// The checks a rendered file passes before anything is written: YAML files must parse, and no
/// output may carry a credential. Credentials are found two ways: a Kubernetes Secret with data in
/// it, and the value of a variable whose name says it is a credential. Messages name the file,
/// line and variable, never the value.
struct OutputGuard: Sendable {
    /// The template comment that exempts one file from the credential checks.
    static let optOutWord = "edpctl:allow-secrets"

    private struct Credential: Sendable {
        let name: String
        let value: [UInt8]
        let base64: [UInt8]
    }

    private let credentials: [Credential]
    private let optOutHint: String
    private let optOutPattern: NSRegularExpression

    /// Short values, flags and plain numbers (`AUTH_TOKEN_ENABLED=true`) would match ordinary words
    /// all over the output without protecting anything.
    static func couldBeSecret(_ value: String) -> Bool {
        guard value.count >= 4 else { return false }
        if value.allSatisfy(\.isNumber) { return false }
        return !["true", "false", "yes", "no", "on", "off", "null", "none", "enabled", "disabled"]
            .contains(value.lowercased())
    }

    init(environment: [String: String], leftDelimiter: String, rightDelimiter: String) throws {
        credentials = environment.keys.sorted(by: goStringLess).compactMap { name in
            guard Self.isCredentialName(name), let value = environment[name], Self.couldBeSecret(value) else { return nil }
            return Credential(name: name, value: Array(value.utf8),
                              base64: Array(Data(value.utf8).base64EncodedString().utf8))
        }
        optOutHint = "\(leftDelimiter)/* \(Self.optOutWord) */\(rightDelimiter)"
        let left = NSRegularExpression.escapedPattern(for: leftDelimiter)
        let right = NSRegularExpression.escapedPattern(for: rightDelimiter)
        optOutPattern = try NSRegularExpression(pattern: "\(left)(- )?/\\*\\s*\(Self.optOutWord)\\s*\\*/( -)?\(right)")
    }

    /// `*PASSWORD*`, `*SECRET*`, `*TOKEN*` or `*_KEY`, in any case.
    static func isCredentialName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return upper.contains("PASSWORD") || upper.contains("SECRET") || upper.contains("TOKEN")
            || upper.hasSuffix("_KEY")
    }

    /// Whether the template opts its file out of the credential checks.
    func allowsSecrets(templateText: String) -> Bool {
        optOutPattern.firstMatch(in: templateText, range: NSRange(templateText.startIndex..., in: templateText)) != nil
    }

    /// `message` with every credential variable's value, and its base64 form, replaced by
    /// `<NAME redacted>`: Go's run-time errors quote the values they trip over
    /// (`range can't iterate over VALUE`), and the errors go to CI logs.
    func redacting(_ message: String) -> String {
        var text = message
        let forms = credentials.flatMap { credential in
            [(credential.value, credential.name), (credential.base64, credential.name)]
        }
        // Longest first, so a value that contains another one is replaced whole.
        for (form, name) in forms.sorted(by: { $0.0.count > $1.0.count }) {
            text = text.replacingOccurrences(of: String(decoding: form, as: UTF8.self), with: "<\(name) redacted>")
        }
        return text
    }

    /// Files whose output must be YAML: the manifests and Helm values of a stack.
    static func isYAMLFile(_ path: String) -> Bool {
        path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    }

    /// A syntax error as one diagnostic, or else every Secret that holds data.
    func yamlDiagnostics(file: String, output: [UInt8], checkSecrets: Bool) -> [HydrationDiagnostic] {
        var diagnostics: [HydrationDiagnostic] = []
        do {
            let parser = try Parser(yaml: String(decoding: output, as: UTF8.self), resolver: .basic,
                                    constructor: .default, encoding: .utf8)
            while let document = try parser.nextRoot() {
                if checkSecrets { diagnostics += secretsWithData(in: document, file: file) }
            }
        } catch {
            let (line, column, problem) = Self.position(of: error, in: output)
            return [HydrationDiagnostic(kind: .invalidYAML, file: file, line: line, column: column,
                                        message: "the rendered output is not valid YAML: \(problem)")]
        }
        return diagnostics
    }

    /// Every line where a credential variable's value (or its base64 encoding) appears.
    func credentialDiagnostics(file: String, output: [UInt8]) -> [HydrationDiagnostic] {
        var diagnostics: [HydrationDiagnostic] = []
        for credential in credentials {
            for (needle, how) in [(credential.value, ""), (credential.base64, " base64-encoded")] {
                var reportedLines: Set<Int> = []
                for offset in occurrences(of: needle, in: output) {
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

    /// Secrets with a non-empty `data` or `stringData`, also inside a `kind: List`.
    private func secretsWithData(in node: Node, file: String) -> [HydrationDiagnostic] {
        guard case .mapping(let object) = node else { return [] }
        let kind = object["kind"]?.string
        if kind == "List", case .sequence(let items)? = object["items"] {
            return items.flatMap { secretsWithData(in: $0, file: file) }
        }
        guard kind == "Secret" else { return [] }
        let metadata = object["metadata"]?.mapping
        let name = [metadata?["namespace"]?.string, metadata?["name"]?.string].compactMap { $0 }.joined(separator: "/")
        var diagnostics: [HydrationDiagnostic] = []
        for (key, value) in object {
            guard let field = key.string, field == "data" || field == "stringData",
                  case .mapping(let entries) = value, !entries.isEmpty else { continue }
            diagnostics.append(HydrationDiagnostic(
                kind: .secret, file: file, line: key.mark?.line, column: key.mark?.column,
                message: "Secret \(goQuote(name)) has \(field) in it: Secrets are created outside git "
                    + "(or opt the file out with \(optOutHint))"))
        }
        return diagnostics
    }

    /// Yams' errors carry the source text; only the position and the problem are kept.
    private static func position(of error: any Error, in output: [UInt8]) -> (line: Int, column: Int, problem: String) {
        guard let yamlError = error as? YamlError else { return (1, 1, "\(error)") }
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
        default:
            return (1, 1, "\(yamlError)")
        }
    }
}

/// Byte offsets where `needle` starts in `bytes`.
private func occurrences(of needle: [UInt8], in bytes: [UInt8]) -> [Int] {
    guard !needle.isEmpty, bytes.count >= needle.count else { return [] }
    var offsets: [Int] = []
    for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
        if bytes[start..<(start + needle.count)].elementsEqual(needle) { offsets.append(start) }
    }
    return offsets
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
