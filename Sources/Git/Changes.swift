import CLibgit2

/// An index (staging area) opened for an `ObjectPack`'s store: owns one `git_index *`.
final class Index {
    let handle: OpaquePointer
    /// The store the index belongs to, which must outlive it.
    let pack: ObjectPack

    /// Takes over `handle`, which `deinit` frees.
    init(handle: OpaquePointer, pack: ObjectPack) {
        self.handle = handle
        self.pack = pack
    }

    deinit {
        git_index_free(handle)
    }
}

extension Repository {
    /// Whether anything under `relativePath` (a pathspec relative to the working tree's root;
    /// "" for everything) differs from HEAD: staged or not, new files included, ignored ones not.
    public func hasChanges(under relativePath: String = "") throws -> Bool {
        var options = git_status_options()
        try GitError.check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "git_status_options_init")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
        var list: OpaquePointer?
        try withStrArray(Self.pathspec(relativePath)) { pathspec in
            options.pathspec = pathspec
            try GitError.check(git_status_list_new(&list, handle, &options), "git_status_list_new")
        }
        defer { git_status_list_free(list) }
        return git_status_list_entrycount(list) > 0
    }

    /// Commits `index` on top of HEAD, with its trees and the commit written through its pack, and
    /// moves the current branch to it. Returns nil and makes no commit when the index holds HEAD's
    /// tree. The message is cleaned up as `git commit` does; `committer` defaults to `author`.
    /// The order keeps the repository whole if the process dies anywhere: the pack file first,
    /// then the index, then the branch, so nothing on disk ever names an object not there yet.
    func commit(_ index: Index, message: String, author: Signature, committer: Signature?) throws -> Commit? {
        let pack = index.pack
        var treeID = git_oid()
        try GitError.check(git_index_write_tree_to(&treeID, index.handle, pack.store), "git_index_write_tree_to")
        let parent = try headCommitHandle()
        let parentID = parent.map { git_commit_id($0.handle).pointee }
        let unchanged = parent.map { ObjectID(git_commit_tree_id($0.handle).pointee) == ObjectID(treeID) }
            ?? (git_index_entrycount(index.handle) == 0)
        if unchanged {
            try pack.flush()
            try GitError.check(git_index_write(index.handle), "git_index_write")
            return nil
        }

        let text = try Self.prettify(message)
        var commitID = git_oid()
        do {
            var tree: OpaquePointer?
            try GitError.check(git_tree_lookup(&tree, pack.store, &treeID), "git_tree_lookup")
            defer { git_tree_free(tree) }
            // libgit2 takes only parents of the repository it writes to: look HEAD up again in the store.
            var storeParent: OpaquePointer?
            if var parentID {
                try GitError.check(git_commit_lookup(&storeParent, pack.store, &parentID), "git_commit_lookup")
            }
            defer { git_commit_free(storeParent) }
            let authorSignature = try SignatureHandle(author)
            let committerSignature = try committer.map(SignatureHandle.init) ?? authorSignature
            var parents: [OpaquePointer?] = storeParent.map { [$0] } ?? []
            try GitError.check(git_commit_create(&commitID, pack.store, nil, authorSignature.handle,
                                                 committerSignature.handle, nil, text, tree, parents.count, &parents),
                               "git_commit_create")
            pack.markWritten()
        }
        try pack.flush()
        try GitError.check(git_index_write(index.handle), "git_index_write")
        let summary = String(text.prefix { $0 != "\n" })
        let reflogMessage = (parentID == nil ? "commit (initial): " : "commit: ") + summary
        try moveHead(to: commitID, from: parentID, reflogMessage: reflogMessage)

        var created: OpaquePointer?
        try GitError.check(git_commit_lookup(&created, handle, &commitID), "git_commit_lookup")
        defer { git_commit_free(created) }
        return created.map(Commit.init)
    }

    /// Points HEAD's branch (or a detached HEAD) at `commit`, provided it still points at `parent`
    /// (nil: the branch does not exist yet), as `git commit` does.
    private func moveHead(to commit: git_oid, from parent: git_oid?, reflogMessage: String) throws {
        var head: OpaquePointer?
        try GitError.check(git_reference_lookup(&head, handle, "HEAD"), "git_reference_lookup")
        defer { git_reference_free(head) }
        let name = git_reference_type(head) == GIT_REFERENCE_SYMBOLIC
            ? git_reference_symbolic_target(head).map { String(cString: $0) } ?? "HEAD" : "HEAD"
        var target = commit
        var updated: OpaquePointer?
        if var parent {
            try GitError.check(
                git_reference_create_matching(&updated, handle, name, &target, 1, &parent, reflogMessage),
                "git_reference_create_matching")
        } else {
            try GitError.check(git_reference_create(&updated, handle, name, &target, 0, reflogMessage),
                               "git_reference_create")
        }
        git_reference_free(updated)
    }

    /// libgit2 takes a list of pathspecs; an empty list means the whole tree.
    static func pathspec(_ relativePath: String) -> [String] {
        relativePath.isEmpty || relativePath == "." ? [] : [relativePath]
    }

    /// Trailing whitespace stripped, blank lines collapsed, one final newline, like `git commit`.
    static func prettify(_ message: String) throws -> String {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try GitError.check(git_message_prettify(&buffer, message, 0, CChar(UInt8(ascii: "#"))), "git_message_prettify")
        return String(cString: buffer.ptr)
    }
}

/// Owns one `git_signature *` stamped with the current time.
final class SignatureHandle {
    let handle: UnsafeMutablePointer<git_signature>

    init(_ signature: Signature) throws {
        var handle: UnsafeMutablePointer<git_signature>?
        try GitError.check(git_signature_now(&handle, signature.name, signature.email), "git_signature_now")
        guard let handle else { throw GitError.lastError(call: "git_signature_now", code: -1) }
        self.handle = handle
    }

    deinit {
        git_signature_free(handle)
    }
}
