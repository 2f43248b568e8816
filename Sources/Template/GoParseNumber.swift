import Foundation

// Go's strconv parsing (ParseInt, ParseUint, ParseFloat, Atoi) with Go's error texts.


private func lowerASCII(_ c: UInt8) -> UInt8 { c | 0x20 }

/// Why strconv rejected a number; the message is only built when someone asks for it.
package enum StrconvFailure: Equatable {
    case syntax, range, base(Int), bitSize(Int)

    package var reason: String {
        switch self {
        case .syntax: return "invalid syntax"
        case .range: return "value out of range"
        case .base(let base): return "invalid base \(base)"
        case .bitSize(let size): return "invalid bit size \(size)"
        }
    }
}

private func strconvResult<T>(_ parsed: (T, StrconvFailure?), _ function: String, _ text: String) -> Result<T, FunctionError> {
    guard let failure = parsed.1 else { return .success(parsed.0) }
    return .failure(FunctionError("strconv.\(function): parsing \(goQuote(text)): \(failure.reason)"))
}

/// Go's `strconv.ParseUint`; errors carry Go's message (`strconv.ParseUint: parsing "x": invalid syntax`).
package func goParseUint(_ s: String, base: Int, bitSize: Int, function: String = "ParseUint") -> Result<UInt64, FunctionError> {
    strconvResult(parseUnsigned(s, base: base, bitSize: bitSize), function, s)
}

/// Go's `strconv.ParseInt`.
package func goParseInt(_ s: String, base: Int, bitSize: Int, function: String = "ParseInt") -> Result<Int, FunctionError> {
    strconvResult(parseSigned(s, base: base, bitSize: bitSize), function, s)
}

/// Go's `strconv.Atoi`.
package func goAtoi(_ s: String) -> Result<Int, FunctionError> {
    goParseInt(s, base: 10, bitSize: 0, function: "Atoi")
}

/// Go's `strconv.ParseFloat(s, 64)`: Go's float syntax (decimal and hexadecimal mantissas,
/// underscores between digits, inf/infinity/nan), out-of-range values as an error.
package func goParseFloat(_ s: String) -> Result<Double, FunctionError> {
    strconvResult(parseFloat(s), "ParseFloat", s)
}

/// `strconv.ParseUint`'s value and failure: the maximum when out of range, else 0 on failure.
package func parseUnsigned(_ s0: String, base requestedBase: Int, bitSize requestedBitSize: Int) -> (UInt64, StrconvFailure?) {
    var s = Array(s0.utf8)[...]
    if s.isEmpty { return (0, .syntax) }
    let base0 = requestedBase == 0
    var base = requestedBase
    if base == 0 {
        base = 10
        if s[s.startIndex] == UInt8(ascii: "0") {
            let second = s.count >= 3 ? lowerASCII(s[s.startIndex + 1]) : 0
            switch second {
            case UInt8(ascii: "b"): base = 2; s = s.dropFirst(2)
            case UInt8(ascii: "o"): base = 8; s = s.dropFirst(2)
            case UInt8(ascii: "x"): base = 16; s = s.dropFirst(2)
            default: base = 8; s = s.dropFirst(1)
            }
        }
    } else if base < 2 || base > 36 {
        return (0, .base(base))
    }
    var bitSize = requestedBitSize
    if bitSize == 0 {
        bitSize = 64
    } else if bitSize < 0 || bitSize > 64 {
        return (0, .bitSize(bitSize))
    }
    let maxValue: UInt64 = bitSize == 64 ? UInt64.max : (UInt64(1) << UInt64(bitSize)) - 1
    var n: UInt64 = 0
    var underscores = false
    var overflow = false
    for c in s {
        let digit: UInt8
        if c == UInt8(ascii: "_") && base0 {
            underscores = true
            continue
        } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
            digit = c - UInt8(ascii: "0")
        } else if lowerASCII(c) >= UInt8(ascii: "a") && lowerASCII(c) <= UInt8(ascii: "z") {
            digit = lowerASCII(c) - UInt8(ascii: "a") + 10
        } else {
            return (0, .syntax)
        }
        if Int(digit) >= base { return (0, .syntax) }
        if overflow { continue }
        let (product, multiplyOverflow) = n.multipliedReportingOverflow(by: UInt64(base))
        let (sum, addOverflow) = product.addingReportingOverflow(UInt64(digit))
        if multiplyOverflow || addOverflow || sum > maxValue {
            overflow = true
            continue
        }
        n = sum
    }
    if overflow { return (maxValue, .range) }
    if underscores && !goUnderscoreOK(s0) { return (0, .syntax) }
    return (n, nil)
}

/// `strconv.ParseInt`'s value and failure: the nearest limit when out of range, else 0 on failure.
package func parseSigned(_ s0: String, base: Int, bitSize requestedBitSize: Int) -> (Int, StrconvFailure?) {
    guard let first = s0.utf8.first else { return (0, .syntax) }
    var s = s0
    var negative = false
    if first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
        negative = first == UInt8(ascii: "-")
        s = String(s.dropFirst())
    }
    let bitSize = requestedBitSize == 0 ? 64 : requestedBitSize
    let (unsigned, failure) = parseUnsigned(s, base: base, bitSize: bitSize)
    if let failure, failure != .range { return (0, failure) }
    let cutoff = UInt64(1) << UInt64(bitSize - 1)
    let lowest = Int(truncatingIfNeeded: 0 &- cutoff)
    if failure == .range { return (negative ? lowest : Int(cutoff - 1), .range) }
    if !negative && unsigned >= cutoff { return (Int(cutoff - 1), .range) }
    if negative && unsigned > cutoff { return (lowest, .range) }
    if negative { return (unsigned == cutoff ? lowest : -Int(unsigned), nil) }
    return (Int(unsigned), nil)
}

/// `strconv.ParseFloat(s, 64)`'s value and failure: ±Inf when out of range, 0 for bad syntax.
package func parseFloat(_ s: String) -> (Double, StrconvFailure?) {
    let bytes = Array(s.utf8)
    if bytes.isEmpty { return (0, .syntax) }
    if let special = goSpecialFloat(bytes) { return (special, nil) }

    var i = 0
    if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
    var hex = false
    if i + 2 < bytes.count && bytes[i] == UInt8(ascii: "0") && lowerASCII(bytes[i + 1]) == UInt8(ascii: "x") {
        hex = true
        i += 2
    }
    var sawDigits = false
    var sawDot = false
    var underscores = false
    mantissa: while i < bytes.count {
        let c = bytes[i]
        switch c {
        case UInt8(ascii: "_"): underscores = true
        case UInt8(ascii: "."):
            if sawDot { break mantissa }
            sawDot = true
        case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigits = true
        default:
            if hex && lowerASCII(c) >= UInt8(ascii: "a") && lowerASCII(c) <= UInt8(ascii: "f") {
                sawDigits = true
            } else {
                break mantissa
            }
        }
        i += 1
    }
    if !sawDigits { return (0, .syntax) }
    let exponentMarker = hex ? UInt8(ascii: "p") : UInt8(ascii: "e")
    if i < bytes.count && lowerASCII(bytes[i]) == exponentMarker {
        i += 1
        if i >= bytes.count { return (0, .syntax) }
        if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        if i >= bytes.count || bytes[i] < UInt8(ascii: "0") || bytes[i] > UInt8(ascii: "9") { return (0, .syntax) }
        while i < bytes.count && (bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") || bytes[i] == UInt8(ascii: "_")) {
            if bytes[i] == UInt8(ascii: "_") { underscores = true }
            i += 1
        }
    } else if hex {
        return (0, .syntax)  // a hexadecimal mantissa needs a 'p' exponent
    }
    if i != bytes.count { return (0, .syntax) }
    if underscores && !goUnderscoreOK(s) { return (0, .syntax) }
    let cleaned = underscores ? String(decoding: bytes.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self) : s
    guard let value = Double(cleaned) else { return (0, .syntax) }
    if value.isInfinite { return (value, .range) }
    return (value, nil)
}

/// Go's `special`: an optionally signed "inf"/"infinity", or "nan", in any case.
private func goSpecialFloat(_ bytes: [UInt8]) -> Double? {
    var i = 0
    var negative = false
    if bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
        negative = bytes[0] == UInt8(ascii: "-")
        i = 1
    }
    let rest = String(decoding: bytes[i...], as: UTF8.self).lowercased()
    if rest == "inf" || rest == "infinity" { return negative ? -.infinity : .infinity }
    if i == 0 && rest == "nan" { return .nan }
    return nil
}

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a digit.
package func goUnderscoreOK(_ text: String) -> Bool {
    var s = Array(text.utf8)[...]
    var saw = UInt8(ascii: "^")
    if let first = s.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { s = s.dropFirst() }
    var hex = false
    if s.count >= 2 && s[s.startIndex] == UInt8(ascii: "0") {
        let marker = lowerASCII(s[s.startIndex + 1])
        if marker == UInt8(ascii: "b") || marker == UInt8(ascii: "o") || marker == UInt8(ascii: "x") {
            s = s.dropFirst(2)
            saw = UInt8(ascii: "0")
            hex = marker == UInt8(ascii: "x")
        }
    }
    for c in s {
        if (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            || (hex && lowerASCII(c) >= UInt8(ascii: "a") && lowerASCII(c) <= UInt8(ascii: "f")) {
            saw = UInt8(ascii: "0")
            continue
        }
        if c == UInt8(ascii: "_") {
            if saw != UInt8(ascii: "0") { return false }
            saw = UInt8(ascii: "_")
            continue
        }
        if saw == UInt8(ascii: "_") { return false }
        saw = UInt8(ascii: "!")
    }
    return saw != UInt8(ascii: "_")
}
