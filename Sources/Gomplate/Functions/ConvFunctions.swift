import Foundation
import Template

/// gomplate's `conv` namespace (internal/funcs/conv.go). `conv.Bool`/`bool` were removed in v5.
extension FunctionTable {
    mutating func addConvFunctions() {
        add(TemplateFunction("Default", arguments: 2, reads: []) { args, _ in
            args[1].isTruthy ? args[1] : args[0]
        }, as: "conv.Default", "default")

        add(TemplateFunction("ToBool", arguments: 1, reads: []) { args, _ in .bool(args[0].gomplateBool) },
            as: "conv.ToBool")
        add(TemplateFunction("ToBools", atLeast: 0, reads: []) { args, _ in .list(args.map { .bool($0.gomplateBool) }) },
            as: "conv.ToBools")

        add(TemplateFunction("ToInt", arguments: 1, reads: []) { args, _ in .int(try args[0].gomplateStrictInt()) },
            as: "conv.ToInt")
        add(TemplateFunction("ToInt64", arguments: 1, reads: []) { args, _ in .int(try args[0].gomplateStrictInt()) },
            as: "conv.ToInt64")
        add(TemplateFunction("ToInts", atLeast: 0, reads: []) { args, _ in .list(try args.map { .int(try $0.gomplateStrictInt()) }) },
            as: "conv.ToInts")
        add(TemplateFunction("ToInt64s", atLeast: 0, reads: []) { args, _ in .list(try args.map { .int(try $0.gomplateStrictInt()) }) },
            as: "conv.ToInt64s")
        add(TemplateFunction("ToFloat64", arguments: 1, reads: []) { args, _ in .float(try args[0].gomplateStrictFloat()) },
            as: "conv.ToFloat64")
        add(TemplateFunction("ToFloat64s", atLeast: 0, reads: []) { args, _ in
            .list(try args.map { .float(try $0.gomplateStrictFloat()) })
        }, as: "conv.ToFloat64s")

        add(TemplateFunction("ToString", arguments: 1, reads: []) { args, _ in .string(try args[0].gomplateString()) },
            as: "conv.ToString")
        add(TemplateFunction("ToStrings", atLeast: 0, reads: []) { args, _ in .list(try gomplateStrings(args).map(Value.string)) },
            as: "conv.ToStrings")

        add(TemplateFunction("Join", arguments: 2, reads: []) { args, _ in
            try .string(gomplateJoin(args[0], separator: try args[1].gomplateString()))
        }, as: "conv.Join", "join")
        add(TemplateFunction("Has", arguments: 2, reads: []) { args, _ in .bool(gomplateHas(args[0], args[1])) },
            as: "conv.Has", "has")

        add(TemplateFunction("URL", arguments: 1, reads: []) { args, _ in
            .object(try GoURL(parsing: try args[0].gomplateString()))
        }, as: "conv.URL", "urlParse")

        // gomplate's parse functions ignore strconv's errors (conv.MustParse…).
        add(TemplateFunction("ParseInt", arguments: 3, reads: []) { args, _ in
            .int(goMustParseInt(try args[0].gomplateString(), base: args[1].gomplateInt, bitSize: args[2].gomplateInt))
        }, as: "conv.ParseInt")
        add(TemplateFunction("ParseUint", arguments: 3, reads: []) { args, _ in
            uint64Value(goMustParseUint(try args[0].gomplateString(), base: args[1].gomplateInt, bitSize: args[2].gomplateInt))
        }, as: "conv.ParseUint")
        add(TemplateFunction("ParseFloat", arguments: 2, reads: []) { args, _ in
            let f = goMustParseFloat(try args[0].gomplateString())
            // bitSize 32 rounds to float32 precision, as Go does.
            return .float(args[1].gomplateInt == 32 ? Double(Float(f)) : f)
        }, as: "conv.ParseFloat")
        add(TemplateFunction("Atoi", arguments: 1, reads: []) { args, _ in
            .int(goMustParseInt(try args[0].gomplateString(), base: 10, bitSize: 0))
        }, as: "conv.Atoi")
    }
}

/// A `uint64` result: Value has no unsigned case, so numbers beyond Int's range travel as their
/// decimal text, which prints exactly as Go prints the uint64.
func uint64Value(_ u: UInt64) -> Value {
    u <= UInt64(Int.max) ? .int(Int(u)) : .string(String(u))
}

/// gomplate's `conv.Join`: every element through `conv.ToString`.
func gomplateJoin(_ input: Value, separator: String) throws -> String {
    let items: [String]
    switch input {
    case .list(let list): items = try gomplateStrings(list)
    case .bytes(let bytes): items = bytes.map { String($0) }
    default:
        throw FunctionError("input to Join must be an array: expected an array or slice, but got a reflect.Value")
    }
    let length = items.reduce(max(items.count - 1, 0) * separator.utf8.count) { $0 + $1.utf8.count }
    try WorkLimits.checkString(bytes: length)
    return items.joined(separator: separator)
}

/// gomplate's `conv.Has`: a key of a map, or an element of a list (Go's DeepEqual, so types matter).
func gomplateHas(_ container: Value, _ key: Value) -> Bool {
    switch container {
    case .map(let map):
        guard case .string(let name) = key else { return false }
        return map[name] != nil
    case .list(let items):
        return items.contains { goDeepEqual($0, key) }
    default:
        return false
    }
}

/// Go's `reflect.DeepEqual` for template values: same dynamic type and equal contents.
func goDeepEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.float(let x), .float(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.bytes(let x), .bytes(let y)): return x == y
    case (.list(let x), .list(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { a, b in StackGuard.continuing { goDeepEqual(a, b) } }
    case (.map(let x), .map(let y)):
        guard x.entries.count == y.entries.count, x.elementType == y.elementType else { return false }
        for (key, value) in x.entries {
            guard let other = y.entries[key], StackGuard.continuing({ goDeepEqual(value, other) }) else { return false }
        }
        return true
    case (.object(let x), .object(let y)):
        return x.goTypeName == y.goTypeName && x.goDescription == y.goDescription
    default: return false
    }
}

// MARK: - net/url

/// Go's `*url.URL` as `url.Parse` builds it, with its fields and the methods templates use.
struct GoURL: TemplateObject {
    var scheme = ""
    var opaque = ""
    var user: GoUserinfo?
    var host = ""
    var path = ""
    var rawPath = ""
    var omitHost = false
    var forceQuery = false
    var rawQuery = ""
    var fragment = ""
    var rawFragment = ""

    var goTypeName: String { "*url.URL" }
    var goDescription: String { string }

    /// `url.Parse`; errors read like Go's `parse "…": reason`.
    init(parsing rawURL: String) throws {
        let (main, fragmentPart) = cutFirst(rawURL, "#")
        do {
            try parseMain(main)
        } catch let error as URLParseError {
            throw FunctionError("parse \(goQuote(main)): \(error.reason)")
        }
        if let fragmentPart {
            do {
                try setFragment(fragmentPart)
            } catch let error as URLParseError {
                throw FunctionError("parse \(goQuote(rawURL)): \(error.reason)")
            }
        }
    }

    private mutating func parseMain(_ rawURL: String) throws {
        if rawURL.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw URLParseError(reason: "net/url: invalid control character in URL")
        }
        if rawURL == "*" {
            path = "*"
            return
        }
        var rest: String
        (scheme, rest) = try splitScheme(rawURL)
        scheme = scheme.lowercased()
        if rest.hasSuffix("?") && rest.utf8.filter({ $0 == UInt8(ascii: "?") }).count == 1 {
            forceQuery = true
            rest.removeLast()
        } else {
            let (before, query) = cutFirst(rest, "?")
            rest = before
            rawQuery = query ?? ""
        }
        if !rest.hasPrefix("/") {
            if !scheme.isEmpty {
                // Rootless paths are opaque (RFC 3986).
                opaque = rest
                return
            }
            let (segment, _) = cutFirst(rest, "/")
            if segment.contains(":") {
                throw URLParseError(reason: "first path segment in URL cannot contain colon")
            }
        }
        if (!scheme.isEmpty || !rest.hasPrefix("///")) && rest.hasPrefix("//") {
            var authority = String(rest.dropFirst(2))
            rest = ""
            if let slash = authority.firstIndex(of: "/") {
                rest = String(authority[slash...])
                authority = String(authority[..<slash])
            }
            try parseAuthority(authority)
        } else if !scheme.isEmpty && rest.hasPrefix("/") {
            omitHost = true
        }
        path = try urlUnescape(rest, mode: .path)
        rawPath = urlEscape(path, mode: .path) == rest ? "" : rest
    }

    private func splitScheme(_ rawURL: String) throws -> (String, String) {
        for (index, c) in rawURL.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                if index == 0 { return ("", rawURL) }
            case UInt8(ascii: ":"):
                if index == 0 { throw URLParseError(reason: "missing protocol scheme") }
                let bytes = Array(rawURL.utf8)
                return (String(decoding: bytes[..<index], as: UTF8.self),
                        String(decoding: bytes[(index + 1)...], as: UTF8.self))
            default:
                return ("", rawURL)
            }
        }
        return ("", rawURL)
    }

    private mutating func parseAuthority(_ authority: String) throws {
        let bytes = Array(authority.utf8)
        let at = bytes.lastIndex(of: UInt8(ascii: "@"))
        let hostPart = at.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) } ?? authority
        host = try parseHost(hostPart)
        guard let at else { return }
        let userinfo = String(decoding: bytes[..<at], as: UTF8.self)
        guard validUserinfo(userinfo) else { throw URLParseError(reason: "net/url: invalid userinfo") }
        let (name, password) = cutFirst(userinfo, ":")
        user = GoUserinfo(username: try urlUnescape(name, mode: .userPassword),
                          password: try password.map { try urlUnescape($0, mode: .userPassword) })
    }

    private func parseHost(_ host: String) throws -> String {
        if host.hasPrefix("[") {
            guard let close = host.lastIndex(of: "]") else {
                throw URLParseError(reason: "missing ']' in host")
            }
            let colonPort = String(host[host.index(after: close)...])
            if !validOptionalPort(colonPort) {
                throw URLParseError(reason: "invalid port \(goQuote(colonPort)) after host")
            }
        } else if let colon = host.lastIndex(of: ":") {
            let colonPort = String(host[colon...])
            if !validOptionalPort(colonPort) {
                throw URLParseError(reason: "invalid port \(goQuote(colonPort)) after host")
            }
        }
        return try urlUnescape(host, mode: .host)
    }

    private func validUserinfo(_ s: String) -> Bool {
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            default:
                if !"-._:~!$&'()*+,;=%@".utf8.contains(c) { return false }
            }
        }
        return true
    }

    private mutating func setFragment(_ f: String) throws {
        fragment = try urlUnescape(f, mode: .fragment)
        rawFragment = urlEscape(fragment, mode: .fragment) == f ? "" : f
    }

    var escapedPath: String {
        if !rawPath.isEmpty && validEncoded(rawPath, mode: .path),
           let unescaped = try? urlUnescape(rawPath, mode: .path), unescaped == path {
            return rawPath
        }
        if path == "*" { return "*" }
        return urlEscape(path, mode: .path)
    }

    var escapedFragment: String {
        if !rawFragment.isEmpty && validEncoded(rawFragment, mode: .fragment),
           let unescaped = try? urlUnescape(rawFragment, mode: .fragment), unescaped == fragment {
            return rawFragment
        }
        return urlEscape(fragment, mode: .fragment)
    }

    /// `(*url.URL).String`.
    var string: String {
        var out = ""
        if !scheme.isEmpty {
            out += scheme
            out += ":"
        }
        if !opaque.isEmpty {
            out += opaque
        } else {
            if !scheme.isEmpty || !host.isEmpty || user != nil {
                if !(omitHost && host.isEmpty && user == nil) {
                    if !host.isEmpty || !path.isEmpty || user != nil { out += "//" }
                    if let user {
                        out += user.string
                        out += "@"
                    }
                    if !host.isEmpty { out += urlEscape(host, mode: .host) }
                }
            }
            let escaped = escapedPath
            if !escaped.isEmpty && !escaped.hasPrefix("/") && !host.isEmpty { out += "/" }
            if out.isEmpty {
                // A first segment with a colon would read as a scheme.
                let (segment, _) = cutFirst(escaped, "/")
                if segment.contains(":") { out += "./" }
            }
            out += escaped
        }
        if forceQuery || !rawQuery.isEmpty {
            out += "?"
            out += rawQuery
        }
        if !fragment.isEmpty {
            out += "#"
            out += escapedFragment
        }
        return out
    }

    private var hostAndPort: (String, String) {
        var hostName = host
        var port = ""
        if let colon = hostName.lastIndex(of: ":"), validOptionalPort(String(hostName[colon...])) {
            port = String(hostName[hostName.index(after: colon)...])
            hostName = String(hostName[..<colon])
        }
        if hostName.hasPrefix("[") && hostName.hasSuffix("]") {
            hostName = String(hostName.dropFirst().dropLast())
        }
        return (hostName, port)
    }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        switch name {
        case "Scheme": return .string(scheme)
        case "Opaque": return .string(opaque)
        case "User": return user.map { .object($0) } ?? .null
        case "Host": return .string(host)
        case "Path": return .string(path)
        case "RawPath": return .string(rawPath)
        case "OmitHost": return .bool(omitHost)
        case "ForceQuery": return .bool(forceQuery)
        case "RawQuery": return .string(rawQuery)
        case "Fragment": return .string(fragment)
        case "RawFragment": return .string(rawFragment)
        case "String": return .string(string)
        case "Redacted":
            var redacted = self
            if let user, user.password != nil {
                redacted.user = GoUserinfo(username: user.username, password: "xxxxx")
            }
            return .string(redacted.string)
        case "Hostname": return .string(hostAndPort.0)
        case "Port": return .string(hostAndPort.1)
        case "EscapedPath": return .string(escapedPath)
        case "EscapedFragment": return .string(escapedFragment)
        case "IsAbs": return .bool(!scheme.isEmpty)
        case "RequestURI":
            var result = opaque
            if result.isEmpty {
                result = escapedPath
                if result.isEmpty { result = "/" }
            } else if result.hasPrefix("//") {
                result = scheme + ":" + result
            }
            if forceQuery || !rawQuery.isEmpty { result += "?" + rawQuery }
            return .string(result)
        case "Query": return .map(MapValue(parseQuery(rawQuery)))
        default: return nil
        }
    }
}

/// Go's `*url.Userinfo`.
struct GoUserinfo: TemplateObject {
    let username: String
    let password: String?

    var goTypeName: String { "*url.Userinfo" }
    var goDescription: String { string }

    var string: String {
        var out = urlEscape(username, mode: .userPassword)
        if let password { out += ":" + urlEscape(password, mode: .userPassword) }
        return out
    }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        switch name {
        case "Username": return .string(username)
        case "String": return .string(string)
        case "Password":
            throw FunctionError("can't call method/function \"Password\" with 2 results")
        default: return nil
        }
    }
}

private struct URLParseError: Error {
    let reason: String
}

private func cutFirst(_ s: String, _ separator: Character) -> (String, String?) {
    guard let index = s.firstIndex(of: separator) else { return (s, nil) }
    return (String(s[..<index]), String(s[s.index(after: index)...]))
}

private func validOptionalPort(_ port: String) -> Bool {
    if port.isEmpty { return true }
    guard port.hasPrefix(":") else { return false }
    return port.utf8.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
}

/// `url.ParseQuery`, keeping only the pairs Go accepts (no semicolons, valid escapes).
private func parseQuery(_ query: String) -> [String: Value] {
    var values: [String: [Value]] = [:]
    for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
        if pair.contains(";") { continue }
        let (rawKey, rawValue) = cutFirst(String(pair), "=")
        guard let key = try? urlUnescape(rawKey, mode: .queryComponent),
              let value = try? urlUnescape(rawValue ?? "", mode: .queryComponent) else { continue }
        values[key, default: []].append(.string(value))
    }
    return values.mapValues { .list($0) }
}

enum URLEncodingMode {
    case path, pathSegment, host, zone, userPassword, queryComponent, fragment
}

private func urlShouldEscape(_ c: UInt8, mode: URLEncodingMode) -> Bool {
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return false
    default: break
    }
    if mode == .host || mode == .zone {
        if "!$&'()*+,;=:[]<>\"".utf8.contains(c) { return false }
    }
    switch c {
    case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
        return false
    case UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "/"),
         UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "@"):
        switch mode {
        case .path: return c == UInt8(ascii: "?")
        case .pathSegment: return c == UInt8(ascii: "/") || c == UInt8(ascii: ";") || c == UInt8(ascii: ",") || c == UInt8(ascii: "?")
        case .userPassword: return c == UInt8(ascii: "@") || c == UInt8(ascii: "/") || c == UInt8(ascii: "?") || c == UInt8(ascii: ":")
        case .queryComponent: return true
        case .fragment: return false
        case .host, .zone: break
        }
    default: break
    }
    if mode == .fragment && "!()*".utf8.contains(c) { return false }
    return true
}

/// Go's `url.escape`.
func urlEscape(_ s: String, mode: URLEncodingMode) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count)
    for c in s.utf8 {
        if urlShouldEscape(c, mode: mode) {
            if c == UInt8(ascii: " ") && mode == .queryComponent {
                out.append(UInt8(ascii: "+"))
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 15)])
            }
        } else {
            out.append(c)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Go's `url.unescape`, with its errors.
func urlUnescape(_ s: String, mode: URLEncodingMode) throws -> String {
    let bytes = Array(s.utf8)
    func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        let c = bytes[i]
        switch c {
        case UInt8(ascii: "%"):
            guard i + 2 < bytes.count, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) else {
                let end = min(i + 3, bytes.count)
                throw URLParseError(reason: "invalid URL escape \(goQuote(String(decoding: bytes[i..<end], as: UTF8.self)))")
            }
            if mode == .host && high < 8 && !(bytes[i + 1] == UInt8(ascii: "2") && bytes[i + 2] == UInt8(ascii: "5")) {
                throw URLParseError(reason: "invalid URL escape \(goQuote(String(decoding: bytes[i..<(i + 3)], as: UTF8.self)))")
            }
            out.append(high << 4 | low)
            i += 3
        case UInt8(ascii: "+"):
            out.append(mode == .queryComponent ? UInt8(ascii: " ") : UInt8(ascii: "+"))
            i += 1
        default:
            if (mode == .host || mode == .zone) && c < 0x80 && urlShouldEscape(c, mode: mode) {
                throw URLParseError(reason: "invalid character \(goQuote(String(UnicodeScalar(c)))) in host name")
            }
            out.append(c)
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

private func validEncoded(_ s: String, mode: URLEncodingMode) -> Bool {
    for c in s.utf8 {
        if "!$&'()*+,;=:@[]%".utf8.contains(c) { continue }
        if urlShouldEscape(c, mode: mode) { return false }
    }
    return true
}
