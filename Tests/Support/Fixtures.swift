import Foundation

/// The package's root folder, from this file's place in it (Tests/Support/): for the bundled
/// templates, examples and docs.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The bytes an even number of hex digits spell (a test vector's notation).
public func bytes(fromHex hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    precondition(digits.count % 2 == 0, "odd number of hex digits: \(hex)")
    return stride(from: 0, to: digits.count, by: 2).map { offset in
        guard let byte = UInt8(String(decoding: digits[offset..<(offset + 2)], as: UTF8.self), radix: 16) else {
            preconditionFailure("not hex: \(hex)")
        }
        return byte
    }
}

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

/// "Billion laughs": nine anchors `a` to `i`, each a list of nine aliases of the one before, 9^9
/// strings from under 600 bytes; a YAML reader must refuse it at once ("excessive aliasing").
public let aliasBomb: String = {
    var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
    var previous = "a"
    for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
        lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
        previous = name
    }
    return lines.joined(separator: "\n") + "\n"
}()
