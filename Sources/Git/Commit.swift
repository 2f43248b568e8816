import CLibgit2

/// A commit's identity and message, copied out of libgit2's object.
public struct Commit: Sendable, Equatable {
    /// The full hexadecimal object id.
    public let id: String
    /// The first paragraph of the message, on one line.
    public let summary: String
    public let message: String

    /// Copies `commit` (a `git_commit *`); the caller still owns and frees it.
    init(_ commit: OpaquePointer) {
        id = ObjectID(git_commit_id(commit).pointee).hex
        message = String(cString: git_commit_message(commit))
        // git_commit_summary caches its answer in the commit and is NULL only when out of memory.
        summary = git_commit_summary(commit).map { String(cString: $0) }
            ?? String(message.prefix { $0 != "\n" })
    }
}

/// Owns one `git_commit *`, freed in `deinit`.
final class CommitHandle {
    let handle: OpaquePointer

    /// Takes over `handle`.
    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        git_commit_free(handle)
    }
}

/// A `git_oid` by value.
struct ObjectID: Equatable {
    var oid: git_oid

    init(_ oid: git_oid) {
        self.oid = oid
    }

    var hex: String {
        var oid = oid
        // A per-thread buffer of libgit2's, copied out before any other call reuses it.
        return String(cString: git_oid_tostr_s(&oid))
    }

    static func == (lhs: ObjectID, rhs: ObjectID) -> Bool {
        var lhs = lhs.oid
        var rhs = rhs.oid
        return git_oid_equal(&lhs, &rhs) != 0
    }
}
