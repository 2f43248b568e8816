import Template
extension FunctionTable {
    /// gomplate's `base64` namespace: the standard alphabet with padding; decoding falls back to
    /// the URL-safe alphabet.
    mutating func addBase64Functions() {
        add(TemplateFunction("Encode", arguments: 1, reads: []) { args, _ in
            .string(Base64Alphabet.standard.encode(try args[0].gomplateToBytes()))
        }, as: "base64.Encode")
        add(TemplateFunction("Decode", arguments: 1, reads: []) { args, _ in
            let bytes = try gomplateBase64Decode(try args[0].gomplateString())
            // A Go string holds any bytes, a Swift one only valid UTF-8: binary results (AES
            // ciphertext, say) stay bytes so that the functions they are piped into get them intact.
            guard let text = String(validating: bytes, as: UTF8.self) else { return .bytes(bytes) }
            return .string(text)
        }, as: "base64.Decode")
        add(TemplateFunction("DecodeBytes", arguments: 1, reads: []) { args, _ in
            .bytes(try gomplateBase64Decode(try args[0].gomplateString()))
        }, as: "base64.DecodeBytes")
    }
}

extension Value {
    /// gomplate's `toBytes`: `[]byte` as it is, nil as nothing, anything else as its `conv.ToString` text.
    func gomplateToBytes() throws -> [UInt8] {
        switch self {
        case .null: return []
        case .bytes(let bytes): return bytes
        case .string(let text): return Array(text.utf8)
        default: return Array(try gomplateString().utf8)
        }
    }
}

/// gomplate's `base64.Decode`: standard alphabet first, then the URL-safe one; the error is the
/// URL-safe attempt's.
func gomplateBase64Decode(_ text: String) throws -> [UInt8] {
    let input = Array(text.utf8)
    if let bytes = try? Base64Alphabet.standard.decode(input) { return bytes }
    return try Base64Alphabet.url.decode(input)
}

/// Go's `encoding/base64` `StdEncoding` and `URLEncoding`: padded, newlines ignored when decoding,
/// trailing bits not checked.
struct Base64Alphabet: Sendable {
    static let standard = Base64Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    static let url = Base64Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    let symbols: [UInt8]
    let values: [UInt8]

    private init(_ alphabet: String) {
        symbols = Array(alphabet.utf8)
        var values = [UInt8](repeating: 0xff, count: 256)
        for (index, symbol) in symbols.enumerated() { values[Int(symbol)] = UInt8(index) }
        self.values = values
    }

    func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(symbols[Int(group >> 18 & 63)])
            out.append(symbols[Int(group >> 12 & 63)])
            out.append(remaining > 1 ? symbols[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            out.append(remaining > 2 ? symbols[Int(group & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes quantum by quantum as Go does, so a bad input fails at the byte offset Go reports.
    func decode(_ input: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var position = 0
        func isNewline(_ byte: UInt8) -> Bool { byte == 10 || byte == 13 }
        func corrupt(_ offset: Int) -> FunctionError { FunctionError("illegal base64 data at input byte \(offset)") }

        while true {
            var quantum = [UInt8](repeating: 0, count: 4)
            var length = 4
            var finished = false
            var slot = 0
            while slot < 4 {
                if position == input.count {
                    if slot == 0 { return out }
                    throw corrupt(position - slot)
                }
                let byte = input[position]
                position += 1
                let value = values[Int(byte)]
                if value != 0xff {
                    quantum[slot] = value
                    slot += 1
                    continue
                }
                if isNewline(byte) { continue }
                guard byte == UInt8(ascii: "="), slot >= 2 else { throw corrupt(position - 1) }
                if slot == 2 {
                    while position < input.count, isNewline(input[position]) { position += 1 }
                    if position == input.count { throw corrupt(input.count) }
                    guard input[position] == UInt8(ascii: "=") else { throw corrupt(position - 1) }
                    position += 1
                }
                while position < input.count, isNewline(input[position]) { position += 1 }
                if position < input.count { throw corrupt(position) }
                length = slot
                finished = true
                break
            }
            let group = UInt32(quantum[0]) << 18 | UInt32(quantum[1]) << 12 | UInt32(quantum[2]) << 6 | UInt32(quantum[3])
            out.append(UInt8(truncatingIfNeeded: group >> 16))
            if length > 2 { out.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if length > 3 { out.append(UInt8(truncatingIfNeeded: group)) }
            if finished { return out }
        }
    }
}
