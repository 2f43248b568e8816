import Foundation

/// gomplate's `regexp` namespace, with Go's regexp semantics (see `GoRegexpSyntax`).
extension FunctionTable {
    mutating func addRegexpFunctions() {
        add(TemplateFunction("Find", arguments: 2) { args, _ in
            let regexp = try GoRegexp.compiled(args[0].gomplateString)
            let input = args[1].gomplateString
            return .string(regexp.matches(in: input, limit: 1).first.map { String(input[$0.range]) } ?? "")
        }, as: "regexp.Find")
        add(TemplateFunction("FindAll", atLeast: 0) { args, _ in
            let limit: Int
            switch args.count {
            case 2: limit = -1
            case 3: limit = args[1].gomplateInt
            default: throw FunctionError("wrong number of args: want 2 or 3, got \(args.count)")
            }
            let regexp = try GoRegexp.compiled(args[0].gomplateString)
            let input = args[args.count - 1].gomplateString
            return .list(regexp.matches(in: input, limit: limit).map { .string(String(input[$0.range])) })
        }, as: "regexp.FindAll")
        add(TemplateFunction("Match", arguments: 2) { args, _ in
            let regexp = try GoRegexp.compiled(args[0].gomplateString, context: "error compiling expression")
            return .bool(!regexp.matches(in: args[1].gomplateString, limit: 1).isEmpty)
        }, as: "regexp.Match")
        add(TemplateFunction("QuoteMeta", arguments: 1) { args, _ in
            .string(GoRegexp.quoteMeta(args[0].gomplateString))
        }, as: "regexp.QuoteMeta")
        add(TemplateFunction("Replace", arguments: 3) { args, _ in
            let regexp = try GoRegexp.compiled(args[0].gomplateString, context: "error compiling expression")
            let template = args[1].gomplateString
            return .string(regexp.replaceAll(in: args[2].gomplateString) { regexp.expand(template, $0, in: $1) })
        }, as: "regexp.Replace")
        add(TemplateFunction("ReplaceLiteral", arguments: 3) { args, _ in
            let regexp = try GoRegexp.compiled(args[0].gomplateString, context: "error compiling expression")
            let replacement = args[1].gomplateString
            return .string(regexp.replaceAll(in: args[2].gomplateString) { _, _ in replacement })
        }, as: "regexp.ReplaceLiteral")
        add(TemplateFunction("Split", atLeast: 0) { args, _ in
            let limit: Int
            switch args.count {
            case 2: limit = -1
            case 3: limit = args[1].gomplateInt
            default: throw FunctionError("wrong number of args: want 2 or 3, got \(args.count)")
            }
            let pattern = args[0].gomplateString
            let regexp = try GoRegexp.compiled(pattern)
            let pieces = regexp.split(args[args.count - 1].gomplateString, limit: limit, patternIsEmpty: pattern.isEmpty)
            return .list(pieces.map(Value.string))
        }, as: "regexp.Split")
    }
}

/// A compiled Go regular expression. Templates call the regexp functions in loops, so compiled
/// expressions are kept in a small cache shared by all renders.
final class GoRegexp: @unchecked Sendable {
    /// One match: the whole range and each group's range (nil when the group did not take part).
    struct Match {
        let range: Range<String.Index>
        let groups: [Range<String.Index>?]
    }

    private let expression: NSRegularExpression
    private let groupNames: [String]

    private init(_ pattern: String) throws {
        let syntax = try GoRegexpSyntax(pattern)
        do {
            expression = try NSRegularExpression(pattern: syntax.icuPattern)
        } catch {
            throw GoRegexpError(code: "invalid or unsupported Perl syntax", expression: pattern)
        }
        groupNames = syntax.groupNames
    }

    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: [String: GoRegexp] = [:]
    private static let cacheLimit = 256

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
        cacheLock.lock()
        if cache.count >= cacheLimit { cache.removeAll() }
        cache[pattern] = regexp
        cacheLock.unlock()
        return regexp
    }

    /// Successive non-overlapping matches as Go finds them: an empty match right where the previous
    /// match ended does not count. `limit` < 0 means all.
    func matches(in input: String, limit: Int) -> [Match] {
        if limit == 0 { return [] }
        var found: [Match] = []
        var previousEnd = -1
        let whole = NSRange(input.startIndex..<input.endIndex, in: input)
        for result in expression.matches(in: input, options: [], range: whole) {
            let range = result.range
            defer { previousEnd = range.location + range.length }
            if range.length == 0, range.location == previousEnd { continue }
            let groups = (0..<result.numberOfRanges).map { Self.stringRange(result.range(at: $0), in: input) }
            guard let matched = Self.stringRange(range, in: input) else { continue }
            found.append(Match(range: matched, groups: groups))
            if limit > 0, found.count == limit { break }
        }
        return found
    }

    /// UTF-16 offsets as string indices. `Range(_:in:)` refuses ranges that split a grapheme such as
    /// "\r\n", which Go's byte-wise matching splits freely.
    private static func stringRange(_ range: NSRange, in input: String) -> Range<String.Index>? {
        guard range.location != NSNotFound else { return nil }
        let utf16 = input.utf16
        let start = utf16.index(utf16.startIndex, offsetBy: range.location)
        return start..<utf16.index(start, offsetBy: range.length)
    }

    func replaceAll(in input: String, with replacement: (Match, String) -> String) -> String {
        var out = ""
        var last = input.startIndex
        for match in matches(in: input, limit: -1) {
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
            if let group = groupIndex(name), group < match.groups.count, let range = match.groups[group] {
                out += input[range]
            }
        }
        out += rest
        return out
    }

    private func groupIndex(_ name: String) -> Int? {
        let isNumber = name.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
        if isNumber {
            guard name.count == 1 || name.first != "0", name.count <= 8 else { return nil }
            return Int(name)
        }
        return groupNames.firstIndex(of: name)
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
