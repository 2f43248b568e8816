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
    /// Where (the file's path below the templates directory, the same below the instance folder, as
    /// a plan gives it; relative to the working directory once `HydrationJob` reports it; 1-based
    /// line and column), what, and the key or object it is about.
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

    /// `file:line:col: message` (`file:line: message` where only the line is known, as for Go's
    /// parse errors; `file: message` for the file as a whole): one form for every kind, which a CI
    /// system can parse. A template error's own `template: NAME:LINE:COL: ` is left out, since the
    /// fields say it (`conciseMessage`).
    public var description: String {
        Diagnostic(file: file, line: line, column: column, message: conciseMessage).description
    }

    /// The message without what the fields already say: for a template error, Go's
    /// `template: NAME:LINE[:COL]: ` and, when the file's own template was executing, its
    /// `executing "NAME" `, so `at <.X>: …` remains; other kinds' messages as they are.
    package var conciseMessage: String {
        guard kind == .template, let line else { return message }
        // Go prints a run-time column 0-based, the field is 1-based.
        let position = column.map { "\(line):\($0 - 1)" } ?? "\(line)"
        let prefix = "template: \(file):\(position): "
        guard message.hasPrefix(prefix) else { return message }
        let rest = message.dropFirst(prefix.count)
        let ownTemplate = "executing \(goQuote(file)) "
        return String(rest.hasPrefix(ownTemplate) ? rest.dropFirst(ownTemplate.count) : rest)
    }

    /// The variable (a key of `.Env`) this finding says is not set; nil for other findings,
    /// including a missing key of `.Values`, which only `--values` can set.
    package var missingVariable: String? {
        guard kind == .missingKey, let key = diagnostic.subject else { return nil }
        let expression = "(in .Env.\(key)"
        return message.contains(expression + ")") || message.contains(expression + ".") ? key : nil
    }

    /// The same finding about `file`, a path of the same file as the user should read it (relative
    /// to the working directory); a template error's message concise, as the fields carry its place.
    package func located(at file: String) -> HydrationDiagnostic {
        HydrationDiagnostic(kind: kind, Diagnostic(file: file, line: line, column: column, message: conciseMessage,
                                                   subject: diagnostic.subject))
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

    /// One finding per variable not set, at its first place (in this order), which counts the
    /// other places: the bundled templates read CLIENT_REPO_ID in 23 places, and a line for each
    /// buried the few names to set. Other findings stay as they are, each at its place.
    package static func mergingMissingVariables(_ diagnostics: [HydrationDiagnostic]) -> [HydrationDiagnostic] {
        var uses: [String: (count: Int, files: Set<String>)] = [:]
        for diagnostic in diagnostics {
            guard let name = diagnostic.missingVariable else { continue }
            uses[name, default: (0, [])].count += 1
            uses[name]?.files.insert(diagnostic.file)
        }
        var reported: Set<String> = []
        return diagnostics.compactMap { diagnostic in
            guard let name = diagnostic.missingVariable, let use = uses[name] else { return diagnostic }
            guard reported.insert(name).inserted else { return nil }
            guard use.count > 1 else { return diagnostic }
            let files = use.files.count == 1 ? "this file" : "\(use.files.count) files"
            return HydrationDiagnostic(kind: diagnostic.kind, Diagnostic(
                file: diagnostic.file, line: diagnostic.line, column: diagnostic.column,
                message: diagnostic.message + "; read at \(use.count) places in \(files)",
                subject: diagnostic.diagnostic.subject))
        }
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
            var lines = ["hydration found \(count); nothing was written:"] + diagnostics.map(\.description)
            if let summary = Self.missingVariablesSummary(diagnostics) { lines.append(summary) }
            return lines.joined(separator: "\n")
        case .writeFailed(let messages):
            return (["hydration failed while writing:"] + messages).joined(separator: "\n")
        }
    }

    /// With two or more variables not set, one line naming them all (sorted, each once) and where
    /// hydrate takes variables from, so a person sets them all at once rather than one per run.
    static func missingVariablesSummary(_ diagnostics: [HydrationDiagnostic]) -> String? {
        var seen: Set<String> = []
        let names = diagnostics.compactMap(\.missingVariable).filter { seen.insert($0).inserted }.sorted(by: goStringLess)
        guard names.count >= 2 else { return nil }
        return "\(names.count) variables are not set: \(names.joined(separator: ", ")); "
            + "set them in --env-file, --values or the environment"
    }
}
