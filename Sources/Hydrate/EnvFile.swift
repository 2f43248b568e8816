import Gomplate

/// `--env-file`: `KEY=VALUE` lines as a CI job writes them, read by Gomplate's `.env` parser in its
/// CI dialect (`DotEnv.Dialect.ciEnvFile`). Blank lines and `#` comment lines are skipped,
/// `export ` in front is allowed, values may be quoted: `'…'` literally, `"…"` with the escapes
/// `\"`, `\\`, `\$`, `\n`, `\r`, `\t`. An unquoted value ends at a ` #` comment and loses the
/// blanks around it. Nothing is expanded: `$HOME` stays `$HOME`, as CI values must arrive as they
/// were set. A later line for the same key wins.
public enum EnvFile {
    /// Errors read `FILE:LINE:COLUMN: what is wrong` and never quote a value.
    public static func parse(_ text: String, fileName: String) throws -> [String: String] {
        do {
            return try DotEnv.parse(text, dialect: .ciEnvFile)
        } catch let error as DotEnv.SyntaxError {
            throw HydrationError.invalidInput("\(fileName):\(error.line):\(error.column): \(error.message)")
        }
    }
}
