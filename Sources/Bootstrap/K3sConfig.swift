import Foundation
import YAML

/// k3s's `/etc/rancher/k3s/config.yaml` as platform.yaml's `k3s.exec` and `k3s.disable` give it:
/// each `--flag value` becomes `flag: "value"`, a flag without a value `flag: true`, and a flag
/// k3s lets repeat a list (`--tls-san a --tls-san b` → `tls-san: ["a", "b"]`), as k3s's
/// configuration file documentation maps them. k3s reads this file at every start, so a later
/// re-run of the installer without the flags cannot drop them.
struct K3sConfig: Equatable {
    struct Entry: Equatable {
        var key: String
        var values: [String]
        var isList: Bool
        /// A flag without a value.
        var isSwitch = false
    }

    /// In the order the flags are given.
    var entries: [Entry] = []

    /// k3s's flags that take many values (StringSlice flags); any flag given twice is a list too.
    static let listFlags: Set<String> = [
        "tls-san", "disable", "node-label", "node-taint", "node-ip", "node-external-ip", "kubelet-arg",
        "kube-apiserver-arg", "kube-controller-manager-arg", "kube-scheduler-arg", "kube-proxy-arg",
        "kube-cloud-controller-manager-arg", "etcd-arg", "cluster-cidr", "service-cidr", "disable-helm-controller-arg",
    ]

    /// Keys whose values are credentials: drift on them is reported without the values.
    static func isSecret(_ key: String) -> Bool {
        ["token", "secret", "password", "datastore-endpoint"].contains { key.contains($0) }
    }

    /// From platform.yaml; a malformed flag list is an error naming the element.
    init(exec: [String], disable: [String]) throws {
        var index = 0
        while index < exec.count {
            let element = exec[index]
            if index == 0 && element == "server" { index += 1; continue }
            guard element.hasPrefix("--"), element.count > 2 else {
                throw StepFailure("platform.yaml k3s.exec[\(index)]: \"\(element)\" is not a --flag (write flags in their "
                    + "long form, each value right after its flag)")
            }
            let key = String(element.dropFirst(2))
            if let equals = key.firstIndex(of: "=") {
                add(String(key[..<equals]), String(key[key.index(after: equals)...]))
                index += 1
            } else if index + 1 < exec.count, !exec[index + 1].hasPrefix("--") {
                add(key, exec[index + 1])
                index += 2
            } else {
                entries.append(Entry(key: key, values: ["true"], isList: false, isSwitch: true))
                index += 1
            }
        }
        for component in disable where !(entries.first { $0.key == "disable" }?.values.contains(component) ?? false) {
            add("disable", component)
        }
    }

    /// Read back from a config.yaml: scalars and lists of scalars, as k3s accepts them.
    init(yaml text: String, path: String) throws {
        let documents: [YAMLNode]
        do {
            documents = try YAMLParser.documents(in: text)
        } catch {
            throw StepFailure("\(path):\(error.line):\(error.column): \(error.problem)")
        }
        guard let document = documents.first else { return }
        guard let mapping = document.mapping else {
            throw StepFailure("\(path):\(document.line):\(document.column): expected a mapping of k3s flags")
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar else {
                throw StepFailure("\(path):\(keyNode.line):\(keyNode.column): a key must be a flag name")
            }
            if let scalar = value.scalar {
                entries.append(Entry(key: key, values: [scalar], isList: false))
            } else if let items = value.sequence {
                entries.append(Entry(key: key, values: items.map { $0.scalar ?? "" }, isList: true))
            } else {
                throw StepFailure("\(path):\(value.line):\(value.column): \(key): expected a value or a list of values")
            }
        }
    }

    private mutating func add(_ key: String, _ value: String) {
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].values.append(value)
            entries[index].isList = true
        } else {
            entries.append(Entry(key: key, values: [value], isList: Self.listFlags.contains(key)))
        }
    }

    /// The file's text: double-quoted strings (JSON's escaping is YAML's), so `644` stays a string.
    var yaml: String {
        var text = "# Written by edpctl rebuild from platform.yaml (k3s.exec, k3s.disable); k3s reads it at every start.\n"
        for entry in entries {
            let quoted = entry.values.map(Self.quote)
            if entry.isSwitch {
                text += "\(entry.key): true\n"
            } else if entry.isList {
                text += "\(entry.key): [\(quoted.joined(separator: ", "))]\n"
            } else {
                text += "\(entry.key): \(quoted[0])\n"
            }
        }
        return text
    }

    static func quote(_ value: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])) ?? Data()
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    /// What `file` (the config.yaml on disk) lacks or has otherwise than `self` (platform.yaml wants), a line each.
    func drift(from file: K3sConfig, path: String) -> [String] {
        var lines: [String] = []
        func show(_ entry: Entry) -> String {
            Self.isSecret(entry.key) ? "(value hidden)"
                : entry.isList ? "[" + entry.values.map(Self.quote).joined(separator: ", ") + "]" : Self.quote(entry.values[0])
        }
        for wanted in entries {
            guard let found = file.entries.first(where: { $0.key == wanted.key }) else {
                lines.append("\(path) lacks \(wanted.key): \(show(wanted)) (platform.yaml k3s)")
                continue
            }
            if found.values != wanted.values {
                lines.append("\(path) has \(wanted.key): \(show(found)), platform.yaml k3s gives \(show(wanted))")
            }
        }
        for found in file.entries where !entries.contains(where: { $0.key == found.key }) {
            lines.append("\(path) has \(found.key): \(show(found)), which platform.yaml k3s does not give")
        }
        return lines
    }

    /// The flags as INSTALL_K3S_EXEC carries them, or nil when one has whitespace, which the
    /// installer's word splitting would break (config.yaml carries them all anyway).
    var execLine: String? {
        var words: [String] = []
        for entry in entries {
            if entry.isSwitch { words.append("--\(entry.key)"); continue }
            for value in entry.values { words += ["--\(entry.key)", value] }
        }
        if words.contains(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) { return nil }
        return words.joined(separator: " ")
    }
}
