import Foundation
import HTTP
import Kube

/// Where the steps touch the host: `/` on a node, a temporary folder in tests, so that a test never
/// touches the machine's own `/etc` or `/var/lib`.
package struct HostPaths: Sendable, Equatable {
    package let root: String

    package init(root: String = "/") {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// `absolute` (a path on the node) under the root.
    package func path(_ absolute: String) -> String { root == "/" ? absolute : root + absolute }

    /// The flags k3s reads at every start, kept so a re-run of the installer cannot drop `--tls-san`.
    package var k3sConfig: String { path("/etc/rancher/k3s/config.yaml") }
    /// The kubeconfig k3s writes for its API.
    package var k3sKubeconfig: String { path("/etc/rancher/k3s/k3s.yaml") }
    /// Image tarballs k3s imports at start (air-gapped sites).
    package var k3sImages: String { path("/var/lib/rancher/k3s/agent/images") }
    /// Where the installer puts `k3s` (`INSTALL_K3S_BIN_DIR`).
    package var binDirectory: String { path("/usr/local/bin") }
    /// The journal's default folder (`--state-dir`).
    package var stateDirectory: String { path("/var/lib/edpctl") }
}

package struct RebuildOptions: Sendable {
    /// Change firewall rules (otherwise the firewall step only reads and reports).
    package var applyFirewall = false
    /// The cluster's kubeconfig; nil: the one k3s writes (`HostPaths.k3sKubeconfig`).
    package var kubeconfig: String?
    package var context: String?
    /// The least free space preflight accepts under k3s's data folder: its binary, the air-gapped
    /// images (about 1 GB unpacked) and the charts' images.
    package var minimumFreeDisk: Int64 = RebuildOptions.defaultMinimumFreeDisk
    package static let defaultMinimumFreeDisk: Int64 = 5 << 30
    /// The ports preflight wants free on a node without k3s: the API server, HTTP and HTTPS
    /// (Traefik), the kubelet.
    package var preflightPorts: [Int] = [6443, 80, 443, 10250]
    /// How long the k3s step waits for the kubeconfig and a Ready node after the installer ran.
    package var k3sReadyTimeout: Double = 300

    package init(applyFirewall: Bool = false, kubeconfig: String? = nil, context: String? = nil,
                 minimumFreeDisk: Int64 = RebuildOptions.defaultMinimumFreeDisk,
                 preflightPorts: [Int] = [6443, 80, 443, 10250], k3sReadyTimeout: Double = 300) {
        self.applyFirewall = applyFirewall; self.kubeconfig = kubeconfig; self.context = context
        self.minimumFreeDisk = minimumFreeDisk; self.preflightPorts = preflightPorts
        self.k3sReadyTimeout = k3sReadyTimeout
    }
}

/// What every step of one rebuild shares: the platform file, the host, the process environment
/// (where credentials are read from), and the clients, made once and kept for the run.
package final class RebuildContext: @unchecked Sendable {
    package let platform: PlatformFile
    package let host: HostPaths
    /// The variables credentials and proxies are read from (the process's, or a test's).
    package let environment: [String: String]
    package let options: RebuildOptions
    package let userAgent: String
    /// Receives the text of each API `Warning:` header.
    package let warning: @Sendable (String) -> Void

    private let lock = NSLock()
    private var kubeClient: KubeClient?
    private var httpClient: Client?

    package init(platform: PlatformFile, host: HostPaths = HostPaths(), environment: [String: String],
                 options: RebuildOptions = RebuildOptions(), userAgent: String = "edpctl",
                 warning: @escaping @Sendable (String) -> Void = { _ in }) {
        self.platform = platform; self.host = host; self.environment = environment
        self.options = options; self.userAgent = userAgent; self.warning = warning
    }

    /// The folder of `platform.yaml`, which relative paths in it are taken against.
    package var platformFolder: String { (platform.path as NSString).deletingLastPathComponent }

    /// The kubeconfig the steps use: the one named in the options, else the one k3s writes.
    package var kubeconfigPath: String { options.kubeconfig ?? host.k3sKubeconfig }

    /// Whether there is a cluster to ask at all: before k3s is installed (a dry run on a fresh node)
    /// a check can only say what apply would do.
    package var clusterExists: Bool { FileManager.default.fileExists(atPath: kubeconfigPath) }

    /// The cluster's client, made on first use: before k3s is installed there is no kubeconfig to
    /// read, so a failure is not kept and the next call tries again.
    package func kube() throws -> KubeClient {
        try lock.withLock {
            if let kubeClient { return kubeClient }
            var kubeEnvironment = KubeEnvironment(variables: environment, home: environment["HOME"],
                                                  workingDirectory: FileManager.default.currentDirectoryPath,
                                                  stdinIsTerminal: false)
            kubeEnvironment.k3sConfig = host.k3sKubeconfig
            // The node's own kubeconfig unless one is named: KUBECONFIG may point at another cluster.
            let configuration = try KubeconfigLoader.load(kubeconfig: kubeconfigPath, context: options.context, environment: kubeEnvironment)
            let client = try KubeClient(configuration: configuration, environment: environment, userAgent: userAgent, warning: warning)
            kubeClient = client
            return client
        }
    }

    /// The client for downloads and probes (proxies from `environment`, as Go's rules read them).
    package func http() throws -> Client {
        try lock.withLock {
            if let httpClient { return httpClient }
            var configuration = Configuration()
            configuration.proxy = .environment(environment)
            let client = try Client(configuration)
            httpClient = client
            return client
        }
    }
}
