import Foundation
import Template

/// A data source location as gomplate reads it: Go's `net/url` split of a `-d`/`-c` value or a
/// `defineDatasource` argument. Only what file paths and the `file:`, `env:`, `stdin:`, `merge:`
/// and `http(s):` schemes need: a relative path has no scheme, `env:FOO` is opaque, `env:///foo` has a path.
public struct SourceURL: Sendable, Equatable, CustomStringConvertible {
    /// Lower-cased; empty for a relative reference (a plain file path).
    public var scheme: String
    /// The part after `scheme:` when it does not start with `/` (`FOO` in `env:FOO`).
    public var opaque: String
    /// Whether `//` followed the scheme, even with an empty host (`file:///a`).
    public var hasAuthority: Bool
    public var host: String
    public var path: String
    public var rawQuery: String

    public init(scheme: String = "", opaque: String = "", hasAuthority: Bool = false, host: String = "",
                path: String = "", rawQuery: String = "") {
        self.scheme = scheme
        self.opaque = opaque
        self.hasAuthority = hasAuthority
        self.host = host
        self.path = path
        self.rawQuery = rawQuery
    }

    /// Go's `url.Parse`, without user info, ports or fragments' finer points.
    public init(parsing text: String) throws {
        self.init()
        var rest = Substring(text)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if let colon = Self.schemeEnd(rest) {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(after: colon)...]
        }
        if let question = rest.firstIndex(of: "?") {
            rawQuery = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        if !scheme.isEmpty && !rest.hasPrefix("/") {
            opaque = String(rest)
            return
        }
        if scheme.isEmpty, let colon = rest.firstIndex(of: ":"),
           !rest[..<colon].contains("/") {
            // Go refuses a relative path whose first segment has a colon: it reads like a scheme.
            throw FunctionError("parse \"\(text)\": first path segment in URL cannot contain colon")
        }
        if rest.hasPrefix("//") && (!scheme.isEmpty || !rest.hasPrefix("///")) {
            hasAuthority = true
            let afterSlashes = rest.dropFirst(2)
            let hostEnd = afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex
            host = String(afterSlashes[..<hostEnd])
            rest = afterSlashes[hostEnd...]
        }
        path = Self.percentDecoded(rest)
    }

    /// gomplate's `ParseSourceURL`: `-` is standard input, and an absolute path with no scheme is a
    /// `file:` URL. A relative path stays relative (to the working directory).
    public init(sourceArgument value: String) throws {
        try self.init(parsing: value == "-" ? "stdin://" : value)
        if scheme.isEmpty && path.hasPrefix("/") {
            scheme = "file"
            hasAuthority = true
        }
    }

    public var isAbsolute: Bool { !scheme.isEmpty }

    /// The value of query parameter `name`, `+` and `%XX` decoded.
    public func queryValue(_ name: String) -> String? {
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if Self.queryDecoded(parts[0]) == name {
                return parts.count > 1 ? Self.queryDecoded(parts[1]) : ""
            }
        }
        return nil
    }

    /// Go's `URL.String()` for the parts kept here.
    public var description: String {
        var out = ""
        if !scheme.isEmpty { out += scheme + ":" }
        if !opaque.isEmpty {
            out += opaque
        } else {
            if hasAuthority && (!scheme.isEmpty || !host.isEmpty) && (!host.isEmpty || !path.isEmpty) {
                out += "//" + host
            }
            out += path
        }
        if !rawQuery.isEmpty { out += "?" + rawQuery }
        return out
    }

    /// gomplate's `resolveURL`: a datasource's sub-path (`ds "dir" "file.json"`) taken relative to
    /// its URL, the way a browser resolves a link; query parameters of both are kept, `rel`'s win.
    public func resolving(_ relative: String) throws -> SourceURL {
        guard !relative.isEmpty, opaque.isEmpty else { return self }
        let reference = try SourceURL(parsing: relative)
        if reference.isAbsolute { return reference }
        var out = self
        if reference.path.hasPrefix("/") {
            out.path = Self.removingDotSegments(reference.path)
        } else if !reference.path.isEmpty {
            let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
            out.path = Self.removingDotSegments(directory + reference.path)
        }
        if !reference.rawQuery.isEmpty {
            out.rawQuery = Self.mergedQuery(base: rawQuery, override: reference.rawQuery)
        }
        return out
    }

    // MARK: Helpers

    private static func schemeEnd(_ text: Substring) -> Substring.Index? {
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c == ":" { return index == text.startIndex ? nil : index }
            let isLetter = ("a"..."z").contains(c) || ("A"..."Z").contains(c)
            let isOther = ("0"..."9").contains(c) || c == "+" || c == "-" || c == "."
            if !(isLetter || (index != text.startIndex && isOther)) { return nil }
            index = text.index(after: index)
        }
        return nil
    }

    private static func mergedQuery(base: String, override: String) -> String {
        let overridden = Set(override.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1)[0] })
        let kept = base.split(separator: "&").filter { !overridden.contains($0.split(separator: "=", maxSplits: 1)[0]) }
        return (kept + override.split(separator: "&")).joined(separator: "&")
    }

    /// RFC 3986 dot-segment removal, keeping leading `..` of a relative path as Go does.
    static func removingDotSegments(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        let trailingSlash = path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..")
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..":
                if let last = segments.last, last != ".." {
                    segments.removeLast()
                } else if !absolute {
                    segments.append(segment)
                }
            default: segments.append(segment)
            }
        }
        var out = (absolute ? "/" : "") + segments.joined(separator: "/")
        if trailingSlash && !segments.isEmpty { out += "/" }
        return out
    }

    private static func percentDecoded(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        return String(text).removingPercentEncoding ?? String(text)
    }

    private static func queryDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
