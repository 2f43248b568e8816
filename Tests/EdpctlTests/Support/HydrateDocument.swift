import Foundation
import Testing
import TestSupport

/// The JSON Schema of `edpctl hydrate --output json`, as the repository ships it.
let hydrateSchemaPath = packageRoot + "/docs/schemas/hydrate-output.schema.json"

/// python3 with jsonschema (Debian's python3-jsonschema, which `make test` installs).
let jsonSchemaIsAvailable: Bool = {
    (try? runProgram("/usr/bin/env", ["python3", "-c", "from jsonschema import Draft202012Validator"])) != nil
}()

/// Every way `document` breaks the schema, one `path: message` each as python-jsonschema's Draft
/// 2020-12 validator says it (validate-json-schema.py, beside this file; the schema itself checked
/// against the metaschema first); empty when it conforms. A document that is not exactly one JSON
/// value fails to load: "Extra data".
func schemaErrors(of document: String) throws -> [String] {
    let folder = try TemporaryFolder("hydrate-document")
    return try withExtendedLifetime(folder) {
        try plant(folder.child("document.json"), Array(document.utf8))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("validate-json-schema.py")
        let output = try runProgram("/usr/bin/env", ["python3", script.path, hydrateSchemaPath, folder.child("document.json")])
        return output.split(separator: "\n").map(String.init)
    }
}

/// Standard output of a `hydrate --output json` run as its one document: exactly one line, a JSON
/// object that the schema accepts (every error recorded as an issue).
func hydrateDocument(_ result: Edpctl.Result, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    #expect(result.stdout.hasSuffix("}\n") && result.stdout.filter { $0 == "\n" }.count == 1,
            "not one document on one line: \(result.stdout)", sourceLocation: sourceLocation)
    let errors = try schemaErrors(of: result.stdout)
    #expect(errors.isEmpty, "the document breaks the schema:\n\(errors.joined(separator: "\n"))\n\(result.stdout)",
            sourceLocation: sourceLocation)
    return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                        sourceLocation: sourceLocation)
}
