// Go's strconv quoting and unquoting: `Quote`, `QuoteRune`, `CanBackquote`, `IsPrint`, and the
// `Unquote` of the three literal forms a template has; plus Go's UTF-8 decoding, which both share.

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

// MARK: - strconv.Quote

/// strconv's digit tables; the `x` after the digits is the `0x` prefix's letter.
let lowerHexDigits = Array("0123456789abcdefx".utf8)
let upperHexDigits = Array("0123456789ABCDEFX".utf8)

/// Go's `strconv.Quote` (or `QuoteToASCII` when `asciiOnly`).
public func goQuote(_ s: String, asciiOnly: Bool = false) -> String {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    out.reserveCapacity(s.utf8.count + 2)
    let bytes = Array(s.utf8)
    var i = 0
    while i < bytes.count {
        let byte = bytes[i]
        if byte < 0x80 {
            appendQuotedScalar(UnicodeScalar(byte), quote: UInt8(ascii: "\""), asciiOnly: asciiOnly, to: &out)
            i += 1
            continue
        }
        let (scalar, width) = decodeUTF8(bytes, i)
        if let scalar {
            appendQuotedScalar(scalar, quote: UInt8(ascii: "\""), asciiOnly: asciiOnly, to: &out)
        } else {
            // Invalid UTF-8: Go writes the byte as \x escape.
            out.append(contentsOf: "\\x".utf8)
            out.append(lowerHexDigits[Int(byte >> 4)])
            out.append(lowerHexDigits[Int(byte & 0xF)])
        }
        i += width
    }
    out.append(UInt8(ascii: "\""))
    return String(decoding: out, as: UTF8.self)
}

/// Go's `strconv.QuoteRune`.
package func goQuoteRune(_ scalar: UnicodeScalar, asciiOnly: Bool = false) -> String {
    var out: [UInt8] = [UInt8(ascii: "'")]
    appendQuotedScalar(scalar, quote: UInt8(ascii: "'"), asciiOnly: asciiOnly, to: &out)
    out.append(UInt8(ascii: "'"))
    return String(decoding: out, as: UTF8.self)
}

private func appendQuotedScalar(_ scalar: UnicodeScalar, quote: UInt8, asciiOnly: Bool, to out: inout [UInt8]) {
    let value = scalar.value
    if value == UInt32(quote) || value == 0x5C {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(value))
        return
    }
    if asciiOnly {
        if value < 0x80 && goIsPrint(scalar) {
            out.append(UInt8(value))
            return
        }
    } else if goIsPrint(scalar) {
        out.append(contentsOf: String(scalar).utf8)
        return
    }
    switch value {
    case 0x07: out.append(contentsOf: "\\a".utf8)
    case 0x08: out.append(contentsOf: "\\b".utf8)
    case 0x0C: out.append(contentsOf: "\\f".utf8)
    case 0x0A: out.append(contentsOf: "\\n".utf8)
    case 0x0D: out.append(contentsOf: "\\r".utf8)
    case 0x09: out.append(contentsOf: "\\t".utf8)
    case 0x0B: out.append(contentsOf: "\\v".utf8)
    default:
        if value < 0x20 || value == 0x7F {
            out.append(contentsOf: "\\x".utf8)
            out.append(lowerHexDigits[Int(value >> 4)])
            out.append(lowerHexDigits[Int(value & 0xF)])
        } else if value < 0x10000 {
            out.append(contentsOf: "\\u".utf8)
            for shift in stride(from: 12, through: 0, by: -4) { out.append(lowerHexDigits[Int((value >> UInt32(shift)) & 0xF)]) }
        } else {
            out.append(contentsOf: "\\U".utf8)
            for shift in stride(from: 28, through: 0, by: -4) { out.append(lowerHexDigits[Int((value >> UInt32(shift)) & 0xF)]) }
        }
    }
}

/// Decodes one UTF-8 sequence the way Go does: nil (with width 1) for an invalid byte.
package func decodeUTF8(_ bytes: [UInt8], _ i: Int) -> (UnicodeScalar?, Int) {
    let lead = bytes[i]
    if lead < 0x80 { return (UnicodeScalar(lead), 1) }
    let length: Int
    var value: UInt32
    if lead >= 0xC2 && lead <= 0xDF {
        length = 2; value = UInt32(lead & 0x1F)
    } else if lead >= 0xE0 && lead <= 0xEF {
        length = 3; value = UInt32(lead & 0x0F)
    } else if lead >= 0xF0 && lead <= 0xF4 {
        length = 4; value = UInt32(lead & 0x07)
    } else {
        return (nil, 1)
    }
    guard i + length <= bytes.count else { return (nil, 1) }
    for k in 1..<length {
        let b = bytes[i + k]
        guard b & 0xC0 == 0x80 else { return (nil, 1) }
        value = (value << 6) | UInt32(b & 0x3F)
    }
    // Overlong forms, surrogates and out-of-range values are invalid.
    if (length == 3 && value < 0x800) || (length == 4 && (value < 0x10000 || value > 0x10FFFF)) {
        return (nil, 1)
    }
    guard let scalar = UnicodeScalar(value) else { return (nil, 1) }
    return (scalar, length)
}

/// Go's `strconv.CanBackquote`.
func goCanBackquote(_ s: String) -> Bool {
    for scalar in s.unicodeScalars {
        if scalar == "`" || scalar == "\u{FEFF}" { return false }
        if scalar.value < 0x20 && scalar != "\t" { return false }
        if scalar.value == 0x7F { return false }
        if scalar == "\u{FFFD}" { return false }
    }
    return true
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
package func goIsPrint(_ scalar: UnicodeScalar) -> Bool {
    let value = scalar.value
    if value < 0x80 { return value >= 0x20 && value < 0x7F }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
         .nonspacingMark, .spacingMark, .enclosingMark,
         .decimalNumber, .letterNumber, .otherNumber,
         .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation,
         .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}
