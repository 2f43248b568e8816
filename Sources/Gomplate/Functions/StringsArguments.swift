import Template
/// How Go's text/template converts an argument for a function parameter with a concrete type
/// (`string`, `int`, `map[string]any`): anything else is an error, worded as Go words it.
enum TypedArgument {
    static func string(_ value: Value) throws -> String {
        switch value {
        case .string(let s): return s
        case .null: throw FunctionError("invalid value; expected string")
        default: throw FunctionError("wrong type for value; expected string; got \(value.goTypeName)")
        }
    }

    /// An `int` parameter. Go converts an untyped number constant such as `2.0` when it is whole,
    /// and the engine hands constants over as plain numbers, so whole floats pass.
    static func int(_ value: Value) throws -> Int {
        switch value {
        case .int(let i): return i
        case .float(let f) where f.rounded() == f && abs(f) < 9.2e18: return Int(f)
        case .null: throw FunctionError("invalid value; expected int")
        default: throw FunctionError("wrong type for value; expected int; got \(value.goTypeName)")
        }
    }

    /// A `map[string]any` parameter: `map[string]string` (such as `.Env`) is a different Go type.
    static func anyMap(_ value: Value) throws -> MapValue {
        switch value {
        case .map(let m) where m.elementType == .any: return m
        case .null: throw FunctionError("invalid value; expected map[string]interface {}")
        default: throw FunctionError("wrong type for value; expected map[string]interface {}; got \(value.goTypeName)")
        }
    }
}

/// Go's `strings` package on byte-exact terms: Go strings are bytes and split, trim and index by them.
enum GoStrings {
    /// `unicode.IsSpace`: the Unicode White_Space property.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    static func trimSpace(_ s: String) -> String {
        trim(s) { isSpace($0) }
    }

    static func trim(_ s: String, left: Bool = true, right: Bool = true,
                     where shouldTrim: (Unicode.Scalar) -> Bool) -> String {
        let scalars = s.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        if left {
            while start < end, shouldTrim(scalars[start]) { start = scalars.index(after: start) }
        }
        if right {
            while end > start {
                let before = scalars.index(before: end)
                guard shouldTrim(scalars[before]) else { break }
                end = before
            }
        }
        return String(scalars[start..<end])
    }

    /// `strings.Trim`/`TrimLeft`/`TrimRight`: drop leading/trailing runes that are in `cutset`.
    static func trim(_ s: String, cutset: String, left: Bool = true, right: Bool = true) -> String {
        if s.isEmpty || cutset.isEmpty { return s }
        let set = Set(cutset.unicodeScalars)
        return trim(s, left: left, right: right) { set.contains($0) }
    }

    /// `strings.SplitN(s, sep, n)`: n < 0 all pieces, n == 0 none, n > 0 at most n (the last one the rest).
    static func split(_ s: String, separator: String, limit n: Int = -1) -> [String] {
        if n == 0 { return [] }
        let bytes = Array(s.utf8)
        if separator.isEmpty { return explode(bytes, limit: n) }
        let sep = Array(separator.utf8)
        var pieces: [String] = []
        var start = 0
        var i = 0
        while i + sep.count <= bytes.count {
            if n > 0, pieces.count == n - 1 { break }
            if bytes[i] == sep[0], bytes[i..<(i + sep.count)].elementsEqual(sep) {
                pieces.append(String(decoding: bytes[start..<i], as: UTF8.self))
                i += sep.count
                start = i
            } else {
                i += 1
            }
        }
        pieces.append(String(decoding: bytes[start...], as: UTF8.self))
        return pieces
    }

    /// Splitting on "" yields one piece per rune.
    private static func explode(_ bytes: [UInt8], limit n: Int) -> [String] {
        let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
        let count = n < 0 || n > scalars.count ? scalars.count : n
        var pieces: [String] = []
        for index in 0..<count {
            if index == count - 1 {
                var rest = String.UnicodeScalarView()
                rest.append(contentsOf: scalars[index...])
                pieces.append(String(rest))
            } else {
                pieces.append(String(Character(scalars[index])))
            }
        }
        return pieces
    }

    static func replaceAll(_ s: String, _ old: String, with new: String) -> String {
        if old.isEmpty {
            // Go inserts `new` before every rune and at the end.
            var out = new
            for scalar in s.unicodeScalars {
                out.unicodeScalars.append(scalar)
                out += new
            }
            return out
        }
        return split(s, separator: old).joined(separator: new)
    }

    /// `strings.Count`: non-overlapping occurrences of `substring`, or the rune count + 1 for "".
    static func count(_ s: String, _ substring: String) -> Int {
        if substring.isEmpty { return s.unicodeScalars.count + 1 }
        return split(s, separator: substring).count - 1
    }

    static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        s.utf8.starts(with: prefix.utf8)
    }

    static func hasSuffix(_ s: String, _ suffix: String) -> Bool {
        s.utf8.reversed().starts(with: suffix.utf8.reversed())
    }

    static func contains(_ s: String, _ substring: String) -> Bool {
        substring.isEmpty || split(s, separator: substring, limit: 2).count == 2
    }

    /// A byte-range of `s` as Go slices it (`s[a:b]`); a cut through a multi-byte rune becomes U+FFFD.
    static func slice(_ s: String, _ from: Int, _ to: Int) -> String {
        let bytes = Array(s.utf8)
        return String(decoding: bytes[from..<to], as: UTF8.self)
    }
}

extension Value {
    /// `reflect.DeepEqual` on template values: same Go type and same contents. Each pair of
    /// nodes compared counts in `walk`.
    func goDeepEquals(_ other: Value, walk: inout ValueWalk) throws -> Bool {
        try walk.visit()
        switch (self, other) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.float(a), .float(b)): return a == b
        case let (.string(a), .string(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.bytes(a), .bytes(b)): return a == b
        case let (.list(a), .list(b)):
            guard a.count == b.count else { return false }
            for (left, right) in zip(a, b) where !(try StackGuard.continuing { try left.goDeepEquals(right, walk: &walk) }) {
                return false
            }
            return true
        case let (.map(a), .map(b)):
            guard a.elementType == b.elementType, a.entries.count == b.entries.count else { return false }
            for (key, value) in a.entries {
                guard let counterpart = b.entries[key],
                      try StackGuard.continuing({ try value.goDeepEquals(counterpart, walk: &walk) }) else { return false }
            }
            return true
        case let (.object(a), .object(b)):
            return a.goTypeName == b.goTypeName && a.goDescription == b.goDescription
        default: return false
        }
    }

    /// Go's `reflect.Kind` name for the value, as `test.Kind` reports it.
    var goKindName: String {
        switch self {
        case .null: return "invalid"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float64"
        case .string: return "string"
        case .bytes, .list: return "slice"
        case .map: return "map"
        case .object(let o): return o.goTypeName.hasPrefix("*") ? "ptr" : "struct"
        }
    }

    /// The elements of a Go slice (`[]any` or `[]byte`), or nil for anything else.
    var goSliceElements: [Value]? {
        switch self {
        case .list(let l): return l
        case .bytes(let b): return b.map { .int(Int($0)) }
        default: return nil
        }
    }

    /// gomplate's `iconv.InterfaceSlice`; its error names the reflect.Value it was given.
    func interfaceSlice() throws -> [Value] {
        guard let elements = goSliceElements else {
            throw FunctionError("expected an array or slice, but got a reflect.Value")
        }
        return elements
    }
}
