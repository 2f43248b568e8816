import Template
/// `coll.JQ` for jq path expressions only: `.`, `.key`, `."key"`, `.[n]`, `.["key"]`, `.[]`, the
/// `?` suffix, `,` and `|`. gomplate embeds the whole gojq language; anything beyond paths is
/// reported as a parse error rather than guessed at.
enum JQSubset {
    static func query(_ expression: String, in data: Value) throws -> Value {
        var parser = JQParser(Array(expression.unicodeScalars))
        let program: JQExpression
        do {
            program = try parser.parseProgram()
        } catch let error as FunctionError {
            throw FunctionError("couldn't parse JQ \(expression): \(error.message)")
        }
        let outputs: [Value]
        do {
            outputs = try ValueWalk.run { walk in try program.run(data, &walk) }
        } catch let error as FunctionError {
            throw FunctionError("executing JQ failed: \(error.message)")
        }
        if outputs.count == 1 { return outputs[0] }
        return .list(outputs)
    }
}

indirect enum JQExpression {
    case identity
    case pipe(JQExpression, JQExpression)
    case comma(JQExpression, JQExpression)
    case key(JQExpression, String, optional: Bool)
    case index(JQExpression, Int, optional: Bool)
    case iterate(JQExpression, optional: Bool)

    /// The outputs for `input`; each one counts in `walk`, since `.[]` over a shared value can
    /// yield more of them than memory holds.
    func run(_ input: Value, _ walk: inout ValueWalk) throws -> [Value] {
        // At most `JQParser.maxSteps` deep, which a small stack may not hold.
        if StackGuard.isNearlyExhausted { return try StackGuard.onFreshStack { try run(input, &walk) } }
        let results = try outputs(input, &walk)
        try walk.visit(nodes: results.count)
        return results
    }

    private func outputs(_ input: Value, _ walk: inout ValueWalk) throws -> [Value] {
        switch self {
        case .identity:
            return [input]
        case let .pipe(first, second):
            return try first.run(input, &walk).flatMap { try second.run($0, &walk) }
        case let .comma(first, second):
            return try first.run(input, &walk) + second.run(input, &walk)
        case let .key(base, name, optional):
            return try base.run(input, &walk).flatMap { value -> [Value] in
                switch value {
                case .null: return [.null]
                case .map(let map): return [map[name] ?? .null]
                default:
                    if optional { return [] }
                    throw FunctionError("expected an object but got: \(Self.describe(value))")
                }
            }
        case let .index(base, position, optional):
            return try base.run(input, &walk).flatMap { value -> [Value] in
                if value.isNull { return [.null] }
                guard let elements = value.goSliceElements else {
                    if optional { return [] }
                    throw FunctionError("expected an array but got: \(Self.describe(value))")
                }
                let resolved = position < 0 ? elements.count + position : position
                return [elements.indices.contains(resolved) ? elements[resolved] : .null]
            }
        case let .iterate(base, optional):
            return try base.run(input, &walk).flatMap { value -> [Value] in
                if let elements = value.goSliceElements { return elements }
                if case .map(let map) = value { return map.sortedKeys.compactMap { map[$0] } }
                if optional { return [] }
                throw FunctionError("cannot iterate over: \(Self.describe(value))")
            }
        }
    }

    /// gojq's wording for a value in a type error: `number (1)`.
    private static func describe(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "boolean (\(b))"
        case .int, .float: return "number (\(goPrintForMessage(value)))"
        case .string(let s): return "string (\(goQuote(s)))"
        case .list, .bytes: return "array (\(goPrintForMessage(value)))"
        case .map: return "object (\(goPrintForMessage(value)))"
        case .object(let o): return "object (\(o.goDescription))"
        }
    }
}

private struct JQParser {
    /// The most steps (`.key`, `[n]`, `|`, `,`) in one expression: each nests the expression tree
    /// one level deeper, which running and freeing it recurse through.
    static let maxSteps = 1_000

    private let input: [Unicode.Scalar]
    private var position = 0
    private var steps = 0

    init(_ input: [Unicode.Scalar]) {
        self.input = input
    }

    mutating func parseProgram() throws -> JQExpression {
        let expression = try parsePipe()
        skipSpaces()
        if position < input.count { throw unexpected() }
        return expression
    }

    private mutating func parsePipe() throws -> JQExpression {
        var expression = try parseComma()
        while consume("|") {
            try step()
            expression = .pipe(expression, try parseComma())
        }
        return expression
    }

    private mutating func parseComma() throws -> JQExpression {
        var expression = try parsePath()
        while consume(",") {
            try step()
            expression = .comma(expression, try parsePath())
        }
        return expression
    }

    private mutating func parsePath() throws -> JQExpression {
        guard consume(".") else { throw unexpected() }
        var expression = JQExpression.identity
        if let name = identifier() {
            expression = .key(expression, name, optional: consume("?"))
        } else if peek() == "\"" {
            expression = .key(expression, try string(), optional: consume("?"))
        }
        while true {
            try step()
            if consume("[") {
                expression = try parseBracket(expression)
            } else if peek() == ".", position + 1 < input.count, input[position + 1] != "." {
                position += 1
                if let name = identifier() {
                    expression = .key(expression, name, optional: consume("?"))
                } else if peek() == "\"" {
                    expression = .key(expression, try string(), optional: consume("?"))
                } else if consume("[") {
                    expression = try parseBracket(expression)
                } else {
                    throw unexpected()
                }
            } else {
                return expression
            }
        }
    }

    private mutating func parseBracket(_ base: JQExpression) throws -> JQExpression {
        if consume("]") { return .iterate(base, optional: consume("?")) }
        skipSpaces()
        if peek() == "\"" {
            let name = try string()
            guard consume("]") else { throw unexpected() }
            return .key(base, name, optional: consume("?"))
        }
        var digits = ""
        if consume("-") { digits = "-" }
        while let scalar = peek(), scalar.properties.numericType == .decimal, scalar.isASCII {
            digits.unicodeScalars.append(scalar)
            position += 1
        }
        guard let index = Int(digits), consume("]") else { throw unexpected() }
        return .index(base, index, optional: consume("?"))
    }

    private mutating func identifier() -> String? {
        var name = ""
        while let scalar = peek(), scalar == "_" || scalar.properties.isAlphabetic && scalar.isASCII
                || (!name.isEmpty && scalar.properties.numericType == .decimal && scalar.isASCII) {
            name.unicodeScalars.append(scalar)
            position += 1
        }
        return name.isEmpty ? nil : name
    }

    private mutating func string() throws -> String {
        position += 1
        var text = String.UnicodeScalarView()
        while position < input.count {
            let scalar = input[position]
            position += 1
            if scalar == "\"" { return String(text) }
            if scalar == "\\", position < input.count {
                let escaped = input[position]
                position += 1
                switch escaped {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                default: text.append(escaped)
                }
            } else {
                text.append(scalar)
            }
        }
        throw FunctionError("unterminated string literal")
    }

    private mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        skipSpaces()
        guard peek() == scalar else { return false }
        position += 1
        return true
    }

    private func peek() -> Unicode.Scalar? {
        position < input.count ? input[position] : nil
    }

    private mutating func skipSpaces() {
        while let scalar = peek(), scalar == " " || scalar == "\t" || scalar == "\n" { position += 1 }
    }

    private mutating func step() throws {
        steps += 1
        if steps > Self.maxSteps { throw FunctionError("more than \(Self.maxSteps) steps") }
    }

    private func unexpected() -> FunctionError {
        guard position < input.count else { return FunctionError("unexpected EOF") }
        let rest = String(String.UnicodeScalarView(input[position...]))
        return FunctionError("unexpected token \(goQuote(rest)) (edpctl supports jq path expressions only)")
    }
}
