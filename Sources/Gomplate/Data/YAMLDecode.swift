import Foundation
import Template
import Yams

// gomplate decodes JSON and YAML alike with a YAML decoder (yaml.v3) into `interface{}` values.
// Yams (libyaml) does the parsing; the typing of plain scalars follows yaml.v3's resolver here,
// not Yams' YAML 1.1 one, so `yes` stays a string and `0777` is an int.

/// A YAML syntax or typing error with its position (1-based line and column).
struct YAMLDecodeError: Error {
    let line: Int
    let column: Int
    let problem: String

    func message(sourceName: String) -> String {
        "\(sourceName):\(line):\(column): \(problem)"
    }
}

/// Decodes a YAML (or JSON) document the way gomplate's datasources do: the first document that
/// is not null, with map keys as strings; an empty stream is an empty map.
/// Errors read `<sourceName>:LINE:COL: message`.
public func decodeYAMLValue(_ text: String, sourceName: String) throws -> Value {
    do {
        return try firstYAMLDocument(text) ?? .map(MapValue())
    } catch let error as YAMLDecodeError {
        throw FunctionError(error.message(sourceName: sourceName))
    }
}

/// gomplate's `data.YAML`/`data.JSON`: the document must be a mapping.
public func decodeYAMLObject(_ text: String, sourceName: String) throws -> Value {
    do {
        let parser = try makeYAMLParser(text)
        guard let node = try firstYAMLNode(parser) else { return .map(MapValue()) }
        guard case .mapping = node else {
            throw YAMLDecodeError(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                                  problem: "cannot unmarshal \(describeForTypeError(node)) into map[string]interface {}")
        }
        var builder = YAMLValueBuilder()
        return try withExtendedLifetime(parser) { try builder.value(of: node, topLevel: true) }
    } catch let error as YAMLDecodeError {
        throw FunctionError(error.message(sourceName: sourceName))
    }
}

/// gomplate's `data.YAMLArray`/`data.JSONArray`: the document must be a sequence. (An empty
/// stream leaves gomplate's initial one-element slice, `[<nil>]`.)
public func decodeYAMLArray(_ text: String, sourceName: String) throws -> Value {
    do {
        let parser = try makeYAMLParser(text)
        var sawDocument = false
        while let node = try nextYAMLNode(parser) {
            sawDocument = true
            if isNullNode(node) { continue }
            guard case .sequence = node else {
                throw YAMLDecodeError(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                                      problem: "cannot unmarshal \(describeForTypeError(node)) into []interface {}")
            }
            var builder = YAMLValueBuilder()
            return try builder.value(of: node, topLevel: false)
        }
        return sawDocument ? .list([]) : .list([.null])
    } catch let error as YAMLDecodeError {
        throw FunctionError(error.message(sourceName: sourceName))
    }
}

/// Every document of a YAML stream, in order.
public func decodeYAMLDocuments(_ text: String, sourceName: String) throws -> [Value] {
    do {
        let parser = try makeYAMLParser(text)
        var documents: [Value] = []
        while let node = try nextYAMLNode(parser) {
            var builder = YAMLValueBuilder()
            documents.append(try builder.value(of: node, topLevel: true))
        }
        return documents
    } catch let error as YAMLDecodeError {
        throw FunctionError(error.message(sourceName: sourceName))
    }
}

private func firstYAMLDocument(_ text: String) throws -> Value? {
    let parser = try makeYAMLParser(text)
    guard let node = try firstYAMLNode(parser) else { return nil }
    var builder = YAMLValueBuilder()
    // The parser owns the anchors, which the builder tells aliases by.
    return try withExtendedLifetime(parser) { try builder.value(of: node, topLevel: true) }
}

/// gomplate decodes documents until one is not null.
private func firstYAMLNode(_ parser: Parser) throws -> Node? {
    while let node = try nextYAMLNode(parser) {
        if !isNullNode(node) { return node }
    }
    return nil
}

/// The alias budget is counted on libyaml's events first: Yams hashes every mapping key in full
/// while composing, so a key that aliases a large collection would hang Yams itself.
private func makeYAMLParser(_ text: String) throws -> Parser {
    if let (line, column) = YAMLAliasBudget.excessiveAliasing(in: text) {
        throw YAMLDecodeError(line: line, column: column, problem: "document contains excessive aliasing")
    }
    do {
        return try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
    } catch {
        throw convertYamsError(error)
    }
}

private func nextYAMLNode(_ parser: Parser) throws -> Node? {
    do {
        // Yams composes recursively, as deep as libyaml's 1,000 levels, beyond the guard's reach.
        return try StackGuard.withRoom(StackGuard.yamlDecodingStack) { try parser.nextRoot() }
    } catch {
        throw convertYamsError(error)
    }
}

/// Yams' errors carry the source text and a snippet; keep only the position and the problem.
private func convertYamsError(_ error: Error) -> Error {
    guard let yamlError = error as? YamlError else { return error }
    switch yamlError {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
         .composer(_, let problem, let mark, _):
        return YAMLDecodeError(line: mark.line, column: mark.column, problem: problem)
    case .reader(let problem, _, _, _):
        return YAMLDecodeError(line: 1, column: 1, problem: problem)
    case .duplicatedKeysInMapping(let duplicates, let context):
        let key = duplicates.first ?? ""
        return YAMLDecodeError(line: context.mark.line, column: context.mark.column,
                               problem: "mapping key \(goQuote(key)) already defined")
    default:
        return YAMLDecodeError(line: 1, column: 1, problem: "\(yamlError)")
    }
}

private func isNullNode(_ node: Node) -> Bool {
    guard case .scalar(let scalar) = node else { return false }
    if case .null = resolveScalar(scalar, tagName: scalar.tag.rawValue) { return true }
    return false
}

/// yaml.v3's wording for the node in "cannot unmarshal X into T".
private func describeForTypeError(_ node: Node) -> String {
    switch node {
    case .mapping: return "!!map"
    case .sequence: return "!!seq"
    case .alias(let alias): return "!!\(alias.anchor.rawValue)"
    case .scalar(let scalar):
        let tag: String
        switch resolveScalar(scalar, tagName: scalar.tag.rawValue) {
        case .int: tag = "!!int"
        case .float: tag = "!!float"
        case .bool: tag = "!!bool"
        case .null: tag = "!!null"
        default: tag = "!!str"
        }
        let value = scalar.string.count > 10 ? String(scalar.string.prefix(7)) + "..." : scalar.string
        return "\(tag) `\(value)`"
    }
}

// MARK: - Building values

private let yamlTagPrefix = "tag:yaml.org,2002:"

/// Builds values from Yams' nodes. Yams composes an alias as the anchored node itself (shared, so
/// a few hundred bytes can describe billions of nodes); like yaml.v3's decoder, the builder counts
/// the nodes it decodes and those it reaches through an alias, and gives up when aliases make up
/// too much of the document. It also bounds nesting, which aliases can deepen past the parser's
/// own limit, so that recursion here and in everything that walks the value stays within a
/// thread's stack.
private struct YAMLValueBuilder {
    /// The deepest nesting of the values built (libyaml stops at 1,000 levels of syntax; aliases
    /// nest further).
    static let maxDepth = WorkLimits.maxNestingDepth

    private var decodeCount = 0
    private var aliasCount = 0
    private var aliasDepth = 0
    private var depth = 0
    /// Anchors whose node was decoded where it is defined: meeting one again is meeting an alias.
    private var definedAnchors = Set<ObjectIdentifier>()

    /// yaml.v3's `unmarshal` bookkeeping, once per node decoded.
    private mutating func count(_ node: Node) throws {
        decodeCount += 1
        if aliasDepth > 0 { aliasCount += 1 }
        if YAMLAliasBudget.isExcessive(aliasedNodes: aliasCount, of: decodeCount) {
            throw YAMLDecodeError(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                                  problem: "document contains excessive aliasing")
        }
    }

    /// `topLevel`: gomplate decodes into `map[string]interface{}`, so the outermost mapping's keys
    /// are the key text as written; nested mappings are `interface{}` and their keys go through
    /// yaml.v3's typing and then gomplate's `conv.ToString`.
    mutating func value(of node: Node, topLevel: Bool) throws -> Value {
        try count(node)
        if let anchor = node.anchor, !definedAnchors.insert(ObjectIdentifier(anchor)).inserted {
            // An alias: yaml.v3 counts the alias node, then the anchored node under it.
            aliasDepth += 1
            defer { aliasDepth -= 1 }
            try count(node)
            return try content(of: node, topLevel: topLevel)
        }
        return try content(of: node, topLevel: topLevel)
    }

    private mutating func content(of node: Node, topLevel: Bool) throws -> Value {
        switch node {
        case .scalar(let scalar):
            return try scalarValue(scalar)
        case .sequence(let sequence):
            try enter(node)
            defer { depth -= 1 }
            var items: [Value] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try StackGuard.continuing { try value(of: item, topLevel: false) }) }
            return .list(items)
        case .mapping(let mapping):
            try enter(node)
            defer { depth -= 1 }
            return .map(MapValue(try entries(of: mapping, topLevel: topLevel)))
        case .alias:
            return .null  // Yams resolves aliases while composing; an unresolved one has no value
        }
    }

    private mutating func enter(_ node: Node) throws {
        depth += 1
        if depth > Self.maxDepth {
            throw YAMLDecodeError(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1,
                                  problem: "document nests deeper than \(Self.maxDepth) levels")
        }
    }

    /// The mapping's entries in document order; merged mappings (`<<: *base`) never override keys
    /// set explicitly or by an earlier merge.
    private mutating func entries(of mapping: Node.Mapping, topLevel: Bool) throws -> [String: Value] {
        var result: [String: Value] = [:]
        result.reserveCapacity(mapping.count)
        var merged: [String: Value] = [:]
        for (keyNode, valueNode) in mapping {
            if case .scalar(let keyScalar) = keyNode, keyScalar.string == "<<", keyScalar.style == .plain {
                try count(keyNode)
                for (mergedKey, mergedValue) in try mergeEntries(valueNode, topLevel: topLevel)
                where merged[mergedKey] == nil {
                    merged[mergedKey] = mergedValue
                }
                continue
            }
            let key = try key(keyNode, topLevel: topLevel)
            result[key] = try StackGuard.continuing { try value(of: valueNode, topLevel: false) }
        }
        for (key, value) in merged where result[key] == nil { result[key] = value }
        return result
    }

    /// The entries a merge key's value brings: one mapping's, or those of a sequence of mappings,
    /// the earlier ones winning.
    private mutating func mergeEntries(_ source: Node, topLevel: Bool) throws -> [String: Value] {
        let sourceMappings: [Node]
        if case .sequence(let sequence) = source { sourceMappings = Array(sequence) } else { sourceMappings = [source] }
        var entries: [String: Value] = [:]
        for sourceMapping in sourceMappings {
            guard case .mapping = sourceMapping else {
                throw YAMLDecodeError(line: sourceMapping.mark?.line ?? 1, column: sourceMapping.mark?.column ?? 1,
                                      problem: "map merge requires map or sequence of maps as the value")
            }
            guard case .map(let map) = try StackGuard.continuing({ try value(of: sourceMapping, topLevel: topLevel) })
            else { continue }
            for (key, value) in map.entries where entries[key] == nil { entries[key] = value }
        }
        return entries
    }

    private mutating func key(_ node: Node, topLevel: Bool) throws -> String {
        guard case .scalar(let scalar) = node else {
            return try goPrint(StackGuard.continuing { try value(of: node, topLevel: false) })
        }
        try count(node)
        if topLevel { return scalar.string }
        // Yams' duplicate-key check types keys with its own resolver, which turns the tag of
        // untyped plain keys into !!str; type them again the yaml.v3 way.
        if scalar.style == .plain && scalar.tag.rawValue == Tag.Name.str.rawValue {
            return try resolvePlainScalar(scalar.string).gomplateString()
        }
        return try scalarValue(scalar).gomplateString()
    }

    private func scalarValue(_ scalar: Node.Scalar) throws -> Value {
        let tagName = scalar.tag.rawValue
        if tagName.isEmpty || tagName == "!" {
            if scalar.style != .plain || tagName == "!" { return .string(scalar.string) }
            return resolvePlainScalar(scalar.string)
        }
        guard tagName.hasPrefix(yamlTagPrefix) else { return .string(scalar.string) }
        let shortTag = "!!" + tagName.dropFirst(yamlTagPrefix.count)
        let text = scalar.string
        switch shortTag {
        case "!!str", "!!timestamp":
            return .string(text)
        case "!!binary":
            let compact = text.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: compact) else {
                throw decodeError(scalar, "!!binary value contains invalid base64 data")
            }
            return .string(String(decoding: data, as: UTF8.self))
        case "!!int", "!!float", "!!bool", "!!null":
            let resolved = resolvePlainScalar(text)
            switch (shortTag, resolved) {
            case ("!!int", .int), ("!!float", .float), ("!!bool", .bool), ("!!null", .null):
                return resolved
            case ("!!float", .int(let i)):
                return .float(Double(i))
            default:
                throw decodeError(scalar, "cannot decode \(yamlShortTag(of: resolved)) `\(text)` as a \(shortTag)")
            }
        default:
            return .string(text)
        }
    }

    private func decodeError(_ scalar: Node.Scalar, _ problem: String) -> YAMLDecodeError {
        YAMLDecodeError(line: scalar.mark?.line ?? 1, column: scalar.mark?.column ?? 1, problem: problem)
    }
}

private func yamlShortTag(of value: Value) -> String {
    switch value {
    case .int: return "!!int"
    case .float: return "!!float"
    case .bool: return "!!bool"
    case .null: return "!!null"
    default: return "!!str"
    }
}

private func resolveScalar(_ scalar: Node.Scalar, tagName: String) -> Value {
    if (tagName.isEmpty && scalar.style == .plain) || tagName == Tag.Name.null.rawValue {
        return resolvePlainScalar(scalar.string)
    }
    return .string(scalar.string)
}

/// yaml.v3's `resolve` for an untagged plain scalar.
func resolvePlainScalar(_ text: String) -> Value {
    let utf8 = text.utf8
    guard let first = utf8.first else { return .null }
    switch first {
    case UInt8(ascii: "t"), UInt8(ascii: "T"):
        if text == "true" || text == "True" || text == "TRUE" { return .bool(true) }
        return .string(text)
    case UInt8(ascii: "f"), UInt8(ascii: "F"):
        if text == "false" || text == "False" || text == "FALSE" { return .bool(false) }
        return .string(text)
    case UInt8(ascii: "n"), UInt8(ascii: "N"):
        if text == "null" || text == "Null" || text == "NULL" { return .null }
        return .string(text)
    case UInt8(ascii: "~"):
        return text == "~" ? .null : .string(text)
    case UInt8(ascii: "."):
        switch text {
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        case ".inf", ".Inf", ".INF": return .float(.infinity)
        default:
            let (f, failure) = parseFloat(text)
            if failure == nil { return .float(f) }
            return .string(text)
        }
    case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        switch text {
        case "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        default: break
        }
        // Timestamps (2001-12-14…) stay strings when decoded into interface{}, and nothing that
        // starts with four digits and a dash parses as a number, so they need no test of their own.
        let plain = utf8.contains(UInt8(ascii: "_")) ? text.replacingOccurrences(of: "_", with: "") : text
        if let small = fastDecimalInt(plain) { return .int(small) }
        let (i, intFailure) = parseSigned(plain, base: 0, bitSize: 64)
        if intFailure == nil { return .int(i) }
        let (u, unsignedFailure) = parseUnsigned(plain, base: 0, bitSize: 64)
        if unsignedFailure == nil { return .float(Double(u)) }
        if isYAMLStyleFloat(plain) {
            let (f, floatFailure) = parseFloat(plain)
            if floatFailure == nil { return .float(f) }
        }
        return .string(text)
    default:
        return .string(text)
    }
}

/// Plain decimal numbers without a leading zero, the common case, without the general parser.
private func fastDecimalInt(_ text: String) -> Int? {
    let utf8 = text.utf8
    guard utf8.count <= 18, let first = utf8.first else { return nil }
    var value = 0
    var negative = false
    var index = utf8.startIndex
    if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        negative = first == UInt8(ascii: "-")
        index = utf8.index(after: index)
    }
    guard index != utf8.endIndex else { return nil }
    if utf8[index] == UInt8(ascii: "0") && utf8.index(after: index) != utf8.endIndex { return nil }
    while index != utf8.endIndex {
        let c = utf8[index]
        guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return nil }
        value = value * 10 + Int(c - UInt8(ascii: "0"))
        index = utf8.index(after: index)
    }
    return negative ? -value : value
}

/// yaml.v3's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
private func isYAMLStyleFloat(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    var i = 0
    func isDigit(_ index: Int) -> Bool { index < bytes.count && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") }
    if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
    if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
        i += 1
        guard isDigit(i) else { return false }
        while isDigit(i) { i += 1 }
    } else {
        guard isDigit(i) else { return false }
        while isDigit(i) { i += 1 }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while isDigit(i) { i += 1 }
        }
    }
    if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
        i += 1
        if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
        guard isDigit(i) else { return false }
        while isDigit(i) { i += 1 }
    }
    return i == bytes.count
}
