import CLibgit2

/// A configured remote (`origin`): owns one `git_remote *`.
final class Remote {
    let handle: OpaquePointer
    /// libgit2's remote points into its repository, so it keeps the repository alive.
    let repository: Repository
    let name: String

    init(named name: String, in repository: Repository) throws {
        var handle: OpaquePointer?
        try GitError.check(git_remote_lookup(&handle, repository.handle, name), "git_remote_lookup")
        guard let handle else { throw GitError.lastError(call: "git_remote_lookup", code: -1) }
        self.handle = handle
        self.repository = repository
        self.name = name
    }

    /// The URL libgit2 will talk to: a push goes to `pushurl` when the remote has one.
    func url(forPush: Bool) -> String {
        let url = forPush ? git_remote_pushurl(handle) ?? git_remote_url(handle) : git_remote_url(handle)
        return url.map { String(cString: $0) } ?? name
    }

    deinit {
        git_remote_free(handle)
    }
}

/// The state of one network operation (clone, fetch or push), and the owner its libgit2
/// callbacks point at.
///
/// libgit2 calls the credentials callback again each time the server rejects a login, so the
/// callback counts logins instead of consuming anything: the second one means the first was
/// rejected, and it stops there rather than letting libgit2 replay a bad token.
///
/// SSH host keys are checked here against known_hosts (`HostKeyCheck`), before any login.
/// libgit2 1.5.1 checks `$HOME/.ssh/known_hosts` itself when no callback answers, but only that
/// file, and its refusal says no more than "invalid or unknown remote ssh hostkey"; this check
/// takes the file from `Credentials.knownHostsFile`, says which key and how to add it, and its
/// answer replaces libgit2's (the callback's `valid` argument). libgit2 still asks libssh2 for
/// the key types `$HOME/.ssh/known_hosts` lists for the host first, so with another file, a
/// server with several host keys may show a type that file lacks: list them all, as
/// `ssh-keyscan` does.
final class RemoteSession {
    /// The URL without userinfo, for messages.
    let url: String
    private let credentials: Credentials?
    private let hostKeyCheck: HostKeyCheck
    /// Why the SSH server's host key was refused; it explains the failure libgit2 then returns.
    private var hostKeyFailure: GitError?
    private var loginsOffered = 0
    private var loginRejected = false
    private var credentialsUnsupported = false
    /// The server's reasons for refusing reference updates (receive-pack's status per reference).
    private(set) var refusals: [String] = []

    init(url: String, credentials: Credentials?) {
        self.url = Redaction.removingUserinfo(from: url)
        self.credentials = credentials
        hostKeyCheck = HostKeyCheck(files: credentials?.knownHostsFile.map { [KnownHosts.expandingTilde($0)] }
            ?? KnownHosts.defaultFiles())
    }

    /// Callbacks whose payload is this session, unretained: the caller keeps the session alive
    /// (`withExtendedLifetime`) until libgit2 returns.
    func callbacks() -> git_remote_callbacks {
        var callbacks = git_remote_callbacks()
        git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, _, usernameFromURL, allowedTypes, payload in
            guard let out, let payload else { return GIT_EUSER.rawValue }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            return session.acquireCredential(out, usernameFromURL: usernameFromURL.map { String(cString: $0) },
                                             allowedTypes: allowedTypes)
        }
        // libgit2 calls it once per connection, after the SSH handshake and before the login, and
        // for HTTPS after its own TLS verification (`valid`).
        callbacks.certificate_check = { cert, _, host, payload in
            guard let cert, let payload else { return GIT_PASSTHROUGH.rawValue }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            return session.checkCertificate(cert, host: host.map { String(cString: $0) })
        }
        // Called for every pushed reference; `status` is NULL when the server accepted it.
        callbacks.push_update_reference = { _, status, payload in
            guard let status, let payload else { return 0 }
            let session = Unmanaged<RemoteSession>.fromOpaque(payload).takeUnretainedValue()
            session.refusals.append(String(cString: status))
            return 0
        }
        return callbacks
    }

    /// 0 accepts the server, GIT_ECERTIFICATE refuses it. TLS certificates are libgit2's to judge
    /// (GIT_PASSTHROUGH keeps its verdict, CA store and host name check); an SSH host key is
    /// accepted only when known_hosts lists it for this host and port.
    private func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>, host: String?) -> Int32 {
        guard cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else { return GIT_PASSTHROUGH.rawValue }
        // libgit2 passes a `git_cert_hostkey`, whose first member is this `git_cert`.
        let hostkey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
        let failure: GitError?
        if hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue == 0 || hostkey.hostkey == nil {
            failure = .network(url: url,
                               message: "the SSH server's host key could not be read, so it cannot be checked")
        } else if let host, let key = SSHHostKey(blob: Array(UnsafeRawBufferPointer(start: hostkey.hostkey,
                                                                                       count: hostkey.hostkey_len))) {
            failure = hostKeyCheck.failure(for: key, host: host, port: HostKeyCheck.port(ofURL: url))
        } else {
            failure = .network(url: url, message: "the SSH server's host key is malformed")
        }
        guard let failure else { return 0 }
        hostKeyFailure = failure
        git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), failure.description)
        return GIT_ECERTIFICATE.rawValue
    }

    private func acquireCredential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>,
                                   usernameFromURL: String?, allowedTypes: UInt32) -> Int32 {
        let offer = CredentialOffer(credentials: credentials, allowedTypes: allowedTypes, usernameFromURL: usernameFromURL)
        switch offer {
        case .none:
            loginRejected = true
            git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), "the server asks for credentials and none were given")
            return GIT_EAUTH.rawValue
        case .unsupported:
            credentialsUnsupported = true
            git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), "the server does not accept these credentials")
            return GIT_EAUTH.rawValue
        default:
            if offer.isLogin {
                loginsOffered += 1
                if loginsOffered > 1 {
                    loginRejected = true
                    git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), "the server rejected the credentials")
                    return GIT_EAUTH.rawValue
                }
            }
            return offer.make(out)
        }
    }

    /// The error for an operation that returned `code`. Reads libgit2's message first, before
    /// anything else can replace it, then says what went wrong in the caller's terms.
    func error(call: String, code: Int32, branch: String? = nil) -> GitError {
        let last = LibGit2Message.last(code: code)
        let message = Redaction.removing(credentials?.secrets ?? [], from: last.text)
        if let hostKeyFailure {
            return hostKeyFailure
        }
        if loginRejected || code == GIT_EAUTH.rawValue && !credentialsUnsupported {
            return .authenticationFailed(url: url)
        }
        if credentialsUnsupported {
            return .unsupportedCredentials(url: url, offered: credentials?.kindName ?? "no")
        }
        if let branch, code == GIT_ENONFASTFORWARD.rawValue {
            return .nonFastForward(branch: branch)
        }
        if last.isNetwork {
            return .network(url: url, message: message)
        }
        return .libgit2(call: call, code: code, message: message)
    }
}

extension Repository {
    /// Fetches `branch` from `remote` into `refs/remotes/<remote>/<branch>`, like
    /// `git fetch origin main`. Throws `GitError.missingBranch` when the remote has no such branch
    /// (git fails so; libgit2 would fetch nothing and say nothing).
    ///
    /// The reflogs of the references it moves say `reflogMessage`, by default libgit2's
    /// `fetch <remote>`: never the URL libgit2 talks to, which a `url.<base>.insteadOf` of the
    /// user's configuration may have given a login (`https://ci:TOKEN@host/`).
    public func fetch(remote: String = "origin", branch: String, credentials: Credentials? = nil,
                      reflogMessage: String? = nil) throws {
        let remoteHandle = try Remote(named: remote, in: self)
        let session = RemoteSession(url: remoteHandle.url(forPush: false), credentials: credentials)
        var options = git_fetch_options()
        try GitError.check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "git_fetch_options_init")
        options.callbacks = session.callbacks()
        options.proxy_opts.type = GIT_PROXY_AUTO
        let code = withExtendedLifetime(session) {
            withStrArray(["+refs/heads/\(branch):refs/remotes/\(remote)/\(branch)"]) { refspecs in
                withOptionalCString(reflogMessage) { message in
                    git_remote_fetch(remoteHandle.handle, &refspecs, &options, message)
                }
            }
        }
        if code < 0 {
            throw session.error(call: "git_remote_fetch", code: code)
        }
        // The server's list of references stays readable after the fetch disconnected.
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try GitError.check(git_remote_ls(&heads, &count, remoteHandle.handle), "git_remote_ls")
        let wanted = "refs/heads/" + branch
        let advertised = (0..<count).contains { index in
            heads?[index].map { String(cString: $0.pointee.name).hasSameBytes(as: wanted) } ?? false
        }
        if !advertised {
            throw GitError.missingBranch(branch: branch, url: session.url)
        }
    }

    /// Fetches `branch` from `remote` and makes it the checked-out branch, at the remote's tip:
    /// `git fetch origin X && git checkout --force -B X origin/X`, working tree and index reset as
    /// with `git reset --hard` (untracked files stay). Another branch checked out, or a detached or
    /// unborn HEAD, is left for X; the local X, if any, is moved whatever commits it had.
    /// `reflogMessage` is said by every reflog entry it writes; by default git's wording.
    public func checkOut(branch: String, from remote: String = "origin", credentials: Credentials? = nil,
                         reflogMessage: String? = nil) throws {
        try fetch(remote: remote, branch: branch, credentials: credentials, reflogMessage: reflogMessage)
        let current = try currentBranch()
        if let current, current.hasSameBytes(as: branch), try headCommit() != nil {
            try resetHard(to: "\(remote)/\(branch)")
            return
        }
        var target: OpaquePointer?
        try GitError.check(git_revparse_single(&target, handle, "refs/remotes/\(remote)/\(branch)"), "git_revparse_single")
        defer { git_object_free(target) }
        var commit: OpaquePointer?
        try GitError.check(git_object_peel(&commit, target, GIT_OBJECT_COMMIT), "git_object_peel")
        defer { git_object_free(commit) }
        // The tree first, with HEAD still where it was: what that commit tracks and X lacks goes.
        var checkout = git_checkout_options()
        try GitError.check(git_checkout_options_init(&checkout, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)),
                           "git_checkout_options_init")
        checkout.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue
        try GitError.check(git_checkout_tree(handle, commit, &checkout), "git_checkout_tree")
        let moved = reflogMessage ?? "checkout: moving from \(current ?? "HEAD") to \(branch)"
        var reference: OpaquePointer?
        try GitError.check(git_reference_create(&reference, handle, "refs/heads/" + branch, git_object_id(commit), 1,
                                                moved), "git_reference_create")
        defer { git_reference_free(reference) }
        try GitError.check(git_repository_set_head(handle, "refs/heads/" + branch), "git_repository_set_head")
        try GitError.check(git_branch_set_upstream(reference, "\(remote)/\(branch)"), "git_branch_set_upstream")
    }

    /// Pushes the local `branch` to the same branch of `remote`, never forcing.
    ///
    /// Throws `GitError.nonFastForward` when the remote branch has moved on: libgit2 finds
    /// that before sending when it can, and otherwise the server says so per reference,
    /// which only the push callbacks' status shows (the call itself still succeeds).
    public func push(remote: String = "origin", branch: String, credentials: Credentials? = nil) throws {
        let remoteHandle = try Remote(named: remote, in: self)
        let session = RemoteSession(url: remoteHandle.url(forPush: true), credentials: credentials)
        var options = git_push_options()
        try GitError.check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "git_push_options_init")
        options.callbacks = session.callbacks()
        options.proxy_opts.type = GIT_PROXY_AUTO
        let code = withExtendedLifetime(session) {
            withStrArray(["refs/heads/\(branch):refs/heads/\(branch)"]) { refspecs in
                git_remote_push(remoteHandle.handle, &refspecs, &options)
            }
        }
        if code < 0 {
            throw session.error(call: "git_remote_push", code: code, branch: branch)
        }
        if let reason = session.refusals.first {
            throw Self.refusal(branch: branch, reason: reason)
        }
    }

    /// Moves the current branch, the index and the working tree to `remoteBranch`
    /// (`origin/main`, i.e. `refs/remotes/origin/main`), like `git reset --hard origin/main`.
    /// Untracked files stay.
    public func resetHard(to remoteBranch: String) throws {
        var target: OpaquePointer?
        try GitError.check(git_revparse_single(&target, handle, "refs/remotes/\(remoteBranch)"), "git_revparse_single")
        defer { git_object_free(target) }
        var commit: OpaquePointer?
        try GitError.check(git_object_peel(&commit, target, GIT_OBJECT_COMMIT), "git_object_peel")
        defer { git_object_free(commit) }
        try GitError.check(git_reset(handle, commit, GIT_RESET_HARD, nil), "git_reset")
    }

    /// What a server's refusal means. git's receive-pack says "non-fast-forward" or "fetch first"
    /// when the branch moved before the push began, and "failed to update ref" when another push
    /// moved it while this one ran (its compare-and-swap on the old tip failed); either way a
    /// fetch and a new commit fix it.
    static func refusal(branch: String, reason: String) -> GitError {
        let moved = ["non-fast-forward", "fetch first", "stale info", "failed to update ref", "failed to lock"]
        if moved.contains(where: reason.contains) {
            return .nonFastForward(branch: branch)
        }
        return .pushRejected(branch: branch, reason: Redaction.removingUserinfo(from: reason))
    }
}
