import Foundation
import Testing
@testable import Git
import TestSupport

/// Clone and push over SSH through a real sshd, and its host key checked against known_hosts.
/// Every result is read back with the git CLI from the bare repository.
@Suite(.enabled(if: SSHServer.isAvailable,
                Comment(rawValue: "no sshd to test with: \(SSHServer.unavailableReason ?? "")")))
struct SSHTests {
    let folder: TemporaryFolder
    let bare: String
    let server: SSHServer
    /// An unencrypted ed25519 key and an encrypted one, both authorized.
    let key: String
    let encryptedKey: String
    let passphrase = "pp-S3cret-ed25519"
    /// Lists the server's host key, as ssh would after the first connection.
    let knownHosts: String
    let author = Signature(name: "edpctl", email: "edpctl@example.com")

    init() throws {
        folder = try TemporaryFolder()
        bare = try makeBareRepository(named: "platform", in: folder)
        key = folder.child("keys/id_ed25519")
        encryptedKey = folder.child("keys/id_ed25519_encrypted")
        try FileManager.default.createDirectory(atPath: folder.child("keys"), withIntermediateDirectories: true)
        let authorized = [try makeSSHKey(at: key), try makeSSHKey(at: encryptedKey, passphrase: passphrase)]
        server = try SSHServer(in: folder, authorizedKeys: authorized)
        knownHosts = folder.child("known_hosts")
        try write(server.knownHostsLine + "\n", to: knownHosts)
    }

    var url: String { server.url(bare) }
    /// The URL as errors show it: without its userinfo.
    var shownURL: String { "ssh://127.0.0.1:\(server.port)\(bare)" }

    func credentials(key: String? = nil, knownHosts: String? = nil) -> Credentials {
        .sshKey(privateKey: key ?? self.key, knownHostsFile: knownHosts ?? self.knownHosts)
    }

    func clone(_ name: String) throws -> Repository {
        try Repository.clone(url: url, to: folder.child(name), branch: "main", credentials: credentials())
    }

    func commitChange(in repository: Repository, file: String = "instances/a/app.yaml",
                      text: String = "name: a2\n") throws -> Commit {
        try #require(try commitChanges(repository: repository, under: file, commitMessage: "change \(file)",
                                       author: author) { [try place(text, at: file, in: repository)] })
    }

    @Test func aCommitPushedOverSSHWithAKeyLandsInTheBareRepository() throws {
        let repository = try clone("work")
        #expect(try read(repository.workDirectory + "/README.md") == "# platform\n")
        let commit = try commitChange(in: repository)
        try repository.push(branch: "main", credentials: credentials())

        #expect(try history(of: bare) == ["\(commit.id) change instances/a/app.yaml",
                                          try git("log", "--format=%H %s", "main~1", in: bare)])
        #expect(try git("show", "main:instances/a/app.yaml", in: bare) == "name: a2")
        try git("fsck", "--strict", in: bare)
        #expect(try server.acceptedLogins() == 2, "one login for the clone, one for the push")
    }

    @Test func anEncryptedKeyLogsInWithItsPassphrase() throws {
        let withPassphrase = Credentials.sshKey(privateKey: encryptedKey, passphrase: passphrase,
                                                knownHostsFile: knownHosts)
        let repository = try Repository.clone(url: url, to: folder.child("work"), credentials: withPassphrase)
        let commit = try commitChange(in: repository)
        try repository.push(branch: "main", credentials: withPassphrase)
        #expect(try git("rev-parse", "main", in: bare) == commit.id)

        // With its public key named too, as `git_credential_ssh_key_new` can take it.
        let withPublicKey = Credentials.sshKey(privateKey: encryptedKey, publicKey: encryptedKey + ".pub",
                                               passphrase: passphrase, knownHostsFile: knownHosts)
        let second = try commitChange(in: repository, text: "name: a3\n")
        try repository.push(branch: "main", credentials: withPublicKey)
        #expect(try git("rev-parse", "main", in: bare) == second.id)
    }

    @Test func aWrongKeyFailsAuthenticationPushesNothingAndTheRightOneThenWorks() throws {
        let repository = try clone("work")
        let before = try git("rev-parse", "main", in: bare)
        let commit = try commitChange(in: repository)
        let stranger = folder.child("keys/stranger")
        try makeSSHKey(at: stranger)

        let error = #expect(throws: GitError.self) {
            try repository.push(branch: "main", credentials: credentials(key: stranger))
        }
        #expect(error == .authenticationFailed(url: shownURL))
        #expect(error?.description == "authentication failed for \(shownURL)")
        #expect(try git("rev-parse", "main", in: bare) == before)
        #expect(try server.acceptedLogins() == 1, "only the clone's")

        // The same Repository, with the authorized key.
        try repository.push(branch: "main", credentials: credentials())
        #expect(try git("rev-parse", "main", in: bare) == commit.id)
    }

    @Test func aWrongPassphraseFailsWithoutShowingIt() throws {
        let wrong = "pp-WR0NG-passphrase"
        let error = #expect(throws: GitError.self) {
            try Repository.clone(url: url, to: folder.child("work"),
                                 credentials: .sshKey(privateKey: encryptedKey, passphrase: wrong,
                                                      knownHostsFile: knownHosts))
        }
        // libssh2 cannot decrypt the key, so no key is offered; its own words say why.
        #expect(error == .network(url: shownURL, message: "Failed to authenticate SSH session: Unable to extract "
            + "public key from private key file: Wrong passphrase or invalid/unrecognized private key file format"))
        let text = String(describing: error) + String(reflecting: error)
        #expect(!text.contains(wrong) && !text.contains(passphrase), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: folder.child("work")))
        #expect(try server.acceptedLogins() == 0)
    }

    // MARK: Host keys

    @Test func anUnknownHostIsRefusedBeforeAnyLoginAndTheKeyscanItSuggestsLetsThePushThrough() throws {
        let repository = try clone("work")
        let before = try git("rev-parse", "main", in: bare)
        let commit = try commitChange(in: repository)
        let empty = folder.child("empty_known_hosts")
        try write("# nothing known yet\n", to: empty)

        let error = #expect(throws: GitError.self) {
            try repository.push(branch: "main", credentials: credentials(knownHosts: empty))
        }
        let host = "[127.0.0.1]:\(server.port)"
        let fingerprint = try sshFingerprint(ofPublicKey: server.hostPublicKeyPath)
        #expect(error == .unknownHostKey(host: host, keyType: "ssh-ed25519", fingerprint: fingerprint,
                                         knownHostsFile: empty))
        let keyscan = "ssh-keyscan -p \(server.port) 127.0.0.1 >> \(empty)"
        #expect(error?.description == "unknown SSH host key for \(host) (ssh-ed25519 \(fingerprint)): it is not in "
            + "\(empty); if that is the server's fingerprint, add its key with `\(keyscan)`")
        #expect(try git("rev-parse", "main", in: bare) == before)
        #expect(try server.acceptedLogins() == 1, "only the clone's: the push stopped before logging in")

        // What the message says to run, run.
        try runProgram("/bin/sh", "-c", keyscan)
        try repository.push(branch: "main", credentials: credentials(knownHosts: empty))
        #expect(try git("rev-parse", "main", in: bare) == commit.id)
    }

    @Test func aKnownHostsFileThatDoesNotExistKnowsNoHost() throws {
        let missing = folder.child("no/such/known_hosts")
        let error = #expect(throws: GitError.self) {
            try Repository.clone(url: url, to: folder.child("work"), credentials: credentials(knownHosts: missing))
        }
        guard case .unknownHostKey(_, _, _, let file) = error else {
            Issue.record("expected unknownHostKey, got \(String(describing: error))")
            return
        }
        #expect(file == missing)
        #expect(!FileManager.default.fileExists(atPath: folder.child("work")))
    }

    @Test func theHostKeyFromTheServersPublicKeyFileLetsTheCloneAndPushThrough() throws {
        let fresh = folder.child("fresh_known_hosts")
        try write("[127.0.0.1]:\(server.port) \(server.hostPublicKey)\n", to: fresh)
        let repository = try Repository.clone(url: url, to: folder.child("work"),
                                              credentials: credentials(knownHosts: fresh))
        let commit = try commitChange(in: repository)
        try repository.push(branch: "main", credentials: credentials(knownHosts: fresh))
        #expect(try git("rev-parse", "main", in: bare) == commit.id)
    }

    @Test func aHashedEntryAsSSHWritesItIsAccepted() throws {
        try runProgram("/usr/bin/ssh-keygen", "-q", "-H", "-f", knownHosts)
        let text = try read(knownHosts)
        #expect(text.hasPrefix("|1|") && !text.contains("127.0.0.1"), "\(text)")
        let repository = try clone("work")
        let commit = try commitChange(in: repository)
        try repository.push(branch: "main", credentials: credentials())
        #expect(try git("rev-parse", "main", in: bare) == commit.id)
    }

    @Test func anotherKeyForTheHostIsAMismatchAndNothingIsPushed() throws {
        let repository = try clone("work")
        let before = try git("rev-parse", "main", in: bare)
        _ = try commitChange(in: repository)
        let impostor = folder.child("keys/impostor_host")
        let impostorKey = try makeSSHKey(at: impostor).split(separator: " ").prefix(2).joined(separator: " ")
        let changed = folder.child("changed_known_hosts")
        try write("# the host's key as it was\n[127.0.0.1]:\(server.port) \(impostorKey)\n", to: changed)

        let error = #expect(throws: GitError.self) {
            try repository.push(branch: "main", credentials: credentials(knownHosts: changed))
        }
        let host = "[127.0.0.1]:\(server.port)"
        let fingerprint = try sshFingerprint(ofPublicKey: server.hostPublicKeyPath)
        #expect(error == .hostKeyMismatch(host: host, keyType: "ssh-ed25519", fingerprint: fingerprint,
                                          knownHostsFile: changed, line: 2))
        #expect(error?.description.hasPrefix("SSH host key for \(host) has changed: the server shows ssh-ed25519 "
            + "\(fingerprint), but \(changed):2 holds another ssh-ed25519 key for it;") == true)
        #expect(try git("rev-parse", "main", in: bare) == before)
        #expect(try server.acceptedLogins() == 1, "only the clone's")
    }

    @Test func theKeyListedForPort22DoesNotVouchForAnotherPort() throws {
        let port22 = folder.child("port22_known_hosts")
        try write("127.0.0.1 \(server.hostPublicKey)\n", to: port22)
        #expect(throws: GitError.unknownHostKey(host: "[127.0.0.1]:\(server.port)", keyType: "ssh-ed25519",
                                                fingerprint: try sshFingerprint(ofPublicKey: server.hostPublicKeyPath),
                                                knownHostsFile: port22)) {
            try Repository.clone(url: url, to: folder.child("work"), credentials: credentials(knownHosts: port22))
        }
    }

    @Test func aRevokedHostKeyIsRefusedEvenWhenAlsoListed() throws {
        let revoked = folder.child("revoked_known_hosts")
        try write(server.knownHostsLine + "\n@revoked * \(server.hostPublicKey)\n", to: revoked)
        let error = #expect(throws: GitError.self) {
            try Repository.clone(url: url, to: folder.child("work"), credentials: credentials(knownHosts: revoked))
        }
        #expect(error == .revokedHostKey(host: "[127.0.0.1]:\(server.port)", keyType: "ssh-ed25519",
                                         fingerprint: try sshFingerprint(ofPublicKey: server.hostPublicKeyPath),
                                         knownHostsFile: revoked, line: 2))
    }

    /// Whatever the credentials, the host key is checked: with none at all the failure is still
    /// about the host, not the login.
    @Test func noCredentialsStillCheckTheHostKeyAgainstTheDefaultFiles() throws {
        // The default files are $HOME's and /etc/ssh's; neither can list this fresh key.
        let error = #expect(throws: GitError.self) {
            try Repository.clone(url: url, to: folder.child("work"))
        }
        guard case .unknownHostKey(let host, _, _, let file) = error else {
            Issue.record("expected unknownHostKey, got \(String(describing: error))")
            return
        }
        #expect(host == "[127.0.0.1]:\(server.port)")
        #expect(file == KnownHosts.defaultFiles().first)
    }
}
