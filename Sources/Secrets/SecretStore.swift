/// What the plan reads of the cluster: existing Secrets (also for `fromSecret`) and namespaces.
/// The Kube REST client implements it; tests use one in memory. Errors it throws are shown with
/// the Secret they were about, so they must hold no value (KubeError holds none).
package protocol SecretStore {
    /// nil when there is no such Secret.
    func secret(namespace: String, name: String) throws -> ExistingSecret?
    func namespaceExists(_ name: String) throws -> Bool
}

/// A Secret as the cluster has it.
package struct ExistingSecret: Sendable {
    package let namespace: String
    package let name: String
    package let type: String
    package let labels: [String: String]
    package let annotations: [String: String]
    package let data: [String: SecretValue]

    package init(namespace: String, name: String, type: String = SecretType.opaque.rawValue,
                 labels: [String: String] = [:], annotations: [String: String] = [:], data: [String: SecretValue]) {
        self.namespace = namespace
        self.name = name
        self.type = type
        self.labels = labels
        self.annotations = annotations
        self.data = data
    }
}
