import Foundation

/// The `.env` format: `KEY=value` lines; blank lines and `#` comment lines skipped; `export` and
/// blanks in front allowed; a value unquoted (up to a `#` after a blank, blanks around it
/// dropped), `'single-quoted'` (literally) or `"double-quoted"` (with backslash escapes); a later
/// line for the same key wins. gomplate's `.env` data and hydrate's `--env-file` read it through
/// this one parser; where their rules differ, `Dialect` names each difference.
package enum DotEnv {
    package enum Dialect: Sendable {
        /// gomplate's `.env` data (after joho/godotenv): lenient, and values are expanded.
        case godotenv
        /// `hydrate --env-file`, as a CI job writes it: strict, and values arrive as they were set.
        case ciEnvFile

        /// `KEY: value` assigns as `KEY=value` does.
        var colonAssigns: Bool { self == .godotenv }

        /// A name must be a shell variable name (a letter or `_`, then letters, digits and `_`);
        /// otherwise it is whatever stands before the separator, white space trimmed (`FOO.BAR`).
        var checksNames: Bool { self == .ciEnvFile }

        /// A quoted value may go on over the following lines until its closing quote.
        var quotesSpanLines: Bool { self == .godotenv }

        /// Text after a closing quote, but for a comment, is an error rather than ignored.
        var refusesTextAfterQuote: Bool { self == .ciEnvFile }

        /// An unquoted value also loses white space other than blanks (no-break spaces and the
        /// like) at its ends.
        var trimsUnicodeWhiteSpace: Bool { self == .godotenv }

        /// `$NAME` and `${NAME}` in unquoted and double-quoted values become earlier keys' values,
        /// and double quotes take godotenv's escapes (`\n`, `\r`; any other `\X` is `X`).
        /// Otherwise nothing is expanded, and double quotes know `\n`, `\r`, `\t`, `\"`, `\\` and
        /// `\$`, any other backslash staying as it is.
        var expandsVariables: Bool { self == .godotenv }
    }

    /// A line that can't be read, at `line` and `column` (1-based, in characters). The CI
    /// dialect's messages never quote a value (its values are credentials); godotenv's are
    /// gomplate's, which quote the line.
    package struct SyntaxError: Error, Equatable {
        package let line: Int
        package let column: Int
        package let message: String
    }

    package static func parse(_ text: String, dialect: Dialect) throws -> [String: String] {
        var values: [String: String] = [:]
        // "\r\n" is one Character, so CRLF files need their own separator; a CR ending the last
        // line goes too.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
            .map { Array($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        var next = 0
        while next < lines.count {
            let line = lines[next]
            next += 1
            var position = skipBlanks(line, from: 0)
            if position == line.count || line[position] == "#" { continue }
            if line[position...].starts(with: "export"), position + 6 < line.count, isBlank(line[position + 6]) {
                position = skipBlanks(line, from: position + 6)
            }
            func fail(_ column: Int, _ message: String) -> SyntaxError {
                SyntaxError(line: next, column: column + 1, message: message)
            }
            guard let separator = line[position...].firstIndex(where: { $0 == "=" || dialect.colonAssigns && $0 == ":" }) else {
                guard dialect == .godotenv else { throw fail(position, "expected KEY=VALUE") }
                let first = position < line.count ? String(line[position]) : ""
                throw fail(position, "unexpected character \"\(first)\" in variable name near \"\(String(line[position...]))\"")
            }
            let name: String
            if dialect.checksNames {
                name = String(line[position..<separator])
                // Not quoted: on a line such as `API_TOKEN: sk-abc=…` the "name" holds part of a value.
                guard isVariableName(name) else {
                    throw fail(position, "invalid variable name (a letter or _, then letters, digits and _)")
                }
            } else {
                name = String(line[position..<separator]).trimmingCharacters(in: .whitespaces)
            }
            let start = skipBlanks(line, from: separator + 1)
            if start < line.count, line[start] == "\"" || line[start] == "'" {
                values[name] = try quotedValue(lines, &next, from: start, dialect: dialect, values: values)
            } else {
                values[name] = unquotedValue(line, from: start, dialect: dialect, values: values)
            }
        }
        return values
    }

    /// What lies between the quote at `start` of the line before `next` and its closing quote;
    /// `next` moves past the lines a value spanning lines takes.
    private static func quotedValue(_ lines: [[Character]], _ next: inout Int, from start: Int, dialect: Dialect,
                                    values: [String: String]) throws -> String {
        let startLine = next
        let first = lines[startLine - 1]
        let quote = first[start]
        // The text between the quotes, each backslash kept with the character it escapes.
        var raw: [Character] = []
        var line = first
        var cursor = start + 1
        while cursor == line.count || line[cursor] != quote {
            if cursor == line.count {
                guard dialect.quotesSpanLines, next < lines.count else {
                    let message = dialect == .godotenv
                        ? "unterminated quoted value \(quote)\(String(first[(start + 1)...]))"
                        : "unterminated \(quote == "\"" ? "double" : "single")-quoted value"
                    throw SyntaxError(line: startLine, column: start + 1, message: message)
                }
                raw.append("\n")
                line = lines[next]
                next += 1
                cursor = 0
                continue
            }
            if quote == "\"", line[cursor] == "\\", cursor + 1 < line.count {
                raw.append(line[cursor])
                cursor += 1
            }
            raw.append(line[cursor])
            cursor += 1
        }
        if dialect.refusesTextAfterQuote {
            let after = skipBlanks(line, from: cursor + 1)
            if after < line.count && line[after] != "#" {
                throw SyntaxError(line: next, column: after + 1, message: "unexpected text after the closing quote")
            }
        }
        if quote == "'" { return String(raw) }
        return dialect.expandsVariables ? expandVariables(expandEscapes(String(raw)), values) : unescaped(raw)
    }

    /// Up to a `#` that follows a blank, without the blanks around it.
    private static func unquotedValue(_ line: [Character], from start: Int, dialect: Dialect,
                                      values: [String: String]) -> String {
        var end = start
        while end < line.count && !(line[end] == "#" && isBlank(line[end - 1])) { end += 1 }
        while end > start && isBlank(line[end - 1]) { end -= 1 }
        var value = String(line[start..<end])
        if dialect.trimsUnicodeWhiteSpace { value = value.trimmingCharacters(in: .whitespaces) }
        return dialect.expandsVariables ? expandVariables(value, values) : value
    }

    /// The CI dialect's double-quoted escapes.
    private static func unescaped(_ raw: [Character]) -> String {
        var value = ""
        var index = 0
        while index < raw.count {
            guard raw[index] == "\\", index + 1 < raw.count else {
                value.append(raw[index])
                index += 1
                continue
            }
            let escaped = raw[index + 1]
            switch escaped {
            case "n": value.append("\n")
            case "r": value.append("\r")
            case "t": value.append("\t")
            case "\"", "\\", "$": value.append(escaped)
            default: value += "\\" + String(escaped)
            }
            index += 2
        }
        return value
    }

    /// godotenv's escapes: `\n` and `\r` become line breaks; any other escaped character stands
    /// for itself, except `\$`, which expansion handles.
    private static func expandEscapes(_ text: String) -> String {
        var out = ""
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            guard c == "\\", let next = iterator.next() else {
                out.append(c)
                continue
            }
            switch next {
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "$": out.append("\\$")
            default: out.append(next)
            }
        }
        return out
    }

    /// `$NAME` and `${NAME}` (upper-case letters, digits, `_`) from earlier keys; `\$` is a dollar.
    private static func expandVariables(_ text: String, _ values: [String: String]) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "\\" && i + 1 < chars.count && chars[i + 1] == "$" {
                out.append("$")
                i += 2
                continue
            }
            guard chars[i] == "$" else {
                out.append(chars[i])
                i += 1
                continue
            }
            var j = i + 1
            let braced = j < chars.count && chars[j] == "{"
            if braced { j += 1 }
            let nameStart = j
            while j < chars.count, chars[j].isASCII, chars[j].isUppercase || chars[j].isNumber || chars[j] == "_" { j += 1 }
            let name = String(chars[nameStart..<j])
            if braced && j < chars.count && chars[j] == "}" { j += 1 }
            if name.isEmpty {
                out.append(contentsOf: String(chars[i..<j]))
            } else {
                out.append(values[name] ?? "")
            }
            i = j
        }
        return out
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
