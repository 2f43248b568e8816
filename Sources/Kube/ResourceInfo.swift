/// Where the API serves a kind, as discovery says: never a guessed plural.
package struct ResourceInfo: Sendable, Equatable, CustomStringConvertible {
    /// "" for the core group.
    package let group: String
    package let version: String
    package let kind: String
    /// The resource's name in paths: `secrets`, `widgets`.
    package let plural: String
    package let namespaced: Bool

    package init(group: String, version: String, kind: String, plural: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
    }

    package var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `/api/v1` or `/apis/GROUP/VERSION`.
    package var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    package var description: String { "\(kind) (\(plural), \(apiVersion), \(namespaced ? "namespaced" : "cluster-scoped"))" }
}
