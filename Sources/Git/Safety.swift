import CLibgit2

extension Repository {
    /// Tracked paths outside `relativePath` that differ from HEAD: staged ones, and with
    /// `includeWorkTree` also unstaged edits. Untracked files are nobody's work to lose here.
    func changedPaths(outside relativePaths: [String], includeWorkTree: Bool) throws -> [String] {
        var options = git_status_options()
        try GitError.check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "git_status_options_init")
        options.show = includeWorkTree ? GIT_STATUS_SHOW_INDEX_AND_WORKDIR : GIT_STATUS_SHOW_INDEX_ONLY
        options.flags = 0
        var list: OpaquePointer?
        try GitError.check(git_status_list_new(&list, handle, &options), "git_status_list_new")
        defer { git_status_list_free(list) }
        let folders = relativePaths.filter { !$0.isEmpty && $0 != "." }
        // No folders, or "" among them, means the whole tree: nothing is outside it.
        if relativePaths.isEmpty || folders.count < relativePaths.count { return [] }
        let prefixes = folders.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        var paths: [String] = []
        for position in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, position)?.pointee else { continue }
            let delta = entry.head_to_index ?? entry.index_to_workdir
            guard let path = delta?.pointee.new_file.path ?? delta?.pointee.old_file.path else { continue }
            let name = String(cString: path)
            if folders.contains(name) || prefixes.contains(where: name.hasPrefix) { continue }
            paths.append(name)
        }
        return paths
    }

    /// Whether HEAD is `remoteBranch`'s tip or behind it, i.e. the clone has no commits of its own
    /// that a reset to the remote tip would drop.
    func headIsContained(in remoteBranch: String) throws -> Bool {
        guard let head = try headCommitHandle() else { return true }
        var remote = git_oid()
        try GitError.check(git_reference_name_to_id(&remote, handle, "refs/remotes/\(remoteBranch)"),
                           "git_reference_name_to_id")
        var local = git_commit_id(head.handle).pointee
        if git_oid_equal(&local, &remote) != 0 { return true }
        let descends = git_graph_descendant_of(handle, &remote, &local)
        try GitError.check(descends < 0 ? descends : 0, "git_graph_descendant_of")
        return descends == 1
    }

    /// Refuses a commit of `relativePath` when the index holds changes elsewhere: `commit` writes
    /// the whole index, so they would land under a message that does not mention them.
    func ensureNothingStaged(outside relativePaths: [String]) throws {
        let staged = try changedPaths(outside: relativePaths, includeWorkTree: false)
        if !staged.isEmpty {
            throw GitError.stagedOutside(folders: relativePaths, paths: staged)
        }
    }

    /// Refuses to publish `branch` from a clone that has another branch checked out (or none): the
    /// push sends the local `branch`, while the commit and the resets would move the checked-out one.
    func ensureCheckedOut(_ branch: String) throws {
        let current = try currentBranch()
        if let current, current.hasSameBytes(as: branch) { return }
        throw GitError.otherBranchCheckedOut(current: current, branch: branch)
    }

    /// Refuses to publish from a clone whose own work a reset to the remote tip would destroy:
    /// edits to tracked files outside `relativePath`, or commits not on `remoteBranch`.
    func ensureSafeToReset(outside relativePaths: [String], remoteBranch: String) throws {
        let edited = try changedPaths(outside: relativePaths, includeWorkTree: true)
        if !edited.isEmpty {
            throw GitError.changedOutside(folders: relativePaths, paths: edited)
        }
        if try !headIsContained(in: remoteBranch) {
            throw GitError.commitsNotOnRemote(remoteBranch: remoteBranch)
        }
    }
}
