/// Go's `strconv.ParseInt`/`ParseUint` with base 0 and `ParseFloat`, as the template parser uses
/// them for number literals: base prefixes, leading-zero octal, and `_` between digits.
enum GoNumber {
    static func parseInt(_ text: String) -> Int64? {
        var body = Substring(text)
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        guard let magnitude = parseUnsigned(body, wholeText: text) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    static func parseUint(_ text: String) -> UInt64? {
        parseUnsigned(Substring(text), wholeText: text)
    }

    private static func parseUnsigned(_ text: Substring, wholeText: String) -> UInt64? {
        var digits = text
        var base: UInt64 = 10
        let bytes = Array(text.utf8)
        if bytes.count >= 1, bytes[0] == UInt8(ascii: "0") {
            if bytes.count >= 3, bytes[1] | 0x20 == UInt8(ascii: "x") {
                base = 16; digits = text.dropFirst(2)
            } else if bytes.count >= 3, bytes[1] | 0x20 == UInt8(ascii: "o") {
                base = 8; digits = text.dropFirst(2)
            } else if bytes.count >= 3, bytes[1] | 0x20 == UInt8(ascii: "b") {
                base = 2; digits = text.dropFirst(2)
            } else if bytes.count > 1 {
                base = 8; digits = text.dropFirst(1)
            }
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        var sawUnderscore = false
        for byte in digits.utf8 {
            if byte == UInt8(ascii: "_") {
                sawUnderscore = true
                continue
            }
            guard let digit = digitValue(byte), digit < base else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: base)
            guard !overflow else { return nil }
            let (sum, overflow2) = product.addingReportingOverflow(digit)
            guard !overflow2 else { return nil }
            value = sum
        }
        if sawUnderscore && !underscoresOK(wholeText) { return nil }
        return value
    }

    static func parseFloat(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var hex = false
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "0"), bytes[index + 1] | 0x20 == UInt8(ascii: "x") {
            hex = true
            index += 2
        }
        var sawDigits = false
        var sawDot = false
        var sawUnderscore = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "_") {
                sawUnderscore = true
            } else if byte == UInt8(ascii: ".") {
                if sawDot { return nil }
                sawDot = true
            } else if let digit = digitValue(byte), digit < (hex ? 16 : 10) {
                sawDigits = true
            } else {
                break
            }
            index += 1
        }
        guard sawDigits else { return nil }
        if index < bytes.count, bytes[index] | 0x20 == (hex ? UInt8(ascii: "p") : UInt8(ascii: "e")) {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            var exponentDigits = false
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") || bytes[index] == UInt8(ascii: "_") {
                if bytes[index] == UInt8(ascii: "_") { sawUnderscore = true } else { exponentDigits = true }
                index += 1
            }
            guard exponentDigits else { return nil }
        } else if hex {
            return nil
        }
        guard index == bytes.count else { return nil }
        if sawUnderscore && !underscoresOK(text) { return nil }
        let cleaned = sawUnderscore ? text.replacingOccurrences(of: "_", with: "") : text
        guard let value = Double(cleaned), value.isFinite else { return nil }
        return value
    }

    private static func digitValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Go's `underscoreOK`: underscores only between digits (a base prefix counts as a digit).
    static func underscoresOK(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        var saw: UInt8 = UInt8(ascii: "^")
        var hex = false
        if bytes.count >= 2, bytes[bytes.startIndex] == UInt8(ascii: "0") {
            let marker = bytes[bytes.startIndex + 1] | 0x20
            if marker == UInt8(ascii: "b") || marker == UInt8(ascii: "o") || marker == UInt8(ascii: "x") {
                bytes = bytes.dropFirst(2)
                saw = UInt8(ascii: "0")
                hex = marker == UInt8(ascii: "x")
            }
        }
        for byte in bytes {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") || hex && byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f") {
                saw = UInt8(ascii: "0")
                continue
            }
            if byte == UInt8(ascii: "_") {
                if saw != UInt8(ascii: "0") { return false }
                saw = UInt8(ascii: "_")
                continue
            }
            if saw == UInt8(ascii: "_") { return false }
            saw = UInt8(ascii: "!")
        }
        return saw != UInt8(ascii: "_")
    }
}
