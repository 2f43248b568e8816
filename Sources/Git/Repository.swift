import CLibgit2
import Foundation

/// A git repository with a working tree: owns one `git_repository *`.
///
/// Not safe to share between threads (neither is libgit2's object); open one per thread.
public final class Repository {
    let handle: OpaquePointer
    /// The working tree's root, without a trailing slash.
    public let workDirectory: String

    /// Takes over `handle` (freed in `deinit`, or here when it has no working tree).
    init(handle: OpaquePointer) throws {
        guard let workdir = git_repository_workdir(handle) else {
            git_repository_free(handle)
            throw GitError.libgit2(call: "git_repository_workdir", code: GIT_EBAREREPO.rawValue,
                                   message: "the repository is bare; a working tree is needed")
        }
        self.handle = handle
        let path = String(cString: workdir)
        workDirectory = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    deinit {
        git_repository_free(handle)
    }

    /// Opens the repository whose working tree holds `path`, looking in parent folders as
    /// the git CLI does, or with `searchingParents` false only at `path` itself.
    public static func open(at path: String, searchingParents: Bool = true) throws -> Repository {
        try LibGit2.initialize()
        var handle: OpaquePointer?
        let flags = searchingParents ? 0 : GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
        let code = git_repository_open_ext(&handle, path, flags, nil)
        // On failure libgit2 leaves `handle` NULL: there is nothing to free.
        if code == GIT_ENOTFOUND.rawValue {
            throw GitError.notARepository(path)
        }
        try GitError.check(code, "git_repository_open_ext")
        guard let handle else { throw GitError.notARepository(path) }
        return try Repository(handle: handle)
    }

    /// Whether git takes `name` as a branch name (`main`, `env/prod`; not `a b`, `*`, `-x`, `HEAD`,
    /// `x.lock`, `a..b`), as `git check-ref-format --branch` does.
    public static func isValidBranchName(_ name: String) -> Bool {
        guard (try? LibGit2.initialize()) != nil else { return false }
        var valid: Int32 = 0
        return git_branch_name_is_valid(&valid, name) == 0 && valid != 0
    }

    /// Clones `url` into `path` (which must be missing or empty) and checks out `branch`,
    /// or the remote's default branch. Its reflog entries name the URL libgit2 talked to, after
    /// the `insteadOf` rewrites of the git configuration (`WorkFolder` clones by steps instead).
    public static func clone(url: String, to path: String, branch: String? = nil,
                             credentials: Credentials? = nil) throws -> Repository {
        try LibGit2.initialize()
        let session = RemoteSession(url: url, credentials: credentials)
        var options = git_clone_options()
        try GitError.check(git_clone_options_init(&options, UInt32(GIT_CLONE_OPTIONS_VERSION)), "git_clone_options_init")
        options.fetch_opts.callbacks = session.callbacks()
        options.fetch_opts.proxy_opts.type = GIT_PROXY_AUTO
        var handle: OpaquePointer?
        let code = withExtendedLifetime(session) {
            withOptionalCString(branch) { branch in
                options.checkout_branch = branch
                return git_clone(&handle, url, path, &options)
            }
        }
        // On failure libgit2 leaves `handle` NULL and removes the folder if it made it.
        if code < 0 {
            throw session.error(call: "git_clone", code: code)
        }
        guard let handle else { throw GitError.notARepository(path) }
        return try Repository(handle: handle)
    }

    /// The folders that hold the repository's files: its `.git` folder, and the main one's when it
    /// is a linked worktree (references, objects and configuration live there). Absolute, with a
    /// trailing slash.
    var gitDirectories: [String] {
        let own = String(cString: git_repository_path(handle))
        let common = String(cString: git_repository_commondir(handle))
        return own == common ? [own] : [own, common]
    }

    /// The commit HEAD points at; nil in a repository without commits.
    public func headCommit() throws -> Commit? {
        try headCommitHandle().map { Commit($0.handle) }
    }

    /// The checked-out branch's short name (`main`), also before its first commit; nil when
    /// HEAD is detached.
    public func currentBranch() throws -> String? {
        var head: OpaquePointer?
        try GitError.check(git_reference_lookup(&head, handle, "HEAD"), "git_reference_lookup")
        defer { git_reference_free(head) }
        guard git_reference_type(head) == GIT_REFERENCE_SYMBOLIC,
              let target = git_reference_symbolic_target(head) else { return nil }
        let name = String(cString: target)
        let prefix = "refs/heads/"
        return name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil
    }

    /// `path` relative to the working tree's root, as `hasChanges`, `commitChanges` and `publish`
    /// take it; "" for the root itself; nil when `path` is outside the working tree.
    /// Symbolic links are resolved on both sides.
    public func relativePath(of path: String) -> String? {
        let root = URL(fileURLWithPath: workDirectory).resolvingSymlinksInPath().pathComponents
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().pathComponents
        guard target.starts(with: root) else { return nil }
        return target.dropFirst(root.count).joined(separator: "/")
    }

    /// The commit checked out in the repository holding `path`, e.g. the templates' source
    /// commit when the templates folder is a git checkout. nil when `path` is in no repository,
    /// or in one without commits.
    public static func describeCheckout(containing path: String) -> Commit? {
        guard let repository = try? open(at: path) else { return nil }
        return try? repository.headCommit()
    }

    /// HEAD's commit; nil before the first commit.
    func headCommitHandle() throws -> CommitHandle? {
        var head: OpaquePointer?
        let code = git_repository_head(&head, handle)
        if code == GIT_EUNBORNBRANCH.rawValue || code == GIT_ENOTFOUND.rawValue {
            return nil
        }
        try GitError.check(code, "git_repository_head")
        defer { git_reference_free(head) }
        var commit: OpaquePointer?
        try GitError.check(git_reference_peel(&commit, head, GIT_OBJECT_COMMIT), "git_reference_peel")
        guard let commit else { throw GitError.lastError(call: "git_reference_peel", code: -1) }
        return CommitHandle(commit)
    }
}

/// Calls `body` with a C string for `string`, or NULL for nil.
func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) throws -> T) rethrows -> T {
    guard let string else { return try body(nil) }
    return try string.withCString { try body($0) }
}

/// Calls `body` with a `git_strarray` of `strings`, valid only during the call.
func withStrArray<T>(_ strings: [String], _ body: (inout git_strarray) throws -> T) rethrows -> T {
    var pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
