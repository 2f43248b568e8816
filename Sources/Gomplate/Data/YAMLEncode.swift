import Foundation
import Template

// gomplate's `toYAML`: a yaml.v3 encoder (hairyhenderson's fork) with a 2-space indent. This is
// a port of the parts of libyaml's emitter that a template value reaches: block mappings and
// sequences, flow style only for empty collections, and yaml.v3's choice of scalar styles.
// Lines are never folded (yaml.v3 sets no line width); sequences nested in a mapping are indented.

/// Encodes `value` as gomplate's `data.ToYAML` does; the result always ends with a newline.
public func encodeYAML(_ value: Value) throws -> String {
    try ValueWalk.run { walk in
        var emitter = YAMLEmitter(walk: walk)
        defer { walk = emitter.walk }
        try emitter.emitNode(value)
        emitter.writeIndent()  // document end
        try emitter.walk.checkProduced(emitter.out.count)
        return String(decoding: emitter.out, as: UTF8.self)
    }
}

private enum ScalarStyle {
    case plain, singleQuoted, doubleQuoted, literal
}

private struct ScalarAnalysis {
    var multiline = false
    var flowPlainAllowed = false
    var blockPlainAllowed = true
    var singleQuotedAllowed = true
    var blockAllowed = false
}

private struct YAMLEmitter {
    var out: [UInt8] = []
    var column = 0
    var indent = -1
    var indents: [Int] = []
    var whitespace = true
    var indention = true
    var flowLevel = 0
    let bestIndent = 2
    var walk: ValueWalk

    init(walk: ValueWalk) {
        self.walk = walk
        out.reserveCapacity(256)
    }

    // MARK: Output primitives

    mutating func put(_ byte: UInt8) {
        out.append(byte)
        column += 1
    }

    mutating func putBreak() {
        out.append(UInt8(ascii: "\n"))
        column = 0
        indention = true
    }

    /// Copies one character; the column counts characters, not bytes.
    mutating func write(_ bytes: [UInt8], _ i: inout Int) {
        let lead = bytes[i]
        column += 1
        if lead < 0x80 {
            out.append(lead)
            i += 1
            return
        }
        let width = utf8Width(lead)
        out.append(contentsOf: bytes[i..<min(i + width, bytes.count)])
        i += width
    }

    mutating func writeBreak(_ bytes: [UInt8], _ i: inout Int) {
        if bytes[i] == UInt8(ascii: "\n") {
            putBreak()
            i += 1
        } else {
            write(bytes, &i)
            column = 0
            indention = true
        }
    }

    mutating func writeIndent() {
        let target = max(indent, 0)
        if !indention || column > target || (column == target && !whitespace) {
            putBreak()
        }
        while column < target { put(UInt8(ascii: " ")) }
        whitespace = true
    }

    mutating func writeIndicator(_ indicator: String, needWhitespace: Bool, isWhitespace: Bool, isIndention: Bool) {
        if needWhitespace && !whitespace { put(UInt8(ascii: " ")) }
        for byte in indicator.utf8 { put(byte) }
        whitespace = isWhitespace
        indention = indention && isIndention
    }

    mutating func increaseIndent(flow: Bool) {
        indents.append(indent)
        if indent < 0 {
            indent = flow ? bestIndent : 0
        } else {
            indent += bestIndent
        }
    }

    mutating func restoreIndent() {
        indent = indents.removeLast()
    }

    // MARK: Nodes

    mutating func emitNode(_ value: Value) throws {
        try walk.visit(producing: out.count)
        switch value {
        case .list(let items):
            if items.isEmpty || flowLevel > 0 {
                emitEmptyFlow("[", "]")
            } else {
                try emitBlockSequence(items)
            }
        case .bytes(let bytes):
            if bytes.isEmpty {
                emitEmptyFlow("[", "]")
            } else {
                try emitBlockSequence(bytes.map { .int(Int($0)) })
            }
        case .map(let map):
            if map.entries.isEmpty || flowLevel > 0 {
                emitEmptyFlow("{", "}")
            } else {
                try emitBlockMapping(map)
            }
        default:
            let (text, style, tag) = try scalarRepresentation(value)
            emitScalar(Array(text.utf8), requestedStyle: style, tag: tag, simpleKey: false)
        }
    }

    private mutating func emitEmptyFlow(_ open: String, _ close: String) {
        writeIndicator(open, needWhitespace: true, isWhitespace: true, isIndention: false)
        writeIndicator(close, needWhitespace: false, isWhitespace: false, isIndention: false)
    }

    private mutating func emitBlockSequence(_ items: [Value]) throws {
        increaseIndent(flow: false)
        for item in items {
            writeIndent()
            writeIndicator("-", needWhitespace: true, isWhitespace: false, isIndention: true)
            try StackGuard.continuing { try emitNode(item) }
        }
        restoreIndent()
    }

    private mutating func emitBlockMapping(_ map: MapValue) throws {
        increaseIndent(flow: false)
        for key in yamlSortedKeys(map.entries.keys) {
            writeIndent()
            let (keyText, keyStyle, keyTag) = stringRepresentation(key)
            let keyBytes = Array(keyText.utf8)
            let analysis = analyzeScalar(keyBytes)
            let value = map.entries[key] ?? .null
            if !analysis.multiline && keyBytes.count + (keyTag?.utf8.count ?? 0) <= 128 {
                emitScalar(keyBytes, requestedStyle: keyStyle, tag: keyTag, simpleKey: true, analysis: analysis)
                writeIndicator(":", needWhitespace: false, isWhitespace: false, isIndention: false)
            } else {
                // A complex key: "? key" then ": value" on its own line.
                writeIndicator("?", needWhitespace: true, isWhitespace: false, isIndention: true)
                emitScalar(keyBytes, requestedStyle: keyStyle, tag: keyTag, simpleKey: false, analysis: analysis)
                writeIndent()
                writeIndicator(":", needWhitespace: true, isWhitespace: false, isIndention: true)
            }
            try StackGuard.continuing { try emitNode(value) }
        }
        restoreIndent()
    }

    // MARK: Scalars

    private mutating func emitScalar(_ bytes: [UInt8], requestedStyle: ScalarStyle, tag: String?, simpleKey: Bool,
                                     analysis precomputed: ScalarAnalysis? = nil) {
        let analysis = precomputed ?? analyzeScalar(bytes)
        var style = requestedStyle
        if simpleKey && analysis.multiline { style = .doubleQuoted }
        if style == .plain {
            if (flowLevel > 0 && !analysis.flowPlainAllowed) || (flowLevel == 0 && !analysis.blockPlainAllowed) {
                style = .singleQuoted
            }
            if bytes.isEmpty && (flowLevel > 0 || simpleKey) { style = .singleQuoted }
        }
        if style == .singleQuoted && !analysis.singleQuotedAllowed { style = .doubleQuoted }
        if style == .literal && (!analysis.blockAllowed || flowLevel > 0 || simpleKey) { style = .doubleQuoted }

        if let tag {
            if !whitespace { put(UInt8(ascii: " ")) }
            for byte in tag.utf8 { put(byte) }
            whitespace = false
            indention = false
        }
        increaseIndent(flow: true)
        switch style {
        case .plain: writePlain(bytes)
        case .singleQuoted: writeSingleQuoted(bytes)
        case .doubleQuoted: writeDoubleQuoted(bytes)
        case .literal: writeLiteral(bytes)
        }
        restoreIndent()
    }

    private mutating func writePlain(_ bytes: [UInt8]) {
        if !bytes.isEmpty && !whitespace { put(UInt8(ascii: " ")) }
        // Plain scalars never hold line breaks (they would not be plain), so the text goes out whole.
        out.append(contentsOf: bytes)
        for byte in bytes where byte & 0xC0 != 0x80 { column += 1 }
        whitespace = false
        indention = false
    }

    private mutating func writeSingleQuoted(_ bytes: [UInt8]) {
        writeIndicator("'", needWhitespace: true, isWhitespace: false, isIndention: false)
        var i = 0
        var breaks = false
        while i < bytes.count {
            if isBreak(bytes, i) {
                if !breaks && bytes[i] == UInt8(ascii: "\n") { putBreak() }
                writeBreak(bytes, &i)
                breaks = true
            } else {
                if breaks { writeIndent() }
                if bytes[i] == UInt8(ascii: "'") { put(UInt8(ascii: "'")) }
                write(bytes, &i)
                indention = false
                breaks = false
            }
        }
        writeIndicator("'", needWhitespace: false, isWhitespace: false, isIndention: false)
        whitespace = false
        indention = false
    }

    private mutating func writeDoubleQuoted(_ bytes: [UInt8]) {
        writeIndicator("\"", needWhitespace: true, isWhitespace: false, isIndention: false)
        let hex = Array("0123456789ABCDEF".utf8)
        var i = 0
        while i < bytes.count {
            let octet = bytes[i]
            if !isPrintable(bytes, i) || isBOM(bytes, i) || isBreak(bytes, i)
                || octet == UInt8(ascii: "\"") || octet == UInt8(ascii: "\\") {
                let width = min(utf8Width(octet), bytes.count - i)
                var v: UInt32
                switch width {
                case 2: v = UInt32(octet & 0x1F)
                case 3: v = UInt32(octet & 0x0F)
                case 4: v = UInt32(octet & 0x07)
                default: v = UInt32(octet & 0x7F)
                }
                if width > 1 {
                    for k in 1..<width { v = (v << 6) + UInt32(bytes[i + k] & 0x3F) }
                }
                i += width
                put(UInt8(ascii: "\\"))
                switch v {
                case 0x00: put(UInt8(ascii: "0"))
                case 0x07: put(UInt8(ascii: "a"))
                case 0x08: put(UInt8(ascii: "b"))
                case 0x09: put(UInt8(ascii: "t"))
                case 0x0A: put(UInt8(ascii: "n"))
                case 0x0B: put(UInt8(ascii: "v"))
                case 0x0C: put(UInt8(ascii: "f"))
                case 0x0D: put(UInt8(ascii: "r"))
                case 0x1B: put(UInt8(ascii: "e"))
                case 0x22: put(UInt8(ascii: "\""))
                case 0x5C: put(UInt8(ascii: "\\"))
                case 0x85: put(UInt8(ascii: "N"))
                case 0xA0: put(UInt8(ascii: "_"))
                case 0x2028: put(UInt8(ascii: "L"))
                case 0x2029: put(UInt8(ascii: "P"))
                default:
                    let digits: Int
                    if v <= 0xFF {
                        put(UInt8(ascii: "x")); digits = 2
                    } else if v <= 0xFFFF {
                        put(UInt8(ascii: "u")); digits = 4
                    } else {
                        put(UInt8(ascii: "U")); digits = 8
                    }
                    for k in stride(from: (digits - 1) * 4, through: 0, by: -4) {
                        put(hex[Int((v >> UInt32(k)) & 0x0F)])
                    }
                }
            } else {
                write(bytes, &i)
            }
        }
        writeIndicator("\"", needWhitespace: false, isWhitespace: false, isIndention: false)
        whitespace = false
        indention = false
    }

    private mutating func writeLiteral(_ bytes: [UInt8]) {
        writeIndicator("|", needWhitespace: true, isWhitespace: false, isIndention: false)
        // Block scalar hints: an explicit indent when the text starts with a space or a break,
        // and the chomping indicator from the trailing line breaks.
        if isSpace(bytes, 0) || isBreak(bytes, 0) {
            writeIndicator(String(bestIndent), needWhitespace: false, isWhitespace: false, isIndention: false)
        }
        var chomp: String?
        if bytes.isEmpty {
            chomp = "-"
        } else {
            var i = bytes.count - 1
            while i > 0 && bytes[i] & 0xC0 == 0x80 { i -= 1 }
            if !isBreak(bytes, i) {
                chomp = "-"
            } else if i == 0 {
                chomp = "+"
            } else {
                i -= 1
                while i > 0 && bytes[i] & 0xC0 == 0x80 { i -= 1 }
                if isBreak(bytes, i) { chomp = "+" }
            }
        }
        if let chomp { writeIndicator(chomp, needWhitespace: false, isWhitespace: false, isIndention: false) }
        putBreak()
        whitespace = true
        var breaks = true
        var i = 0
        while i < bytes.count {
            if isBreak(bytes, i) {
                writeBreak(bytes, &i)
                breaks = true
            } else {
                if breaks { writeIndent() }
                write(bytes, &i)
                indention = false
                breaks = false
            }
        }
    }
}

// MARK: - Scalar representation (yaml.v3's encoder)

/// The text, requested style and explicit tag yaml.v3 gives a scalar value.
private func scalarRepresentation(_ value: Value) throws -> (String, ScalarStyle, String?) {
    switch value {
    case .null: return ("null", .plain, nil)
    case .bool(let b): return (b ? "true" : "false", .plain, nil)
    case .int(let i): return (String(i), .plain, nil)
    case .float(let f):
        if f.isNaN { return (".nan", .plain, nil) }
        if f.isInfinite { return (f < 0 ? "-.inf" : ".inf", .plain, nil) }
        return (goFormatFloat(f, format: "g", precision: -1), .plain, nil)
    case .string(let s): return stringRepresentation(s)
    case .object(let o): return stringRepresentation(o.goDescription)
    case .bytes, .list, .map: return stringRepresentation(try goPrint(value))
    }
}

private func stringRepresentation(_ s: String) -> (String, ScalarStyle, String?) {
    if s.utf8.contains(where: { $0 >= 0x80 }) && !isValidUTF8(s) {
        // Not representable as text: yaml.v3 writes it as base64 with a !!binary tag.
        return (Data(s.utf8).base64EncodedString(), .plain, "!!binary")
    }
    if s.utf8.contains(UInt8(ascii: "\n")) { return (s, .literal, nil) }
    if yamlStringNeedsQuotes(s) { return (s, .doubleQuoted, nil) }
    return (s, .plain, nil)
}

private func isValidUTF8(_ s: String) -> Bool {
    let bytes = Array(s.utf8)
    var i = 0
    while i < bytes.count {
        let (scalar, width) = decodeUTF8(bytes, i)
        if scalar == nil { return false }
        i += width
    }
    return true
}

/// Whether a plain scalar with this text would read back as something other than a string
/// (yaml.v3's `resolve`), or looks like a YAML 1.1 bool or base-60 number.
func yamlStringNeedsQuotes(_ s: String) -> Bool {
    guard let first = s.utf8.first else { return true }  // "" reads as null
    switch first {
    case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "o"), UInt8(ascii: "O"),
         UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "~"):
        // YAML 1.1 bools (y, yes, on, no, off… in three casings) are at most three letters.
        if s.utf8.count <= 3 {
            switch s {
            case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
                return true
            default: break
            }
        }
        if case .string = resolvePlainScalar(s) { return false }
        return true
    case UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        if case .string = resolvePlainScalar(s) {
            return isYAMLTimestamp(s) || isBase60Float(s)
        }
        return true
    default:
        return false
    }
}

/// yaml.v3's `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
private func isBase60Float(_ s: String) -> Bool {
    let b = Array(s.utf8)
    var i = 0
    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    if i < b.count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
    guard i < b.count && isDigit(b[i]) else { return false }
    i += 1
    while i < b.count && (isDigit(b[i]) || b[i] == UInt8(ascii: "_")) { i += 1 }
    var groups = 0
    while i < b.count && b[i] == UInt8(ascii: ":") {
        i += 1
        // [0-5]?[0-9]
        if i + 1 < b.count && b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "5") && isDigit(b[i + 1]) {
            i += 2
        } else if i < b.count && isDigit(b[i]) {
            i += 1
        } else {
            return false
        }
        groups += 1
    }
    guard groups > 0 else { return false }
    if i < b.count && b[i] == UInt8(ascii: ".") {
        i += 1
        while i < b.count && (isDigit(b[i]) || b[i] == UInt8(ascii: "_")) { i += 1 }
    }
    return i == b.count
}

/// Whether yaml.v3 reads the plain scalar as a timestamp (layouts "2006-1-2T15:4:5.999999999Z07:00",
/// the same with a lower-case t or a space and no zone, and "2006-1-2").
func isYAMLTimestamp(_ s: String) -> Bool {
    let b = Array(s.utf8)
    var i = 0
    func isDigit(_ index: Int) -> Bool { index < b.count && b[index] >= UInt8(ascii: "0") && b[index] <= UInt8(ascii: "9") }
    func number(maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        while count < maxDigits && isDigit(i) {
            value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
            i += 1
            count += 1
        }
        return count > 0 ? value : nil
    }
    func expect(_ c: Character) -> Bool {
        guard i < b.count, b[i] == c.asciiValue else { return false }
        i += 1
        return true
    }
    guard b.count >= 5, (0..<4).allSatisfy({ isDigit($0) }), b[4] == UInt8(ascii: "-") else { return false }
    let year = Int(String(decoding: b[0..<4], as: UTF8.self)) ?? 0
    i = 5
    guard let month = number(maxDigits: 2), (1...12).contains(month), expect("-"),
          let day = number(maxDigits: 2) else { return false }
    let daysInMonth = [31, (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    guard day >= 1 && day <= daysInMonth[month - 1] else { return false }
    if i == b.count { return true }
    let separator = b[i]
    guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else { return false }
    i += 1
    guard let hour = number(maxDigits: 2), hour < 24, expect(":"),
          let minute = number(maxDigits: 2), minute < 60, expect(":"),
          let second = number(maxDigits: 2), second < 60 else { return false }
    if i < b.count && b[i] == UInt8(ascii: ".") && isDigit(i + 1) {
        i += 1
        while isDigit(i) { i += 1 }
    }
    if i == b.count { return true }
    guard separator != UInt8(ascii: " ") else { return false }
    if expect("Z") { return i == b.count }
    guard i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return false }
    i += 1
    guard isDigit(i), isDigit(i + 1) else { return false }
    i += 2
    guard expect(":"), isDigit(i), isDigit(i + 1) else { return false }
    i += 2
    return i == b.count
}

// MARK: - Scalar analysis (libyaml's yaml_emitter_analyze_scalar)

private func utf8Width(_ lead: UInt8) -> Int {
    if lead & 0x80 == 0 { return 1 }
    if lead & 0xE0 == 0xC0 { return 2 }
    if lead & 0xF0 == 0xE0 { return 3 }
    if lead & 0xF8 == 0xF0 { return 4 }
    return 1
}

private func byte(_ b: [UInt8], _ i: Int) -> UInt8 { i < b.count ? b[i] : 0 }

private func isSpace(_ b: [UInt8], _ i: Int) -> Bool { byte(b, i) == UInt8(ascii: " ") }

private func isBlank(_ b: [UInt8], _ i: Int) -> Bool {
    byte(b, i) == UInt8(ascii: " ") || byte(b, i) == UInt8(ascii: "\t")
}

private func isBreak(_ b: [UInt8], _ i: Int) -> Bool {
    let c = byte(b, i)
    return c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n")
        || (c == 0xC2 && byte(b, i + 1) == 0x85)
        || (c == 0xE2 && byte(b, i + 1) == 0x80 && (byte(b, i + 2) == 0xA8 || byte(b, i + 2) == 0xA9))
}

private func isBlankOrBreakOrEnd(_ b: [UInt8], _ i: Int) -> Bool {
    i >= b.count || isBlank(b, i) || isBreak(b, i) || b[i] == 0
}

private func isBOM(_ b: [UInt8], _ i: Int) -> Bool {
    byte(b, i) == 0xEF && byte(b, i + 1) == 0xBB && byte(b, i + 2) == 0xBF
}

private func isPrintable(_ b: [UInt8], _ i: Int) -> Bool {
    let c = b[i]
    let next = byte(b, i + 1)
    return c == 0x0A
        || (c >= 0x20 && c <= 0x7E)
        || (c == 0xC2 && next >= 0xA0)
        || (c > 0xC2 && c < 0xED)
        || (c == 0xED && next < 0xA0)
        || c == 0xEE
        || (c == 0xEF && !(next == 0xBB && byte(b, i + 2) == 0xBF)
            && !(next == 0xBF && (byte(b, i + 2) == 0xBE || byte(b, i + 2) == 0xBF)))
}

private func analyzeScalar(_ value: [UInt8]) -> ScalarAnalysis {
    var analysis = ScalarAnalysis()
    if value.isEmpty { return analysis }

    var blockIndicators = false
    var flowIndicators = false
    var lineBreaks = false
    var specialCharacters = false
    var leadingSpace = false
    var leadingBreak = false
    var trailingSpace = false
    var trailingBreak = false
    var breakSpace = false
    var spaceBreak = false
    var previousSpace = false
    var previousBreak = false

    if value.count >= 3 && ((value[0] == UInt8(ascii: "-") && value[1] == UInt8(ascii: "-") && value[2] == UInt8(ascii: "-"))
        || (value[0] == UInt8(ascii: ".") && value[1] == UInt8(ascii: ".") && value[2] == UInt8(ascii: "."))) {
        blockIndicators = true
        flowIndicators = true
    }

    var precededByWhitespace = true
    var i = 0
    while i < value.count {
        let width = utf8Width(value[i])
        let followedByWhitespace = i + width >= value.count || isBlank(value, i + width)
        let c = value[i]
        if i == 0 {
            switch c {
            case UInt8(ascii: "#"), UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"),
                 UInt8(ascii: "}"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"),
                 UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"),
                 UInt8(ascii: "`"):
                flowIndicators = true
                blockIndicators = true
            case UInt8(ascii: "?"), UInt8(ascii: ":"):
                flowIndicators = true
                if followedByWhitespace { blockIndicators = true }
            case UInt8(ascii: "-"):
                if followedByWhitespace {
                    flowIndicators = true
                    blockIndicators = true
                }
            default: break
            }
        } else {
            switch c {
            case UInt8(ascii: ","), UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                flowIndicators = true
            case UInt8(ascii: ":"):
                flowIndicators = true
                if followedByWhitespace { blockIndicators = true }
            case UInt8(ascii: "#"):
                if precededByWhitespace {
                    flowIndicators = true
                    blockIndicators = true
                }
            default: break
            }
        }

        if !isPrintable(value, i) { specialCharacters = true }
        if isSpace(value, i) {
            if i == 0 { leadingSpace = true }
            if i + width == value.count { trailingSpace = true }
            if previousBreak { breakSpace = true }
            previousSpace = true
            previousBreak = false
        } else if isBreak(value, i) {
            lineBreaks = true
            if i == 0 { leadingBreak = true }
            if i + width == value.count { trailingBreak = true }
            if previousSpace { spaceBreak = true }
            previousSpace = false
            previousBreak = true
        } else {
            previousSpace = false
            previousBreak = false
        }
        precededByWhitespace = isBlankOrBreakOrEnd(value, i)
        i += width
    }

    analysis.multiline = lineBreaks
    analysis.flowPlainAllowed = true
    analysis.blockPlainAllowed = true
    analysis.singleQuotedAllowed = true
    analysis.blockAllowed = true
    if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
        analysis.flowPlainAllowed = false
        analysis.blockPlainAllowed = false
    }
    if trailingSpace { analysis.blockAllowed = false }
    if breakSpace {
        analysis.flowPlainAllowed = false
        analysis.blockPlainAllowed = false
        analysis.singleQuotedAllowed = false
    }
    if spaceBreak || specialCharacters {
        analysis.flowPlainAllowed = false
        analysis.blockPlainAllowed = false
        analysis.singleQuotedAllowed = false
        analysis.blockAllowed = false
    }
    if lineBreaks {
        analysis.flowPlainAllowed = false
        analysis.blockPlainAllowed = false
    }
    if flowIndicators { analysis.flowPlainAllowed = false }
    if blockIndicators { analysis.blockPlainAllowed = false }
    return analysis
}

// MARK: - Key order (yaml.v3's keyList.Less for string keys)

/// Map keys in yaml.v3's order (its keyList.Less for string keys).
func yamlSortedKeys<Keys: Collection>(_ keys: Keys) -> [String] where Keys.Element == String {
    // Without digits, keys made only of letters, or only of lower-case letters and - _ . sort
    // the same naturally as byte-wise, which needs no splitting into scalars.
    var onlyLetters = true
    var onlyLowerAndPunctuation = true
    for key in keys {
        for c in key.utf8 {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): onlyLowerAndPunctuation = false
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."): onlyLetters = false
            default:
                onlyLetters = false
                onlyLowerAndPunctuation = false
            }
        }
    }
    if onlyLetters || onlyLowerAndPunctuation { return keys.sorted(by: goStringLess) }
    let split = keys.map { ($0, Array($0.unicodeScalars)) }
    return split.sorted { yamlKeyLess($0.1, $1.1) }.map(\.0)
}

/// yaml.v3 sorts map keys "naturally": letters before other characters where they differ,
/// and runs of digits by numeric value.
func yamlKeyLess(_ a: String, _ b: String) -> Bool {
    yamlKeyLess(Array(a.unicodeScalars), Array(b.unicodeScalars))
}

private func yamlKeyLess(_ ar: [UnicodeScalar], _ br: [UnicodeScalar]) -> Bool {
    var digits = false
    var i = 0
    while i < ar.count && i < br.count {
        if ar[i] == br[i] {
            digits = isGoDigit(ar[i])
            i += 1
            continue
        }
        let aLetter = isGoLetter(ar[i])
        let bLetter = isGoLetter(br[i])
        if aLetter && bLetter { return ar[i].value < br[i].value }
        if aLetter || bLetter { return digits ? aLetter : bLetter }
        var aNumber: Int64 = 0
        var bNumber: Int64 = 0
        if ar[i] == "0" || br[i] == "0" {
            var j = i - 1
            while j >= 0 && isGoDigit(ar[j]) {
                if ar[j] != "0" {
                    aNumber = 1
                    bNumber = 1
                    break
                }
                j -= 1
            }
        }
        var ai = i
        while ai < ar.count && isGoDigit(ar[ai]) {
            aNumber = aNumber &* 10 &+ Int64(ar[ai].value) - 48
            ai += 1
        }
        var bi = i
        while bi < br.count && isGoDigit(br[bi]) {
            bNumber = bNumber &* 10 &+ Int64(br[bi].value) - 48
            bi += 1
        }
        if aNumber != bNumber { return aNumber < bNumber }
        if ai != bi { return ai < bi }
        return ar[i].value < br[i].value
    }
    return ar.count < br.count
}

private func isGoDigit(_ scalar: UnicodeScalar) -> Bool {
    if scalar.value < 0x80 { return scalar.value >= 48 && scalar.value <= 57 }
    return scalar.properties.generalCategory == .decimalNumber
}

private func isGoLetter(_ scalar: UnicodeScalar) -> Bool {
    let v = scalar.value
    if v < 0x80 { return (v >= 65 && v <= 90) || (v >= 97 && v <= 122) }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
    default: return false
    }
}
