import Foundation
import TestSupport

/// A real OpenSSH server (`sshd -D -e`) on 127.0.0.1, on a port of its own, for one test: a fresh
/// ed25519 host key, the given client keys authorized, its config, pid file and log in a folder
/// of the test's `TemporaryFolder`. Stopped when the value goes away.
///
/// sshd serves git as any host does: it runs `git-upload-pack '<path>'` or `git-receive-pack`
/// as the logged-in user, so `ssh://root@127.0.0.1:PORT/<temp>/x.git` reaches a bare repository
/// on this disk. It must run as root to log anyone in (it switches to the user), which is why
/// the tests log in as root, and the SSH suites skip elsewhere (`isAvailable`).
final class SSHServer {
    static let executable = "/usr/sbin/sshd"

    /// Why sshd cannot run here; nil when it can.
    static let unavailableReason: String? = {
        if getuid() != 0 { return "sshd must run as root to log a user in" }
        if !FileManager.default.isExecutableFile(atPath: executable) {
            return "\(executable) is missing (apt-get install openssh-server)"
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen") {
            return "ssh-keygen is missing (apt-get install openssh-client)"
        }
        return nil
    }()

    static var isAvailable: Bool { unavailableReason == nil }

    let port: Int
    let user = "root"
    /// The host key's public half as ssh-keygen wrote it: `ssh-ed25519 AAAA… sshd-test`.
    let hostPublicKey: String
    /// The host key's `.pub` file, for `ssh-keygen -lf`.
    let hostPublicKeyPath: String
    /// sshd's log (`-e`): `Accepted publickey for root …`, `Connection closed by authenticating user …`.
    let logPath: String
    private let pid: pid_t

    /// - Parameter authorizedKeys: the public key lines (the `.pub` files' text) allowed to log in.
    init(in folder: TemporaryFolder, authorizedKeys: [String]) throws {
        let home = folder.child("sshd")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try runProgram("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sshd-test",
                       "-f", home + "/host_ed25519")
        hostPublicKeyPath = home + "/host_ed25519.pub"
        hostPublicKey = try read(hostPublicKeyPath).trimmingCharacters(in: .whitespacesAndNewlines)
        try write(authorizedKeys.joined(separator: "\n") + "\n", to: home + "/authorized_keys")
        // sshd refuses to start without its privilege separation folder, which only the
        // openssh-server package's service creates, and a container never starts the service.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        logPath = home + "/sshd.log"

        // The port is free when asked but may be taken before sshd binds it: then try another.
        var lastLog = ""
        for _ in 0..<3 {
            let port = try freePort()
            try write("""
                ListenAddress 127.0.0.1:\(port)
                HostKey \(home)/host_ed25519
                PidFile \(home)/sshd.pid
                AuthorizedKeysFile \(home)/authorized_keys
                # The temporary folders are not laid out as sshd wants a home folder to be.
                StrictModes no
                PermitRootLogin prohibit-password
                PubkeyAuthentication yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                UseDNS no
                PrintMotd no

                """, to: home + "/sshd_config")
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let pid = try Self.spawn([Self.executable, "-D", "-e", "-f", home + "/sshd_config"], output: logPath)
            switch try Self.waitUntilListening(pid, logPath: logPath) {
            case .listening:
                self.port = port
                self.pid = pid
                return
            case .exited:
                break
            case .timedOut:
                Self.stop(pid)
            }
            lastLog = (try? read(logPath)) ?? ""
        }
        throw SupportError("sshd did not start: \(lastLog)")
    }

    deinit {
        Self.stop(pid)
    }

    /// `ssh://root@127.0.0.1:PORT/<path>`, for a bare repository at the absolute `path`.
    func url(_ path: String) -> String {
        "ssh://\(user)@127.0.0.1:\(port)\(path)"
    }

    /// The known_hosts line for this server as ssh writes it on first contact: the host named
    /// `[127.0.0.1]:PORT`, as for any port but 22.
    var knownHostsLine: String {
        "[127.0.0.1]:\(port) " + hostPublicKey.split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// How many logins sshd accepted so far.
    func acceptedLogins() throws -> Int {
        // sshd -e ends its lines with "\r\n", one Character to Swift: split on any newline.
        try read(logPath).split(whereSeparator: \.isNewline)
            .filter { $0.hasPrefix("Accepted publickey for \(user) ") }.count
    }

    /// Starts sshd with posix_spawn, not Foundation's `Process`: on Linux `Process` learns that its
    /// child exited when a socket the child inherited closes, and sshd closes every inherited
    /// descriptor at start, so `Process` would block its monitoring thread in `waitpid` on the
    /// running sshd and no other `Process` of the test run would ever finish.
    private static func spawn(_ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The spawning thread may be one of dispatch's, which block most signals, and a child
        // inherits the mask: start sshd with none blocked, so SIGTERM stops it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard code == 0 else {
            throw SupportError("posix_spawn \(arguments[0]) failed: \(String(cString: strerror(code)))")
        }
        return pid
    }

    /// SIGTERM, and reaps it: sshd -D exits at once and leaves its sessions to end by themselves.
    private static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    private enum Start { case listening, exited, timedOut }

    /// sshd logs `Server listening on 127.0.0.1 port N.` once it has bound the port; it exits
    /// when it cannot (the port was taken meanwhile), and is then reaped here.
    private static func waitUntilListening(_ pid: pid_t, logPath: String) throws -> Start {
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            if try read(logPath).contains("Server listening on 127.0.0.1") { return .listening }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return .exited }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return .timedOut
    }
}

/// Makes an ed25519 key pair with ssh-keygen at `path` and `path.pub`, encrypted with
/// `passphrase` when given; returns the public key line.
@discardableResult
func makeSSHKey(at path: String, passphrase: String = "") throws -> String {
    try runProgram("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "edpctl-test", "-f", path)
    return try read(path + ".pub").trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The SHA-256 fingerprint of a public key file, as `ssh-keygen -l` prints it.
func sshFingerprint(ofPublicKey path: String) throws -> String {
    // "256 SHA256:… comment (ED25519)"
    let fields = try runProgram("/usr/bin/ssh-keygen", "-l", "-E", "sha256", "-f", path).split(separator: " ")
    guard fields.count > 1 else { throw SupportError("ssh-keygen -l printed no fingerprint for \(path)") }
    return String(fields[1])
}

/// A TCP port on 127.0.0.1 that nothing listens on right now: the kernel picks it for a socket
/// bound to port 0, which is then closed.
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw SupportError("socket() failed: errno \(errno)") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
        }
    }
    guard bound else { throw SupportError("bind() to 127.0.0.1:0 failed: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
