import Foundation
import Kube

/// The files of one `manifests` entry, server-side applied in file order once the CRDs serving
/// their kinds are Established (the ClusterIssuers once cert-manager's chart installed its CRDs).
struct ManifestsStep: Step {
    /// How long a kind may take to be served by an Established CRD, by default.
    static let defaultCRDTimeout = 300.0
    /// Groups the API server serves itself; any other group comes from a CRD (or an aggregated API).
    static let builtInGroups: Set<String> = [
        "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
        "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
        "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io",
        "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io", "policy", "rbac.authorization.k8s.io",
        "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io",
    ]

    let entry: PlatformManifests
    let needs: [String]
    let context: RebuildContext
    var crdTimeout = ManifestsStep.defaultCRDTimeout

    var name: String { StepName.manifests(entry) }

    struct Manifest {
        let object: [String: Any]
        let file: String
        let line: Int
        let column: Int

        var apiVersion: String { object["apiVersion"] as? String ?? "" }
        var kind: String { object["kind"] as? String ?? "" }
        var metadata: [String: Any] { object["metadata"] as? [String: Any] ?? [:] }
        var group: String { apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : "" }
        var version: String { String(apiVersion.split(separator: "/").last ?? "") }
        /// `ClusterIssuer letsencrypt-prod`, `ConfigMap argocd/x`.
        var label: String {
            let name = metadata["name"] as? String ?? "?"
            return "\(kind) " + ((metadata["namespace"] as? String).map { "\($0)/\(name)" } ?? name)
        }
        var place: String { "\((file as NSString).lastPathComponent):\(line):\(column)" }
    }

    func manifests() throws -> [Manifest] {
        try entry.files.flatMap { file in
            try ManifestYAML.objects(inFile: file).map { Manifest(object: $0.object, file: file, line: $0.line, column: $0.column) }
        }
    }

    // MARK: Check

    func check(_ stepContext: StepContext) throws -> StepCheck {
        let manifests = try manifests()
        guard context.clusterExists else {
            return .wouldApply(manifests.map { "create \($0.label) (\($0.place))" })
        }
        let client = try context.kube()
        var lines: [String] = []
        for manifest in manifests {
            let current: [String: Any]?
            do {
                // A namespaced object without a namespace goes where apply puts it: the kubeconfig's namespace.
                let namespace = try client.resource(for: manifest.apiVersion, kind: manifest.kind).namespaced
                    ? manifest.metadata["namespace"] as? String ?? client.configuration.namespace : nil
                current = try client.get(apiVersion: manifest.apiVersion, kind: manifest.kind,
                                         namespace: namespace, name: manifest.metadata["name"] as? String ?? "")
            } catch let error as KubeAPIError where error.kind == .unknownKind {
                lines.append("create \(manifest.label) (\(manifest.place)) once a CRD serving \(manifest.kind) in \(manifest.apiVersion) is Established")
                continue
            }
            guard let current else {
                lines.append("create \(manifest.label) (\(manifest.place))")
                continue
            }
            let differing = ManifestObjects.differences(desired: manifest.object, live: current)
            if !differing.isEmpty {
                lines.append("change \(manifest.label) (\(manifest.place)): " + differing.joined(separator: ", "))
            }
        }
        return lines.isEmpty ? .done : .wouldApply(lines)
    }

    // MARK: Apply

    func apply(_ stepContext: StepContext) throws {
        let manifests = try manifests()
        let client = try context.kube()
        for manifest in manifests {
            if !Self.builtInGroups.contains(manifest.group) {
                try waitForCRD(of: manifest, client: client, stepContext: stepContext)
            }
            do {
                // platform.yaml's files are the source of truth for the fields they set.
                try client.apply(manifest.object, force: true)
            } catch {
                throw ManifestError("\(manifest.place): applying \(manifest.label) failed: \(error)")
            }
        }
    }

    func waitForCRD(of manifest: Manifest, client: KubeClient, stepContext: StepContext) throws {
        let charts = entry.needs.isEmpty ? "" : " (the charts this entry needs: \(entry.needs.joined(separator: ", ")); see `kubectl -n kube-system get jobs`)"
        do {
            try CRDWait(group: manifest.group, version: manifest.version, kind: manifest.kind, timeout: crdTimeout, hint: charts)
                .wait(client: client, stepContext: stepContext, for: manifest.label)
        } catch let error as ManifestError {
            // An explanation of several lines starts on a line of its own.
            let text = "\(error)"
            throw ManifestError("\(manifest.place): \(manifest.label) cannot be applied:" + (text.contains("\n") ? "\n" : " ") + text)
        }
    }
}

/// A wait until a CustomResourceDefinition serving a kind in a group version is Established,
/// bounded by `timeout`. The API server serves a CRD's kind only once it is Established, so
/// discovery is asked (every `pollInterval` seconds) rather than every CRD listed, which on a
/// cluster with kube-prometheus-stack is megabytes; the CRDs are read only to explain a timeout.
struct CRDWait {
    static let pollInterval = 0.2
    static let apiVersion = "apiextensions.k8s.io/v1"

    let group: String
    let version: String
    let kind: String
    let timeout: Double
    /// Where to look when no CRD comes at all.
    var hint = ""

    func wait(client: KubeClient, stepContext: StepContext, for purpose: String) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var announced = false
        while true {
            do {
                _ = try client.resource(for: "\(group)/\(version)", kind: kind)
                return
            } catch let error as KubeAPIError where error.kind == .unknownKind {}
            guard deadline.timeIntervalSinceNow > 0 else { throw try timedOut(client: client) }
            if !announced {
                stepContext.waiting("a CustomResourceDefinition serving \(kind) in \(group)/\(version) to be Established (for \(purpose))")
                announced = true
            }
            Thread.sleep(forTimeInterval: min(Self.pollInterval, max(0, deadline.timeIntervalSinceNow)))
        }
    }

    /// The CRD that should serve the kind and its conditions, or that there is none.
    func timedOut(client: KubeClient) throws -> ManifestError {
        let waited = "timed out after \(String(format: "%g", timeout)) s waiting for "
        let crds = try client.list(apiVersion: Self.apiVersion, kind: "CustomResourceDefinition", namespace: nil)
        guard let crd = crds.first(where: serves) else {
            return ManifestError(waited + "a CustomResourceDefinition serving \(kind) in \(group)/\(version) to be installed\(hint)")
        }
        let name = (crd["metadata"] as? [String: Any])?["name"] as? String ?? "?"
        return ManifestError(([waited + "CustomResourceDefinition \"\(name)\" to be Established"]
                              + WaitExplanation.conditions(of: crd).map { "  condition \($0)" }).joined(separator: "\n"))
    }

    func serves(_ crd: [String: Any]) -> Bool {
        let spec = crd["spec"] as? [String: Any] ?? [:]
        let names = spec["names"] as? [String: Any] ?? [:]
        let versions = spec["versions"] as? [[String: Any]] ?? []
        return spec["group"] as? String == group && names["kind"] as? String == kind
            && versions.contains { $0["name"] as? String == version && ($0["served"] as? Bool ?? true) }
    }
}
