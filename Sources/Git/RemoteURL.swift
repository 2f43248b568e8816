import Crypto
import Foundation

/// A remote repository's URL as a user gives it, split into what may be stored and its userinfo:
/// `https://ci:TOKEN@host/org/instances.git` is stored as `https://host/org/instances.git`, with
/// `ci` and `TOKEN` apart. (edpctl refuses a URL with a password; this type keeps none either way.)
///
/// Understands the forms git does: `scheme://[user[:password]@]host[:port]/path`, scp-like
/// `[user@]host:path` (and `user:password@host:path`, as people write it), and local paths (made
/// absolute against the current folder, as a clone made elsewhere must still find them).
///
/// Texts are compared by their bytes, never with Swift's `==`, which holds canonically equivalent
/// strings equal: `caf\u{E9}.git` and `cafe\u{301}.git` are two repositories (two folders on disk).
public struct RemoteURL: Sendable, Equatable, CustomStringConvertible {
    /// What is cloned from and kept in `.git/config`: no password ever, and over http(s) no
    /// userinfo at all (a token alone may stand in the username). An SSH login name stays,
    /// since it says which account to log in as.
    public let location: String
    /// What names the repository: no userinfo, scheme and host in lower case, no default port,
    /// no trailing slash; a `file://` URL as its path. Equal identities, same repository; the
    /// converse need not hold (`x` and `x.git` may be one repository on some servers, two on others).
    public let identity: String
    /// The userinfo's parts, percent-decoded; nil when absent. `user:@host` has the password "".
    public let username: String?
    public let password: String?
    /// Whether an `http(s)` URL has a query (`?…`) or a fragment (`#…`). Git's smart HTTP appends
    /// `/info/refs?service=…` to the URL, so neither can serve a remote; either can carry a token.
    public let hasQueryOrFragment: Bool

    public init(_ text: String, currentDirectory: String = FileManager.default.currentDirectoryPath) {
        // Parsed by Unicode scalars, as git parses bytes: by Characters, `@\u{301}` is no `@`.
        if let match = text.wholeMatch(of: #/([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)(.*)/#.matchingSemantics(.unicodeScalar)) {
            let scheme = match.output.1.lowercased()
            var authority = String(match.output.2)
            let path = String(match.output.3)
            var userinfo: String?
            if let at = authority.unicodeScalars.lastIndex(of: "@") {
                userinfo = String(authority.unicodeScalars[..<at])
                authority = String(authority.unicodeScalars[authority.unicodeScalars.index(after: at)...])
            }
            let user = userinfo.map { Self.split($0, atFirst: ":") }
            username = user.map { Self.percentDecoded($0.before) }
            password = user.flatMap { $0.after.map(Self.percentDecoded) }
            let isHTTP = scheme == "http" || scheme == "https"
            let keepsUsername = !isHTTP
            let login = keepsUsername ? user.map { $0.before + "@" } ?? "" : ""
            location = match.output.1 + "://" + login + authority + path
            hasQueryOrFragment = isHTTP && path.unicodeScalars.contains { $0 == "?" || $0 == "#" }
            if scheme == "file" {
                identity = Self.absolutePath(Self.percentDecoded(path), currentDirectory: currentDirectory)
            } else {
                identity = scheme + "://" + Self.normalizedHost(authority, scheme: scheme) + Self.trimmingSlashes(path)
            }
        } else if let match = text.wholeMatch(of: #/([^@/:]*):(.*)@([^@/:]+):(.*)/#.matchingSemantics(.unicodeScalar)) {
            // scp-like with a password: to libgit2 a malformed URL, to git a host named `user`;
            // either way a password that must not be stored. The last `@host:` ends it.
            let (user, host, path) = (String(match.output.1), String(match.output.3), String(match.output.4))
            username = user
            password = String(match.output.2)
            location = user + "@" + host + ":" + path
            hasQueryOrFragment = false
            identity = host.lowercased() + ":" + Self.trimmingSlashes(path)
        } else if case let (login, rest?) = Self.split(text, atFirst: ":"), !login.unicodeScalars.contains("/") {
            // scp-like, as git reads it: a colon before any slash.
            location = text
            hasQueryOrFragment = false
            let at = login.unicodeScalars.lastIndex(of: "@")
            let host = at.map { String(login.unicodeScalars[login.unicodeScalars.index(after: $0)...]) } ?? login
            username = at.map { String(login.unicodeScalars[..<$0]) }
            password = nil
            identity = host.lowercased() + ":" + Self.trimmingSlashes(rest)
        } else {
            location = Self.absolutePath(text, currentDirectory: currentDirectory)
            identity = location
            username = nil
            password = nil
            hasQueryOrFragment = false
        }
    }

    /// `text` before and after its first `separator`; `after` nil without one.
    private static func split(_ text: String, atFirst separator: Unicode.Scalar) -> (before: String, after: String?) {
        guard let index = text.unicodeScalars.firstIndex(of: separator) else { return (text, nil) }
        return (String(text.unicodeScalars[..<index]), String(text.unicodeScalars[text.unicodeScalars.index(after: index)...]))
    }

    /// `identity`, which holds no credential, for messages.
    public var description: String { identity }

    /// Whether this URL names the same repository as `other`, by their identities' bytes.
    public func namesSameRepository(as other: RemoteURL) -> Bool {
        identity.hasSameBytes(as: other.identity)
    }

    public static func == (left: RemoteURL, right: RemoteURL) -> Bool {
        left.location.hasSameBytes(as: right.location) && left.identity.hasSameBytes(as: right.identity)
            && left.username.hasSameBytes(as: right.username) && left.password.hasSameBytes(as: right.password)
    }

    /// A folder name of its own for this repository: `<slug>-<8 hex digits>`, the slug being the
    /// identity without its scheme, every character but `A-Za-z0-9._-` turned into `-`, at most
    /// 60 characters (its end, where the repository's name is), never starting with `.`, and the
    /// digits the start of the
    /// identity's SHA-256, so that two repositories never share a folder.
    public var folderName: String {
        var slug = identity
        if let scheme = slug.range(of: "://") { slug = String(slug[scheme.upperBound...]) }
        slug = String(slug.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        if slug.count > 60 {
            slug = String(slug.suffix(60))
            // Cut where a part of the URL begins, not within one.
            if let dash = slug.firstIndex(of: "-") { slug = String(slug[slug.index(after: dash)...]) }
        }
        slug = String(slug.drop { $0 == "." || $0 == "-" })
        let digest = SHA256.hash(data: Array(identity.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        return (slug.isEmpty ? "repository" : slug) + "-" + digest
    }

    private static func percentDecoded(_ text: String) -> String {
        text.removingPercentEncoding ?? text
    }

    private static func trimmingSlashes(_ path: String) -> String {
        var path = Substring.UnicodeScalarView(path.unicodeScalars)
        while path.count > 1 && path.last == "/" { path = path.dropLast() }
        return path.elementsEqual("/".unicodeScalars) ? "" : String(path)
    }

    /// `Host:443` → `host` for https; the port stays when it is not the scheme's default.
    private static func normalizedHost(_ authority: String, scheme: String) -> String {
        let defaultPorts = ["http": "80", "https": "443", "ssh": "22", "git": "9418"]
        let host = authority.lowercased()
        if let port = defaultPorts[scheme], host.hasSuffix(":" + port) {
            return String(host.dropLast(port.count + 1))
        }
        return host
    }

    /// `path` against `currentDirectory`, with symbolic links resolved when it exists, so that
    /// two spellings of one folder name one repository; otherwise `.`, `..` and repeated or
    /// trailing slashes are resolved by name.
    private static func absolutePath(_ path: String, currentDirectory: String) -> String {
        let full = path.hasPrefix("/") ? path : currentDirectory + "/" + path
        if let resolved = realpath(full, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        var components: [String] = []
        for component in full.unicodeScalars.split(separator: "/").map(String.init) {
            if component.hasSameBytes(as: ".") { continue }
            if component.hasSameBytes(as: "..") { _ = components.popLast(); continue }
            components.append(component)
        }
        return "/" + components.joined(separator: "/")
    }
}

extension String {
    /// Byte equality: Swift's `==` holds canonically equivalent strings equal (NFC `\u{E9}` and NFD
    /// `e\u{301}`), which file systems and git servers hold apart.
    func hasSameBytes(as other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }

    /// `hasPrefix` by bytes, for the same reason.
    func hasBytePrefix(_ prefix: String) -> Bool {
        utf8.starts(with: prefix.utf8)
    }
}

extension Optional<String> {
    func hasSameBytes(as other: String?) -> Bool {
        switch (self, other) {
        case (nil, nil): return true
        case (let left?, let right?): return left.hasSameBytes(as: right)
        default: return false
        }
    }
}
