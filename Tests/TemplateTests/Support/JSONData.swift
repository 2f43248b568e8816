import Foundation
@testable import Template

/// The golden corpus's data: JSON whose numbers keep the type they were written with (`1` an int,
/// `1.0` a float), as Go's YAML decoder gives them. Only the engine is under test here, so the data is
/// read by this small reader rather than by Gomplate's decoders.
func templateData(fromJSON text: String) throws -> Value {
    var reader = JSONDataReader(bytes: Array(text.utf8))
    let value = try reader.value()
    reader.skipSpace()
    guard reader.index == reader.bytes.count else { throw reader.failure("trailing text") }
    return value
}

private struct JSONDataReader {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func failure(_ problem: String) -> FunctionError { FunctionError("golden data at byte \(index): \(problem)") }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func value() throws -> Value {
        skipSpace()
        guard index < bytes.count else { throw failure("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var entries: [String: Value] = [:]
            while try !closes(UInt8(ascii: "}"), first: entries.isEmpty) {
                skipSpace()
                guard case .string(let key) = try value() else { throw failure("a key must be a string") }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                entries[key] = try value()
            }
            return .map(MapValue(entries))
        case UInt8(ascii: "["):
            index += 1
            var items: [Value] = []
            while try !closes(UInt8(ascii: "]"), first: items.isEmpty) { items.append(try value()) }
            return .list(items)
        case UInt8(ascii: "\""):
            let start = index
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") { index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1 }
            index += 1
            let literal = Data(bytes[start..<min(index, bytes.count)])
            return .string(try JSONDecoder().decode(String.self, from: literal))
        default:
            let start = index
            while index < bytes.count, !",]} \n\r\t".utf8.contains(bytes[index]) { index += 1 }
            let word = String(decoding: bytes[start..<index], as: UTF8.self)
            switch word {
            case "null": return .null
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                if let int = Int(word) { return .int(int) }
                if let float = Double(word) { return .float(float) }
                throw failure("not a value: \(word)")
            }
        }
    }

    /// Consumes `closing` (true) or, after the first element, a comma (false).
    private mutating func closes(_ closing: UInt8, first: Bool) throws -> Bool {
        skipSpace()
        guard index < bytes.count else { throw failure("unexpected end") }
        if bytes[index] == closing { index += 1; return true }
        if !first {
            guard bytes[index] == UInt8(ascii: ",") else { throw failure("expected ','") }
            index += 1
        }
        return false
    }
}
