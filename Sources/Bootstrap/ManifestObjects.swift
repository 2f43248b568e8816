import Foundation
import YAML

/// Kubernetes objects read from a YAML manifest, as the JSON the API takes, and the comparison a
/// check makes between what a file says and what the cluster has.
package enum ManifestObjects {
    /// Every non-empty document of `text`, each a mapping. `file` names the source in errors
    /// (`keycloak/realm.yaml:3:1: …`), which never quote the content.
    package static func objects(in text: String, file: String) throws -> [[String: Any]] {
        let documents: [YAMLNode]
        do {
            documents = try YAMLParser.documents(in: text)
        } catch {
            throw ManifestError("\(file):\(error.line):\(error.column): \(error.problem)")
        }
        return try documents.compactMap { node in
            if node.scalar.map({ $0.isEmpty }) == true { return nil }
            guard let object = try value(node, file: file) as? [String: Any] else {
                throw ManifestError("\(file):\(node.line):\(node.column): a Kubernetes object must be a mapping")
            }
            for field in ["apiVersion", "kind"] where !(object[field] is String) {
                throw ManifestError("\(file):\(node.line):\(node.column): the object has no \(field)")
            }
            guard (object["metadata"] as? [String: Any])?["name"] is String else {
                throw ManifestError("\(file):\(node.line):\(node.column): the object has no metadata.name")
            }
            return object
        }
    }

    /// The one object of the file at `path`.
    package static func object(at path: String) throws -> [String: Any] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ManifestError("\(path): cannot read the file: \(error.localizedDescription)")
        }
        let objects = try objects(in: text, file: path)
        guard objects.count == 1 else { throw ManifestError("\(path): expected one object, found \(objects.count)") }
        return objects[0]
    }

    /// YAML 1.2's core schema for untagged plain scalars; everything else is a string.
    private static func value(_ node: YAMLNode, file: String) throws -> Any {
        switch node.content {
        case .sequence(let items):
            return try items.map { try value($0, file: file) }
        case .mapping(let pairs):
            var object: [String: Any] = [:]
            for (key, item) in pairs {
                guard let name = key.scalar else {
                    throw ManifestError("\(file):\(key.line):\(key.column): a key must be a string")
                }
                object[name] = try value(item, file: file)
            }
            return object
        case .scalar(let text, _):
            guard node.isUntaggedPlainScalar else { return text }
            switch text {
            case "", "~", "null", "Null", "NULL": return NSNull()
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default:
                if let integer = Int(text) { return integer }
                if text.range(of: #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil,
                   let number = Double(text) { return number }
                return text
            }
        }
    }

    /// The fields of `desired` that `live` lacks or holds otherwise, as paths (`spec.source.path`,
    /// `data.password`), never values. Fields only `live` has (defaults, status) are not differences.
    package static func differences(desired: Any, live: Any?, path: String = "") -> [String] {
        switch desired {
        case let mapping as [String: Any]:
            guard let live = live as? [String: Any] else { return [path.isEmpty ? "the object" : path] }
            return mapping.keys.sorted().flatMap { key in
                differences(desired: mapping[key]!, live: live[key], path: path.isEmpty ? key : path + "." + key)
            }
        case let items as [Any]:
            guard let live = live as? [Any], live.count == items.count else { return [path] }
            let differs = zip(items, live).contains { !differences(desired: $0, live: $1).isEmpty }
            return differs ? [path] : []
        default:
            return same(desired, live) ? [] : [path]
        }
    }

    private static func same(_ desired: Any, _ live: Any?) -> Bool {
        guard let live else { return desired is NSNull }
        if desired is NSNull || live is NSNull { return desired is NSNull && live is NSNull }
        // JSON from the server: numbers and booleans arrive as NSNumber, which casts to each.
        if let desired = desired as? String { return (live as? String) == desired }
        if let desired = desired as? Bool { return (live as? Bool) == desired }
        if let desired = desired as? Int { return (live as? Int) == desired }
        if let desired = desired as? Double { return (live as? Double) == desired }
        return false
    }

    /// `Kind namespace/name`.
    package static func describe(_ object: [String: Any]) -> String {
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        let name = metadata["name"] as? String ?? "?"
        let place = (metadata["namespace"] as? String).map { "\($0)/" } ?? ""
        return "\(object["kind"] as? String ?? "object") \(place)\(name)"
    }
}

package struct ManifestError: Error, Sendable, CustomStringConvertible, LocalizedError {
    package let description: String
    package init(_ description: String) { self.description = description }
    package var errorDescription: String? { description }
}
