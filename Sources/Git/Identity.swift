import CLibgit2

/// A name and an email given for one role of a commit; what is nil is looked up as git looks it up
/// (`CommitIdentity.resolve`).
public struct PartialSignature: Sendable, Equatable {
    public var name: String?
    public var email: String?

    public init(name: String? = nil, email: String? = nil) {
        self.name = name
        self.email = email
    }
}

/// The author and the committer of a commit, found as `git commit` finds them.
public struct CommitIdentity: Sendable, Equatable {
    public let author: Signature
    public let committer: Signature

    /// Each name and email is the first of these that is set, as git's `ident.c` has it:
    /// 1. for the author, what `given` holds;
    /// 2. `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` (`GIT_COMMITTER_*` for the committer);
    /// 3. `author.name`/`author.email` (`committer.*`) of git's configuration, when not empty;
    /// 4. `user.name`/`user.email` of git's configuration;
    /// 5. for the email, `EMAIL` when not empty, unless `user.useConfigOnly` is true;
    /// 6. for the committer, the author's: where git would guess (from the account and the host
    ///    name), a CI job that gave only an author gets it as committer too, as before.
    ///
    /// The configuration is `repository`'s own (`.git/config`), over the global one
    /// (`GIT_CONFIG_GLOBAL`, or else `~/.gitconfig` over `$XDG_CONFIG_HOME/git/config`), over
    /// the system's (`GIT_CONFIG_SYSTEM` or `/etc/gitconfig`, skipped when `GIT_CONFIG_NOSYSTEM`
    /// is true), under the pairs of `GIT_CONFIG_COUNT`; all from `environment`. Git's other
    /// guesses (the account's full name, `user@host`) are not made: a commit by `root
    /// <root@runner-7f3>` is rarely what a CI job means. Like git, the characters `<`, `>` and
    /// newlines are dropped, and spaces and `.,:;"'\` at either end.
    /// - Throws: `GitError.unknownIdentity` naming what to set; `GitError.emptyIdentity` naming
    ///   where an empty name or email came from.
    public static func resolve(author given: PartialSignature = PartialSignature(), environment: [String: String],
                               repository: Repository?) throws -> CommitIdentity {
        let configuration = try ConfigurationStack(environment: environment, repository: repository)
        let useConfigOnly = try configuration.bool("user.useConfigOnly") ?? false
        func find(_ role: String, _ field: String, given: String?) throws -> Source? {
            if let given { return Source(value: given, origin: "as given") }
            let variable = "GIT_\(role.uppercased())_\(field.uppercased())"
            if let value = environment[variable] { return Source(value: value, origin: variable) }
            if let own = try configuration.string("\(role).\(field)"), !own.value.isEmpty { return own }
            if let user = try configuration.string("user.\(field)") { return user }
            if field == "email", !useConfigOnly, let email = environment["EMAIL"], !email.isEmpty {
                return Source(value: email, origin: "EMAIL")
            }
            return nil
        }
        let authorName = try find("author", "name", given: given.name)
        let authorEmail = try find("author", "email", given: given.email)
        let missing = [authorName == nil ? "name" : nil, authorEmail == nil ? "email" : nil].compactMap { $0 }
        guard let authorName, let authorEmail else { throw GitError.unknownIdentity(missing: missing) }
        let author = try Signature(name: authorName, email: authorEmail, role: "author")
        let committer = try Signature(name: try find("committer", "name", given: nil) ?? authorName,
                                      email: try find("committer", "email", given: nil) ?? authorEmail, role: "committer")
        return CommitIdentity(author: author, committer: committer)
    }

    /// A value and where it was found, for the error that says it is empty.
    struct Source {
        let value: String
        /// `GIT_AUTHOR_NAME`, `user.name of the global configuration`.
        let origin: String
    }
}

extension Signature {
    /// `name` and `email` without what git leaves out of an identity; empty is an error.
    fileprivate init(name: CommitIdentity.Source, email: CommitIdentity.Source, role: String) throws {
        let cleanName = Self.withoutCrud(name.value)
        let cleanEmail = Self.withoutCrud(email.value)
        if cleanName.isEmpty { throw GitError.emptyIdentity(role: role, field: "name", origin: name.origin) }
        if cleanEmail.isEmpty { throw GitError.emptyIdentity(role: role, field: "email", origin: email.origin) }
        self.init(name: cleanName, email: cleanEmail)
    }

    /// git's `strbuf_addstr_without_crud`: control characters, spaces and `.,:;<>"\'` trimmed from
    /// both ends, then `<`, `>` and newlines dropped.
    static func withoutCrud(_ text: String) -> String {
        func isCrud(_ byte: UInt8) -> Bool { byte <= 32 || Array(#".,:;<>"\'"#.utf8).contains(byte) }
        let bytes = Array(text.utf8)
        guard let first = bytes.firstIndex(where: { !isCrud($0) }), let last = bytes.lastIndex(where: { !isCrud($0) }) else {
            return ""
        }
        let kept = bytes[first...last].filter { $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "\n") }
        return String(decoding: kept, as: UTF8.self)
    }
}

/// Git's configuration as the git CLI reads it from `environment`: one `git_config *`, freed in
/// `deinit`. libgit2's own lookup (`git_config_open_default`) ignores `GIT_CONFIG_GLOBAL`,
/// `GIT_CONFIG_SYSTEM` and `GIT_CONFIG_NOSYSTEM`, and reads HOME once per process, so the files
/// are added one by one here.
final class ConfigurationStack {
    private let handle: OpaquePointer
    /// `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>` pairs (as `git -c`), over every file; later wins.
    private let pairs: [(key: String, value: String, origin: String)]

    init(environment: [String: String], repository: Repository?) throws {
        try LibGit2.initialize()
        pairs = try Self.pairs(in: environment)
        var handle: OpaquePointer?
        try GitError.check(git_config_new(&handle), "git_config_new")
        guard let handle else { throw GitError.lastError(call: "git_config_new", code: -1) }
        // From here on a throw runs `deinit`, which frees it.
        self.handle = handle
        var files: [(String, git_config_level_t)] = []
        if try !Self.isTrue(environment["GIT_CONFIG_NOSYSTEM"], name: "GIT_CONFIG_NOSYSTEM") {
            files.append((environment["GIT_CONFIG_SYSTEM"] ?? "/etc/gitconfig", GIT_CONFIG_LEVEL_SYSTEM))
        }
        if let global = environment["GIT_CONFIG_GLOBAL"] {
            files.append((global, GIT_CONFIG_LEVEL_GLOBAL))
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            let xdg = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home.map { $0 + "/.config" }
            if let xdg { files.append((xdg + "/git/config", GIT_CONFIG_LEVEL_XDG)) }
            if let home { files.append((home + "/.gitconfig", GIT_CONFIG_LEVEL_GLOBAL)) }
        }
        if let repository {
            var path = git_buf()
            defer { git_buf_dispose(&path) }
            try GitError.check(git_repository_item_path(&path, repository.handle, GIT_REPOSITORY_ITEM_CONFIG),
                               "git_repository_item_path")
            files.append((String(cString: path.ptr), GIT_CONFIG_LEVEL_LOCAL))
        }
        for (path, level) in files where !path.isEmpty {
            // A missing file is an empty level, as for git.
            try GitError.check(git_config_add_file_ondisk(handle, path, level, repository?.handle, 0),
                               "git_config_add_file_ondisk")
        }
    }

    deinit {
        git_config_free(handle)
    }

    /// The value of `name` that git would use, and where it comes from; nil when unset.
    func string(_ name: String) throws -> CommitIdentity.Source? {
        if let pair = pairs.last(where: { Self.sameKey($0.key, name) }) {
            return CommitIdentity.Source(value: pair.value, origin: pair.origin)
        }
        var entry: UnsafeMutablePointer<git_config_entry>?
        let code = git_config_get_entry(&entry, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(code, "git_config_get_entry")
        guard let entry else { return nil }
        defer { git_config_entry_free(entry) }
        let level = switch entry.pointee.level {
        case GIT_CONFIG_LEVEL_SYSTEM: "system"
        case GIT_CONFIG_LEVEL_XDG: "global (XDG)"
        case GIT_CONFIG_LEVEL_GLOBAL: "global"
        default: "repository's"
        }
        return CommitIdentity.Source(value: entry.pointee.value.map { String(cString: $0) } ?? "",
                                     origin: "\(name) of the \(level) configuration")
    }

    /// `name` read as git reads a boolean (`true`, `yes`, `on`, `1`, a bare key…); nil when unset.
    func bool(_ name: String) throws -> Bool? {
        guard let source = try string(name) else { return nil }
        return try Self.isTrue(source.value, name: name)
    }

    private static func isTrue(_ value: String?, name: String) throws -> Bool {
        guard let value else { return false }
        var result: Int32 = 0
        if git_config_parse_bool(&result, value) < 0 {
            throw GitError.invalidConfigurationVariable(name: name, reason: "is not a boolean (true or false): \(value)")
        }
        return result != 0
    }

    /// Section and key compare without case, a subsection (the middle of `a.b.c`) with.
    private static func sameKey(_ a: String, _ b: String) -> Bool {
        func parts(_ key: String) -> (String, String, String) {
            guard let first = key.firstIndex(of: "."), let last = key.lastIndex(of: ".") else { return (key.lowercased(), "", "") }
            return (key[..<first].lowercased(), first == last ? "" : String(key[key.index(after: first)..<last]),
                    key[key.index(after: last)...].lowercased())
        }
        return parts(a) == parts(b)
    }

    private static func pairs(in environment: [String: String]) throws -> [(key: String, value: String, origin: String)] {
        guard let text = environment["GIT_CONFIG_COUNT"], !text.isEmpty else { return [] }
        guard let count = Int(text), count >= 0 else {
            throw GitError.invalidConfigurationVariable(name: "GIT_CONFIG_COUNT", reason: "is not a count: \(text)")
        }
        return try (0..<count).map { number in
            guard let key = environment["GIT_CONFIG_KEY_\(number)"], let value = environment["GIT_CONFIG_VALUE_\(number)"] else {
                throw GitError.invalidConfigurationVariable(
                    name: "GIT_CONFIG_COUNT", reason: "is \(count) but GIT_CONFIG_KEY_\(number) or GIT_CONFIG_VALUE_\(number) is unset")
            }
            return (key, value, "GIT_CONFIG_VALUE_\(number)")
        }
    }
}
