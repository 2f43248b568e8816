import Foundation
import Testing
import TestSupport
@testable import Git

/// The known_hosts reading and matching behind the SSH host key check, without a server.
@Suite struct KnownHostsTests {
    /// Two real public keys and their fingerprints as `ssh-keygen -l` prints them.
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII+87fTlwaJVbF0TA78XqyDvK+oByrT8JkegRlqLxOaV"
    static let ed25519Fingerprint = "SHA256:yoYlM/I97Zr4dxAUs6fnA8TR2ZFttrcpzaEm1GB6zi8"
    static let otherEd25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPywvfVlBAsg6qn043Om391u8GX8wosP3vqsvKFLX2ZA"
    static let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDHGDP7romTw2WDu/rYaqGAUahfWemoIod9RbUf6uaTuK8MTpOVRlDXyGtiHLZlIoDhK0sOwHBJ5NiS5hkPREvO9uBS2XumvhidBgIQcKf5sAmz1M/XE0T8Zsp1uro65bzugX278cuRQ5mGHc+wiwZafF8iN2j8ii7QoNjCQF3Tdw=="
    static let rsaFingerprint = "SHA256:xVkDmshAtqZlfk2TBI6MQBSQbkBSWxuoqBoveLFOgpo"
    /// What ssh wrote (HashKnownHosts yes) for `[127.0.0.1]:22222` showing `ed25519`.
    static let hashedLine = "|1|9hwfa6FBZNYuqaKrfHL4Q+MR0lQ=|23sumrMU576qHjUDON7T5PqiK9M= " + ed25519

    static func key(_ line: String) -> SSHHostKey {
        let base64 = String(line.split(separator: " ")[1])
        return SSHHostKey(blob: Array(Data(base64Encoded: base64)!))!
    }

    /// RFC 2202's HMAC-SHA1 cases 1, 2 and 6 (a key longer than the block) as hashed entries:
    /// the salt is the HMAC key, the hash its code for the host name.
    @Test(arguments: [
        ([UInt8](repeating: 0x0B, count: 20), "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"),
        (Array("Jefe".utf8), "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        ([UInt8](repeating: 0xAA, count: 80), "Test Using Larger Than Block-Size Key - Hash Key First",
         "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
    ])
    func hashedEntriesHoldHMACSHA1(key: [UInt8], hostName: String, expected: String) throws {
        let code = bytes(fromHex: expected)
        let line = "|1|\(Data(key).base64EncodedString())|\(Data(code).base64EncodedString()) " + Self.ed25519
        let entry = try #require(KnownHosts(text: line + "\n", file: "kh").entries.first)
        #expect(entry.matches(hostName: hostName))
        #expect(!entry.matches(hostName: hostName + " "))
    }

    @Test func keysKnowTheirTypeAndFingerprintAsSSHKeygenPrintsIt() {
        #expect(Self.key(Self.ed25519).type == "ssh-ed25519")
        #expect(Self.key(Self.ed25519).fingerprint == Self.ed25519Fingerprint)
        #expect(Self.key(Self.rsa).type == "ssh-rsa")
        #expect(Self.key(Self.rsa).fingerprint == Self.rsaFingerprint)
        #expect(SSHHostKey(blob: [0, 0, 0, 9, 65]) == nil)
        #expect(SSHHostKey(blob: [0, 0]) == nil)
    }

    @Test func aHashedEntryMatchesTheNameItHashesOnly() throws {
        let knownHosts = KnownHosts(text: Self.hashedLine + "\n", file: "kh")
        let entry = try #require(knownHosts.entries.first)
        #expect(entry.matches(hostName: "[127.0.0.1]:22222"))
        #expect(!entry.matches(hostName: "[127.0.0.1]:22223"))
        #expect(!entry.matches(hostName: "127.0.0.1"))
    }

    @Test(arguments: [
        ("github.com", "github.com", true),
        ("GitHub.COM", "github.com", true),
        ("*.example.com", "git.example.com", true),
        ("*.example.com", "example.com", false),
        ("git?.example.com", "git1.example.com", true),
        ("git?.example.com", "git.example.com", false),
        ("*.example.com,!evil.example.com", "evil.example.com", false),
        ("!evil.example.com,*.example.com", "git.example.com", true),
        ("a.example.com,b.example.com", "b.example.com", true),
        ("[127.0.0.1]:2222", "[127.0.0.1]:2222", true),
        ("[127.0.0.1]:2222", "127.0.0.1", false),
        ("127.0.0.1", "[127.0.0.1]:2222", false),
        ("[*]:2222", "[10.1.2.3]:2222", true),
        ("*", "anything", true),
        ("!*", "anything", false),
    ])
    func hostPatterns(_ patterns: String, _ hostName: String, _ matches: Bool) throws {
        let entry = try #require(KnownHosts(text: "\(patterns) \(Self.ed25519)", file: "kh").entries.first)
        #expect(entry.matches(hostName: hostName) == matches)
    }

    @Test(arguments: [
        ("listed", "h.example.com \(ed25519)\n", HostKeyVerdict.known),
        ("listed among others", "other.example.com \(otherEd25519)\nh.example.com \(rsa)\nh.example.com \(ed25519)\n",
         .known),
        ("nothing for the host", "other.example.com \(ed25519)\n", .unknown),
        ("only another type", "h.example.com \(rsa)\n", .unknown),
        ("another key of the type", "# comment\n\nh.example.com \(otherEd25519)\n", .changed(file: "kh", line: 3)),
        ("one line right, one changed", "h.example.com \(otherEd25519)\nh.example.com \(ed25519)\n", .known),
        ("revoked", "h.example.com \(ed25519)\n@revoked * \(ed25519)\n", .revoked(file: "kh", line: 2)),
        ("another key revoked", "h.example.com \(ed25519)\n@revoked * \(otherEd25519)\n", .known),
        ("a CA is no host key", "@cert-authority *.example.com \(ed25519)\n", .unknown),
        ("a line's type must be its key's", "h.example.com ssh-rsa \(ed25519.split(separator: " ")[1])\n", .unknown),
        ("bad base64 skipped", "h.example.com ssh-ed25519 !!!\nh.example.com \(ed25519)\n", .known),
        ("tabs and CRLF", "h.example.com\t\(ed25519) comment\r\n", .known),
        ("negated", "*.example.com,!h.example.com \(ed25519)\n", .unknown),
    ] as [(String, String, HostKeyVerdict)])
    func verdicts(_ name: String, _ text: String, _ expected: HostKeyVerdict) {
        let knownHosts = KnownHosts(text: text, file: "kh")
        #expect(knownHosts.verdict(for: Self.key(Self.ed25519), hostName: "h.example.com") == expected, "\(name)")
    }

    @Test(arguments: [
        ("ssh://git@h.example.com/org/repo.git", 22),
        ("ssh://git@h.example.com:2222/org/repo.git", 2222),
        ("ssh://h.example.com:2222/org/repo.git", 2222),
        ("ssh://u:p@ss@h.example.com:7999/repo.git", 7999),
        ("ssh+git://h.example.com:2200/repo.git", 2200),
        ("git+ssh://git@h.example.com/repo.git", 22),
        ("ssh://git@[::1]:2222/repo.git", 2222),
        ("ssh://git@[::1]/repo.git", 22),
        ("git@h.example.com:org/repo.git", 22),
        ("h.example.com:2222/repo.git", 22),
    ])
    func portsOfURLs(_ url: String, _ port: Int) {
        #expect(HostKeyCheck.port(ofURL: url) == port)
    }

    @Test func hostNamesAsKnownHostsWritesThem() {
        #expect(KnownHosts.hostName(host: "GitHub.com", port: 22) == "github.com")
        #expect(KnownHosts.hostName(host: "127.0.0.1", port: 2222) == "[127.0.0.1]:2222")
        #expect(KnownHosts.hostName(host: "::1", port: 2222) == "[::1]:2222")
    }

    @Test func theDefaultFilesAreTheUsersThenTheSystems() {
        #expect(KnownHosts.defaultFiles(home: "/home/ci") == ["/home/ci/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts"])
        #expect(KnownHosts.defaultFiles(home: nil) == ["/etc/ssh/ssh_known_hosts"])
        #expect(KnownHosts.expandingTilde("~/.ssh/kh", home: "/home/ci") == "/home/ci/.ssh/kh")
        #expect(KnownHosts.expandingTilde("/etc/kh", home: "/home/ci") == "/etc/kh")
        #expect(KnownHosts.expandingTilde("~other/kh", home: "/home/ci") == "~other/kh")
    }

    @Test func missingFilesKnowNothingAndAnUnreadableOneIsAnError() throws {
        let folder = try TemporaryFolder()
        let present = folder.child("known_hosts")
        try write("h.example.com \(Self.ed25519)\n", to: present)
        let check = HostKeyCheck(files: [folder.child("missing"), present])
        #expect(check.failure(for: Self.key(Self.ed25519), host: "h.example.com", port: 22) == nil)
        #expect(check.failure(for: Self.key(Self.ed25519), host: "h.example.com", port: 2222)
            == .unknownHostKey(host: "[h.example.com]:2222", keyType: "ssh-ed25519",
                               fingerprint: Self.ed25519Fingerprint, knownHostsFile: folder.child("missing")))
        #expect(check.failure(for: Self.key(Self.otherEd25519), host: "h.example.com", port: 22)
            == .hostKeyMismatch(host: "h.example.com", keyType: "ssh-ed25519",
                                fingerprint: Self.key(Self.otherEd25519).fingerprint, knownHostsFile: present, line: 1))
        #expect(HostKeyCheck(files: [folder.path]).failure(for: Self.key(Self.ed25519), host: "h", port: 22)
            == .knownHostsUnreadable(path: folder.path, reason: "it is a folder"))
    }

    @Test(arguments: [
        (GitError.unknownHostKey(host: "[127.0.0.1]:2222", keyType: "ssh-ed25519", fingerprint: ed25519Fingerprint,
                                 knownHostsFile: "/root/.ssh/known_hosts"),
         "unknown SSH host key for [127.0.0.1]:2222 (ssh-ed25519 \(ed25519Fingerprint)): it is not in "
            + "/root/.ssh/known_hosts; if that is the server's fingerprint, add its key with "
            + "`ssh-keyscan -p 2222 127.0.0.1 >> /root/.ssh/known_hosts`"),
        (.unknownHostKey(host: "git.example.com", keyType: "ssh-rsa", fingerprint: rsaFingerprint,
                         knownHostsFile: "/ci/my hosts"),
         "unknown SSH host key for git.example.com (ssh-rsa \(rsaFingerprint)): it is not in /ci/my hosts; "
            + "if that is the server's fingerprint, add its key with `ssh-keyscan git.example.com >> '/ci/my hosts'`"),
        (.hostKeyMismatch(host: "[127.0.0.1]:2222", keyType: "ssh-ed25519", fingerprint: ed25519Fingerprint,
                          knownHostsFile: "/root/.ssh/known_hosts", line: 7),
         "SSH host key for [127.0.0.1]:2222 has changed: the server shows ssh-ed25519 \(ed25519Fingerprint), "
            + "but /root/.ssh/known_hosts:7 holds another ssh-ed25519 key for it; someone may be intercepting the "
            + "connection, or the server has a new key: confirm the fingerprint with its administrator before "
            + "replacing that line (`ssh-keygen -R '[127.0.0.1]:2222' -f /root/.ssh/known_hosts`)"),
        (.revokedHostKey(host: "git.example.com", keyType: "ssh-ed25519", fingerprint: ed25519Fingerprint,
                         knownHostsFile: "/etc/ssh/ssh_known_hosts", line: 2),
         "SSH host key for git.example.com is revoked: ssh-ed25519 \(ed25519Fingerprint) is marked @revoked at "
            + "/etc/ssh/ssh_known_hosts:2"),
        (.knownHostsUnreadable(path: "/root/.ssh/known_hosts", reason: "permission denied"),
         "cannot read known_hosts file /root/.ssh/known_hosts: permission denied"),
    ])
    func descriptions(_ error: GitError, _ expected: String) {
        #expect(error.description == expected)
    }

    @Test func credentialsNameTheirKnownHostsFile() {
        #expect(Credentials.sshKey(privateKey: "/k", knownHostsFile: "/kh").knownHostsFile == "/kh")
        #expect(Credentials.sshAgent(knownHostsFile: "~/kh").knownHostsFile == "~/kh")
        #expect(Credentials.sshAgent().knownHostsFile == nil)
        #expect(Credentials.https(username: "u", token: "t").knownHostsFile == nil)
    }
}
