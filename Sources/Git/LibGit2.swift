import CLibgit2

/// The linked libgit2's version, e.g. `1.5.1`.
public var libgit2Version: String {
    var major: Int32 = 0
    var minor: Int32 = 0
    var revision: Int32 = 0
    git_libgit2_version(&major, &minor, &revision)
    return "\(major).\(minor).\(revision)"
}

/// Swift runs a global's initializer once, even when threads race for it, which is the
/// "once per process" libgit2 asks of `git_libgit2_init`.
///
/// `git_libgit2_shutdown` is never called: a `Repository` may be freed at any moment up to
/// the process's exit and needs the library alive then; exiting releases what init took.
private let libgit2Initialization: Int32 = git_libgit2_init()

enum LibGit2 {
    /// Every entry point that creates libgit2 objects calls this first.
    static func initialize() throws {
        if libgit2Initialization < 0 {
            throw GitError.lastError(call: "git_libgit2_init", code: libgit2Initialization)
        }
    }
}
