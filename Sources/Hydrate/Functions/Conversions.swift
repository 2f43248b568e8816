import Foundation

/// gomplate's `conv` package semantics, shared by every function that takes `interface{}` arguments.
extension Value {
    /// gomplate's `conv.ToString`: strings as they are, `[]byte` as text, nil as "nil", the rest as `fmt.Sprint`.
    public var gomplateString: String {
        switch self {
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .null: return "nil"
        default: return goPrint(self)
        }
    }

    /// gomplate's `conv.ToInt64`: numbers truncated, numeric strings parsed (base prefixes, floats), bools as 0/1, else 0.
    public var gomplateInt: Int {
        switch self {
        case .int(let i): return i
        case .float(let f): return Int(f)
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Int(s) ?? 0
        default: return 0
        }
    }

    /// gomplate's `conv.ToFloat64`.
    public var gomplateFloat: Double {
        switch self {
        case .int(let i): return Double(i)
        case .float(let f): return f
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Double(s) ?? 0
        default: return 0
        }
    }

    /// gomplate's `conv.ToBool`.
    public var gomplateBool: Bool {
        switch self {
        case .bool(let b): return b
        case .int(let i): return i == 1
        case .float(let f): return f == 1
        case .string(let s): return ["1", "t", "true", "yes", "on"].contains(s.lowercased())
        default: return false
        }
    }
}
