import Foundation
import Template

/// gomplate's `conv` package semantics (conv/conv.go), shared by every function that takes
/// `interface{}` arguments.
extension Value {
    /// gomplate's `conv.ToString`: nil as "nil", strings as they are, `String()` of objects,
    /// `[]byte` as text, everything else as `fmt.Sprint` (which walks a list or map in a
    /// `ValueWalk`, and so may fail).
    public func gomplateString() throws -> String {
        switch self {
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .null: return "nil"
        default: return try goPrint(self)
        }
    }

    /// `gomplateString` of a value inside a walk that other values share.
    func gomplateString(walk: inout ValueWalk) throws -> String {
        switch self {
        case .list, .map:
            var out = ""
            try goAppendPlain(self, to: &out, walk: &walk)
            return out
        default: return try gomplateString()
        }
    }

    /// gomplate's `conv.ToInt64`, lenient: numbers truncated, numeric strings parsed (commas
    /// dropped, base prefixes, floats truncated), bools as 0/1, anything unconvertible 0.
    public var gomplateInt: Int {
        (try? gomplateStrictInt()) ?? 0
    }

    /// gomplate v5's `conv.ToInt64`, which reports what it cannot convert:
    /// `could not convert "foo" to int64: strconv.ParseFloat: parsing "foo": invalid syntax`.
    public func gomplateStrictInt() throws -> Int {
        switch self {
        case .int(let i): return i
        case .float(let f): return goFloatToInt(f)
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return try gomplateStringToInt(s)
        default: throw FunctionError("could not convert \(goPrintForMessage(self)) to int64")
        }
    }

    /// gomplate's `conv.ToFloat64`, lenient: unconvertible values are 0.
    public var gomplateFloat: Double {
        (try? gomplateStrictFloat()) ?? 0
    }

    /// gomplate v5's `conv.ToFloat64`, which reports what it cannot convert.
    public func gomplateStrictFloat() throws -> Double {
        switch self {
        case .int(let i): return Double(i)
        case .float(let f): return f
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return try gomplateStringToFloat(s)
        default: throw FunctionError("could not convert \(goPrintForMessage(self)) to float64")
        }
    }

    /// gomplate's `conv.ToBool`: true for `true`, the number 1, and the strings "1", "t", "true",
    /// "yes" in any case or any string that parses as the number 1 ("0x01", "1.0").
    public var gomplateBool: Bool {
        switch self {
        case .bool(let b): return b
        case .int(let i): return i == 1
        case .float(let f): return f == 1
        case .string(let s):
            let lower = s.lowercased()
            switch lower {
            case "1", "t", "true", "yes": return true
            default: return ((try? gomplateStringToFloat(lower)) ?? 0) == 1
            }
        default: return false
        }
    }

    /// Whether the value is one of Go's number types.
    public var isNumber: Bool {
        switch self {
        case .int, .float: return true
        default: return false
        }
    }
}

/// gomplate's `strToInt64`: commas removed, `strconv.ParseInt(s, 0, 64)`, else a truncated float.
/// `gomplateString` of each of `values`, within one walk: the texts together may not pass
/// the string limit, since they are joined into one (`conv.Join`, `data.ToCSV`).
func gomplateStrings(_ values: [Value]) throws -> [String] {
    try ValueWalk.run { walk in
        var total = 0
        return try values.map { value in
            let text = try value.gomplateString(walk: &walk)
            total += text.utf8.count
            try walk.visit(producing: total)
            return text
        }
    }
}

func gomplateStringToInt(_ text: String) throws -> Int {
    let s = text.contains(",") ? text.replacingOccurrences(of: ",", with: "") : text
    let (i, intFailure) = parseSigned(s, base: 0, bitSize: 64)
    if intFailure == nil { return i }
    let (f, floatFailure) = parseFloat(s)
    if let floatFailure {
        throw FunctionError("could not convert \(goQuote(s)) to int64: strconv.ParseFloat: parsing \(goQuote(s)): \(floatFailure.reason)")
    }
    return goFloatToInt(f)
}

/// gomplate's `strToFloat64`: commas removed, integers (with base prefixes) first, then floats.
func gomplateStringToFloat(_ text: String) throws -> Double {
    let s = text.contains(",") ? text.replacingOccurrences(of: ",", with: "") : text
    let (i, intFailure) = parseSigned(s, base: 0, bitSize: 64)
    if intFailure == nil { return Double(i) }
    let (f, floatFailure) = parseFloat(s)
    if let floatFailure {
        throw FunctionError("could not convert \(goQuote(s)) to float64: strconv.ParseFloat: parsing \(goQuote(s)): \(floatFailure.reason)")
    }
    return f
}

/// Go's `int64(f)` on amd64: truncation, and the "integer indefinite" value for NaN and
/// out-of-range numbers (Swift would trap instead).
func goFloatToInt(_ f: Double) -> Int {
    if f.isNaN || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 { return Int.min }
    return Int(f)
}

/// gomplate's `conv.MustParseInt`: what `strconv.ParseInt` returns, error or not (0 for bad
/// syntax, the nearest limit when out of range).
func goMustParseInt(_ s: String, base: Int, bitSize: Int) -> Int {
    parseSigned(s, base: base, bitSize: bitSize).0
}

/// gomplate's `conv.MustParseUint`.
func goMustParseUint(_ s: String, base: Int, bitSize: Int) -> UInt64 {
    parseUnsigned(s, base: base, bitSize: bitSize).0
}

/// gomplate's `conv.MustParseFloat`: ±Inf when out of range, 0 for bad syntax.
func goMustParseFloat(_ s: String) -> Double {
    parseFloat(s).0
}
