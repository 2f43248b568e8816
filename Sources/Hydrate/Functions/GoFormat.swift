import Foundation

/// `fmt.Sprint(v)` of one value, i.e. Go's `%v`.
public func goPrint(_ value: Value) -> String {
    switch value {
    case .null: return "<nil>"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .float(let f): return String(f)
    case .string(let s): return s
    case .bytes(let b): return "[" + b.map(String.init).joined(separator: " ") + "]"
    case .list(let l): return "[" + l.map(goPrint).joined(separator: " ") + "]"
    case .map(let m): return "map[" + m.sortedKeys.map { "\($0):\(goPrint(m.entries[$0]!))" }.joined(separator: " ") + "]"
    case .object(let o): return o.goDescription
    }
}

/// `fmt.Sprint(args...)`: a space between operands when neither side is a string.
public func goSprint(_ arguments: [Value]) -> String {
    var out = ""
    for (index, argument) in arguments.enumerated() {
        if index > 0, !argument.isGoString, !arguments[index - 1].isGoString { out += " " }
        out += goPrint(argument)
    }
    return out
}

/// `fmt.Sprintln(args...)`: always spaces, then a newline.
public func goSprintln(_ arguments: [Value]) -> String {
    arguments.map(goPrint).joined(separator: " ") + "\n"
}

/// `fmt.Sprintf(format, args...)`.
public func goSprintf(_ format: String, _ arguments: [Value]) -> String {
    format + arguments.map(goPrint).joined()
}

extension Value {
    var isGoString: Bool {
        if case .string = self { return true }
        return false
    }
}
