/// What `publish` did.
public struct PublishResult: Sendable, Equatable {
    /// The commit made, or nil when `update` changed nothing under the path (nothing pushed).
    public let commit: Commit?
    public let pushed: Bool
    /// How many times `update` ran: 1, plus one per push lost to a concurrent one.
    public let attempts: Int

    public init(commit: Commit?, pushed: Bool, attempts: Int) {
        self.commit = commit
        self.pushed = pushed
        self.attempts = attempts
    }
}

/// Runs `update` (which rewrites the files under `path` and returns every file now there), commits
/// what changed there and pushes `branch` to `remote`.
///
/// When the push loses to another one (non-fast-forward), it fetches, resets hard to the remote
/// branch's tip, and runs `update`, commits and pushes again, up to `maxAttempts` times in all
/// (at least once).
/// So several CI jobs that rewrite different folders of one branch at once all land: every round
/// one of them wins, hence `maxAttempts` at least the number of concurrent jobs. `update` must
/// therefore write its whole result each time, from the files as it finds them.
///
/// What `update` returns is staged as it is (`Repository.stage`): the commit holds exactly those
/// files under `path`, and tracked files under `path` that it leaves out are deleted from the commit.
///
/// - Parameters:
///   - path: the folder (or file) to stage, relative to the working tree's root; "" for all.
///   - credentials: for both the push and the fetch.
///   - fetchingFirst: false when the caller has just fetched `branch` (`WorkFolder.update`), so
///     the first round starts from that fetch instead of another; a push lost meanwhile is
///     retried as any other.
///   - committer: defaults to `author`.
/// - Throws: what `update` throws; `GitError.nonFastForward` when the last attempt lost too;
///   any other `GitError` at once, without retrying; before anything is written,
///   `GitError.otherBranchCheckedOut`, `.changedOutside` or `.commitsNotOnRemote` when the clone
///   has another branch than `branch` checked out, or tracked changes outside `path` or commits
///   not on the remote branch, which the resets would destroy.
public func publish(
    repository: Repository,
    changesUnder path: String,
    branch: String,
    remote: String = "origin",
    credentials: Credentials? = nil,
    fetchingFirst: Bool = true,
    maxAttempts: Int = 5,
    commitMessage: String,
    author: Signature,
    committer: Signature? = nil,
    update: () throws -> [WorkTreeFile]
) throws -> PublishResult {
    try publish(repository: repository, changesUnderEach: Repository.pathspec(path), branch: branch, remote: remote,
                credentials: credentials, fetchingFirst: fetchingFirst, maxAttempts: maxAttempts,
                commitMessage: commitMessage, author: author, committer: committer, update: update)
}

/// `publish` of several folders in one commit (`paths` empty: the whole tree).
public func publish(
    repository: Repository,
    changesUnderEach paths: [String],
    branch: String,
    remote: String = "origin",
    credentials: Credentials? = nil,
    fetchingFirst: Bool = true,
    maxAttempts: Int = 5,
    commitMessage: String,
    author: Signature,
    committer: Signature? = nil,
    update: () throws -> [WorkTreeFile]
) throws -> PublishResult {
    // Start from the remote tip, and only where a reset to it later cannot destroy anyone's work.
    try repository.ensureCheckedOut(branch)
    if fetchingFirst { try repository.fetch(remote: remote, branch: branch, credentials: credentials) }
    try repository.ensureSafeToReset(outside: paths, remoteBranch: "\(remote)/\(branch)")
    try repository.resetHard(to: "\(remote)/\(branch)")
    var attempt = 1
    while true {
        guard let commit = try commitChanges(repository: repository, underEach: paths, commitMessage: commitMessage,
                                             author: author, committer: committer, update: update) else {
            return PublishResult(commit: nil, pushed: false, attempts: attempt)
        }
        do {
            try repository.push(remote: remote, branch: branch, credentials: credentials)
            return PublishResult(commit: commit, pushed: true, attempts: attempt)
        } catch GitError.nonFastForward where attempt < maxAttempts {
            try repository.fetch(remote: remote, branch: branch, credentials: credentials)
            try repository.resetHard(to: "\(remote)/\(branch)")
            attempt += 1
        }
    }
}

/// Runs `update` and commits the files it returns as the whole of `path`, without pushing:
/// `publish`'s first half, for `hydrate --commit`. Returns nil, and makes no commit, when nothing
/// changed.
public func commitChanges(
    repository: Repository,
    under path: String,
    commitMessage: String,
    author: Signature,
    committer: Signature? = nil,
    update: () throws -> [WorkTreeFile]
) throws -> Commit? {
    try commitChanges(repository: repository, underEach: Repository.pathspec(path), commitMessage: commitMessage,
                      author: author, committer: committer, update: update)
}

/// `commitChanges` of several folders in one commit (`paths` empty: the whole tree).
public func commitChanges(
    repository: Repository,
    underEach paths: [String],
    commitMessage: String,
    author: Signature,
    committer: Signature? = nil,
    update: () throws -> [WorkTreeFile]
) throws -> Commit? {
    try repository.ensureNothingStaged(outside: paths)
    return try repository.commit(try update(), replacingEntriesUnder: paths, message: commitMessage, author: author,
                                 committer: committer)
}
