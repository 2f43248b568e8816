/// Go's regexp (RE2) syntax rewritten for ICU, whose NSRegularExpression does the matching.
/// What differs and is rewritten: `\d \s \w \b` and POSIX classes are ASCII-only in Go; `.` stops
/// only at `\n`; `$` without `(?m)` means end of text; `(?m)` lines end at `\n` only; `(?U)` swaps
/// greediness; `{` that is no repeat is a literal; `[` and `&` are plain inside a Go class.
/// What Go rejects (backreferences, lookaround, possessive and nested repeats…) is rejected here
/// with Go's error text. Named groups become plain groups; their names are kept for `${name}`.
struct GoRegexpSyntax {
    let icuPattern: String
    /// The name of each capture group by number (index 0 is the whole match), "" when unnamed.
    let groupNames: [String]

    init(_ pattern: String) throws {
        var translator = Translator(pattern)
        icuPattern = try translator.translate()
        groupNames = translator.groupNames
    }
}

struct GoRegexpError: Error, CustomStringConvertible {
    let code: String
    let expression: String
    var description: String { "error parsing regexp: \(code): `\(expression)`" }
}

private struct Flags {
    var foldCase = false
    var multiLine = false
    var dotNewline = false
    var ungreedy = false
}

private struct Translator {
    private let input: [Unicode.Scalar]
    private var position = 0
    private var output = ""
    private var flags = Flags()
    /// The flags to restore when each open parenthesis closes.
    private var groups: [Flags] = []
    private(set) var groupNames = [""]
    /// Whether the output so far ends in something a repetition can apply to.
    private var hasOperand = false
    /// Where the previous token started, when it was a repetition (Go rejects `a**`).
    private var lastRepeat: Int?

    init(_ pattern: String) {
        input = Array(pattern.unicodeScalars)
    }

    mutating func translate() throws -> String {
        while position < input.count {
            let start = position
            let scalar = input[position]
            var isRepeat = false
            switch scalar {
            case "(":
                try openGroup()
            case ")":
                try closeGroup()
            case "|":
                position += 1
                output += "|"
                hasOperand = false
            case "^":
                position += 1
                output += flags.multiLine ? "(?:(?<![^\\n]))" : "(?:^)"
                hasOperand = true
            case "$":
                position += 1
                output += flags.multiLine ? "(?:(?![^\\n]))" : "(?:\\z)"
                hasOperand = true
            case ".":
                position += 1
                output += flags.dotNewline ? "[\\x{0}-\\x{10ffff}]" : "[^\\n]"
                hasOperand = true
            case "[":
                try translateClass()
                hasOperand = true
            case "*", "+", "?":
                position += 1
                try repetition(String(scalar), from: start)
                isRepeat = true
            case "{":
                if let (min, max, hasComma) = repeatCounts() {
                    if min > 1000 || (max ?? 0) > 1000 || (max.map { min > $0 } ?? false) {
                        throw error("invalid repeat count", from: start)
                    }
                    let counts = hasComma ? "\(min)," + (max.map(String.init) ?? "") : "\(min)"
                    try repetition("{" + counts + "}", from: start)
                    isRepeat = true
                } else {
                    position += 1
                    output += "\\{"
                    hasOperand = true
                }
            case "\\":
                try translateEscape()
                hasOperand = true
            default:
                position += 1
                appendLiteral(scalar)
                hasOperand = true
            }
            lastRepeat = isRepeat ? start : nil
        }
        if !groups.isEmpty { throw GoRegexpError(code: "missing closing )", expression: whole) }
        // ICU refuses an empty pattern; Go's matches the empty string everywhere.
        return output.isEmpty ? "(?:)" : output
    }

    private var whole: String { String(String.UnicodeScalarView(input)) }

    private func text(from start: Int) -> String {
        String(String.UnicodeScalarView(input[start..<min(position, input.count)]))
    }

    private func error(_ code: String, from start: Int) -> GoRegexpError {
        GoRegexpError(code: code, expression: text(from: start))
    }

    // MARK: groups and flags

    private mutating func openGroup() throws {
        let start = position
        guard position + 1 < input.count, input[position + 1] == "?" else {
            position += 1
            groups.append(flags)
            groupNames.append("")
            output += "("
            hasOperand = false
            return
        }
        let rest = Array(input[(position + 2)...])
        if rest.starts(with: ["P", "<"]) || rest.first == "<" {
            let nameStart = position + (rest.first == "P" ? 4 : 3)
            guard let close = input[nameStart...].firstIndex(of: ">") else {
                position = input.count
                throw error("invalid named capture", from: start)
            }
            let name = String(String.UnicodeScalarView(input[nameStart..<close]))
            position = close + 1
            let validName = !name.isEmpty && name.unicodeScalars.allSatisfy {
                $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0)
            }
            if !validName { throw error("invalid named capture", from: start) }
            if groupNames.contains(name) { throw error("duplicate capture group name", from: start) }
            groups.append(flags)
            groupNames.append(name)
            output += "("
            hasOperand = false
            return
        }
        position += 2
        var updated = flags
        var negated = false
        var sawFlag = false
        while position < input.count {
            let scalar = input[position]
            position += 1
            switch scalar {
            case "i": updated.foldCase = !negated; sawFlag = true
            case "m": updated.multiLine = !negated; sawFlag = true
            case "s": updated.dotNewline = !negated; sawFlag = true
            case "U": updated.ungreedy = !negated; sawFlag = true
            case "-":
                if negated { throw error("invalid or unsupported Perl syntax", from: start) }
                negated = true
                sawFlag = false
            case ":", ")":
                if negated, !sawFlag { throw error("invalid or unsupported Perl syntax", from: start) }
                if scalar == ":" {
                    groups.append(flags)
                    output += "(?:"
                }
                flags = updated
                hasOperand = false
                return
            default:
                throw error("invalid or unsupported Perl syntax", from: start)
            }
        }
        throw GoRegexpError(code: "missing closing )", expression: whole)
    }

    private mutating func closeGroup() throws {
        guard let outer = groups.popLast() else {
            throw GoRegexpError(code: "unexpected )", expression: whole)
        }
        position += 1
        output += ")"
        flags = outer
        hasOperand = true
    }

    // MARK: repetition

    private mutating func repetition(_ op: String, from start: Int) throws {
        var lazy = false
        if position < input.count, input[position] == "?" {
            position += 1
            lazy = true
        }
        if let previous = lastRepeat { throw error("invalid nested repetition operator", from: previous) }
        if !hasOperand { throw error("missing argument to repetition operator", from: start) }
        output += op
        if lazy != flags.ungreedy { output += "?" }
    }

    /// `{n}`, `{n,}` or `{n,m}` at the current position; nil (a literal `{`) otherwise.
    private mutating func repeatCounts() -> (min: Int, max: Int?, hasComma: Bool)? {
        var index = position + 1
        func number() -> Int? {
            var digits = ""
            while index < input.count, ("0"..."9").contains(input[index]) {
                digits.unicodeScalars.append(input[index])
                index += 1
            }
            guard !digits.isEmpty else { return nil }
            return digits.count > 8 ? Int.max : Int(digits)
        }
        guard let min = number() else { return nil }
        var max: Int? = min
        var hasComma = false
        if index < input.count, input[index] == "," {
            hasComma = true
            index += 1
            max = index < input.count && input[index] == "}" ? nil : number()
            if max == nil, index < input.count, input[index] != "}" { return nil }
        }
        guard index < input.count, input[index] == "}" else { return nil }
        position = index + 1
        return (min, max, hasComma)
    }

    // MARK: escapes

    private mutating func translateEscape() throws {
        let start = position
        position += 1
        guard position < input.count else {
            throw GoRegexpError(code: "trailing backslash at end of expression", expression: "")
        }
        let scalar = input[position]
        switch scalar {
        case "A":
            position += 1
            output += "(?:\\A)"
        case "z":
            position += 1
            output += "(?:\\z)"
        case "b", "B":
            position += 1
            let word = "[0-9A-Za-z_]"
            output += scalar == "b"
                ? "(?:(?<=\(word))(?!\(word))|(?<!\(word))(?=\(word)))"
                : "(?:(?<=\(word))(?=\(word))|(?<!\(word))(?!\(word)))"
        case "Q":
            position += 1
            var literal: [Unicode.Scalar] = []
            while position < input.count {
                if input[position] == "\\", position + 1 < input.count, input[position + 1] == "E" {
                    position += 2
                    break
                }
                literal.append(input[position])
                position += 1
            }
            // One literal per rune, as Go does: a following repetition applies to the last one.
            for scalar in literal { appendLiteral(scalar) }
        case "d", "D", "s", "S", "w", "W":
            position += 1
            appendSet("[" + Self.perlClass(scalar) + "]")
        case "p", "P":
            position = start
            appendSet("[" + (try unicodeClass()) + "]")
        default:
            position = start
            appendLiteral(try escapedScalar())
        }
    }

    /// An escape that stands for one rune (octal, hex, `\n`…, escaped punctuation); `position` at the `\`.
    private mutating func escapedScalar() throws -> Unicode.Scalar {
        let start = position
        position += 1
        guard position < input.count else {
            throw GoRegexpError(code: "trailing backslash at end of expression", expression: "")
        }
        let scalar = input[position]
        position += 1
        let source = input
        let isOctal: (Int) -> Bool = { $0 < source.count && ("0"..."7").contains(source[$0]) }
        switch scalar {
        case "1"..."7" where isOctal(position), "0":
            // Up to three octal digits; a lone \1-\7 would be a backreference, which Go rejects.
            var value = scalar.value - 48
            var digits = 1
            while digits < 3, isOctal(position) {
                value = value * 8 + input[position].value - 48
                position += 1
                digits += 1
            }
            return Unicode.Scalar(value) ?? "\u{FFFD}"
        case "x":
            return try hexEscape(from: start)
        case "a": return "\u{07}"
        case "f": return "\u{0C}"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "v": return "\u{0B}"
        default:
            if scalar.isASCII, !(scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) { return scalar }
            throw error("invalid escape sequence", from: start)
        }
    }

    private mutating func hexEscape(from start: Int) throws -> Unicode.Scalar {
        func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
            scalar.isASCII ? UInt32(String(scalar), radix: 16) : nil
        }
        if position < input.count, input[position] == "{" {
            position += 1
            var value: UInt32 = 0
            var digits = 0
            while position < input.count, let digit = hexValue(input[position]) {
                value = value * 16 + digit
                digits += 1
                position += 1
                if value > 0x10FFFF { break }
            }
            guard digits > 0, position < input.count, input[position] == "}", value <= 0x10FFFF,
                  let scalar = Unicode.Scalar(value) else {
                throw error("invalid escape sequence", from: start)
            }
            position += 1
            return scalar
        }
        guard position + 1 < input.count, let high = hexValue(input[position]),
              let low = hexValue(input[position + 1]) else {
            position = min(position + 2, input.count)
            throw error("invalid escape sequence", from: start)
        }
        position += 2
        return Unicode.Scalar(UInt8(high * 16 + low))
    }

    /// `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}` as the inside of an ICU set; `position` at the `\`.
    private mutating func unicodeClass() throws -> String {
        let start = position
        position += 1
        var negated = input[position] == "P"
        position += 1
        guard position < input.count else { throw error("invalid character class range", from: start) }
        var name: String
        if input[position] == "{" {
            guard let close = input[position...].firstIndex(of: "}") else {
                position = input.count
                throw error("invalid character class range", from: start)
            }
            name = String(String.UnicodeScalarView(input[(position + 1)..<close]))
            position = close + 1
            if name.hasPrefix("^") {
                negated.toggle()
                name.removeFirst()
            }
        } else {
            name = String(input[position])
            position += 1
        }
        let valid = !name.isEmpty && name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || $0 == "_")
        }
        if !valid { throw error("invalid character class range", from: start) }
        return (negated ? "\\P{" : "\\p{") + name + "}"
    }

    // MARK: classes

    private mutating func translateClass() throws {
        let classStart = position
        position += 1
        var set = "["
        if position < input.count, input[position] == "^" {
            set += "^"
            position += 1
        }
        var first = true
        while position >= input.count || input[position] != "]" || first {
            guard position < input.count else {
                throw GoRegexpError(code: "missing closing ]", expression: text(from: classStart))
            }
            first = false
            if input[position] == "[", position + 1 < input.count, input[position + 1] == ":",
               let named = try posixClass() {
                set += named
                continue
            }
            if input[position] == "\\", position + 1 < input.count {
                let escaped = input[position + 1]
                if escaped == "p" || escaped == "P" {
                    set += try unicodeClass()
                    continue
                }
                if "dDsSwW".unicodeScalars.contains(escaped) {
                    position += 2
                    let inner = Self.perlClass(escaped)
                    set += inner.hasPrefix("^") ? "[" + inner + "]" : inner
                    continue
                }
            }
            let rangeStart = position
            let low = try classCharacter(classStart)
            var high = low
            if position + 1 < input.count, input[position] == "-", input[position + 1] != "]" {
                position += 1
                high = try classCharacter(classStart)
                if high.value < low.value { throw error("invalid character class range", from: rangeStart) }
            }
            set += Self.setMember(low) + (high == low ? "" : "-" + Self.setMember(high))
        }
        position += 1
        appendSet(set + "]")
    }

    private mutating func classCharacter(_ classStart: Int) throws -> Unicode.Scalar {
        guard position < input.count else {
            throw GoRegexpError(code: "missing closing ]", expression: text(from: classStart))
        }
        if input[position] == "\\" { return try escapedScalar() }
        position += 1
        return input[position - 1]
    }

    /// `[:alpha:]` or `[:^alpha:]` at the current position, as ICU set members; nil when it is not one.
    private mutating func posixClass() throws -> String? {
        let start = position
        var search = position + 2
        while search + 1 < input.count, !(input[search] == ":" && input[search + 1] == "]") { search += 1 }
        guard search + 1 < input.count else { return nil }
        let end = search
        var name = String(String.UnicodeScalarView(input[(position + 2)..<end]))
        position = end + 2
        let negated = name.hasPrefix("^")
        if negated { name.removeFirst() }
        guard let members = Self.posixClasses[name] else { throw error("invalid character class range", from: start) }
        return negated ? "[^" + members + "]" : members
    }

    private static let posixClasses: [String: String] = [
        "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x{0}-\\x{7f}", "blank": "\\x{9}\\x{20}",
        "cntrl": "\\x{0}-\\x{1f}\\x{7f}", "digit": "0-9", "graph": "\\x{21}-\\x{7e}", "lower": "a-z",
        "print": "\\x{20}-\\x{7e}", "punct": "\\x{21}-\\x{2f}\\x{3a}-\\x{40}\\x{5b}-\\x{60}\\x{7b}-\\x{7e}",
        "space": "\\x{9}-\\x{d}\\x{20}", "upper": "A-Z", "word": "0-9A-Za-z\\x{5f}", "xdigit": "0-9A-Fa-f",
    ]

    /// Go's ASCII-only Perl classes as ICU set members (a leading `^` for the negated ones).
    private static func perlClass(_ letter: Unicode.Scalar) -> String {
        let members: String
        switch letter {
        case "d", "D": members = "0-9"
        case "s", "S": members = "\\x{9}\\x{a}\\x{c}\\x{d}\\x{20}"
        default: members = "0-9A-Za-z\\x{5f}"
        }
        return letter.properties.isUppercase ? "^" + members : members
    }

    // MARK: literals

    /// Case-insensitive matching is done here rather than by ICU, whose `(?i)` folds fully
    /// (`ß` matching `SS`) where Go folds rune by rune: a literal becomes the set of its case
    /// variants, and a class lets ICU close it over case.
    private mutating func appendLiteral(_ scalar: Unicode.Scalar) {
        let variants = flags.foldCase ? Self.caseVariants(scalar) : [scalar]
        output += variants.count == 1 ? Self.literal(scalar) : "[" + variants.map(Self.setMember).joined() + "]"
    }

    private mutating func appendSet(_ set: String) {
        output += flags.foldCase ? "(?i:" + set + ")" : set
    }

    /// The runes Go's `unicode.SimpleFold` cycles through from `scalar`.
    private static func caseVariants(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        var variants = [scalar]
        var index = 0
        while index < variants.count {
            let properties = variants[index].properties
            for mapping in [properties.lowercaseMapping, properties.uppercaseMapping, properties.titlecaseMapping] {
                let mapped = mapping.unicodeScalars
                if mapped.count == 1, let only = mapped.first, !variants.contains(only) { variants.append(only) }
            }
            index += 1
        }
        let key = foldKey(scalar)
        for special in foldSpecials where !variants.contains(special) && foldKey(special) == key {
            variants.append(special)
        }
        return variants
    }

    /// Runes that fold onto a letter without being its case mapping (Kelvin sign, long s, final sigma…).
    private static let foldSpecials: [Unicode.Scalar] = [
        0x00B5, 0x017F, 0x0345, 0x03C2, 0x03D0, 0x03D1, 0x03D5, 0x03D6, 0x03F0, 0x03F1, 0x03F4, 0x03F5,
        0x1E9B, 0x1E9E, 0x1FBE, 0x2126, 0x212A, 0x212B,
    ].compactMap(Unicode.Scalar.init)

    private static func foldKey(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        func single(_ mapping: String) -> Unicode.Scalar? {
            mapping.unicodeScalars.count == 1 ? mapping.unicodeScalars.first : nil
        }
        let upper = single(scalar.properties.uppercaseMapping) ?? scalar
        return single(upper.properties.lowercaseMapping) ?? upper
    }

    private static func literal(_ scalar: Unicode.Scalar) -> String {
        if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) { return String(scalar) }
        if scalar.isASCII || scalar.properties.generalCategory == .control || scalar.properties.isWhitespace {
            return "\\x{" + String(scalar.value, radix: 16) + "}"
        }
        return String(scalar)
    }

    private static func setMember(_ scalar: Unicode.Scalar) -> String {
        if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) { return String(scalar) }
        return "\\x{" + String(scalar.value, radix: 16) + "}"
    }
}
