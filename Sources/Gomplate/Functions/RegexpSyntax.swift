import Template
/// Go's regular expression syntax (RE2, as Go's regexp/syntax parses it with its Perl flags) read into a
/// syntax tree. The parser follows Go's: a stack of finished pieces and open parentheses, literals joined
/// as they come, the same checks in the same order, so a rejected pattern fails with Go's error text.
/// `\d \s \w \b` and the POSIX classes are ASCII-only; `(?i)` folds rune by rune as `unicode.SimpleFold`;
/// `\p{…}` names resolve as in the Go release that made `GoUnicodeTables` (categories, scripts, aliases such
/// as `Letter`, `Any`, `ASCII`, `Assigned`; case, spaces, `_` and `-` ignored).
indirect enum GoRegexpNode {
    case noMatch
    case emptyMatch
    /// Runes (scalar values; `\x{D800}` is accepted, as in Go, and matches nothing) to match in order.
    case literal([UInt32], foldCase: Bool)
    case runeClass(GoRuneClass)
    case anyCharNotNewline
    case anyChar
    case beginLine
    case endLine
    case beginText
    case endText
    case wordBoundary
    case noWordBoundary
    case capture(GoRegexpNode, index: Int, name: String)
    case star(GoRegexpNode, greedy: Bool)
    case plus(GoRegexpNode, greedy: Bool)
    case quest(GoRegexpNode, greedy: Bool)
    /// `{min}`, `{min,}` (max -1) or `{min,max}`.
    case `repeat`(GoRegexpNode, min: Int, max: Int, greedy: Bool)
    case concat([GoRegexpNode])
    case alternate([GoRegexpNode])

    var children: [GoRegexpNode] {
        switch self {
        case .capture(let sub, _, _), .star(let sub, _), .plus(let sub, _), .quest(let sub, _), .repeat(let sub, _, _, _):
            [sub]
        case .concat(let subs), .alternate(let subs):
            subs
        default:
            []
        }
    }
}

struct GoRegexpError: Error, CustomStringConvertible {
    let code: String
    let expression: String
    var description: String { "error parsing regexp: \(code): `\(expression)`" }
}

/// A parsed pattern: its tree and the name of each capture group by number (index 0 is the whole
/// match), "" when unnamed.
struct GoRegexpSyntax {
    /// Go's limit on a single count and on the product of nested counts (`(a{100}){100}` fails).
    static let maxRepeat = 1000
    /// Go's limit on the height of the tree (`expression nests too deeply`).
    static let maxHeight = 1000
    /// Rune ranges in all classes together; more fails with `expression too large`. Go's own limit is
    /// in runes (about 33 million); each `\pL` holds some 700 ranges.
    static let maxClassRanges = 1_000_000

    let root: GoRegexpNode
    let groupNames: [String]

    init(_ pattern: String) throws {
        var parser = Parser(pattern)
        root = try parser.parse()
        groupNames = parser.groupNames
    }
}

private struct Flags {
    var foldCase = false
    var multiLine = false
    var dotNewline = false
    var nonGreedy = false
}

private struct Parser {
    /// A stack entry: a finished piece, or one of the markers Go calls pseudo-operators.
    private enum Item {
        case node(GoRegexpNode, height: Int)
        /// `(`: capture 0 for a group that does not capture; the flags to restore at `)`.
        case leftParen(capture: Int, name: String, flags: Flags)
        case verticalBar
    }

    private let pattern: [Unicode.Scalar]
    private var position = 0
    private var stack: [Item] = []
    private var flags = Flags()
    private var captureCount = 0
    private var classRanges = 0
    private(set) var groupNames = [""]

    init(_ pattern: String) {
        self.pattern = Array(pattern.unicodeScalars)
    }

    mutating func parse() throws -> GoRegexpNode {
        /// Where the previous token started when it was a repetition (Go rejects `a**`).
        var lastRepeat: Int?
        while position < pattern.count {
            let start = position
            var isRepeat = false
            switch pattern[position] {
            case "(":
                if position + 1 < pattern.count, pattern[position + 1] == "?" {
                    try parsePerlFlags()
                } else {
                    captureCount += 1
                    groupNames.append("")
                    stack.append(.leftParen(capture: captureCount, name: "", flags: flags))
                    position += 1
                }
            case "|":
                try parseVerticalBar()
                position += 1
            case ")":
                try parseRightParen()
                position += 1
            case "^":
                try push(flags.multiLine ? .beginLine : .beginText)
                position += 1
            case "$":
                try push(flags.multiLine ? .endLine : .endText)
                position += 1
            case ".":
                try push(flags.dotNewline ? .anyChar : .anyCharNotNewline)
                position += 1
            case "[":
                try parseClass()
            case "*", "+", "?":
                let op = pattern[position]
                position += 1
                try repetition(op == "*" ? .star : op == "+" ? .plus : .quest, from: start, lastRepeat: lastRepeat)
                isRepeat = true
            case "{":
                guard let (min, max, end) = repeatCounts(at: position) else {
                    try literal("{")
                    position += 1
                    break
                }
                position = end
                if min < 0 || min > GoRegexpSyntax.maxRepeat || max > GoRegexpSyntax.maxRepeat || (max >= 0 && min > max) {
                    throw error("invalid repeat count", from: start)
                }
                try repetition(.counted(min: min, max: max), from: start, lastRepeat: lastRepeat)
                isRepeat = true
            case "\\":
                try parseBackslash()
            default:
                try literal(pattern[position].value)
                position += 1
            }
            lastRepeat = isRepeat ? start : nil
        }
        try concat()
        if swapVerticalBar() { stack.removeLast() }
        try alternate()
        guard stack.count == 1, case .node(let root, _) = stack[0] else {
            throw GoRegexpError(code: "missing closing )", expression: whole)
        }
        return root
    }

    // MARK: errors

    private var whole: String { text(0..<pattern.count) }

    private func text(_ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(pattern[range]))
    }

    /// An error quoting the pattern from `start` up to the current position.
    private func error(_ code: String, from start: Int) -> GoRegexpError {
        GoRegexpError(code: code, expression: text(start..<min(position, pattern.count)))
    }

    // MARK: the stack

    private mutating func push(_ node: GoRegexpNode, height: Int = 1) throws {
        if height > GoRegexpSyntax.maxHeight {
            throw GoRegexpError(code: "expression nests too deeply", expression: whole)
        }
        if case .runeClass(let runes) = node {
            classRanges += runes.rangeCount
            if classRanges > GoRegexpSyntax.maxClassRanges {
                throw GoRegexpError(code: "expression too large", expression: whole)
            }
        }
        joinLiterals()
        stack.append(.node(node, height: height))
    }

    /// Joins the two topmost literals (Go's maybeConcat): only the newest literal stays on its own,
    /// where a repetition operator can still take it alone.
    private mutating func joinLiterals() {
        guard stack.count >= 2, case .node(.literal(_, let fold2), _) = stack[stack.count - 1],
              case .node(.literal(_, let fold1), _) = stack[stack.count - 2], fold1 == fold2,
              case .node(.literal(let second, _), _) = stack.removeLast(),
              case .node(.literal(var first, _), _) = stack.removeLast() else { return }
        // Taken off the stack, the literal is no longer shared, so appending extends it in place: a
        // copy per rune would make a long literal quadratic to parse.
        first.append(contentsOf: second)
        stack.append(.node(.literal(first, foldCase: fold1), height: 1))
    }

    private mutating func literal(_ rune: UInt32) throws {
        try push(.literal([rune], foldCase: flags.foldCase))
    }

    private mutating func literal(_ scalar: Unicode.Scalar) throws {
        try literal(scalar.value)
    }

    /// The pieces above the topmost marker, removed from the stack.
    private mutating func popPieces() -> [(GoRegexpNode, Int)] {
        var pieces: [(GoRegexpNode, Int)] = []
        while case .node(let node, let height)? = stack.last {
            pieces.append((node, height))
            stack.removeLast()
        }
        return pieces.reversed()
    }

    private mutating func concat() throws {
        joinLiterals()
        let pieces = popPieces()
        if pieces.isEmpty { return try push(.emptyMatch) }
        try pushCollapsed(pieces, isConcat: true)
    }

    private mutating func alternate() throws {
        let pieces = popPieces()
        if pieces.isEmpty { return try push(.noMatch) }
        try pushCollapsed(pieces, isConcat: false)
    }

    /// One piece as it is; several as one concatenation or alternation, flattening nested ones.
    private mutating func pushCollapsed(_ pieces: [(GoRegexpNode, Int)], isConcat: Bool) throws {
        if pieces.count == 1 { return try push(pieces[0].0, height: pieces[0].1) }
        var subs: [GoRegexpNode] = []
        var height = 0
        for (node, nodeHeight) in pieces {
            switch (node, isConcat) {
            case (.concat(let inner), true), (.alternate(let inner), false):
                subs += inner
                height = max(height, nodeHeight - 1)
            default:
                subs.append(node)
                height = max(height, nodeHeight)
            }
        }
        try push(isConcat ? .concat(subs) : .alternate(subs), height: height + 1)
    }

    private mutating func parseVerticalBar() throws {
        try concat()
        if !swapVerticalBar() { stack.append(.verticalBar) }
    }

    /// With a `|` marker below the newest piece, moves the piece under it (alternatives gather below the
    /// marker) and reports true.
    private mutating func swapVerticalBar() -> Bool {
        let count = stack.count
        guard count >= 2, case .verticalBar = stack[count - 2] else { return false }
        stack.swapAt(count - 1, count - 2)
        return true
    }

    private mutating func parseRightParen() throws {
        try concat()
        if swapVerticalBar() { stack.removeLast() }
        try alternate()
        let count = stack.count
        guard count >= 2, case .node(let body, let height) = stack[count - 1],
              case .leftParen(let capture, let name, let outerFlags) = stack[count - 2] else {
            throw GoRegexpError(code: "unexpected )", expression: whole)
        }
        stack.removeLast(2)
        flags = outerFlags
        if capture == 0 {
            try push(body, height: height)
        } else {
            try push(.capture(body, index: capture, name: name), height: height + 1)
        }
    }

    // MARK: groups and flags

    /// `(?P<name>`, `(?<name>`, `(?flags)` or `(?flags:`; `position` at the `(`.
    private mutating func parsePerlFlags() throws {
        let start = position
        let rest = pattern.count - start
        let pythonName = rest > 4 && pattern[start + 2] == "P" && pattern[start + 3] == "<"
        if pythonName || (rest > 3 && pattern[start + 2] == "<") {
            guard let end = pattern[start...].firstIndex(of: ">") else {
                position = pattern.count
                throw error("invalid named capture", from: start)
            }
            position = end + 1
            let name = text((start + (pythonName ? 4 : 3))..<end)
            let valid = !name.isEmpty && name.unicodeScalars.allSatisfy { $0 == "_" || Self.isAlphanumeric($0) }
            if !valid { throw error("invalid named capture", from: start) }
            captureCount += 1
            groupNames.append(name)
            stack.append(.leftParen(capture: captureCount, name: name, flags: flags))
            return
        }
        position += 2
        var updated = flags
        var negated = false
        var sawFlag = false
        while position < pattern.count {
            let scalar = pattern[position]
            position += 1
            switch scalar {
            case "i": updated.foldCase = !negated
            case "m": updated.multiLine = !negated
            case "s": updated.dotNewline = !negated
            case "U": updated.nonGreedy = !negated
            case "-":
                if negated { throw error("invalid or unsupported Perl syntax", from: start) }
                negated = true
                sawFlag = false
                continue
            case ":", ")":
                if negated, !sawFlag { throw error("invalid or unsupported Perl syntax", from: start) }
                if scalar == ":" { stack.append(.leftParen(capture: 0, name: "", flags: flags)) }
                flags = updated
                return
            default:
                throw error("invalid or unsupported Perl syntax", from: start)
            }
            sawFlag = true
        }
        throw error("invalid or unsupported Perl syntax", from: start)
    }

    // MARK: repetition

    private enum RepeatOp {
        case star, plus, quest
        case counted(min: Int, max: Int)
    }

    /// Applies a repetition operator, read from `start` up to `position`, to the newest piece.
    private mutating func repetition(_ op: RepeatOp, from start: Int, lastRepeat: Int?) throws {
        var nonGreedy = flags.nonGreedy
        if position < pattern.count, pattern[position] == "?" {
            position += 1
            nonGreedy.toggle()
        }
        if let lastRepeat { throw error("invalid nested repetition operator", from: lastRepeat) }
        guard case .node(let sub, let height)? = stack.last else {
            throw error("missing argument to repetition operator", from: start)
        }
        let node: GoRegexpNode
        switch op {
        case .star: node = .star(sub, greedy: !nonGreedy)
        case .plus: node = .plus(sub, greedy: !nonGreedy)
        case .quest: node = .quest(sub, greedy: !nonGreedy)
        case .counted(let min, let max): node = .repeat(sub, min: min, max: max, greedy: !nonGreedy)
        }
        if height + 1 > GoRegexpSyntax.maxHeight {
            throw GoRegexpError(code: "expression nests too deeply", expression: whole)
        }
        stack[stack.count - 1] = .node(node, height: height + 1)
        if case .counted(let min, let max) = op, min >= 2 || max >= 2,
           !Self.repeatIsValid(node, GoRegexpSyntax.maxRepeat) {
            throw error("invalid repeat count", from: start)
        }
    }

    /// Whether the counts of `node` and the repetitions nested in it multiply to at most `limit`.
    private static func repeatIsValid(_ node: GoRegexpNode, _ limit: Int) -> Bool {
        var limit = limit
        if case .repeat(_, let min, let max, _) = node {
            if max == 0 { return true }
            let count = max < 0 ? min : max
            if count > limit { return false }
            if count > 0 { limit /= count }
        }
        return node.children.allSatisfy { child in StackGuard.continuing { repeatIsValid(child, limit) } }
    }

    /// `{n}`, `{n,}` or `{n,m}` at `index`: the counts (max -1 for none, min -1 for a number too
    /// large) and where it ends; nil when it is no repetition, and `{` a literal.
    private func repeatCounts(at index: Int) -> (min: Int, max: Int, end: Int)? {
        var index = index + 1
        func number() -> Int?? {
            let start = index
            while index < pattern.count, ("0"..."9").contains(pattern[index]) { index += 1 }
            if index == start { return nil }
            // Leading zeros make it no repetition.
            if index - start > 1, pattern[start] == "0" { return nil }
            if index - start > 8 { return .some(nil) }
            return Int(text(start..<index))
        }
        guard let first = number() else { return nil }
        var min = first ?? -1
        var max = min
        guard index < pattern.count else { return nil }
        if pattern[index] == "," {
            index += 1
            guard index < pattern.count else { return nil }
            if pattern[index] == "}" {
                max = -1
            } else {
                guard let second = number() else { return nil }
                if let second { max = second } else { min = -1 }
            }
        }
        guard index < pattern.count, pattern[index] == "}" else { return nil }
        return (min, max, index + 1)
    }

    // MARK: escapes

    private mutating func parseBackslash() throws {
        let start = position
        if position + 1 < pattern.count {
            switch pattern[position + 1] {
            case "A":
                position += 2
                return try push(.beginText)
            case "b":
                position += 2
                return try push(.wordBoundary)
            case "B":
                position += 2
                return try push(.noWordBoundary)
            case "C":
                position += 2
                throw error("invalid escape sequence", from: start)
            case "Q":
                var end = position + 2
                while end < pattern.count, !(pattern[end] == "\\" && end + 1 < pattern.count && pattern[end + 1] == "E") {
                    end += 1
                }
                for scalar in pattern[(position + 2)..<end] { try literal(scalar) }
                position = min(end + 2, pattern.count)
                return
            case "z":
                position += 2
                return try push(.endText)
            case "p", "P":
                var runes = GoRuneClass()
                try parseUnicodeClass(into: &runes)
                return try push(.runeClass(runes.cleaned()))
            case "d", "D", "s", "S", "w", "W":
                var runes = GoRuneClass()
                parsePerlClass(into: &runes)
                return try push(.runeClass(runes.cleaned()))
            default:
                break
            }
        }
        try literal(parseEscape())
    }

    /// An escape that stands for one rune; `position` at the `\`.
    private mutating func parseEscape() throws -> UInt32 {
        let start = position
        position += 1
        guard position < pattern.count else {
            throw GoRegexpError(code: "trailing backslash at end of expression", expression: "")
        }
        let scalar = pattern[position]
        position += 1
        func isOctal(_ index: Int) -> Bool { index < pattern.count && ("0"..."7").contains(pattern[index]) }
        switch scalar {
        case "1"..."7" where isOctal(position), "0":
            // Up to three octal digits; a lone \1-\7 would be a backreference, which Go rejects.
            var value = scalar.value - 48
            for _ in 1..<3 where isOctal(position) {
                value = value * 8 + pattern[position].value - 48
                position += 1
            }
            return value
        case "x":
            if let value = parseHexEscape() { return value }
        case "a": return 0x07
        case "f": return 0x0C
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "v": return 0x0B
        default:
            if scalar.isASCII, !Self.isAlphanumeric(scalar) { return scalar.value }
        }
        throw error("invalid escape sequence", from: start)
    }

    /// The rest of `\x41` or `\x{41}`, `position` after the `x`; nil (position past what was read) when malformed.
    private mutating func parseHexEscape() -> UInt32? {
        guard position < pattern.count else { return nil }
        let first = pattern[position]
        position += 1
        if first == "{" {
            var value: UInt32 = 0
            var digits = 0
            while position < pattern.count {
                let scalar = pattern[position]
                position += 1
                if scalar == "}" { return digits > 0 ? value : nil }
                guard let digit = Self.hexValue(scalar) else { return nil }
                value = value * 16 + digit
                if value > GoRuneClass.maxRune { return nil }
                digits += 1
            }
            return nil
        }
        guard position < pattern.count else { return nil }
        let second = pattern[position]
        position += 1
        guard let high = Self.hexValue(first), let low = Self.hexValue(second) else { return nil }
        return high * 16 + low
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    // MARK: classes

    /// Adds a named group (Perl, POSIX, Unicode), folded first under `(?i)`, negated after folding as Go does.
    private func appendGroup(_ group: GoRuneClass, negated: Bool, to runes: inout GoRuneClass) {
        var members = group
        if flags.foldCase {
            members = GoRuneClass()
            members.appendFolded(group)
            members = members.cleaned()
        }
        if negated { runes.appendNegated(members) } else { runes.append(members) }
    }

    /// `\d`, `\D`, `\s`, `\S`, `\w`, `\W`; `position` at the `\`.
    private mutating func parsePerlClass(into runes: inout GoRuneClass) {
        let letter = pattern[position + 1]
        position += 2
        let group: GoRuneClass
        switch letter {
        case "d", "D": group = .perlDigit
        case "s", "S": group = .perlSpace
        default: group = .perlWord
        }
        appendGroup(group, negated: letter.properties.isUppercase, to: &runes)
    }

    /// `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}`; `position` at the `\`.
    private mutating func parseUnicodeClass(into runes: inout GoRuneClass) throws {
        let start = position
        var negated = pattern[start + 1] == "P"
        position = start + 2
        var name = ""
        if position < pattern.count, pattern[position] != "{" {
            name = String(pattern[position])
            position += 1
        } else if position < pattern.count {
            guard let end = pattern[start...].firstIndex(of: "}") else {
                position = pattern.count
                throw error("invalid character class range", from: start)
            }
            name = text((start + 3)..<end)
            position = end + 1
        }
        if name.hasPrefix("^") {
            negated.toggle()
            name.removeFirst()
        }
        guard let (table, inverted) = GoUnicodeClasses.lookup(name) else {
            throw error("invalid character class range", from: start)
        }
        if inverted { negated.toggle() }
        appendGroup(table, negated: negated, to: &runes)
    }

    /// `[…]`; `position` at the `[`.
    private mutating func parseClass() throws {
        let classStart = position
        position += 1
        var runes = GoRuneClass()
        var negated = false
        if position < pattern.count, pattern[position] == "^" {
            negated = true
            position += 1
        }
        var first = true
        while position >= pattern.count || pattern[position] != "]" || first {
            first = false
            if pattern.count - position > 2, pattern[position] == "[", pattern[position + 1] == ":",
               try parsePOSIXClass(into: &runes) {
                continue
            }
            if position + 1 < pattern.count, pattern[position] == "\\" {
                switch pattern[position + 1] {
                case "p", "P":
                    try parseUnicodeClass(into: &runes)
                    continue
                case "d", "D", "s", "S", "w", "W":
                    parsePerlClass(into: &runes)
                    continue
                default:
                    break
                }
            }
            let rangeStart = position
            let low = try parseClassChar(classStart)
            var high = low
            if pattern.count - position >= 2, pattern[position] == "-", pattern[position + 1] != "]" {
                position += 1
                high = try parseClassChar(classStart)
                if high < low { throw error("invalid character class range", from: rangeStart) }
            }
            if flags.foldCase { runes.appendFolded(low, high) } else { runes.append(low, high) }
        }
        position += 1
        runes = runes.cleaned()
        try push(.runeClass(negated ? runes.negated() : runes))
    }

    private mutating func parseClassChar(_ classStart: Int) throws -> UInt32 {
        guard position < pattern.count else {
            throw GoRegexpError(code: "missing closing ]", expression: text(classStart..<pattern.count))
        }
        if pattern[position] == "\\" { return try parseEscape() }
        position += 1
        return pattern[position - 1].value
    }

    /// `[:alpha:]` or `[:^alpha:]` at `position`; false when there is no `:]` after it.
    private mutating func parsePOSIXClass(into runes: inout GoRuneClass) throws -> Bool {
        var end = position + 2
        while end + 1 < pattern.count, !(pattern[end] == ":" && pattern[end + 1] == "]") { end += 1 }
        guard end + 1 < pattern.count else { return false }
        let start = position
        position = end + 2
        var name = text((start + 2)..<end)
        let negated = name.hasPrefix("^")
        if negated { name.removeFirst() }
        guard let group = GoRuneClass.posix[name] else { throw error("invalid character class range", from: start) }
        appendGroup(group, negated: negated, to: &runes)
        return true
    }
}
