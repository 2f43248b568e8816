import Foundation

/// One event of a watch: the object as it was after the change (for `deleted`, its last state).
package struct WatchEvent {
    package enum EventType: String, Sendable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK"
    }

    package let type: EventType
    package let object: [String: Any]

    /// The object's `metadata.resourceVersion`, to watch on from.
    package var resourceVersion: String? { (object["metadata"] as? [String: Any])?["resourceVersion"] as? String }
}

/// A `waitUntil` whose time ran out before its condition held.
package struct KubeWaitTimeout: Error, Sendable, CustomStringConvertible, LocalizedError {
    package let object: String
    package let awaited: String
    package let seconds: Double

    package var description: String {
        "timed out after \(String(format: "%g", seconds)) s waiting for \(object) to be \(awaited)"
    }

    package var errorDescription: String? { description }
}

extension KubeClient {
    /// The changes to objects of `kind` (in `namespace`, all namespaces when nil; the one object
    /// `name` when given) after `resourceVersion` — without one, ADDED for each current object
    /// first — until the server ends the watch after `timeoutSeconds`. HTTP reads whole answers,
    /// so this returns only then: keep the time short (it must stay under HTTP's own timeout).
    /// A resourceVersion the server no longer remembers is a 410 `Expired` KubeAPIError: list
    /// or get again and watch from there.
    package func watch(apiVersion: String, kind: String, namespace: String?, name: String? = nil,
                       labelSelector: String? = nil, resourceVersion: String? = nil,
                       timeoutSeconds: Int) throws -> [WatchEvent] {
        let resource = try resource(for: apiVersion, kind: kind)
        let path = path(resource, namespace: namespace, name: nil)
        var query = [("watch", "1"), ("timeoutSeconds", String(timeoutSeconds))]
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let name { query.append(("fieldSelector", "metadata.name=" + name)) }
        let body = try sendRaw("GET", path, query: query)
        var events: [WatchEvent] = []
        for line in body.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == UInt8(ascii: " ") }) {
            guard let event = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                  let typeName = event["type"] as? String, var object = event["object"] as? [String: Any] else {
                throw KubeAPIError(kind: .other, message: "GET \(path): a watch event is not JSON with type and object",
                                   method: "GET", path: path)
            }
            // An ERROR event carries a Status (an expired resourceVersion, mostly).
            if typeName == "ERROR" {
                let code = object["code"] as? Int ?? 500
                throw KubeAPIError(status: code, body: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(),
                                   method: "GET", path: path)
            }
            guard let type = WatchEvent.EventType(rawValue: typeName) else { continue }
            // Watch events, like list items, may leave out apiVersion and kind.
            object["apiVersion"] = object["apiVersion"] ?? resource.apiVersion
            object["kind"] = object["kind"] ?? resource.kind
            events.append(WatchEvent(type: type, object: object))
        }
        return events
    }

    /// Waits until `condition` holds for the object (nil: there is none, to wait for a deletion)
    /// and returns it as it then was. It reads the object first (returning at once when the
    /// condition holds), then watches it from that resourceVersion, checking every state it passes
    /// through, in windows of at most `window` seconds (how late a change may be noticed, as HTTP
    /// reads a watch's answer whole) until `timeout` seconds have passed: then `KubeWaitTimeout`
    /// naming the object and `awaited` ("ready", "deleted").
    @discardableResult
    package func waitUntil(apiVersion: String, kind: String, namespace: String?, name: String, timeout: Double,
                           awaited: String, window: Int = 1,
                           condition: ([String: Any]?) throws -> Bool) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        var object = try get(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
        if try condition(object) { return object }
        // Without an object there is no resourceVersion: the watch then starts with ADDED for it
        // if it appeared meanwhile.
        var since = Self.resourceVersion(of: object)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                let place = namespace.map { " in namespace \"\($0)\"" } ?? ""
                throw KubeWaitTimeout(object: "\(kind) \"\(name)\"\(place)", awaited: awaited, seconds: timeout)
            }
            let events: [WatchEvent]
            do {
                events = try watch(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name,
                                   resourceVersion: since, timeoutSeconds: max(1, min(window, Int(left.rounded(.up)))))
            } catch let error as KubeAPIError where error.code == 410 {
                // Too old to replay: read the object anew and watch from there.
                object = try get(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
                if try condition(object) { return object }
                since = Self.resourceVersion(of: object)
                continue
            }
            for event in events {
                since = event.resourceVersion ?? since
                if event.type == .bookmark { continue }
                object = event.type == .deleted ? nil : event.object
                if try condition(object) { return object }
            }
        }
    }

    private static func resourceVersion(of object: [String: Any]?) -> String? {
        (object?["metadata"] as? [String: Any])?["resourceVersion"] as? String
    }
}
