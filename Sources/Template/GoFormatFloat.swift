// Go's `strconv.FormatFloat` for float64: the shortest representation that reads back exactly,
// or the exact decimal expansion rounded to a precision, in the formats 'e', 'E', 'f', 'g', 'G', 'b', 'x', 'X'.

/// Go's `strconv.FormatFloat(value, format, precision, 64)` for the formats 'e', 'E', 'f', 'g', 'G'
/// (precision -1: the shortest representation that reads back exactly).
public func goFormatFloat(_ value: Double, format: Character, precision: Int) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
    let negative = value.sign == .minus
    if format == "x" || format == "X" || format == "b" {
        return formatBinaryFloat(value, format: format, precision: precision)
    }

    // Fast path for %v of small whole numbers, by far the commonest case in templates.
    if precision < 0 && (format == "g" || format == "G") && value.magnitude < 1e6 && value == value.rounded(.towardZero) {
        if value == 0 { return negative ? "-0" : "0" }
        return String(Int(value))
    }

    var decimal: DecimalDigits
    var precision = precision
    let shortest = precision < 0
    if shortest {
        decimal = DecimalDigits(shortest: value.magnitude)
        switch format {
        case "e", "E": precision = max(decimal.digits.count - 1, 0)
        case "f": precision = max(decimal.digits.count - decimal.decimalPoint, 0)
        default: precision = decimal.digits.count
        }
    } else {
        decimal = DecimalDigits(exact: value.magnitude)
        switch format {
        case "e", "E": decimal.round(toDigits: precision + 1)
        case "f": decimal.round(toDigits: decimal.decimalPoint + precision)
        default:
            if precision == 0 { precision = 1 }
            decimal.round(toDigits: precision)
        }
    }

    var out: [UInt8] = []
    out.reserveCapacity(24)
    if negative { out.append(UInt8(ascii: "-")) }
    switch format {
    case "e", "E":
        decimal.appendExponential(to: &out, precision: precision, marker: format == "E" ? UInt8(ascii: "E") : UInt8(ascii: "e"))
    case "f":
        decimal.appendFixed(to: &out, precision: precision)
    default:
        var exponentPrecision = precision
        if exponentPrecision > decimal.digits.count && decimal.digits.count >= decimal.decimalPoint {
            exponentPrecision = decimal.digits.count
        }
        // %e is used if the exponent from the conversion is less than -4 or greater than or
        // equal to the precision; for the shortest form Go decides with precision 6.
        if shortest { exponentPrecision = 6 }
        let exponent = decimal.decimalPoint - 1
        if decimal.digits.isEmpty || (exponent >= -4 && exponent < exponentPrecision) {
            if precision > decimal.decimalPoint { precision = decimal.digits.count }
            decimal.appendFixed(to: &out, precision: max(precision - decimal.decimalPoint, 0))
        } else {
            if precision > decimal.digits.count { precision = decimal.digits.count }
            decimal.appendExponential(to: &out, precision: precision - 1,
                                      marker: format == "G" ? UInt8(ascii: "E") : UInt8(ascii: "e"))
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// strconv's 'b' (mantissa "p" binary exponent) and 'x'/'X' (hexadecimal mantissa and exponent).
private func formatBinaryFloat(_ value: Double, format: Character, precision: Int) -> String {
    let negative = value.sign == .minus
    var exponent = Int(value.exponentBitPattern)
    var mantissa = value.significandBitPattern
    if exponent == 0 {
        exponent += 1
    } else {
        mantissa |= 1 << 52
    }
    exponent -= 1023
    var out: [UInt8] = []
    if negative { out.append(UInt8(ascii: "-")) }
    if format == "b" {
        out.append(contentsOf: String(mantissa).utf8)
        out.append(UInt8(ascii: "p"))
        let binaryExponent = exponent - 52
        if binaryExponent >= 0 { out.append(UInt8(ascii: "+")) }
        out.append(contentsOf: String(binaryExponent).utf8)
        return String(decoding: out, as: UTF8.self)
    }
    if mantissa == 0 { exponent = 0 }
    // Put the leading 1 at bit 60.
    mantissa <<= 8
    while mantissa != 0 && mantissa & (1 << 60) == 0 {
        mantissa <<= 1
        exponent -= 1
    }
    if precision >= 0 && precision < 15 {
        let shift = UInt64(precision * 4)
        let extra = (mantissa << shift) & ((1 << 60) - 1)
        mantissa >>= 60 - shift
        if extra | (mantissa & 1) > 1 << 59 { mantissa += 1 }
        mantissa <<= 60 - shift
        if mantissa & (1 << 61) != 0 {
            mantissa >>= 1
            exponent += 1
        }
    }
    let digits = format == "X" ? upperHexDigits : lowerHexDigits
    out.append(UInt8(ascii: "0"))
    out.append(format == "X" ? UInt8(ascii: "X") : UInt8(ascii: "x"))
    out.append(UInt8(ascii: "0") + UInt8((mantissa >> 60) & 1))
    mantissa <<= 4
    if precision < 0 && mantissa != 0 {
        out.append(UInt8(ascii: "."))
        while mantissa != 0 {
            out.append(digits[Int((mantissa >> 60) & 15)])
            mantissa <<= 4
        }
    } else if precision > 0 {
        out.append(UInt8(ascii: "."))
        for _ in 0..<precision {
            out.append(digits[Int((mantissa >> 60) & 15)])
            mantissa <<= 4
        }
    }
    out.append(format == "X" ? UInt8(ascii: "P") : UInt8(ascii: "p"))
    if exponent < 0 {
        out.append(UInt8(ascii: "-"))
        exponent = -exponent
    } else {
        out.append(UInt8(ascii: "+"))
    }
    let exponentText = String(exponent)
    if exponentText.utf8.count < 2 { out.append(UInt8(ascii: "0")) }
    out.append(contentsOf: exponentText.utf8)
    return String(decoding: out, as: UTF8.self)
}

/// A non-negative number as decimal digits (ASCII, no leading or trailing zeros) and the position
/// of the decimal point: value = 0.d1d2d3… × 10^decimalPoint. Zero has no digits.
struct DecimalDigits {
    var digits: [UInt8]
    var decimalPoint: Int

    /// The shortest digits that read back as `value`, taken from Swift's round-trip description.
    init(shortest value: Double) {
        digits = []
        decimalPoint = 0
        guard value != 0 else { return }
        var exponent = 0
        var pointSeen = false
        var digitsBeforePoint = 0
        var text = value.description.utf8[...]
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            exponent = Int(Substring(text[text.index(after: e)...])) ?? 0
            text = text[..<e]
        }
        digits.reserveCapacity(17)
        for c in text {
            if c == UInt8(ascii: ".") {
                pointSeen = true
            } else {
                if !pointSeen { digitsBeforePoint += 1 }
                digits.append(c)
            }
        }
        decimalPoint = digitsBeforePoint + exponent
        var leading = 0
        while leading < digits.count && digits[leading] == UInt8(ascii: "0") { leading += 1 }
        digits.removeFirst(leading)
        decimalPoint -= leading
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
    }

    /// All the digits of `value` exactly (a double is a finite binary fraction).
    init(exact value: Double) {
        digits = []
        decimalPoint = 0
        guard value != 0 else { return }
        var mantissa = value.significandBitPattern | (value.isNormal ? (1 << 52) : 0)
        var binaryExponent = Int(value.exponentBitPattern) - 1075
        if !value.isNormal { binaryExponent = -1074 }
        while mantissa & 1 == 0 && binaryExponent < 0 {
            mantissa >>= 1
            binaryExponent += 1
        }
        // value = mantissa × 2^e. For e < 0, mantissa × 5^-e is the same digits with the point
        // moved -e places left.
        var limbs = BigDecimalInteger(mantissa)
        var fractionDigits = 0
        if binaryExponent >= 0 {
            var remaining = binaryExponent
            while remaining > 0 {
                let step = min(remaining, 29)
                limbs.multiply(by: UInt64(1) << UInt64(step))
                remaining -= step
            }
        } else {
            var remaining = -binaryExponent
            fractionDigits = remaining
            while remaining > 0 {
                let step = min(remaining, 13)
                var factor: UInt64 = 1
                for _ in 0..<step { factor *= 5 }
                limbs.multiply(by: factor)
                remaining -= step
            }
        }
        digits = limbs.decimalDigits()
        decimalPoint = digits.count - fractionDigits
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
    }

    /// Rounds to `count` significant digits, halfway cases to even, as Go's decimal rounding.
    mutating func round(toDigits count: Int) {
        guard count >= 0 else {
            digits = []
            decimalPoint = 0
            return
        }
        guard count < digits.count else { return }
        var roundUp: Bool
        if digits[count] == UInt8(ascii: "5") && count + 1 == digits.count {
            roundUp = count > 0 && (digits[count - 1] - UInt8(ascii: "0")) % 2 == 1
        } else {
            roundUp = digits[count] >= UInt8(ascii: "5")
        }
        digits.removeSubrange(count...)
        if roundUp {
            var index = count - 1
            while index >= 0 && digits[index] == UInt8(ascii: "9") { index -= 1 }
            if index < 0 {
                digits = [UInt8(ascii: "1")]
                decimalPoint += 1
            } else {
                digits[index] += 1
                digits.removeSubrange((index + 1)...)
            }
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { decimalPoint = 0 }
    }

    func appendExponential(to out: inout [UInt8], precision: Int, marker: UInt8) {
        out.append(digits.first ?? UInt8(ascii: "0"))
        if precision > 0 {
            out.append(UInt8(ascii: "."))
            var index = 1
            let end = min(digits.count, precision + 1)
            if index < end {
                out.append(contentsOf: digits[index..<end])
                index = end
            }
            while index <= precision {
                out.append(UInt8(ascii: "0"))
                index += 1
            }
        }
        out.append(marker)
        var exponent = digits.isEmpty ? 0 : decimalPoint - 1
        if exponent < 0 {
            out.append(UInt8(ascii: "-"))
            exponent = -exponent
        } else {
            out.append(UInt8(ascii: "+"))
        }
        if exponent < 10 {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "0") + UInt8(exponent))
        } else if exponent < 100 {
            out.append(UInt8(ascii: "0") + UInt8(exponent / 10))
            out.append(UInt8(ascii: "0") + UInt8(exponent % 10))
        } else {
            out.append(UInt8(ascii: "0") + UInt8(exponent / 100))
            out.append(UInt8(ascii: "0") + UInt8(exponent / 10 % 10))
            out.append(UInt8(ascii: "0") + UInt8(exponent % 10))
        }
    }

    func appendFixed(to out: inout [UInt8], precision: Int) {
        if decimalPoint > 0 {
            let end = min(digits.count, decimalPoint)
            out.append(contentsOf: digits[0..<end])
            if end < decimalPoint { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: decimalPoint - end)) }
        } else {
            out.append(UInt8(ascii: "0"))
        }
        if precision > 0 {
            out.append(UInt8(ascii: "."))
            for i in 1...precision {
                let j = decimalPoint + i - 1
                out.append(j >= 0 && j < digits.count ? digits[j] : UInt8(ascii: "0"))
            }
        }
    }
}

/// An unsigned integer in base 10^9 limbs (least significant first), enough to expand a double.
private struct BigDecimalInteger {
    private static let base: UInt64 = 1_000_000_000
    var limbs: [UInt64]

    init(_ value: UInt64) {
        limbs = []
        var v = value
        repeat {
            limbs.append(v % Self.base)
            v /= Self.base
        } while v > 0
    }

    /// `factor` must stay below 2^34 so that limb × factor + carry fits in 64 bits.
    mutating func multiply(by factor: UInt64) {
        var carry: UInt64 = 0
        for index in limbs.indices {
            let product = limbs[index] * factor + carry
            limbs[index] = product % Self.base
            carry = product / Self.base
        }
        while carry > 0 {
            limbs.append(carry % Self.base)
            carry /= Self.base
        }
    }

    func decimalDigits() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(limbs.count * 9)
        out.append(contentsOf: String(limbs[limbs.count - 1]).utf8)
        for index in stride(from: limbs.count - 2, through: 0, by: -1) {
            let text = String(limbs[index])
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 9 - text.utf8.count))
            out.append(contentsOf: text.utf8)
        }
        return out
    }
}
