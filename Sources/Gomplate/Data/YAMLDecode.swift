import Foundation
import Template
import YAML

// gomplate decodes JSON and YAML alike with a YAML decoder (yaml.v3) into `interface{}` values.
// The YAML module (libyaml) does the parsing; the typing of plain scalars follows yaml.v3's
// resolver here, so `yes` stays a string and `0777` is an int.

/// A YAML syntax or typing error with its position (1-based line and column).
package struct YAMLDecodeError: Error {
    package let line: Int
    package let column: Int
    package let problem: String

    package init(line: Int, column: Int, problem: String) {
        self.line = line
        self.column = column
        self.problem = problem
    }

    /// The parser's error, a duplicate key quoted the Go way (`%q`), as yaml.v3 words it.
    package init(_ error: YAMLError) {
        self.init(line: error.line, column: error.column,
                  problem: error.duplicateKey.map { "mapping key \(goQuote($0)) already defined" } ?? error.problem)
    }

    package func message(sourceName: String) -> String {
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
        let parser = YAMLParser(text)
        guard let node = try firstYAMLNode(parser) else { return .map(MapValue()) }
        guard case .mapping = node.content else {
            throw YAMLDecodeError(line: node.line, column: node.column,
                                  problem: "cannot unmarshal \(describeForTypeError(node)) into map[string]interface {}")
        }
        var builder = YAMLValueBuilder()
        return try builder.value(of: node, topLevel: true)
    } catch let error as YAMLDecodeError {
        throw FunctionError(error.message(sourceName: sourceName))
    }
}

/// gomplate's `data.YAMLArray`/`data.JSONArray`: the document must be a sequence. (An empty
/// stream leaves gomplate's initial one-element slice, `[<nil>]`.)
public func decodeYAMLArray(_ text: String, sourceName: String) throws -> Value {
    do {
        let parser = YAMLParser(text)
        var sawDocument = false
        while let node = try nextYAMLNode(parser) {
            sawDocument = true
            if isNullNode(node) { continue }
            guard case .sequence = node.content else {
                throw YAMLDecodeError(line: node.line, column: node.column,
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
        let parser = YAMLParser(text)
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
    let parser = YAMLParser(text)
    guard let node = try firstYAMLNode(parser) else { return nil }
    var builder = YAMLValueBuilder()
    return try builder.value(of: node, topLevel: true)
}

/// gomplate decodes documents until one is not null; the documents after it are not read.
private func firstYAMLNode(_ parser: YAMLParser) throws -> YAMLNode? {
    while let node = try nextYAMLNode(parser) {
        if !isNullNode(node) { return node }
    }
    return nil
}

/// The parser counts go-yaml's alias budget on libyaml's events as it reads them, so a bomb is
/// refused at the alias that tips it, before its nodes are walked.
private func nextYAMLNode(_ parser: YAMLParser) throws -> YAMLNode? {
    do {
        return try parser.nextDocument()
    } catch {
        throw YAMLDecodeError(error)
    }
}

private func isNullNode(_ node: YAMLNode) -> Bool {
    guard case .scalar(let text, let style) = node.content,
          case .null = resolveScalar(text, style: style, tag: node.tag) else { return false }
    return true
}

/// yaml.v3's wording for the node in "cannot unmarshal X into T".
private func describeForTypeError(_ node: YAMLNode) -> String {
    switch node.content {
    case .mapping: return "!!map"
    case .sequence: return "!!seq"
    case .scalar(let text, let style):
        let tag: String
        switch resolveScalar(text, style: style, tag: node.tag) {
        case .int: tag = "!!int"
        case .float: tag = "!!float"
        case .bool: tag = "!!bool"
        case .null: tag = "!!null"
        default: tag = "!!str"
        }
        let value = text.count > 10 ? String(text.prefix(7)) + "..." : text
        return "\(tag) `\(value)`"
    }
}

// MARK: - Building values

/// Builds values from the parser's nodes. An alias is the anchored node itself (shared, so a few
/// hundred bytes can describe billions of nodes); like yaml.v3's decoder, the builder counts
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
    /// Anchored nodes decoded where they are defined: meeting one again is meeting an alias.
    private var definedAnchors = Set<ObjectIdentifier>()

    /// yaml.v3's `unmarshal` bookkeeping, once per node decoded.
    private mutating func count(_ node: YAMLNode) throws {
        decodeCount += 1
        if aliasDepth > 0 { aliasCount += 1 }
        if YAMLAliasBudget.isExcessive(aliasedNodes: aliasCount, of: decodeCount) {
            throw YAMLDecodeError(line: node.line, column: node.column, problem: YAMLError.excessiveAliasing)
        }
    }

    /// `topLevel`: gomplate decodes into `map[string]interface{}`, so the outermost mapping's keys
    /// are the key text as written; nested mappings are `interface{}` and their keys go through
    /// yaml.v3's typing and then gomplate's `conv.ToString`.
    mutating func value(of node: YAMLNode, topLevel: Bool) throws -> Value {
        try count(node)
        if node.anchor != nil, !definedAnchors.insert(ObjectIdentifier(node)).inserted {
            // An alias: yaml.v3 counts the alias node, then the anchored node under it.
            aliasDepth += 1
            defer { aliasDepth -= 1 }
            try count(node)
            return try content(of: node, topLevel: topLevel)
        }
        return try content(of: node, topLevel: topLevel)
    }

    private mutating func content(of node: YAMLNode, topLevel: Bool) throws -> Value {
        switch node.content {
        case .scalar(let text, let style):
            return try scalarValue(node, text, style)
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
        }
    }

    private mutating func enter(_ node: YAMLNode) throws {
        depth += 1
        if depth > Self.maxDepth {
            throw YAMLDecodeError(line: node.line, column: node.column,
                                  problem: "document nests deeper than \(Self.maxDepth) levels")
        }
    }

    /// The mapping's entries in document order; merged mappings (`<<: *base`) never override keys
    /// set explicitly or by an earlier merge.
    private mutating func entries(of mapping: YAMLNode.Mapping, topLevel: Bool) throws -> [String: Value] {
        var result: [String: Value] = [:]
        result.reserveCapacity(mapping.count)
        var merged: [String: Value] = [:]
        for (keyNode, valueNode) in mapping {
            if case .scalar("<<", .plain) = keyNode.content {
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
    private mutating func mergeEntries(_ source: YAMLNode, topLevel: Bool) throws -> [String: Value] {
        let sourceMappings = source.sequence ?? [source]
        var entries: [String: Value] = [:]
        for sourceMapping in sourceMappings {
            guard case .mapping = sourceMapping.content else {
                throw YAMLDecodeError(line: sourceMapping.line, column: sourceMapping.column,
                                      problem: "map merge requires map or sequence of maps as the value")
            }
            guard case .map(let map) = try StackGuard.continuing({ try value(of: sourceMapping, topLevel: topLevel) })
            else { continue }
            for (key, value) in map.entries where entries[key] == nil { entries[key] = value }
        }
        return entries
    }

    private mutating func key(_ node: YAMLNode, topLevel: Bool) throws -> String {
        guard case .scalar(let text, let style) = node.content else {
            return try goPrint(StackGuard.continuing { try value(of: node, topLevel: false) })
        }
        try count(node)
        if topLevel { return text }
        return try scalarValue(node, text, style).gomplateString()
    }

    /// A scalar node's value: untagged plain scalars typed the yaml.v3 way, other untagged or `!`
    /// ones strings, and the YAML types' tags checked against the text.
    private func scalarValue(_ node: YAMLNode, _ text: String, _ style: YAMLScalarStyle) throws -> Value {
        guard let tagName = node.tag else { return resolveScalar(text, style: style, tag: nil) }
        guard tagName.hasPrefix(YAMLTag.prefix) else { return .string(text) }
        let shortTag = "!!" + tagName.dropFirst(YAMLTag.prefix.count)
        switch shortTag {
        case "!!str", "!!timestamp":
            return .string(text)
        case "!!binary":
            let compact = text.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: compact) else {
                throw decodeError(node, "!!binary value contains invalid base64 data")
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
                throw decodeError(node, "cannot decode \(yamlShortTag(of: resolved)) `\(text)` as a \(shortTag)")
            }
        default:
            return .string(text)
        }
    }

    private func decodeError(_ node: YAMLNode, _ problem: String) -> YAMLDecodeError {
        YAMLDecodeError(line: node.line, column: node.column, problem: problem)
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

/// An untagged scalar's value: typed the yaml.v3 way when plain, else a string. (`!!null` is
/// resolved too, so that its text decides whether a document is null.)
private func resolveScalar(_ text: String, style: YAMLScalarStyle, tag: String?) -> Value {
    if (tag == nil && style == .plain) || tag == YAMLTag.null { return resolvePlainScalar(text) }
    return .string(text)
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
