import Foundation
import Kube
import TestSupport
import Testing

/// The fake API server's CRDs as a watch sees them: what a step waiting for a CRD (the Keycloak
/// operator's, installed from gitops) relies on.
@Suite struct FakeCRDWatchTests {
    static var crd: [String: Any] { [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": ["group": "example.com", "scope": "Namespaced",
                 "names": ["kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"],
                 "versions": [["name": "v1", "served": true, "storage": true,
                               "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]]],
    ] }

    static func established(_ object: [String: Any]?) -> Bool {
        let conditions = (object?["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
        return conditions.contains { $0["type"] as? String == "Established" && $0["status"] as? String == "True" }
    }

    /// Established at once (no delay simulated): the watch still gets the Established status as an event
    /// of its own, so a wait that started before the CRD existed returns.
    @Test func aWaitStartedBeforeTheCRDExistsSeesItEstablished() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        let creator = Thread {
            Thread.sleep(forTimeInterval: 0.5)
            _ = try? client.create(Self.crd)
        }
        let started = Date()
        creator.start()
        let found = try client.waitUntil(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", namespace: nil,
                                         name: "widgets.example.com", timeout: 5, awaited: "Established") { Self.established($0) }
        #expect(Self.established(found))
        #expect(Date().timeIntervalSince(started) < 3, "the wait ran out its time instead of seeing the CRD Established")
    }
}
