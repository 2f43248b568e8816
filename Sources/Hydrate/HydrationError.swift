import Template
import Gomplate
/// One problem found while planning a hydration, at a place in one file. A plan's diagnostics
/// leave the module redacted (`CredentialVariables.redacting`), so neither `description` nor the
/// JSON encoding can show a credential's value.
public struct HydrationDiagnostic: Sendable, Equatable, Encodable, CustomStringConvertible {
    public enum Kind: String, Sendable, Encodable {
        /// The template does not parse or fails while executing; `message` is Go's wording, which
        /// already names the file and line (also given as fields).
        case template
        /// A variable (map key) the template asked for and nobody set.
        case missingKey
        /// The rendered output of a `.yaml` or `.yml` file is not valid YAML.
        case invalidYAML
        /// The rendered output of a `.json` file is not valid JSON.
        case invalidJSON
        /// A Secret with data, or a credential's value, in the output.
        case secret
    }

    public let kind: Kind
    /// Where (the file's path below the templates directory, the same below the instance folder;
    /// 1-based line and column), what, and the key or object it is about.
    public let diagnostic: Diagnostic

    public var file: String { diagnostic.file }
    public var line: Int? { diagnostic.line }
    public var column: Int? { diagnostic.column }
    public var message: String { diagnostic.message }

    public init(kind: Kind, _ diagnostic: Diagnostic) {
        self.kind = kind
        self.diagnostic = diagnostic
    }

    public init(kind: Kind, file: String, line: Int?, column: Int?, message: String, subject: String? = nil) {
        self.init(kind: kind, Diagnostic(file: file, line: line, column: column, message: message, subject: subject))
    }

    /// `file:line:col: message`; a template error is Go's text alone, which names its place itself.
    public var description: String {
        if kind == .template || line == nil { return message }
        return diagnostic.description
    }

    private enum CodingKeys: String, CodingKey { case kind, file, line, column, message, subject }

    /// The kind and the diagnostic's fields side by side, as JSON output carries them.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(diagnostic.file, forKey: .file)
        try container.encodeIfPresent(diagnostic.line, forKey: .line)
        try container.encodeIfPresent(diagnostic.column, forKey: .column)
        try container.encode(diagnostic.message, forKey: .message)
        try container.encodeIfPresent(diagnostic.subject, forKey: .subject)
    }

    /// By file, then position: the order a reader goes through them.
    static func sortedByPosition(_ diagnostics: [HydrationDiagnostic]) -> [HydrationDiagnostic] {
        diagnostics.sorted { a, b in
            if a.file != b.file { return goStringLess(a.file, b.file) }
            if a.line != b.line { return (a.line ?? 0) < (b.line ?? 0) }
            if a.column != b.column { return (a.column ?? 0) < (b.column ?? 0) }
            return goStringLess(a.message, b.message)
        }
    }
}

/// Why a hydration was refused or failed. Never carries a credential variable's value: `Hydrator`
/// passes every error it throws through `CredentialVariables.redacting`.
public enum HydrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A bad request or input file (`--env-file`, `--values`): nothing was rendered.
    case invalidInput(String)
    /// Every problem of every rendered file, sorted; nothing was written.
    case rejected([HydrationDiagnostic])
    /// Writing or removing files failed part-way; each message names its path.
    case writeFailed([String])

    public var description: String {
        switch self {
        case .invalidInput(let message):
            return message
        case .rejected(let diagnostics):
            let count = diagnostics.count == 1 ? "1 problem" : "\(diagnostics.count) problems"
            return (["hydration found \(count); nothing was written:"] + diagnostics.map(\.description))
                .joined(separator: "\n")
        case .writeFailed(let messages):
            return (["hydration failed while writing:"] + messages).joined(separator: "\n")
        }
    }
}
