import Foundation
import Template

/// gomplate's `regexp` namespace, with Go's regexp semantics (see `GoRegexp`).
extension FunctionTable {
    mutating func addRegexpFunctions() {
        add(TemplateFunction("Find", arguments: 2, reads: []) { args, _ in
            let regexp = try GoRegexp.compiled(try args[0].gomplateString())
            let input = try args[1].gomplateString()
            return .string(regexp.matches(in: input, limit: 1).first.map { String(input[$0.range]) } ?? "")
        }, as: "regexp.Find")
        add(TemplateFunction("FindAll", atLeast: 0, reads: []) { args, _ in
            let limit: Int
            switch args.count {
            case 2: limit = -1
            case 3: limit = args[1].gomplateInt
            default: throw FunctionError("wrong number of args: want 2 or 3, got \(args.count)")
            }
            let regexp = try GoRegexp.compiled(try args[0].gomplateString())
            let input = try args[args.count - 1].gomplateString()
            return .list(regexp.matches(in: input, limit: limit).map { .string(String(input[$0.range])) })
        }, as: "regexp.FindAll")
        add(TemplateFunction("Match", arguments: 2, reads: []) { args, _ in
            let regexp = try GoRegexp.compiled(try args[0].gomplateString(), context: "error compiling expression")
            return .bool(regexp.isMatch(try args[1].gomplateString()))
        }, as: "regexp.Match")
        add(TemplateFunction("QuoteMeta", arguments: 1, reads: []) { args, _ in
            .string(GoRegexp.quoteMeta(try args[0].gomplateString()))
        }, as: "regexp.QuoteMeta")
        add(TemplateFunction("Replace", arguments: 3, reads: []) { args, _ in
            let regexp = try GoRegexp.compiled(try args[0].gomplateString(), context: "error compiling expression")
            let template = try args[1].gomplateString()
            return .string(regexp.replaceAll(in: try args[2].gomplateString(), groups: true) { regexp.expand(template, $0, in: $1) })
        }, as: "regexp.Replace")
        add(TemplateFunction("ReplaceLiteral", arguments: 3, reads: []) { args, _ in
            let regexp = try GoRegexp.compiled(try args[0].gomplateString(), context: "error compiling expression")
            let replacement = try args[1].gomplateString()
            return .string(regexp.replaceAll(in: try args[2].gomplateString(), groups: false) { _, _ in replacement })
        }, as: "regexp.ReplaceLiteral")
        add(TemplateFunction("Split", atLeast: 0, reads: []) { args, _ in
            let limit: Int
            switch args.count {
            case 2: limit = -1
            case 3: limit = args[1].gomplateInt
            default: throw FunctionError("wrong number of args: want 2 or 3, got \(args.count)")
            }
            let pattern = try args[0].gomplateString()
            let regexp = try GoRegexp.compiled(pattern)
            let pieces = regexp.split(try args[args.count - 1].gomplateString(), limit: limit, patternIsEmpty: pattern.isEmpty)
            return .list(pieces.map(Value.string))
        }, as: "regexp.Split")
    }
}

/// A compiled Go regular expression (see `GoRegexpSyntax`, `GoRegexpProgram`, `GoRegexpMatcher`):
/// matching takes time linear in the text, as Go's RE2 engine does. Templates call the regexp
/// functions in loops, so compiled expressions are kept in a small cache shared by all renders.
final class GoRegexp: Sendable {
    /// One match: the whole range and each group's range (nil when the group did not take part).
    struct Match {
        let range: Range<String.Index>
        let groups: [Range<String.Index>?]
    }

    private let program: GoRegexpProgram
    private let groupNames: [String]

    private init(_ pattern: String) throws {
        let syntax = try GoRegexpSyntax(pattern)
        program = try GoRegexpProgram(syntax, pattern: pattern)
        groupNames = syntax.groupNames
    }

    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: [String: GoRegexp] = [:]
    nonisolated(unsafe) private static var cachedInstructions = 0
    /// Compiled expressions kept, and their instructions together (a program may be large).
    private static let cacheLimit = 256
    private static let cacheInstructionLimit = 2 * GoRegexpProgram.maxInstructions

    /// The compiled expression for `pattern`; a syntax error is worded as Go words it, after `context`.
    static func compiled(_ pattern: String, context: String? = nil) throws -> GoRegexp {
        cacheLock.lock()
        let cached = cache[pattern]
        cacheLock.unlock()
        if let cached { return cached }
        let regexp: GoRegexp
        do {
            regexp = try GoRegexp(pattern)
        } catch let error as GoRegexpError {
            throw FunctionError(context.map { "\($0): \(error)" } ?? error.description)
        }
        let size = regexp.program.instructions.count
        cacheLock.lock()
        if cache.count >= cacheLimit || cachedInstructions + size > cacheInstructionLimit {
            cache.removeAll()
            cachedInstructions = 0
        }
        cache[pattern] = regexp
        cachedInstructions += size
        cacheLock.unlock()
        return regexp
    }

    /// Whether the expression matches anywhere in `input`.
    func isMatch(_ input: String) -> Bool {
        var input = input
        input.makeContiguousUTF8()
        let matcher = GoRegexpMatcher(program, captures: false)
        return input.utf8.withContiguousStorageIfAvailable { matcher.match($0, from: 0) != nil } ?? false
    }

    /// Successive non-overlapping matches as Go's `FindAll` finds them: after an empty match the search
    /// moves one rune on, and an empty match right where the previous match ended does not count.
    /// `limit` < 0 means all. Group ranges are filled in only when `groups` is true.
    func matches(in input: String, limit: Int, groups: Bool = false) -> [Match] {
        if limit == 0 { return [] }
        var contiguous = input
        contiguous.makeContiguousUTF8()
        let matcher = GoRegexpMatcher(program, captures: true)
        let offsets: [[Int]] = contiguous.utf8.withContiguousStorageIfAvailable { text in
            var found: [[Int]] = []
            var position = 0
            var previousEnd = -1
            while position <= text.count, limit < 0 || found.count < limit,
                  let slots = matcher.match(text, from: position) {
                if slots[1] == position {
                    // An empty match: step over one rune, and skip it right after the previous match.
                    let width = GoRegexpMatcher.rune(at: position, in: text).1
                    position += width > 0 ? width : 1
                    if slots[0] != previousEnd { found.append(slots) }
                } else {
                    position = slots[1]
                    found.append(slots)
                }
                previousEnd = slots[1]
            }
            return found
        } ?? []
        // Indices of `input` itself (the same as the copy's unless `input` was bridged from UTF-16).
        let utf8 = input.utf8
        func index(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
        return offsets.map { slots in
            let groupRanges: [Range<String.Index>?] = groups
                ? stride(from: 0, to: slots.count, by: 2).map { slots[$0] < 0 ? nil : index(slots[$0])..<index(slots[$0 + 1]) }
                : []
            return Match(range: index(slots[0])..<index(slots[1]), groups: groupRanges)
        }
    }

    func replaceAll(in input: String, groups: Bool, with replacement: (Match, String) -> String) -> String {
        var out = ""
        var last = input.startIndex
        for match in matches(in: input, limit: -1, groups: groups) {
            out += input[last..<match.range.lowerBound]
            out += replacement(match, input)
            last = match.range.upperBound
        }
        out += input[last...]
        return out
    }

    /// Go's `Regexp.Split`.
    func split(_ input: String, limit: Int, patternIsEmpty: Bool) -> [String] {
        if limit == 0 { return [] }
        if !patternIsEmpty, input.isEmpty { return [""] }
        var pieces: [String] = []
        var start = input.startIndex
        var end = input.startIndex
        for match in matches(in: input, limit: limit) {
            if limit > 0, pieces.count == limit - 1 { break }
            end = match.range.lowerBound
            if match.range.upperBound != input.startIndex { pieces.append(String(input[start..<end])) }
            start = match.range.upperBound
        }
        if end != input.endIndex { pieces.append(String(input[start...])) }
        return pieces
    }

    /// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`; `$$` is a dollar sign; a name is the
    /// longest run of letters, digits and underscores, and a group that does not exist is empty.
    func expand(_ template: String, _ match: Match, in input: String) -> String {
        var out = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                out += "$"
                rest = rest.dropFirst()
                continue
            }
            guard let (name, remainder) = Self.groupReference(rest) else {
                out += "$"
                continue
            }
            rest = remainder
            if let range = groupRange(name, in: match) { out += input[range] }
        }
        out += rest
        return out
    }

    /// The range of group `name` (a number, or the first group of that name that took part).
    private func groupRange(_ name: String, in match: Match) -> Range<String.Index>? {
        // Go reads up to nine ASCII digits without a leading zero as a number, anything else as a name.
        let isNumber = name.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            && name.utf8.count <= 9 && (name.utf8.count == 1 || name.first != "0")
        if isNumber, let number = Int(name) { return number < match.groups.count ? match.groups[number] : nil }
        for (index, groupName) in groupNames.enumerated() where groupName == name && index < match.groups.count {
            if let range = match.groups[index] { return range }
        }
        return nil
    }

    private static func groupReference(_ text: Substring) -> (String, Substring)? {
        var rest = text
        let braced = rest.first == "{"
        if braced { rest = rest.dropFirst() }
        // `unicode.IsLetter || unicode.IsDigit || '_'`.
        let name = rest.prefix { character in
            character.unicodeScalars.allSatisfy { scalar in
                switch scalar.properties.generalCategory {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                     .decimalNumber:
                    return true
                default:
                    return scalar == "_"
                }
            }
        }
        if name.isEmpty { return nil }
        rest = rest[name.endIndex...]
        if braced {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        return (String(name), rest)
    }

    /// Go's `regexp.QuoteMeta`: a backslash before each of `\.+*?()|[]{}^$`.
    static func quoteMeta(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if "\\.+*?()|[]{}^$".unicodeScalars.contains(scalar) { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}
