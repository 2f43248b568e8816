import Foundation
import YAML

/// Where an entry of a kubeconfig was written: the file, and the node's line and column.
package struct KubeconfigOrigin: Sendable, Equatable {
    /// Absolute.
    package let path: String
    /// As errors show it (the home folder as `~`).
    package let shown: String
    package let line: Int
    package let column: Int
}

/// A named cluster, user or context of one file, with where it was written.
package struct KubeconfigEntry<Value: Sendable>: Sendable {
    package let name: String
    package let value: Value
    package let origin: KubeconfigOrigin
}

/// A `clusters[].cluster` stanza. Paths are absolute (resolved against the file's folder).
package struct KubeconfigCluster: Sendable, Equatable {
    package var server: String?
    package var certificateAuthority: String?
    /// Decoded from base64: PEM.
    package var certificateAuthorityData: Data?
    package var insecureSkipTLSVerify = false
    package var tlsServerName: String?
    package var proxyURL: String?
}

/// A `users[].user` stanza (client-go's AuthInfo). Paths are absolute. Holds secrets: no
/// description of it prints them.
package struct KubeconfigUser: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    package var clientCertificate: String?
    package var clientCertificateData: Data?
    package var clientKey: String?
    package var clientKeyData: Data?
    package var token: String?
    package var tokenFile: String?
    package var username: String?
    package var password: String?
    package var exec: KubeExecConfig?
    /// The name of an `auth-provider` (gcp, oidc, azure): removed from kubectl, refused when used.
    package var authProvider: String?
    /// Of the `exec` stanza, for its validation errors.
    package var execLine = 0
    package var execColumn = 0

    package var description: String {
        var fields: [String] = []
        if let clientCertificate { fields.append("client-certificate: \(clientCertificate)") }
        if let clientCertificateData { fields.append("client-certificate-data: <\(clientCertificateData.count) bytes>") }
        if let clientKey { fields.append("client-key: \(clientKey)") }
        if clientKeyData != nil { fields.append("client-key-data: <redacted>") }
        if token != nil { fields.append("token: <redacted>") }
        if let tokenFile { fields.append("tokenFile: \(tokenFile)") }
        if let username { fields.append("username: \(username)") }
        if password != nil { fields.append("password: <redacted>") }
        if let exec { fields.append("exec: \(exec)") }
        if let authProvider { fields.append("auth-provider: \(authProvider)") }
        return "KubeconfigUser(" + fields.joined(separator: ", ") + ")"
    }

    package var debugDescription: String { description }
}

/// How kubectl lets an exec plugin talk to the person at the terminal.
package enum KubeExecInteractiveMode: String, Sendable, Equatable {
    case never = "Never"
    case ifAvailable = "IfAvailable"
    case always = "Always"
}

/// A `users[].user.exec` stanza: a client.authentication.k8s.io credential plugin.
package struct KubeExecConfig: Sendable, Equatable, CustomStringConvertible {
    package static let v1 = "client.authentication.k8s.io/v1"
    package static let v1beta1 = "client.authentication.k8s.io/v1beta1"

    /// Absolute when written with a `/` (resolved against the file's folder), else looked up in PATH.
    package var command: String
    package var args: [String] = []
    /// Added to the environment, in order. Values may be secrets: never described.
    package var env: [(name: String, value: String)] = []
    package var apiVersion: String
    package var installHint: String?
    package var provideClusterInfo = false
    /// nil when not written: v1 then refuses it, v1beta1 takes IfAvailable.
    package var interactiveMode: KubeExecInteractiveMode?

    package static func == (lhs: KubeExecConfig, rhs: KubeExecConfig) -> Bool {
        lhs.command == rhs.command && lhs.args == rhs.args && lhs.env.map(\.name) == rhs.env.map(\.name)
            && lhs.env.map(\.value) == rhs.env.map(\.value) && lhs.apiVersion == rhs.apiVersion
            && lhs.installHint == rhs.installHint && lhs.provideClusterInfo == rhs.provideClusterInfo
            && lhs.interactiveMode == rhs.interactiveMode
    }

    /// Arguments and environment values may carry secrets: only their count and names are told.
    package var description: String {
        "exec(\(command), \(args.count) argument(s), env: [\(env.map(\.name).joined(separator: ", "))], \(apiVersion))"
    }
}

/// A `contexts[].context` stanza.
package struct KubeconfigContext: Sendable, Equatable {
    package var cluster: String?
    package var user: String?
    package var namespace: String?
}

/// One kubeconfig file as written, its relative paths resolved against its folder as kubectl does.
package struct KubeconfigFile: Sendable {
    package var clusters: [KubeconfigEntry<KubeconfigCluster>] = []
    package var users: [KubeconfigEntry<KubeconfigUser>] = []
    package var contexts: [KubeconfigEntry<KubeconfigContext>] = []
    package var currentContext: String?

    /// Parses `text`, read from the absolute `path` (shown as `shown` in errors). An empty file is
    /// an empty configuration, as for kubectl. Unknown fields are ignored, as kubectl ignores them.
    package init(text: String, path: String, shown: String) throws(KubeconfigError) {
        let root: YAMLNode?
        do {
            root = try YAMLParser(text).nextDocument()
        } catch {
            throw KubeconfigError(file: shown, line: error.line, column: error.column, message: error.problem)
        }
        let reader = Reader(path: path, shown: shown, folder: (path as NSString).deletingLastPathComponent)
        guard let root, let fields = try reader.mapping(root, "") else { return }
        for (key, value) in fields {
            switch key {
            case "current-context": currentContext = try reader.string(value, key).flatMap { $0.isEmpty ? nil : $0 }
            case "clusters": clusters = try reader.named(value, key, "cluster", empty: KubeconfigCluster(), reader.cluster)
            case "users": users = try reader.named(value, key, "user", empty: KubeconfigUser(), reader.user)
            case "contexts": contexts = try reader.named(value, key, "context", empty: KubeconfigContext(), reader.context)
            default: continue
            }
        }
    }

    /// Reads nodes into values, naming the field path of a node that is not what it must be.
    private struct Reader {
        let path: String
        let shown: String
        let folder: String

        func fail(_ node: YAMLNode, _ field: String, _ problem: String) -> KubeconfigError {
            KubeconfigError(file: shown, line: node.line, column: node.column,
                            message: field.isEmpty ? problem : "\(field): \(problem)")
        }

        func isNull(_ node: YAMLNode) -> Bool {
            if node.tag == YAMLTag.null { return true }
            guard node.isUntaggedPlainScalar, let text = node.scalar else { return false }
            return ["", "~", "null", "Null", "NULL"].contains(text)
        }

        /// A mapping's pairs by key text; nil for null.
        func mapping(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> [(String, YAMLNode)]? {
            if isNull(node) { return nil }
            guard let pairs = node.mapping else { throw fail(node, field, "not a mapping") }
            var fields: [(String, YAMLNode)] = []
            for pair in pairs {
                guard let key = pair.key.scalar else { throw fail(pair.key, field, "a key is not a string") }
                fields.append((key, pair.value))
            }
            return fields
        }

        func sequence(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> [YAMLNode] {
            if isNull(node) { return [] }
            guard let items = node.sequence else { throw fail(node, field, "not a list") }
            return items
        }

        /// Any scalar is a string: kubectl's YAML decoding turns `namespace: 2024` into "2024".
        func string(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> String? {
            if isNull(node) { return nil }
            guard let text = node.scalar else { throw fail(node, field, "not a string") }
            return text
        }

        /// A path, absolute against the file's folder (client-go's ResolveLocalPaths).
        func path(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> String? {
            guard let text = try string(node, field), !text.isEmpty else { return nil }
            return text.hasPrefix("/") ? text : cleanPath(folder + "/" + text)
        }

        /// YAML 1.1's booleans, as kubectl's YAML decoder reads them.
        func bool(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> Bool {
            if isNull(node) { return false }
            guard let text = node.scalar else { throw fail(node, field, "not a boolean") }
            switch text.lowercased() {
            case "true", "yes", "on", "y": return true
            case "false", "no", "off", "n": return false
            default: throw fail(node, field, "not a boolean (true or false)")
            }
        }

        /// Base64 (standard alphabet, padded; line breaks ignored as Go ignores them).
        func data(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> Data? {
            guard let text = try string(node, field), !text.isEmpty else { return nil }
            let compact = text.filter { $0 != "\n" && $0 != "\r" }
            guard let data = Data(base64Encoded: compact) else { throw fail(node, field, "not base64") }
            return data
        }

        /// `clusters`, `users` or `contexts`: a list of `{name, <inner>}`.
        /// An item without its inner stanza is an empty one, as in client-go.
        func named<Value>(_ node: YAMLNode, _ field: String, _ inner: String, empty: Value,
                          _ read: (YAMLNode, String) throws(KubeconfigError) -> Value)
            throws(KubeconfigError) -> [KubeconfigEntry<Value>] {
            var entries: [KubeconfigEntry<Value>] = []
            for (index, item) in try sequence(node, field).enumerated() {
                let itemField = "\(field)[\(index)]"
                var name: String?
                var value: Value?
                for (key, child) in try mapping(item, itemField) ?? [] {
                    if key == "name" { name = try string(child, itemField + ".name") }
                    if key == inner { value = try read(child, "\(itemField).\(inner)") }
                }
                guard let name, !name.isEmpty else { throw fail(item, itemField, "has no name") }
                if let earlier = entries.first(where: { $0.name == name }) {
                    throw fail(item, itemField, "\(inner) \"\(name)\" already defined at line \(earlier.origin.line)")
                }
                let origin = KubeconfigOrigin(path: path, shown: shown, line: item.line, column: item.column)
                entries.append(KubeconfigEntry(name: name, value: value ?? empty, origin: origin))
            }
            return entries
        }

        func cluster(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> KubeconfigCluster {
            var cluster = KubeconfigCluster()
            for (key, value) in try mapping(node, field) ?? [] {
                let at = "\(field).\(key)"
                switch key {
                case "server": cluster.server = try string(value, at)
                case "certificate-authority": cluster.certificateAuthority = try path(value, at)
                case "certificate-authority-data": cluster.certificateAuthorityData = try data(value, at)
                case "insecure-skip-tls-verify": cluster.insecureSkipTLSVerify = try bool(value, at)
                case "tls-server-name": cluster.tlsServerName = try string(value, at)
                case "proxy-url": cluster.proxyURL = try string(value, at)
                default: continue
                }
            }
            return cluster
        }

        func user(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> KubeconfigUser {
            var user = KubeconfigUser()
            for (key, value) in try mapping(node, field) ?? [] {
                let at = "\(field).\(key)"
                switch key {
                case "client-certificate": user.clientCertificate = try path(value, at)
                case "client-certificate-data": user.clientCertificateData = try data(value, at)
                case "client-key": user.clientKey = try path(value, at)
                case "client-key-data": user.clientKeyData = try data(value, at)
                case "token": user.token = try string(value, at).flatMap { $0.isEmpty ? nil : $0 }
                case "tokenFile": user.tokenFile = try path(value, at)
                case "username": user.username = try string(value, at).flatMap { $0.isEmpty ? nil : $0 }
                case "password": user.password = try string(value, at).flatMap { $0.isEmpty ? nil : $0 }
                case "auth-provider":
                    guard let fields = try mapping(value, at) else { continue }
                    let name = try fields.first { $0.0 == "name" }.flatMap { pair throws(KubeconfigError) in
                        try string(pair.1, at + ".name")
                    }
                    user.authProvider = name ?? ""
                case "exec":
                    guard !isNull(value) else { continue }
                    user.exec = try exec(value, at)
                    user.execLine = value.line
                    user.execColumn = value.column
                default: continue
                }
            }
            return user
        }

        func exec(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> KubeExecConfig {
            var command: String?
            var config = KubeExecConfig(command: "", apiVersion: "")
            for (key, value) in try mapping(node, field) ?? [] {
                let at = "\(field).\(key)"
                switch key {
                case "command": command = try string(value, at)
                case "args":
                    config.args = try sequence(value, at).enumerated().map { index, item throws(KubeconfigError) in
                        try string(item, "\(at)[\(index)]") ?? ""
                    }
                case "env":
                    for (index, item) in try sequence(value, at).enumerated() {
                        let itemField = "\(at)[\(index)]"
                        var name: String?
                        var text = ""
                        for (entryKey, entryValue) in try mapping(item, itemField) ?? [] {
                            if entryKey == "name" { name = try string(entryValue, itemField + ".name") }
                            if entryKey == "value" { text = try string(entryValue, itemField + ".value") ?? "" }
                        }
                        guard let name, !name.isEmpty else { throw fail(item, itemField, "has no name") }
                        config.env.append((name, text))
                    }
                case "apiVersion": config.apiVersion = try string(value, at) ?? ""
                case "installHint": config.installHint = try string(value, at)
                case "provideClusterInfo": config.provideClusterInfo = try bool(value, at)
                case "interactiveMode":
                    guard let text = try string(value, at), !text.isEmpty else { continue }
                    guard let mode = KubeExecInteractiveMode(rawValue: text) else {
                        throw fail(value, at, "\"\(text)\" is not Never, IfAvailable or Always")
                    }
                    config.interactiveMode = mode
                default: continue
                }
            }
            guard let command, !command.isEmpty else { throw fail(node, field + ".command", "missing") }
            // client-go resolves only a command written as a path; a bare name is looked up in PATH.
            config.command = command.contains("/") && !command.hasPrefix("/") ? cleanPath(folder + "/" + command) : command
            return config
        }

        func context(_ node: YAMLNode, _ field: String) throws(KubeconfigError) -> KubeconfigContext {
            var context = KubeconfigContext()
            for (key, value) in try mapping(node, field) ?? [] {
                let at = "\(field).\(key)"
                switch key {
                case "cluster": context.cluster = try string(value, at)
                case "user": context.user = try string(value, at)
                case "namespace": context.namespace = try string(value, at).flatMap { $0.isEmpty ? nil : $0 }
                default: continue
                }
            }
            return context
        }
    }
}
