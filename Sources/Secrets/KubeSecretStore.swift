import Foundation
import Kube

/// The cluster as `secrets` commands see it: reads Secrets and namespaces for the plan, and
/// applies the plan's manifests with server-side apply (`fieldManager=edpctl`). Errors are Kube's,
/// which carry no request body, so no value.
package final class KubeSecretStore: SecretStore {
    package let client: KubeClient

    package init(client: KubeClient) { self.client = client }

    /// A store for the context kubectl would use (`kubeconfig`, `context` as its flags), its
    /// `Warning:` headers handed to `warning`.
    package static func connect(kubeconfig: String?, context: String?, userAgent: String,
                                warning: @escaping @Sendable (String) -> Void) throws -> KubeSecretStore {
        let configuration = try KubeconfigLoader.load(kubeconfig: kubeconfig, context: context, environment: .process)
        return KubeSecretStore(client: try KubeClient(configuration: configuration, environment: ProcessInfo.processInfo.environment,
                                                      userAgent: userAgent, warning: warning))
    }

    /// The context's namespace, for Secrets the file and `--namespace` leave without one.
    package var defaultNamespace: String { client.configuration.namespace }

    package func secret(namespace: String, name: String) throws -> ExistingSecret? {
        guard let object = try client.get(apiVersion: "v1", kind: "Secret", namespace: namespace, name: name) else { return nil }
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        var data: [String: SecretValue] = [:]
        for (key, encoded) in object["data"] as? [String: String] ?? [:] {
            guard let bytes = Data(base64Encoded: encoded) else {
                throw KubeSecretStoreError("Secret \(namespace)/\(name): the value of key \(key) is not base64")
            }
            data[key] = SecretValue(Array(bytes))
        }
        return ExistingSecret(namespace: namespace, name: name, type: object["type"] as? String ?? SecretType.opaque.rawValue,
                              labels: metadata["labels"] as? [String: String] ?? [:],
                              annotations: metadata["annotations"] as? [String: String] ?? [:], data: data)
    }

    package func namespaceExists(_ name: String) throws -> Bool {
        try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: name) != nil
    }

    /// Applies one entry of a plan: its namespace first when the plan creates it, then its Secret.
    /// Both are server-side applies, so repeating one after a failure is safe.
    package func apply(_ entry: SecretPlanEntry) throws {
        guard let manifest = entry.manifest else { return }
        if entry.createsNamespace {
            try client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": entry.namespace]])
        }
        // The manifest's JSON is made of strings and maps of them: it reads back.
        let object = try JSONSerialization.jsonObject(with: Data(manifest.json())) as? [String: Any] ?? [:]
        // `--update` and `--rotate` ask for the values to be replaced, also those another manager
        // set (a Secret first typed in with `kubectl create`): forced, else they would conflict.
        try client.apply(object, force: entry.action == .update || entry.action == .rotate)
    }
}

package struct KubeSecretStoreError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
