import Foundation

/// What the loader reads from the process, handed in so tests (and callers) choose it.
package struct KubeEnvironment: Sendable {
    /// The variables: KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT, POD_NAMESPACE, PATH (for exec plugins).
    package var variables: [String: String]
    /// The home folder, for `~/.kube/config` and for showing paths as `~/…`.
    package var home: String?
    /// Relative kubeconfig paths are taken against it.
    package var workingDirectory: String
    /// A k3s server writes its kubeconfig here.
    package var k3sConfig = "/etc/rancher/k3s/k3s.yaml"
    /// The service account's token, ca.crt and namespace inside a pod.
    package var serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// Whether standard input is a terminal, for exec plugins' interactiveMode.
    package var stdinIsTerminal: Bool
    /// The clock an exec credential's expiry is read against.
    package var now: @Sendable () -> Date = { Date() }

    package init(variables: [String: String], home: String?, workingDirectory: String, stdinIsTerminal: Bool) {
        self.variables = variables
        self.home = home
        self.workingDirectory = workingDirectory
        self.stdinIsTerminal = stdinIsTerminal
    }

    /// This process's.
    package static var process: KubeEnvironment {
        let variables = ProcessInfo.processInfo.environment
        return KubeEnvironment(variables: variables, home: variables["HOME"] ?? NSHomeDirectory(),
                               workingDirectory: FileManager.default.currentDirectoryPath,
                               stdinIsTerminal: isatty(STDIN_FILENO) == 1)
    }

    /// `path` with the home folder written `~`.
    func shown(_ path: String) -> String {
        guard let home, !home.isEmpty, home != "/" else { return path }
        let prefix = home.hasSuffix("/") ? home : home + "/"
        return path.hasPrefix(prefix) ? "~/" + path.dropFirst(prefix.count) : path
    }

    func absolute(_ path: String) -> String {
        cleanPath(path.hasPrefix("/") ? path : workingDirectory + "/" + path)
    }
}

/// Finds the configuration kubectl would use and resolves it:
/// 1. `--kubeconfig PATH`: that file alone, which must exist;
/// 2. else `KUBECONFIG`: its `:`-separated files merged (`Kubeconfig`), missing ones skipped;
/// 3. else `~/.kube/config`; 4. else `/etc/rancher/k3s/k3s.yaml` (a k3s node);
/// 5. else, when no file was found, the pod's service account (in-cluster).
package enum KubeconfigLoader {
    package static func load(kubeconfig explicit: String?, context: String?, environment: KubeEnvironment)
        throws(KubeconfigError) -> KubeClientConfiguration {
        let files = try candidateFiles(kubeconfig: explicit, environment: environment)
        if let merged = try merged(files, environment: environment) {
            return try merged.resolve(context: context, environment: environment)
        }
        if let inCluster = try InClusterConfiguration.load(context: context, environment: environment) { return inCluster }
        let looked = files.map(environment.shown).joined(separator: ", ")
        throw KubeconfigError(file: nil, message: "no kubeconfig: \(looked) not found, and not in a pod "
            + "(KUBERNETES_SERVICE_HOST is not set); give --kubeconfig or set KUBECONFIG")
    }

    /// The files kubectl would read, merged (as `kubectl config view --merge` shows them); nil
    /// when none of them exists.
    package static func merged(kubeconfig explicit: String?, environment: KubeEnvironment) throws(KubeconfigError) -> Kubeconfig? {
        try merged(candidateFiles(kubeconfig: explicit, environment: environment), environment: environment)
    }

    private static func merged(_ files: [String], environment: KubeEnvironment) throws(KubeconfigError) -> Kubeconfig? {
        var parsed: [KubeconfigFile] = []
        var shown: [String] = []
        for path in files where FileManager.default.fileExists(atPath: path) {
            let name = environment.shown(path)
            let data = try Kubeconfig.readFile(path, "kubeconfig")
            guard let text = String(data: data, encoding: .utf8) else {
                throw KubeconfigError(file: nil, message: "kubeconfig \(name): not UTF-8 text")
            }
            parsed.append(try KubeconfigFile(text: text, path: path, shown: name))
            shown.append(name)
        }
        return parsed.isEmpty ? nil : Kubeconfig(merging: parsed, shown: shown)
    }

    /// The files to read, in order of precedence (some may not exist).
    static func candidateFiles(kubeconfig explicit: String?, environment: KubeEnvironment) throws(KubeconfigError) -> [String] {
        if let explicit, !explicit.isEmpty {
            let path = environment.absolute(explicit)
            guard FileManager.default.fileExists(atPath: path) else {
                throw KubeconfigError(file: nil, message: "kubeconfig \(environment.shown(path)): no such file")
            }
            return [path]
        }
        if let list = environment.variables["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            // Empty entries are skipped and a repeated path read once, as kubectl does.
            return list.split(separator: ":").map { environment.absolute(String($0)) }.filter { seen.insert($0).inserted }
        }
        var files: [String] = []
        if let home = environment.home, !home.isEmpty { files.append((home as NSString).appendingPathComponent(".kube/config")) }
        if let first = files.first, FileManager.default.fileExists(atPath: first) { return files }
        files.append(environment.k3sConfig)
        return files
    }
}

/// The configuration of a pod's service account, as client-go's `rest.InClusterConfig`.
enum InClusterConfiguration {
    /// nil when not in a pod: KUBERNETES_SERVICE_HOST or _PORT unset, or no token file.
    static func load(context: String?, environment: KubeEnvironment) throws(KubeconfigError) -> KubeClientConfiguration? {
        guard let host = environment.variables["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment.variables["KUBERNETES_SERVICE_PORT"], !port.isEmpty else { return nil }
        let folder = environment.serviceAccount as NSString
        let tokenFile = folder.appendingPathComponent("token")
        guard FileManager.default.fileExists(atPath: tokenFile) else { return nil }
        if let context {
            throw KubeconfigError(file: nil, message: "context \"\(context)\" not found: no kubeconfig file, only the pod's service account")
        }
        // Read once now so an unreadable token is told before the first request.
        _ = try Kubeconfig.readFile(tokenFile, "service account token")
        let caFile = folder.appendingPathComponent("ca.crt")
        let certificateAuthority = FileManager.default.fileExists(atPath: caFile)
            ? try Kubeconfig.readFile(caFile, "service account ca.crt") : nil
        var namespace = environment.variables["POD_NAMESPACE"] ?? ""
        if namespace.isEmpty, let data = FileManager.default.contents(atPath: folder.appendingPathComponent("namespace")) {
            namespace = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let hostPort = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var credentials = KubeCredentials()
        credentials.tokenFile = tokenFile
        return KubeClientConfiguration(
            context: nil, server: "https://" + hostPort, certificateAuthority: certificateAuthority,
            insecureSkipTLSVerify: false, tlsServerName: nil, proxyURL: nil,
            namespace: namespace.isEmpty ? "default" : namespace, user: nil, credentials: credentials, source: "in-cluster")
    }
}

/// `path` with `.`, `..` and repeated slashes taken out by its text alone, as Go's `filepath.Clean`
/// does (client-go joins paths with it); symbolic links are left alone.
func cleanPath(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") where part != "." {
        if part == ".." {
            if let last = parts.last, last != ".." { parts.removeLast() } else if !path.hasPrefix("/") { parts.append(part) }
        } else {
            parts.append(part)
        }
    }
    let joined = parts.joined(separator: "/")
    return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
}
