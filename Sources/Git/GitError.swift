import CLibgit2

/// Every failure of the `Git` module.
///
/// Cases carry only text that is safe to print in CI logs: URLs lose their userinfo
/// (`https://user:token@host/x.git` → `https://host/x.git`) and libgit2's messages are
/// scrubbed the same way when the error is made, so no case ever holds a password or token.
public enum GitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server turned the credentials down, or asked for some and none were given.
    case authenticationFailed(url: String)
    /// The server asks for a kind of credentials other than the ones given (say, SSH
    /// credentials for an `https://` URL).
    case unsupportedCredentials(url: String, offered: String)
    /// The remote branch has commits this clone lacks; fetch, rebuild the change, push again.
    case nonFastForward(branch: String)
    /// The remote has no such branch.
    case missingBranch(branch: String, url: String)
    /// The server refused the update for another reason (a hook, a protected branch).
    case pushRejected(branch: String, reason: String)
    case notARepository(String)
    /// The SSH server's host key is in no known_hosts file, so it cannot be told from an impostor.
    /// `host` is named as known_hosts names it: `[127.0.0.1]:2222` on a port other than 22.
    case unknownHostKey(host: String, keyType: String, fingerprint: String, knownHostsFile: String)
    /// known_hosts holds another key of the same type for the host (at `knownHostsFile:line`):
    /// the server's key changed, or someone sits between.
    case hostKeyMismatch(host: String, keyType: String, fingerprint: String, knownHostsFile: String, line: Int)
    /// known_hosts marks the server's key `@revoked` (at `knownHostsFile:line`).
    case revokedHostKey(host: String, keyType: String, fingerprint: String, knownHostsFile: String, line: Int)
    /// A known_hosts file exists but could not be read.
    case knownHostsUnreadable(path: String, reason: String)
    /// Talking to the remote failed: DNS, TCP, TLS, SSH, an HTTP status such as 403 or 404.
    case network(url: String, message: String)
    /// Any other libgit2 failure: the C function, its return code, and libgit2's own message.
    case libgit2(call: String, code: Int32, message: String)

    // A work folder (`WorkFolder`) that was not used; nothing in it was touched.

    /// Another run held the work folder's lock for longer than the caller would wait.
    case workFolderBusy(path: String, lockFile: String, seconds: Int)
    /// The work folder is a clone of another repository (`origin` nil: of none).
    case workFolderOfOtherRepository(path: String, origin: String?, requested: String)
    /// The work folder's own git configuration rewrites the URL of its origin
    /// (`url.<base>.insteadOf` or `pushInsteadOf` matching it): `setting` names which, `prefix`
    /// what it replaces.
    case workFolderRewritesOrigin(path: String, setting: String, prefix: String)
    /// The work folder exists and is not a clone.
    case workFolderNotAClone(path: String)
    /// The work folder's lock or clone could not be set up: a file system error.
    case workFolderUnusable(path: String, reason: String)

    // A clone that `publish`, `commitChanges` or `ensureNoLockFiles` refused to touch: going on
    // would have lost or mixed in work that is not the caller's.

    /// The index holds changes outside the folders being committed (`paths`, relative).
    case stagedOutside(folders: [String], paths: [String])
    /// Another branch than the one to publish is checked out (`current` nil: HEAD is detached).
    case otherBranchCheckedOut(current: String?, branch: String)
    /// Tracked files outside the folders being published are edited; a reset would lose them.
    case changedOutside(folders: [String], paths: [String])
    /// HEAD has commits that are not on `remoteBranch`; a reset would drop them.
    case commitsNotOnRemote(remoteBranch: String)
    /// Git lock files (absolute paths) are in the way in the clone at `workDirectory`.
    case lockFilesInTheWay(paths: [String], workDirectory: String)

    // A commit's identity (`CommitIdentity.resolve`).

    /// The author's name or email (`missing`: "name", "email" or both) is set nowhere.
    case unknownIdentity(missing: [String])
    /// The `role`'s (author, committer) `field` (name, email) is empty where it was found, `origin`
    /// (`GIT_AUTHOR_NAME`, `user.name of the global configuration`).
    case emptyIdentity(role: String, field: String, origin: String)
    /// A variable of git's configuration environment is malformed (`GIT_CONFIG_COUNT`, `GIT_CONFIG_NOSYSTEM`).
    case invalidConfigurationVariable(name: String, reason: String)

    /// Userinfo is dropped from every URL once more here, so that no case made elsewhere can
    /// carry a login into a message.
    public var description: String {
        Redaction.removingUserinfo(from: text)
    }

    private var text: String {
        switch self {
        case .authenticationFailed(let url):
            return "authentication failed for \(url)"
        case .unsupportedCredentials(let url, let offered):
            return "\(url) does not accept \(offered) credentials"
        case .nonFastForward(let branch):
            return "push to '\(branch)' rejected (non-fast-forward): the remote branch has commits this clone does not have"
        case .missingBranch(let branch, let url):
            return "branch '\(branch)' does not exist in \(url)"
        case .pushRejected(let branch, let reason):
            return "push to '\(branch)' rejected by the remote: \(reason)"
        case .notARepository(let path):
            return "not a git repository: \(path)"
        case .unknownHostKey(let host, let keyType, let fingerprint, let file):
            return "unknown SSH host key for \(host) (\(keyType) \(fingerprint)): it is not in \(file); "
                + "if that is the server's fingerprint, add its key with "
                + "`\(Self.keyscanCommand(host: host)) >> \(Self.shellQuoted(file))`"
        case .hostKeyMismatch(let host, let keyType, let fingerprint, let file, let line):
            return "SSH host key for \(host) has changed: the server shows \(keyType) \(fingerprint), "
                + "but \(file):\(line) holds another \(keyType) key for it; someone may be intercepting the "
                + "connection, or the server has a new key: confirm the fingerprint with its administrator "
                + "before replacing that line (`ssh-keygen -R \(Self.shellQuoted(host)) -f \(Self.shellQuoted(file))`)"
        case .revokedHostKey(let host, let keyType, let fingerprint, let file, let line):
            return "SSH host key for \(host) is revoked: \(keyType) \(fingerprint) is marked @revoked at "
                + "\(file):\(line)"
        case .knownHostsUnreadable(let path, let reason):
            return "cannot read known_hosts file \(path): \(reason)"
        case .network(let url, let message):
            return "talking to \(url) failed: \(message)"
        case .libgit2(let call, _, let message):
            return "\(call) failed: \(message)"
        case .workFolderBusy(let path, let lockFile, let seconds):
            return "gave up after waiting \(seconds) s for another run using \(path) to finish (it holds the lock \(lockFile))"
        case .workFolderOfOtherRepository(let path, let origin, let requested):
            let shown = origin.map { Redaction.removingUserinfo(from: $0) }
            let clone = shown.map { "a clone of \($0)" } ?? "a clone without an 'origin' remote"
            // Two names that print alike: say why they are two.
            let alike = shown.map { $0 == requested && !$0.hasSameBytes(as: requested) } ?? false
            return "\(path) is \(clone), not of \(requested)"
                + (alike ? " (the two differ only in their Unicode normalization: composed and decomposed letters)" : "")
                + ": it is not reused, since its commits would go to that repository; use another folder for "
                + "\(requested), or remove \(path)"
        case .workFolderRewritesOrigin(let path, let setting, let prefix):
            return "\(path)/.git/config rewrites the URL of its origin (\(setting) for "
                + "\(Redaction.removingUserinfo(from: prefix))): it is not reused, since its commits could go to another "
                + "repository; remove that setting, or remove \(path)"
        case .workFolderNotAClone(let path):
            return "\(path) exists and is not a git clone: remove it, or use another folder"
        case .workFolderUnusable(let path, let reason):
            return "cannot use \(path): \(reason)"
        case .stagedOutside(let folders, let paths):
            return "changes are staged outside \(Self.list(folders)): \(Self.list(paths)); commit or unstage them first"
        case .otherBranchCheckedOut(let current, let branch):
            return (current.map { "the clone has '\($0)' checked out" } ?? "the clone's HEAD is detached")
                + ", not '\(branch)'; check out '\(branch)' first (`git checkout \(branch)`)"
        case .changedOutside(let folders, let paths):
            return "the clone has changes outside \(Self.list(folders)): \(Self.list(paths)); commit, push or stash them first"
        case .commitsNotOnRemote(let remoteBranch):
            return "the clone has commits that are not on \(remoteBranch); push them first"
        case .lockFilesInTheWay(let locks, let workDirectory):
            let named = locks.count == 1 ? "a git lock file is in the way: \(locks[0])"
                : "git lock files are in the way: " + locks.joined(separator: ", ")
            return named + "; a git process is running in \(workDirectory), or one was killed while writing there; "
                + "if no git process is running there, remove " + (locks.count == 1 ? "it" : "them")
                + " (`rm " + locks.map(Self.shellQuoted).joined(separator: " ") + "`) and run again"
        case .unknownIdentity(let missing):
            let settings = missing.map { "user.\($0)" }.joined(separator: " and ")
            let variables = missing.map { "GIT_AUTHOR_\($0.uppercased())" }.joined(separator: " and ")
            let examples = missing.map { $0 == "name" ? "`git config --global user.name \"Your Name\"`"
                : "`git config --global user.email you@example.com`" }.joined(separator: ", ")
            return "the commit's author is unknown: no \(missing.joined(separator: " and no ")) found; set \(settings) in "
                + "git's configuration (\(examples)), or \(variables)" + (missing.contains("email") ? " (or EMAIL)" : "")
        case .emptyIdentity(let role, let field, let origin):
            return "the commit's \(role) \(field) is empty (\(origin))"
        case .invalidConfigurationVariable(let name, let reason):
            return "\(name) \(reason)"
        }
    }

    /// At most three paths, then how many more.
    private static func list(_ paths: [String]) -> String {
        paths.count > 3 ? paths.prefix(3).joined(separator: ", ") + " and \(paths.count - 3) more"
            : paths.joined(separator: ", ")
    }
}

extension GitError {
    /// `ssh-keyscan` for a host named as known_hosts names it (`[host]:port` or `host`).
    static func keyscanCommand(host name: String) -> String {
        if name.hasPrefix("["), let close = name.lastIndex(of: "]"), name[close...].hasPrefix("]:") {
            let host = name[name.index(after: name.startIndex)..<close]
            let port = name[name.index(close, offsetBy: 2)...]
            return "ssh-keyscan -p \(port) \(shellQuoted(String(host)))"
        }
        return "ssh-keyscan \(shellQuoted(name))"
    }

    /// `text` as one shell word, quoted only when it needs to be (a path with a space).
    static func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "@%+=:,./_-~".contains($0)) }
        return plain && !text.isEmpty ? text : "'" + text.replacing("'", with: "'\\''") + "'"
    }

    /// The error for a libgit2 call that just returned `code`. libgit2 keeps one error per
    /// thread and the next failing call replaces it, so this runs right after the call.
    static func lastError(call: String, code: Int32) -> GitError {
        .libgit2(call: call, code: code, message: LibGit2Message.last(code: code).text)
    }

    /// Throws `lastError` when a libgit2 call returned a negative code.
    static func check(_ code: Int32, _ call: String) throws {
        if code < 0 {
            throw lastError(call: call, code: code)
        }
    }
}

/// libgit2's message and error class, copied out of its thread-local error at once.
struct LibGit2Message {
    let text: String
    let errorClass: Int32

    static func last(code: Int32) -> LibGit2Message {
        guard let error = git_error_last(), let message = error.pointee.message else {
            return LibGit2Message(text: "libgit2 error \(code)", errorClass: -1)
        }
        return LibGit2Message(text: Redaction.removingUserinfo(from: String(cString: message)),
                              errorClass: error.pointee.klass)
    }

    /// Whether the error came from talking to a server rather than from the repository.
    /// Socket failures have the OS class, shared with file system errors, so their
    /// (fixed) wording tells them apart.
    var isNetwork: Bool {
        if [GIT_ERROR_NET, GIT_ERROR_HTTP, GIT_ERROR_SSH, GIT_ERROR_SSL].contains(where: { Int32($0.rawValue) == errorClass }) {
            return true
        }
        return errorClass == Int32(GIT_ERROR_OS.rawValue) && (text.hasPrefix("failed to connect to") || text.contains("socket"))
    }
}

enum Redaction {
    /// Drops the userinfo of every `scheme://userinfo@host` URL in `text`. The userinfo runs to
    /// the last `@` before the path, as git reads it, so a raw `@` in a password goes too; and
    /// by Unicode scalars, as git reads bytes (by Characters, `@\u{301}` is no `@`).
    static func removingUserinfo(from text: String) -> String {
        text.replacing(#/([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s]*@/#.matchingSemantics(.unicodeScalar)) { match in
            match.output.1
        }
    }

    /// Replaces each secret's occurrences with `***`; for text libgit2 or a server wrote.
    static func removing(_ secrets: [String], from text: String) -> String {
        secrets.filter { !$0.isEmpty }.reduce(text) { $0.replacing($1, with: "***") }
    }
}
