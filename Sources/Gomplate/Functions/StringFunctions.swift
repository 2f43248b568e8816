import Template
/// gomplate's `strings` namespace. The subject comes last so pipelines work (`"x" | strings.Repeat 3`).
/// Besides v5's aliases, the bare v3 aliases with Go's argument order (`contains`, `hasPrefix`,
/// `hasSuffix`, `split`, `splitN`, `trim`) are kept: v5 dropped them, but EDP templates written for
/// older gomplate still call them.
extension FunctionTable {
    mutating func addStringFunctions() {
        addLegacyStringAliases()
        addStringTests()
        addStringEdits()
        addStringCasing()
        addStringQuoting()
        addStringLayout()
    }

    /// gomplate v3's `contains "foobar" "foo"`: the subject first, as in Go's strings package.
    private mutating func addLegacyStringAliases() {
        add(TemplateFunction("contains", arguments: 2, reads: []) { args, _ in
            .bool(GoStrings.contains(try TypedArgument.string(args[0]), try TypedArgument.string(args[1])))
        }, as: "contains")
        add(TemplateFunction("hasPrefix", arguments: 2, reads: []) { args, _ in
            .bool(GoStrings.hasPrefix(try TypedArgument.string(args[0]), try TypedArgument.string(args[1])))
        }, as: "hasPrefix")
        add(TemplateFunction("hasSuffix", arguments: 2, reads: []) { args, _ in
            .bool(GoStrings.hasSuffix(try TypedArgument.string(args[0]), try TypedArgument.string(args[1])))
        }, as: "hasSuffix")
        add(TemplateFunction("split", arguments: 2, reads: []) { args, _ in
            let parts = GoStrings.split(try TypedArgument.string(args[0]), separator: try TypedArgument.string(args[1]))
            return .list(parts.map(Value.string))
        }, as: "split")
        add(TemplateFunction("splitN", arguments: 3, reads: []) { args, _ in
            let parts = GoStrings.split(try TypedArgument.string(args[0]), separator: try TypedArgument.string(args[1]),
                                        limit: try TypedArgument.int(args[2]))
            return .list(parts.map(Value.string))
        }, as: "splitN")
        add(TemplateFunction("trim", arguments: 2, reads: []) { args, _ in
            .string(GoStrings.trim(try TypedArgument.string(args[0]), cutset: try TypedArgument.string(args[1])))
        }, as: "trim")
    }

    private mutating func addStringTests() {
        add(TemplateFunction("Contains", arguments: 2, reads: []) { args, _ in
            .bool(GoStrings.contains(try args[1].gomplateString(), try TypedArgument.string(args[0])))
        }, as: "strings.Contains")
        add(TemplateFunction("HasPrefix", arguments: 2, reads: []) { args, _ in
            .bool(GoStrings.hasPrefix(try args[1].gomplateString(), try TypedArgument.string(args[0])))
        }, as: "strings.HasPrefix")
        add(TemplateFunction("HasSuffix", arguments: 2, reads: []) { args, _ in
            .bool(GoStrings.hasSuffix(try args[1].gomplateString(), try TypedArgument.string(args[0])))
        }, as: "strings.HasSuffix")
        add(TemplateFunction("RuneCount", atLeast: 0, reads: []) { args, _ in
            .int(try gomplateStrings(args).reduce(0) { $0 + $1.unicodeScalars.count })
        }, as: "strings.RuneCount")
    }

    private mutating func addStringEdits() {
        add(TemplateFunction("ReplaceAll", arguments: 3, reads: []) { args, _ in
            let old = try TypedArgument.string(args[0])
            let new = try TypedArgument.string(args[1])
            let text = try args[2].gomplateString()
            if new.utf8.count > old.utf8.count {
                let growth = WorkLimits.product(GoStrings.count(text, old), new.utf8.count - old.utf8.count)
                try WorkLimits.checkString(bytes: WorkLimits.sum(growth, text.utf8.count))
            }
            return .string(GoStrings.replaceAll(text, old, with: new))
        }, as: "strings.ReplaceAll", "replaceAll")
        add(TemplateFunction("Repeat", arguments: 2, reads: []) { args, _ in
            let count = try TypedArgument.int(args[0])
            let text = try args[1].gomplateString()
            if count < 0 { throw FunctionError("negative count \(count)") }
            guard let total = WorkLimits.product(text.utf8.count, count) else {
                throw FunctionError("count \(count) too long: causes overflow")
            }
            try WorkLimits.checkString(bytes: total)
            // Repeating "" a huge number of times is "", and must not loop that many times.
            return .string(total == 0 ? "" : String(repeating: text, count: count))
        }, as: "strings.Repeat")
        add(TemplateFunction("Split", arguments: 2, reads: []) { args, _ in
            let separator = try TypedArgument.string(args[0])
            return .list(GoStrings.split(try args[1].gomplateString(), separator: separator).map(Value.string))
        }, as: "strings.Split")
        add(TemplateFunction("SplitN", arguments: 3, reads: []) { args, _ in
            let separator = try TypedArgument.string(args[0])
            let limit = try TypedArgument.int(args[1])
            return .list(GoStrings.split(try args[2].gomplateString(), separator: separator, limit: limit).map(Value.string))
        }, as: "strings.SplitN")
        add(TemplateFunction("SkipLines", arguments: 2, reads: []) { args, _ in
            let skip = try TypedArgument.int(args[0])
            let text = try TypedArgument.string(args[1])
            if skip < 0 { throw FunctionError("skip must be >= 0") }
            if skip == 0 { return .string(text) }
            // Go's `skip+1` wraps to a negative limit, which splits at every line break.
            let lines = GoStrings.split(text, separator: "\n", limit: skip &+ 1)
            return .string(skip >= lines.count ? "" : lines[skip])
        }, as: "strings.SkipLines")
        add(TemplateFunction("Trim", arguments: 2, reads: []) { args, _ in
            .string(GoStrings.trim(try args[1].gomplateString(), cutset: try TypedArgument.string(args[0])))
        }, as: "strings.Trim")
        add(TemplateFunction("TrimLeft", arguments: 2, reads: []) { args, _ in
            .string(GoStrings.trim(try args[1].gomplateString(), cutset: try TypedArgument.string(args[0]), right: false))
        }, as: "strings.TrimLeft")
        add(TemplateFunction("TrimRight", arguments: 2, reads: []) { args, _ in
            .string(GoStrings.trim(try args[1].gomplateString(), cutset: try TypedArgument.string(args[0]), left: false))
        }, as: "strings.TrimRight")
        add(TemplateFunction("TrimPrefix", arguments: 2, reads: []) { args, _ in
            let prefix = try TypedArgument.string(args[0])
            let text = try args[1].gomplateString()
            guard GoStrings.hasPrefix(text, prefix) else { return .string(text) }
            return .string(String(decoding: text.utf8.dropFirst(prefix.utf8.count), as: UTF8.self))
        }, as: "strings.TrimPrefix")
        add(TemplateFunction("TrimSuffix", arguments: 2, reads: []) { args, _ in
            let suffix = try TypedArgument.string(args[0])
            let text = try args[1].gomplateString()
            guard GoStrings.hasSuffix(text, suffix) else { return .string(text) }
            return .string(String(decoding: text.utf8.dropLast(suffix.utf8.count), as: UTF8.self))
        }, as: "strings.TrimSuffix")
        add(TemplateFunction("TrimSpace", arguments: 1, reads: []) { args, _ in
            .string(GoStrings.trimSpace(try args[0].gomplateString()))
        }, as: "strings.TrimSpace", "trimSpace")
        add(TemplateFunction("Trunc", arguments: 2, reads: []) { args, _ in
            let length = try TypedArgument.int(args[0])
            let text = try args[1].gomplateString()
            if length < 0 || text.utf8.count <= length { return .string(text) }
            return .string(GoStrings.slice(text, 0, length))
        }, as: "strings.Trunc")
        add(TemplateFunction("Sort", arguments: 1, reads: []) { args, _ in
            guard case .list(let list) = args[0] else {
                throw FunctionError("wrong type for value; expected []string; got \(args[0].goTypeName)")
            }
            return .list(try gomplateStrings(list).sorted(by: goStringLess).map(Value.string))
        }, as: "strings.Sort")
    }

    private mutating func addStringCasing() {
        add(TemplateFunction("Title", arguments: 1, reads: []) { args, _ in
            .string(TextCases.title(try args[0].gomplateString(), lowerRest: false))
        }, as: "strings.Title", "title")
        add(TemplateFunction("ToUpper", arguments: 1, reads: []) { args, _ in
            .string(TextCases.upper(try args[0].gomplateString()))
        }, as: "strings.ToUpper", "toUpper")
        add(TemplateFunction("ToLower", arguments: 1, reads: []) { args, _ in
            .string(TextCases.lower(try args[0].gomplateString()))
        }, as: "strings.ToLower", "toLower")
        add(TemplateFunction("CamelCase", arguments: 1, reads: []) { args, _ in
            .string(try GomplateCase.camel(try args[0].gomplateString()))
        }, as: "strings.CamelCase")
        add(TemplateFunction("SnakeCase", arguments: 1, reads: []) { args, _ in
            .string(try GomplateCase.snake(try args[0].gomplateString()))
        }, as: "strings.SnakeCase")
        add(TemplateFunction("KebabCase", arguments: 1, reads: []) { args, _ in
            .string(try GomplateCase.kebab(try args[0].gomplateString()))
        }, as: "strings.KebabCase")
        add(TemplateFunction("Slug", arguments: 1, reads: []) { args, _ in
            .string(Slug.make(try args[0].gomplateString()))
        }, as: "strings.Slug")
    }

    private mutating func addStringQuoting() {
        add(TemplateFunction("Quote", arguments: 1, reads: []) { args, _ in
            .string(goQuote(try args[0].gomplateString()))
        }, as: "strings.Quote", "quote")
        add(TemplateFunction("Squote", arguments: 1, reads: []) { args, _ in
            .string("'" + GoStrings.replaceAll(try args[0].gomplateString(), "'", with: "''") + "'")
        }, as: "strings.Squote", "squote")
        // gomplate quotes a slice element by element; it means to quote each element's text (for
        // `[]any` it actually prints `<interface {} Value>`, a bug this does not copy).
        add(TemplateFunction("ShellQuote", arguments: 1, reads: []) { args, _ in
            if let elements = args[0].goSliceElements {
                return .string(try gomplateStrings(elements).map(shellQuoted).joined(separator: " "))
            }
            return .string(shellQuoted(try args[0].gomplateString()))
        }, as: "strings.ShellQuote", "shellQuote")
    }

    private mutating func addStringLayout() {
        add(TemplateFunction("Abbrev", atLeast: 0, reads: []) { args, _ in
            let offset: Int
            let width: Int
            switch args.count {
            case 2: (offset, width) = (0, try convertedInt(args[0], "width"))
            case 3: (offset, width) = (try convertedInt(args[0], "offset"), try convertedInt(args[1], "width"))
            default: throw FunctionError("abbrev requires a 'width' and 'input' argument")
            }
            let text = try args[args.count - 1].gomplateString()
            if text.utf8.count <= width { return .string(text) }
            return .string(try abbreviate(text, offset: offset, maxWidth: width))
        }, as: "strings.Abbrev")
        add(TemplateFunction("Indent", atLeast: 0, reads: []) { args, _ in
            var indent = " "
            var width = 1
            switch args.count {
            case 0:
                throw FunctionError("expected at least 1 argument")
            case 2:
                switch args[0] {
                case .string(let s): indent = s
                case .int(let w): width = w
                default: throw FunctionError("invalid arguments")
                }
            case 3:
                guard case .int(let w) = args[0], case .string(let s) = args[1] else {
                    throw FunctionError("invalid arguments")
                }
                (width, indent) = (w, s)
            default:
                break
            }
            return .string(try indented(try args[args.count - 1].gomplateString(), width: width, indent: indent))
        }, as: "strings.Indent", "indent")
        add(TemplateFunction("WordWrap", atLeast: 0, reads: []) { args, _ in
            guard (1...3).contains(args.count) else {
                throw FunctionError("expected 1, 2, or 3 args, got \(args.count)")
            }
            var width = 0
            var lineBreak = ""
            if args.count == 2 {
                if case .string(let s) = args[0] { lineBreak = s } else { width = try wrapWidth(args[0]) }
            } else if args.count == 3 {
                width = try wrapWidth(args[0])
                lineBreak = try args[1].gomplateString()
            }
            return .string(try wordWrapped(try args[args.count - 1].gomplateString(),
                                       width: width == 0 ? 80 : width, lineBreak: lineBreak.isEmpty ? "\n" : lineBreak))
        }, as: "strings.WordWrap")
    }
}

private func shellQuoted(_ s: String) -> String {
    "'" + GoStrings.replaceAll(s, "'", with: "'\"'\"'") + "'"
}

/// gomplate's `strings.Indent`: prefix every non-empty line with `indent` repeated `width` times.
private func indented(_ text: String, width: Int, indent: String) throws -> String {
    if width <= 0 { throw FunctionError("width must be > 0") }
    if indent.contains("\n") { throw FunctionError("indent must not contain '\\n'") }
    let lineCount = text.utf8.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    let prefixBytes = WorkLimits.product(indent.utf8.count, width)
    try WorkLimits.checkString(bytes: WorkLimits.sum(prefixBytes.flatMap { WorkLimits.product($0, lineCount) },
                                                             text.utf8.count))
    let prefix = indent.isEmpty ? [] : Array(String(repeating: indent, count: width).utf8)
    var out: [UInt8] = []
    var atLineStart = true
    for byte in text.utf8 {
        if atLineStart, byte != 0x0A { out += prefix }
        out.append(byte)
        atLineStart = byte == 0x0A
    }
    return String(decoding: out, as: UTF8.self)
}

/// `conv.ToInt` of a numeric argument of `strings.Abbrev`, with its error wrapped as gomplate does.
private func convertedInt(_ value: Value, _ role: String) throws -> Int {
    do {
        return try value.gomplateStrictInt()
    } catch let error as FunctionError {
        throw FunctionError("\(role) must be an integer: \(error.message)")
    }
}

/// The width argument of `strings.WordWrap`: gomplate stores it in a uint32.
private func wrapWidth(_ value: Value) throws -> Int {
    do {
        return Int(UInt32(truncatingIfNeeded: try value.gomplateStrictInt()))
    } catch let error as FunctionError {
        throw FunctionError("expected width to be a number: \(error.message)")
    }
}

/// Masterminds/goutils `WrapCustom` without wrapping long words: break at the last space that
/// keeps a line within `width` bytes; a longer word runs on to the next space.
private func wordWrapped(_ text: String, width: Int, lineBreak: String) throws -> String {
    let bytes = Array(text.utf8)
    if bytes.isEmpty { return "" }
    let breakBytes = Array(lineBreak.utf8)
    let space = UInt8(ascii: " ")
    var out: [UInt8] = []
    var offset = 0
    while bytes.count - offset > width {
        if bytes[offset] == space {
            offset += 1
            continue
        }
        let end = width + offset + 1
        try WorkLimits.checkString(bytes: out.count + breakBytes.count)
        if let spaceAt = bytes[offset..<end].lastIndex(of: space) {
            out += bytes[offset..<spaceAt] + breakBytes
            offset = spaceAt + 1
        } else if let spaceAt = bytes[(width + offset)...].firstIndex(of: space) {
            out += bytes[offset..<spaceAt] + breakBytes
            offset = spaceAt + 1
        } else {
            out += bytes[offset...]
            offset = bytes.count
        }
    }
    out += bytes[offset...]
    return String(decoding: out, as: UTF8.self)
}

/// Masterminds/goutils `AbbreviateFull`, on bytes as Go's strings are.
private func abbreviate(_ text: String, offset requested: Int, maxWidth: Int) throws -> String {
    let length = text.utf8.count
    if length == 0 { return "" }
    if maxWidth < 4 { throw FunctionError("stringutils illegal argument: Minimum abbreviation width is 4") }
    if length <= maxWidth { return text }
    // Go's ints wrap where an extreme offset overflows; so do these.
    var offset = min(requested, length)
    if length &- offset < maxWidth - 3 { offset = length - (maxWidth - 3) }
    let marker = "..."
    if offset <= 4 { return GoStrings.slice(text, 0, maxWidth - 3) + marker }
    if maxWidth < 7 {
        throw FunctionError("stringutils illegal argument: Minimum abbreviation width with offset is 7")
    }
    if offset &+ maxWidth &- 3 < length {
        return marker + (try abbreviate(GoStrings.slice(text, offset, length), offset: 0, maxWidth: maxWidth - 3))
    }
    return marker + GoStrings.slice(text, length - (maxWidth - 3), length)
}
