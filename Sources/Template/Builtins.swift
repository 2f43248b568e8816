/// Go's predefined template functions. Functions in a `FunctionTable` win over these, as in Go
/// (gomplate's `slice` is `coll.Slice`, not Go's builtin).
enum Builtin: String {
    case and, call, html, index, slice, js, len, not, or, print, printf, println, urlquery
    case eq, ge, gt, le, lt, ne

    /// Go's signature shape: how many fixed parameters, and whether more may follow.
    var arity: (fixed: Int, variadic: Bool) {
        switch self {
        case .and, .or, .index, .slice, .eq, .printf: return (1, true)
        case .call: return (1, true)
        case .html, .js, .print, .println, .urlquery: return (0, true)
        case .len, .not: return (1, false)
        case .ge, .gt, .le, .lt, .ne: return (2, false)
        }
    }
}

package enum Builtins {
    package static let names: Set<String> = Set([
        "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery",
        "eq", "ge", "gt", "le", "lt", "ne",
    ])

    static func call(_ builtin: Builtin, _ arguments: [Value], format: String?, execution: Execution) throws -> Value {
        switch builtin {
        case .and, .or:
            return arguments.last ?? .null
        case .not:
            return .bool(!arguments[0].isTruthy)
        case .len:
            return .int(try length(arguments[0]))
        case .index:
            return try index(arguments[0], Array(arguments.dropFirst()))
        case .slice:
            return try slice(arguments[0], Array(arguments.dropFirst()))
        case .print:
            return .string(try goSprint(arguments))
        case .println:
            return .string(try goSprintln(arguments))
        case .printf:
            return .string(try goSprintf(format ?? "", arguments))
        case .html:
            return .string(htmlEscape(try escaperInput(arguments)))
        case .js:
            return .string(jsEscape(try escaperInput(arguments)))
        case .urlquery:
            return .string(queryEscape(try escaperInput(arguments)))
        case .eq:
            return .bool(try equal(arguments[0], Array(arguments.dropFirst())))
        case .ne:
            return .bool(!(try equal(arguments[0], [arguments[1]])))
        case .lt:
            return .bool(try less(arguments[0], arguments[1]))
        case .le:
            return .bool(try lessOrEqual(arguments[0], arguments[1]))
        case .gt:
            return .bool(!(try lessOrEqual(arguments[0], arguments[1])))
        case .ge:
            return .bool(!(try less(arguments[0], arguments[1])))
        case .call:
            // Templates hold no function values, so `call` can only fail, as Go does for non-functions.
            if arguments[0].isNull { throw FunctionError("call of nil") }
            throw FunctionError("non-function \(format ?? goPrintForMessage(arguments[0])) of type \(arguments[0].goTypeName)")
        }
    }

    // MARK: - Comparison

    private enum Kind { case bool, int, float, string, invalid }

    private static func kind(_ value: Value) -> Kind {
        switch value {
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        case .string: return .string
        default: return .invalid
        }
    }

    package static func equal(_ first: Value, _ others: [Value]) throws -> Bool {
        if others.isEmpty { throw FunctionError("missing argument for comparison") }
        let firstKind = kind(first)
        for other in others {
            let otherKind = kind(other)
            var truth = false
            if firstKind != otherKind {
                if !first.isNull && !other.isNull { throw incompatible(first, other) }
            } else {
                switch (first, other) {
                case (.bool(let a), .bool(let b)): truth = a == b
                case (.int(let a), .int(let b)): truth = a == b
                case (.float(let a), .float(let b)): truth = a == b
                case (.string(let a), .string(let b)): truth = a.utf8.elementsEqual(b.utf8)
                default:
                    truth = try equalComposite(first, other)
                }
            }
            if truth { return true }
        }
        return false
    }

    /// Go compares non-basic values only when they are nil or of a comparable type; lists and maps
    /// are not comparable.
    private static func equalComposite(_ first: Value, _ other: Value) throws -> Bool {
        if first.isNull || other.isNull { return first.isNull == other.isNull }
        if first.goTypeName != other.goTypeName {
            throw FunctionError("non-comparable types \(goSprintfForMessage("%s", [first])): \(first.goTypeName), \(other.goTypeName): \(goPrintForMessage(other))")
        }
        switch other {
        case .list, .map, .bytes:
            throw FunctionError("non-comparable type \(goSprintfForMessage("%s", [other])): \(other.goTypeName)")
        default:
            return try goPrint(first) == goPrint(other)
        }
    }

    private static func incompatible(_ first: Value, _ second: Value) -> FunctionError {
        FunctionError("incompatible types for comparison: \(first.goTypeName) and \(second.goTypeName)")
    }

    package static func less(_ first: Value, _ second: Value) throws -> Bool {
        let firstKind = kind(first)
        if firstKind == .invalid { throw FunctionError("invalid type for comparison") }
        let secondKind = kind(second)
        if secondKind == .invalid { throw FunctionError("invalid type for comparison") }
        if firstKind != secondKind { throw incompatible(first, second) }
        switch (first, second) {
        case (.int(let a), .int(let b)): return a < b
        case (.float(let a), .float(let b)): return a < b
        case (.string(let a), .string(let b)): return goStringLess(a, b)
        default: throw FunctionError("invalid type for comparison")
        }
    }

    package static func lessOrEqual(_ first: Value, _ second: Value) throws -> Bool {
        if try less(first, second) { return true }
        return try equal(first, [second])
    }

    // MARK: - Collections

    private static func length(_ value: Value) throws -> Int {
        switch value {
        case .string(let s): return s.utf8.count
        case .bytes(let b): return b.count
        case .list(let l): return l.count
        case .map(let m): return m.entries.count
        case .null: throw FunctionError("len of nil pointer")
        default: throw FunctionError("len of type \(value.goTypeName)")
        }
    }

    private static func indexArgument(_ index: Value, capacity: Int) throws -> Int {
        switch index {
        case .int(let x):
            if x < 0 || x > capacity { throw FunctionError("index out of range: \(x)") }
            return x
        case .null:
            throw FunctionError("cannot index slice/array with nil")
        default:
            throw FunctionError("cannot index slice/array with type \(index.goTypeName)")
        }
    }

    private static func index(_ item: Value, _ indexes: [Value]) throws -> Value {
        if item.isNull { throw FunctionError("index of untyped nil") }
        var current = item
        for index in indexes {
            switch current {
            case .null:
                throw FunctionError("index of nil pointer")
            case .list(let list):
                let x = try indexArgument(index, capacity: list.count)
                if x == list.count { throw FunctionError("reflect: slice index out of range") }
                current = list[x]
            case .bytes(let bytes):
                let x = try indexArgument(index, capacity: bytes.count)
                if x == bytes.count { throw FunctionError("reflect: slice index out of range") }
                current = .int(Int(bytes[x]))
            case .string(let string):
                let utf8 = Array(string.utf8)
                let x = try indexArgument(index, capacity: utf8.count)
                if x == utf8.count { throw FunctionError("reflect: string index out of range") }
                current = .int(Int(utf8[x]))
            case .map(let map):
                guard case .string(let key) = index else {
                    if index.isNull { throw FunctionError("value is nil; should be of type string") }
                    throw FunctionError("value has type \(index.goTypeName); should be string")
                }
                current = map[key] ?? map.zeroElement
            default:
                throw FunctionError("can't index item of type \(current.goTypeName)")
            }
        }
        return current
    }

    private static func slice(_ item: Value, _ indexes: [Value]) throws -> Value {
        if item.isNull { throw FunctionError("slice of untyped nil") }
        if indexes.count > 3 { throw FunctionError("too many slice indexes: \(indexes.count)") }
        let count: Int
        switch item {
        case .string(let s):
            if indexes.count == 3 { throw FunctionError("cannot 3-index slice a string") }
            count = s.utf8.count
        case .list(let l): count = l.count
        case .bytes(let b): count = b.count
        default: throw FunctionError("can't slice item of type \(item.goTypeName)")
        }
        var bounds = [0, count, count]
        for (position, index) in indexes.enumerated() {
            bounds[position] = try indexArgument(index, capacity: count)
        }
        if bounds[0] > bounds[1] { throw FunctionError("invalid slice index: \(bounds[0]) > \(bounds[1])") }
        if indexes.count == 3 && bounds[1] > bounds[2] {
            throw FunctionError("invalid slice index: \(bounds[1]) > \(bounds[2])")
        }
        switch item {
        case .string(let s): return .string(String(decoding: Array(s.utf8)[bounds[0]..<bounds[1]], as: UTF8.self))
        case .list(let l): return .list(Array(l[bounds[0]..<bounds[1]]))
        case .bytes(let b): return .bytes(Array(b[bounds[0]..<bounds[1]]))
        default: return .null
        }
    }

    // MARK: - Escapers

    /// Go's `evalArgs`: a nil argument prints as `<no value>`, and counts as a string for spacing.
    private static func escaperInput(_ arguments: [Value]) throws -> String {
        if arguments.count == 1, case .string(let s) = arguments[0] { return s }
        return try goSprint(arguments.map { $0.isNull ? .string("<no value>") : $0 })
    }

    package static func htmlEscape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\0": out += "\u{FFFD}"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    package static func jsEscape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if scalar.value < 0x20 {
                    out += "\\u00" + String(hex[Int(scalar.value >> 4)]) + String(hex[Int(scalar.value & 0xF)])
                } else if scalar.value >= 0x80 && !goIsPrint(scalar) {
                    var digits = String(scalar.value, radix: 16, uppercase: true)
                    while digits.count < 4 { digits = "0" + digits }
                    out += "\\u" + digits
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Go's `url.QueryEscape`.
    package static func queryEscape(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
