import Foundation
import Secrets

/// Everything a rebuild needs from the node and its operator, checked before anything changes and
/// reported together: root, the OS, free ports, free disk, name resolution of every host the later
/// steps reach, and every credential they read. Read-only; apply has nothing to do.
struct PreflightStep: Step {
    let context: RebuildContext

    var name: String { StepName.preflight }
    var needs: [String] { [] }

    func check(_ step: StepContext) throws -> StepCheck {
        // A re-run on a healthy node finds k3s's own ports taken and needs no installer.
        let k3sAnswers = context.platform.k3s != nil && K3sStep.apiAnswers(context)
        var problems: [String] = []
        // Without a k3s section the cluster is not this node's to install: its root, OS, ports and disk are not ours to judge.
        if context.platform.k3s != nil {
            problems += rootProblems(step)
            problems += osProblems()
            if !k3sAnswers { problems += portProblems() }
            problems += diskProblems()
        }
        problems += nameProblems(includeInstaller: !k3sAnswers)
        problems += k3sFileProblems()
        problems += credentialProblems()
        guard problems.isEmpty else {
            throw StepFailure(lines: ["preflight found \(problems.count) problem(s); nothing was changed:"]
                + problems.map { "  - " + $0 })
        }
        return .done
    }

    func apply(_ step: StepContext) throws {}

    // MARK: Root and OS

    func rootProblems(_ step: StepContext) -> [String] {
        guard context.host.root == "/" else {
            step.note("not checked whether edpctl runs as root: the host root is \(context.host.root), not /")
            return []
        }
        let uid = geteuid()
        guard uid != 0 else { return [] }
        return ["edpctl runs as uid \(uid), not root: the k3s installer writes /etc and /usr/local/bin and starts a "
            + "service; run it with sudo -E (which keeps the credentials' environment variables)"]
    }

    func osProblems() -> [String] {
        var problems: [String] = []
        var names = utsname()
        uname(&names)
        let system = withUnsafeBytes(of: names.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if system != "Linux" { problems.append("this is \(system), not Linux: k3s runs on Linux only") }
        let path = context.host.path("/etc/os-release")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            problems.append("\(path) cannot be read: cannot tell which Linux this is; k3s needs a distribution with "
                + "systemd or openrc (Debian, Ubuntu, RHEL and the like)")
            return problems
        }
        let fields = Self.osRelease(text)
        if fields["ID"]?.isEmpty ?? true {
            problems.append("\(path) has no ID: cannot tell which Linux this is")
        }
        return problems
    }

    /// `KEY=value` lines, the value unquoted as os-release(5) writes it.
    static func osRelease(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(line[..<equals])] = value
        }
        return fields
    }

    // MARK: Ports

    static func role(ofPort port: Int) -> String {
        switch port {
        case 6443: "the Kubernetes API server"
        case 80: "HTTP (Traefik)"
        case 443: "HTTPS (Traefik)"
        case 10250: "the kubelet"
        default: "k3s"
        }
    }

    func portProblems() -> [String] {
        let listeners = Listeners.read()
        var owners: [UInt64: String]?
        return context.options.preflightPorts.compactMap { port in
            guard let found = listeners.filter({ $0.port == port }).first else { return nil }
            if owners == nil { owners = Listeners.owners(of: Set(listeners.map(\.inode))) }
            let owner = owners?[found.inode].map { " by \($0)" } ?? ""
            return "port \(port) is already in use\(owner) (listening on \(found.address)): k3s needs it for "
                + "\(Self.role(ofPort: port)); stop that program or move it to another port"
        }
    }

    // MARK: Disk

    func diskProblems() -> [String] {
        let folder = context.host.path("/var/lib/rancher/k3s")
        // The folder may not exist yet: its file system is that of its nearest existing parent.
        var existing = folder
        while !FileManager.default.fileExists(atPath: existing), existing != "/" {
            existing = (existing as NSString).deletingLastPathComponent
        }
        var stats = statvfs()
        guard statvfs(existing, &stats) == 0 else {
            return ["cannot read the free space of \(existing): \(String(cString: strerror(errno)))"]
        }
        let free = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        let minimum = context.options.minimumFreeDisk
        guard free < minimum else { return [] }
        return ["only \(Self.gibibytes(free)) free under \(folder) (the file system of \(existing)); k3s and the "
            + "charts' images need at least \(Self.gibibytes(minimum)): free space or grow the disk"]
    }

    static func gibibytes(_ bytes: Int64) -> String { String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }

    // MARK: Names

    /// Each host the later steps reach, with the platform.yaml field that names it first.
    func hostsToResolve(includeInstaller: Bool) -> [(host: String, field: String)] {
        var wanted: [(url: String, field: String)] = []
        let platform = context.platform
        if includeInstaller, let k3s = platform.k3s {
            wanted.append((k3s.installerURL, "k3s.installer.url"))
            // Without k3s.binary the installer fetches k3s and its checksums from GitHub's releases.
            if k3s.binary == nil { wanted.append(("https://github.com", "k3s.version (the installer downloads k3s from there)")) }
        }
        for (index, chart) in platform.charts.enumerated() { wanted.append((chart.repo, "charts[\(index)].repo")) }
        if let gitops = platform.gitops { wanted.append((gitops.url, "gitops.url")) }
        for (index, probe) in (platform.verify?.probes ?? []).enumerated() {
            wanted.append((probe.url, "verify.probes[\(index)].url"))
        }
        var seen = Set<String>()
        return wanted.compactMap { url, field in
            guard let host = HostNames.host(of: url), !HostNames.isIPLiteral(host),
                  seen.insert(host.lowercased()).inserted else { return nil }
            return (host, field)
        }
    }

    func nameProblems(includeInstaller: Bool) -> [String] {
        let hosts = hostsToResolve(includeInstaller: includeInstaller)
        // Side by side: an unreachable resolver makes each lookup wait out its timeout.
        let results = ResolutionResults(count: hosts.count)
        DispatchQueue.concurrentPerform(iterations: hosts.count) { index in
            results.set(index, HostNames.resolutionProblem(hosts[index].host))
        }
        return hosts.indices.compactMap { index in
            results.get(index).map { reason in
                "platform.yaml \(hosts[index].field): cannot resolve \(hosts[index].host) (\(reason)): check the "
                    + "name, /etc/resolv.conf and the network"
            }
        }
    }

    private final class ResolutionResults: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: String?) { lock.withLock { values[index] = value } }
        func get(_ index: Int) -> String? { lock.withLock { values[index] } }
    }

    // MARK: Files

    /// The air-gapped images and the k3s binary the k3s step copies.
    func k3sFileProblems() -> [String] {
        guard let k3s = context.platform.k3s else { return [] }
        let files = k3s.images.enumerated().map { ($1, "k3s.images[\($0)]") } + (k3s.binary.map { [($0, "k3s.binary")] } ?? [])
        return files.compactMap { path, field in Self.fileProblem(path).map { "platform.yaml \(field): \($0)" } }
    }

    // MARK: Credentials

    func credentialProblems() -> [String] {
        var problems: [String] = []
        if let gitops = context.platform.gitops {
            for (credential, field) in [(gitops.username, "gitops.username"), (gitops.password, "gitops.password")] {
                switch credential {
                case .env(let variable)?:
                    if let problem = environmentProblem(variable) { problems.append("platform.yaml \(field): \(problem)") }
                case .file(let path)?:
                    if let problem = Self.fileProblem(path) { problems.append("platform.yaml \(field): \(problem)") }
                case nil:
                    break
                }
            }
        }
        if let path = context.platform.secrets { problems += secretsProblems(path) }
        return problems
    }

    /// The secrets file's env and file sources, checked present; no value is resolved or shown.
    func secretsProblems(_ path: String) -> [String] {
        let file: SecretsFile
        do {
            file = try SecretsLoader(path: path).load()
        } catch {
            return error.diagnostics.map { "\($0) (platform.yaml secrets)" }
        }
        var problems: [String] = []
        func visit(_ source: SourceSpec, secret: SecretSpec, key: String) {
            let place = "\(file.path):\(source.mark.line):\(source.mark.column): Secret \(secret.reference) key \(key)"
            switch source.source {
            case .env(let variable):
                if let problem = environmentProblem(variable) { problems.append("\(place): \(problem)") }
            case .file(_, let resolved):
                if let problem = Self.fileProblem(resolved) { problems.append("\(place): \(problem)") }
            case .dockerConfigJSON(let registry, let username, let password):
                for part in [registry, username, password] { visit(part, secret: secret, key: key) }
            case .generate, .fromSecret, .template, .literal:
                break
            }
        }
        for secret in file.secrets {
            for key in secret.keys { visit(key.source, secret: secret, key: key.name) }
        }
        return problems
    }

    func environmentProblem(_ variable: String) -> String? {
        guard context.environment[variable]?.isEmpty ?? true else { return nil }
        let state = context.environment[variable] == nil ? "is not set" : "is empty"
        return "environment variable \(variable) \(state): export it before edpctl rebuild (with sudo, use sudo -E)"
    }

    static func fileProblem(_ path: String) -> String? {
        guard access(path, R_OK) != 0 else { return nil }
        return "file \(path) cannot be read (\(String(cString: strerror(errno)))): restore it or fix its permissions"
    }
}

/// The TCP sockets listening on this machine, from /proc/net/tcp and tcp6 (readable without root,
/// unlike binding the ports below 1024 to test them).
enum Listeners {
    struct Listener {
        let port: Int
        let address: String
        let inode: UInt64
    }

    static func read() -> [Listener] {
        ["/proc/net/tcp", "/proc/net/tcp6"].flatMap { path in
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").dropFirst().compactMap(parse)
        }
    }

    /// `sl local_address rem_address st … inode`, addresses as hex `IP:PORT`; state 0A is LISTEN.
    static func parse(_ line: Substring) -> Listener? {
        let fields = line.split(separator: " ")
        guard fields.count > 9, fields[3] == "0A" else { return nil }
        let local = fields[1].split(separator: ":")
        guard local.count == 2, let port = Int(local[1], radix: 16), let inode = UInt64(fields[9]) else { return nil }
        let hex = local[0]
        let address: String
        if hex.allSatisfy({ $0 == "0" }) {
            address = hex.count == 8 ? "0.0.0.0" : "[::]"
        } else if hex.count == 8, let value = UInt32(hex, radix: 16) {
            // Little-endian as the kernel prints it.
            address = (0..<4).map { String((value >> (8 * $0)) & 0xff) }.joined(separator: ".")
        } else {
            address = "an IPv6 address"
        }
        return Listener(port: port, address: address, inode: inode)
    }

    /// `name (pid N)` of the processes holding the sockets, as far as /proc lets us see them.
    static func owners(of inodes: Set<UInt64>) -> [UInt64: String] {
        var owners: [UInt64: String] = [:]
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in processes where pid.allSatisfy(\.isNumber) {
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            for descriptor in descriptors {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                      target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast()),
                      inodes.contains(inode), owners[inode] == nil else { continue }
                let name = ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "?")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                owners[inode] = "\(name) (pid \(pid))"
            }
        }
        return owners
    }
}
