import Foundation

// Go's fmt package for the dynamic types a template meets: `%v` printing (`goPrint`), `fmt.Sprint`,
// `fmt.Sprintln` and `fmt.Sprintf` with Go's verbs, flags and error notation, byte for byte.

/// `fmt.Sprint(v)` of one value, i.e. Go's `%v`. Containers are walked within a `ValueWalk`.
public func goPrint(_ value: Value) throws -> String {
    if let scalar = scalarPrint(value) { return scalar }
    return try ValueWalk.run { walk in
        var out = ""
        try goAppendPlain(value, to: &out, walk: &walk)
        return out
    }
}

/// `goPrint` for an error message: containers past a small walk are cut short with "...".
package func goPrintForMessage(_ value: Value) -> String {
    if let scalar = scalarPrint(value) { return scalar }
    var walk = ValueWalk.forMessage()
    var out = ""
    do {
        try goAppendPlain(value, to: &out, walk: &walk)
    } catch {
        out += "..."
    }
    return out
}

private func scalarPrint(_ value: Value) -> String? {
    switch value {
    case .string(let s): return s
    case .int(let i): return String(i)
    case .bool(let b): return b ? "true" : "false"
    case .float(let f): return goFormatFloat(f, format: "g", precision: -1)
    case .null: return "<nil>"
    case .object(let o): return o.goDescription
    case .bytes, .list, .map: return nil
    }
}

/// `%v` without flags, appended; the fast path for containers.
package func goAppendPlain(_ value: Value, to out: inout String, walk: inout ValueWalk) throws {
    try walk.visit(producing: out.utf8.count)
    switch value {
    case .null: out += "<nil>"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .float(let f): out += goFormatFloat(f, format: "g", precision: -1)
    case .string(let s): out += s
    case .bytes(let bytes):
        out += "["
        for (index, byte) in bytes.enumerated() {
            if index > 0 { out += " " }
            out += String(byte)
        }
        out += "]"
    case .list(let items):
        out += "["
        for (index, item) in items.enumerated() {
            if index > 0 { out += " " }
            try StackGuard.continuing { try goAppendPlain(item, to: &out, walk: &walk) }
        }
        out += "]"
    case .map(let map):
        out += "map["
        for (index, key) in map.sortedKeys.enumerated() {
            if index > 0 { out += " " }
            out += key
            out += ":"
            try StackGuard.continuing { try goAppendPlain(map.entries[key] ?? .null, to: &out, walk: &walk) }
        }
        out += "]"
    case .object(let o): out += o.goDescription
    }
}

/// `fmt.Sprint(args...)`: a space between operands when neither side is a string.
public func goSprint(_ arguments: [Value]) throws -> String {
    try ValueWalk.run { walk in
        var out = ""
        for (index, argument) in arguments.enumerated() {
            if index > 0, !argument.isGoString, !arguments[index - 1].isGoString { out += " " }
            try goAppendPlain(argument, to: &out, walk: &walk)
        }
        try walk.checkProduced(out.utf8.count)
        return out
    }
}

/// `fmt.Sprintln(args...)`: always spaces, then a newline.
public func goSprintln(_ arguments: [Value]) throws -> String {
    try ValueWalk.run { walk in
        var out = ""
        for (index, argument) in arguments.enumerated() {
            if index > 0 { out += " " }
            try goAppendPlain(argument, to: &out, walk: &walk)
        }
        out += "\n"
        try walk.checkProduced(out.utf8.count)
        return out
    }
}

/// `fmt.Sprintf(format, args...)`.
public func goSprintf(_ format: String, _ arguments: [Value]) throws -> String {
    try ValueWalk.run { walk in
        var printer = GoPrinter(walk: walk)
        defer { walk = printer.walk }
        try printer.printf(Array(format.utf8), arguments)
        try printer.walk.checkProduced(printer.buffer.count)
        return String(decoding: printer.buffer, as: UTF8.self)
    }
}

/// `goSprintf` for an error message, cut short with "..." like `goPrintForMessage`.
package func goSprintfForMessage(_ format: String, _ arguments: [Value]) -> String {
    var printer = GoPrinter(walk: .forMessage())
    do {
        try printer.printf(Array(format.utf8), arguments)
    } catch {
        printer.buffer.append(contentsOf: "...".utf8)
    }
    return String(decoding: printer.buffer, as: UTF8.self)
}

extension Value {
    var isGoString: Bool {
        if case .string = self { return true }
        return false
    }
}

// MARK: - The printer

private let lowerHexDigits = Array("0123456789abcdefx".utf8)
private let upperHexDigits = Array("0123456789ABCDEFX".utf8)

/// Formatting flags of one verb, as Go's `fmt.fmtFlags` plus width and precision.
private struct FormatFlags {
    var width = 0
    var precision = 0
    var widthPresent = false
    var precisionPresent = false
    var minus = false
    var plus = false
    var sharp = false
    var space = false
    var zero = false
    var plusV = false
    var sharpV = false
}

/// A port of the behaviour of Go's `fmt.pp` for the types a `Value` holds.
private struct GoPrinter {
    var buffer: [UInt8] = []
    var flags = FormatFlags()
    var walk: ValueWalk

    init(walk: ValueWalk) {
        self.walk = walk
        buffer.reserveCapacity(64)
    }

    // MARK: Printf driver

    mutating func printf(_ format: [UInt8], _ arguments: [Value]) throws {
        let end = format.count
        var argNum = 0
        var afterIndex = false
        var reordered = false
        var goodArgNum = true
        var i = 0
        while i < end {
            goodArgNum = true
            let literalStart = i
            while i < end && format[i] != UInt8(ascii: "%") { i += 1 }
            if i > literalStart { buffer.append(contentsOf: format[literalStart..<i]) }
            if i >= end { break }
            i += 1  // the '%'
            flags = FormatFlags()

            flagLoop: while i < end {
                switch format[i] {
                case UInt8(ascii: "#"): flags.sharp = true
                case UInt8(ascii: "0"): flags.zero = !flags.minus  // only pad with zeros on the left
                case UInt8(ascii: "+"): flags.plus = true
                case UInt8(ascii: "-"): flags.minus = true; flags.zero = false
                case UInt8(ascii: " "): flags.space = true
                default: break flagLoop
                }
                i += 1
            }

            // An explicit argument index: %[3]d.
            (argNum, i, afterIndex, goodArgNum, reordered) =
                argumentNumber(format, i, argNum, arguments.count, goodArgNum, reordered)

            // Width.
            if i < end && format[i] == UInt8(ascii: "*") {
                i += 1
                let (value, present, next) = intFromArgument(arguments, argNum)
                argNum = next
                flags.width = value
                flags.widthPresent = present
                if !present { buffer.append(contentsOf: "%!(BADWIDTH)".utf8) }
                if flags.width < 0 {
                    flags.width = -flags.width
                    flags.minus = true
                    flags.zero = false
                }
                afterIndex = false
            } else {
                let (value, present, next) = parseNumber(format, i)
                flags.width = value
                flags.widthPresent = present
                i = next
                if afterIndex && present { goodArgNum = false }
            }

            // Precision.
            if i + 1 < end && format[i] == UInt8(ascii: ".") {
                i += 1
                if afterIndex { goodArgNum = false }
                (argNum, i, afterIndex, goodArgNum, reordered) =
                    argumentNumber(format, i, argNum, arguments.count, goodArgNum, reordered)
                if i < end && format[i] == UInt8(ascii: "*") {
                    i += 1
                    let (value, present, next) = intFromArgument(arguments, argNum)
                    argNum = next
                    flags.precision = value
                    flags.precisionPresent = present
                    // A negative precision makes no sense and counts as a bad one.
                    if flags.precision < 0 {
                        flags.precision = 0
                        flags.precisionPresent = false
                    }
                    if !flags.precisionPresent { buffer.append(contentsOf: "%!(BADPREC)".utf8) }
                    afterIndex = false
                } else {
                    let (value, _, next) = parseNumber(format, i)
                    flags.precision = value
                    flags.precisionPresent = true
                    i = next
                }
            }

            if !afterIndex {
                (argNum, i, afterIndex, goodArgNum, reordered) =
                    argumentNumber(format, i, argNum, arguments.count, goodArgNum, reordered)
            }

            if i >= end {
                buffer.append(contentsOf: "%!(NOVERB)".utf8)
                break
            }

            let (verb, size) = decodeRune(format, i)
            i += size

            if verb == UnicodeScalar("%") {
                buffer.append(UInt8(ascii: "%"))  // takes no operand and ignores width and precision
            } else if !goodArgNum {
                appendBadArgument(verb, "BADINDEX")
            } else if argNum >= arguments.count {
                appendBadArgument(verb, "MISSING")
            } else {
                if verb == UnicodeScalar("v") {
                    flags.sharpV = flags.sharp
                    flags.sharp = false
                    flags.plusV = flags.plus
                    flags.plus = false
                }
                try printArgument(arguments[argNum], verb)
                argNum += 1
            }
        }

        if !reordered && argNum < arguments.count {
            flags = FormatFlags()
            buffer.append(contentsOf: "%!(EXTRA ".utf8)
            for (index, argument) in arguments[argNum...].enumerated() {
                if index > 0 { buffer.append(contentsOf: ", ".utf8) }
                if argument.isNull {
                    buffer.append(contentsOf: "<nil>".utf8)
                } else {
                    buffer.append(contentsOf: argument.goTypeName.utf8)
                    buffer.append(UInt8(ascii: "="))
                    try printArgument(argument, "v")
                }
            }
            buffer.append(UInt8(ascii: ")"))
        }
    }

    private mutating func appendBadArgument(_ verb: UnicodeScalar, _ reason: String) {
        buffer.append(contentsOf: "%!".utf8)
        appendScalar(verb)
        buffer.append(UInt8(ascii: "("))
        buffer.append(contentsOf: reason.utf8)
        buffer.append(UInt8(ascii: ")"))
    }

    /// Go's `argNumber`: an optional `[n]` selects the operand (1-based).
    private func argumentNumber(_ format: [UInt8], _ i: Int, _ argNum: Int, _ count: Int, _ good: Bool,
                                _ reordered: Bool) -> (Int, Int, Bool, Bool, Bool) {
        guard i < format.count, format[i] == UInt8(ascii: "[") else { return (argNum, i, false, good, reordered) }
        var j = i + 1
        while j < format.count && format[j] != UInt8(ascii: "]") { j += 1 }
        guard j < format.count else {
            return (argNum, i + 1, false, false, true)  // no closing bracket
        }
        let (value, present, next) = parseNumber(format, i + 1)
        if !present || next != j {
            return (argNum, j + 1, false, false, true)
        }
        if value >= 1 && value <= count {
            return (value - 1, j + 1, true, good, true)
        }
        return (argNum, j + 1, true, false, true)
    }

    private func parseNumber(_ format: [UInt8], _ start: Int) -> (Int, Bool, Int) {
        var i = start
        var number = 0
        var present = false
        while i < format.count, format[i] >= UInt8(ascii: "0"), format[i] <= UInt8(ascii: "9") {
            if number > 1_000_000 { return (0, false, format.count) }  // Go's "too large" guard
            number = number * 10 + Int(format[i] - UInt8(ascii: "0"))
            present = true
            i += 1
        }
        return (number, present, i)
    }

    private func intFromArgument(_ arguments: [Value], _ argNum: Int) -> (Int, Bool, Int) {
        guard argNum < arguments.count else { return (0, false, argNum) }
        if case .int(let n) = arguments[argNum] {
            if n > 1_000_000 || n < -1_000_000 { return (0, false, argNum + 1) }
            return (n, true, argNum + 1)
        }
        return (0, false, argNum + 1)
    }

    private func decodeRune(_ bytes: [UInt8], _ i: Int) -> (UnicodeScalar, Int) {
        let lead = bytes[i]
        if lead < 0x80 { return (UnicodeScalar(lead), 1) }
        var length = 0
        if lead & 0xE0 == 0xC0 { length = 2 } else if lead & 0xF0 == 0xE0 { length = 3 } else if lead & 0xF8 == 0xF0 { length = 4 }
        if length > 0, i + length <= bytes.count,
           let scalar = String(decoding: bytes[i..<(i + length)], as: UTF8.self).unicodeScalars.first,
           scalar != "\u{FFFD}" {
            return (scalar, length)
        }
        return ("\u{FFFD}", 1)
    }

    // MARK: Operands

    mutating func printArgument(_ argument: Value, _ verb: UnicodeScalar) throws {
        try walk.checkProduced(buffer.count)
        if case .null = argument {
            switch verb {
            case "T", "v": padString("<nil>")
            default: try badVerb(verb, argument)
            }
            return
        }
        if verb == "T" {
            formatString(argument.goTypeName)
            return
        }
        try printValue(argument, verb)
    }

    private mutating func printValue(_ value: Value, _ verb: UnicodeScalar) throws {
        try walk.visit(producing: buffer.count)
        switch value {
        case .null:
            // A nil element of a container: `[]interface{}` holds a nil interface.
            if flags.sharpV {
                buffer.append(contentsOf: "interface {}(nil)".utf8)
            } else {
                buffer.append(contentsOf: "<nil>".utf8)
            }
        case .bool(let b): try formatBool(b, verb, value)
        case .int(let n): try formatInteger(n, verb, value)
        case .float(let f): try formatFloatVerb(f, verb, value)
        case .string(let s): try formatStringVerb(s, verb, value)
        case .bytes(let bytes): try formatBytes(bytes, verb, value)
        case .list(let items):
            if flags.sharpV {
                buffer.append(contentsOf: "[]interface {}{".utf8)
                for (index, item) in items.enumerated() {
                    if index > 0 { buffer.append(contentsOf: ", ".utf8) }
                    try StackGuard.continuing { try printValue(item, verb) }
                }
                buffer.append(UInt8(ascii: "}"))
            } else {
                buffer.append(UInt8(ascii: "["))
                for (index, item) in items.enumerated() {
                    if index > 0 { buffer.append(UInt8(ascii: " ")) }
                    try StackGuard.continuing { try printValue(item, verb) }
                }
                buffer.append(UInt8(ascii: "]"))
            }
        case .map(let map):
            if flags.sharpV {
                buffer.append(contentsOf: value.goTypeName.utf8)
                buffer.append(UInt8(ascii: "{"))
            } else {
                buffer.append(contentsOf: "map[".utf8)
            }
            for (index, key) in map.sortedKeys.enumerated() {
                if index > 0 {
                    if flags.sharpV { buffer.append(contentsOf: ", ".utf8) } else { buffer.append(UInt8(ascii: " ")) }
                }
                try formatStringVerb(key, verb, .string(key))
                buffer.append(UInt8(ascii: ":"))
                try StackGuard.continuing { try printValue(map.entries[key] ?? .null, verb) }
            }
            buffer.append(UInt8(ascii: flags.sharpV ? "}" : "]"))
        case .object(let object):
            // Go calls String() (fmt.Stringer) for the string-like verbs.
            switch verb {
            case "v", "s", "x", "X", "q":
                if flags.sharpV {
                    formatQuoted(object.goDescription)
                } else {
                    try formatStringVerb(object.goDescription, verb, value)
                }
            default: try badVerb(verb, value)
            }
        }
    }

    /// `%!verb(type=value)`, printed with the current flags like Go does.
    private mutating func badVerb(_ verb: UnicodeScalar, _ value: Value) throws {
        buffer.append(contentsOf: "%!".utf8)
        appendScalar(verb)
        buffer.append(UInt8(ascii: "("))
        if value.isNull {
            buffer.append(contentsOf: "<nil>".utf8)
        } else {
            buffer.append(contentsOf: value.goTypeName.utf8)
            buffer.append(UInt8(ascii: "="))
            let saved = flags
            try printArgument(value, "v")
            flags = saved
        }
        buffer.append(UInt8(ascii: ")"))
    }

    // MARK: Padding

    private mutating func writePadding(_ count: Int) {
        guard count > 0 else { return }
        let pad = flags.zero ? UInt8(ascii: "0") : UInt8(ascii: " ")
        buffer.append(contentsOf: repeatElement(pad, count: count))
    }

    private mutating func pad(_ bytes: [UInt8]) {
        guard flags.widthPresent, flags.width != 0 else {
            buffer.append(contentsOf: bytes)
            return
        }
        let width = flags.width - runeCount(bytes)
        if flags.minus {
            buffer.append(contentsOf: bytes)
            writePadding(width)
        } else {
            writePadding(width)
            buffer.append(contentsOf: bytes)
        }
    }

    private mutating func padString(_ s: String) {
        guard flags.widthPresent, flags.width != 0 else {
            buffer.append(contentsOf: s.utf8)
            return
        }
        let width = flags.width - s.unicodeScalars.count
        if flags.minus {
            buffer.append(contentsOf: s.utf8)
            writePadding(width)
        } else {
            writePadding(width)
            buffer.append(contentsOf: s.utf8)
        }
    }

    private func runeCount(_ bytes: [UInt8]) -> Int {
        var count = 0
        for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    private mutating func appendScalar(_ scalar: UnicodeScalar) {
        buffer.append(contentsOf: String(scalar).utf8)
    }

    // MARK: Booleans

    private mutating func formatBool(_ b: Bool, _ verb: UnicodeScalar, _ value: Value) throws {
        switch verb {
        case "t", "v": padString(b ? "true" : "false")
        default: try badVerb(verb, value)
        }
    }

    // MARK: Integers

    private mutating func formatInteger(_ n: Int, _ verb: UnicodeScalar, _ value: Value) throws {
        let magnitude = n.magnitude
        let negative = n < 0
        switch verb {
        case "v", "d": formatIntegerDigits(magnitude, negative: negative, base: 10, verb: verb, digits: lowerHexDigits)
        case "b": formatIntegerDigits(magnitude, negative: negative, base: 2, verb: verb, digits: lowerHexDigits)
        case "o", "O": formatIntegerDigits(magnitude, negative: negative, base: 8, verb: verb, digits: lowerHexDigits)
        case "x": formatIntegerDigits(magnitude, negative: negative, base: 16, verb: verb, digits: lowerHexDigits)
        case "X": formatIntegerDigits(magnitude, negative: negative, base: 16, verb: verb, digits: upperHexDigits)
        case "c": pad(Array(String(goRune(n)).utf8))
        case "q": pad(Array(goQuoteRune(goRune(n), asciiOnly: flags.plus).utf8))
        case "U": formatUnicode(n)
        default: try badVerb(verb, value)
        }
    }

    private func goRune(_ n: Int) -> UnicodeScalar {
        if n < 0 || n > 0x10FFFF { return "\u{FFFD}" }
        return UnicodeScalar(UInt32(n)) ?? "\u{FFFD}"
    }

    private mutating func formatIntegerDigits(_ magnitude: UInt, negative: Bool, base: UInt, verb: UnicodeScalar,
                                              digits: [UInt8]) {
        var precision = 0
        if flags.precisionPresent {
            precision = flags.precision
            // Precision 0 and value 0 print nothing but the padding.
            if precision == 0 && magnitude == 0 {
                let savedZero = flags.zero
                flags.zero = false
                writePadding(flags.width)
                flags.zero = savedZero
                return
            }
        } else if flags.zero && flags.widthPresent {
            precision = flags.width
            if negative || flags.plus || flags.space { precision -= 1 }  // room for the sign
        }

        var reversed: [UInt8] = []
        reversed.reserveCapacity(24)
        var u = magnitude
        repeat {
            reversed.append(digits[Int(u % base)])
            u /= base
        } while u > 0
        while reversed.count < precision { reversed.append(UInt8(ascii: "0")) }

        if flags.sharp {
            switch base {
            case 2: reversed.append(UInt8(ascii: "b")); reversed.append(UInt8(ascii: "0"))
            case 8: if reversed.last != UInt8(ascii: "0") { reversed.append(UInt8(ascii: "0")) }
            case 16: reversed.append(digits[16]); reversed.append(UInt8(ascii: "0"))
            default: break
            }
        }
        if verb == "O" { reversed.append(UInt8(ascii: "o")); reversed.append(UInt8(ascii: "0")) }
        if negative {
            reversed.append(UInt8(ascii: "-"))
        } else if flags.plus {
            reversed.append(UInt8(ascii: "+"))
        } else if flags.space {
            reversed.append(UInt8(ascii: " "))
        }
        // Zero padding was handled as precision above.
        let savedZero = flags.zero
        flags.zero = false
        pad(reversed.reversed())
        flags.zero = savedZero
    }

    private mutating func formatUnicode(_ n: Int) {
        let u = UInt(bitPattern: n)
        var hex: [UInt8] = []
        var v = u
        repeat {
            hex.append(upperHexDigits[Int(v & 0xF)])
            v >>= 4
        } while v > 0
        let precision = flags.precisionPresent && flags.precision > 4 ? flags.precision : 4
        while hex.count < precision { hex.append(UInt8(ascii: "0")) }
        var out: [UInt8] = Array("U+".utf8) + hex.reversed()
        if flags.sharp, n >= 0, n <= 0x10FFFF, let scalar = UnicodeScalar(UInt32(n)), goIsPrint(scalar) {
            out.append(contentsOf: " '".utf8)
            out.append(contentsOf: String(scalar).utf8)
            out.append(UInt8(ascii: "'"))
        }
        let savedZero = flags.zero
        flags.zero = false
        pad(out)
        flags.zero = savedZero
    }

    // MARK: Floats

    private mutating func formatFloatVerb(_ f: Double, _ verb: UnicodeScalar, _ value: Value) throws {
        switch verb {
        case "v": formatFloat(f, verb: "g", defaultPrecision: -1)
        case "g", "G": formatFloat(f, verb: Character(verb), defaultPrecision: -1)
        case "f", "F": formatFloat(f, verb: "f", defaultPrecision: 6)
        case "e", "E": formatFloat(f, verb: Character(verb), defaultPrecision: 6)
        case "x", "X", "b": formatFloat(f, verb: Character(verb), defaultPrecision: -1)
        default: try badVerb(verb, value)
        }
    }

    private mutating func formatFloat(_ f: Double, verb: Character, defaultPrecision: Int) {
        let precision = flags.precisionPresent ? flags.precision : defaultPrecision
        var number: [UInt8] = Array(goFormatFloat(f, format: verb, precision: precision).utf8)
        // A leading sign is kept separately so zero padding goes between it and the digits.
        var sign = UInt8(ascii: "+")
        if number.first == UInt8(ascii: "-") || number.first == UInt8(ascii: "+") {
            sign = number.removeFirst()
        }
        if flags.space && sign == UInt8(ascii: "+") && !flags.plus { sign = UInt8(ascii: " ") }

        if number.first == UInt8(ascii: "I") || number.first == UInt8(ascii: "N") {
            // Infinities and NaN are not zero padded; NaN shows a sign only when asked.
            let savedZero = flags.zero
            flags.zero = false
            if number.first == UInt8(ascii: "N") && !flags.space && !flags.plus {
                pad(number)
            } else {
                pad([sign] + number)
            }
            flags.zero = savedZero
            return
        }

        if flags.sharp && verb != "b" {
            var digits = 0
            let isHex = verb == "x" || verb == "X"
            if verb == "g" || verb == "G" || isHex {
                digits = precision == -1 ? 6 : precision
            }
            var tail: [UInt8] = []
            var hasDecimalPoint = false
            var sawNonzeroDigit = false
            var index = 0
            while index < number.count {
                let c = number[index]
                if c == UInt8(ascii: ".") {
                    hasDecimalPoint = true
                } else if c == UInt8(ascii: "p") || c == UInt8(ascii: "P")
                            || (!isHex && (c == UInt8(ascii: "e") || c == UInt8(ascii: "E"))) {
                    tail = Array(number[index...])
                    number.removeSubrange(index...)
                    break
                } else {
                    if c != UInt8(ascii: "0") { sawNonzeroDigit = true }
                    if sawNonzeroDigit { digits -= 1 }
                }
                index += 1
            }
            if !hasDecimalPoint {
                if number.count == 1 && number[0] == UInt8(ascii: "0") { digits -= 1 }
                number.append(UInt8(ascii: "."))
            }
            while digits > 0 {
                number.append(UInt8(ascii: "0"))
                digits -= 1
            }
            number.append(contentsOf: tail)
        }

        if flags.plus || sign != UInt8(ascii: "+") {
            if flags.zero && flags.widthPresent && flags.width > number.count + 1 {
                buffer.append(sign)
                writePadding(flags.width - number.count - 1)
                buffer.append(contentsOf: number)
                return
            }
            pad([sign] + number)
            return
        }
        pad(number)
    }

    // MARK: Strings

    private mutating func formatStringVerb(_ s: String, _ verb: UnicodeScalar, _ value: Value) throws {
        switch verb {
        case "v":
            if flags.sharpV { formatQuoted(s) } else { formatString(s) }
        case "s": formatString(s)
        case "x": formatHex(Array(s.utf8), digits: lowerHexDigits)
        case "X": formatHex(Array(s.utf8), digits: upperHexDigits)
        case "q": formatQuoted(s)
        default: try badVerb(verb, value)
        }
    }

    private mutating func formatString(_ s: String) {
        padString(truncated(s))
    }

    private func truncated(_ s: String) -> String {
        guard flags.precisionPresent else { return s }
        var count = 0
        var index = s.unicodeScalars.startIndex
        while index < s.unicodeScalars.endIndex {
            if count == flags.precision { return String(s.unicodeScalars[..<index]) }
            count += 1
            index = s.unicodeScalars.index(after: index)
        }
        return s
    }

    private mutating func formatQuoted(_ s: String) {
        let text = truncated(s)
        if flags.sharp && goCanBackquote(text) {
            padString("`" + text + "`")
            return
        }
        padString(goQuote(text, asciiOnly: flags.plus))
    }

    private mutating func formatHex(_ bytes: [UInt8], digits: [UInt8]) {
        var length = bytes.count
        if flags.precisionPresent && flags.precision < length { length = flags.precision }
        var width = 2 * length
        if width > 0 {
            if flags.space {
                if flags.sharp { width *= 2 }
                width += length - 1
            } else if flags.sharp {
                width += 2
            }
        } else {
            if flags.widthPresent { writePadding(flags.width) }
            return
        }
        if flags.widthPresent && flags.width > width && !flags.minus { writePadding(flags.width - width) }
        if flags.sharp { buffer.append(UInt8(ascii: "0")); buffer.append(digits[16]) }
        for index in 0..<length {
            if flags.space && index > 0 {
                buffer.append(UInt8(ascii: " "))
                if flags.sharp { buffer.append(UInt8(ascii: "0")); buffer.append(digits[16]) }
            }
            let c = bytes[index]
            buffer.append(digits[Int(c >> 4)])
            buffer.append(digits[Int(c & 0xF)])
        }
        if flags.widthPresent && flags.width > width && flags.minus { writePadding(flags.width - width) }
    }

    // MARK: Byte slices

    private mutating func formatBytes(_ bytes: [UInt8], _ verb: UnicodeScalar, _ value: Value) throws {
        switch verb {
        case "v", "d":
            if flags.sharpV {
                buffer.append(contentsOf: "[]byte{".utf8)
                for (index, byte) in bytes.enumerated() {
                    if index > 0 { buffer.append(contentsOf: ", ".utf8) }
                    buffer.append(contentsOf: "0x".utf8)
                    buffer.append(contentsOf: String(byte, radix: 16).utf8)
                }
                buffer.append(UInt8(ascii: "}"))
            } else {
                buffer.append(UInt8(ascii: "["))
                for (index, byte) in bytes.enumerated() {
                    if index > 0 { buffer.append(UInt8(ascii: " ")) }
                    formatIntegerDigits(UInt(byte), negative: false, base: 10, verb: verb, digits: lowerHexDigits)
                }
                buffer.append(UInt8(ascii: "]"))
            }
        case "s": formatString(String(decoding: bytes, as: UTF8.self))
        case "x": formatHex(bytes, digits: lowerHexDigits)
        case "X": formatHex(bytes, digits: upperHexDigits)
        case "q": formatQuoted(String(decoding: bytes, as: UTF8.self))
        default:
            // Each byte is a uint8 and gets the verb on its own, like Go's printValue of a slice.
            buffer.append(UInt8(ascii: "["))
            for (index, byte) in bytes.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: " ")) }
                switch verb {
                case "b", "o", "O", "x", "X", "c", "q", "U": try formatInteger(Int(byte), verb, .int(Int(byte)))
                default: badUint8Verb(verb, byte)
                }
            }
            buffer.append(UInt8(ascii: "]"))
        }
    }

    private mutating func badUint8Verb(_ verb: UnicodeScalar, _ byte: UInt8) {
        buffer.append(contentsOf: "%!".utf8)
        appendScalar(verb)
        buffer.append(contentsOf: "(uint8=".utf8)
        buffer.append(contentsOf: String(byte).utf8)
        buffer.append(UInt8(ascii: ")"))
    }
}

// MARK: - strconv.Quote

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
private func goCanBackquote(_ s: String) -> Bool {
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

// MARK: - strconv.FormatFloat

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
