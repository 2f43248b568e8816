import Foundation
import Kube
import TestSupport
import Testing

let kubectlPath = "/usr/bin/kubectl"
let kubectlInstalled = FileManager.default.isExecutableFile(atPath: kubectlPath)

/// A home folder, a working folder elsewhere (so a path resolved against it rather than the
/// kubeconfig's folder is caught), and no k3s or service account unless a test writes them.
final class KubeScene {
    let folder: TemporaryFolder
    var environment: KubeEnvironment

    init(_ variables: [String: String] = [:]) throws {
        folder = try TemporaryFolder("kube-tests")
        try FileManager.default.createDirectory(atPath: folder.child("home"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.child("work"), withIntermediateDirectories: true)
        environment = KubeEnvironment(variables: ["PATH": "/usr/bin:/bin"].merging(variables) { $1 },
                                      home: folder.child("home"), workingDirectory: folder.child("work"), stdinIsTerminal: false)
        environment.k3sConfig = folder.child("k3s/k3s.yaml")
        environment.serviceAccount = folder.child("serviceaccount")
    }

    func child(_ name: String) -> String { folder.child(name) }

    func file(_ name: String, _ text: String) throws -> String {
        try write(text, to: child(name))
        return child(name)
    }

    func load(kubeconfig: String? = nil, context: String? = nil) throws -> KubeClientConfiguration {
        try KubeconfigLoader.load(kubeconfig: kubeconfig, context: context, environment: environment)
    }

    /// The error's text, or nil when loading succeeds.
    func loadError(kubeconfig: String? = nil, context: String? = nil) -> String? {
        do {
            _ = try load(kubeconfig: kubeconfig, context: context)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// `kubectl ARGS -o json` with this scene's KUBECONFIG and home, run from the working folder.
    func kubectl(_ arguments: [String]) throws -> [String: Any] {
        var variables = ["HOME": child("home"), "PATH": "/usr/bin:/bin"]
        variables["KUBECONFIG"] = environment.variables["KUBECONFIG"]
        let output = try runProgram(kubectlPath, arguments + ["-o", "json"], in: child("work"), environment: variables)
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }
}

/// `list` (kubectl's `clusters`, `users` or `contexts`) as name → inner object.
func named(_ config: [String: Any], _ list: String, _ inner: String) -> [String: [String: Any]] {
    var entries: [String: [String: Any]] = [:]
    for item in config[list] as? [[String: Any]] ?? [] {
        entries[item["name"] as? String ?? ""] = item[inner] as? [String: Any] ?? [:]
    }
    return entries
}

/// A settable clock for exec credentials' expiry.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ text: String) { current = ISO8601DateFormatter().date(from: text)! }
    var now: Date { lock.withLock { current } }
    func set(_ text: String) { lock.withLock { current = ISO8601DateFormatter().date(from: text)! } }
}
