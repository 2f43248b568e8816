import Foundation
import HTTP
import Kube
import TestSupport
import Testing

/// The `Warning:` texts a client delivered.
final class Warnings: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []
    func add(_ text: String) { lock.withLock { texts.append(text) } }
    var all: [String] { lock.withLock { texts } }
}

/// A client of `server` through a kubeconfig with `credential`, retrying fast.
func kubeClient(_ server: FakeKubeServer, _ credential: FakeKubeServer.Credential? = nil,
                warnings: Warnings = Warnings()) throws -> KubeClient {
    let scene = try KubeScene()
    let path = try server.writeKubeconfig("kubeconfig-" + UUID().uuidString,
                                          credential ?? .clientCertificate(server.clientCertificatePEM, key: server.clientKeyPEM))
    return try KubeClient(configuration: try scene.load(kubeconfig: path), environment: [:], userAgent: "edpctl/test",
                          retry: RetryPolicy(maxAttempts: 4, initialDelay: 0.05, maxDelay: 0.2, maxElapsed: 10),
                          warning: { warnings.add($0) })
}

func secret(_ name: String, namespace: String = "penvoice", data: [String: String] = [:]) -> [String: Any] {
    ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": name, "namespace": namespace], "type": "Opaque",
     "data": data.mapValues { Data($0.utf8).base64EncodedString() }]
}

func namespace(_ name: String) -> [String: Any] {
    ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": name]]
}

/// The error `body` throws, as a `KubeAPIError`.
func kubeError(_ body: () throws -> Void) throws -> KubeAPIError {
    do {
        try body()
    } catch let error as KubeAPIError {
        return error
    }
    Issue.record("no error thrown")
    throw SupportError("no error thrown")
}

func metadata(_ object: [String: Any]?) -> [String: Any] { object?["metadata"] as? [String: Any] ?? [:] }

@Suite struct KubeClientAuthTests {
    @Test func clientCertificateAndTokenAreWhoTheServerSees() throws {
        let server = try FakeKubeServer()
        let byCertificate = try kubeClient(server)
        let byToken = try kubeClient(server, .token(server.token))
        try byCertificate.create(namespace("penvoice"))
        #expect(try byToken.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "penvoice") != nil)
        let users = try server.requests().filter { $0.path == "/api/v1/namespaces" || $0.path == "/api/v1/namespaces/penvoice" }
            .map { $0.user ?? "-" }
        #expect(users == ["admin", "ci"])
    }

    @Test func aWrongTokenIsUnauthorizedAndNotShown() throws {
        let server = try FakeKubeServer()
        let wrong = "wrong-" + UUID().uuidString
        let client = try kubeClient(server, .token(wrong))
        let error = try kubeError { _ = try client.get(apiVersion: "v1", kind: "Secret", namespace: "default", name: "x") }
        #expect(error.kind == .unauthorized)
        #expect(error.code == 401)
        #expect(error.description == "unauthorized: Unauthorized")
        #expect(!error.description.contains(wrong))
    }
}

@Suite struct KubeClientDiscoveryTests {
    @Test func kindsMapToTheirResources() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        #expect(try client.resource(for: "v1", kind: "Secret")
                == ResourceInfo(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true))
        #expect(try client.resource(for: "v1", kind: "Namespace").namespaced == false)
        #expect(try client.resource(for: "v1", kind: "ConfigMap").plural == "configmaps")
        // Cached: one discovery request for the three.
        #expect(try server.counters().paths["GET /api/v1"] == 1)
    }

    @Test func aKindRegisteredAfterDiscoveryIsFoundAfterOneRefresh() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try server.registerKind(group: "example.com", version: "v1", kind: "Gadget", plural: "gadgets")
        #expect(try client.resource(for: "example.com/v1", kind: "Gadget").plural == "gadgets")
        try server.registerKind(group: "example.com", version: "v1", kind: "Widget", plural: "widgetries", namespaced: false)
        #expect(try client.resource(for: "example.com/v1", kind: "Widget")
                == ResourceInfo(group: "example.com", version: "v1", kind: "Widget", plural: "widgetries", namespaced: false))
        #expect(try server.counters().paths["GET /apis/example.com/v1"] == 2)
    }

    @Test func anUnknownKindIsAnErrorAfterOneRefresh() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        _ = try client.resource(for: "v1", kind: "Secret")
        let error = try kubeError { _ = try client.resource(for: "v1", kind: "Sekret") }
        #expect(error.kind == .unknownKind)
        #expect(error.description == "no resource for kind \"Sekret\" in apiVersion \"v1\"")
        #expect(try server.counters().paths["GET /api/v1"] == 2)
        let group = try kubeError { _ = try client.resource(for: "nowhere.example.com/v1", kind: "Thing") }
        #expect(group.description == "no resource for kind \"Thing\" in apiVersion \"nowhere.example.com/v1\"")
    }
}

@Suite struct KubeClientVerbTests {
    @Test func createGetUpdateDelete() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        let created = try client.create(secret("api", data: ["token": "one"]))
        #expect(metadata(created)["resourceVersion"] as? String != nil)

        let again = try kubeError { try client.create(secret("api")) }
        #expect(again.kind == .alreadyExists)
        #expect(again.description == "already exists: secrets \"api\" already exists")

        var fetched = try #require(try client.get(apiVersion: "v1", kind: "Secret", namespace: "penvoice", name: "api"))
        fetched["data"] = ["token": Data("two".utf8).base64EncodedString()]
        let updated = try client.update(fetched)
        #expect(metadata(updated)["resourceVersion"] as? String != metadata(fetched)["resourceVersion"] as? String)

        // `fetched` still carries the old resourceVersion.
        let stale = try kubeError { try client.update(fetched) }
        #expect(stale.kind == .conflict)
        #expect(stale.description.hasPrefix("conflict: Operation cannot be fulfilled on secrets \"api\""))

        #expect(try client.delete(apiVersion: "v1", kind: "Secret", namespace: "penvoice", name: "api"))
        #expect(try client.get(apiVersion: "v1", kind: "Secret", namespace: "penvoice", name: "api") == nil)
        #expect(try !client.delete(apiVersion: "v1", kind: "Secret", namespace: "penvoice", name: "api"))
        #expect(try server.object(at: "/api/v1/namespaces/penvoice/secrets/api") == nil)
    }

    @Test func mergePatchAndDryRun() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try client.create(secret("dry"), dryRun: true)
        #expect(try server.object(at: "/api/v1/namespaces/penvoice/secrets/dry") == nil)
        try client.create(secret("api"))
        try client.patch(apiVersion: "v1", kind: "Secret", namespace: "penvoice", name: "api",
                         merge: ["metadata": ["labels": ["app": "penvoice"]]])
        let stored = try #require(try server.object(at: "/api/v1/namespaces/penvoice/secrets/api"))
        #expect(metadata(stored)["labels"] as? [String: String] == ["app": "penvoice"])
    }

    @Test func listCollectsEveryPage() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        for index in 1...5 {
            try client.create(["apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": ["name": "c\(index)", "namespace": "penvoice", "labels": ["set": "a"]]])
        }
        try client.create(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "other", "namespace": "penvoice"]])
        try server.reset()
        let items = try client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "penvoice", labelSelector: "set=a", pageSize: 2)
        #expect(items.map { metadata($0)["name"] as? String ?? "" }.sorted() == ["c1", "c2", "c3", "c4", "c5"])
        #expect(items.allSatisfy { $0["kind"] as? String == "ConfigMap" && $0["apiVersion"] as? String == "v1" })
        let pages = try server.requests().filter { $0.verb == "list" }
        #expect(pages.count == 3)
        #expect(pages.allSatisfy { $0.query.contains("limit=2") && $0.query.contains("labelSelector=set%3Da") })
    }

    @Test func applyTwiceChangesNothing() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        let first = try client.apply(secret("api", data: ["token": "one"]))
        let second = try client.apply(secret("api", data: ["token": "one"]))
        #expect(metadata(first)["resourceVersion"] as? String == metadata(second)["resourceVersion"] as? String)
        let applies = try server.requests().filter { $0.verb == "patch" }
        #expect(applies.count == 2)
        #expect(applies.allSatisfy { $0.query.contains("fieldManager=edpctl") && $0.query.contains("fieldValidation=Strict")
            && !$0.query.contains("force") })
        let managers = (metadata(second)["managedFields"] as? [[String: Any]] ?? []).compactMap { $0["manager"] as? String }
        #expect(managers == ["edpctl"])
    }

    @Test func applyConflictsWithAnotherManagerUnlessForced() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try client.apply(secret("api", data: ["token": "theirs"]), fieldManager: "argocd")
        let error = try kubeError { try client.apply(secret("api", data: ["token": "ours"])) }
        #expect(error.kind == .conflict)
        #expect(error.description == "conflict: Apply failed with 1 conflict: conflict with \"argocd\" using v1: .data.token")
        #expect(!error.description.contains("ours") && !error.description.contains("theirs"))
        try client.apply(secret("api", data: ["token": "ours"]), force: true)
        let stored = try #require(try server.object(at: "/api/v1/namespaces/penvoice/secrets/api"))
        #expect(stored["data"] as? [String: String] == ["token": Data("ours".utf8).base64EncodedString()])
        #expect(try server.requests().filter { $0.verb == "patch" }.map { $0.query.contains("force=true") } == [false, false, true])
    }

    @Test func aMisspeltFieldIsRefused() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        var object = secret("api")
        object["strinData"] = ["token": "value-\(UUID().uuidString)"]
        let error = try kubeError { try client.apply(object) }
        #expect(error.kind == .badRequest)
        #expect(error.description.hasPrefix("bad request: failed to create typed patch object (penvoice/api; /v1, Kind=Secret)"))
        #expect(error.description.contains(".strinData: field not declared in schema"))
        #expect(try server.object(at: "/api/v1/namespaces/penvoice/secrets/api") == nil)
    }

    @Test func anInvalidObjectSaysWhichField() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        let error = try kubeError { try client.create(secret("Not_A_Name")) }
        #expect(error.kind == .invalid)
        #expect(error.code == 422)
        #expect(error.description.hasPrefix("invalid: Secret \"Not_A_Name\" is invalid: metadata.name: Invalid value: \"Not_A_Name\""))
        #expect(error.causes.count == 1)
    }

    @Test func forbiddenSaysWhoCannotDoWhat() throws {
        let server = try FakeKubeServer()
        try kubeClient(server).create(namespace("penvoice"))
        try server.deny(user: "ci", verb: "create", resource: "secrets", namespace: "penvoice")
        let client = try kubeClient(server, .token(server.token))
        let error = try kubeError { try client.create(secret("api", data: ["token": "hidden"])) }
        #expect(error.kind == .forbidden)
        #expect(error.code == 403)
        #expect(error.description.hasPrefix("forbidden: "))
        #expect(error.description.contains("User \"ci\" cannot create resource \"secrets\""))
        #expect(error.description.contains("\"penvoice\""))
    }

    @Test func warningsAreDelivered() throws {
        let server = try FakeKubeServer()
        try server.registerKind(group: "example.com", version: "v1beta1", kind: "Widget", plural: "widgets", namespaced: false,
                                deprecationWarning: "example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget")
        let warnings = Warnings()
        let client = try kubeClient(server, warnings: warnings)
        try client.create(["apiVersion": "example.com/v1beta1", "kind": "Widget", "metadata": ["name": "w"]])
        _ = try client.get(apiVersion: "example.com/v1beta1", kind: "Widget", namespace: nil, name: "w")
        // Shown once however many answers carry it, as kubectl does.
        #expect(warnings.all == ["example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget"])
    }
}

@Suite struct KubeClientRetryTests {
    @Test func throttledThenAnswered() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        _ = try client.resource(for: "v1", kind: "Namespace")
        try server.inject(.throttle(count: 1, retryAfter: 1), method: "GET", path: "/namespaces/default")
        let start = Date()
        #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default") != nil)
        #expect(Date().timeIntervalSince(start) >= 0.9)  // Retry-After was waited
        #expect(try server.requests().filter { $0.path == "/api/v1/namespaces/default" }.map(\.code) == [429, 200])
    }

    @Test func serverErrorsAndADroppedConnectionAreRetried() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try server.inject(.errors(count: 2, code: 503), method: "PUT")
        var object = try #require(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "penvoice"))
        object["metadata"] = metadata(object).merging(["labels": ["a": "b"]]) { $1 }
        try client.update(object)
        try server.inject(.drop(count: 1), method: "GET", path: "/namespaces/penvoice")
        #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "penvoice") != nil)
        let codes = try server.requests().filter { $0.path == "/api/v1/namespaces/penvoice" }.map(\.code)
        #expect(codes == [200, 503, 503, 200, 0, 200])
    }

    @Test func aCreateIsNotRetried() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        try client.create(namespace("penvoice"))
        try server.inject(.errors(count: 1, code: 503), method: "POST")
        let error = try kubeError { try client.create(secret("api")) }
        #expect(error.kind == .serverError)
        #expect(error.code == 503)
        #expect(try server.requests().filter { $0.method == "POST" }.count == 2)  // the namespace, then one try
    }

    @Test func requestsShareAConnection() throws {
        let server = try FakeKubeServer()
        let client = try kubeClient(server)
        for _ in 0..<20 {
            _ = try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default")
        }
        let connections = try server.counters().connections
        #expect(connections >= 1 && connections <= 2)
        #expect(client.connectionsOpened <= 2)
    }
}

@Suite struct KubeClientLeakTests {
    @Test func noTokenOrValueInAnyError() throws {
        let server = try FakeKubeServer()
        try kubeClient(server).create(namespace("penvoice"))
        let value = "s3cr3t-" + UUID().uuidString
        let wrongToken = "wrong-" + UUID().uuidString
        try server.deny(user: "ci", verb: "create", resource: "secrets", namespace: "penvoice")
        let byToken = try kubeClient(server, .token(server.token))
        let byWrongToken = try kubeClient(server, .token(wrongToken))
        let byCertificate = try kubeClient(server)
        var strict = secret("typo", data: ["token": value])
        strict["strinData"] = ["token": value]
        var invalid = secret("Not_A_Name", data: ["token": value])
        invalid["metadata"] = ["name": "Not_A_Name", "namespace": "penvoice", "labels": ["v": value]]
        var descriptions: [String] = []
        for attempt: () throws -> Void in [
            { try byToken.create(secret("api", data: ["token": value])) },
            { try byWrongToken.create(secret("api", data: ["token": value])) },
            {
                try server.inject(.errors(count: 1, code: 500), method: "POST")
                try byCertificate.create(secret("api", data: ["token": value]))
            },
            {
                try server.inject(.drop(count: 4), method: "PATCH")  // every attempt: a transport error
                try byCertificate.apply(strict)
            },
            { try byCertificate.apply(strict) },  // strict field validation
            { try byCertificate.create(invalid) },
        ] {
            descriptions.append("\(try kubeError(attempt))")
        }
        #expect(descriptions.count == 6)
        let forbidden = [value, Data(value.utf8).base64EncodedString(), wrongToken, server.token]
        for description in descriptions {
            #expect(!forbidden.contains(where: description.contains), "\(description)")
        }
    }
}
