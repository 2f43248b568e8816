import Foundation
import Template

/// `NAMESPACE/NAME/KEY` of `--rotate`: a generated key to make anew.
package struct RotateTarget: Sendable, Hashable, CustomStringConvertible {
    package let namespace: String
    package let name: String
    package let key: String

    package init(namespace: String, name: String, key: String) {
        self.namespace = namespace
        self.name = name
        self.key = key
    }

    /// nil unless `text` has three non-empty parts.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(namespace: parts[0], name: parts[1], key: parts[2])
    }

    package var description: String { "\(namespace)/\(name)/\(key)" }
}

package struct PlanOptions: Sendable {
    /// Replace values that differ from their source (else an existing Secret is kept as it is).
    package var update = false
    package var rotate: [RotateTarget] = []

    package init(update: Bool = false, rotate: [RotateTarget] = []) {
        self.update = update
        self.rotate = rotate
    }
}

/// What `recreate` would do to each Secret of the file, and what it would send. Holds values only
/// inside the manifests, whose descriptions show none.
package struct SecretsPlan: Sendable, CustomStringConvertible, Encodable {
    package let entries: [SecretPlanEntry]

    /// Secrets the plan writes (create, update, rotate).
    package var changes: Int { entries.filter { $0.action != .keep }.count }
    /// Whether a Secret is missing or differs from its source (`secrets check` exits 2).
    package var hasDrift: Bool { entries.contains { $0.action == .create || $0.differs } }

    /// One line a Secret, then a line a key: `create  penvoice/penvoice-api-kc  (namespace too)`,
    /// `  client-secret  env  new`.
    package var description: String {
        var lines: [String] = []
        for entry in entries {
            var line = "\(entry.action.rawValue)  \(entry.secret)"
            if entry.createsNamespace { line += "  (and namespace \(entry.namespace))" }
            if entry.action == .keep && entry.differs { line += "  (differs; --update replaces it)" }
            lines.append(line)
            for key in entry.keys { lines.append("  \(key.name)  \(key.source)  \(key.state.rawValue)") }
            if entry.metadataDiffers { lines.append("  labels/annotations  differ") }
        }
        lines.append(changes == 0 ? "no changes" : "\(changes) Secret(s) to write")
        return lines.joined(separator: "\n")
    }

    private enum CodingKeys: String, CodingKey { case entries, changes }

    package func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
        try container.encode(changes, forKey: .changes)
    }
}

package enum SecretAction: String, Sendable, Encodable {
    case create
    /// Nothing sent: the Secret is as its sources say, or differs without `--update`.
    case keep
    case update
    /// Generated keys made anew (`--rotate`).
    case rotate
}

package struct SecretPlanEntry: Sendable, Encodable {
    package let namespace: String
    package let name: String
    package let action: SecretAction
    /// The namespace does not exist and the plan creates it.
    package let createsNamespace: Bool
    package let keys: [KeyPlan]
    /// Declared labels or annotations the cluster's Secret lacks or has otherwise.
    package let metadataDiffers: Bool
    /// What `apply` sends; nil for `keep`.
    package let manifest: SecretManifest?

    package var secret: String { "\(namespace)/\(name)" }
    /// A key is new or differs, or the labels do (before any rotation).
    package var differs: Bool { metadataDiffers || keys.contains { $0.state == .new || $0.state == .differs } }

    private enum CodingKeys: String, CodingKey { case namespace, name, action, createsNamespace, keys, metadataDiffers, differs }

    package func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(namespace, forKey: .namespace)
        try container.encode(name, forKey: .name)
        try container.encode(action, forKey: .action)
        try container.encode(createsNamespace, forKey: .createsNamespace)
        try container.encode(keys, forKey: .keys)
        try container.encode(metadataDiffers, forKey: .metadataDiffers)
        try container.encode(differs, forKey: .differs)
    }
}

package struct KeyPlan: Sendable, Encodable, Equatable {
    package let name: String
    /// The kind of source (`env`, `generate`…); `cluster` for a key only the cluster's Secret has.
    package let source: String
    package let state: KeyState

    package init(name: String, source: String, state: KeyState) {
        self.name = name
        self.source = source
        self.state = state
    }
}

package enum KeyState: String, Sendable, Encodable {
    /// The cluster's Secret lacks the key (or the Secret itself).
    case new
    case same
    case differs
    case rotated
    /// In the cluster's Secret, not in the file: left alone.
    case onlyInCluster = "only-in-cluster"
}

/// A Secret object as the API takes it. `description` names its keys, never their values; `json`
/// is the body to send.
package struct SecretManifest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package let namespace: String
    package let name: String
    package let type: String
    package let labels: [String: String]
    package let annotations: [String: String]
    package let data: [String: SecretValue]

    package var description: String { "Secret \(namespace)/\(name) (\(type); keys: \(data.keys.sorted().joined(separator: ", ")))" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// `{"apiVersion":"v1","kind":"Secret","metadata":{…},"type":…,"data":{KEY: base64}}`, keys sorted.
    package func json() -> [UInt8] {
        var metadata: [String: Any] = ["name": name, "namespace": namespace]
        if !labels.isEmpty { metadata["labels"] = labels }
        if !annotations.isEmpty { metadata["annotations"] = annotations }
        let object: [String: Any] = [
            "apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": type,
            "data": data.mapValues { Data($0.bytes).base64EncodedString() },
        ]
        // Only strings and maps of them: serialization cannot fail.
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}

/// Reads each Secret and namespace of the cluster once.
final class ClusterReader {
    private let store: any SecretStore
    private var secrets: [String: ExistingSecret?] = [:]
    private var namespaces: [String: Bool] = [:]

    init(_ store: any SecretStore) { self.store = store }

    func secret(namespace: String, name: String) throws -> ExistingSecret? {
        if let known = secrets["\(namespace)/\(name)"] { return known }
        let found = try store.secret(namespace: namespace, name: name)
        secrets["\(namespace)/\(name)"] = .some(found)
        return found
    }

    func namespaceExists(_ name: String) throws -> Bool {
        if let known = namespaces[name] { return known }
        let exists = try store.namespaceExists(name)
        namespaces[name] = exists
        return exists
    }
}

/// Computes the plan: resolves every value and runs every check first, and throws every problem
/// at once, so nothing is applied from a file with one bad key.
package struct SecretsPlanner {
    package let file: SecretsFile
    package let store: any SecretStore
    package let environment: [String: String]
    package let options: PlanOptions

    package init(file: SecretsFile, store: any SecretStore, environment: [String: String] = ProcessInfo.processInfo.environment,
                 options: PlanOptions = PlanOptions()) {
        self.file = file
        self.store = store
        self.environment = environment
        self.options = options
    }

    package func plan() throws(SecretsError) -> SecretsPlan {
        var diagnostics = rotateProblems()
        let cluster = ClusterReader(store)
        var resolver = Resolver(file: file, environment: environment, cluster: cluster, rotate: Set(options.rotate))
        var resolved: [(SecretSpec, ExistingSecret?, Bool, [String: SecretValue])] = []
        // Namespaces an earlier Secret of the plan creates: the later ones find them.
        var creating: Set<String> = []
        for secret in file.secrets {
            let existing: ExistingSecret?
            var createsNamespace = false
            do {
                existing = try cluster.secret(namespace: secret.namespace, name: secret.name)
                if existing == nil, !creating.contains(secret.namespace), !(try cluster.namespaceExists(secret.namespace)) {
                    createsNamespace = secret.createNamespace
                    if createsNamespace { creating.insert(secret.namespace) }
                    if !secret.createNamespace {
                        diagnostics.append(diagnostic(secret, "namespace \(secret.namespace) does not exist; set createNamespace: true to create it"))
                    }
                }
            } catch {
                diagnostics.append(diagnostic(secret, "cannot read it from the cluster: \(error)"))
                continue
            }
            // The API refuses to change a Secret's type; only deleting it first would.
            if let existing, existing.type != secret.type.rawValue {
                diagnostics.append(diagnostic(secret, "is of type \(existing.type) in the cluster, \(secret.type.rawValue) in the file; a Secret's type cannot change (delete it to recreate it)"))
            }
            resolved.append((secret, existing, createsNamespace, resolver.resolve(secret, existing: existing)))
        }
        diagnostics += resolver.diagnostics
        guard diagnostics.isEmpty else {
            throw SecretsError(diagnostics.sorted { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) })
        }
        return SecretsPlan(entries: resolved.map { entry($0.0, existing: $0.1, createsNamespace: $0.2, values: $0.3) })
    }

    private func diagnostic(_ secret: SecretSpec, _ message: String) -> Diagnostic {
        Diagnostic(file: file.path, line: secret.mark.line, column: secret.mark.column,
                   message: "\(secret.reference): \(message)", subject: secret.reference)
    }

    /// Each `--rotate` must name a generated key of the file.
    private func rotateProblems() -> [Diagnostic] {
        options.rotate.compactMap { target in
            guard let secret = file.secrets.first(where: { $0.namespace == target.namespace && $0.name == target.name }) else {
                return Diagnostic(file: file.path, message: "--rotate \(target): no Secret \(target.namespace)/\(target.name) in the file")
            }
            guard let key = secret.keys.first(where: { $0.name == target.key }) else {
                return Diagnostic(file: file.path, message: "--rotate \(target): the Secret has no key \(quoted(target.key))")
            }
            guard case .generate = key.source.source else {
                return Diagnostic(file: file.path, line: key.mark.line, column: key.mark.column,
                                  message: "--rotate \(target): the key comes from \(key.source.source.kind); only generated keys rotate")
            }
            return nil
        }
    }

    private func entry(_ secret: SecretSpec, existing: ExistingSecret?, createsNamespace: Bool,
                       values: [String: SecretValue]) -> SecretPlanEntry {
        let rotated = Set(options.rotate.filter { $0.namespace == secret.namespace && $0.name == secret.name }.map(\.key))
        func manifest(_ data: [String: SecretValue]) -> SecretManifest {
            SecretManifest(namespace: secret.namespace, name: secret.name, type: secret.type.rawValue,
                           labels: secret.labels, annotations: secret.annotations, data: data)
        }
        guard let existing else {
            let keys = secret.keys.map { KeyPlan(name: $0.name, source: $0.source.source.kind, state: .new) }
            return SecretPlanEntry(namespace: secret.namespace, name: secret.name, action: .create,
                                   createsNamespace: createsNamespace, keys: keys, metadataDiffers: false,
                                   manifest: manifest(values))
        }
        var keys = secret.keys.map { key -> KeyPlan in
            let state: KeyState
            if rotated.contains(key.name) {
                state = .rotated
            } else if let current = existing.data[key.name] {
                state = current == values[key.name] ? .same : .differs
            } else {
                state = .new
            }
            return KeyPlan(name: key.name, source: key.source.source.kind, state: state)
        }
        let declared = Set(secret.keys.map(\.name))
        keys += existing.data.keys.sorted().filter { !declared.contains($0) }
            .map { KeyPlan(name: $0, source: "cluster", state: .onlyInCluster) }
        let metadataDiffers = secret.labels.contains { existing.labels[$0.key] != $0.value }
            || secret.annotations.contains { existing.annotations[$0.key] != $0.value }
        let differs = metadataDiffers || keys.contains { $0.state == .new || $0.state == .differs }
        let action: SecretAction
        let data: [String: SecretValue]?
        if !rotated.isEmpty {
            action = .rotate
            // Without --update only the rotated keys change; the others stay as the cluster has them.
            data = options.update ? values : existing.data.merging(values.filter { rotated.contains($0.key) }) { $1 }
        } else if differs && options.update {
            action = .update
            data = values
        } else {
            action = .keep
            data = nil
        }
        return SecretPlanEntry(namespace: secret.namespace, name: secret.name, action: action,
                               createsNamespace: false, keys: keys, metadataDiffers: metadataDiffers,
                               manifest: data.map(manifest))
    }
}
