import Foundation

/// Every line of the JSON-lines file `path` (under a test bundle's resources, `Fixtures/…`), decoded.
/// The error names the file and the line that did not decode.
public func decodeJSONLines<Line: Decodable>(_ type: Line.Type, fixture path: String, in bundle: Bundle) throws -> [Line] {
    guard let resources = bundle.resourceURL else { throw SupportError("the test bundle has no resource folder") }
    let text = try String(contentsOf: resources.appendingPathComponent(path), encoding: .utf8)
    let decoder = JSONDecoder()
    return try text.split(separator: "\n", omittingEmptySubsequences: true).enumerated().map { index, line in
        do {
            return try decoder.decode(type, from: Data(line.utf8))
        } catch {
            throw SupportError("\(path) line \(index + 1): \(error)")
        }
    }
}
