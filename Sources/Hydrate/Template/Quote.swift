/// Go's `strconv.Quote`: a double-quoted literal with Go escapes; printable Unicode stays as it is.
public func goQuote(_ text: String) -> String {
    goQuote(bytes: Array(text.utf8), quote: UInt8(ascii: "\""))
}

/// Go's `strconv.QuoteRune` for `%q` on integers.
func goQuoteRune(_ rune: UInt32) -> String {
    guard let scalar = Unicode.Scalar(rune) else { return "'\\ufffd'" }
    var out = "'"
    appendEscaped(scalar, quote: "'", to: &out)
    out += "'"
    return out
}

func goQuote(bytes: [UInt8], quote: UInt8) -> String {
    var out = String(UnicodeScalar(quote))
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if byte < 0x80 {
            appendEscaped(Unicode.Scalar(byte), quote: Unicode.Scalar(quote), to: &out)
            index += 1
            continue
        }
        if let (scalar, width) = decodeScalar(bytes, at: index) {
            appendEscaped(scalar, quote: Unicode.Scalar(quote), to: &out)
            index += width
        } else {
            out += "\\x" + hexByte(byte)
            index += 1
        }
    }
    out.unicodeScalars.append(Unicode.Scalar(quote))
    return out
}

private func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef".unicodeScalars)
    return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
}

private func appendEscaped(_ scalar: Unicode.Scalar, quote: Unicode.Scalar, to out: inout String) {
    if scalar == quote || scalar == "\\" {
        out += "\\"
        out.unicodeScalars.append(scalar)
        return
    }
    if scalar.value < 0x80 {
        if scalar.value >= 0x20 && scalar.value < 0x7F {
            out.unicodeScalars.append(scalar)
            return
        }
    } else if isGoPrintable(scalar) {
        out.unicodeScalars.append(scalar)
        return
    }
    switch scalar {
    case "\u{07}": out += "\\a"
    case "\u{08}": out += "\\b"
    case "\u{0C}": out += "\\f"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case "\u{0B}": out += "\\v"
    default:
        let value = scalar.value
        if value < 0x20 || value == 0x7F {
            out += "\\x" + hexByte(UInt8(value))
        } else if value < 0x10000 {
            out += "\\u" + String(repeating: "0", count: 4 - String(value, radix: 16).count) + String(value, radix: 16)
        } else {
            out += "\\U" + String(repeating: "0", count: 8 - String(value, radix: 16).count) + String(value, radix: 16)
        }
    }
}

/// Decodes one UTF-8 scalar, or nil for an invalid sequence.
func decodeScalar(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
    let lead = bytes[index]
    if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
    let width: Int
    let minimum: UInt32
    switch lead {
    case 0xC2...0xDF: width = 2; minimum = 0x80
    case 0xE0...0xEF: width = 3; minimum = 0x800
    case 0xF0...0xF4: width = 4; minimum = 0x10000
    default: return nil
    }
    guard index + width <= bytes.count else { return nil }
    var value = UInt32(lead) & (0xFF >> (width + 1))
    for offset in 1..<width {
        let byte = bytes[index + offset]
        guard byte & 0xC0 == 0x80 else { return nil }
        value = value << 6 | UInt32(byte & 0x3F)
    }
    guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
    return (scalar, width)
}

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
    guard let (scalar, _) = decodeScalar(bytes, at: 0) else { throw CharConstantError.invalidSyntax }
    return scalar.value
}

/// One character of a quoted literal (Go's `strconv.UnquoteChar`): its UTF-8 bytes and the next index.
private func unquoteChar(_ body: ArraySlice<UInt8>, at index: Int, quote: UInt8) -> ([UInt8], Int)? {
    let byte = body[index]
    if byte == quote && quote != UInt8(ascii: "`") { return nil }
    if byte != UInt8(ascii: "\\") {
        if byte < 0x80 { return ([byte], index + 1) }
        let bytes = Array(body[index...].prefix(4))
        guard let (_, width) = decodeScalar(bytes, at: 0) else { return ([0xEF, 0xBF, 0xBD], index + 1) }
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
