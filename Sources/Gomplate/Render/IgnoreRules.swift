import Template
/// One line of a `.gomplateignore` or one `--exclude`, as gomplate's ignore library (xignore) reads
/// it: a glob that matches a path relative to the ignore file's directory, or, when it has no `/`
/// but a leading one, the last element of the path at any depth. `*` and `?` stop at `/`, `**`
/// crosses directories, `[…]` is a class, `\` escapes; `!` re-includes.
struct IgnorePattern {
    private enum Token: Equatable {
        case literal(Unicode.Scalar)
        case anyRun                 // *
        case anyOne                 // ?
        case anyDirectories         // **/ in the middle: zero or more whole directories
        case anything               // ** at the end
        case characterClass(ClassSet)
    }

    private struct ClassSet: Equatable {
        var negated = false
        var ranges: [ClosedRange<UInt32>] = []
        func contains(_ scalar: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(scalar.value) } != negated
        }
    }

    let reincludes: Bool
    /// xignore's regular expression accepts an optional leading `/` unless the pattern starts with one.
    private let anchored: Bool
    private let tokens: [Token]

    /// nil for a blank line or a lone `!`, which match nothing.
    init?(_ text: String) {
        var body = Substring(text)
        reincludes = body.hasPrefix("!")
        if reincludes { body = body.dropFirst() }
        guard !body.isEmpty else { return nil }
        anchored = body.hasPrefix("/")
        tokens = Self.tokens(of: Array(body.unicodeScalars))
    }

    /// Whether the pattern matches `path` (relative, no leading `/`).
    func matches(_ path: String) -> Bool {
        let rooted = Array(("/" + path).unicodeScalars)
        if matchesWhole(rooted) { return true }
        // By scalars: a combining mark after a `/` makes one Character of both.
        let base = rooted.split(separator: "/").last.map(Array.init) ?? []
        return matchesWhole(base)
    }

    private func matchesWhole(_ subject: [Unicode.Scalar]) -> Bool {
        if match(tokens[...], subject[...]) { return true }
        // `/?` in front: an unanchored pattern also matches the path without its leading slash.
        if !anchored, subject.first == "/" { return match(tokens[...], subject.dropFirst()) }
        return false
    }

    private func match(_ tokens: ArraySlice<Token>, _ subject: ArraySlice<Unicode.Scalar>) -> Bool {
        // One level per token, however long the pattern's line.
        if StackGuard.isNearlyExhausted { return StackGuard.onFreshStack { match(tokens, subject) } }
        guard let token = tokens.first else { return subject.isEmpty }
        let rest = tokens.dropFirst()
        switch token {
        case .literal(let scalar):
            return subject.first == scalar && match(rest, subject.dropFirst())
        case .anyOne:
            guard let first = subject.first, first != "/" else { return false }
            return match(rest, subject.dropFirst())
        case .characterClass(let set):
            guard let first = subject.first, set.contains(first) else { return false }
            return match(rest, subject.dropFirst())
        case .anyRun:
            var remaining = subject
            while true {
                if match(rest, remaining) { return true }
                guard let first = remaining.first, first != "/" else { return false }
                remaining = remaining.dropFirst()
            }
        case .anything:
            return match(rest, subject[subject.endIndex...]) || rest.isEmpty
        case .anyDirectories:
            // `(.*/)?`: nothing, or anything up to and including some `/`.
            if match(rest, subject) { return true }
            var index = subject.startIndex
            while index < subject.endIndex {
                if subject[index] == "/", match(rest, subject[(index + 1)...]) { return true }
                index += 1
            }
            return false
        }
    }

    private static func tokens(of scalars: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            switch c {
            case "*":
                if i + 1 < scalars.count && scalars[i + 1] == "*" {
                    i += 2
                    if i < scalars.count && scalars[i] == "/" { i += 1 }
                    tokens.append(i >= scalars.count ? .anything : .anyDirectories)
                    continue
                }
                tokens.append(.anyRun)
            case "?":
                tokens.append(.anyOne)
            case "\\":
                if i + 1 < scalars.count {
                    i += 1
                    tokens.append(.literal(scalars[i]))
                } else {
                    tokens.append(.literal("\\"))
                }
            case "[":
                if let (set, end) = characterClass(scalars, from: i) {
                    tokens.append(.characterClass(set))
                    i = end
                } else {
                    tokens.append(.literal(c))
                }
            default:
                tokens.append(.literal(c))
            }
            i += 1
        }
        return tokens
    }

    /// `[abc]`, `[a-z]`, `[^…]` (regular-expression syntax, as xignore hands the class to Go's
    /// regexp); returns the set and the index of the closing `]`.
    private static func characterClass(_ scalars: [Unicode.Scalar], from start: Int) -> (ClassSet, Int)? {
        var set = ClassSet()
        var i = start + 1
        if i < scalars.count && scalars[i] == "^" {
            set.negated = true
            i += 1
        }
        var first = true
        while i < scalars.count {
            var c = scalars[i]
            if c == "]" && !first { return (set, i) }
            first = false
            if c == "\\" && i + 1 < scalars.count {
                i += 1
                c = scalars[i]
            }
            if i + 2 < scalars.count && scalars[i + 1] == "-" && scalars[i + 2] != "]" {
                let upper = scalars[i + 2]
                if c.value <= upper.value { set.ranges.append(c.value...upper.value) }
                i += 3
            } else {
                set.ranges.append(c.value...c.value)
                i += 1
            }
        }
        return nil
    }
}

/// Decides which files of an input tree gomplate leaves out, from the `.gomplateignore` files in the
/// tree (each applying to its own directory, deeper ones overriding) and the `--exclude` globs,
/// which apply last, from the root. Ported from the behaviour of gomplate's xignore fork.
struct IgnoreRules {
    static let fileName = ".gomplateignore"

    /// `paths` are every file and directory under the root, relative to it; `directories` says
    /// which are directories; `ignoreFiles` maps a directory ("" for the root) to its ignore file's
    /// lines. Returns the set of ignored paths. Paths are told apart by their bytes, as the file
    /// system tells names apart (see `PathKey`).
    static func ignoredPaths(paths: [String], directories: Set<PathKey>, ignoreFiles: [String: [String]],
                             excludes: [String]) -> Set<PathKey> {
        var ignored: [PathKey: Bool] = [:]
        // Shallow ignore files first, so deeper ones have the last word on their own subtree.
        let ordered = ignoreFiles.keys.sorted { depth($0) < depth($1) || depth($0) == depth($1) && $0 < $1 }
        for directory in ordered {
            let patterns = (ignoreFiles[directory] ?? []).compactMap(Self.patternLine).compactMap(IgnorePattern.init)
            let prefix = directory.isEmpty ? "" : directory + "/"
            let inside = directory.isEmpty ? paths : paths.filter { $0.utf8.starts(with: prefix.utf8) }
            let relative = inside.map { String(decoding: $0.utf8.dropFirst(prefix.utf8.count), as: UTF8.self) }
            let decisions = apply(patterns, to: relative, directories: directories, prefix: prefix)
            for (path, value) in decisions { ignored[PathKey(prefix + path.path)] = value }
        }
        let afterPatterns = excludes.compactMap(IgnorePattern.init)
        for (path, value) in apply(afterPatterns, to: paths, directories: directories, prefix: "") {
            ignored[path] = value
        }
        return Set(ignored.filter { $0.value }.keys)
    }

    /// xignore's reading of an ignore-file line: `#` starts a comment line, trailing blanks go,
    /// leading ones stay (they are part of the name).
    private static func patternLine(_ line: String) -> String? {
        if line.hasPrefix("#") { return nil }
        var text = Substring(line)
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text.isEmpty ? nil : String(text)
    }

    private static func depth(_ directory: String) -> Int {
        directory.isEmpty ? 0 : directory.split(separator: "/").count
    }

    /// One ignore file's patterns over the paths below it: what a pattern names directly counts
    /// more than what it reaches through a matched directory, and within each kind later lines win.
    private static func apply(_ patterns: [IgnorePattern], to paths: [String], directories: Set<PathKey>,
                              prefix: String) -> [PathKey: Bool] {
        var direct: [PathKey: Bool] = [:]
        var directoryRules: [(directory: String, ignore: Bool)] = []
        for pattern in patterns {
            for path in paths where pattern.matches(path) {
                direct[PathKey(path)] = !pattern.reincludes
                if directories.contains(PathKey(prefix + path)) {
                    directoryRules.append((path + "/", !pattern.reincludes))
                }
            }
        }
        var inherited: [PathKey: Bool] = [:]
        for rule in directoryRules {
            for path in paths where path.utf8.starts(with: rule.directory.utf8) {
                inherited[PathKey(path)] = rule.ignore
            }
        }
        return inherited.merging(direct) { _, directValue in directValue }
    }
}
