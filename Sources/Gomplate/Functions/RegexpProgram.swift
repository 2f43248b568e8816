import Template
/// A compiled Go regular expression: the instruction program of Go's regexp/syntax compiler, which
/// `GoRegexpMatcher` runs as a Thompson NFA (a Pike VM). Counted repetitions are expanded as Go
/// expands them (`x{2,4}` is `xx(x(x)?)?`), so submatches come out as Go's.
struct GoRegexpProgram {
    /// More instructions than this fails with Go's `expression too large` (Go's own limit is about
    /// 3.3 million; matching time and memory grow with the program, so edpctl keeps it smaller).
    static let maxInstructions = 200_000

    struct Instruction {
        enum Op: UInt8 {
            case fail
            case match
            /// Any rune of `classes[arg]`.
            case runeClass
            /// The rune `arg`.
            case rune
            case anyRune
            case anyRuneNotNewline
            /// Two ways on: `out` first, `arg` second.
            case alt
            /// A zero-width assertion: `arg` holds `EmptyWidth` bits.
            case emptyWidth
            /// Records the position in capture slot `arg`.
            case capture
            case nop
        }

        var op: Op
        var out = 0
        var arg = 0
    }

    /// Zero-width assertions, as Go's syntax.EmptyOp.
    struct EmptyWidth: OptionSet {
        let rawValue: Int
        static let beginLine = EmptyWidth(rawValue: 1)
        static let endLine = EmptyWidth(rawValue: 2)
        static let beginText = EmptyWidth(rawValue: 4)
        static let endText = EmptyWidth(rawValue: 8)
        static let wordBoundary = EmptyWidth(rawValue: 16)
        static let noWordBoundary = EmptyWidth(rawValue: 32)
    }

    private(set) var instructions: [Instruction] = [Instruction(op: .fail)]
    private(set) var classes: [GoRuneClass] = []
    private(set) var start = 0
    /// Capture slots: two per group, the whole match included.
    let slotCount: Int
    /// Runes every match starts with (as UTF-8), which lets the matcher skip ahead to them.
    private(set) var literalPrefix: [UInt8] = []
    /// Whether the literal prefix is the whole pattern, with no group of its own (Go's complete
    /// prefix): every match is an occurrence of it, found without running threads.
    private(set) var prefixIsWholeMatch = false
    /// Whether every match starts at the beginning of the text (`^` without `(?m)`, `\A`).
    private(set) var anchoredAtStart = false
    /// The class (in `classes`) of the runes a match can start with, when every match starts with a
    /// rune: the matcher skips runes outside it without starting threads.
    private(set) var startClass: Int?

    init(_ syntax: GoRegexpSyntax, pattern: String) throws {
        slotCount = 2 * syntax.groupNames.count
        do {
            let whole = try compile(syntax.root)
            patch(whole.out, to: try emit(Instruction(op: .match)))
            start = whole.start
        } catch is TooLarge {
            throw GoRegexpError(code: "expression too large", expression: pattern)
        }
        findPrefix()
        findStartRunes()
    }

    // MARK: fragments

    private struct TooLarge: Error {}

    /// The unpatched exits of a fragment, chained through the exits themselves as in Go:
    /// `index << 1` is an instruction's `out`, `index << 1 | 1` its `arg`; 0 ends the list.
    private struct PatchList {
        var head = 0
        var tail = 0
    }

    /// A compiled piece: its entry (0, the fail instruction, for one that never matches), its exits,
    /// and whether it can match the empty string.
    private struct Fragment {
        var start = 0
        var out = PatchList()
        var nullable = false
    }

    private mutating func emit(_ instruction: Instruction) throws -> Int {
        if instructions.count >= Self.maxInstructions { throw TooLarge() }
        instructions.append(instruction)
        return instructions.count - 1
    }

    private mutating func patch(_ list: PatchList, to target: Int) {
        var link = list.head
        while link != 0 {
            let index = link >> 1
            if link & 1 == 0 {
                link = instructions[index].out
                instructions[index].out = target
            } else {
                link = instructions[index].arg
                instructions[index].arg = target
            }
        }
    }

    private mutating func join(_ first: PatchList, _ second: PatchList) -> PatchList {
        if first.head == 0 { return second }
        if second.head == 0 { return first }
        let index = first.tail >> 1
        if first.tail & 1 == 0 { instructions[index].out = second.head } else { instructions[index].arg = second.head }
        return PatchList(head: first.head, tail: second.tail)
    }

    /// An instruction whose `out` is the fragment's only exit.
    private mutating func single(_ instruction: Instruction, nullable: Bool) throws -> Fragment {
        let index = try emit(instruction)
        return Fragment(start: index, out: PatchList(head: index << 1, tail: index << 1), nullable: nullable)
    }

    // MARK: compiling

    private mutating func compile(_ node: GoRegexpNode) throws -> Fragment {
        // The tree is at most `GoRegexpSyntax.maxHeight` deep, which a small stack may not hold.
        if StackGuard.isNearlyExhausted { return try StackGuard.onFreshStack { try compile(node) } }
        switch node {
        case .noMatch:
            return Fragment()
        case .emptyMatch:
            return try single(Instruction(op: .nop), nullable: true)
        case .literal(let runes, let foldCase):
            var fragment: Fragment?
            for rune in runes {
                let next = try compileRune(rune, foldCase: foldCase)
                fragment = fragment.map { cat($0, next) } ?? next
            }
            return try fragment ?? single(Instruction(op: .nop), nullable: true)
        case .runeClass(let runes):
            if let rune = runes.singleRune { return try single(Instruction(op: .rune, arg: Int(rune)), nullable: false) }
            if runes == GoRuneClass([0...GoRuneClass.maxRune]) {
                return try single(Instruction(op: .anyRune), nullable: false)
            }
            classes.append(runes)
            return try single(Instruction(op: .runeClass, arg: classes.count - 1), nullable: false)
        case .anyCharNotNewline:
            return try single(Instruction(op: .anyRuneNotNewline), nullable: false)
        case .anyChar:
            return try single(Instruction(op: .anyRune), nullable: false)
        case .beginLine:
            return try empty(.beginLine)
        case .endLine:
            return try empty(.endLine)
        case .beginText:
            return try empty(.beginText)
        case .endText:
            return try empty(.endText)
        case .wordBoundary:
            return try empty(.wordBoundary)
        case .noWordBoundary:
            return try empty(.noWordBoundary)
        case .capture(let sub, let index, _):
            let open = try single(Instruction(op: .capture, arg: 2 * index), nullable: true)
            let body = try compile(sub)
            let close = try single(Instruction(op: .capture, arg: 2 * index + 1), nullable: true)
            return cat(cat(open, body), close)
        case .star(let sub, let greedy):
            return try star(try compile(sub), greedy: greedy)
        case .plus(let sub, let greedy):
            return try plus(try compile(sub), greedy: greedy)
        case .quest(let sub, let greedy):
            return try quest(try compile(sub), greedy: greedy)
        case .repeat(let sub, let min, let max, let greedy):
            return try compileRepeat(sub, min: min, max: max, greedy: greedy)
        case .concat(let subs):
            var fragment: Fragment?
            for sub in subs {
                let next = try compile(sub)
                fragment = fragment.map { cat($0, next) } ?? next
            }
            return try fragment ?? single(Instruction(op: .nop), nullable: true)
        case .alternate(let subs):
            var fragment = Fragment()
            for sub in subs { fragment = try alt(fragment, try compile(sub)) }
            return fragment
        }
    }

    private mutating func compileRune(_ rune: UInt32, foldCase: Bool) throws -> Fragment {
        let orbit = foldCase ? GoCaseFolding.shared.orbit(of: rune) : [rune]
        if orbit.count == 1 { return try single(Instruction(op: .rune, arg: Int(rune)), nullable: false) }
        classes.append(GoRuneClass(orbit.map { $0...$0 }))
        return try single(Instruction(op: .runeClass, arg: classes.count - 1), nullable: false)
    }

    /// Go's simplification of `x{min,max}`: `x{0}` is empty, `x{n,}` is n-1 copies and `x+`, and
    /// `x{n,m}` is n copies followed by nested optional ones.
    private mutating func compileRepeat(_ sub: GoRegexpNode, min: Int, max: Int, greedy: Bool) throws -> Fragment {
        if min == 0, max == 0 { return try single(Instruction(op: .nop), nullable: true) }
        if max == -1 {
            if min == 0 { return try star(try compile(sub), greedy: greedy) }
            var fragment: Fragment?
            for _ in 1..<min {
                let copy = try compile(sub)
                fragment = fragment.map { cat($0, copy) } ?? copy
            }
            let tail = try plus(try compile(sub), greedy: greedy)
            return fragment.map { cat($0, tail) } ?? tail
        }
        if min == 1, max == 1 { return try compile(sub) }
        var prefix: Fragment?
        for _ in 0..<min {
            let copy = try compile(sub)
            prefix = prefix.map { cat($0, copy) } ?? copy
        }
        if max > min {
            var suffix = try quest(try compile(sub), greedy: greedy)
            for _ in (min + 1)..<max {
                suffix = try quest(cat(try compile(sub), suffix), greedy: greedy)
            }
            prefix = prefix.map { cat($0, suffix) } ?? suffix
        }
        return prefix ?? Fragment()
    }

    private mutating func empty(_ assertion: EmptyWidth) throws -> Fragment {
        try single(Instruction(op: .emptyWidth, arg: assertion.rawValue), nullable: true)
    }

    private mutating func cat(_ first: Fragment, _ second: Fragment) -> Fragment {
        if first.start == 0 || second.start == 0 { return Fragment() }
        patch(first.out, to: second.start)
        return Fragment(start: first.start, out: second.out, nullable: first.nullable && second.nullable)
    }

    private mutating func alt(_ first: Fragment, _ second: Fragment) throws -> Fragment {
        if first.start == 0 { return second }
        if second.start == 0 { return first }
        let index = try emit(Instruction(op: .alt, out: first.start, arg: second.start))
        return Fragment(start: index, out: join(first.out, second.out), nullable: first.nullable || second.nullable)
    }

    private mutating func quest(_ sub: Fragment, greedy: Bool) throws -> Fragment {
        let (index, exit) = try choice(sub, greedy: greedy)
        return Fragment(start: index, out: join(exit, sub.out), nullable: true)
    }

    /// The loop of `x+` and (for `x` that cannot match empty) `x*`: an alternative after `x` back to it.
    private mutating func loop(_ sub: Fragment, greedy: Bool) throws -> Fragment {
        let (index, exit) = try choice(sub, greedy: greedy)
        patch(sub.out, to: index)
        return Fragment(start: index, out: exit, nullable: true)
    }

    /// An `alt` that tries `sub` first when greedy and last otherwise; its other way is left to patch.
    private mutating func choice(_ sub: Fragment, greedy: Bool) throws -> (index: Int, exit: PatchList) {
        let index = try emit(Instruction(op: .alt))
        if greedy {
            instructions[index].out = sub.start
            return (index, PatchList(head: index << 1 | 1, tail: index << 1 | 1))
        }
        instructions[index].arg = sub.start
        return (index, PatchList(head: index << 1, tail: index << 1))
    }

    private mutating func star(_ sub: Fragment, greedy: Bool) throws -> Fragment {
        // `x*` with an `x` that can match empty is `(x+)?`, for Go's priorities (golang.org/issue/46123).
        if sub.nullable { return try quest(try plus(sub, greedy: greedy), greedy: greedy) }
        return try loop(sub, greedy: greedy)
    }

    private mutating func plus(_ sub: Fragment, greedy: Bool) throws -> Fragment {
        if sub.start == 0 { return Fragment() }
        return Fragment(start: sub.start, out: try loop(sub, greedy: greedy).out, nullable: sub.nullable)
    }

    // MARK: start analysis

    private mutating func findStartRunes() {
        var runes = GoRuneClass()
        var pending = [start]
        var seen: Set<Int> = []
        while let index = pending.popLast() {
            guard seen.insert(index).inserted else { continue }
            let instruction = instructions[index]
            switch instruction.op {
            case .fail:
                continue
            case .alt:
                pending += [instruction.arg, instruction.out]
            case .nop, .capture:
                pending.append(instruction.out)
            case .emptyWidth, .match, .anyRune:
                return
            case .rune:
                runes.append(UInt32(instruction.arg), UInt32(instruction.arg))
            case .runeClass:
                runes.append(classes[instruction.arg])
            case .anyRuneNotNewline:
                runes.append(0, 0x09)
                runes.append(0x0B, GoRuneClass.maxRune)
            }
        }
        classes.append(runes.cleaned())
        startClass = classes.count - 1
    }

    /// The literal runes at the start of every match, and whether matches are anchored at the start.
    private mutating func findPrefix() {
        var index = start
        while [.nop, .capture].contains(instructions[index].op) { index = instructions[index].out }
        if instructions[index].op == .emptyWidth,
           EmptyWidth(rawValue: instructions[index].arg).contains(.beginText) {
            anchoredAtStart = true
        }
        var prefix = ""
        while instructions[index].op == .rune, let scalar = Unicode.Scalar(UInt32(instructions[index].arg)) {
            prefix.unicodeScalars.append(scalar)
            index = instructions[index].out
            while instructions[index].op == .nop { index = instructions[index].out }
        }
        literalPrefix = Array(prefix.utf8)
        while [.nop, .capture].contains(instructions[index].op) { index = instructions[index].out }
        prefixIsWholeMatch = !literalPrefix.isEmpty && !anchoredAtStart && slotCount == 2
            && instructions[index].op == .match
    }
}
