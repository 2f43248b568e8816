import Foundation
import HTTP

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

/// What a watch's `onEvent` asks for after an event.
package enum WatchControl: Sendable {
    case keepWatching
    /// End the watch now (its connection is closed, not reused).
    case stop
}

extension KubeClient {
    /// The longest single watch request `waitUntil` makes by default: a longer wait re-opens a
    /// watch from the last resourceVersion seen every this many seconds (the fake API server's
    /// ceiling too; a real one allows more, but a long-lived idle connection is what proxies and
    /// load balancers cut).
    package static let longestWatchWindow = 60

    /// Seconds a watch's HTTP stream may run past the `timeoutSeconds` the server was given,
    /// before the client gives up on a server that does not end it.
    static let watchGrace = 5.0

    /// Streams the changes to objects of `kind` (in `namespace`, all namespaces when nil; the one
    /// object `name` when given) after `resourceVersion` — without one, ADDED for each current
    /// object first — handing each event to `onEvent` as soon as its line arrives, until `onEvent`
    /// answers `.stop` (then it returns true) or the server ends the watch after `timeoutSeconds`
    /// (false). Not retried: after a transport failure (a `transport` KubeAPIError) get or list
    /// again and watch from there. A resourceVersion the server no longer remembers is a 410
    /// `Expired` KubeAPIError, before any event or as an ERROR event: likewise. What `onEvent`
    /// throws ends the watch and is rethrown.
    @discardableResult
    package func watch(apiVersion: String, kind: String, namespace: String?, name: String? = nil,
                       labelSelector: String? = nil, resourceVersion: String? = nil, timeoutSeconds: Int,
                       onEvent: (WatchEvent) throws -> WatchControl) throws -> Bool {
        try watch(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name, labelSelector: labelSelector,
                  resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds,
                  streamTimeout: Double(timeoutSeconds) + Self.watchGrace, onEvent: onEvent)
    }

    /// Every change of a watch (see the streaming `watch`), returned once the server ends it after
    /// `timeoutSeconds`.
    package func watch(apiVersion: String, kind: String, namespace: String?, name: String? = nil,
                       labelSelector: String? = nil, resourceVersion: String? = nil,
                       timeoutSeconds: Int) throws -> [WatchEvent] {
        var events: [WatchEvent] = []
        try watch(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name, labelSelector: labelSelector,
                  resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds) { event in
            events.append(event)
            return .keepWatching
        }
        return events
    }

    /// The streaming watch, whose HTTP stream gives up after `streamTimeout` seconds (a timeout
    /// `transport` error).
    @discardableResult
    private func watch(apiVersion: String, kind: String, namespace: String?, name: String?, labelSelector: String?,
                       resourceVersion: String?, timeoutSeconds: Int, streamTimeout: Double,
                       onEvent: (WatchEvent) throws -> WatchControl) throws -> Bool {
        let resource = try resource(for: apiVersion, kind: kind)
        let path = path(resource, namespace: namespace, name: nil)
        var query = [("watch", "1"), ("timeoutSeconds", String(timeoutSeconds))]
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let name { query.append(("fieldSelector", "metadata.name=" + name)) }
        // One event per line; a line may arrive in several pieces, and a piece hold several lines.
        var pending = Data()
        func deliver(_ line: Data) throws -> StreamControl {
            guard let event = try Self.event(line, resource: resource, path: path) else { return .proceed }
            return try onEvent(event) == .stop ? .stop : .proceed
        }
        let stopped = try stream(path, query: query, timeout: streamTimeout) { chunk in
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(pending[pending.startIndex..<newline])
                pending.removeSubrange(pending.startIndex...newline)
                if try deliver(line) == .stop { return .stop }
            }
            return .proceed
        }
        // The server ended the stream after a last line without its newline.
        if !stopped, !pending.isEmpty { return try deliver(pending) == .stop }
        return stopped
    }

    /// The event of one line of a watch; nil for a blank line or a type this client does not know.
    private static func event(_ line: Data, resource: ResourceInfo, path: String) throws -> WatchEvent? {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { return nil }
        guard let event = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
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
        guard let type = WatchEvent.EventType(rawValue: typeName) else { return nil }
        // Watch events, like list items, may leave out apiVersion and kind.
        object["apiVersion"] = object["apiVersion"] ?? resource.apiVersion
        object["kind"] = object["kind"] ?? resource.kind
        return WatchEvent(type: type, object: object)
    }

    /// Waits until `condition` holds for the object (nil: there is none, to wait for a deletion)
    /// and returns it as it then was, the moment a watch event shows it. It reads the object first
    /// (returning at once when the condition holds), then watches it from that read's
    /// resourceVersion, checking every state it passes through, in watch requests of at most
    /// `window` seconds (each re-opened from the last resourceVersion seen) until `timeout`
    /// seconds have passed: then `KubeWaitTimeout` naming the object and `awaited` ("ready",
    /// "deleted"). A watch that fails (410 Expired, a dropped connection) is recovered by reading
    /// the object again and watching from there; an error reading it is thrown.
    ///
    /// The object is read as a list of the one name, as kubectl wait does: the list's
    /// resourceVersion is the collection's, current even when the object itself has not changed
    /// for long, so watching from it is not `Expired` at once (the object's own would be, once
    /// the server forgot the changes since).
    @discardableResult
    package func waitUntil(apiVersion: String, kind: String, namespace: String?, name: String, timeout: Double,
                           awaited: String, window: Int = KubeClient.longestWatchWindow,
                           condition: ([String: Any]?) throws -> Bool) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        var (object, since) = try read(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
        if try condition(object) { return object }
        // Watches that failed in a row: a server that keeps cutting them is not asked again at once.
        var failures = 0
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                let place = namespace.map { " in namespace \"\($0)\"" } ?? ""
                throw KubeWaitTimeout(object: "\(kind) \"\(name)\"\(place)", awaited: awaited, seconds: timeout)
            }
            var met = false
            do {
                // The stream itself ends at the deadline, though the server counts whole seconds.
                let seconds = max(1, min(window, Int(left.rounded(.up))))
                try watch(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name, labelSelector: nil,
                          resourceVersion: since, timeoutSeconds: seconds,
                          streamTimeout: min(Double(seconds) + Self.watchGrace, left)) { event in
                    since = event.resourceVersion ?? since
                    if event.type == .bookmark { return .keepWatching }
                    object = event.type == .deleted ? nil : event.object
                    met = try condition(object)
                    return met ? .stop : .keepWatching
                }
                failures = 0
            } catch let error as KubeAPIError where error.code == 410 || error.kind == .transport {
                if error.kind == .transport {
                    // The stream's own deadline ran out: the loop's check reports the timeout.
                    if error.transport?.isTimeout == true, deadline.timeIntervalSinceNow <= 0 { continue }
                    failures += 1
                    // 0.1 s after the second failure in a row, doubling up to 1.6 s.
                    if failures > 1 {
                        Thread.sleep(forTimeInterval: min(0.1 * Double(1 << min(failures - 2, 4)), deadline.timeIntervalSinceNow))
                    }
                }
                // Too old to replay, or cut off: read the object anew and watch from there.
                (object, since) = try read(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
                if try condition(object) { return object }
                continue
            }
            if met { return object }
        }
    }

    /// The object `name` (nil when there is none) and the resourceVersion to watch it from: a
    /// list of that one name, retried as reads are.
    private func read(apiVersion: String, kind: String, namespace: String?,
                      name: String) throws -> (object: [String: Any]?, resourceVersion: String?) {
        let resource = try resource(for: apiVersion, kind: kind)
        let path = path(resource, namespace: namespace, name: nil)
        let body = try sendRaw("GET", path, query: [("fieldSelector", "metadata.name=" + name)])
        guard let list = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw KubeAPIError(kind: .other, message: "GET \(path): the server's answer is not a JSON object",
                               method: "GET", path: path)
        }
        var object = (list["items"] as? [[String: Any]])?.first
        // List items, like watch events, may leave out apiVersion and kind.
        object?["apiVersion"] = resource.apiVersion
        object?["kind"] = resource.kind
        return (object, (list["metadata"] as? [String: Any])?["resourceVersion"] as? String)
    }
}
