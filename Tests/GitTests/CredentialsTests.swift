import CLibgit2
import Testing
import TestSupport
@testable import Git

/// What the credentials callback answers, decided without a server: SSH is not served here.
@Suite struct CredentialOfferTests {
    static let userPass = GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue
    static let sshKey = GIT_CREDENTIAL_SSH_KEY.rawValue | GIT_CREDENTIAL_SSH_CUSTOM.rawValue
    static let username = GIT_CREDENTIAL_USERNAME.rawValue

    @Test(arguments: [
        ("https token", Credentials.https(username: "bot", token: "t0k"), userPass, nil,
         CredentialOffer.userPassword(username: "bot", secret: "t0k")),
        ("https password", .https(username: "me", password: "pw"), userPass, "url-user",
         .userPassword(username: "me", secret: "pw")),
        ("https creds, ssh server", .https(username: "bot", token: "t0k"), sshKey, "git", .unsupported),
        ("agent, URL user", .sshAgent(), sshKey, "git", .sshAgent(username: "git")),
        ("agent, no user anywhere", .sshAgent(), sshKey, nil, .sshAgent(username: "git")),
        ("agent, given user wins", .sshAgent(username: "deploy"), sshKey, "git", .sshAgent(username: "deploy")),
        ("ssh asks the username first", .sshAgent(), username, nil, .username("git")),
        ("key file", .sshKey(privateKey: "/k/id_ed25519", passphrase: "pp"), sshKey, "git",
         .sshKey(username: "git", privateKey: "/k/id_ed25519", publicKey: nil, passphrase: "pp")),
        ("ssh creds, https server", .sshKey(privateKey: "/k/id"), userPass, nil, .unsupported),
    ] as [(String, Credentials, UInt32, String?, CredentialOffer)])
    func offer(_ name: String, credentials: Credentials, allowed: UInt32, urlUser: String?,
               expected: CredentialOffer) {
        #expect(CredentialOffer(credentials: credentials, allowedTypes: allowed, usernameFromURL: urlUser) == expected,
                "\(name)")
    }

    @Test func noCredentialsOfferNothing() {
        #expect(CredentialOffer(credentials: nil, allowedTypes: Self.userPass, usernameFromURL: nil) == .none)
    }

    @Test func onlyRealLoginsCountAsAttempts() {
        #expect(CredentialOffer.userPassword(username: "u", secret: "s").isLogin)
        #expect(CredentialOffer.sshAgent(username: "git").isLogin)
        #expect(!CredentialOffer.username("git").isLogin)
    }

    @Test func printingOrDumpingCredentialsShowsNoSecret() {
        let all: [Credentials] = [.https(username: "bot", token: "tok-SECRET"),
                                  .https(username: "bot", password: "pw-SECRET"),
                                  .sshKey(privateKey: "/keys/id", passphrase: "pp-SECRET"),
                                  .sshAgent()]
        for credentials in all {
            var dumped = ""
            dump(credentials, to: &dumped)
            for text in [String(describing: credentials), String(reflecting: credentials), dumped, "\(credentials)"] {
                #expect(!text.contains("SECRET"), "\(text)")
            }
        }
        #expect(Credentials.https(username: "bot", token: "x").description == "Credentials(https, username: bot)")
    }
}

@Suite struct GitErrorTests {
    @Test(arguments: [
        ("https://bot:tok@git.example.com/org/repo.git", "https://git.example.com/org/repo.git"),
        ("https://bot@git.example.com/org/repo.git", "https://git.example.com/org/repo.git"),
        ("http://u:p@ss@127.0.0.1:8080/r.git", "http://127.0.0.1:8080/r.git"),
        ("failed on https://a:b@h/x and ssh://git@h2/y", "failed on https://h/x and ssh://h2/y"),
        ("https://git.example.com/org/repo.git", "https://git.example.com/org/repo.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("https://h/path@v1", "https://h/path@v1"),
        ("https://bot:tok@\u{301}h/x", "https://\u{301}h/x"),
        ("https://bot:\u{301}tok@h/x", "https://h/x"),
    ])
    func userinfoIsRemovedFromURLs(_ text: String, _ expected: String) {
        #expect(Redaction.removingUserinfo(from: text).utf8.elementsEqual(expected.utf8))
    }

    @Test func secretsAreStarredOut() {
        #expect(Redaction.removing(["tok", ""], from: "bad tok here, tok") == "bad *** here, ***")
    }

    @Test(arguments: [
        (GitError.authenticationFailed(url: "https://h/r.git"), "authentication failed for https://h/r.git"),
        (.unsupportedCredentials(url: "https://h/r.git", offered: "SSH key"),
         "https://h/r.git does not accept SSH key credentials"),
        (.nonFastForward(branch: "main"),
         "push to 'main' rejected (non-fast-forward): the remote branch has commits this clone does not have"),
        (.pushRejected(branch: "main", reason: "pre-receive hook declined"),
         "push to 'main' rejected by the remote: pre-receive hook declined"),
        (.notARepository("/tmp/x"), "not a git repository: /tmp/x"),
        (.network(url: "https://h/r.git", message: "failed to resolve address for h"),
         "talking to https://h/r.git failed: failed to resolve address for h"),
        (.libgit2(call: "git_clone", code: -1, message: "boom"), "git_clone failed: boom"),
    ])
    func descriptions(_ error: GitError, _ expected: String) {
        #expect(error.description == expected)
    }

    @Test(arguments: [
        ("non-fast-forward", GitError.nonFastForward(branch: "main")),
        ("fetch first", .nonFastForward(branch: "main")),
        ("failed to update ref", .nonFastForward(branch: "main")),
        ("pre-receive hook declined", .pushRejected(branch: "main", reason: "pre-receive hook declined")),
        ("deny updating a hidden ref", .pushRejected(branch: "main", reason: "deny updating a hidden ref")),
    ])
    func serverRefusals(_ reason: String, _ expected: GitError) {
        #expect(Repository.refusal(branch: "main", reason: reason) == expected)
    }
}

/// `Credentials(environment:remote:sshKey:)` and `Signature(environment:)`: what a CI job's
/// variables give, and that no value of them shows when the result is printed.
@Suite struct CredentialsFromEnvironmentTests {
    typealias Kind = Credentials.Kind

    @Test(arguments: [
        ("token and user", ["GIT_TOKEN": "tok-1", "GIT_USERNAME": "ci"], "https://host/x.git", nil,
         Kind.userPassword(username: "ci", secret: "tok-1")),
        ("password when no token", ["GIT_PASSWORD": "pw-1", "GIT_USERNAME": "ci"], "https://host/x.git", nil,
         .userPassword(username: "ci", secret: "pw-1")),
        ("token wins over password", ["GIT_TOKEN": "tok-1", "GIT_PASSWORD": "pw-1"], "https://host/x.git", nil,
         .userPassword(username: "git", secret: "tok-1")),
        ("an empty token is unset", ["GIT_TOKEN": "", "GIT_PASSWORD": "pw-1"], "https://host/x.git", nil,
         .userPassword(username: "git", secret: "pw-1")),
        ("the URL's user without GIT_USERNAME", ["GIT_TOKEN": "tok-1"], "https://bot@host/x.git", nil,
         .userPassword(username: "bot", secret: "tok-1")),
        ("GIT_USERNAME wins over the URL's", ["GIT_TOKEN": "tok-1", "GIT_USERNAME": "ci"], "https://bot@host/x.git", nil,
         .userPassword(username: "ci", secret: "tok-1")),
        ("an empty GIT_USERNAME is unset", ["GIT_TOKEN": "tok-1", "GIT_USERNAME": ""], "https://bot@host/x.git", nil,
         .userPassword(username: "bot", secret: "tok-1")),
        ("a token for a local clone", ["GIT_TOKEN": "tok-1"], nil, nil, .userPassword(username: "git", secret: "tok-1")),
        ("the agent over scp-like SSH", [:], "git@host:org/x.git", nil, .sshAgent(username: nil)),
        ("the agent over ssh://", [:], "ssh://git@host/org/x.git", nil, .sshAgent(username: nil)),
        ("a key file wins", ["GIT_TOKEN": "tok-1", "GIT_SSH_PASSPHRASE": "pp-1"], "git@host:x.git", "/k/id",
         .sshKey(username: nil, privateKey: "/k/id", publicKey: nil, passphrase: "pp-1")),
    ] as [(String, [String: String], String?, String?, Kind)])
    func fromTheEnvironment(_ name: String, environment: [String: String], remote: String?, sshKey: String?,
                            expected: Kind) throws {
        let credentials = try #require(Credentials(environment: environment, remote: remote.map { RemoteURL($0) },
                                                   sshKey: sshKey), "\(name)")
        #expect(credentials.kind == expected, "\(name)")
    }

    @Test(arguments: [
        ("nothing for http", [:], "https://host/x.git"),
        ("nothing for HTTPS in capitals", [:], "HTTPS://host/x.git"),
        ("nothing for a path", [:], "/srv/git/x.git"),
        ("nothing for file://", [:], "file:///srv/git/x.git"),
        ("a user name alone is no login", ["GIT_USERNAME": "ci"], "https://host/x.git"),
    ] as [(String, [String: String], String)])
    func noCredentialsWithoutASecret(_ name: String, environment: [String: String], remote: String) {
        #expect(Credentials(environment: environment, remote: RemoteURL(remote)) == nil, "\(name)")
        #expect(Credentials(environment: environment, remote: nil) == nil, "\(name)")
    }

    @Test func theKnownHostsFileComesFromTheEnvironment() throws {
        let environment = ["GIT_SSH_KNOWN_HOSTS": "/etc/edp/known_hosts"]
        let agent = try #require(Credentials(environment: environment, remote: RemoteURL("git@host:x.git")))
        #expect(agent.knownHostsFile == "/etc/edp/known_hosts")
        let key = try #require(Credentials(environment: environment, remote: nil, sshKey: "/k/id"))
        #expect(key.knownHostsFile == "/etc/edp/known_hosts")
        #expect(Credentials(environment: [:], remote: RemoteURL("git@host:x.git"))?.knownHostsFile == nil)
    }

    @Test func noValueOfTheEnvironmentShowsWhenPrinted() throws {
        let environment = ["GIT_TOKEN": "tok-SECRET-1", "GIT_PASSWORD": "pw-SECRET-2", "GIT_SSH_PASSPHRASE": "pp-SECRET-3",
                           "GIT_USERNAME": "ci"]
        let all = [Credentials(environment: environment, remote: RemoteURL("https://host/x.git")),
                   Credentials(environment: environment, remote: nil, sshKey: "/k/id")].compactMap { $0 }
        #expect(all.count == 2)
        for credentials in all {
            var dumped = ""
            dump(credentials, to: &dumped)
            for text in [String(describing: credentials), String(reflecting: credentials), dumped] {
                #expect(!text.contains("SECRET"), "\(text)")
            }
        }
        #expect(all[0].description == "Credentials(https, username: ci)")
    }
}
