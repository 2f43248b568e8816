import Foundation
import Kube
import Secrets

/// The out-of-band Secrets: `edpctl secrets recreate`'s plan and apply, values taken from the
/// run's environment. Existing Secrets are kept as they are (no `--update`), as the command does.
/// A `fromSecret` source that a controller makes once Argo CD has synced (CloudNativePG's
/// `penvoice-db-app`) may not exist yet: apply waits for it, within `sourcesTimeout`.
package struct SecretsStep: Step {
    let context: RebuildContext
    let file: String
    package let needs: [String]
    /// Seconds to wait for `fromSecret` sources to appear.
    package var sourcesTimeout: Double = 600
    package var name: String { StepName.secrets }

    /// The plan failed only because what the rebuild makes before this step is not there (yet):
    /// Secrets it reads, or namespaces a chart of platform.yaml installs into (a dry run on a fresh node).
    private struct MissingSources: Error {
        let secrets: [String]
        let namespaces: [String]
        let diagnostics: String
    }

    private func plan() throws -> (KubeSecretStore, SecretsPlan) {
        let store = KubeSecretStore(client: try context.kube())
        do {
            let secrets = try SecretsLoader(path: file, defaultNamespace: store.defaultNamespace).load()
            return (store, try SecretsPlanner(file: secrets, store: store, environment: context.environment).plan())
        } catch {
            // Each problem names its file, line and column, never a value.
            let text = error.diagnostics.map(\.description).joined(separator: "\n")
            let charted = Set(context.platform.charts.map(\.namespace))
            var secrets = Set<String>(), namespaces = Set<String>()
            let pending = error.diagnostics.allSatisfy { diagnostic in
                if let match = diagnostic.message.firstMatch(of: #/: Secret ([^ ]+) not found$/#) {
                    secrets.insert(String(match.output.1))
                    return true
                }
                if let match = diagnostic.message.firstMatch(of: #/: namespace ([^ ]+) does not exist; /#), charted.contains(String(match.output.1)) {
                    namespaces.insert(String(match.output.1))
                    return true
                }
                return false
            }
            if !error.diagnostics.isEmpty, pending {
                throw MissingSources(secrets: secrets.sorted(), namespaces: namespaces.sorted(), diagnostics: text)
            }
            throw StepFailure(text)
        }
    }

    package func check(_ stepContext: StepContext) throws -> StepCheck {
        guard context.clusterExists else {
            return .wouldApply(["create the Secrets of \((file as NSString).lastPathComponent) (there is no cluster yet to compare with)"])
        }
        let plan: SecretsPlan
        do {
            plan = try self.plan().1
        } catch let missing as MissingSources {
            return .wouldApply(missing.namespaces.map { "wait for namespace \($0) (a chart of platform.yaml installs into it)" }
                + missing.secrets.map { "wait for Secret \($0) (a fromSecret source, made in the cluster)" }
                + ["then create the Secrets of \((file as NSString).lastPathComponent)"])
        }
        guard plan.changes == 0 else { return .wouldApply(plan.description.split(separator: "\n").map(String.init)) }
        for entry in plan.entries where entry.action == .keep && entry.differs {
            stepContext.note("Secret \(entry.secret) differs from its source in \((file as NSString).lastPathComponent) and was kept; `edpctl secrets recreate --update -f \(file)` replaces it")
        }
        return .done
    }

    package func apply(_ stepContext: StepContext) throws {
        let (store, plan) = try planOnceSourcesExist(stepContext)
        for entry in plan.entries where entry.manifest != nil {
            do {
                try store.apply(entry)
            } catch {
                throw StepFailure("Secret \(entry.secret): \(error) (a re-run applies the rest and keeps what was done)")
            }
        }
    }

    private func planOnceSourcesExist(_ stepContext: StepContext) throws -> (KubeSecretStore, SecretsPlan) {
        let deadline = Date().addingTimeInterval(sourcesTimeout)
        while true {
            do {
                return try plan()
            } catch let missing as MissingSources {
                guard Date() < deadline else {
                    let what = missing.namespaces.map { "namespace \($0)" } + missing.secrets
                    throw StepFailure(missing.diagnostics + "\n  waited \(Int(sourcesTimeout)) s for "
                        + what.joined(separator: ", ") + ": the controllers that make them come from gitops; are their Applications synced?")
                }
                let what = missing.namespaces.map { "namespace \($0)" } + missing.secrets.map { "Secret \($0)" }
                stepContext.waiting(what.joined(separator: ", ") + (missing.secrets.isEmpty ? "" : " (fromSecret sources)") + " to exist")
                try waitFor(missing, until: deadline)
            }
        }
    }

    /// Watches each missing namespace and Secret until it exists (the wait returns the moment it is
    /// made, where a poll would sleep past it), or the deadline passes; the caller plans again.
    private func waitFor(_ missing: MissingSources, until deadline: Date) throws {
        let kube = try context.kube()
        let objects = missing.namespaces.map { (kind: "Namespace", namespace: String?.none, name: $0) }
            + missing.secrets.map { secret in
                let parts = secret.split(separator: "/", maxSplits: 1).map(String.init)
                return (kind: "Secret", namespace: parts.count == 2 ? parts[0] : nil, name: parts.last ?? secret)
            }
        for object in objects {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return }
            do {
                _ = try kube.waitUntil(apiVersion: "v1", kind: object.kind, namespace: object.namespace, name: object.name,
                                       timeout: left, awaited: "to exist") { $0 != nil }
            } catch is KubeWaitTimeout {
                return
            }
        }
    }
}
