import Foundation
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

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
