import Foundation
import Template

/// gomplate's `data` namespace (internal/funcs/data.go): decoding JSON, YAML, TOML and CSV, and
/// encoding values as JSON, YAML, TOML and CSV.
extension FunctionTable {
    mutating func addDataFunctions() {
        // gomplate decodes JSON with its YAML decoder too, so both accept either syntax.
        add(TemplateFunction("JSON", arguments: 1, reads: []) { args, _ in
            try wrapDecodeError("unable to unmarshal object") {
                try decodeYAMLObject(try args[0].gomplateString(), sourceName: "json")
            }
        }, as: "data.JSON", "json")
        add(TemplateFunction("JSONArray", arguments: 1, reads: []) { args, _ in
            try wrapDecodeError("unable to unmarshal array") {
                try decodeYAMLArray(try args[0].gomplateString(), sourceName: "json")
            }
        }, as: "data.JSONArray", "jsonArray")
        add(TemplateFunction("YAML", arguments: 1, reads: []) { args, _ in
            try decodeYAMLObject(try args[0].gomplateString(), sourceName: "yaml")
        }, as: "data.YAML", "yaml")
        add(TemplateFunction("YAMLArray", arguments: 1, reads: []) { args, _ in
            try decodeYAMLArray(try args[0].gomplateString(), sourceName: "yaml")
        }, as: "data.YAMLArray", "yamlArray")
        add(TemplateFunction("TOML", arguments: 1, reads: []) { args, _ in try gomplateTOML(try args[0].gomplateString()) },
            as: "data.TOML", "toml")

        add(TemplateFunction("CSV", atLeast: 0, reads: []) { args, _ in try gomplateCSV(args.map { try $0.gomplateString() }) },
            as: "data.CSV", "csv")
        add(TemplateFunction("CSVByRow", atLeast: 0, reads: []) { args, _ in try gomplateCSVByRow(args.map { try $0.gomplateString() }) },
            as: "data.CSVByRow", "csvByRow")
        add(TemplateFunction("CSVByColumn", atLeast: 0, reads: []) { args, _ in
            try gomplateCSVByColumn(args.map { try $0.gomplateString() })
        }, as: "data.CSVByColumn", "csvByColumn")

        add(TemplateFunction("ToJSON", arguments: 1, reads: []) { args, _ in .string(try encodeJSON(args[0])) },
            as: "data.ToJSON", "toJSON")
        add(TemplateFunction("ToJSONPretty", arguments: 2, reads: []) { args, _ in
            .string(try encodeJSONPretty(args[1], indent: try args[0].gomplateString()))
        }, as: "data.ToJSONPretty", "toJSONPretty")
        add(TemplateFunction("ToYAML", arguments: 1, reads: []) { args, _ in .string(try encodeYAML(args[0])) },
            as: "data.ToYAML", "toYAML")
        add(TemplateFunction("ToTOML", arguments: 1, reads: []) { args, _ in
            .string(try wrapDecodeError("unable to marshal") { try encodeTOML(args[0]) })
        }, as: "data.ToTOML", "toTOML")
        add(TemplateFunction("ToCSV", atLeast: 1, atMost: 2, reads: []) { args, _ in .string(try gomplateToCSV(args)) },
            as: "data.ToCSV", "toCSV")
    }
}

/// gomplate's `data.TOML`, which TOML data sources decode with too.
func gomplateTOML(_ text: String) throws -> Value {
    try wrapDecodeError("unable to unmarshal object") { try decodeTOML(text) }
}

/// gomplate prefixes parser errors with what it was doing (it also echoes the input, which is
/// left out here so that data never leaks into error messages).
private func wrapDecodeError<T>(_ prefix: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FunctionError {
        throw FunctionError("\(prefix): \(error.message)")
    }
}
