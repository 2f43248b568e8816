import Foundation
import Template

/// gomplate's media types for data sources, and how each is decoded (`parsers.ParseData`).
enum DataType {
    static let text = "text/plain"
    static let csv = "text/csv"
    static let json = "application/json"
    static let jsonArray = "application/array+json"
    static let toml = "application/toml"
    static let yaml = "application/yaml"
    static let dotEnv = "application/x-env"
    static let cue = "application/cue"

    /// Go's `mime.TypeByExtension` with the types gomplate registers; nil when the extension is unknown.
    static func forFileName(_ name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "json": return json
        case "yml", "yaml": return yaml
        case "csv": return csv
        case "toml": return toml
        case "env": return dotEnv
        case "cue": return cue
        case "txt": return "text/plain; charset=utf-8"
        case "htm", "html": return "text/html; charset=utf-8"
        case "xml": return "text/xml; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        default: return nil
        }
    }

    /// gomplate's `MimeAlias`: parameters dropped, non-canonical names mapped.
    static func canonical(_ type: String) -> String {
        let bare = type.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch bare.lowercased() {
        case "application/x-yaml": return yaml
        case "application/text": return text
        default: return bare.lowercased()
        }
    }

    /// Decodes `text` as gomplate does for a data source of media type `type`.
    static func decode(_ text: String, type: String, sourceName: String) throws -> Value {
        switch canonical(type) {
        case json, yaml:
            let value = try decodeYAMLValue(text, sourceName: sourceName)
            switch value {
            case .null: return .map(MapValue())
            case .map, .list: return value
            default: throw notAnArray(value)
            }
        case jsonArray:
            let value = try decodeYAMLValue(text, sourceName: sourceName)
            if case .list = value { return value }
            if case .null = value { return .list([]) }
            throw notAnArray(value)
        case csv:
            return try gomplateCSV([text])
        case toml:
            return try gomplateTOML(text)
        case dotEnv:
            return .map(MapValue(try DotEnv.parse(text).mapValues { .string($0) }))
        case self.text:
            return .string(text)
        default:
            throw FunctionError("data of type \"\(type)\" not yet supported")
        }
    }

    /// yaml.v3's complaint about a scalar where gomplate wants a map or a list, on one line.
    private static func notAnArray(_ value: Value) -> FunctionError {
        let tag: String
        switch value {
        case .int: tag = "!!int"
        case .float: tag = "!!float"
        case .bool: tag = "!!bool"
        default: tag = "!!str"
        }
        return FunctionError("yaml: unmarshal errors: cannot unmarshal \(tag) `\(goPrintForMessage(value))` into []interface {}")
    }
}

/// gomplate's `coll.Merge` for maps: the first map wins, nested maps merge key by key.
func mergeMaps(_ maps: [MapValue]) -> MapValue {
    guard var merged = maps.first else { return MapValue() }
    for source in maps.dropFirst() {
        for (key, value) in source.entries {
            switch (merged.entries[key], value) {
            case (nil, _):
                merged.entries[key] = value
            case (.map(let existing)?, .map(let incoming)):
                merged.entries[key] = .map(StackGuard.continuing { mergeMaps([existing, incoming]) })
            default:
                break
            }
        }
    }
    return merged
}

/// The `.env` format as gomplate reads it (joho/godotenv): `KEY=value` lines, `export` ignored,
/// comments, single quotes literal, double quotes with `\n` escapes, `${VAR}` expansion from keys
/// defined earlier in the file.
enum DotEnv {
    static func parse(_ text: String) throws -> [String: String] {
        var values: [String: String] = [:]
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let rawLine = lines.popFirst() {
            var line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).drop { $0 == " " } }
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw FunctionError("unexpected character \"\(line.first.map(String.init) ?? "")\" in variable name near \"\(line)\"")
            }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces)
            var rest = line[line.index(after: separator)...].drop { $0 == " " || $0 == "\t" }
            let value: String
            if let quote = rest.first, quote == "'" || quote == "\"" {
                rest = rest.dropFirst()
                var body = ""
                var closed = false
                var current = rest
                while !closed {
                    var index = current.startIndex
                    while index < current.endIndex {
                        let c = current[index]
                        if c == "\\" && quote == "\"" && current.index(after: index) < current.endIndex {
                            body.append(c)
                            index = current.index(after: index)
                            body.append(current[index])
                        } else if c == quote {
                            closed = true
                            break
                        } else {
                            body.append(c)
                        }
                        index = current.index(after: index)
                    }
                    if !closed {
                        guard let next = lines.popFirst() else {
                            throw FunctionError("unterminated quoted value \(quote)\(rest)")
                        }
                        body.append("\n")
                        current = next
                    }
                }
                value = quote == "'" ? body : expandVariables(expandEscapes(body), values)
            } else {
                var plain = Substring(rest)
                if let comment = commentStart(plain) { plain = plain[..<comment] }
                value = expandVariables(plain.trimmingCharacters(in: .whitespaces), values)
            }
            values[key] = value
        }
        return values
    }

    /// An unquoted value's comment starts at a `#` after whitespace.
    private static func commentStart(_ text: Substring) -> Substring.Index? {
        var previous: Character = " "
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "#" && (previous == " " || previous == "\t") { return index }
            previous = text[index]
            index = text.index(after: index)
        }
        return nil
    }

    /// `\n` and `\r` become line breaks; any other escaped character stands for itself, except `\$`,
    /// which expansion handles.
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
}
