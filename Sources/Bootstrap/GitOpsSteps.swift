import Foundation
import Git
import Kube

/// The steps after the charts: the gitops repository registered in Argo CD, the root app, the
/// out-of-band Secrets, the Keycloak realm, and the proof that the platform is back. A section
/// `platform.yaml` leaves out has no step; each step needs the one before it that exists.
package enum GitOpsSteps {
    package static func make(_ context: RebuildContext) -> [any Step] {
        let platform = context.platform
        let charts = platform.charts.map { StepName.chart($0.name) }
        let manifests = platform.manifests.map(StepName.manifests)
        var steps: [any Step] = []
        // What the next step needs: the last step of this chain, else the charts (and manifests).
        var previous: [String]
        if let gitops = platform.gitops {
            steps.append(RepositoryStep(context: context, gitops: gitops, needs: charts))
            steps.append(RootAppStep(context: context, gitops: gitops, needs: [StepName.repository] + manifests))
            previous = [StepName.rootApp]
        } else {
            previous = charts + manifests
        }
        if let secrets = platform.secrets {
            steps.append(SecretsStep(context: context, file: secrets, needs: previous))
            previous = [StepName.secrets]
        }
        if let keycloak = platform.keycloak {
            steps.append(KeycloakStep(context: context, realmImport: keycloak.realmImport, needs: previous))
            previous = [StepName.keycloak]
        }
        if let verify = platform.verify {
            // Every other step of the rebuild: the host's (those its sections make), then these.
            var needs = [StepName.preflight]
            if platform.k3s != nil { needs.append(StepName.k3s) }
            if platform.firewall != nil { needs.append(StepName.firewall) }
            needs += charts + manifests + steps.map(\.name)
            steps.append(VerifyStep(context: context, verify: verify, needs: needs))
        }
        return steps
    }
}

/// The gitops repository's credentials, read where `platform.yaml` says (an environment variable
/// of the run, or a file), when a step needs them. Errors name the field and the variable or file.
struct GitOpsCredentials: Sendable {
    var username: String?
    var password: String?

    init(_ gitops: PlatformGitOps, context: RebuildContext) throws {
        let file = (context.platform.path as NSString).lastPathComponent
        username = try gitops.username.map { try Self.read($0, field: "gitops.username", file: file, environment: context.environment) }
        password = try gitops.password.map { try Self.read($0, field: "gitops.password", file: file, environment: context.environment) }
    }

    private static func read(_ credential: PlatformCredential, field: String, file: String,
                             environment: [String: String]) throws -> String {
        switch credential {
        case .env(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw StepFailure("\(file): \(field): the environment variable \(name) is not set; set it and run again")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw StepFailure("\(file): \(field): cannot read the file \(path); create it and run again")
            }
            // A file written by `echo` ends with a newline that is no part of the token.
            let value = text.trimmingCharacters(in: .newlines)
            guard !value.isEmpty else { throw StepFailure("\(file): \(field): the file \(path) is empty") }
            return value
        }
    }

    /// How libgit2 logs in: the token over HTTPS (any username does for GitHub's PATs), else
    /// the SSH agent for an SSH URL, else nothing (a public repository).
    func git(url: String) -> Credentials? {
        if let password { return .https(username: username ?? "git", token: password) }
        let lower = url.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") ? nil : .sshAgent(username: username)
    }
}

/// The Argo CD repository Secret, as Argo CD's declarative setup documents it: in `argocd`,
/// labelled `argocd.argoproj.io/secret-type: repository`, with `type`, `url`, `username`, `password`.
package struct RepositoryStep: Step {
    let context: RebuildContext
    let gitops: PlatformGitOps
    package let needs: [String]
    package var name: String { StepName.repository }

    static let namespace = "argocd"
    static let label = "argocd.argoproj.io/secret-type"

    /// `repo-<repository name>`: `repo-gitops` for `…/gitops.git`, the name the ultron secrets.yaml uses too.
    package var secretName: String {
        let last = (RemoteURL(gitops.url).identity as NSString).lastPathComponent
        let stem = last.hasSuffix(".git") ? String(last.dropLast(4)) : last
        let label = String(stem.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(58))
            .trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return "repo-" + (label.isEmpty ? "gitops" : label)
    }

    private var shown: String { "Secret \(Self.namespace)/\(secretName)" }

    /// The keys and values the Secret holds.
    private func data() throws -> [(String, String)] {
        let lower = gitops.url.lowercased()
        if gitops.password != nil, !lower.hasPrefix("https://"), !lower.hasPrefix("http://") {
            // Argo CD takes an SSH key as sshPrivateKey, which platform.yaml has no field for yet.
            throw StepFailure("\((context.platform.path as NSString).lastPathComponent): gitops.password: a password or token needs an https URL; "
                + "for an SSH URL register the repository's sshPrivateKey by hand (kubectl) and leave gitops.password out")
        }
        let credentials = try GitOpsCredentials(gitops, context: context)
        var data = [("type", "git"), ("url", gitops.url)]
        if let username = credentials.username ?? credentials.password.map({ _ in "git" }) { data.append(("username", username)) }
        if let password = credentials.password { data.append(("password", password)) }
        return data
    }

    package func check(_ stepContext: StepContext) throws -> StepCheck {
        let data = try data()
        let repository = RemoteURL(gitops.url).identity
        guard context.clusterExists else { return .wouldApply(["create \(shown) registering \(repository) in Argo CD"]) }
        let live = try explained { try context.kube().get(apiVersion: "v1", kind: "Secret", namespace: Self.namespace, name: secretName) }
        guard let live else { return .wouldApply(["create \(shown) registering \(repository) in Argo CD"]) }
        var lines: [String] = []
        let labels = (live["metadata"] as? [String: Any])?["labels"] as? [String: Any]
        if labels?[Self.label] as? String != "repository" { lines.append("label \(Self.label)=repository missing") }
        let liveData = live["data"] as? [String: Any] ?? [:]
        for (key, value) in data {
            guard let stored = liveData[key] as? String else { lines.append("\(key) missing"); continue }
            if Data(base64Encoded: stored) != Data(value.utf8) { lines.append("\(key) differs") }
        }
        return lines.isEmpty ? .done : .wouldApply(["update \(shown): " + lines.joined(separator: ", ")])
    }

    package func apply(_ stepContext: StepContext) throws {
        let secret: [String: Any] = [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": secretName, "namespace": Self.namespace, "labels": [Self.label: "repository"]],
            "type": "Opaque",
            "data": Dictionary(uniqueKeysWithValues: try data().map { ($0.0, Data($0.1.utf8).base64EncodedString()) }),
        ]
        // Forced: platform.yaml owns these fields, also when the Secret was first typed in by hand.
        _ = try explained { try context.kube().apply(secret, force: true) }
    }

    /// `body`'s errors with the Secret named and the likely cause.
    private func explained<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw StepFailure("\(shown): \(error) (is Argo CD installed, namespace \(Self.namespace) present?)")
        }
    }
}

/// The root Application (app of apps): applied from a local file, or from a path of the gitops
/// repository read in a fresh clone, then refreshed at once instead of at Argo CD's next poll.
package struct RootAppStep: Step {
    let context: RebuildContext
    let gitops: PlatformGitOps
    package let needs: [String]
    package var name: String { StepName.rootApp }
    /// Seconds to wait for Argo CD's Application CRD to be Established.
    package var crdTimeout = 120.0
    /// The file read once per run: check, apply and the check after it see the same object.
    private let cache = Cache()

    static let refreshAnnotation = "argocd.argoproj.io/refresh"

    init(context: RebuildContext, gitops: PlatformGitOps, needs: [String]) {
        self.context = context; self.gitops = gitops; self.needs = needs
    }

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var object: [String: Any]?
    }

    var source: String {
        switch gitops.rootApp {
        case .file(let path): path
        case .repository(let path): "\(path) in \(RemoteURL(gitops.url).identity)"
        }
    }

    func application() throws -> [String: Any] {
        try cache.lock.withLock {
            if let object = cache.object { return object }
            var object: [String: Any]
            switch gitops.rootApp {
            case .file(let path):
                object = try ManifestObjects.object(at: path)
            case .repository(let path):
                object = try cloned(path)
            }
            guard object["kind"] as? String == "Application" else {
                throw StepFailure("\(source): the root app is a \(object["kind"] as? String ?? "?"), not an Argo CD Application")
            }
            var metadata = object["metadata"] as? [String: Any] ?? [:]
            if metadata["namespace"] == nil { metadata["namespace"] = RepositoryStep.namespace }
            object["metadata"] = metadata
            cache.object = object
            return object
        }
    }

    /// `path` read from a clone made in a temporary folder, removed after.
    private func cloned(_ path: String) throws -> [String: Any] {
        let credentials = try GitOpsCredentials(gitops, context: context)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edpctl-gitops-" + UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            _ = try Repository.clone(url: gitops.url, to: folder, credentials: credentials.git(url: gitops.url))
        } catch {
            throw StepFailure("cloning \(RemoteURL(gitops.url).identity) for the root app failed: \(error)")
        }
        let file = folder + "/" + path
        guard FileManager.default.fileExists(atPath: file) else {
            throw StepFailure("\(source): no such file in the repository (gitops.rootApp.path)")
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw StepFailure("\(source): cannot read the file: \(error.localizedDescription)")
        }
        let objects = try ManifestObjects.objects(in: text, file: path)
        guard objects.count == 1 else { throw StepFailure("\(source): expected one object, found \(objects.count)") }
        return objects[0]
    }

    package func check(_ stepContext: StepContext) throws -> StepCheck {
        let refresh = "ask Argo CD to refresh it (\(Self.refreshAnnotation): normal)"
        // No cluster yet (a dry run on a fresh node): nothing to compare with, so no clone either.
        guard context.clusterExists else { return .wouldApply(["create the Application of \(source)", refresh]) }
        let application = try application()
        let metadata = application["metadata"] as! [String: Any]
        let shown = ManifestObjects.describe(application)
        let create = ["create \(shown) from \(source) (once Argo CD serves Applications)", refresh]
        let live: [String: Any]?
        do {
            live = try context.kube().get(apiVersion: application["apiVersion"] as! String, kind: "Application",
                                          namespace: metadata["namespace"] as? String, name: metadata["name"] as! String)
        } catch let error as KubeAPIError where error.kind == .unknownKind {
            // A dry run before the argo-cd chart is installed: its CRD is not served yet.
            return .wouldApply(create)
        } catch {
            throw StepFailure("\(shown): \(error) (is Argo CD installed?)")
        }
        guard let live else {
            return .wouldApply(["create \(shown) from \(source)", "ask Argo CD to refresh it (\(Self.refreshAnnotation): normal)"])
        }
        let differences = ManifestObjects.differences(desired: application["spec"] ?? [String: Any](), live: live["spec"], path: "spec")
        if differences.isEmpty { return .done }
        return .wouldApply(["update \(shown) from \(source): " + differences.joined(separator: ", ") + " differ",
                            "ask Argo CD to refresh it (\(Self.refreshAnnotation): normal)"])
    }

    package func apply(_ stepContext: StepContext) throws {
        let application = try application()
        let metadata = application["metadata"] as! [String: Any]
        let shown = ManifestObjects.describe(application)
        let apiVersion = application["apiVersion"] as! String
        // argo-helm installs its CRDs as templates, so helm (and the chart's Job) can finish before the
        // Application CRD is Established: until then the kind is not served and the apply would fail.
        let groupVersion = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        if groupVersion.count == 2 {
            do {
                try CRDWait(group: groupVersion[0], version: groupVersion[1], kind: "Application", timeout: crdTimeout,
                            hint: " (the argo-cd chart installs it: is its chart step done?)")
                    .wait(client: try context.kube(), stepContext: stepContext, for: shown)
            } catch let error as ManifestError {
                throw StepFailure("\(shown) cannot be applied: \(error)")
            }
        }
        do {
            let kube = try context.kube()
            try kube.apply(application, force: true)
            try kube.patch(apiVersion: application["apiVersion"] as! String, kind: "Application",
                           namespace: metadata["namespace"] as? String, name: metadata["name"] as! String,
                           merge: ["metadata": ["annotations": [Self.refreshAnnotation: "normal"]]])
        } catch {
            throw StepFailure("\(shown): \(error)")
        }
    }
}
