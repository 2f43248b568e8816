import Foundation
import Kube
import TestSupport
import Testing

/// An exec plugin that prints the first credential of a JSON list file and drops it from the list,
/// so each run can hand out another (a revoked token, then a good one); it counts its runs.
private let plugin = """
    #!/usr/bin/env python3
    from json import dump, dumps, load
    from os import environ
    path = environ["CREDENTIALS"]
    with open(path) as f:
        credentials = load(f)
    with open(path, "w") as f:
        dump(credentials[1:], f)
    with open(environ["COUNT_FILE"], "a") as f:
        f.write("run\\n")
    print(dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                      "status": dict(credentials[0], expirationTimestamp="2099-01-01T00:00:00Z")}))

    """

/// A client of `server` as a user written as `userLines` (kubeconfig `user:` fields, 4-space indented).
private func client(_ server: FakeKubeServer, scene: KubeScene, userLines: String) throws -> KubeClient {
    let text = server.kubeconfig(.token("PLACEHOLDER")).replacingOccurrences(of: "    token: PLACEHOLDER", with: userLines)
    let path = try scene.file("kubeconfig", text)
    return try KubeClient(configuration: try scene.load(kubeconfig: path), environment: [:], warning: { _ in })
}

private func runs(_ scene: KubeScene) -> Int {
    ((try? read(scene.child("count"))) ?? "").split(separator: "\n").count
}

@Suite struct KubeClientCredentialTests {
    @Test func aTokenFileIsReadAtEachRequest() throws {
        let server = try FakeKubeServer()
        let scene = try KubeScene()
        let tokenFile = try scene.file("token", server.token + "\n")
        let client = try client(server, scene: scene, userLines: "    tokenFile: \(tokenFile)")
        #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default") != nil)
        let rotated = "rotated-" + UUID().uuidString
        try write(rotated, to: tokenFile)
        let error = try kubeError { _ = try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default") }
        #expect(error.kind == .unauthorized)
        try server.addToken(rotated, user: "rotated")
        #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default") != nil)
        #expect(try server.requests().compactMap(\.user).suffix(1) == ["rotated"])
    }

    @Test func anExecTokenRefusedIsRenewedOnce() throws {
        let server = try FakeKubeServer()
        let scene = try KubeScene()
        let revoked = "revoked-" + UUID().uuidString
        try write(String(decoding: try JSONSerialization.data(withJSONObject: [["token": revoked], ["token": server.token]]),
                         as: UTF8.self), to: scene.child("credentials.json"))
        _ = try scene.file("bin/plugin", plugin)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scene.child("bin/plugin"))
        let client = try client(server, scene: scene, userLines: """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: \(scene.child("bin/plugin"))
                  interactiveMode: Never
                  env:
                  - {name: CREDENTIALS, value: \(scene.child("credentials.json"))}
                  - {name: COUNT_FILE, value: \(scene.child("count"))}
            """)
        for _ in 0..<3 {
            #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default") != nil)
        }
        // The revoked token once (401), the plugin again, then its token cached for every request.
        #expect(runs(scene) == 2)
        #expect(try server.requests().map(\.code) == [401, 200, 200, 200, 200])
        #expect(try server.requests().compactMap(\.user) == ["ci", "ci", "ci", "ci"])
    }

    @Test func anExecClientCertificateIsUsed() throws {
        let server = try FakeKubeServer()
        let scene = try KubeScene()
        let (certificate, key) = try server.issueClientCertificate(user: "sso-user", groups: ["system:masters"])
        try write(String(decoding: try JSONSerialization.data(withJSONObject: [["clientCertificateData": certificate,
                                                                                 "clientKeyData": key]]), as: UTF8.self),
                  to: scene.child("credentials.json"))
        _ = try scene.file("bin/plugin", plugin)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scene.child("bin/plugin"))
        let client = try client(server, scene: scene, userLines: """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: \(scene.child("bin/plugin"))
                  interactiveMode: Never
                  env:
                  - {name: CREDENTIALS, value: \(scene.child("credentials.json"))}
                  - {name: COUNT_FILE, value: \(scene.child("count"))}
            """)
        #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default") != nil)
        #expect(try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "kube-system") != nil)
        #expect(runs(scene) == 1)
        #expect(try server.requests().compactMap(\.user) == ["sso-user", "sso-user", "sso-user"])
    }
}

@Suite struct KubeClientProxyTests {
    /// The cluster's proxy-url carries every request (the environment's proxy would not: like Go's,
    /// it never proxies 127.0.0.1).
    @Test func theClustersProxyURLIsUsed() throws {
        let server = try FakeKubeServer()
        let scene = try KubeScene()
        let proxy = try "http://127.0.0.1:\(FakeKubeServer().port)"  // closed once that server is gone
        let text = server.kubeconfig(.token(server.token))
            .replacingOccurrences(of: "    server: \(server.url)\n", with: "    server: \(server.url)\n    proxy-url: \(proxy)\n")
        let configuration = try scene.load(kubeconfig: try scene.file("kubeconfig", text))
        #expect(configuration.proxyURL == proxy)
        let client = try KubeClient(configuration: configuration, environment: [:], retry: .never, warning: { _ in })
        let error = try kubeError { _ = try client.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default") }
        #expect(error.kind == .transport)
        #expect(error.transport?.proxy == proxy + "/")  // redacted to scheme, host, port and path
        #expect(error.description.hasPrefix("GET https://127.0.0.1:\(server.port)/api/v1 failed: "))
        #expect(error.description.hasSuffix("through proxy \(proxy)/"))
        #expect(!error.description.contains(server.token))
        let direct = try KubeClient(configuration: try scene.load(kubeconfig: server.writeKubeconfig("direct", .token(server.token))),
                                    environment: ["HTTPS_PROXY": proxy], retry: .never, warning: { _ in })
        #expect(try direct.get(apiVersion: "v1", kind: "Namespace", namespace: nil, name: "default") != nil)
    }
}
