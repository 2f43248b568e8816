import Template
/// `coll.JSONPath`: gomplate runs the path through k8s.io/client-go/util/jsonpath as `{path}`.
/// This is that parser and evaluator, minus `range`/`end` blocks (which only make sense when
/// printing text). gomplate's default `--missing-key error` applies: a missing key is an error.
enum JSONPath {
    static func query(_ path: String, in data: Value) throws -> Value {
        let root: [JSONPathNode]
        do {
            var parser = JSONPathParser(text: "{" + path + "}")
            root = try parser.parse()
        } catch let error as FunctionError {
            throw FunctionError("couldn't parse JSONPath \(path): \(error.message)")
        }
        var results: [[Value]] = []
        do {
            try ValueWalk.run { walk in
                for node in root { results.append(try JSONPathEvaluator.walk([data], node, &walk)) }
            }
        } catch let error as FunctionError {
            throw FunctionError("executing JSONPath failed: \(error.message)")
        }
        if results.count == 1, results[0].count == 1 { return results[0][0] }
        let found = results.joined().filter { !$0.isNull }
        return .list(found)
    }
}

final class JSONPathList {
    var nodes: [JSONPathNode] = []
}

struct JSONPathSliceBound {
    var value = 0
    var known = false
    var derived = false
}

enum JSONPathNode {
    case list(JSONPathList)
    case text(String)
    case field(String)
    case array([JSONPathSliceBound])
    case filter(left: JSONPathList, right: JSONPathList, operator: String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    case wildcard
    case recursive
    case union([JSONPathList])
    case identifier(String)
}

/// client-go's jsonpath parser: text outside `{…}`, and inside it fields, `[index]`, `[start:end:step]`,
/// `[*]`, `[a,b]` unions, `['key']`, `..` recursive descent, `[?(@.x == 'y')]` filters and literals.
struct JSONPathParser {
    private let input: [Unicode.Scalar]
    private var position = 0
    private var start = 0
    private var lastWidth = 0
    private let root = JSONPathList()

    init(text: String) {
        input = Array(text.unicodeScalars)
    }

    mutating func parse() throws -> [JSONPathNode] {
        var current: JSONPathList? = nil
        while true {
            guard let list = current else {
                if hasPrefix("{") {
                    if position > start { root.nodes.append(.text(consumeText())) }
                    position += 1
                    _ = consumeText()
                    let list = JSONPathList()
                    root.nodes.append(.list(list))
                    current = list
                } else if next() == nil {
                    if position > start { root.nodes.append(.text(consumeText())) }
                    return root.nodes
                }
                continue
            }
            if hasPrefix("}") {
                position += 1
                _ = consumeText()
                current = nil
            } else {
                try parseInsideAction(list)
            }
        }
    }

    /// One step inside `{…}`.
    private mutating func parseInsideAction(_ list: JSONPathList) throws {
        if hasPrefix("[?(") { return try parseFilter(list) }
        if hasPrefix("..") { return try parseRecursive(list) }
        guard let scalar = next(), scalar != "\r", scalar != "\n" else {
            throw FunctionError("unclosed action")
        }
        switch scalar {
        case " ", "@", "$":
            _ = consumeText()
        case "[":
            try parseArray(list)
        case "\"", "'":
            try parseQuote(list, closing: scalar)
        case ".":
            parseField(list)
        case _ where scalar == "+" || scalar == "-" || scalar.properties.numericType == .decimal:
            backup()
            try parseNumber(list)
        case _ where Self.isAlphaNumeric(scalar):
            backup()
            parseIdentifier(list)
        default:
            throw FunctionError("unrecognized character in action: " + Self.describe(scalar))
        }
    }

    private mutating func parseIdentifier(_ list: JSONPathList) {
        while true {
            if Self.isTerminator(next()) {
                backup()
                break
            }
        }
        let value = consumeText()
        list.nodes.append(value == "true" || value == "false" ? .bool(value == "true") : .identifier(value))
    }

    private mutating func parseRecursive(_ list: JSONPathList) throws {
        if case .recursive? = list.nodes.last { throw FunctionError("invalid multiple recursive descent") }
        position += 2
        _ = consumeText()
        list.nodes.append(.recursive)
        if let scalar = peek(), Self.isAlphaNumeric(scalar) { parseField(list) }
    }

    private mutating func parseNumber(_ list: JSONPathList) throws {
        if let sign = peek(), sign == "+" || sign == "-" { _ = next() }
        while let scalar = next() {
            if scalar != ".", scalar.properties.numericType != .decimal {
                backup()
                break
            }
        }
        let value = consumeText()
        if let int = Int(value) {
            list.nodes.append(.int(int))
        } else if let float = Double(value) {
            list.nodes.append(.float(float))
        } else {
            throw FunctionError("cannot parse number \(value)")
        }
    }

    private mutating func parseArray(_ list: JSONPathList) throws {
        while true {
            guard let scalar = next(), scalar != "\n" else { throw FunctionError("unterminated array") }
            if scalar == "]" { break }
        }
        var text = String(String.UnicodeScalarView(consumeText().unicodeScalars.dropFirst().dropLast()))
        if text == "*" { text = ":" }

        let members = GoStrings.split(text, separator: ",")
        if members.count > 1 {
            var union: [JSONPathList] = []
            for member in members {
                union.append(try Self.parseAction("[" + GoStrings.trim(member, cutset: " ") + "]"))
            }
            list.nodes.append(.union(union))
            return
        }
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'"), !text.dropFirst().dropLast().contains("'") {
            list.nodes.append(contentsOf: try Self.parseAction("." + text.dropFirst().dropLast()).nodes)
            return
        }
        list.nodes.append(.array(try Self.sliceBounds(text)))
    }

    /// `^(-?\d*)(:-?\d*)?(:-?\d*)?$`, read as client-go reads its groups.
    private static func sliceBounds(_ text: String) throws -> [JSONPathSliceBound] {
        let parts = GoStrings.split(text, separator: ":")
        let isIndex: (String) -> Bool = { part in
            let digits = part.hasPrefix("-") ? part.dropFirst() : Substring(part)
            return digits.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        guard parts.count <= 3, parts.allSatisfy(isIndex) else { throw FunctionError("invalid array index \(text)") }
        var bounds = [JSONPathSliceBound](repeating: JSONPathSliceBound(), count: 3)
        for index in 0..<3 {
            let present = index < parts.count && (index > 0 || !parts[0].isEmpty)
            if present {
                if index > 0, parts[index].isEmpty { continue }
                guard let value = Int(parts[index]) else {
                    throw FunctionError("array index \(parts[index]) is not a number")
                }
                bounds[index] = JSONPathSliceBound(value: value, known: true)
            } else if index == 1 {
                bounds[1] = JSONPathSliceBound(value: bounds[0].value + 1, known: true, derived: true)
            }
        }
        return bounds
    }

    private mutating func parseFilter(_ list: JSONPathList) throws {
        position += 3
        _ = consumeText()
        var begin = false
        var end = false
        var pair: Unicode.Scalar = "\""
        scan: while true {
            guard let scalar = next(), scalar != "\n" else { throw FunctionError("unterminated filter") }
            switch scalar {
            case "\"", "'":
                if !begin {
                    begin = true
                    pair = scalar
                } else if input[position - 2] != "\\", scalar == pair {
                    end = true
                }
            case ")":
                if begin == end { break scan }
            default:
                break
            }
        }
        guard next() == "]" else { throw FunctionError("unclosed array expect ]") }
        let text = String(String.UnicodeScalarView(consumeText().unicodeScalars.dropLast(2)))
        if let (left, op, right) = Self.splitComparison(text) {
            list.nodes.append(.filter(left: try Self.parseAction(left), right: try Self.parseAction(right), operator: op))
        } else {
            list.nodes.append(.filter(left: try Self.parseAction(text), right: JSONPathList(), operator: "exists"))
        }
    }

    /// `^([^!<>=]+)([!<>=]+)(.+?)$`
    private static func splitComparison(_ text: String) -> (String, String, String)? {
        let scalars = Array(text.unicodeScalars)
        let isOperator: (Unicode.Scalar) -> Bool = { "!<>=".unicodeScalars.contains($0) }
        guard let opStart = scalars.firstIndex(where: isOperator), opStart > 0 else { return nil }
        var opEnd = opStart
        while opEnd < scalars.count, isOperator(scalars[opEnd]) { opEnd += 1 }
        if opEnd == scalars.count {
            guard opEnd - opStart >= 2 else { return nil }
            opEnd -= 1
        }
        let string: (ArraySlice<Unicode.Scalar>) -> String = { String(String.UnicodeScalarView($0)) }
        return (string(scalars[..<opStart]), string(scalars[opStart..<opEnd]), string(scalars[opEnd...]))
    }

    private mutating func parseQuote(_ list: JSONPathList, closing: Unicode.Scalar) throws {
        while true {
            guard let scalar = next(), scalar != "\n" else { throw FunctionError("unterminated quoted string") }
            if scalar == closing, input[position - 2] != "\\" { break }
        }
        let quoted = consumeText()
        guard let text = Self.unquote(quoted) else {
            throw FunctionError("unquote string \(quoted) error invalid syntax")
        }
        list.nodes.append(.text(text))
    }

    private mutating func parseField(_ list: JSONPathList) {
        _ = consumeText()
        while let scalar = next() {
            if scalar == "\\" {
                _ = next()
            } else if Self.isTerminator(scalar) {
                backup()
                break
            }
        }
        let value = consumeText()
        list.nodes.append(value == "*" ? .wildcard : .field(GoStrings.replaceAll(value, "\\", with: "")))
    }

    /// Parses `text` as the inside of one action.
    private static func parseAction(_ text: String) throws -> JSONPathList {
        var parser = JSONPathParser(text: "{" + text + "}")
        guard case .list(let list)? = try parser.parse().first else { return JSONPathList() }
        return list
    }

    /// Single- or double-quoted text with Go's backslash escapes.
    private static func unquote(_ quoted: String) -> String? {
        var scalars = Array(quoted.unicodeScalars)
        guard scalars.count >= 2, scalars.first == scalars.last else { return nil }
        scalars = Array(scalars.dropFirst().dropLast())
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            guard scalar == "\\" else {
                out.append(scalar)
                continue
            }
            guard index < scalars.count else { return nil }
            let escaped = scalars[index]
            index += 1
            switch escaped {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\\", "'", "\"": out.append(escaped)
            default: return nil
            }
        }
        return String(out)
    }

    /// The next rune, or nil at the end; like Go's scanner, a step back after the end stays put.
    private mutating func next() -> Unicode.Scalar? {
        guard position < input.count else {
            lastWidth = 0
            return nil
        }
        lastWidth = 1
        position += 1
        return input[position - 1]
    }

    private mutating func backup() {
        position -= lastWidth
    }

    private func peek() -> Unicode.Scalar? {
        position < input.count ? input[position] : nil
    }

    private func hasPrefix(_ prefix: String) -> Bool {
        let scalars = Array(prefix.unicodeScalars)
        guard position + scalars.count <= input.count else { return false }
        return Array(input[position..<(position + scalars.count)]) == scalars
    }

    private mutating func consumeText() -> String {
        let text = String(String.UnicodeScalarView(input[start..<position]))
        start = position
        return text
    }

    private static func isTerminator(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return true }
        return " \t\r\n.,[]$@{}".unicodeScalars.contains(scalar)
    }

    private static func isAlphaNumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
            return true
        default:
            return scalar == "_"
        }
    }

    /// Go's `%#U`: `U+0023 '#'`.
    private static func describe(_ scalar: Unicode.Scalar) -> String {
        var hex = String(scalar.value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        return "U+\(hex) '\(scalar)'"
    }
}

/// client-go's jsonpath evaluation over template values.
enum JSONPathEvaluator {
    /// The values `node` selects from `input`; each one counts in `walk`, since a shared value
    /// may hold more of them than memory.
    static func walk(_ input: [Value], _ node: JSONPathNode, _ walk: inout ValueWalk) throws -> [Value] {
        let results = try select(input, node, &walk)
        try walk.visit(nodes: results.count)
        return results
    }

    private static func select(_ input: [Value], _ node: JSONPathNode, _ walk: inout ValueWalk) throws -> [Value] {
        switch node {
        case .list(let list): return try evaluate(input, list, &walk)
        case .text(let text): return [.string(text)]
        case .field(let name): return try field(input, name)
        case .array(let bounds): return try array(input, bounds)
        case let .filter(left, right, op): return try filter(input, left: left, right: right, operator: op, &walk)
        case .int(let i): return input.map { _ in .int(i) }
        case .float(let f): return input.map { _ in .float(f) }
        case .bool(let b): return input.map { _ in .bool(b) }
        case .wildcard: return input.flatMap(children)
        case .recursive: return try recursive(input, &walk)
        case .union(let lists):
            var results: [Value] = []
            for list in lists { results += try evaluate(input, list, &walk) }
            return results
        case .identifier(let name): throw FunctionError("unrecognized identifier \(name)")
        }
    }

    private static func evaluate(_ input: [Value], _ list: JSONPathList, _ walk: inout ValueWalk) throws -> [Value] {
        var current = input
        for node in list.nodes { current = try self.walk(current, node, &walk) }
        return current
    }

    private static func field(_ input: [Value], _ name: String) throws -> [Value] {
        if input.isEmpty { return [] }
        var results: [Value] = []
        for value in input {
            switch value {
            case .map(let map):
                if let found = map[name] { results.append(found) }
            case .object(let object):
                if let found = try object.member(name, arguments: []) { results.append(found) }
            default:
                break
            }
        }
        if results.isEmpty { throw FunctionError("\(name) is not found") }
        return results
    }

    private static func array(_ input: [Value], _ node: [JSONPathSliceBound]) throws -> [Value] {
        var results: [Value] = []
        for value in input where !value.isNull {
            guard let elements = value.goSliceElements else {
                throw FunctionError("\(value.goTypeName) is not array or slice")
            }
            var bounds = node
            let length = elements.count
            if !bounds[0].known { bounds[0].value = 0 }
            if bounds[0].value < 0 { bounds[0].value += length }
            if !bounds[1].known { bounds[1].value = length }
            if bounds[1].value < 0 || (bounds[1].value == 0 && bounds[1].derived) { bounds[1].value += length }
            let (from, to) = (bounds[0].value, bounds[1].value)
            if from == to { return results }
            if from >= length || from < 0 {
                throw FunctionError("array index out of bounds: index \(from), length \(length)")
            }
            if to > length || to < 0 {
                throw FunctionError("array index out of bounds: index \(to - 1), length \(length)")
            }
            if from > to { throw FunctionError("starting index \(from) is greater than ending index \(to)") }
            var step = 1
            if bounds[2].known {
                if bounds[2].value <= 0 { throw FunctionError("step must be > 0") }
                step = bounds[2].value
            }
            results += stride(from: from, to: to, by: step).map { elements[$0] }
        }
        return results
    }

    /// What `*` and `..` descend into; Go ranges over map keys in random order, this in sorted order.
    private static func children(_ value: Value) -> [Value] {
        switch value {
        case .map(let map): return map.sortedKeys.compactMap { map[$0] }
        case .list, .bytes: return value.goSliceElements ?? []
        case .string(let s): return s.utf8.map { .int(Int($0)) }
        default: return []
        }
    }

    private static func recursive(_ input: [Value], _ walk: inout ValueWalk) throws -> [Value] {
        var results: [Value] = []
        for value in input where !value.isNull {
            try walk.visit()
            let inner = children(value)
            if !inner.isEmpty {
                results.append(value)
                results += try StackGuard.continuing { try recursive(inner, &walk) }
            }
        }
        return results
    }

    private static func filter(_ input: [Value], left: JSONPathList, right: JSONPathList,
                               operator op: String, _ walk: inout ValueWalk) throws -> [Value] {
        var results: [Value] = []
        for value in input {
            guard let elements = value.goSliceElements else {
                throw FunctionError("\(goPrintForMessage(value)) is not array or slice and cannot be filtered")
            }
            for element in elements {
                let lefts: [Value]
                do {
                    lefts = try evaluate([element], left, &walk)
                } catch {
                    if op == "exists" { continue }
                    throw error
                }
                if op == "exists" {
                    if !lefts.isEmpty { results.append(element) }
                    continue
                }
                if lefts.isEmpty { continue }
                if lefts.count > 1 { throw FunctionError("can only compare one element at a time") }
                let rights = try evaluate([element], right, &walk)
                if rights.isEmpty { continue }
                if rights.count > 1 { throw FunctionError("can only compare one element at a time") }
                if try compare(lefts[0], op, rights[0]) { results.append(element) }
            }
        }
        return results
    }

    /// The comparison functions of client-go's fork of text/template: basic kinds only, same kind.
    private static func compare(_ left: Value, _ op: String, _ right: Value) throws -> Bool {
        let ordering: Int
        switch (left, right) {
        case let (.int(a), .int(b)): ordering = a < b ? -1 : (a == b ? 0 : 1)
        case let (.float(a), .float(b)): ordering = a < b ? -1 : (a == b ? 0 : 1)
        case let (.string(a), .string(b)):
            ordering = goStringLess(a, b) ? -1 : (a.utf8.elementsEqual(b.utf8) ? 0 : 1)
        case let (.bool(a), .bool(b)):
            guard op == "==" || op == "!=" else { throw FunctionError("invalid type for comparison") }
            ordering = a == b ? 0 : 1
        case (.int, _), (.float, _), (.string, _), (.bool, _):
            switch right {
            case .int, .float, .string, .bool: throw FunctionError("incompatible types for comparison")
            default: throw FunctionError("invalid type for comparison")
            }
        default:
            throw FunctionError("invalid type for comparison")
        }
        switch op {
        case "<": return ordering < 0
        case ">": return ordering > 0
        case "==": return ordering == 0
        case "!=": return ordering != 0
        case "<=": return ordering <= 0
        case ">=": return ordering >= 0
        default: throw FunctionError("unrecognized filter operator \(op)")
        }
    }
}
