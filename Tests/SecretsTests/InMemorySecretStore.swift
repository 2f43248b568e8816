import Secrets

/// The cluster's Secrets and namespaces in memory: what the plan reads, and `apply` writes a plan's
/// manifests as the API server would keep them. Counts reads, so tests see each is made once.
final class InMemorySecretStore: SecretStore {
    private(set) var secrets: [String: ExistingSecret] = [:]
    private(set) var namespaces: Set<String>
    private(set) var reads = 0
    /// Thrown by every read of this Secret (`namespace/name`), as an API error would be.
    var failing: [String: StoreFailure] = [:]

    init(namespaces: Set<String> = ["default"], secrets: [ExistingSecret] = []) {
        self.namespaces = namespaces
        for secret in secrets { put(secret) }
    }

    func put(_ secret: ExistingSecret) {
        namespaces.insert(secret.namespace)
        secrets["\(secret.namespace)/\(secret.name)"] = secret
    }

    func secret(namespace: String, name: String) throws -> ExistingSecret? {
        reads += 1
        if let failure = failing["\(namespace)/\(name)"] { throw failure }
        return secrets["\(namespace)/\(name)"]
    }

    func namespaceExists(_ name: String) throws -> Bool { namespaces.contains(name) }

    /// Writes what the plan would send: namespaces it creates, then each manifest.
    func apply(_ plan: SecretsPlan) { apply(plan.entries) }

    /// Writes some of a plan's entries, as a run that stopped half-way did.
    func apply(_ entries: [SecretPlanEntry]) {
        for entry in entries {
            if entry.createsNamespace { namespaces.insert(entry.namespace) }
            guard let manifest = entry.manifest else { continue }
            let old = secrets["\(manifest.namespace)/\(manifest.name)"]
            // Server-side apply: declared labels and annotations merge into the ones already there.
            put(ExistingSecret(namespace: manifest.namespace, name: manifest.name, type: manifest.type,
                               labels: (old?.labels ?? [:]).merging(manifest.labels) { $1 },
                               annotations: (old?.annotations ?? [:]).merging(manifest.annotations) { $1 },
                               data: manifest.data))
        }
    }
}

struct StoreFailure: Error, CustomStringConvertible {
    let description: String
}
