/// A finding at a place in a file: a template error, a missing key, a malformed output, a secret.
/// Lines and columns are 1-based; a template's columns count bytes, as Go's do (Go prints them
/// 0-based, `TemplateError` keeps that text).
public struct Diagnostic: Sendable, Hashable, Encodable, CustomStringConvertible {
    public let file: String
    /// nil when the finding is about the file as a whole.
    public let line: Int?
    /// nil when only the line is known (Go places parse errors by line).
    public let column: Int?
    public let message: String
    /// The key or object the finding is about (`CLIENT_REPO_ID`, `.Env.DOMAIN`), when there is one.
    public let subject: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String, subject: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.subject = subject
    }

    /// `file:line:col: message`; without `:col` when the column is unknown, without `:line` too when
    /// the line is.
    public var description: String {
        guard let line else { return "\(file): \(message)" }
        guard let column else { return "\(file):\(line): \(message)" }
        return "\(file):\(line):\(column): \(message)"
    }
}
