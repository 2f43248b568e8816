import Crypto
import Foundation
import HTTP
import Kube

/// k3s at the pinned version with platform.yaml's flags: the flags kept in config.yaml, the
/// air-gapped images preloaded, the installer downloaded, checked and run, and a wait (bounded)
/// for a Ready node at that version.
struct K3sStep: Step {
    let context: RebuildContext
    let k3s: PlatformK3s

    var name: String { StepName.k3s }
    var needs: [String] { [StepName.preflight] }

    /// Whether a cluster answers at the kubeconfig; never waits for one.
    static func apiAnswers(_ context: RebuildContext) -> Bool {
        guard FileManager.default.fileExists(atPath: context.kubeconfigPath) else { return false }
        return (try? context.kube().list(apiVersion: "v1", kind: "Node", namespace: nil)) != nil
    }

    // MARK: Check

    func check(_ step: StepContext) throws -> StepCheck {
        let wanted = try K3sConfig(exec: k3s.exec, disable: k3s.disable)
        var lines = try configChanges(wanted)
        lines += try filesToCopy().map { "copy \($0.source) to \($0.destination)" }
        if let problem = nodeProblem() {
            lines.append(problem)
            lines += installPlan(wanted)
        }
        return lines.isEmpty ? .done : .wouldApply(lines)
    }

    /// config.yaml's drift from platform.yaml, a line each; nothing when they agree.
    func configChanges(_ wanted: K3sConfig) throws -> [String] {
        let path = context.host.k3sConfig
        guard let data = FileManager.default.contents(atPath: path) else {
            let keys = wanted.entries.isEmpty ? "no flags" : wanted.entries.map(\.key).joined(separator: ", ")
            return ["write \(path) (\(keys))"]
        }
        let found = try K3sConfig(yaml: String(decoding: data, as: UTF8.self), path: path)
        return wanted.drift(from: found, path: path)
    }

    /// Why no node is Ready at the pinned version; nil when one is.
    func nodeProblem() -> String? {
        let kubeconfig = context.kubeconfigPath
        guard FileManager.default.fileExists(atPath: kubeconfig) else {
            return "k3s is not installed: \(kubeconfig) does not exist"
        }
        let nodes: [[String: Any]]
        do {
            nodes = try context.kube().list(apiVersion: "v1", kind: "Node", namespace: nil)
        } catch {
            return "the k3s API does not answer (\(error))"
        }
        if nodes.contains(where: isReadyAtVersion) { return nil }
        if nodes.isEmpty { return "the k3s API answers but lists no node" }
        return nodes.map { node in
            "node \(Self.name(of: node)) runs kubelet \(Self.kubeletVersion(of: node) ?? "(none)") and is "
                + (Self.isReady(node) ? "Ready" : "not Ready") + ", platform.yaml k3s.version is \(k3s.version)"
        }.joined(separator: "; ")
    }

    func installPlan(_ wanted: K3sConfig) -> [String] {
        var lines: [String] = []
        lines.append("download the k3s installer from \(k3s.installerURL)"
            + (k3s.installerSHA256.map { " and check its SHA-256 is \($0)" } ?? ""))
        let variables = installerVariables(wanted, restart: false)
            .filter { $0.key.hasPrefix("INSTALL_K3S_") }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\"\($0.value)\"" }
        lines.append("run sh <installer> with \(variables.joined(separator: " "))")
        lines.append("wait up to \(String(format: "%g", context.options.k3sReadyTimeout)) s for node \(nodeName(wanted)) "
            + "to be Ready with kubelet \(k3s.version)")
        return lines
    }

    // MARK: Apply

    func apply(_ step: StepContext) throws {
        let wanted = try K3sConfig(exec: k3s.exec, disable: k3s.disable)
        // Images first: k3s imports agent/images/ when it starts, so they must be there before the installer starts it.
        for copy in try filesToCopy() {
            step.waiting("\(copy.source) to be copied to \(copy.destination)")
            try copyAtomically(copy.source, to: copy.destination, mode: copy.mode)
        }
        let configChanged = try !configChanges(wanted).isEmpty
        if configChanged {
            try writeAtomically(Data(wanted.yaml.utf8), to: context.host.k3sConfig)
        }
        let healthy = nodeProblem() == nil
        // A running k3s reads config.yaml only when it starts: a changed file needs the installer's restart.
        if healthy && !configChanged { return }
        step.waiting("the k3s installer to download from \(k3s.installerURL)")
        let installer = try downloadInstaller()
        defer { unlink(installer) }
        step.waiting("the k3s installer to install \(k3s.version)")
        let outcome = try HostCommand("sh", [installer]).run(environment: installerVariables(wanted, restart: healthy))
        guard outcome.status == 0 else {
            throw StepFailure(lines: ["the k3s installer from \(k3s.installerURL) exited \(outcome.status); its last lines:"]
                + outcome.tail().map { "  " + $0 }
                + ["config.yaml and the images stay in place; fix the cause above and run edpctl rebuild --resume"])
        }
        try waitForNode(wanted, step)
    }

    /// The environment the installer runs with: the rebuild's, plus the INSTALL_K3S_* it reads (HostCommand passes on only what it may see).
    func installerVariables(_ wanted: K3sConfig, restart: Bool) -> [String: String] {
        var variables = context.environment
        variables["INSTALL_K3S_VERSION"] = k3s.version
        // config.yaml carries every flag; INSTALL_K3S_EXEC repeats them where its word splitting keeps them whole.
        variables["INSTALL_K3S_EXEC"] = wanted.execLine.map { "server " + $0 } ?? "server"
        variables["INSTALL_K3S_BIN_DIR"] = context.host.binDirectory
        if k3s.binary != nil { variables["INSTALL_K3S_SKIP_DOWNLOAD"] = "true" }
        if restart { variables["INSTALL_K3S_FORCE_RESTART"] = "true" }
        if context.host.root != "/" {
            // Every path the installer and k3s write under the host root (K3S_* go into the service's environment).
            variables["INSTALL_K3S_SYSTEMD_DIR"] = context.host.path("/etc/systemd/system")
            variables["K3S_CONFIG_FILE"] = context.host.k3sConfig
            variables["K3S_DATA_DIR"] = context.host.path("/var/lib/rancher/k3s")
            variables["K3S_KUBECONFIG_OUTPUT"] = context.host.k3sKubeconfig
        }
        return variables
    }

    /// The installer in a temporary file, checked against k3s.installer.sha256 when given.
    func downloadInstaller() throws -> String {
        var url = k3s.installerURL
        var response = try context.http().send(Request(url: url))
        var redirects = 0
        while (300...399).contains(response.status), let location = response.headers["Location"], redirects < 5 {
            url = URL(string: location, relativeTo: URL(string: url))?.absoluteString ?? location
            response = try context.http().send(Request(url: url))
            redirects += 1
        }
        guard response.status == 200 else {
            throw StepFailure("GET \(url) answered \(response.status), not the k3s installer: check platform.yaml "
                + "k3s.installer.url")
        }
        if let expected = k3s.installerSHA256?.lowercased() {
            let actual = SHA256.hash(data: response.body).map { String(format: "%02x", $0) }.joined()
            guard actual == expected else {
                throw StepFailure(lines: [
                    "the k3s installer from \(url) has SHA-256 \(actual),",
                    "but platform.yaml k3s.installer.sha256 is \(expected): nothing was run.",
                    "If the script changed on purpose, read it and put its new digest in platform.yaml.",
                ])
            }
        }
        var template = Array((FileManager.default.temporaryDirectory.path + "/k3s-install.XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw StepFailure("cannot create a temporary file for the k3s installer: \(String(cString: strerror(errno)))") }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: response.body)
            try handle.close()
        } catch {
            unlink(path)
            throw StepFailure("cannot write the k3s installer to \(path): \(error.localizedDescription)")
        }
        return path
    }

    // MARK: Waiting for the node

    /// k3s names the node after `--node-name`, else K3S_NODE_NAME, else the host name in lower case.
    func nodeName(_ wanted: K3sConfig) -> String {
        if let flag = wanted.entries.first(where: { $0.key == "node-name" })?.values.last { return flag }
        if let variable = context.environment["K3S_NODE_NAME"], !variable.isEmpty { return variable }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
    }

    func waitForNode(_ wanted: K3sConfig, _ step: StepContext) throws {
        let timeout = context.options.k3sReadyTimeout
        let deadline = Date().addingTimeInterval(timeout)
        let kubeconfig = context.kubeconfigPath
        step.waiting("k3s to write \(kubeconfig) and its API to answer")
        var client: KubeClient?
        var lastProblem = ""
        while client == nil {
            if FileManager.default.fileExists(atPath: kubeconfig) {
                do {
                    let candidate = try context.kube()
                    _ = try candidate.list(apiVersion: "v1", kind: "Node", namespace: nil)
                    client = candidate
                } catch {
                    lastProblem = "\(error)"
                }
            } else {
                lastProblem = "\(kubeconfig) does not exist"
            }
            if client == nil {
                guard Date() < deadline else {
                    throw StepFailure(lines: [
                        "timed out after \(String(format: "%g", timeout)) s waiting for the k3s API: \(lastProblem)",
                        "look at the k3s service: journalctl -u k3s (systemd) or /var/log/k3s.log (openrc)",
                    ])
                }
                usleep(200_000)
            }
        }
        guard let client else { return }
        let node = nodeName(wanted)
        step.waiting("node \(node) to be Ready with kubelet \(k3s.version)")
        do {
            _ = try client.waitUntil(apiVersion: "v1", kind: "Node", namespace: nil, name: node,
                                     timeout: max(1, deadline.timeIntervalSinceNow),
                                     awaited: "Ready with kubelet \(k3s.version)") { object in
                object.map(isReadyAtVersion) ?? false
            }
        } catch let timeout as KubeWaitTimeout {
            let object = (try? client.get(apiVersion: "v1", kind: "Node", namespace: nil, name: node)) ?? nil
            // The node's conditions say why it is not Ready; kube-system's pods why the cluster is not up.
            var lines = WaitExplanation(client: client, timeout: timeout, object: object, namespace: "kube-system").lines
            if let object {
                lines.insert("  kubelet version \(Self.kubeletVersion(of: object) ?? "(none)")", at: 1)
            } else {
                lines.insert("  node \(node) is not registered (is --node-name or the host name different?)", at: 1)
            }
            lines.append("look at the k3s service: journalctl -u k3s (systemd) or /var/log/k3s.log (openrc)")
            throw StepFailure(lines: lines)
        }
    }

    func isReadyAtVersion(_ node: [String: Any]) -> Bool {
        Self.kubeletVersion(of: node) == k3s.version && Self.isReady(node)
    }

    static func name(of node: [String: Any]) -> String {
        (node["metadata"] as? [String: Any])?["name"] as? String ?? "?"
    }

    static func kubeletVersion(of node: [String: Any]) -> String? {
        ((node["status"] as? [String: Any])?["nodeInfo"] as? [String: Any])?["kubeletVersion"] as? String
    }

    static func isReady(_ node: [String: Any]) -> Bool {
        let conditions = (node["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
        return conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
    }

    // MARK: Files

    struct FileCopy {
        let source: String
        let destination: String
        let mode: mode_t
    }

    /// The image tarballs and the k3s binary that are not yet in place, byte for byte.
    func filesToCopy() throws -> [FileCopy] {
        var copies = k3s.images.map {
            FileCopy(source: $0, destination: context.host.k3sImages + "/" + ($0 as NSString).lastPathComponent, mode: 0o644)
        }
        if let binary = k3s.binary {
            copies.append(FileCopy(source: binary, destination: context.host.binDirectory + "/k3s", mode: 0o755))
        }
        return try copies.filter { try !sameContents($0.source, $0.destination) }
    }
}

/// Whether `destination` holds exactly `source`'s bytes (a missing destination does not).
func sameContents(_ source: String, _ destination: String) throws -> Bool {
    guard let sourceHandle = FileHandle(forReadingAtPath: source) else {
        throw StepFailure("cannot read \(source): \(String(cString: strerror(errno)))")
    }
    defer { try? sourceHandle.close() }
    guard let destinationHandle = FileHandle(forReadingAtPath: destination) else { return false }
    defer { try? destinationHandle.close() }
    let sizes = [source, destination].map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? -1 }
    guard sizes[0] == sizes[1] else { return false }
    while true {
        let left = try sourceHandle.read(upToCount: 1 << 20) ?? Data()
        let right = try destinationHandle.read(upToCount: 1 << 20) ?? Data()
        if left != right { return false }
        if left.isEmpty { return true }
    }
}

/// Copies `source` to a temporary file beside `destination`, flushed, then renamed over it, so
/// k3s never sees half a tarball or half a binary.
func copyAtomically(_ source: String, to destination: String, mode: mode_t) throws {
    let folder = (destination as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    guard let input = FileHandle(forReadingAtPath: source) else {
        throw StepFailure("cannot read \(source): \(String(cString: strerror(errno)))")
    }
    defer { try? input.close() }
    var template = Array((folder + "/.\((destination as NSString).lastPathComponent).XXXXXX").utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { throw StepFailure("\(folder): cannot create a temporary file: \(String(cString: strerror(errno)))") }
    let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    let output = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
    var open = true
    do {
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
            try output.write(contentsOf: chunk)
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            throw StepFailure("cannot flush \(temporary): \(String(cString: strerror(errno)))")
        }
        close(fd)
        open = false
        guard rename(temporary, destination) == 0 else {
            throw StepFailure("cannot rename \(temporary) to \(destination): \(String(cString: strerror(errno)))")
        }
    } catch {
        if open { close(fd) }
        unlink(temporary)
        throw error as? StepFailure ?? StepFailure("cannot copy \(source) to \(destination): \(error.localizedDescription)")
    }
}
