import Template
import Gomplate
/// `--env-file`: `KEY=VALUE` lines as a CI job writes them. Blank lines and `#` comment lines are
/// skipped, `export ` in front is allowed, values may be quoted: `'…'` literally, `"…"` with the
/// escapes `\"`, `\\`, `\$`, `\n`, `\r`, `\t`. An unquoted value ends at a ` #` comment and loses
/// the blanks around it. Nothing is expanded: `$HOME` stays `$HOME`, as CI values must arrive as
/// they were set. A later line for the same key wins.
public enum EnvFile {
    /// Errors read `FILE:LINE:COLUMN: what is wrong` and never quote a value.
    public static func parse(_ text: String, fileName: String) throws -> [String: String] {
        var variables: [String: String] = [:]
        // "\r\n" is one Character, so CRLF files need their own separator.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, line) in lines.enumerated() {
            do {
                if let (name, value) = try assignment(in: Array(line.hasSuffix("\r") ? line.dropLast() : line)) {
                    variables[name] = value
                }
            } catch let error as LineError {
                throw HydrationError.invalidInput("\(fileName):\(index + 1):\(error.column): \(error.message)")
            }
        }
        return variables
    }

    private struct LineError: Error {
        /// 1-based.
        let column: Int
        let message: String
    }

    /// The name and value a line sets; nil for blank and comment lines.
    private static func assignment(in line: [Character]) throws -> (name: String, value: String)? {
        var position = skipBlanks(line, from: 0)
        if position == line.count || line[position] == "#" { return nil }
        if line[position...].starts(with: Array("export")), position + 6 < line.count, isBlank(line[position + 6]) {
            position = skipBlanks(line, from: position + 6)
        }
        guard let equals = line[position...].firstIndex(of: "=") else {
            throw LineError(column: position + 1, message: "expected KEY=VALUE")
        }
        let name = String(line[position..<equals])
        guard isVariableName(name) else {
            // Not quoted: on a line such as `API_TOKEN: sk-abc=…` the "name" holds part of a value.
            throw LineError(column: position + 1,
                            message: "invalid variable name (a letter or _, then letters, digits and _)")
        }
        let start = skipBlanks(line, from: equals + 1)
        if start < line.count, line[start] == "\"" || line[start] == "'" {
            return (name, try quotedValue(line, from: start))
        }
        return (name, unquotedValue(line, from: start))
    }

    /// What lies between the quote at `start` and its closing quote, which must end the line
    /// (but for blanks and a comment).
    private static func quotedValue(_ line: [Character], from start: Int) throws -> String {
        let quote = line[start]
        var value = ""
        var cursor = start + 1
        while cursor < line.count && line[cursor] != quote {
            if quote == "\"", line[cursor] == "\\", cursor + 1 < line.count {
                cursor += 1
                switch line[cursor] {
                case "n": value.append("\n")
                case "r": value.append("\r")
                case "t": value.append("\t")
                case "\"", "\\", "$": value.append(line[cursor])
                default: value += "\\" + String(line[cursor])
                }
            } else {
                value.append(line[cursor])
            }
            cursor += 1
        }
        guard cursor < line.count else {
            let kind = quote == "\"" ? "double" : "single"
            throw LineError(column: start + 1, message: "unterminated \(kind)-quoted value")
        }
        let after = skipBlanks(line, from: cursor + 1)
        if after < line.count && line[after] != "#" {
            throw LineError(column: after + 1, message: "unexpected text after the closing quote")
        }
        return value
    }

    /// Up to a `#` that follows a blank, without the blanks around it.
    private static func unquotedValue(_ line: [Character], from start: Int) -> String {
        var end = start
        while end < line.count && !(line[end] == "#" && isBlank(line[end - 1])) { end += 1 }
        while end > start && isBlank(line[end - 1]) { end -= 1 }
        return String(line[start..<end])
    }

    private static func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" }

    private static func skipBlanks(_ line: [Character], from index: Int) -> Int {
        var index = index
        while index < line.count && isBlank(line[index]) { index += 1 }
        return index
    }

    /// A shell variable name: a letter or `_`, then letters, digits and `_`.
    private static func isVariableName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, !("0"..."9").contains(first) else { return false }
        return scalars.allSatisfy { scalar in
            scalar == "_" || ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
                || ("0"..."9").contains(scalar)
        }
    }
}
