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
            do {
                return .map(MapValue(try DotEnv.parse(text, dialect: .godotenv).mapValues { .string($0) }))
            } catch let error as DotEnv.SyntaxError {
                throw FunctionError(error.message)
            }
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
