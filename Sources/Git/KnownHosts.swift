import Crypto
import Foundation

/// An SSH server's public host key: its type (`ssh-ed25519`) and its blob in the SSH wire format,
/// the bytes libssh2 hands over raw and known_hosts holds in base64.
struct SSHHostKey: Equatable {
    let type: String
    let blob: [UInt8]

    /// Reads the type from the blob itself, where the wire format puts it first (RFC 4253, 6.6):
    /// a 32-bit big-endian length, then the name. nil for anything else.
    init?(blob: [UInt8]) {
        guard blob.count >= 4 else { return nil }
        let length = blob[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= blob.count - 4,
              let type = String(bytes: blob[4..<(4 + length)], encoding: .utf8) else { return nil }
        self.type = type
        self.blob = blob
    }

    /// As OpenSSH prints it (`ssh-keygen -l`, ssh's prompts, sshd's log): `SHA256:` and the
    /// unpadded base64 of the blob's SHA-256.
    var fingerprint: String {
        "SHA256:" + Data(SHA256.hash(data: blob)).base64EncodedString().replacing("=", with: "")
    }
}

/// What a known_hosts file says about a host's key, decided as OpenSSH decides it.
enum HostKeyVerdict: Equatable {
    case known
    /// No entry for the host has a key of this type.
    case unknown
    /// An entry for the host has another key of the same type (OpenSSH's "REMOTE HOST
    /// IDENTIFICATION HAS CHANGED"); the first such entry.
    case changed(file: String, line: Int)
    /// An `@revoked` entry for the host names this very key.
    case revoked(file: String, line: Int)
}

/// The entries of OpenSSH known_hosts files (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"):
/// `[marker] hostpatterns keytype base64-key [comment]`.
///
/// Host patterns are comma-separated, with `*` and `?` wildcards and `!` negation; a server on
/// a port other than 22 is named `[host]:port`; hashed entries (`|1|salt|hash`, what
/// `HashKnownHosts yes` writes) hold HMAC-SHA1(salt, name) in place of the name.
/// `@cert-authority` lines are skipped: libssh2 shows plain host keys only, never certificates.
/// Malformed lines are skipped, as OpenSSH skips them.
struct KnownHosts {
    struct Entry {
        enum Hosts {
            case patterns([String])
            case hashed(salt: [UInt8], hash: [UInt8])
        }

        let revoked: Bool
        let hosts: Hosts
        let key: SSHHostKey
        let file: String
        let line: Int

        func matches(hostName: String) -> Bool {
            switch hosts {
            case .hashed(let salt, let hash):
                return HMAC<Insecure.SHA1>.isValidAuthenticationCode(hash, authenticating: Array(hostName.utf8),
                                                                     using: SymmetricKey(data: salt))
            case .patterns(let patterns):
                // A negated pattern that matches rules the host out, whatever else matches.
                var matched = false
                for pattern in patterns {
                    let negated = pattern.hasPrefix("!")
                    let glob = negated ? String(pattern.dropFirst()) : pattern
                    if KnownHosts.glob(Array(glob.lowercased().utf8), matches: Array(hostName.utf8)) {
                        if negated { return false }
                        matched = true
                    }
                }
                return matched
            }
        }
    }

    let entries: [Entry]

    init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses the text of one file; `file` names it in verdicts.
    init(text: String, file: String) {
        var entries: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let entry = Self.entry(String(rawLine), file: file, line: index + 1) {
                entries.append(entry)
            }
        }
        self.entries = entries
    }

    /// Reads `files` in order; a missing file has no entries, as for OpenSSH.
    init(contentsOf files: [String]) throws(GitError) {
        var entries: [Entry] = []
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else { continue }
            guard !isDirectory.boolValue else {
                throw GitError.knownHostsUnreadable(path: file, reason: "it is a folder")
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw GitError.knownHostsUnreadable(path: file, reason: "permission denied")
            }
            entries += KnownHosts(text: String(decoding: data, as: UTF8.self), file: file).entries
        }
        self.entries = entries
    }

    /// The name known_hosts gives a server: the host alone on port 22, else `[host]:port`
    /// (OpenSSH's `put_host_port`), lowercased as ssh lowercases what it connects to.
    static func hostName(host: String, port: Int) -> String {
        let host = host.lowercased()
        return port == 22 ? host : "[\(host)]:\(port)"
    }

    /// Where OpenSSH looks when nothing else is configured: the user's file, then the system's.
    /// The home folder is `$HOME`, as libgit2 finds it for its own known_hosts check.
    static func defaultFiles(home: String? = homeFolder()) -> [String] {
        (home.map { [$0 + "/.ssh/known_hosts"] } ?? []) + ["/etc/ssh/ssh_known_hosts"]
    }

    /// `~/…` made absolute, as ssh's `UserKnownHostsFile` reads it.
    static func expandingTilde(_ path: String, home: String? = homeFolder()) -> String {
        guard let home, path == "~" || path.hasPrefix("~/") else { return path }
        return home + path.dropFirst()
    }

    static func homeFolder() -> String? {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    /// What these entries say about `key` shown by the server named `hostName`. A revoked key
    /// loses even when another line lists it; a listed key wins over lines with other keys of
    /// its type (a host may have several), as in OpenSSH's `check_key_in_hostkeys`.
    func verdict(for key: SSHHostKey, hostName: String) -> HostKeyVerdict {
        let forHost = entries.filter { $0.matches(hostName: hostName) }
        if let revoked = forHost.first(where: { $0.revoked && $0.key == key }) {
            return .revoked(file: revoked.file, line: revoked.line)
        }
        let plain = forHost.filter { !$0.revoked }
        if plain.contains(where: { $0.key == key }) {
            return .known
        }
        if let other = plain.first(where: { $0.key.type == key.type }) {
            return .changed(file: other.file, line: other.line)
        }
        return .unknown
    }

    private static func entry(_ line: String, file: String, line number: Int) -> Entry? {
        var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let first = fields.first, !first.hasPrefix("#") else { return nil }
        var revoked = false
        if first.hasPrefix("@") {
            guard first == "@revoked" else { return nil }
            revoked = true
            fields.removeFirst()
        }
        guard fields.count >= 3,
              let decoded = Data(base64Encoded: fields[2]),
              let key = SSHHostKey(blob: Array(decoded)),
              key.type == fields[1],
              let hosts = hosts(fields[0]) else { return nil }
        return Entry(revoked: revoked, hosts: hosts, key: key, file: file, line: number)
    }

    private static func hosts(_ field: String) -> Entry.Hosts? {
        guard field.hasPrefix("|") else {
            return .patterns(field.split(separator: ",").map(String.init))
        }
        let parts = field.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[1] == "1",
              let salt = Data(base64Encoded: String(parts[2])),
              let hash = Data(base64Encoded: String(parts[3])) else { return nil }
        return .hashed(salt: Array(salt), hash: Array(hash))
    }

    /// OpenSSH's `match_pattern`: `*` is any run of bytes, `?` any one byte.
    static func glob(_ pattern: [UInt8], matches text: [UInt8]) -> Bool {
        var p = 0, t = 0
        var star: Int?, starText = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                starText = t
                p += 1
            } else if let star {
                p = star + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}

/// The host key check a `RemoteSession` runs for SSH remotes, apart from libgit2 so it can be
/// tested without a server.
struct HostKeyCheck {
    /// Read in order; a missing key is to be added to the first.
    let files: [String]

    /// nil when `key` is a known key of `host` on `port`, else the error to stop with.
    func failure(for key: SSHHostKey, host: String, port: Int) -> GitError? {
        let hostName = KnownHosts.hostName(host: host, port: port)
        let knownHosts: KnownHosts
        do {
            knownHosts = try KnownHosts(contentsOf: files)
        } catch {
            return error
        }
        switch knownHosts.verdict(for: key, hostName: hostName) {
        case .known:
            return nil
        case .unknown:
            return .unknownHostKey(host: hostName, keyType: key.type, fingerprint: key.fingerprint,
                                   knownHostsFile: files.first ?? "~/.ssh/known_hosts")
        case .changed(let file, let line):
            return .hostKeyMismatch(host: hostName, keyType: key.type, fingerprint: key.fingerprint,
                                    knownHostsFile: file, line: line)
        case .revoked(let file, let line):
            return .revokedHostKey(host: hostName, keyType: key.type, fingerprint: key.fingerprint,
                                   knownHostsFile: file, line: line)
        }
    }

    /// The port an SSH remote URL names; 22 when it names none, as the scp-like form
    /// (`git@host:org/repo.git`) never does. libgit2 hands the certificate callback the host
    /// alone, and known_hosts names a server on another port differently.
    static func port(ofURL url: String) -> Int {
        guard let schemeEnd = url.range(of: "://") else { return 22 }
        var authority = url[schemeEnd.upperBound...].prefix { $0 != "/" }
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            authority = authority[authority.index(after: close)...]
        }
        guard let colon = authority.lastIndex(of: ":") else { return 22 }
        return Int(authority[authority.index(after: colon)...]) ?? 22
    }
}
