import Foundation
import Testing
import TestSupport

// The fake Kubernetes API server (Tests/Support/fake-kube-apiserver.py) held to real clients:
// kubectl, through the kubeconfig the fixture writes, and curl for the raw Status bodies.

private let kubectlPath = installed("kubectl")
private let curlPath = installed("curl")

@Suite(.enabled(if: kubectlPath != nil, "kubectl is not installed (make test installs Debian's kubectl)"))
struct FakeKubeServerKubectlTests {
    let server: FakeKubeServer
    private let kubectl: Kubectl

    init() throws {
        server = try FakeKubeServer()
        kubectl = Kubectl(kubeconfig: server.kubeconfigPath, cacheDirectory: server.folder.child("kube-cache"))
    }

    @Test func createdSecretReadsBackTheSameValue() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        let value = "wJalr+XUtnFEMI/K7MDENG/bPxRfiCY=="
        #expect(try kubectl.succeed("create", "secret", "generic", "s3", "-n", "penvoice",
                                    "--from-literal=secret-key=\(value)", "--from-literal=access-key=0a1b2c")
                == "secret/s3 created\n")
        let secret = try json(kubectl.succeed("get", "secret", "s3", "-n", "penvoice", "-o", "json"))
        let data = try #require(secret["data"] as? [String: String])
        #expect(data.mapValues { String(decoding: Data(base64Encoded: $0) ?? Data(), as: UTF8.self) }
                == ["secret-key": value, "access-key": "0a1b2c"])
        #expect(secret["type"] as? String == "Opaque")
        let metadata = try #require(secret["metadata"] as? [String: Any])
        #expect((metadata["uid"] as? String)?.count == 36)
        #expect(Int(metadata["resourceVersion"] as? String ?? "") != nil)
        #expect(metadata["generation"] as? Int == 1)
        #expect(metadata["creationTimestamp"] is String)
        let creates = try server.requests().filter { $0.verb == "create" }
        #expect(creates.map { "\($0.method) \($0.path) \($0.user ?? "-") \($0.code)" } == [
            "POST /api/v1/namespaces admin 201",
            "POST /api/v1/namespaces/penvoice/secrets admin 201",
        ])
    }

    @Test func createErrorsAreKubectlsNotFoundAndAlreadyExists() throws {
        let missing = try kubectl.fail("create", "secret", "generic", "x", "-n", "nowhere", "--from-literal=a=b")
        #expect(missing.contains(#"error: failed to create secret namespaces "nowhere" not found"#), "\(missing)")
        try kubectl.succeed("create", "namespace", "penvoice")
        try kubectl.succeed("create", "secret", "generic", "x", "-n", "penvoice", "--from-literal=a=b")
        let twice = try kubectl.fail("create", "secret", "generic", "x", "-n", "penvoice", "--from-literal=a=b")
        #expect(twice.contains(#"error: failed to create secret secrets "x" already exists"#), "\(twice)")
    }

    @Test func serverSideApplyTwiceChangesNothingTheSecondTime() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        let manifest = try writeManifest("secret.yaml", secretManifest(value: "first"))
        #expect(try kubectl.succeed("apply", "--server-side", "-f", manifest) == "secret/api-kc serverside-applied\n")
        let first = try resourceVersion()
        try kubectl.succeed("apply", "--server-side", "-f", manifest)
        #expect(try resourceVersion() == first)

        let stored = try #require(try server.object(at: "/api/v1/namespaces/penvoice/secrets/api-kc"))
        let managed = try #require((stored["metadata"] as? [String: Any])?["managedFields"] as? [[String: Any]])
        #expect(managed.map { "\($0["manager"] ?? "") \($0["operation"] ?? "")" } == ["kubectl Apply"])
        #expect(try server.requests().filter { $0.verb == "patch" }.map(\.query).allSatisfy {
            $0.contains("fieldManager=kubectl") && $0.contains("fieldValidation=Strict")
        })

        try kubectl.succeed("apply", "--server-side", "-f", writeManifest("secret.yaml", secretManifest(value: "second")))
        #expect(try resourceVersion() != first)
        #expect(try kubectl.succeed("get", "secret", "api-kc", "-n", "penvoice", "-o", "jsonpath={.data.client-secret}")
                == Data("second".utf8).base64EncodedString())
    }

    @Test func applyOverAnotherManagersFieldConflictsUnlessForced() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        try kubectl.succeed("create", "secret", "generic", "api-kc", "-n", "penvoice", "--from-literal=client-secret=typed")
        let manifest = try writeManifest("secret.yaml", secretManifest(value: "declared"))
        let conflict = try kubectl.fail("apply", "--server-side", "-f", manifest)
        #expect(conflict.contains(#"conflict with "kubectl-create" using v1: .data.client-secret"#), "\(conflict)")
        try kubectl.succeed("apply", "--server-side", "--force-conflicts", "-f", manifest)
        #expect(try kubectl.succeed("get", "secret", "api-kc", "-n", "penvoice", "-o", "jsonpath={.data.client-secret}")
                == Data("declared".utf8).base64EncodedString())
    }

    @Test func strictValidationRejectsAnUnknownField() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        let manifest = try writeManifest("typo.yaml", secretManifest(value: "v") + "strinData:\n  user: x\n")
        let error = try kubectl.fail("apply", "--server-side", "--validate=strict", "-f", manifest)
        #expect(error.contains("Error from server (BadRequest)"), "\(error)")
        #expect(error.contains(".strinData: field not declared in schema"), "\(error)")
        #expect(try server.object(at: "/api/v1/namespaces/penvoice/secrets/api-kc") == nil)
    }

    @Test func deleteRemovesAndThenIsNotFound() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        try kubectl.succeed("create", "secret", "generic", "gone", "-n", "penvoice", "--from-literal=a=b")
        #expect(try kubectl.succeed("delete", "secret", "gone", "-n", "penvoice") == "secret \"gone\" deleted\n")
        #expect(try server.object(at: "/api/v1/namespaces/penvoice/secrets/gone") == nil)
        let again = try kubectl.fail("delete", "secret", "gone", "-n", "penvoice")
        #expect(again.contains(#"Error from server (NotFound): secrets "gone" not found"#), "\(again)")
    }

    @Test func listIsPaginatedInChunks() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        for index in 1...5 {
            try kubectl.succeed("create", "secret", "generic", "s\(index)", "-n", "penvoice", "--from-literal=k=\(index)")
        }
        try server.reset()
        let names = try kubectl.succeed("get", "secrets", "-n", "penvoice", "--chunk-size=2", "-o", "name")
        #expect(names == (1...5).map { "secret/s\($0)\n" }.joined())
        let lists = try server.requests().filter { $0.verb == "list" }
        #expect(lists.count == 3)
        #expect(lists.allSatisfy { $0.query.contains("limit=2") })
        #expect(lists.map { $0.query.contains("continue=") } == [false, true, true])

        let table = try kubectl.succeed("get", "secrets", "-n", "penvoice", "--chunk-size=2")
        #expect(table.split(separator: "\n").map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
                == ["NAME TYPE DATA"] + (1...5).map { "s\($0) Opaque 1" })
    }

    @Test func bearerTokenAuthenticatesAndAWrongOneDoesNot() throws {
        let tokenConfig = try server.writeKubeconfig("token.kubeconfig", .token(server.token))
        let asCI = Kubectl(kubeconfig: tokenConfig, cacheDirectory: server.folder.child("kube-cache"))
        try asCI.succeed("create", "namespace", "keycloak")
        #expect(try server.requests().last.map { "\($0.verb) \($0.user ?? "-")" } == "create ci")

        let wrongConfig = try server.writeKubeconfig("wrong.kubeconfig", .token("not-" + server.token))
        let stranger = Kubectl(kubeconfig: wrongConfig, cacheDirectory: server.folder.child("kube-cache"))
        let refused = try stranger.fail("get", "namespace", "keycloak")
        // client-go's wording for a 401 during discovery.
        #expect(refused.contains("error: You must be logged in to the server (the server has asked for the client to provide credentials)"),
                "\(refused)")
        #expect(try server.requests().last.map { "\($0.user ?? "-") \($0.code)" } == "- 401")
    }

    @Test func forbiddenCreateGivesKubectlsForbiddenMessage() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        try kubectl.succeed("create", "namespace", "keycloak")
        try server.deny(user: "ci", verb: "create", resource: "secrets", namespace: "penvoice")
        let asCI = Kubectl(kubeconfig: try server.writeKubeconfig("token.kubeconfig", .token(server.token)),
                           cacheDirectory: server.folder.child("kube-cache"))
        let forbidden = try asCI.fail("create", "secret", "generic", "x", "-n", "penvoice", "--from-literal=a=b")
        #expect(forbidden.contains(#"error: failed to create secret secrets is forbidden: User "ci" cannot create "#
                                   + #"resource "secrets" in API group "" in the namespace "penvoice""#), "\(forbidden)")
        // The rule is about one namespace and one user.
        try asCI.succeed("create", "secret", "generic", "x", "-n", "keycloak", "--from-literal=a=b")
        try kubectl.succeed("create", "secret", "generic", "x", "-n", "penvoice", "--from-literal=a=b")
    }

    @Test func a503IsShownAndA429IsRetriedAfterItsDelay() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        try kubectl.succeed("create", "secret", "generic", "s", "-n", "penvoice", "--from-literal=a=b")
        try server.inject(.errors(count: 1, code: 503), method: "GET", path: "/secrets/s")
        let unavailable = try kubectl.fail("get", "secret", "s", "-n", "penvoice")
        #expect(unavailable.contains("Error from server (ServiceUnavailable): the server is currently unable to handle the request"),
                "\(unavailable)")
        try kubectl.succeed("get", "secret", "s", "-n", "penvoice")

        try server.inject(.throttle(count: 1, retryAfter: 1), method: "GET", path: "/secrets/s")
        try server.reset()
        let started = Date()
        #expect(try kubectl.succeed("get", "secret", "s", "-n", "penvoice", "-o", "name") == "secret/s\n")
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(try server.requests().filter { $0.path.hasSuffix("/secrets/s") }.map(\.code) == [429, 200])
    }

    @Test func kubectlRetriesAGetWhoseConnectionWasDropped() throws {
        try kubectl.succeed("create", "namespace", "penvoice")
        try kubectl.succeed("create", "secret", "generic", "s", "-n", "penvoice", "--from-literal=a=b")
        try server.inject(.drop(count: 2), method: "GET", path: "/secrets/s")
        try server.reset()
        #expect(try kubectl.succeed("get", "secret", "s", "-n", "penvoice", "-o", "name") == "secret/s\n")
        #expect(try server.requests().filter { $0.path.hasSuffix("/secrets/s") }.map(\.code) == [0, 0, 200])
    }

    @Test func aCustomResourceDefinitionServesItsKindWithItsDeprecationWarning() throws {
        let crd = try writeManifest("crd.yaml", """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
              versions:
              - name: v1alpha1
                served: true
                storage: true
                deprecated: true
                deprecationWarning: "example.com/v1alpha1 Widget is deprecated; use example.com/v1 Widget"
                schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}

            """)
        try kubectl.succeed("apply", "--server-side", "-f", crd)
        try kubectl.succeed("create", "namespace", "penvoice")
        let widget = try writeManifest("widget.yaml", """
            apiVersion: example.com/v1alpha1
            kind: Widget
            metadata: {name: w, namespace: penvoice}
            spec: {size: 3}

            """)
        let applied = try kubectl.run("apply", "--server-side", "-f", widget)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout == "widget.example.com/w serverside-applied\n")
        #expect(applied.stderr.contains("Warning: example.com/v1alpha1 Widget is deprecated; use example.com/v1 Widget"),
                "\(applied.stderr)")
        #expect(try kubectl.succeed("get", "widgets", "-n", "penvoice", "-o", "jsonpath={.items[0].spec.size}") == "3")
    }

    @Test func discoveryListsTheCoreGroupAndRegisteredKinds() throws {
        try server.registerKind(group: "postgresql.cnpg.io", version: "v1", kind: "Cluster", plural: "clusters")
        try server.registerKind(group: "example.com", version: "v1", kind: "Tenant", plural: "tenants", namespaced: false)
        let core = try kubectl.succeed("api-resources", "--api-group=", "-o", "name")
        #expect(core.split(separator: "\n").sorted() == ["configmaps", "events", "namespaces", "nodes", "pods", "secrets"])
        let namespaced = try kubectl.succeed("api-resources", "--namespaced=true", "-o", "name")
        #expect(namespaced.split(separator: "\n").sorted() == ["clusters.postgresql.cnpg.io", "configmaps", "events", "jobs.batch", "pods", "secrets"])
        let versions = try kubectl.succeed("api-versions")
        #expect(versions.split(separator: "\n").sorted()
                == ["apiextensions.k8s.io/v1", "batch/v1", "example.com/v1", "postgresql.cnpg.io/v1", "v1"])
    }

    private func resourceVersion() throws -> String {
        try kubectl.succeed("get", "secret", "api-kc", "-n", "penvoice", "-o", "jsonpath={.metadata.resourceVersion}")
    }

    private func writeManifest(_ name: String, _ text: String) throws -> String {
        let path = server.folder.child(name)
        try write(text, to: path)
        return path
    }

    private func secretManifest(value: String) -> String {
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: api-kc
          namespace: penvoice
          labels: {app.kubernetes.io/part-of: penvoice}
        type: Opaque
        stringData:
          client-secret: \(value)

        """
    }
}

@Suite(.enabled(if: curlPath != nil, "curl is not installed"))
struct FakeKubeServerHTTPTests {
    let server: FakeKubeServer
    let folder: String

    init() throws {
        server = try FakeKubeServer()
        folder = server.folder.path
        try write(server.clientCertificatePEM, to: folder + "/curl-cert.pem")
        try write(server.clientKeyPEM, to: folder + "/curl-key.pem")
        try write(server.caPEM, to: folder + "/curl-ca.pem")
    }

    /// Runs curl against the server and returns the status code, the headers and the body.
    private func curl(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json",
                      credentials: Bool = true) throws -> (code: Int, headers: String, body: [String: Any]) {
        var arguments = ["-sS", "--cacert", folder + "/curl-ca.pem", "-X", method, "-D", folder + "/headers",
                         "-o", folder + "/body", "-w", "%{http_code}", server.url + path]
        if credentials { arguments += ["--cert", folder + "/curl-cert.pem", "--key", folder + "/curl-key.pem"] }
        if let body { arguments += ["-H", "Content-Type: " + contentType, "--data-binary", body] }
        let code = try runProgram(try #require(curlPath), arguments)
        let data = FileManager.default.contents(atPath: folder + "/body") ?? Data()
        return (Int(code) ?? -1, try read(folder + "/headers"),
                (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    @Test func withoutCredentialsTheAnswerIsAn401Status() throws {
        let answer = try curl("GET", "/api/v1/namespaces", credentials: false)
        #expect(answer.code == 401)
        #expect(answer.body["kind"] as? String == "Status")
        #expect(answer.body["status"] as? String == "Failure")
        #expect(answer.body["reason"] as? String == "Unauthorized")
        #expect(answer.body["code"] as? Int == 401)
        #expect(try server.requests().map(\.user) == [nil])
    }

    @Test func statusBodiesCarryReasonCodeAndDetails() throws {
        let missing = try curl("GET", "/api/v1/namespaces/default/secrets/nope")
        #expect(missing.code == 404)
        #expect(missing.body["message"] as? String == #"secrets "nope" not found"#)
        #expect(missing.body["details"] as? [String: String] == ["name": "nope", "kind": "secrets"])

        let secret = #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"k":"v"}}"#
        #expect(try curl("POST", "/api/v1/namespaces/default/secrets", body: secret).code == 201)
        let exists = try curl("POST", "/api/v1/namespaces/default/secrets", body: secret)
        #expect(exists.code == 409)
        #expect(exists.body["reason"] as? String == "AlreadyExists")

        let stale = #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","resourceVersion":"1"},"data":{}}"#
        let conflict = try curl("PUT", "/api/v1/namespaces/default/secrets/s", body: stale)
        #expect(conflict.code == 409)
        #expect(conflict.body["reason"] as? String == "Conflict")
        #expect((conflict.body["message"] as? String)?.hasPrefix(#"Operation cannot be fulfilled on secrets "s": "#) == true)

        let invalid = try curl("POST", "/api/v1/namespaces/default/secrets",
                               body: #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"Bad_Name"}}"#)
        #expect(invalid.code == 422)
        #expect(invalid.body["reason"] as? String == "Invalid")
        let causes = (invalid.body["details"] as? [String: Any])?["causes"] as? [[String: String]]
        #expect(causes?.first?["field"] == "metadata.name")

        let unmanaged = try curl("PATCH", "/api/v1/namespaces/default/secrets/s", body: secret,
                                 contentType: "application/apply-patch+yaml")
        #expect(unmanaged.code == 400)
        #expect(unmanaged.body["message"] as? String == "fieldManager is required for apply requests")
    }

    @Test func strictFieldValidationDryRunAndMergePatch() throws {
        let typo = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"dat":{"a":"b"}}"#
        let rejected = try curl("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", body: typo)
        #expect(rejected.code == 400)
        #expect(rejected.body["message"] as? String
                == #"ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dat""#)

        let config = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"}}"#
        #expect(try curl("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", body: config).code == 201)
        #expect(try server.object(at: "/api/v1/namespaces/default/configmaps/c") == nil)
        let created = try curl("POST", "/api/v1/namespaces/default/configmaps", body: config)
        let version = (created.body["metadata"] as? [String: Any])?["resourceVersion"] as? String

        let patched = try curl("PATCH", "/api/v1/namespaces/default/configmaps/c", body: #"{"data":{"a":null,"c":"d"}}"#,
                               contentType: "application/merge-patch+json")
        #expect(patched.code == 200)
        #expect(patched.body["data"] as? [String: String] == ["c": "d"])
        #expect((patched.body["metadata"] as? [String: Any])?["resourceVersion"] as? String != version)
    }

    @Test func generationCountsChangesOutsideMetadata() throws {
        try server.registerKind(group: "example.com", version: "v1", kind: "Widget", plural: "widgets")
        let path = "/apis/example.com/v1/namespaces/default/widgets"
        let created = try curl("POST", path, body: #"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1}}"#)
        #expect(created.code == 201)
        func generation(_ answer: (code: Int, headers: String, body: [String: Any])) -> Int? {
            (answer.body["metadata"] as? [String: Any])?["generation"] as? Int
        }
        #expect(generation(created) == 1)
        let labelled = try curl("PATCH", path + "/w", body: #"{"metadata":{"labels":{"a":"b"}}}"#,
                                contentType: "application/merge-patch+json")
        #expect(generation(labelled) == 1)
        let resized = try curl("PATCH", path + "/w", body: #"{"spec":{"size":2}}"#, contentType: "application/merge-patch+json")
        #expect(generation(resized) == 2)
        let listed = try curl("GET", "/apis/example.com/v1/widgets")
        #expect(listed.body["kind"] as? String == "WidgetList")
        #expect((listed.body["items"] as? [[String: Any]])?.count == 1)
    }

    @Test func throttlingAnswers429WithRetryAfter() throws {
        try server.inject(.throttle(count: 1, retryAfter: 7))
        let throttled = try curl("GET", "/api/v1/namespaces")
        #expect(throttled.code == 429)
        #expect(throttled.headers.lowercased().contains("retry-after: 7\r\n"), "\(throttled.headers)")
        #expect(throttled.body["reason"] as? String == "TooManyRequests")
        #expect((throttled.body["details"] as? [String: Any])?["retryAfterSeconds"] as? Int == 7)
        #expect(try curl("GET", "/api/v1/namespaces").code == 200)
    }

    @Test func aDroppedConnectionGetsNoAnswer() throws {
        try server.inject(.drop(count: 1), path: "/api/v1/namespaces")
        #expect(throws: (any Error).self) { try curl("GET", "/api/v1/namespaces") }
        #expect(try curl("GET", "/api/v1/namespaces").code == 200)
        #expect(try server.requests().map(\.code) == [0, 200])
    }

    @Test func oneConnectionServesManyRequestsAndIsCounted() throws {
        try server.reset()
        let url = server.url + "/api/v1/namespaces/default"
        try runProgram(try #require(curlPath), ["-sS", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                                                "--cacert", folder + "/curl-ca.pem", "--cert", folder + "/curl-cert.pem",
                                                "--key", folder + "/curl-key.pem", url, url, url])
        let counters = try server.counters()
        #expect(counters.connections == 1)
        #expect(counters.requests == ["get": 3])
        #expect(counters.paths == ["GET /api/v1/namespaces/default": 3])
    }

    @Test func latencyDelaysEveryMatchingRequest() throws {
        try server.inject(.latency(seconds: 0.5), path: "/api/v1/namespaces/default")
        let started = Date()
        #expect(try curl("GET", "/api/v1/namespaces/default").code == 200)
        #expect(Date().timeIntervalSince(started) >= 0.5)
        try server.clearFaults()
        let again = Date()
        #expect(try curl("GET", "/api/v1/namespaces/default").code == 200)
        #expect(Date().timeIntervalSince(again) < 0.5)
    }
}

/// kubectl with its own kubeconfig and discovery cache, never the user's.
private struct Kubectl {
    let kubeconfig: String
    let cacheDirectory: String

    func run(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(arguments)
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let folder = try TemporaryFolder("kubectl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(kubectlPath))
        process.arguments = ["--kubeconfig", kubeconfig, "--cache-dir", cacheDirectory] + arguments
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": folder.path]
        for name in ["stdout", "stderr"] { _ = FileManager.default.createFile(atPath: folder.child(name), contents: nil) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: folder.child("stdout")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: folder.child("stderr")))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try read(folder.child("stdout")), try read(folder.child("stderr")))
    }

    /// Its standard output; throws with its standard error when kubectl fails.
    @discardableResult
    func succeed(_ arguments: String...) throws -> String {
        let result = try run(arguments)
        guard result.status == 0 else {
            throw SupportError("kubectl \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    /// Its standard error; throws when kubectl succeeds.
    func fail(_ arguments: String...) throws -> String {
        let result = try run(arguments)
        guard result.status != 0 else {
            throw SupportError("kubectl \(arguments.joined(separator: " ")) succeeded: \(result.stdout)")
        }
        return result.stderr
    }
}

private func installed(_ program: String) -> String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

private func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}
