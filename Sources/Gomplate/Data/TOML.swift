import Foundation
import Template

// TOML for gomplate's `data.TOML` and `data.ToTOML` (BurntSushi/toml semantics): tables become
// maps, integers int64, floats float64. Date-times are kept as their text (gomplate yields a
// time.Time, which prints differently).

/// Parses a TOML document into a map.
func decodeTOML(_ text: String) throws -> Value {
    var parser = TOMLParser(bytes: Array(text.utf8))
    return .map(MapValue(try parser.parseDocument()))
}

private struct TOMLParser {
    let bytes: [UInt8]
    var i = 0
    var line = 1
    /// How deep the value being parsed sits: its table (counted twice, as arrays of tables nest a
    /// list and a map per name), its key, and the arrays and inline tables around it.
    private var nesting = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String) -> FunctionError {
        FunctionError("toml: line \(line): \(message)")
    }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    private func peek(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }

    private mutating func skipSpaces() {
        while let c = current, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { i += 1 }
    }

    private mutating func skipComment() {
        if current == UInt8(ascii: "#") {
            while let c = current, c != UInt8(ascii: "\n") { i += 1 }
        }
    }

    /// Skips blanks, comments and newlines (inside arrays).
    private mutating func skipWhitespaceAndNewlines() {
        while let c = current {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                i += 1
            } else if c == UInt8(ascii: "\n") {
                i += 1
                line += 1
            } else if c == UInt8(ascii: "#") {
                skipComment()
            } else {
                return
            }
        }
    }

    private mutating func expectLineEnd() throws {
        skipSpaces()
        skipComment()
        if current == UInt8(ascii: "\r") { i += 1 }
        guard let c = current else { return }
        guard c == UInt8(ascii: "\n") else { throw error("expected a newline after a value") }
        i += 1
        line += 1
    }

    mutating func parseDocument() throws -> [String: Value] {
        var root: [String: Value] = [:]
        var tablePath: [String] = []
        var definedTables: Set<[String]> = []
        while true {
            skipWhitespaceAndNewlines()
            guard let c = current else { break }
            if c == UInt8(ascii: "[") {
                let isArrayTable = peek(1) == UInt8(ascii: "[")
                i += isArrayTable ? 2 : 1
                skipSpaces()
                let path = try parseKey()
                skipSpaces()
                guard current == UInt8(ascii: "]"), !isArrayTable || peek(1) == UInt8(ascii: "]") else {
                    throw error("expected ']' to close the table name")
                }
                i += isArrayTable ? 2 : 1
                try checkNesting(2 * path.count)
                try expectLineEnd()
                if isArrayTable {
                    try appendArrayTable(&root, path)
                } else {
                    if definedTables.contains(path) { throw error("table \(path.joined(separator: ".")) already defined") }
                    definedTables.insert(path)
                    try ensureTable(&root, path)
                }
                tablePath = path
                continue
            }
            let key = try parseKey()
            skipSpaces()
            guard current == UInt8(ascii: "=") else { throw error("expected '=' after key") }
            i += 1
            skipSpaces()
            nesting = 2 * tablePath.count + key.count
            try checkNesting(nesting)
            let value = try parseValue()
            try insert(&root, tablePath, key, value)
            try expectLineEnd()
        }
        return root
    }

    // MARK: Tables

    private func ensureTable(_ root: inout [String: Value], _ path: [String]) throws {
        guard let first = path.first else { return }
        var child: [String: Value]
        switch root[first] {
        case nil: child = [:]
        case .map(let map)?: child = map.entries
        case .list(let items)? where path.count > 1:
            // Dotted names below an array of tables refer to its last element.
            guard case .map(let last)? = items.last else { throw error("key \(first) is not a table") }
            child = last.entries
            try ensureTable(&child, Array(path.dropFirst()))
            var updated = items
            updated[updated.count - 1] = .map(MapValue(child))
            root[first] = .list(updated)
            return
        default: throw error("key \(first) is already defined as a value")
        }
        try ensureTable(&child, Array(path.dropFirst()))
        root[first] = .map(MapValue(child))
    }

    private func appendArrayTable(_ root: inout [String: Value], _ path: [String]) throws {
        guard let first = path.first else { return }
        if path.count == 1 {
            switch root[first] {
            case nil: root[first] = .list([.map(MapValue())])
            case .list(let items)?: root[first] = .list(items + [.map(MapValue())])
            default: throw error("key \(first) is already defined")
            }
            return
        }
        switch root[first] {
        case nil:
            var child: [String: Value] = [:]
            try appendArrayTable(&child, Array(path.dropFirst()))
            root[first] = .map(MapValue(child))
        case .map(let map)?:
            var child = map.entries
            try appendArrayTable(&child, Array(path.dropFirst()))
            root[first] = .map(MapValue(child))
        case .list(var items)?:
            guard case .map(let last)? = items.last else { throw error("key \(first) is not a table") }
            var child = last.entries
            try appendArrayTable(&child, Array(path.dropFirst()))
            items[items.count - 1] = .map(MapValue(child))
            root[first] = .list(items)
        default:
            throw error("key \(first) is already defined")
        }
    }

    private func insert(_ table: inout [String: Value], _ path: [String], _ key: [String], _ value: Value) throws {
        if let first = path.first {
            var child: [String: Value]
            switch table[first] {
            case .map(let map)?: child = map.entries
            case .list(var items)?:
                guard case .map(let last)? = items.last else { throw error("key \(first) is not a table") }
                child = last.entries
                try insert(&child, Array(path.dropFirst()), key, value)
                items[items.count - 1] = .map(MapValue(child))
                table[first] = .list(items)
                return
            case nil: child = [:]
            default: throw error("key \(first) is not a table")
            }
            try insert(&child, Array(path.dropFirst()), key, value)
            table[first] = .map(MapValue(child))
            return
        }
        if key.count > 1 {
            try insert(&table, [key[0]], Array(key.dropFirst()), value)
            return
        }
        if table[key[0]] != nil { throw error("key \(key[0]) is already defined") }
        table[key[0]] = value
    }

    // MARK: Keys

    private mutating func parseKey() throws -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = current else { throw error("expected a key") }
            if c == UInt8(ascii: "\"") {
                parts.append(try parseBasicString())
            } else if c == UInt8(ascii: "'") {
                parts.append(try parseLiteralString())
            } else {
                let start = i
                while let c = current, isBareKeyCharacter(c) { i += 1 }
                guard i > start else { throw error("invalid key character \(goQuote(String(UnicodeScalar(c))))") }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard current == UInt8(ascii: ".") else { return parts }
            i += 1
        }
    }

    private func isBareKeyCharacter(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    // MARK: Values

    private mutating func parseValue() throws -> Value {
        guard let c = current else { throw error("expected a value") }
        switch c {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") { return .string(try parseMultilineBasicString()) }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") { return .string(try parseMultilineLiteralString()) }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "{"): return try parseInlineTable()
        default: return try parseScalarToken()
        }
    }

    /// Values nested past `WorkLimits.maxNestingDepth` would overflow the stack of whatever
    /// walks them later.
    private func checkNesting(_ depth: Int) throws {
        if depth > WorkLimits.maxNestingDepth {
            throw error("nested deeper than \(WorkLimits.maxNestingDepth) levels")
        }
    }

    private mutating func parseArray() throws -> Value {
        nesting += 1
        defer { nesting -= 1 }
        try checkNesting(nesting)
        i += 1
        var items: [Value] = []
        while true {
            skipWhitespaceAndNewlines()
            if current == UInt8(ascii: "]") {
                i += 1
                return .list(items)
            }
            items.append(try StackGuard.continuing { try parseValue() })
            skipWhitespaceAndNewlines()
            if current == UInt8(ascii: ",") {
                i += 1
            } else if current == UInt8(ascii: "]") {
                i += 1
                return .list(items)
            } else {
                throw error("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func parseInlineTable() throws -> Value {
        nesting += 1
        defer { nesting -= 1 }
        try checkNesting(nesting)
        i += 1
        var table: [String: Value] = [:]
        skipSpaces()
        if current == UInt8(ascii: "}") {
            i += 1
            return .map(MapValue())
        }
        while true {
            let key = try parseKey()
            skipSpaces()
            guard current == UInt8(ascii: "=") else { throw error("expected '=' in an inline table") }
            i += 1
            skipSpaces()
            nesting += key.count
            defer { nesting -= key.count }
            try checkNesting(nesting)
            let value = try StackGuard.continuing { try parseValue() }
            try insert(&table, [], key, value)
            skipSpaces()
            if current == UInt8(ascii: ",") {
                i += 1
                skipSpaces()
            } else if current == UInt8(ascii: "}") {
                i += 1
                return .map(MapValue(table))
            } else {
                throw error("expected ',' or '}' in an inline table")
            }
        }
    }

    private mutating func parseScalarToken() throws -> Value {
        let start = i
        while let c = current, c != UInt8(ascii: ",") && c != UInt8(ascii: "]") && c != UInt8(ascii: "}")
            && c != UInt8(ascii: "\n") && c != UInt8(ascii: "\r") && c != UInt8(ascii: "#") {
            // A date-time may contain one space between date and time.
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") {
                let token = String(decoding: bytes[start..<i], as: UTF8.self)
                guard isTOMLDate(token), let next = peek(1), next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") else { break }
            }
            i += 1
        }
        let token = String(decoding: bytes[start..<i], as: UTF8.self)
        switch token {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if token.isEmpty { throw error("expected a value") }
        if isTOMLDate(token) || token.contains(":") { return .string(token) }
        let plain = token.replacingOccurrences(of: "_", with: "")
        let isPrefixed = plain.hasPrefix("0x") || plain.hasPrefix("0o") || plain.hasPrefix("0b")
        if isPrefixed {
            let (n, failure) = parseSigned(plain, base: 0, bitSize: 64)
            if failure == nil { return .int(n) }
        } else {
            if !plain.contains("."), !plain.lowercased().contains("e") {
                let (n, failure) = parseSigned(plain, base: 10, bitSize: 64)
                if failure == nil { return .int(n) }
            }
            let (f, failure) = parseFloat(plain)
            if failure == nil { return .float(f) }
        }
        throw error("invalid value \(goQuote(token))")
    }

    private func isTOMLDate(_ token: String) -> Bool {
        let b = Array(token.utf8)
        guard b.count >= 10 else { return false }
        func digit(_ k: Int) -> Bool { b[k] >= UInt8(ascii: "0") && b[k] <= UInt8(ascii: "9") }
        return digit(0) && digit(1) && digit(2) && digit(3) && b[4] == UInt8(ascii: "-") && digit(5) && digit(6)
            && b[7] == UInt8(ascii: "-") && digit(8) && digit(9)
    }

    // MARK: Strings

    private mutating func parseBasicString() throws -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard let c = current, c != UInt8(ascii: "\n") else { throw error("unterminated string") }
            i += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\") {
                try appendEscape(&out)
            } else {
                out.append(c)
            }
        }
    }

    private mutating func parseMultilineBasicString() throws -> String {
        i += 3
        if current == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n") { i += 1 }
        if current == UInt8(ascii: "\n") {
            i += 1
            line += 1
        }
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw error("unterminated string") }
            if c == UInt8(ascii: "\"") && peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") {
                i += 3
                // Up to two quotes right before the closing delimiter belong to the string.
                while current == UInt8(ascii: "\"") {
                    out.append(UInt8(ascii: "\""))
                    i += 1
                }
                return String(decoding: out, as: UTF8.self)
            }
            i += 1
            if c == UInt8(ascii: "\n") { line += 1 }
            if c == UInt8(ascii: "\\") {
                // A backslash at the end of a line trims the newline and following whitespace.
                var j = i
                while j < bytes.count && (bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t")) { j += 1 }
                if j < bytes.count && (bytes[j] == UInt8(ascii: "\n") || bytes[j] == UInt8(ascii: "\r")) {
                    i = j
                    while let w = current, w == UInt8(ascii: " ") || w == UInt8(ascii: "\t") || w == UInt8(ascii: "\n") || w == UInt8(ascii: "\r") {
                        if w == UInt8(ascii: "\n") { line += 1 }
                        i += 1
                    }
                    continue
                }
                try appendEscape(&out)
            } else {
                out.append(c)
            }
        }
    }

    private mutating func appendEscape(_ out: inout [UInt8]) throws {
        guard let e = current else { throw error("unterminated string") }
        i += 1
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "e"): out.append(0x1B)
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let length = e == UInt8(ascii: "u") ? 4 : 8
            guard i + length <= bytes.count,
                  let code = UInt32(String(decoding: bytes[i..<(i + length)], as: UTF8.self), radix: 16),
                  let scalar = UnicodeScalar(code) else {
                throw error("invalid unicode escape")
            }
            i += length
            out.append(contentsOf: String(scalar).utf8)
        default:
            throw error("invalid escape character \(goQuote(String(UnicodeScalar(e))))")
        }
    }

    private mutating func parseLiteralString() throws -> String {
        i += 1
        let start = i
        while let c = current, c != UInt8(ascii: "'") {
            if c == UInt8(ascii: "\n") { throw error("unterminated string") }
            i += 1
        }
        guard current == UInt8(ascii: "'") else { throw error("unterminated string") }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        return text
    }

    private mutating func parseMultilineLiteralString() throws -> String {
        i += 3
        if current == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n") { i += 1 }
        if current == UInt8(ascii: "\n") {
            i += 1
            line += 1
        }
        let start = i
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "'") && peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") {
                var end = i
                i += 3
                while current == UInt8(ascii: "'") {
                    end += 1
                    i += 1
                }
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            if bytes[i] == UInt8(ascii: "\n") { line += 1 }
            i += 1
        }
        throw error("unterminated string")
    }
}

// MARK: - Encoding (BurntSushi/toml's encoder)

/// gomplate's `data.ToTOML`: values first, then sub-tables, each sorted, two spaces of indent per level.
func encodeTOML(_ value: Value) throws -> String {
    guard case .map(let map) = value else {
        throw FunctionError("toml: top-level values must be Go maps or structs")
    }
    return try ValueWalk.run { walk in
        var encoder = TOMLEncoder(walk: walk)
        defer { walk = encoder.walk }
        try encoder.writeTable(map, path: [])
        return encoder.out
    }
}

private struct TOMLEncoder {
    var out = ""
    var walk: ValueWalk

    private func indent(_ depth: Int) -> String {
        String(repeating: "  ", count: max(depth, 0))
    }

    private func isTable(_ value: Value) -> Bool {
        if case .map = value { return true }
        return false
    }

    private func isArrayOfTables(_ value: Value) -> Bool {
        if case .list(let items) = value, let first = items.first, isTable(first) { return true }
        return false
    }

    private func newline() -> String { out.isEmpty ? "" : "\n" }

    mutating func writeTable(_ map: MapValue, path: [String]) throws {
        let keys = map.sortedKeys
        for key in keys {
            guard let value = map.entries[key], !value.isNull, !isTable(value), !isArrayOfTables(value) else { continue }
            var line = indent(path.count) + quotedKey(key) + " = "
            try appendInline(value, to: &line)
            out += line + "\n"
        }
        for key in keys {
            guard let value = map.entries[key] else { continue }
            try walk.visit(producing: out.utf8.count)
            let childPath = path + [key]
            if case .map(let child) = value {
                if childPath.count == 1 { out += newline() }
                out += indent(childPath.count - 1) + "[" + childPath.map(quotedKey).joined(separator: ".") + "]\n"
                try StackGuard.continuing { try writeTable(child, path: childPath) }
            } else if isArrayOfTables(value), case .list(let items) = value {
                for item in items {
                    guard case .map(let child) = item else { continue }
                    if childPath.count == 1 { out += newline() }
                    out += indent(childPath.count - 1) + "[[" + childPath.map(quotedKey).joined(separator: ".") + "]]\n"
                    try StackGuard.continuing { try writeTable(child, path: childPath) }
                }
            }
        }
    }

    private func quotedKey(_ key: String) -> String {
        let bare = !key.isEmpty && key.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
        return bare ? key : quotedString(key)
    }

    private func quotedString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\u{0C}": out += "\\f"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Appends `value` as an inline TOML value to `text`, a line to add to `out`.
    private mutating func appendInline(_ value: Value, to text: inout String) throws {
        try walk.visit(producing: out.utf8.count + text.utf8.count)
        switch value {
        case .null: throw FunctionError("toml: cannot encode a nil value")
        case .bool(let b): text += b ? "true" : "false"
        case .int(let i): text += String(i)
        case .float(let f):
            if f.isNaN {
                text += "nan"
            } else if f.isInfinite {
                text += f < 0 ? "-inf" : "inf"
            } else {
                let number = goFormatFloat(f, format: "f", precision: -1)
                text += number.contains(".") ? number : number + ".0"
            }
        case .string(let s): text += quotedString(s)
        case .bytes(let b): text += quotedString(String(decoding: b, as: UTF8.self))
        case .object(let o): text += quotedString(o.goDescription)
        case .list(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += ", " }
                try StackGuard.continuing { try appendInline(item, to: &text) }
            }
            text += "]"
        case .map(let map):
            text += "{"
            for (index, key) in map.sortedKeys.enumerated() {
                if index > 0 { text += ", " }
                text += quotedKey(key) + " = "
                try StackGuard.continuing { try appendInline(map.entries[key] ?? .null, to: &text) }
            }
            text += "}"
        }
    }
}
