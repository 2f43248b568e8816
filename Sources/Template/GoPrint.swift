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
