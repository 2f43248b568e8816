import Bootstrap
import Foundation
import Glibc
import Testing
import TestSupport

/// `python3 -m http.server` on 127.0.0.1 serving `folder`: the k3s installer as get.k3s.io would
/// serve it. Its request log (stderr) counts the downloads.
final class StaticHTTPServer: @unchecked Sendable {
    let port: Int
    let logPath: String
    private let process: Process

    init(folder: String, log: String) throws {
        logPath = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", folder]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        // "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ..."
        var text = ""
        while !text.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "port "), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            kill(process.processIdentifier, SIGKILL)
            throw SupportError("python3 -m http.server did not start: \(text)")
        }
        self.port = port
    }

    deinit {
        // SIGKILL: a child of Foundation's Process may start with SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// How many GET requests it has answered.
    var requests: Int {
        ((try? read(logPath)) ?? "").split(separator: "\n").filter { $0.contains("\"GET ") }.count
    }
}

/// A TCP listener on 127.0.0.1, as a program already holding a port k3s needs would be.
final class Listener {
    let port: Int
    private let socket: Int32

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && listen(socket, 1) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw SupportError("cannot listen on 127.0.0.1") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(socket) }
}

final class Notes: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ text: String) { lock.withLock { list.append(text) } }
    var all: [String] { lock.withLock { list } }
}

/// A host root in a temporary folder with a platform.yaml, stub programs first on PATH, and the
/// fake API server the installer stub points k3s's kubeconfig at.
final class HostFixture {
    let folder: TemporaryFolder
    let root: String
    let stubs: String
    let served: String
    let notes = Notes()

    init() throws {
        folder = try TemporaryFolder("host-steps")
        root = folder.child("root")
        stubs = folder.child("stubs")
        served = folder.child("served")
        for path in [root, stubs, served] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try write("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", to: root + "/etc/os-release")
    }

    var host: HostPaths { HostPaths(root: root) }

    /// sbin left out, so that a ufw or nft installed on the machine never answers instead of a stub.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["PATH": "\(stubs):/usr/bin:/bin", "HOME": folder.path].merging(extra) { $1 }
    }

    func stub(_ name: String, _ script: String) throws {
        let path = stubs + "/" + name
        try write("#!/bin/sh\n" + script, to: path)
        chmod(path, 0o755)
    }

    func platform(_ yaml: String) throws -> PlatformFile {
        let path = folder.child("platform.yaml")
        try write(yaml, to: path)
        return try PlatformLoader(path: path).load()
    }

    func context(_ platform: PlatformFile, environment: [String: String]? = nil, options: RebuildOptions = RebuildOptions()) -> RebuildContext {
        RebuildContext(platform: platform, host: host, environment: environment ?? self.environment(), options: options)
    }

    func step(_ name: String, in context: RebuildContext) throws -> any Step {
        try #require(HostSteps.make(context).first { $0.name == name })
    }

    var stepContext: StepContext {
        let notes = self.notes
        return StepContext(stepName: "test", onNote: { notes.add($0) })
    }
}

/// By coreutils, not by the code under test.
func sha256(_ text: String) throws -> String {
    let folder = try TemporaryFolder("sha256")
    try write(text, to: folder.child("file"))
    return String(try runProgram("/usr/bin/env", ["sha256sum", folder.child("file")]).prefix(64))
}

func readyNode(_ name: String, version: String, ready: Bool = true) -> [String: Any] {
    let condition: [String: Any] = ready
        ? ["type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"]
        : ["type": "Ready", "status": "False", "reason": "KubeletNotReady",
           "message": "container runtime network not ready: NetworkReady=false"]
    return ["apiVersion": "v1", "kind": "Node", "metadata": ["name": name],
            "status": ["nodeInfo": ["kubeletVersion": version], "conditions": [condition]]]
}

@Suite struct K3sStepTests {
    static let version = "v1.31.4+k3s1"

    /// The stub installer: records its environment, its arguments and the images folder as it
    /// found it, then writes the kubeconfig of `server` where k3s writes its own.
    func installer(_ fixture: HostFixture, server: FakeKubeServer) throws -> String {
        let kubeconfig = fixture.folder.child("fake-kubeconfig")
        try write(server.kubeconfig(.clientCertificate(server.clientCertificatePEM, key: server.clientKeyPEM)), to: kubeconfig)
        let record = fixture.folder.child("installer")
        let script = """
            #!/bin/sh
            set -e
            env | grep -E '^(INSTALL_K3S_|K3S_)' | sort > '\(record).env'
            env | cut -d= -f1 | sort > '\(record).names'
            printf '%s\\n' "$@" > '\(record).args'
            ls '\(fixture.host.k3sImages)' > '\(record).images' 2>&1 || true
            ls -l '\(fixture.host.binDirectory)' > '\(record).bin' 2>&1 || true
            mkdir -p '\(fixture.root)/etc/rancher/k3s'
            cp '\(kubeconfig)' '\(fixture.host.k3sKubeconfig)'
            echo '[INFO]  k3s installed'

            """
        try write(script, to: fixture.served + "/install.sh")
        return script
    }

    func platform(_ fixture: HostFixture, server: StaticHTTPServer, sha: String?, binary: Bool = false) throws -> PlatformFile {
        try write("airgap images a", to: fixture.folder.child("images/k3s-airgap-images-amd64.tar"))
        try write("airgap images b", to: fixture.folder.child("images/extra.tar.zst"))
        try write("#!/bin/sh\necho k3s\n", to: fixture.folder.child("bin/k3s"))
        return try fixture.platform("""
            k3s:
              version: \(Self.version)
              installer:
                url: \(server.url)/install.sh
            \(sha.map { "    sha256: \($0)\n" } ?? "")\
              exec: [--write-kubeconfig-mode, "644", --tls-san, 100.101.102.103, --tls-san, ultron, --node-name, node-1]
              disable: [traefik]
              images: [images/k3s-airgap-images-amd64.tar, images/extra.tar.zst]
            \(binary ? "  binary: bin/k3s\n" : "")
            """)
    }

    @Test func freshInstallWritesConfigPreloadsImagesRunsInstallerAndWaitsForTheNode() throws {
        let fixture = try HostFixture()
        let kube = try FakeKubeServer()
        let script = try installer(fixture, server: kube)
        let http = try StaticHTTPServer(folder: fixture.served, log: fixture.folder.child("http.log"))
        _ = try kube.put(readyNode("node-1", version: Self.version))
        let digest = try sha256(script)
        let credential = "ghp_" + UUID().uuidString
        let context = fixture.context(try platform(fixture, server: http, sha: digest, binary: true),
                                      environment: fixture.environment(["GITOPS_PAT": credential, "LANG": "C.UTF-8"]),
                                      options: RebuildOptions(k3sReadyTimeout: 10))
        let step = try fixture.step("k3s", in: context)
        #expect(step.needs == ["preflight"])

        guard case .wouldApply(let plan) = try step.check(fixture.stepContext) else {
            Issue.record("a node without k3s should need the k3s step"); return
        }
        #expect(plan.contains("k3s is not installed: \(fixture.host.k3sKubeconfig) does not exist"))
        #expect(plan.contains("download the k3s installer from \(http.url)/install.sh and check its SHA-256 is \(digest)"))
        #expect(http.requests == 0, "check downloads nothing")

        try step.apply(fixture.stepContext)

        #expect(try read(fixture.host.k3sConfig) == """
            # Written by edpctl rebuild from platform.yaml (k3s.exec, k3s.disable); k3s reads it at every start.
            write-kubeconfig-mode: "644"
            tls-san: ["100.101.102.103", "ultron"]
            node-name: "node-1"
            disable: ["traefik"]

            """)
        let record = fixture.folder.child("installer")
        #expect(try read(record + ".env").split(separator: "\n").map(String.init) == [
            "INSTALL_K3S_BIN_DIR=\(fixture.root)/usr/local/bin",
            "INSTALL_K3S_EXEC=server --write-kubeconfig-mode 644 --tls-san 100.101.102.103 --tls-san ultron --node-name node-1 --disable traefik",
            "INSTALL_K3S_SKIP_DOWNLOAD=true",
            "INSTALL_K3S_SYSTEMD_DIR=\(fixture.root)/etc/systemd/system",
            "INSTALL_K3S_VERSION=\(Self.version)",
            "K3S_CONFIG_FILE=\(fixture.root)/etc/rancher/k3s/config.yaml",
            "K3S_DATA_DIR=\(fixture.root)/var/lib/rancher/k3s",
            "K3S_KUBECONFIG_OUTPUT=\(fixture.root)/etc/rancher/k3s/k3s.yaml",
        ])
        // The installer is a script from the internet: it sees PATH, the locale and proxies, never the platform's credentials.
        let names = try read(record + ".names").split(separator: "\n").map(String.init)
        #expect(!names.contains("GITOPS_PAT"))
        #expect(names.contains("LANG") && names.contains("PATH"))
        #expect(try !read(record + ".env").contains(credential))
        #expect(try read(record + ".args") == "\n", "the flags go in INSTALL_K3S_EXEC, not as arguments")
        #expect(try read(record + ".images") == "extra.tar.zst\nk3s-airgap-images-amd64.tar\n", "images are in place before the installer runs")
        #expect(try read(fixture.host.k3sImages + "/extra.tar.zst") == "airgap images b")
        #expect(try read(record + ".bin").contains("-rwxr-xr-x 1 "), "the given k3s binary is installed, executable, before the installer runs")
        #expect(try read(record + ".bin").hasSuffix(" k3s\n"))
        #expect(http.requests == 1)

        // A second run finds everything done and downloads nothing.
        #expect(try step.check(fixture.stepContext) == .done)
        #expect(http.requests == 1)
    }

    @Test func aMismatchedInstallerDigestRunsNothing() throws {
        let fixture = try HostFixture()
        let kube = try FakeKubeServer()
        let script = try installer(fixture, server: kube)
        let http = try StaticHTTPServer(folder: fixture.served, log: fixture.folder.child("http.log"))
        let wrong = String(repeating: "ab", count: 32)
        let actual = try sha256(script)
        let step = try fixture.step("k3s", in: fixture.context(try platform(fixture, server: http, sha: wrong)))

        #expect {
            try step.apply(fixture.stepContext)
        } throws: { error in
            "\(error)" == """
                the k3s installer from \(http.url)/install.sh has SHA-256 \(actual),
                but platform.yaml k3s.installer.sha256 is \(wrong): nothing was run.
                If the script changed on purpose, read it and put its new digest in platform.yaml.
                """
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.folder.child("installer.env")), "the installer did not run")
        #expect(!FileManager.default.fileExists(atPath: fixture.host.k3sKubeconfig))
    }

    @Test func driftBetweenConfigAndPlatformIsReportedLineByLineAndApplyRestartsK3s() throws {
        let fixture = try HostFixture()
        let kube = try FakeKubeServer()
        _ = try installer(fixture, server: kube)
        let http = try StaticHTTPServer(folder: fixture.served, log: fixture.folder.child("http.log"))
        // A healthy node whose config.yaml lost a --tls-san and gained a label by hand.
        _ = try kube.put(readyNode("node-1", version: Self.version))
        try write(kube.kubeconfig(.clientCertificate(kube.clientCertificatePEM, key: kube.clientKeyPEM)), to: fixture.host.k3sKubeconfig)
        try write("""
            write-kubeconfig-mode: "0644"
            tls-san:
              - 100.101.102.103
            node-name: node-1
            disable: traefik
            node-label: [zone=home]
            token: s3cr3t-token

            """, to: fixture.host.k3sConfig)
        let context = fixture.context(try platform(fixture, server: http, sha: nil), options: RebuildOptions(k3sReadyTimeout: 10))
        let step = try fixture.step("k3s", in: context)
        let config = fixture.host.k3sConfig

        let check = try step.check(fixture.stepContext)
        #expect(check == .wouldApply([
            "\(config) has write-kubeconfig-mode: \"0644\", platform.yaml k3s gives \"644\"",
            "\(config) has tls-san: [\"100.101.102.103\"], platform.yaml k3s gives [\"100.101.102.103\", \"ultron\"]",
            "\(config) has node-label: [\"zone=home\"], which platform.yaml k3s does not give",
            "\(config) has token: (value hidden), which platform.yaml k3s does not give",
            "copy \(fixture.folder.path)/images/k3s-airgap-images-amd64.tar to \(fixture.host.k3sImages)/k3s-airgap-images-amd64.tar",
            "copy \(fixture.folder.path)/images/extra.tar.zst to \(fixture.host.k3sImages)/extra.tar.zst",
        ]))
        #expect(!"\(check)".contains("s3cr3t"))

        try step.apply(fixture.stepContext)
        #expect(try read(fixture.folder.child("installer.env")).contains("INSTALL_K3S_FORCE_RESTART=true\n"),
                "a running k3s reads the new config.yaml only when restarted")
        #expect(try step.check(fixture.stepContext) == .done)
    }

    @Test func aFailingInstallerShowsItsLastLines() throws {
        let fixture = try HostFixture()
        let http = try StaticHTTPServer(folder: fixture.served, log: fixture.folder.child("http.log"))
        try write("""
            #!/bin/sh
            for i in $(seq 1 30); do echo "[INFO]  line $i"; done
            echo '[ERROR]  Can not find systemd or openrc to use as a process supervisor for k3s' >&2
            exit 1

            """, to: fixture.served + "/install.sh")
        let step = try fixture.step("k3s", in: fixture.context(try platform(fixture, server: http, sha: nil)))

        #expect {
            try step.apply(fixture.stepContext)
        } throws: { error in
            let lines = "\(error)".split(separator: "\n").map(String.init)
            return lines == ["the k3s installer from \(http.url)/install.sh exited 1; its last lines:"]
                + (12...30).map { "  [INFO]  line \($0)" }
                + ["  [ERROR]  Can not find systemd or openrc to use as a process supervisor for k3s",
                   "config.yaml and the images stay in place; fix the cause above and run edpctl rebuild --resume"]
        }
    }

    @Test func aNodeThatNeverBecomesReadyTimesOutWithAnExplanation() throws {
        let fixture = try HostFixture()
        let kube = try FakeKubeServer()
        _ = try installer(fixture, server: kube)
        let http = try StaticHTTPServer(folder: fixture.served, log: fixture.folder.child("http.log"))
        _ = try kube.put(readyNode("node-1", version: Self.version, ready: false))
        let context = fixture.context(try platform(fixture, server: http, sha: nil), options: RebuildOptions(k3sReadyTimeout: 2))
        let step = try fixture.step("k3s", in: context)
        let started = Date()

        #expect {
            try step.apply(fixture.stepContext)
        } throws: { error in
            let lines = "\(error)".split(separator: "\n").map(String.init)
            return lines.first?.hasPrefix("timed out after ") == true
                && lines.first?.hasSuffix("waiting for Node \"node-1\" to be Ready with kubelet \(Self.version)") == true
                && lines.contains("  kubelet version \(Self.version)")
                && lines.contains("  condition Ready=False (KubeletNotReady: container runtime network not ready: NetworkReady=false)")
                && lines.last == "look at the k3s service: journalctl -u k3s (systemd) or /var/log/k3s.log (openrc)"
        }
        #expect(Date().timeIntervalSince(started) < 8, "the wait is bounded by k3sReadyTimeout")
    }
}

@Suite struct PreflightTests {
    @Test func listsEveryProblemTogether() throws {
        let fixture = try HostFixture()
        let listener = try Listener()
        try write("""
            secrets:
              - name: repo-creds
                namespace: argocd
                keys:
                  password:
                    env: REPO_PAT
                  ca:
                    file: missing-ca.pem

            """, to: fixture.folder.child("secrets.yaml"))
        let platform = try fixture.platform("""
            k3s:
              version: v1.31.4+k3s1
              installer: {url: "http://127.0.0.1:9/install.sh"}
              binary: bin/k3s
            charts:
              - name: cert-manager
                repo: https://charts.no-such-host.invalid
                chart: cert-manager
                version: v1.16.2
                namespace: cert-manager
            gitops:
              url: https://127.0.0.1/gitops.git
              username: {env: GITOPS_USERNAME}
              password: {env: GITOPS_PAT}
              rootApp: {path: bootstrap/root-app.yaml}
            secrets: secrets.yaml

            """)
        let context = fixture.context(platform, environment: fixture.environment(["GITOPS_USERNAME": "webb1es", "GITOPS_PAT": ""]),
                                      options: RebuildOptions(preflightPorts: [listener.port]))
        let step = try fixture.step("preflight", in: context)
        #expect(step.needs == [])

        #expect {
            try step.check(fixture.stepContext)
        } throws: { error in
            let lines = "\(error)".split(separator: "\n").map(String.init)
            let secrets = fixture.folder.child("secrets.yaml")
            let expected = [
                "preflight found 6 problem(s); nothing was changed:",
                "  - port \(listener.port) is already in use",
                "  - platform.yaml charts[0].repo: cannot resolve charts.no-such-host.invalid (",
                "  - platform.yaml k3s.binary: file \(fixture.folder.path)/bin/k3s cannot be read (No such file or directory): restore it or fix its permissions",
                "  - platform.yaml gitops.password: environment variable GITOPS_PAT is empty: export it before edpctl rebuild (with sudo, use sudo -E)",
                "  - \(secrets):6:9: Secret argocd/repo-creds key password: environment variable REPO_PAT is not set: export it before edpctl rebuild (with sudo, use sudo -E)",
                "  - \(secrets):8:9: Secret argocd/repo-creds key ca: file \(fixture.folder.path)/missing-ca.pem cannot be read (No such file or directory): restore it or fix its permissions",
            ]
            return lines.count == expected.count && zip(lines, expected).allSatisfy { $0.hasPrefix($1) }
        }
        #expect(fixture.notes.all == ["not checked whether edpctl runs as root: the host root is \(fixture.root), not /"])
    }

    @Test func passesOnAHealthyNodeWhoseK3sHoldsItsPorts() throws {
        let fixture = try HostFixture()
        let kube = try FakeKubeServer()
        let listener = try Listener()
        try write(kube.kubeconfig(.clientCertificate(kube.clientCertificatePEM, key: kube.clientKeyPEM)), to: fixture.host.k3sKubeconfig)
        let platform = try fixture.platform("""
            k3s:
              version: v1.31.4+k3s1
              installer: {url: "https://installer.no-such-host.invalid/install.sh"}

            """)
        let context = fixture.context(platform, options: RebuildOptions(preflightPorts: [listener.port]))
        // The port is taken and the installer's host does not resolve, but k3s answers: nothing is needed of either.
        #expect(try fixture.step("preflight", in: context).check(fixture.stepContext) == .done)
    }

    @Test func tooLittleDiskIsAProblem() throws {
        let fixture = try HostFixture()
        let context = fixture.context(try fixture.platform("k3s: {version: v1.31.4+k3s1, installer: {url: \"http://127.0.0.1:9/\"}}\n"),
                                      options: RebuildOptions(minimumFreeDisk: Int64.max / 2, preflightPorts: []))
        #expect {
            try fixture.step("preflight", in: context).check(fixture.stepContext)
        } throws: { error in
            "\(error)".contains("free under \(fixture.root)/var/lib/rancher/k3s (the file system of \(fixture.root)); k3s and the charts' images need at least")
        }
    }
}

@Suite struct FirewallStepTests {
    /// A stub firewall program: logs its arguments, prints `before` until a command changes
    /// something, `after` from then on (what the real tool would show once the rules are in).
    func stubTool(_ fixture: HostFixture, _ name: String, before: String, after: String) throws -> String {
        let log = fixture.folder.child("\(name).log")
        try write(before, to: fixture.folder.child("\(name).state"))
        try write(after, to: fixture.folder.child("\(name).after"))
        try fixture.stub(name, """
            echo "$*" >> '\(log)'
            case "$*" in
              "status verbose"|"list ruleset"|"") cat '\(fixture.folder.child("\(name).state"))' ;;
              *) cp '\(fixture.folder.child("\(name).after"))' '\(fixture.folder.child("\(name).state"))' ;;
            esac

            """)
        return log
    }

    static let firewall = "firewall:\n  open: [80, 443]\n  private: [6443]\n"

    static let ufwBefore = """
        Status: active
        Logging: on (low)
        Default: deny (incoming), allow (outgoing), disabled (routed)
        New profiles: skip

        To                         Action      From
        --                         ------      ----
        22/tcp                     ALLOW IN    Anywhere
        80/tcp                     ALLOW IN    Anywhere
        6443/tcp                   ALLOW IN    100.64.0.0/10
        6443/tcp                   ALLOW IN    Anywhere
        22/tcp (v6)                ALLOW IN    Anywhere (v6)
        80/tcp (v6)                ALLOW IN    Anywhere (v6)
        6443/tcp (v6)              ALLOW IN    Anywhere (v6)

        """

    static let ufwAfter = """
        Status: active
        Logging: on (low)
        Default: deny (incoming), allow (outgoing), disabled (routed)
        New profiles: skip

        To                         Action      From
        --                         ------      ----
        22/tcp                     ALLOW IN    Anywhere
        80/tcp                     ALLOW IN    Anywhere
        6443/tcp                   ALLOW IN    100.64.0.0/10
        443/tcp                    ALLOW IN    Anywhere
        22/tcp (v6)                ALLOW IN    Anywhere (v6)
        80/tcp (v6)                ALLOW IN    Anywhere (v6)
        443/tcp (v6)               ALLOW IN    Anywhere (v6)

        """

    @Test func ufwFindingsAreNotesWithoutApplyFirewall() throws {
        let fixture = try HostFixture()
        let log = try stubTool(fixture, "ufw", before: Self.ufwBefore, after: Self.ufwAfter)
        let context = fixture.context(try fixture.platform(Self.firewall))
        let step = try fixture.step("firewall", in: context)
        #expect(step.needs == ["preflight"])

        #expect(try step.check(fixture.stepContext) == .done)
        #expect(fixture.notes.all == [
            "port 443 (firewall.open) is not reachable from the world: ufw: policy drop",
            "port 6443 (firewall.private) is open to the world: ufw: 6443/tcp ALLOW IN Anywhere",
            "the firewall (ufw) was not changed: rerun with --apply-firewall, or change it by hand",
        ])
        #expect(try read(log) == "status verbose\n", "only read")
    }

    @Test func ufwApplyFirewallAllowsAndDeletesThenReReads() throws {
        let fixture = try HostFixture()
        let log = try stubTool(fixture, "ufw", before: Self.ufwBefore, after: Self.ufwAfter)
        let context = fixture.context(try fixture.platform(Self.firewall), options: RebuildOptions(applyFirewall: true))
        let step = try fixture.step("firewall", in: context)

        #expect(try step.check(fixture.stepContext) == .wouldApply([
            "port 443 (firewall.open) is not reachable from the world: ufw: policy drop",
            "port 6443 (firewall.private) is open to the world: ufw: 6443/tcp ALLOW IN Anywhere",
            "run ufw allow 443/tcp",
            "run ufw delete allow 6443/tcp",
        ]))
        try step.apply(fixture.stepContext)
        #expect(try step.check(fixture.stepContext) == .done)
        #expect(try read(log) == "status verbose\nstatus verbose\nallow 443/tcp\ndelete allow 6443/tcp\nstatus verbose\nstatus verbose\n")
    }

    @Test func anInactiveUfwGetsTheRulesButIsNotEnabled() throws {
        let fixture = try HostFixture()
        let inactive = "Status: inactive\n"
        let log = try stubTool(fixture, "ufw", before: inactive, after: inactive)
        let context = fixture.context(try fixture.platform(Self.firewall), options: RebuildOptions(applyFirewall: true))
        let step = try fixture.step("firewall", in: context)

        #expect(try step.check(fixture.stepContext) == .wouldApply([
            "port 6443 (firewall.private) is open to the world: ufw is inactive",
            "run ufw deny 6443/tcp",
        ]))
        #expect {
            try step.apply(fixture.stepContext)
        } throws: { error in
            "\(error)" == """
                ufw is inactive, so the rules edpctl added are not enforced yet:
                  ufw deny 6443/tcp
                edpctl does not enable ufw (that could cut your SSH session): allow SSH (ufw allow OpenSSH), run ufw enable, then edpctl rebuild --resume
                """
        }
        #expect(!(try read(log)).contains("enable"))
    }

    static let nftBefore = """
        table inet filter {
        \tchain input {
        \t\ttype filter hook input priority filter; policy drop;
        \t\tct state established,related accept
        \t\tiif "lo" accept
        \t\ttcp dport 22 accept
        \t\ttcp dport { 80, 6443 } accept
        \t}
        \tchain forward {
        \t\ttype filter hook forward priority filter; policy drop;
        \t}
        }

        """

    /// As `nft -a list ruleset` would print it: the handles are comments to the parser.
    static let nftAfter = """
        table inet filter { # handle 1
        \tchain input { # handle 1
        \t\ttype filter hook input priority filter; policy drop;
        \t\ttcp dport 443 accept # handle 9
        \t\tct state established,related accept # handle 4
        \t\tiif "lo" accept # handle 5
        \t\ttcp dport 22 accept # handle 6
        \t\ttcp dport { 80, 6443 } accept # handle 7
        \t}
        }
        table inet edpctl { # handle 3
        \tchain input { # handle 1
        \t\ttype filter hook input priority -10; policy accept;
        \t\ttcp dport 6443 ip saddr != { 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 } drop # handle 2
        \t\ttcp dport 6443 ip6 saddr != { ::1, fc00::/7, fe80::/10 } drop # handle 3
        \t}
        }

        """

    @Test func nftApplyFirewallInsertsAnAcceptAndAddsEdpctlsOwnDrop() throws {
        let fixture = try HostFixture()
        let log = try stubTool(fixture, "nft", before: Self.nftBefore, after: Self.nftAfter)
        let context = fixture.context(try fixture.platform(Self.firewall), options: RebuildOptions(applyFirewall: true))
        let step = try fixture.step("firewall", in: context)

        guard case .wouldApply(let plan) = try step.check(fixture.stepContext) else {
            Issue.record("443 closed and 6443 open should need the firewall step"); return
        }
        #expect(plan.prefix(2) == [
            "port 443 (firewall.open) is not reachable from the world: inet filter input: policy drop",
            "port 6443 (firewall.private) is open to the world: inet filter input: tcp dport { 80, 6443 } accept",
        ])
        try step.apply(fixture.stepContext)
        #expect(try step.check(fixture.stepContext) == .done)
        #expect(try read(log).split(separator: "\n").map(String.init) == [
            "list ruleset",
            "list ruleset",
            "insert rule inet filter input tcp dport 443 accept",
            "add table inet edpctl",
            "add chain inet edpctl input { type filter hook input priority -10 ; policy accept ; }",
            "add rule inet edpctl input tcp dport 6443 ip saddr != { 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 } drop",
            "add rule inet edpctl input tcp dport 6443 ip6 saddr != { ::1, fc00::/7, fe80::/10 } drop",
            "list ruleset",
            "list ruleset",
        ])
    }

    @Test func iptablesIsReadWhenNeitherUfwNorNftIsThere() throws {
        let fixture = try HostFixture()
        let save = """
            # Generated by iptables-save v1.8.9 (nf_tables) on Mon Dec  7 11:00:00 2026
            *filter
            :INPUT DROP [0:0]
            :FORWARD DROP [0:0]
            :OUTPUT ACCEPT [0:0]
            -A INPUT -i lo -j ACCEPT
            -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
            -A INPUT -p tcp -m multiport --dports 80,443,6443 -j ACCEPT
            COMMIT
            # Completed on Mon Dec  7 11:00:00 2026

            """
        _ = try stubTool(fixture, "iptables-save", before: save, after: save)
        let step = try fixture.step("firewall", in: fixture.context(try fixture.platform(Self.firewall)))
        #expect(try step.check(fixture.stepContext) == .done)
        #expect(fixture.notes.all == [
            "port 6443 (firewall.private) is open to the world: iptables filter INPUT: -A INPUT -p tcp -m multiport --dports 80,443,6443 -j ACCEPT",
            "the firewall (iptables) was not changed: rerun with --apply-firewall, or change it by hand",
        ])
    }

    @Test func withoutAFirewallToolItSaysSo() throws {
        let fixture = try HostFixture()
        let step = try fixture.step("firewall", in: fixture.context(try fixture.platform(Self.firewall)))
        #expect(try step.check(fixture.stepContext) == .done)
        #expect(fixture.notes.all == ["no firewall tool found on PATH (ufw, nft, iptables-save): the firewall was not "
            + "checked; ports 80, 443 must be reachable and 6443 must stay private"])
    }
}
