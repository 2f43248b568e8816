/// Go's `strconv.Unquote` for the three literal forms a template has; nil means `invalid syntax`.
func goUnquote(_ literal: ArraySlice<UInt8>) -> String? {
    guard literal.count >= 2, let quote = literal.first, literal.last == quote else { return nil }
    let body = literal.dropFirst().dropLast()
    if quote == UInt8(ascii: "`") {
        if body.contains(UInt8(ascii: "`")) { return nil }
        // Go drops carriage returns from raw strings.
        return String(decoding: body.filter { $0 != 0x0D }, as: UTF8.self)
    }
    guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
    // The common case: nothing to unescape.
    if quote == UInt8(ascii: "\""), !body.contains(where: { $0 == UInt8(ascii: "\\") || $0 == quote || $0 == 0x0A }) {
        return String(decoding: body, as: UTF8.self)
    }
    if body.contains(0x0A) { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(body.count)
    var index = body.startIndex
    var runes = 0
    while index < body.endIndex {
        guard let (bytes, next) = unquoteChar(body, at: index, quote: quote) else { return nil }
        out.append(contentsOf: bytes)
        index = next
        runes += 1
    }
    if quote == UInt8(ascii: "'") && runes != 1 { return nil }
    return String(decoding: out, as: UTF8.self)
}

enum CharConstantError: Error { case invalidSyntax, malformed }

/// The value of a character constant such as `'a'` or `'\n'` (Go's `strconv.UnquoteChar` plus the
/// parser's check that exactly one character was quoted).
func goCharValue(_ literal: ArraySlice<UInt8>) throws -> UInt32 {
    guard literal.count >= 2, literal.first == UInt8(ascii: "'") else { throw CharConstantError.invalidSyntax }
    let body = literal.dropFirst()
    guard let (bytes, next) = unquoteChar(body, at: body.startIndex, quote: UInt8(ascii: "'")) else {
        throw CharConstantError.invalidSyntax
    }
    guard next == body.endIndex - 1 else { throw CharConstantError.malformed }
    if bytes.count == 1 { return UInt32(bytes[0]) }
    guard let scalar = decodeUTF8(bytes, 0).0 else { throw CharConstantError.invalidSyntax }
    return scalar.value
}

/// One character of a quoted literal (Go's `strconv.UnquoteChar`): its UTF-8 bytes and the next index.
private func unquoteChar(_ body: ArraySlice<UInt8>, at index: Int, quote: UInt8) -> ([UInt8], Int)? {
    let byte = body[index]
    if byte == quote && quote != UInt8(ascii: "`") { return nil }
    if byte != UInt8(ascii: "\\") {
        if byte < 0x80 { return ([byte], index + 1) }
        let bytes = Array(body[index...].prefix(4))
        let (scalar, width) = decodeUTF8(bytes, 0)
        guard scalar != nil else { return ([0xEF, 0xBF, 0xBD], index + 1) }
        return (Array(body[index..<index + width]), index + width)
    }
    guard index + 1 < body.endIndex else { return nil }
    let escape = body[index + 1]
    var next = index + 2
    func simple(_ value: UInt8) -> ([UInt8], Int) { ([value], next) }
    switch escape {
    case UInt8(ascii: "a"): return simple(0x07)
    case UInt8(ascii: "b"): return simple(0x08)
    case UInt8(ascii: "f"): return simple(0x0C)
    case UInt8(ascii: "n"): return simple(0x0A)
    case UInt8(ascii: "r"): return simple(0x0D)
    case UInt8(ascii: "t"): return simple(0x09)
    case UInt8(ascii: "v"): return simple(0x0B)
    case UInt8(ascii: "\\"): return simple(escape)
    case UInt8(ascii: "'"), UInt8(ascii: "\""):
        return escape == quote ? simple(escape) : nil
    case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
        let count = escape == UInt8(ascii: "x") ? 2 : escape == UInt8(ascii: "u") ? 4 : 8
        guard next + count <= body.endIndex else { return nil }
        var value: UInt32 = 0
        for offset in 0..<count {
            guard let digit = hexValue(body[next + offset]) else { return nil }
            value = value << 4 | digit
        }
        next += count
        if escape == UInt8(ascii: "x") { return ([UInt8(value)], next) }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return (Array(String(Character(scalar)).utf8), next)
    case UInt8(ascii: "0")...UInt8(ascii: "7"):
        guard index + 4 <= body.endIndex else { return nil }
        var value: UInt32 = 0
        for offset in 1...3 {
            let digit = body[index + offset]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value << 3 | UInt32(digit - UInt8(ascii: "0"))
        }
        guard value <= 255 else { return nil }
        return ([UInt8(value)], index + 4)
    default:
        return nil
    }
}

private func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
    default: return nil
    }
}
