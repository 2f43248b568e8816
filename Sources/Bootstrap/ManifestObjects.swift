import Foundation

/// Kubernetes objects read from a YAML manifest, as the JSON the API takes, and the comparison a
/// check makes between what a file says and what the cluster has.
package enum ManifestObjects {
    /// Every object of `text` (a file's content; `file` names it in errors, which never quote it).
    package static func objects(in text: String, file: String) throws -> [[String: Any]] {
        try ManifestYAML.objects(in: text, file: file).map(\.object)
    }

    /// The one object of the file at `path`.
    package static func object(at path: String) throws -> [String: Any] {
        let objects = try ManifestYAML.objects(inFile: path).map(\.object)
        guard objects.count == 1 else { throw ManifestError("\(path): expected one object, found \(objects.count)") }
        return objects[0]
    }

    /// The fields of `desired` that `live` lacks or holds otherwise, as paths (`spec.source.path`,
    /// `data.password`), never values. Fields only `live` has (defaults, status, what controllers
    /// set) are not differences.
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

    /// Compared as JSON writes them, so a Bool never equals the number 1 (both arrive as NSNumber).
    private static func same(_ desired: Any, _ live: Any?) -> Bool {
        guard let live else { return desired is NSNull }
        func text(_ value: Any) -> String? {
            (try? JSONSerialization.data(withJSONObject: [value])).map { String(decoding: $0, as: UTF8.self) }
        }
        return text(desired) == text(live)
    }

    /// `Kind namespace/name`.
    package static func describe(_ object: [String: Any]) -> String {
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        let name = metadata["name"] as? String ?? "?"
        let place = (metadata["namespace"] as? String).map { "\($0)/" } ?? ""
        return "\(object["kind"] as? String ?? "object") \(place)\(name)"
    }
}
