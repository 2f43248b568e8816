import Foundation
import Template

extension FunctionTable {
    /// gomplate's `random` and `uuid` namespaces, drawing from the system's random source.
    mutating func addRandomFunctions() {
        add(TemplateFunction("ASCII", arguments: 1, reads: .randomness) { args, _ in
            .string(try randomString(count: args[0].mathInt("expected a number"),
                                     from: graphicScalars(in: 0x20...0x7E)))
        }, as: "random.ASCII")
        add(TemplateFunction("Alpha", arguments: 1, reads: .randomness) { args, _ in
            .string(try randomString(count: args[0].mathInt("expected a number"), from: asciiLetters))
        }, as: "random.Alpha")
        add(TemplateFunction("AlphaNum", arguments: 1, reads: .randomness) { args, _ in
            .string(try randomString(count: args[0].mathInt("expected a number"), from: asciiDigits + asciiLetters))
        }, as: "random.AlphaNum")

        add(TemplateFunction("String", atLeast: 1, reads: .randomness) { args, _ in
            let count = try args[0].mathInt("expected a number")
            if count == 0 { throw FunctionError("count must be greater than 0") }
            switch args.count {
            case 1:
                return .string(try randomString(count: count, from: defaultRandomSet))
            case 2:
                // An empty pattern means the default set, as with no pattern.
                let pattern = try args[1].gomplateString()
                let candidates = pattern.isEmpty ? defaultRandomSet : try scalarsMatching(pattern)
                return .string(try randomString(count: count, from: candidates))
            case 3:
                let (lower, upper) = try codePointBounds(args[1], args[2])
                let candidates = lower <= upper ? graphicScalars(in: lower...upper) : []
                if candidates.isEmpty {
                    throw FunctionError("no printable codepoints found between U\(goQuoteRune(Unicode.Scalar(lower) ?? "\u{FFFD}")) and U\(goQuoteRune(Unicode.Scalar(upper) ?? "\u{FFFD}"))")
                }
                return .string(try randomString(count: count, from: candidates))
            default:
                // gomplate ignores extra arguments and falls back to the default set.
                return .string(try randomString(count: count, from: defaultRandomSet))
            }
        }, as: "random.String")

        add(TemplateFunction("Item", arguments: 1, reads: .randomness) { args, _ in
            let items: [Value]
            switch args[0] {
            case .list(let list): items = list
            case .bytes(let bytes): items = bytes.map { .int(Int($0)) }
            default: throw FunctionError("expected an array or slice, but got \(args[0].goTypeName)")
            }
            guard let item = items.randomElement() else { throw FunctionError("expected a non-empty array or slice") }
            return item
        }, as: "random.Item")

        add(TemplateFunction("Number", atLeast: 0, reads: .randomness) { args, _ in
            var (minimum, maximum) = (0, 100)
            if args.count == 1 {
                maximum = try args[0].mathInt("expected a number")
            } else if args.count == 2 {
                minimum = try args[0].mathInt("expected a number")
                maximum = try args[1].mathInt("expected a number")
            }
            if minimum > maximum {
                throw FunctionError("min must not be greater than max (was \(minimum), \(maximum))")
            }
            if minimum == Int.min { minimum += 1 }
            let (spread, overflow) = maximum.subtractingReportingOverflow(minimum)
            if overflow || spread >= Int.max >> 1 {
                throw FunctionError("spread between min and max too high - must not be greater than 63-bit maximum (\(maximum) - \(minimum) = \(maximum &- minimum))")
            }
            // Go's rand.Int63n panics when Int.min as the minimum was moved past the maximum.
            guard minimum <= maximum else { throw FunctionError("invalid argument to Int63n") }
            return .int(Int.random(in: minimum...maximum))
        }, as: "random.Number")

        add(TemplateFunction("Float", atLeast: 0, reads: .randomness) { args, _ in
            var (minimum, maximum) = (0.0, 1.0)
            if args.count == 1 {
                maximum = try args[0].mathFloat("expected a number")
            } else if args.count == 2 {
                minimum = try args[0].mathFloat("expected a number")
                maximum = try args[1].mathFloat("expected a number")
            }
            return .float(minimum + Double.random(in: 0..<1) * (maximum - minimum))
        }, as: "random.Float")

        add(TemplateFunction("V1", arguments: 0, reads: [.clock, .randomness]) { _, _ in .string(UUIDValue.version1().description) }, as: "uuid.V1")
        add(TemplateFunction("V4", arguments: 0, reads: .randomness) { _, _ in .string(UUIDValue.version4().description) }, as: "uuid.V4")
        add(TemplateFunction("Nil", arguments: 0, reads: []) { _, _ in .string(UUIDValue(bytes: Array(repeating: 0, count: 16)).description) },
            as: "uuid.Nil")
        add(TemplateFunction("IsValid", arguments: 1, reads: []) { args, _ in
            .bool((try? UUIDValue(parsing: try args[0].gomplateString())) != nil)
        }, as: "uuid.IsValid")
        add(TemplateFunction("Parse", arguments: 1, reads: []) { args, _ in
            .object(try UUIDValue(parsing: try args[0].gomplateString()))
        }, as: "uuid.Parse")
    }
}

private let asciiLetters: [Unicode.Scalar] = Array((UInt8(ascii: "A")...UInt8(ascii: "Z")).map(Unicode.Scalar.init))
    + (UInt8(ascii: "a")...UInt8(ascii: "z")).map(Unicode.Scalar.init)
private let asciiDigits: [Unicode.Scalar] = (UInt8(ascii: "0")...UInt8(ascii: "9")).map(Unicode.Scalar.init)
/// gomplate's default set, `[a-zA-Z0-9_.-]`.
private let defaultRandomSet: [Unicode.Scalar] = Array("-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".unicodeScalars)

private func randomString(count: Int, from candidates: [Unicode.Scalar]) throws -> String {
    guard count >= 0 else { throw FunctionError("runtime error: makeslice: len out of range") }
    // Go's rand.Intn panics on an empty set; text/template reports the panic.
    guard !candidates.isEmpty || count == 0 else { throw FunctionError("invalid argument to Intn") }
    let widest = candidates.lazy.map { String($0).utf8.count }.max() ?? 1
    try WorkLimits.checkString(bytes: WorkLimits.product(count, widest))
    var out = String.UnicodeScalarView()
    for _ in 0..<count {
        if let scalar = candidates.randomElement() { out.append(scalar) }
    }
    return String(out)
}

/// Go's `unicode.IsGraphic`: letters, marks, numbers, punctuation, symbols and spaces (Zs).
func isGoGraphic(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
         .nonspacingMark, .spacingMark, .enclosingMark,
         .decimalNumber, .letterNumber, .otherNumber,
         .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
         .finalPunctuation, .otherPunctuation,
         .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
         .spaceSeparator:
        return true
    default:
        return false
    }
}

private func graphicScalars(in range: ClosedRange<UInt32>) -> [Unicode.Scalar] {
    if range == 0...0x10FFFF { return allGraphicScalars }
    return range.compactMap { Unicode.Scalar($0) }.filter(isGoGraphic)
}

/// Every graphic character, which pattern-based `random.String` filters: computed once.
private let allGraphicScalars: [Unicode.Scalar] = (UInt32(0)...0x10FFFF).compactMap { Unicode.Scalar($0) }.filter(isGoGraphic)

/// gomplate's bounds for `random.String`: two one-character strings are the characters themselves,
/// other strings are parsed as numbers (`0x20`), anything else is converted to an integer.
private func codePointBounds(_ lowerValue: Value, _ upperValue: Value) throws -> (UInt32, UInt32) {
    func clamp(_ value: Int) -> UInt32 { UInt32(clamping: max(0, min(value, 0x10FFFF))) }
    if case .string(let lower) = lowerValue, case .string(let upper) = upperValue {
        if lower.unicodeScalars.count == 1, upper.unicodeScalars.count == 1,
           let l = lower.unicodeScalars.first, let u = upper.unicodeScalars.first {
            return (l.value, u.value)
        }
        let low = try goParseInt(lower, base: 0, bitSize: 32).get()
        let high = try goParseInt(upper, base: 0, bitSize: 32).get()
        return (clamp(low), clamp(high))
    }
    return (clamp(try lowerValue.mathInt("expected a number")), clamp(try upperValue.mathInt("expected a number")))
}

/// The graphic characters a regular expression matches, as gomplate's `random.String` picks them.
/// A single character class (`[a-z]`, `[[:alpha:]]`, `\d`, `\p{Lu}`, `.`) is evaluated directly;
/// anything else is tried character by character with Swift's regex engine.
private func scalarsMatching(_ pattern: String) throws -> [Unicode.Scalar] {
    if let characterClass = try? RegexCharacterClass(pattern: pattern) {
        return characterClass.candidates()
    }
    let regex: Regex<AnyRegexOutput>
    do {
        regex = try Regex(pattern)
    } catch {
        throw FunctionError("error parsing regexp: \(error)")
    }
    return allGraphicScalars.filter { (try? regex.firstMatch(in: String(Character($0)))) != nil }
}

/// One RE2 character class: bracket expressions with ranges, escapes, `[:name:]` ASCII classes and
/// `\p{…}` general categories, or one of `\d \w \s \D \W \S \pX .` on its own, or a literal character.
private struct RegexCharacterClass {
    private enum Item {
        case range(ClosedRange<UInt32>)
        case predicate((Unicode.Scalar) -> Bool)
    }

    private var items: [Item] = []
    private var negated = false
    private struct Unsupported: Error {}

    init(pattern: String) throws {
        var scalars = Array(pattern.unicodeScalars)[...]
        guard !scalars.isEmpty else { throw Unsupported() }
        if scalars.first == "[" {
            scalars = scalars.dropFirst()
            if scalars.first == "^" {
                negated = true
                scalars = scalars.dropFirst()
            }
            var first = true
            while true {
                guard let head = scalars.first else { throw Unsupported() }
                if head == "]" && !first {
                    scalars = scalars.dropFirst()
                    break
                }
                first = false
                if head == "[", scalars.dropFirst().first == ":" {
                    items.append(try Self.posixClass(&scalars))
                    continue
                }
                let low = try Self.classAtom(&scalars)
                guard case .range(let lowRange) = low, lowRange.count == 1,
                      scalars.first == "-", let after = scalars.dropFirst().first, after != "]" else {
                    items.append(low)
                    continue
                }
                scalars = scalars.dropFirst()
                guard case .range(let highRange) = try Self.classAtom(&scalars), highRange.count == 1,
                      lowRange.lowerBound <= highRange.lowerBound else { throw Unsupported() }
                items.append(.range(lowRange.lowerBound...highRange.lowerBound))
            }
        } else if scalars.first == "." {
            scalars = scalars.dropFirst()
            items.append(.predicate { $0 != "\n" })
        } else {
            items.append(try Self.classAtom(&scalars))
        }
        guard scalars.isEmpty else { throw Unsupported() }
    }

    func candidates() -> [Unicode.Scalar] {
        graphicScalars(in: 0...0x10FFFF).filter { scalar in
            let hit = items.contains { item in
                switch item {
                case .range(let range): return range.contains(scalar.value)
                case .predicate(let test): return test(scalar)
                }
            }
            return hit != negated
        }
    }

    private static func single(_ scalar: Unicode.Scalar) -> Item { .range(scalar.value...scalar.value) }

    /// A character, an escape or a Perl/Unicode class.
    private static func classAtom(_ scalars: inout ArraySlice<Unicode.Scalar>) throws -> Item {
        guard let head = scalars.first else { throw Unsupported() }
        scalars = scalars.dropFirst()
        guard head == "\\" else {
            if "()|*+?{}^$".unicodeScalars.contains(head) { throw Unsupported() }
            return single(head)
        }
        guard let escaped = scalars.first else { throw Unsupported() }
        scalars = scalars.dropFirst()
        switch escaped {
        case "d": return .predicate { $0.value >= 48 && $0.value <= 57 }
        case "D": return .predicate { !($0.value >= 48 && $0.value <= 57) }
        case "w": return .predicate(isWordByte)
        case "W": return .predicate { !isWordByte($0) }
        case "s": return .predicate(isPerlSpace)
        case "S": return .predicate { !isPerlSpace($0) }
        case "n": return single("\n")
        case "t": return single("\t")
        case "r": return single("\r")
        case "f": return single("\u{0C}")
        case "v": return single("\u{0B}")
        case "a": return single("\u{07}")
        case "p", "P":
            var name = ""
            if scalars.first == "{" {
                scalars = scalars.dropFirst()
                while let next = scalars.first, next != "}" {
                    name.unicodeScalars.append(next)
                    scalars = scalars.dropFirst()
                }
                guard scalars.first == "}" else { throw Unsupported() }
                scalars = scalars.dropFirst()
            } else if let letter = scalars.first {
                name = String(Character(letter))
                scalars = scalars.dropFirst()
            }
            var inverted = escaped == "P"
            if name.hasPrefix("^") {
                inverted.toggle()
                name.removeFirst()
            }
            guard let test = generalCategoryTest(name) else { throw Unsupported() }
            return .predicate { test($0) != inverted }
        case "x":
            var digits = ""
            if scalars.first == "{" {
                scalars = scalars.dropFirst()
                while let next = scalars.first, next != "}" {
                    digits.unicodeScalars.append(next)
                    scalars = scalars.dropFirst()
                }
                scalars = scalars.dropFirst()
            } else {
                for _ in 0..<2 {
                    guard let next = scalars.first else { throw Unsupported() }
                    digits.unicodeScalars.append(next)
                    scalars = scalars.dropFirst()
                }
            }
            guard let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) else { throw Unsupported() }
            return single(scalar)
        default:
            // RE2 allows escaping punctuation only.
            guard escaped.value < 0x80, !escaped.properties.isAlphabetic, !(escaped.value >= 48 && escaped.value <= 57) else {
                throw Unsupported()
            }
            return single(escaped)
        }
    }

    /// `[:alpha:]` and friends, ASCII-only as in RE2; `[:^alpha:]` negates.
    private static func posixClass(_ scalars: inout ArraySlice<Unicode.Scalar>) throws -> Item {
        let text = String(String.UnicodeScalarView(scalars))
        guard let end = text.range(of: ":]") else { throw Unsupported() }
        var name = String(text[text.index(text.startIndex, offsetBy: 2)..<end.lowerBound])
        scalars = scalars.dropFirst(name.unicodeScalars.count + 4)
        var inverted = false
        if name.hasPrefix("^") {
            inverted = true
            name.removeFirst()
        }
        let test: (UInt32) -> Bool
        switch name {
        case "alnum": test = { isASCIIAlpha($0) || isASCIIDigit($0) }
        case "alpha": test = isASCIIAlpha
        case "ascii": test = { $0 <= 0x7F }
        case "blank": test = { $0 == 0x20 || $0 == 0x09 }
        case "cntrl": test = { $0 < 0x20 || $0 == 0x7F }
        case "digit": test = isASCIIDigit
        case "graph": test = { $0 >= 0x21 && $0 <= 0x7E }
        case "lower": test = { $0 >= 0x61 && $0 <= 0x7A }
        case "print": test = { $0 >= 0x20 && $0 <= 0x7E }
        case "punct": test = { ($0 >= 0x21 && $0 <= 0x2F) || ($0 >= 0x3A && $0 <= 0x40) || ($0 >= 0x5B && $0 <= 0x60) || ($0 >= 0x7B && $0 <= 0x7E) }
        case "space": test = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
        case "upper": test = { $0 >= 0x41 && $0 <= 0x5A }
        case "word": test = { isASCIIAlpha($0) || isASCIIDigit($0) || $0 == 0x5F }
        case "xdigit": test = { isASCIIDigit($0) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66) }
        default: throw Unsupported()
        }
        return .predicate { test($0.value) != inverted }
    }

    private static func generalCategoryTest(_ name: String) -> ((Unicode.Scalar) -> Bool)? {
        let groups: [String: [Unicode.GeneralCategory]] = [
            "L": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter],
            "Lu": [.uppercaseLetter], "Ll": [.lowercaseLetter], "Lt": [.titlecaseLetter], "Lm": [.modifierLetter],
            "Lo": [.otherLetter],
            "M": [.nonspacingMark, .spacingMark, .enclosingMark], "Mn": [.nonspacingMark], "Mc": [.spacingMark],
            "Me": [.enclosingMark],
            "N": [.decimalNumber, .letterNumber, .otherNumber], "Nd": [.decimalNumber], "Nl": [.letterNumber],
            "No": [.otherNumber],
            "P": [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                  .finalPunctuation, .otherPunctuation],
            "Pc": [.connectorPunctuation], "Pd": [.dashPunctuation], "Ps": [.openPunctuation], "Pe": [.closePunctuation],
            "Pi": [.initialPunctuation], "Pf": [.finalPunctuation], "Po": [.otherPunctuation],
            "S": [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol], "Sm": [.mathSymbol],
            "Sc": [.currencySymbol], "Sk": [.modifierSymbol], "So": [.otherSymbol],
            "Z": [.spaceSeparator, .lineSeparator, .paragraphSeparator], "Zs": [.spaceSeparator],
            "Zl": [.lineSeparator], "Zp": [.paragraphSeparator],
            "C": [.control, .format, .surrogate, .privateUse, .unassigned], "Cc": [.control], "Cf": [.format],
            "Co": [.privateUse], "Cs": [.surrogate],
        ]
        if name == "Any" { return { _ in true } }
        guard let categories = groups[name] else { return nil }
        return { categories.contains($0.properties.generalCategory) }
    }
}

private func isASCIIAlpha(_ value: UInt32) -> Bool { (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) }
private func isASCIIDigit(_ value: UInt32) -> Bool { value >= 0x30 && value <= 0x39 }
private func isWordByte(_ scalar: Unicode.Scalar) -> Bool {
    isASCIIAlpha(scalar.value) || isASCIIDigit(scalar.value) || scalar == "_"
}
private func isPerlSpace(_ scalar: Unicode.Scalar) -> Bool {
    [0x09, 0x0A, 0x0C, 0x0D, 0x20].contains(scalar.value)
}

/// A UUID as `github.com/google/uuid` models it: `uuid.Parse`'s result, with its methods.
struct UUIDValue: TemplateObject, CustomStringConvertible {
    let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    static func version4() -> UUIDValue {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[6] = bytes[6] & 0x0f | 0x40
        bytes[8] = bytes[8] & 0x3f | 0x80
        return UUIDValue(bytes: bytes)
    }

    /// A time-based UUID. There is no portable way to read a MAC address, so the node is random
    /// with the multicast bit set, as RFC 4122 section 4.5 allows.
    static func version1() -> UUIDValue {
        let now = Date().timeIntervalSince1970
        // 100-nanosecond intervals since 1582-10-15, the Gregorian reform.
        let ticks = UInt64((now * 10_000_000).rounded()) &+ 0x01B2_1DD2_1381_4000
        let timeLow = UInt32(truncatingIfNeeded: ticks)
        let timeMid = UInt16(truncatingIfNeeded: ticks >> 32)
        let timeHigh = UInt16(truncatingIfNeeded: ticks >> 48) & 0x0fff | 0x1000
        let clockSequence = UInt16.random(in: 0...0x3fff) | 0x8000
        var bytes: [UInt8] = [
            UInt8(timeLow >> 24), UInt8(timeLow >> 16 & 0xff), UInt8(timeLow >> 8 & 0xff), UInt8(timeLow & 0xff),
            UInt8(timeMid >> 8), UInt8(timeMid & 0xff), UInt8(timeHigh >> 8), UInt8(timeHigh & 0xff),
            UInt8(clockSequence >> 8), UInt8(clockSequence & 0xff),
        ]
        bytes += (0..<6).map { _ in UInt8.random(in: .min ... .max) }
        bytes[10] |= 0x01
        return UUIDValue(bytes: bytes)
    }

    /// `uuid.Parse`: the 36-character form, with `urn:uuid:` or braces around it, or 32 hex digits.
    init(parsing text: String) throws {
        var characters = Array(text.utf8)
        switch characters.count {
        case 36:
            break
        case 45:
            guard String(decoding: characters.prefix(9), as: UTF8.self).lowercased() == "urn:uuid:" else {
                throw FunctionError("invalid urn prefix: \"\(String(decoding: characters.prefix(9), as: UTF8.self))\"")
            }
            characters.removeFirst(9)
        case 38:
            guard characters.first == UInt8(ascii: "{"), characters.last == UInt8(ascii: "}") else {
                throw FunctionError("invalid bracketed UUID format")
            }
            characters = Array(characters.dropFirst().dropLast())
        case 32:
            var bytes: [UInt8] = []
            for index in stride(from: 0, to: 32, by: 2) {
                guard let byte = hexByte(characters[index], characters[index + 1]) else {
                    throw FunctionError("invalid UUID format")
                }
                bytes.append(byte)
            }
            self.bytes = bytes
            return
        default:
            throw FunctionError("invalid UUID length: \(characters.count)")
        }
        guard characters[8] == UInt8(ascii: "-"), characters[13] == UInt8(ascii: "-"),
              characters[18] == UInt8(ascii: "-"), characters[23] == UInt8(ascii: "-") else {
            throw FunctionError("invalid UUID format")
        }
        var bytes: [UInt8] = []
        for index in [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34] {
            guard let byte = hexByte(characters[index], characters[index + 1]) else {
                throw FunctionError("invalid UUID format")
            }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    var description: String {
        let hex = lowercaseHex(bytes)
        let characters = Array(hex)
        return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16]) + "-"
            + String(characters[16..<20]) + "-" + String(characters[20..<32])
    }

    var goTypeName: String { "uuid.UUID" }
    var goDescription: String { description }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        switch name {
        case "String": return .string(description)
        case "URN": return .string("urn:uuid:" + description)
        case "Version": return .string("VERSION_\(bytes[6] >> 4)")
        case "Variant":
            switch bytes[8] {
            case let byte where byte & 0xc0 == 0x80: return .string("RFC4122")
            case let byte where byte & 0xe0 == 0xc0: return .string("Microsoft")
            case let byte where byte & 0xe0 == 0xe0: return .string("Future")
            default: return .string("Reserved")
            }
        case "Domain":
            switch bytes[9] {
            case 0: return .string("Person")
            case 1: return .string("Group")
            case 2: return .string("Org")
            default: return .string("Domain\(bytes[9])")
            }
        case "ID":
            return .int(Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3]))
        case "ClockSequence":
            return .int(Int(bytes[8] & 0x3f) << 8 | Int(bytes[9]))
        case "NodeID":
            return .bytes(Array(bytes[10..<16]))
        case "Time":
            // 100-nanosecond intervals since 1582-10-15, laid out by version.
            let timeLow = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
            let timeMid = Int(bytes[4]) << 8 | Int(bytes[5])
            let timeHigh = Int(bytes[6] & 0x0f) << 8 | Int(bytes[7])
            switch bytes[6] >> 4 {
            case 6:
                return .int((timeLow << 28) | (timeMid << 12) | timeHigh)
            case 7:
                let milliseconds = bytes[0..<6].reduce(0) { $0 << 8 | Int($1) }
                return .int(milliseconds * 10_000 + 0x01B2_1DD2_1381_4000)
            default:
                return .int(timeLow | timeMid << 32 | timeHigh << 48)
            }
        default:
            return nil
        }
    }
}

private func hexByte(_ high: UInt8, _ low: UInt8) -> UInt8? {
    func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }
    guard let h = value(high), let l = value(low) else { return nil }
    return h << 4 | l
}
