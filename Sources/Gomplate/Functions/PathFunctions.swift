import Template
extension FunctionTable {
    /// gomplate's `path` (Go's slash-separated `path`) and `filepath` (Go's `path/filepath` on a
    /// Unix host, where the two agree except for `Rel`, the slash conversions and volume names).
    mutating func addPathFunctions() {
        for namespace in ["path", "filepath"] {
            add(TemplateFunction("Base", arguments: 1, reads: []) { args, _ in .string(GoPath.base(try args[0].gomplateString())) },
                as: "\(namespace).Base")
            add(TemplateFunction("Clean", arguments: 1, reads: []) { args, _ in .string(GoPath.clean(try args[0].gomplateString())) },
                as: "\(namespace).Clean")
            add(TemplateFunction("Dir", arguments: 1, reads: []) { args, _ in .string(GoPath.dir(try args[0].gomplateString())) },
                as: "\(namespace).Dir")
            add(TemplateFunction("Ext", arguments: 1, reads: []) { args, _ in .string(GoPath.ext(try args[0].gomplateString())) },
                as: "\(namespace).Ext")
            add(TemplateFunction("IsAbs", arguments: 1, reads: []) { args, _ in .bool((try args[0].gomplateString()).hasPrefix("/")) },
                as: "\(namespace).IsAbs")
            add(TemplateFunction("Join", atLeast: 0, reads: []) { args, _ in
                .string(GoPath.join(try gomplateStrings(args)))
            }, as: "\(namespace).Join")
            add(TemplateFunction("Match", arguments: 2, reads: []) { args, _ in
                .bool(try GoPath.match(pattern: try args[0].gomplateString(), name: try args[1].gomplateString()))
            }, as: "\(namespace).Match")
            add(TemplateFunction("Split", arguments: 1, reads: []) { args, _ in
                let (dir, file) = GoPath.split(try args[0].gomplateString())
                return .list([.string(dir), .string(file)])
            }, as: "\(namespace).Split")
        }
        // Unix has one separator and no volumes, so these hand their input back.
        add(TemplateFunction("FromSlash", arguments: 1, reads: []) { args, _ in .string(try args[0].gomplateString()) },
            as: "filepath.FromSlash")
        add(TemplateFunction("ToSlash", arguments: 1, reads: []) { args, _ in .string(try args[0].gomplateString()) },
            as: "filepath.ToSlash")
        add(TemplateFunction("VolumeName", arguments: 1, reads: []) { _, _ in .string("") }, as: "filepath.VolumeName")
        add(TemplateFunction("Rel", arguments: 2, reads: []) { args, _ in
            .string(try GoPath.relative(base: try args[0].gomplateString(), target: try args[1].gomplateString()))
        }, as: "filepath.Rel")
    }
}

/// Go's `path` package, byte for byte (paths are bytes to Go, so this works on UTF-8).
enum GoPath {
    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")

    /// Lexical cleaning: one slash between elements, no `.` elements, `..` folded into the element
    /// before it, `..` at the root dropped; "" becomes ".".
    static func clean(_ path: String) -> String {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty else { return "." }
        let rooted = bytes[0] == slash
        let count = bytes.count
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var read = 0
        var dotdot = 0
        if rooted {
            out.append(slash)
            read = 1
            dotdot = 1
        }
        while read < count {
            if bytes[read] == slash {
                read += 1
            } else if bytes[read] == dot, read + 1 == count || bytes[read + 1] == slash {
                read += 1
            } else if bytes[read] == dot, bytes[read + 1] == dot, read + 2 == count || bytes[read + 2] == slash {
                read += 2
                if out.count > dotdot {
                    // Back up to the slash before the last element (or to the `..` floor) and cut there.
                    var cut = out.count - 1
                    while cut > dotdot, out[cut] != slash { cut -= 1 }
                    out.removeSubrange(cut...)
                } else if !rooted {
                    if !out.isEmpty { out.append(slash) }
                    out += [dot, dot]
                    dotdot = out.count
                }
            } else {
                if (rooted && out.count != 1) || (!rooted && !out.isEmpty) { out.append(slash) }
                while read < count, bytes[read] != slash {
                    out.append(bytes[read])
                    read += 1
                }
            }
        }
        return out.isEmpty ? "." : String(decoding: out, as: UTF8.self)
    }

    /// Everything up to and including the last slash, and the rest.
    static func split(_ path: String) -> (String, String) {
        let bytes = Array(path.utf8)
        guard let last = bytes.lastIndex(of: slash) else { return ("", path) }
        return (String(decoding: bytes[...last], as: UTF8.self), String(decoding: bytes[(last + 1)...], as: UTF8.self))
    }

    static func join(_ elements: [String]) -> String {
        let nonEmpty = elements.drop { $0.isEmpty }
        guard !nonEmpty.isEmpty else { return "" }
        return clean(nonEmpty.joined(separator: "/"))
    }

    static func ext(_ path: String) -> String {
        let bytes = Array(path.utf8)
        var index = bytes.count - 1
        while index >= 0, bytes[index] != slash {
            if bytes[index] == dot { return String(decoding: bytes[index...], as: UTF8.self) }
            index -= 1
        }
        return ""
    }

    static func base(_ path: String) -> String {
        guard !path.isEmpty else { return "." }
        var bytes = Array(path.utf8)
        while bytes.last == slash { bytes.removeLast() }
        if let last = bytes.lastIndex(of: slash) { bytes = Array(bytes[(last + 1)...]) }
        return bytes.isEmpty ? "/" : String(decoding: bytes, as: UTF8.self)
    }

    static func dir(_ path: String) -> String {
        clean(split(path).0)
    }

    /// Go's `filepath.Rel` on Unix: a path that, joined to `base`, names `target`.
    static func relative(base basePath: String, target targetPath: String) throws -> String {
        let cannot = FunctionError("Rel: can't make \(targetPath) relative to \(basePath)")
        var base = Array(clean(basePath).utf8)
        let target = Array(clean(targetPath).utf8)
        if base == target { return "." }
        if base == [dot] { base = [] }
        if (base.first == slash) != (target.first == slash) { throw cannot }
        let baseLength = base.count
        let targetLength = target.count
        var baseStart = 0, baseEnd = 0, targetStart = 0, targetEnd = 0
        while true {
            while baseEnd < baseLength, base[baseEnd] != slash { baseEnd += 1 }
            while targetEnd < targetLength, target[targetEnd] != slash { targetEnd += 1 }
            if target[targetStart..<targetEnd] != base[baseStart..<baseEnd] { break }
            if baseEnd < baseLength { baseEnd += 1 }
            if targetEnd < targetLength { targetEnd += 1 }
            baseStart = baseEnd
            targetStart = targetEnd
        }
        if base[baseStart..<baseEnd] == [dot, dot][...] { throw cannot }
        if baseStart != baseLength {
            // Elements of base remain: climb out of each before descending into target.
            let separators = base[baseStart..<baseLength].filter { $0 == slash }.count
            var out = [dot, dot]
            for _ in 0..<separators { out += [slash, dot, dot] }
            if targetStart != targetLength { out += [slash] + target[targetStart...] }
            return String(decoding: out, as: UTF8.self)
        }
        return String(decoding: target[targetStart...], as: UTF8.self)
    }

    /// Go's `path.Match`: `*` (not across `/`), `?`, `[class]` with ranges and `^`, `\` escapes.
    /// A malformed pattern is an error, even when an earlier part already failed to match.
    static func match(pattern patternText: String, name nameText: String) throws -> Bool {
        var pattern = Array(patternText.utf8)[...]
        var name = Array(nameText.utf8)[...]
        patternLoop: while !pattern.isEmpty {
            let (star, chunk, rest) = scanChunk(pattern)
            pattern = rest
            if star && chunk.isEmpty {
                return !name.contains(slash)
            }
            let attempt = try matchChunk(chunk, name)
            if let remaining = attempt, remaining.isEmpty || !pattern.isEmpty {
                name = remaining
                continue
            }
            if star {
                var index = name.startIndex
                while index < name.endIndex, name[index] != slash {
                    if let remaining = try matchChunk(chunk, name[(index + 1)...]) {
                        if pattern.isEmpty && !remaining.isEmpty {
                            index += 1
                            continue
                        }
                        name = remaining
                        continue patternLoop
                    }
                    index += 1
                }
            }
            while !pattern.isEmpty {
                let (_, chunk, rest) = scanChunk(pattern)
                pattern = rest
                _ = try matchChunk(chunk, [][...])
            }
            return false
        }
        return name.isEmpty
    }

    private static let badPattern = FunctionError("syntax error in pattern")

    private static func scanChunk(_ input: ArraySlice<UInt8>) -> (Bool, ArraySlice<UInt8>, ArraySlice<UInt8>) {
        var pattern = input
        var star = false
        while pattern.first == UInt8(ascii: "*") {
            pattern = pattern.dropFirst()
            star = true
        }
        var inRange = false
        var index = pattern.startIndex
        scan: while index < pattern.endIndex {
            switch pattern[index] {
            case UInt8(ascii: "\\"):
                if index + 1 < pattern.endIndex { index += 1 }
            case UInt8(ascii: "["):
                inRange = true
            case UInt8(ascii: "]"):
                inRange = false
            case UInt8(ascii: "*"):
                if !inRange { break scan }
            default:
                break
            }
            index += 1
        }
        return (star, pattern[..<index], pattern[index...])
    }

    /// Matches `chunk` at the start of `input`: the rest of the input, nil when it doesn't match.
    private static func matchChunk(_ chunkInput: ArraySlice<UInt8>, _ input: ArraySlice<UInt8>) throws -> ArraySlice<UInt8>? {
        var chunk = chunkInput
        var text = input
        var failed = false
        while let head = chunk.first {
            if !failed && text.isEmpty { failed = true }
            switch head {
            case UInt8(ascii: "["):
                var scalar: UInt32 = 0
                if !failed {
                    let (decoded, width) = decodeRune(text)
                    scalar = decoded
                    text = text.dropFirst(width)
                }
                chunk = chunk.dropFirst()
                var negated = false
                if chunk.first == UInt8(ascii: "^") {
                    negated = true
                    chunk = chunk.dropFirst()
                }
                var matched = false
                var ranges = 0
                while true {
                    if chunk.first == UInt8(ascii: "]"), ranges > 0 {
                        chunk = chunk.dropFirst()
                        break
                    }
                    let low = try escapedRune(&chunk)
                    var high = low
                    if chunk.first == UInt8(ascii: "-") {
                        chunk = chunk.dropFirst()
                        high = try escapedRune(&chunk)
                    }
                    if low <= scalar && scalar <= high { matched = true }
                    ranges += 1
                }
                if matched == negated { failed = true }
            case UInt8(ascii: "?"):
                if !failed {
                    if text.first == slash { failed = true }
                    text = text.dropFirst(decodeRune(text).1)
                }
                chunk = chunk.dropFirst()
            default:
                if head == UInt8(ascii: "\\") {
                    chunk = chunk.dropFirst()
                    if chunk.isEmpty { throw badPattern }
                }
                if !failed {
                    if chunk.first != text.first { failed = true }
                    text = text.dropFirst()
                }
                chunk = chunk.dropFirst()
            }
        }
        return failed ? nil : text
    }

    /// One character of a class, after an optional `\`; a class must not end right after it.
    private static func escapedRune(_ chunk: inout ArraySlice<UInt8>) throws -> UInt32 {
        guard let first = chunk.first, first != UInt8(ascii: "-"), first != UInt8(ascii: "]") else { throw badPattern }
        if first == UInt8(ascii: "\\") {
            chunk = chunk.dropFirst()
            if chunk.isEmpty { throw badPattern }
        }
        let (scalar, width) = decodeRune(chunk)
        chunk = chunk.dropFirst(width)
        if scalar == 0xFFFD && width == 1 { throw badPattern }
        if chunk.isEmpty { throw badPattern }
        return scalar
    }

    /// Go's `utf8.DecodeRune`: the scalar and its width; an invalid byte is U+FFFD of width 1.
    private static func decodeRune(_ bytes: ArraySlice<UInt8>) -> (UInt32, Int) {
        guard let first = bytes.first else { return (0xFFFD, 0) }
        if first < 0x80 { return (UInt32(first), 1) }
        let width: Int
        switch first {
        case 0xC2...0xDF: width = 2
        case 0xE0...0xEF: width = 3
        case 0xF0...0xF4: width = 4
        default: return (0xFFFD, 1)
        }
        guard bytes.count >= width else { return (0xFFFD, 1) }
        var decoder = UTF8()
        var iterator = bytes.prefix(width).makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return (scalar.value, width) }
        return (0xFFFD, 1)
    }
}
