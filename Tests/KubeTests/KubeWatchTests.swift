import Foundation
import HTTP
import Kube
import TestSupport
import Testing

private func configMap(_ name: String, data: [String: String] = [:], labels: [String: String] = [:]) -> [String: Any] {
    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": name, "namespace": "penvoice", "labels": labels],
     "data": data]
}

/// Runs `body` on a thread of its own after `delay` seconds; wait on the answer for it to end.
private func after(_ delay: Double, _ body: @escaping @Sendable () throws -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    Thread {
        Thread.sleep(forTimeInterval: delay)
        do { try body() } catch { Issue.record("the concurrent writer failed: \(error)") }
        done.signal()
    }.start()
    return done
}

private func names(_ events: [WatchEvent]) -> [String] {
    events.map { "\($0.type.rawValue) \(metadata($0.object)["name"] as? String ?? "?")" }
}

@Suite struct KubeWatchTests {
    @Test func aWatchSeesChangesMadeWhileItIsOpen() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        let writer = after(0.5) {
            try client.create(configMap("a", data: ["step": "1"]))
            var current = try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "a") ?? [:]
            current["data"] = ["step": "2"]
            try client.update(current)
            try client.delete(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "a")
        }
        let started = Date()
        let events = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", timeoutSeconds: 2)
        writer.wait()
        #expect(names(events) == ["ADDED a", "MODIFIED a", "DELETED a"])
        #expect((events[safe: 1]?.object["data"] as? [String: String]) == ["step": "2"])
        #expect(events.first?.object["kind"] as? String == "ConfigMap")
        // The server ends the watch at its timeout, not before.
        #expect(Date().timeIntervalSince(started) >= 1.9)
    }

    @Test func aWatchReplaysFromAResourceVersion() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        let created = try client.create(configMap("a", data: ["step": "1"]))
        try client.patch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "a", merge: ["data": ["step": "2"]])
        try client.create(configMap("b"))
        let since = try #require(metadata(created)["resourceVersion"] as? String)
        let events = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice",
                                      resourceVersion: since, timeoutSeconds: 1)
        #expect(names(events) == ["MODIFIED a", "ADDED b"])
        let versions = events.compactMap { Int($0.resourceVersion ?? "") }
        #expect(versions.count == 2 && versions.allSatisfy { $0 > Int(since)! } && versions == versions.sorted())
        // Without a resourceVersion: the current objects, as ADDED.
        let current = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", timeoutSeconds: 1)
        #expect(names(current) == ["ADDED a", "ADDED b"])
        // Older than the server's history: 410 Expired, for the caller to read anew.
        let expired = try kubeError {
            _ = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", resourceVersion: "1", timeoutSeconds: 1)
        }
        #expect(expired.code == 410 && expired.reason == "Expired")
    }

    @Test func aWatchFiltersByLabelAndName() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try client.create(configMap("a1", labels: ["app": "a"]))
        try client.create(configMap("b1", labels: ["app": "b"]))
        let writer = after(0.3) {
            try client.create(configMap("a2", labels: ["app": "a"]))
            try client.create(configMap("b2", labels: ["app": "b"]))
        }
        let events = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", labelSelector: "app=a",
                                      timeoutSeconds: 1)
        writer.wait()
        #expect(names(events) == ["ADDED a1", "ADDED a2"])
        let one = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "b2", timeoutSeconds: 1)
        #expect(names(one) == ["ADDED b2"])
    }

    @Test func aWatchRefusedIsTheServersStatus() throws {
        let server = try FakeKubeServer()
        let scene = try KubeScene()
        let tokenFile = try scene.file("token", server.token)
        let kubeconfig = server.kubeconfig(.token("PLACEHOLDER"))
            .replacingOccurrences(of: "    token: PLACEHOLDER", with: "    tokenFile: \(tokenFile)")
        let client = try KubeClient(configuration: try scene.load(kubeconfig: try scene.file("kubeconfig", kubeconfig)),
                                    environment: [:], warning: { _ in })
        try client.create(namespace("penvoice"))
        // The token file is read at each request: the watch goes with a token the server does not know.
        try write("unknown-" + UUID().uuidString, to: tokenFile)
        var events = 0
        let error = try kubeError {
            try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", timeoutSeconds: 5) { _ in
                events += 1
                return .keepWatching
            }
        }
        #expect(error.kind == .unauthorized && error.code == 401 && events == 0)
        #expect("\(error)" == "unauthorized: Unauthorized", "\(error)")
    }

    @Test func waitUntilReturnsAtOnceWhenTheConditionHolds() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try client.create(configMap("flag", data: ["ready": "true"]))
        let started = Date()
        let object = try client.waitUntil(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "flag",
                                          timeout: 10, awaited: "ready") { ($0?["data"] as? [String: String])?["ready"] == "true" }
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(metadata(object)["name"] as? String == "flag")
        #expect(try server.requests().filter { $0.verb == "watch" }.isEmpty)
    }

    @Test func waitUntilReturnsWhenAConcurrentUpdateMakesItTrue() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try client.create(configMap("flag", data: ["ready": "false"]))
        let writer = after(1) {
            try client.patch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "flag",
                             merge: ["data": ["ready": "true"]])
        }
        let started = Date()
        let object = try client.waitUntil(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "flag",
                                          timeout: 10, awaited: "ready") { ($0?["data"] as? [String: String])?["ready"] == "true" }
        let elapsed = Date().timeIntervalSince(started)
        writer.wait()
        #expect((object?["data"] as? [String: String])?["ready"] == "true")
        #expect(elapsed >= 0.9 && elapsed < 4, "returned after \(elapsed) s")
    }

    @Test func waitUntilSeesADeletion() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try client.create(configMap("doomed"))
        let writer = after(0.5) {
            try client.delete(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "doomed")
        }
        let object = try client.waitUntil(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "doomed",
                                          timeout: 10, awaited: "deleted") { $0 == nil }
        writer.wait()
        #expect(object == nil)
    }

    @Test func waitUntilFailsClearlyAfterItsTimeout() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try client.create(configMap("flag", data: ["ready": "false"]))
        let started = Date()
        var caught: KubeWaitTimeout?
        do {
            try client.waitUntil(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "flag",
                                 timeout: 2, awaited: "ready") { ($0?["data"] as? [String: String])?["ready"] == "true" }
        } catch let error as KubeWaitTimeout {
            caught = error
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(caught?.description == "timed out after 2 s waiting for ConfigMap \"flag\" in namespace \"penvoice\" to be ready")
        #expect(elapsed >= 2 && elapsed < 3.5, "failed after \(elapsed) s")
    }
}

/// `ConfigMap penvoice/flag`'s `data.ready` is "true".
private func ready(_ object: [String: Any]?) -> Bool { (object?["data"] as? [String: String])?["ready"] == "true" }

/// A time written by one thread and read by another after it signalled.
final class Moment: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date?
    func mark() { lock.withLock { date = Date() } }
    var value: Date? { lock.withLock { date } }
}

/// waitUntil against changes, timeouts and faults, timed: serialized, so parallel siblings on a
/// shared machine do not blur the times.
@Suite(.serialized) struct KubeWaitTests {
    private let server: FakeKubeServer
    private let client: KubeClient

    init() throws {
        server = try FakeKubeServer()
        client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try client.create(configMap("flag", data: ["ready": "false"]))
    }

    /// Makes `flag` ready after `delay` seconds, marking when the change was sent.
    private func makeReady(after delay: Double, through writer: KubeClient? = nil) -> (DispatchSemaphore, Moment) {
        let changed = Moment()
        let writer = writer ?? client
        let done = after(delay) {
            changed.mark()
            try writer.patch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "flag",
                             merge: ["data": ["ready": "true"]])
        }
        return (done, changed)
    }

    private func waitForFlag(_ client: KubeClient, timeout: Double = 10, window: Int = KubeClient.longestWatchWindow) throws -> [String: Any]? {
        try client.waitUntil(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "flag",
                             timeout: timeout, awaited: "ready", window: window, condition: ready)
    }

    @Test func aWaitReturnsAsSoonAsTheChangeArrives() throws {
        let (writer, changed) = makeReady(after: 0.3)
        let started = Date()
        let object = try waitForFlag(client)
        let returned = Date()
        writer.wait()
        #expect(ready(object))
        let latency = returned.timeIntervalSince(try #require(changed.value))
        #expect(latency < 0.25, "returned \(latency) s after the change")
        #expect(returned.timeIntervalSince(started) < 0.8, "returned after \(returned.timeIntervalSince(started)) s")
        // One watch, stopped by the wait, not one per second.
        #expect(try server.requests().filter { $0.verb == "watch" }.count == 1)
    }

    @Test func aWaitTimesOutAtItsDeadlineWithTheSameMessage() throws {
        let started = Date()
        var caught: KubeWaitTimeout?
        do {
            try client.waitUntil(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "flag",
                                 timeout: 1.5, awaited: "ready", condition: ready)
        } catch let error as KubeWaitTimeout {
            caught = error
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(caught?.description == "timed out after 1.5 s waiting for ConfigMap \"flag\" in namespace \"penvoice\" to be ready")
        // The server counts whole seconds (2 here); the stream ends at the deadline itself.
        #expect(elapsed >= 1.5 && elapsed < 1.9, "failed after \(elapsed) s")
    }

    @Test func aWaitRecoversFromAnExpiredResourceVersion() throws {
        // 1-s watch windows: the second starts from a resourceVersion the server forgot meanwhile
        // (it keeps 1000 changes; the others' changes are not flag's, so the wait's stays old).
        let churn = after(0.1) {
            for index in 0..<1010 {
                try server.put(configMap("churn-\(index % 10)", data: ["n": String(index)]))
            }
        }
        let (writer, changed) = makeReady(after: 2.5)
        let object = try waitForFlag(client, window: 1)
        let returned = Date()
        churn.wait()
        writer.wait()
        #expect(ready(object))
        let latency = returned.timeIntervalSince(try #require(changed.value))
        #expect(latency < 0.5, "returned \(latency) s after the change")
        let watches = try server.requests().filter { $0.verb == "watch" }
        #expect(watches.contains { $0.code == 410 }, "\(watches)")
        #expect(watches.last?.code == 200)
    }

    @Test func aWaitRecoversFromAWatchRefusedByADroppedConnection() throws {
        // 1-s windows: the watch after the first, and the list the wait then reads the object
        // with, meet dropped connections (HTTP retries the list; a watch it never retries).
        let faults = after(0.5) {
            try server.inject(.drop(count: 2), method: "GET", path: "/api/v1/namespaces/penvoice/configmaps")
        }
        let (writer, changed) = makeReady(after: 2.5)
        let object = try waitForFlag(client, window: 1)
        let returned = Date()
        faults.wait()
        writer.wait()
        #expect(ready(object))
        let latency = returned.timeIntervalSince(try #require(changed.value))
        #expect(latency < 0.5, "returned \(latency) s after the change")
        let requests = try server.requests()
        #expect(requests.filter { $0.code == 0 }.count == 2, "\(requests)")
        #expect(requests.last { $0.verb == "watch" }?.code == 200)
    }

    @Test func aWaitRecoversFromAWatchCutInTheMiddleOfItsStream() throws {
        let folder = try TemporaryFolder("kube-relay")
        let relay = try CuttingRelay(to: server.port, folder: folder)
        let kubeconfig = server.kubeconfig(.clientCertificate(server.clientCertificatePEM, key: server.clientKeyPEM))
            .replacingOccurrences(of: server.url, with: "https://127.0.0.1:\(relay.port)")
        let path = folder.child("kubeconfig")
        try write(kubeconfig, to: path)
        let relayed = try KubeClient(configuration: try KubeScene().load(kubeconfig: path), environment: [:],
                                     retry: RetryPolicy(maxAttempts: 4, initialDelay: 0.05, maxDelay: 0.2, maxElapsed: 10),
                                     warning: { _ in })
        let cut = Moment()
        let cutter = after(0.5) {
            let count = try relay.cut()
            #expect(count >= 1, "no connection to cut")
            cut.mark()
        }
        // Made ready 0.5 s after the cut, through the server's own port: only a new watch sees it.
        let (writer, changed) = makeReady(after: 1)
        let started = Date()
        let object = try waitForFlag(relayed)
        let returned = Date()
        cutter.wait()
        writer.wait()
        #expect(ready(object))
        #expect(try #require(cut.value) < (try #require(changed.value)))
        let latency = returned.timeIntervalSince(try #require(changed.value))
        #expect(latency < 0.25, "returned \(latency) s after the change")
        #expect(returned.timeIntervalSince(started) < 1.5)
        #expect(try server.requests().filter { $0.verb == "watch" }.count == 2)
    }

    @Test func anEventLongerThanAPieceOfTheStreamIsDecodedWhole() throws {
        // libcurl hands a write callback at most CURL_MAX_WRITE_SIZE (16 KB) at a time, so this
        // event's line arrives in many pieces.
        let blob = String((0..<200_000).map { _ in "abcdefghij".randomElement()! })
        let writer = after(0.3) {
            try client.create(configMap("big", data: ["blob": blob]))
            try client.create(configMap("after"))
        }
        var seen: [(String, Int)] = []
        try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", timeoutSeconds: 10) { event in
            let data = event.object["data"] as? [String: String] ?? [:]
            seen.append((metadata(event.object)["name"] as? String ?? "?", data["blob"]?.count ?? 0))
            if metadata(event.object)["name"] as? String == "big" { #expect(data["blob"] == blob) }
            return seen.count == 3 ? .stop : .keepWatching
        }
        writer.wait()
        #expect(seen.map(\.0) == ["flag", "big", "after"])
        #expect(seen.map(\.1) == [0, 200_000, 0])
    }

    @Test func aWatchStopsWhenItsCallerAsks() throws {
        try client.create(configMap("other"))
        var seen: [String] = []
        let started = Date()
        let stopped = try client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", timeoutSeconds: 30) { event in
            seen.append(metadata(event.object)["name"] as? String ?? "?")
            return seen.count == 2 ? .stop : .keepWatching
        }
        #expect(stopped && seen == ["flag", "other"])
        #expect(Date().timeIntervalSince(started) < 1)
        // The client goes on after a stopped watch.
        #expect(try client.get(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", name: "other") != nil)
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
