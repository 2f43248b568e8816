/// One line of a `.gomplateignore` or one `--exclude`, read as git reads a line of `.gitignore`
/// (gitignore(5)) and compiled once: `!` re-includes, a trailing `/` matches directories only, a
/// pattern with no other `/` matches a name at any depth, one with a `/` (leading or in the middle)
/// matches the path relative to the ignore file's directory. `*`, `?` and `[…]` never match `/`;
/// `**/`, `/**/` and `/**` cross directories. Matching is by bytes, as git's wildmatch.
struct IgnorePattern {
    /// A piece of the pattern after its literal prefix; matched by `matchesSteps`.
    private enum Step: Equatable {
        case byte(UInt8)
        case anyByte                // ?
        case oneOf(ByteSet)         // […]
        case run                    // * : any bytes but `/`
        case anything               // ** at the end: any bytes
        /// `**/`: nothing, or any bytes ending in `/`. Two states: this one can be skipped, and the
        /// `directoriesLoop` after it, entered by a byte, is left only by a `/`.
        case directories
        case directoriesLoop
    }

    /// 256 bits, one per byte value.
    private struct ByteSet: Equatable {
        private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        static func == (a: ByteSet, b: ByteSet) -> Bool { a.words == b.words }

        func contains(_ byte: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: return words.0 & bit != 0
            case 1: return words.1 & bit != 0
            case 2: return words.2 & bit != 0
            default: return words.3 & bit != 0
            }
        }

        mutating func insert(_ byte: UInt8) {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        mutating func insert(_ range: ClosedRange<UInt8>) { for byte in range { insert(byte) } }

        /// `[!…]`: every other byte; and a class never matches `/`, whichever way round.
        func finished(negated: Bool) -> ByteSet {
            var result = ByteSet()
            for byte in UInt8.min...UInt8.max where contains(byte) != negated && byte != slash { result.insert(byte) }
            return result
        }
    }

    let negated: Bool
    let directoriesOnly: Bool
    /// No `/` but a trailing one: matched against the last element of the path, at any depth.
    let matchesName: Bool
    /// The bytes up to the first `*`, `?`, `[` or `\`, compared as they are (as git does; the steps
    /// after it are then read as a pattern of their own, which matters for a `**` right after it).
    private let prefix: [UInt8]
    private let steps: [Step]
    /// The steps are `*` and then only bytes, if any (`*.yaml`, `.*`): a comparison of the end does.
    private let starThenLiteral: [UInt8]?

    /// A command-line pattern as it is, or a line of an ignore file after `lines(of:)`; nil for one
    /// that can match nothing: empty, `!` alone, an unclosed `[`, an unknown `[:class:]`, a
    /// trailing `\`.
    init?(_ text: some Collection<UInt8>) {
        var body = ArraySlice(text)
        negated = body.first == UInt8(ascii: "!")
        if negated { body = body.dropFirst() }
        directoriesOnly = body.last == slash
        if directoriesOnly { body = body.dropLast() }
        matchesName = !body.contains(slash)
        if !matchesName, body.first == slash { body = body.dropFirst() }
        let literal = body.prefix { !Self.isSpecial($0) }
        guard let steps = Self.steps(of: body[literal.endIndex...]), !body.isEmpty else { return nil }
        prefix = Array(literal)
        self.steps = steps
        if steps.first == .run, steps.dropFirst().allSatisfy({ if case .byte = $0 { true } else { false } }) {
            starThenLiteral = steps.dropFirst().map { if case .byte(let byte) = $0 { byte } else { 0 } }
        } else {
            starThenLiteral = nil
        }
    }

    /// Whether the pattern matches `path`: its bytes relative to the directory of the pattern's
    /// ignore file (the input directory for `--exclude`), `nameStart` where its last element begins.
    func matches(_ path: ArraySlice<UInt8>, nameStart: Int, isDirectory: Bool) -> Bool {
        if directoriesOnly && !isDirectory { return false }
        let subject = matchesName ? path[nameStart...] : path
        guard subject.count >= prefix.count, subject.starts(with: prefix) else { return false }
        let rest = subject.dropFirst(prefix.count)
        if steps.isEmpty { return rest.isEmpty }
        if let literal = starThenLiteral {
            return rest.count >= literal.count && rest.suffix(literal.count).elementsEqual(literal)
                && !rest.dropLast(literal.count).contains(slash)
        }
        return matchesSteps(rest)
    }

    /// Runs the steps as a nondeterministic automaton, one set of states per byte: no backtracking,
    /// so time grows with the path's length times the pattern's, whatever the stars.
    private func matchesSteps(_ subject: ArraySlice<UInt8>) -> Bool {
        let words = (steps.count + 1 + 63) / 64
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * words) { buffer in
            var current = UnsafeMutableBufferPointer(rebasing: buffer[0..<words])
            var next = UnsafeMutableBufferPointer(rebasing: buffer[words...])
            current.update(repeating: 0)
            enter(0, into: current)
            for byte in subject {
                next.update(repeating: 0)
                var alive = false
                for word in 0..<words {
                    var bits = current[word]
                    while bits != 0 {
                        let state = word * 64 + bits.trailingZeroBitCount
                        bits &= bits - 1
                        guard state < steps.count else { continue }
                        switch steps[state] {
                        case .byte(let expected) where byte == expected: enter(state + 1, into: next)
                        case .anyByte where byte != slash: enter(state + 1, into: next)
                        case .oneOf(let set) where set.contains(byte): enter(state + 1, into: next)
                        case .run where byte != slash, .anything: enter(state, into: next)
                        case .directories, .directoriesLoop:
                            let loop = steps[state] == .directories ? state + 1 : state
                            enter(loop, into: next)
                            if byte == slash { enter(loop + 1, into: next) }
                        default: continue
                        }
                        alive = true
                    }
                }
                guard alive else { return false }
                swap(&current, &next)
            }
            return current[steps.count / 64] & (UInt64(1) << UInt64(steps.count % 64)) != 0
        }
    }

    /// Marks `state`, and the states after it that the steps can reach matching nothing.
    private func enter(_ state: Int, into set: UnsafeMutableBufferPointer<UInt64>) {
        var state = state
        while true {
            set[state / 64] |= UInt64(1) << UInt64(state % 64)
            guard state < steps.count else { return }
            switch steps[state] {
            case .run, .anything: state += 1
            case .directories: state += 2
            default: return
            }
        }
    }

    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "[") || byte == backslash
    }

    /// nil when the steps can match nothing.
    private static func steps(of pattern: ArraySlice<UInt8>) -> [Step]? {
        var steps: [Step] = []
        var i = pattern.startIndex
        while i < pattern.endIndex {
            switch pattern[i] {
            case UInt8(ascii: "*"):
                var end = i
                while end < pattern.endIndex && pattern[end] == UInt8(ascii: "*") { end += 1 }
                // `**` is special only as a whole element: at the start or after `/`, and at the end or before `/`.
                let wholeElement = end - i > 1 && (i == pattern.startIndex || pattern[i - 1] == slash)
                if wholeElement && end == pattern.endIndex {
                    steps.append(.anything)
                } else if wholeElement && pattern[end] == slash {
                    steps += [.directories, .directoriesLoop]
                    end += 1
                } else if wholeElement && pattern[end...].starts(with: [backslash, slash]) {
                    // `**\/`: an escaped slash still ends the element, but then a `/` must follow.
                    steps.append(.anything)
                } else {
                    steps.append(.run)
                }
                i = end
            case UInt8(ascii: "?"):
                steps.append(.anyByte)
                i += 1
            case backslash:
                guard i + 1 < pattern.endIndex else { return nil }
                steps.append(.byte(pattern[i + 1]))
                i += 2
            case UInt8(ascii: "["):
                guard let (set, end) = byteClass(pattern, openingAt: i) else { return nil }
                steps.append(.oneOf(set))
                i = end
            default:
                steps.append(.byte(pattern[i]))
                i += 1
            }
        }
        return steps
    }

    /// `[abc]`, `[a-z]`, `[!…]` or `[^…]`, `[]…]` (a `]` first is itself), `\` escapes, and
    /// `[:alpha:]` and the other POSIX classes (ASCII). Returns the set and the index after the
    /// closing `]`; nil for an unclosed class or an unknown `[:name:]`, which match nothing.
    private static func byteClass(_ pattern: ArraySlice<UInt8>, openingAt start: Int) -> (ByteSet, Int)? {
        var set = ByteSet()
        var i = start + 1
        let negated = i < pattern.endIndex && (pattern[i] == UInt8(ascii: "!") || pattern[i] == UInt8(ascii: "^"))
        if negated { i += 1 }
        var first = true
        // The byte a `-` would start a range from; none at the start and after a range or a class.
        var rangeStart: UInt8?
        while i < pattern.endIndex {
            let byte = pattern[i]
            if byte == UInt8(ascii: "]") && !first { return (set.finished(negated: negated), i + 1) }
            first = false
            if byte == backslash {
                guard i + 1 < pattern.endIndex else { return nil }
                set.insert(pattern[i + 1])
                rangeStart = pattern[i + 1]
                i += 2
            } else if byte == UInt8(ascii: "-"), let lower = rangeStart, i + 1 < pattern.endIndex,
                      pattern[i + 1] != UInt8(ascii: "]") {
                var upper = pattern[i + 1]
                i += 2
                if upper == backslash {
                    guard i < pattern.endIndex else { return nil }
                    upper = pattern[i]
                    i += 1
                }
                if lower <= upper { set.insert(lower...upper) }
                rangeStart = nil
            } else if byte == UInt8(ascii: "["), i + 1 < pattern.endIndex, pattern[i + 1] == UInt8(ascii: ":") {
                guard let close = pattern[(i + 2)...].firstIndex(of: UInt8(ascii: "]")) else { return nil }
                if close > i + 2 && pattern[close - 1] == UInt8(ascii: ":") {
                    guard let members = posixClass(pattern[(i + 2)..<(close - 1)]) else { return nil }
                    for member in UInt8.min...UInt8.max where members(member) { set.insert(member) }
                    rangeStart = nil
                    i = close + 1
                } else {
                    // No `:]` before the `]`: the `[` is itself, and the `:` comes next.
                    set.insert(byte)
                    rangeStart = byte
                    i += 1
                }
            } else {
                set.insert(byte)
                rangeStart = byte
                i += 1
            }
        }
        return nil
    }

    /// The POSIX character classes over ASCII, as git's wildmatch has them (its `isspace` is tab,
    /// newline, carriage return and space).
    private static func posixClass(_ name: ArraySlice<UInt8>) -> ((UInt8) -> Bool)? {
        func isAlpha(_ b: UInt8) -> Bool { (65...90).contains(b) || (97...122).contains(b) }
        func isDigit(_ b: UInt8) -> Bool { (48...57).contains(b) }
        switch String(decoding: name, as: UTF8.self) {
        case "alnum": return { isAlpha($0) || isDigit($0) }
        case "alpha": return isAlpha
        case "blank": return { $0 == 32 || $0 == 9 }
        case "cntrl": return { $0 < 32 || $0 == 127 }
        case "digit": return isDigit
        case "graph": return { (33...126).contains($0) }
        case "lower": return { (97...122).contains($0) }
        case "print": return { (32...126).contains($0) }
        case "punct": return { (33...126).contains($0) && !isAlpha($0) && !isDigit($0) }
        case "space": return { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }
        case "upper": return { (65...90).contains($0) }
        case "xdigit": return { isDigit($0) || (65...70).contains($0) || (97...102).contains($0) }
        default: return nil
        }
    }

    /// The patterns of an ignore file, as git reads `.gitignore`: a UTF-8 byte order mark at the
    /// start is skipped; a line's `\r` before its `\n` goes; blank lines and lines starting with
    /// `#` are skipped; trailing spaces go unless escaped with `\` (`\#`, `\!` and `\ ` are the
    /// escapes that keep a line's meaning).
    static func lines(of contents: [UInt8]) -> [ArraySlice<UInt8>] {
        var text = contents[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        return text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).compactMap { line in
            guard line.first != UInt8(ascii: "#") else { return nil }
            var line = line
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            return withoutTrailingSpaces(line)
        }
    }

    private static func withoutTrailingSpaces(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = line.endIndex
        var i = line.startIndex
        var spacesFrom: Int?
        while i < line.endIndex {
            switch line[i] {
            case UInt8(ascii: " "):
                if spacesFrom == nil { spacesFrom = i }
            case backslash:
                // A `\` at the very end: the line is kept whole (and matches nothing).
                guard i + 1 < line.endIndex else { return line }
                i += 1
                spacesFrom = nil
            default:
                spacesFrom = nil
            }
            i += 1
        }
        if let spacesFrom { end = spacesFrom }
        return line[..<end]
    }
}

private let slash = UInt8(ascii: "/")
private let backslash = UInt8(ascii: "\\")

/// Decides which files and directories of an input tree are left out, as git decides which are
/// ignored (gitignore(5)), with `.gomplateignore` in the place of `.gitignore` and `--exclude` in
/// that of patterns given on git's command line:
/// - `--exclude` patterns come first and are relative to the input directory; then the
///   `.gomplateignore` of the path's own directory, then its parent's, up to the input directory's.
///   The first of these sources with a matching pattern decides, and within one source the last
///   matching pattern; `!` re-includes.
/// - A directory left out leaves out everything below it, whatever the patterns (its own
///   `.gomplateignore` files included) say about those paths.
/// This is also what gomplate does with `--exclude` (its patterns apply after the ignore files
/// and win); gomplate's own matcher (xignore) differs where edpctl follows git instead.
struct IgnoreRules {
    static let fileName = ".gomplateignore"

    /// An ignore file's patterns and the length of the directory its paths are relative to.
    private struct PatternList {
        let patterns: [IgnorePattern]
        /// Bytes of the directory's path ("" for the input directory), without the `/` after it.
        let baseLength: Int
    }

    /// What is known of a directory: whether it is left out, and which pattern lists apply to what
    /// is inside it, deepest first.
    private struct DirectoryState {
        let ignored: Bool
        let lists: [Int]
    }

    /// `paths` are every file and directory under the root, relative to it, in `FileName`'s
    /// spelling; `directories` says which are directories; `ignoreFiles` maps a directory ("" for
    /// the root) to its ignore file's bytes. Returns the ignored files and directories.
    static func ignoredPaths(paths: [String], directories: Set<PathKey>, ignoreFiles: [String: [UInt8]],
                             excludes: [String]) -> Set<PathKey> {
        let commandLine = excludes.compactMap { IgnorePattern($0.utf8) }
        var lists: [PatternList] = []
        var listOfDirectory: [PathKey: Int] = [:]
        for (directory, contents) in ignoreFiles {
            let patterns = IgnorePattern.lines(of: contents).compactMap { IgnorePattern($0) }
            guard !patterns.isEmpty else { continue }
            listOfDirectory[PathKey(directory)] = lists.count
            lists.append(PatternList(patterns: patterns, baseLength: FileName.bytes(of: directory).count))
        }
        if commandLine.isEmpty && lists.isEmpty { return [] }
        var states: [PathKey: DirectoryState] = [:]
        let root = DirectoryState(ignored: false, lists: listOfDirectory[PathKey("")].map { [$0] } ?? [])
        // The path being decided, as bytes; one buffer for all.
        var bytes: [UInt8] = []

        /// The state of `directory`, working out those of its parents first (without recursion:
        /// a tree can be as deep as a path is long).
        func state(of directory: String) -> DirectoryState {
            var pending: [String] = []
            var known = root
            var current = directory
            while !current.isEmpty {
                if let state = states[PathKey(current)] {
                    known = state
                    break
                }
                pending.append(current)
                current = parent(of: current)
            }
            for directory in pending.reversed() {
                let ignored = known.ignored || isIgnored(directory, isDirectory: true, lists: known.lists)
                let own = listOfDirectory[PathKey(directory)].map { [$0] } ?? []
                known = DirectoryState(ignored: ignored, lists: ignored ? [] : own + known.lists)
                states[PathKey(directory)] = known
            }
            return known
        }

        /// The verdict of the first source (command line, then deepest ignore file first) with a
        /// pattern matching `path`, its last such pattern deciding.
        func isIgnored(_ path: String, isDirectory: Bool, lists applying: [Int]) -> Bool {
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: path.utf8)
            return decide(isDirectory: isDirectory, lists: applying)
        }

        /// `isIgnored` for the path in `bytes`, spelled as `FileName` spells it.
        func decide(isDirectory: Bool, lists applying: [Int]) -> Bool {
            if bytes.contains(0) { bytes = FileName.bytes(of: String(decoding: bytes, as: UTF8.self)) }
            let nameStart = (bytes.lastIndex(of: slash) ?? -1) + 1
            if let pattern = commandLine.last(where: { $0.matches(bytes[...], nameStart: nameStart, isDirectory: isDirectory) }) {
                return !pattern.negated
            }
            for index in applying {
                let list = lists[index]
                let relative = bytes[(list.baseLength == 0 ? 0 : list.baseLength + 1)...]
                if let pattern = list.patterns.last(where: { $0.matches(relative, nameStart: nameStart, isDirectory: isDirectory) }) {
                    return !pattern.negated
                }
            }
            return false
        }

        var ignored: Set<PathKey> = []
        // The listing gives a folder's entries one after another: their folder's state is kept at hand.
        var folder: [UInt8] = []
        var inside = root
        for path in paths {
            let key = PathKey(path)
            if directories.contains(key) {
                if state(of: path).ignored { ignored.insert(key) }
                continue
            }
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: path.utf8)
            let folderLength = bytes.lastIndex(of: slash) ?? 0
            if folderLength != folder.count || !bytes.starts(with: folder) {
                folder = Array(bytes[..<folderLength])
                inside = state(of: String(decoding: folder, as: UTF8.self))
                bytes.removeAll(keepingCapacity: true)
                bytes.append(contentsOf: path.utf8)
            }
            if inside.ignored || decide(isDirectory: false, lists: inside.lists) { ignored.insert(key) }
        }
        return ignored
    }

    /// "" for a path at the top.
    private static func parent(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: slash) else { return "" }
        return String(path[..<slash])
    }
}
