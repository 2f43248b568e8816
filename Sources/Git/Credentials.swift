import CLibgit2

/// Who wrote a commit; the time is taken when the commit is made.
public struct Signature: Sendable, Equatable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

/// How to log in to a remote. The caller reads them from wherever it keeps them (environment
/// variables, files); this module never does. Printing or dumping a value shows no secret.
public struct Credentials: Sendable {
    enum Kind: Sendable, Equatable {
        case userPassword(username: String, secret: String)
        case sshAgent(username: String?)
        case sshKey(username: String?, privateKey: String, publicKey: String?, passphrase: String?)
    }

    let kind: Kind
    /// The known_hosts file that SSH host keys are checked against; nil for OpenSSH's defaults
    /// (`~/.ssh/known_hosts`, then `/etc/ssh/ssh_known_hosts`). A leading `~/` is the home folder.
    public let knownHostsFile: String?

    init(kind: Kind, knownHostsFile: String? = nil) {
        self.kind = kind
        self.knownHostsFile = knownHostsFile
    }

    /// HTTPS basic auth with an access token (GitHub, Gitea, Forgejo, GitLab take any
    /// non-empty username with a token).
    public static func https(username: String, token: String) -> Credentials {
        Credentials(kind: .userPassword(username: username, secret: token))
    }

    /// HTTPS basic auth with a password.
    public static func https(username: String, password: String) -> Credentials {
        Credentials(kind: .userPassword(username: username, secret: password))
    }

    /// SSH with the keys of the running ssh-agent (`SSH_AUTH_SOCK`). Without a username,
    /// the URL's (`git@host:…`) is used, else `git`. The server's host key must be listed in
    /// `knownHostsFile`, or in OpenSSH's default files when it is nil.
    public static func sshAgent(username: String? = nil, knownHostsFile: String? = nil) -> Credentials {
        Credentials(kind: .sshAgent(username: username), knownHostsFile: knownHostsFile)
    }

    /// SSH with a private key file; the public key is derived from it when not given. The
    /// server's host key must be listed in `knownHostsFile`, or in OpenSSH's default files when
    /// it is nil.
    public static func sshKey(privateKey: String, publicKey: String? = nil, passphrase: String? = nil,
                              username: String? = nil, knownHostsFile: String? = nil) -> Credentials {
        Credentials(kind: .sshKey(username: username, privateKey: privateKey, publicKey: publicKey,
                                  passphrase: passphrase),
                    knownHostsFile: knownHostsFile)
    }

    /// The credentials a CI job gives in its environment for `remote`, as edpctl reads them:
    /// - with `sshKey` (a private key file), that key, its passphrase from `GIT_SSH_PASSPHRASE`;
    /// - else `GIT_TOKEN` (or `GIT_PASSWORD`) over HTTPS, as `GIT_USERNAME`, else as the user name
    ///   of `remote` (`https://ci@host/…`), else as `git`;
    /// - else, for a remote that is no http(s), file or path URL (schemes in any case), the SSH agent.
    /// SSH host keys are checked against `GIT_SSH_KNOWN_HOSTS` when set. Empty variables count as
    /// unset. nil when none applies (a local remote, or no secret given). A password in `remote`
    /// is never used: the caller refuses such a URL.
    public init?(environment: [String: String], remote: RemoteURL?, sshKey: String? = nil) {
        func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let knownHostsFile = environment["GIT_SSH_KNOWN_HOSTS"]
        if let sshKey {
            self = .sshKey(privateKey: sshKey, passphrase: environment["GIT_SSH_PASSPHRASE"],
                           knownHostsFile: knownHostsFile)
        } else if let secret = nonEmpty("GIT_TOKEN") ?? nonEmpty("GIT_PASSWORD") {
            let urlUser = remote?.username.flatMap { $0.isEmpty ? nil : $0 }
            self = .https(username: nonEmpty("GIT_USERNAME") ?? urlUser ?? "git", token: secret)
        } else if let url = remote?.location.lowercased(),
                  !["http://", "https://", "file:", "/"].contains(where: url.hasPrefix) {
            self = .sshAgent(knownHostsFile: knownHostsFile)
        } else {
            return nil
        }
    }

    /// The strings that must never reach a message.
    var secrets: [String] {
        switch kind {
        case .userPassword(_, let secret): [secret]
        case .sshAgent: []
        case .sshKey(_, _, _, let passphrase): passphrase.map { [$0] } ?? []
        }
    }

    /// What these credentials are, for messages.
    var kindName: String {
        switch kind {
        case .userPassword: "username/password"
        case .sshAgent: "SSH agent"
        case .sshKey: "SSH key"
        }
    }
}

extension Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        switch kind {
        case .userPassword(let username, _): "Credentials(https, username: \(username))"
        case .sshAgent(let username): "Credentials(ssh agent, username: \(username ?? "from URL"))"
        case .sshKey(let username, let privateKey, _, _):
            "Credentials(ssh key \(privateKey), username: \(username ?? "from URL"))"
        }
    }

    public var debugDescription: String { description }

    /// `dump` and the debugger would otherwise walk into the stored secret.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

/// What to answer when libgit2 asks for credentials; the pure part of the credential
/// callback, apart so it can be tested without a server.
enum CredentialOffer: Equatable {
    /// SSH asked only for the username to log in as; the key is asked for next.
    case username(String)
    case userPassword(username: String, secret: String)
    case sshAgent(username: String)
    case sshKey(username: String, privateKey: String, publicKey: String?, passphrase: String?)
    /// The server wants a kind of credentials other than the ones given.
    case unsupported
    case none

    /// Whether the offer is a login attempt (offering it twice means the first was rejected).
    var isLogin: Bool {
        switch self {
        case .userPassword, .sshAgent, .sshKey: true
        case .username, .unsupported, .none: false
        }
    }

    init(credentials: Credentials?, allowedTypes: UInt32, usernameFromURL: String?) {
        func allows(_ type: git_credential_t) -> Bool { allowedTypes & type.rawValue != 0 }
        guard let credentials else {
            self = .none
            return
        }
        switch credentials.kind {
        case .userPassword(let username, let secret):
            self = allows(GIT_CREDENTIAL_USERPASS_PLAINTEXT)
                ? .userPassword(username: username, secret: secret) : .unsupported
        case .sshAgent(let username), .sshKey(let username, _, _, _):
            let user = username ?? usernameFromURL.flatMap { $0.isEmpty ? nil : $0 } ?? "git"
            if allows(GIT_CREDENTIAL_SSH_KEY) {
                if case .sshKey(_, let privateKey, let publicKey, let passphrase) = credentials.kind {
                    self = .sshKey(username: user, privateKey: privateKey, publicKey: publicKey, passphrase: passphrase)
                } else {
                    self = .sshAgent(username: user)
                }
            } else if allows(GIT_CREDENTIAL_USERNAME) {
                self = .username(user)
            } else {
                self = .unsupported
            }
        }
    }

    /// Makes the libgit2 credential object; libgit2 takes ownership of it.
    func make(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>) -> Int32 {
        switch self {
        case .username(let username):
            git_credential_username_new(out, username)
        case .userPassword(let username, let secret):
            git_credential_userpass_plaintext_new(out, username, secret)
        case .sshAgent(let username):
            git_credential_ssh_key_from_agent(out, username)
        case .sshKey(let username, let privateKey, let publicKey, let passphrase):
            git_credential_ssh_key_new(out, username, publicKey, privateKey, passphrase)
        case .unsupported, .none:
            GIT_PASSTHROUGH.rawValue
        }
    }
}
