import Foundation
import Kube

/// Why a wait ran out, for the operator: the object waited for and its conditions, then the recent
/// Warning events of its namespace and the pods there that are not running (ImagePullBackOff, a
/// webhook not ready, a crash loop). Reading these is best effort: a failed read is said, not thrown.
package struct WaitExplanation: Sendable, CustomStringConvertible {
    package var lines: [String]

    package var description: String { lines.joined(separator: "\n") }

    /// How many of the most recent events are shown.
    package static let eventLimit = 8

    package init(client: KubeClient, timeout: KubeWaitTimeout, object: [String: Any]?, namespace: String?) {
        self.init(client: client, headline: timeout.description, object: object, namespace: namespace)
    }

    /// The same under another first line, for a wait that is not one `waitUntil` (several objects at once).
    package init(client: KubeClient, headline: String, object: [String: Any]?, namespace: String?) {
        lines = [headline]
        if let object { lines += Self.conditions(of: object).map { "  condition \($0)" } }
        guard let namespace else { return }
        do {
            let events = try client.list(apiVersion: "v1", kind: "Event", namespace: namespace)
                .filter { $0["type"] as? String == "Warning" }
                .sorted { Self.time(of: $0) > Self.time(of: $1) }
                .prefix(Self.eventLimit)
            if !events.isEmpty { lines.append("  recent warnings in namespace \"\(namespace)\":") }
            lines += events.map { "    \(Self.summary(ofEvent: $0))" }
        } catch {
            lines.append("  (the events of namespace \"\(namespace)\" could not be read: \(error))")
        }
        do {
            let pods = try client.list(apiVersion: "v1", kind: "Pod", namespace: namespace).compactMap(Self.problem(ofPod:))
            if !pods.isEmpty { lines.append("  pods not running in namespace \"\(namespace)\":") }
            lines += pods.map { "    \($0)" }
        } catch {
            lines.append("  (the pods of namespace \"\(namespace)\" could not be read: \(error))")
        }
    }

    /// `Type=Status (Reason: message)` for each of `status.conditions`.
    package static func conditions(of object: [String: Any]) -> [String] {
        let status = object["status"] as? [String: Any]
        return (status?["conditions"] as? [[String: Any]] ?? []).map { condition in
            var text = "\(condition["type"] as? String ?? "?")=\(condition["status"] as? String ?? "?")"
            let reason = condition["reason"] as? String
            let message = condition["message"] as? String
            if reason != nil || message != nil {
                text += " (" + [reason, message].compactMap { $0 }.joined(separator: ": ") + ")"
            }
            return text
        }
    }

    static func summary(ofEvent event: [String: Any]) -> String {
        let involved = event["involvedObject"] as? [String: Any] ?? event["regarding"] as? [String: Any] ?? [:]
        let what = "\(involved["kind"] as? String ?? "object") \(involved["name"] as? String ?? "?")"
        let reason = event["reason"] as? String ?? ""
        let message = (event["message"] as? String ?? event["note"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let count = (event["count"] as? Int).map { $0 > 1 ? " (×\($0))" : "" } ?? ""
        return "\(what): \(reason)\(message.isEmpty ? "" : ": " + message)\(count)"
    }

    /// nil for a pod that is running with every container ready, or that has succeeded.
    static func problem(ofPod pod: [String: Any]) -> String? {
        let name = (pod["metadata"] as? [String: Any])?["name"] as? String ?? "?"
        let status = pod["status"] as? [String: Any] ?? [:]
        let phase = status["phase"] as? String ?? "Unknown"
        if phase == "Succeeded" { return nil }
        let containers = (status["initContainerStatuses"] as? [[String: Any]] ?? []) + (status["containerStatuses"] as? [[String: Any]] ?? [])
        let reasons: [String] = containers.compactMap { container in
            let state = container["state"] as? [String: Any] ?? [:]
            let detail = (state["waiting"] ?? state["terminated"]) as? [String: Any]
            guard let detail, let reason = detail["reason"] as? String, reason != "Completed" else { return nil }
            let message = (detail["message"] as? String).map { ": " + $0 } ?? ""
            return "\(container["name"] as? String ?? "?"): \(reason)\(message)"
        }
        if phase == "Running" && reasons.isEmpty && containers.allSatisfy({ $0["ready"] as? Bool ?? false }) { return nil }
        return "\(name) (\(phase))" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; "))
    }

    private static func time(of event: [String: Any]) -> String {
        let metadata = event["metadata"] as? [String: Any]
        // RFC 3339 in UTC sorts as text.
        return event["lastTimestamp"] as? String ?? event["eventTime"] as? String
            ?? metadata?["creationTimestamp"] as? String ?? ""
    }
}
