import CLibgit2

/// The repository's index (staging area): owns one `git_index *`.
final class Index {
    let handle: OpaquePointer
    /// The index belongs to the repository and must not outlive it.
    let repository: Repository

    init(of repository: Repository) throws {
        var handle: OpaquePointer?
        try GitError.check(git_repository_index(&handle, repository.handle), "git_repository_index")
        guard let handle else { throw GitError.lastError(call: "git_repository_index", code: -1) }
        self.handle = handle
        self.repository = repository
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

    /// Stages every change under `relativePath` like `git add -A -- path`: new and modified
    /// files are added, deleted ones removed, ignored ones left out.
    public func stageAll(under relativePath: String = "") throws {
        try stageAll(underEach: Self.pathspec(relativePath))
    }

    /// `stageAll` for several folders at once (`git add -A -- a b c`); an empty list means all.
    public func stageAll(underEach relativePaths: [String]) throws {
        let index = try Index(of: self)
        try withStrArray(relativePaths) { pathspec in
            try GitError.check(git_index_add_all(index.handle, &pathspec, GIT_INDEX_ADD_DEFAULT.rawValue, nil, nil),
                               "git_index_add_all")
            // add_all does not drop the entries of deleted files; update_all does.
            try GitError.check(git_index_update_all(index.handle, &pathspec, nil, nil), "git_index_update_all")
        }
        try GitError.check(git_index_write(index.handle), "git_index_write")
    }

    /// Commits the index on top of HEAD and moves the current branch to it. Returns nil and
    /// makes no commit when the index holds the same tree as HEAD (nothing staged).
    /// The message is cleaned up as `git commit` does; `committer` defaults to `author`.
    public func commit(message: String, author: Signature, committer: Signature? = nil) throws -> Commit? {
        let index = try Index(of: self)
        var treeID = git_oid()
        try GitError.check(git_index_write_tree(&treeID, index.handle), "git_index_write_tree")

        let parent = try headCommitHandle()
        defer { git_commit_free(parent) }
        if let parent {
            if ObjectID(git_commit_tree_id(parent).pointee) == ObjectID(treeID) { return nil }
        } else if git_index_entrycount(index.handle) == 0 {
            return nil
        }

        var tree: OpaquePointer?
        try GitError.check(git_tree_lookup(&tree, handle, &treeID), "git_tree_lookup")
        defer { git_tree_free(tree) }
        let authorSignature = try SignatureHandle(author)
        let committerSignature = try committer.map(SignatureHandle.init) ?? authorSignature
        let text = try Self.prettify(message)

        var commitID = git_oid()
        var parents: [OpaquePointer?] = parent.map { [$0] } ?? []
        try GitError.check(git_commit_create(&commitID, handle, "HEAD", authorSignature.handle, committerSignature.handle,
                                             nil, text, tree, parents.count, &parents),
                           "git_commit_create")
        var created: OpaquePointer?
        try GitError.check(git_commit_lookup(&created, handle, &commitID), "git_commit_lookup")
        defer { git_commit_free(created) }
        return created.map(Commit.init)
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
