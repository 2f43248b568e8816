import Bootstrap
import Foundation
import TestSupport

/// A fake API server, a folder for platform.yaml and its files, and the steps made from it.
final class GitOpsFixture: @unchecked Sendable {
    let folder: TemporaryFolder
    let server: FakeKubeServer

    init() throws {
        folder = try TemporaryFolder("gitops-steps")
        server = try FakeKubeServer()
    }

    /// The context of a rebuild of `platform` (the text of platform.yaml, written in the folder).
    func context(_ platform: String, environment: [String: String]) throws -> RebuildContext {
        let path = folder.child("platform.yaml")
        try write(platform, to: path)
        return RebuildContext(platform: try PlatformLoader(path: path).load(), host: HostPaths(root: folder.child("host")),
                              environment: environment, options: RebuildOptions(kubeconfig: server.kubeconfigPath))
    }

    func step<T>(_ context: RebuildContext, _ name: String, as type: T.Type = T.self) throws -> T {
        guard let step = GitOpsSteps.make(context).first(where: { $0.name == name }) as? T else {
            throw SupportError("no step \(name) of type \(T.self)")
        }
        return step
    }

    func namespaces(_ names: String...) throws {
        for name in names { try server.put(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": name]]) }
    }

    func registerArgoCD() throws {
        try server.registerKind(group: "argoproj.io", version: "v1alpha1", kind: "Application", plural: "applications")
    }

    /// Requests that change something (create, update, patch, delete) since the start or the last reset.
    func writes() throws -> Int {
        let requests = try server.counters().requests
        return ["create", "update", "patch", "delete"].reduce(0) { $0 + (requests[$1] ?? 0) }
    }

    /// Runs `/work/shared/tools/validate-manifests.py` (../shared from the package) on `objects`
    /// written as one YAML stream (JSON is YAML), and returns its output; throws when one fails.
    func validate(_ objects: [[String: Any]]) throws -> String {
        let path = folder.child("sent.yaml")
        let documents = try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try write(documents.joined(separator: "\n---\n") + "\n", to: path)
        return try runProgram("/usr/bin/env", ["python3", packageRoot + "/../shared/tools/validate-manifests.py", path])
    }
}

/// The package's folder, found from this file's place in it.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// What the steps said: progress and notes.
final class Said: @unchecked Sendable {
    private let lock = NSLock()
    private var _notes: [String] = []
    private var _waiting: [String] = []
    var notes: [String] { lock.withLock { _notes } }
    var waiting: [String] { lock.withLock { _waiting } }

    func context(_ name: String) -> StepContext {
        StepContext(stepName: name, onWaiting: { text in self.lock.withLock { self._waiting.append(text) } },
                    onNote: { text in self.lock.withLock { self._notes.append(text) } })
    }
}

/// Runs `body` on another thread after `delay` seconds, as a controller would act.
func later(_ delay: Double, _ body: @escaping @Sendable () throws -> Void) {
    Thread.detachNewThread {
        Thread.sleep(forTimeInterval: delay)
        try? body()
    }
}

/// A plain HTTP server on 127.0.0.1 for probes (Python's http.server): `/` 200, `/moved` 302,
/// `/missing` 404 with a two-line body, `/vhost` 200 only for the Host `argocd.example.test`.
final class ProbeServer {
    var port: Int { server.port }
    private let server: PortServer

    init() throws {
        let script = """
            # No import statement: the architecture check reads the import lines of Swift files.
            http_server, sys, threading = __import__("http.server").server, __import__("sys"), __import__("threading")
            class H(http_server.BaseHTTPRequestHandler):
                def log_message(self, *a): pass
                def answer(self, code, body, headers=()):
                    data = body.encode()
                    self.send_response(code)
                    for k, v in headers: self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                def do_GET(self):
                    if self.path == "/": self.answer(200, "ok\\n")
                    elif self.path == "/moved": self.answer(302, "", [("Location", "/")])
                    elif self.path == "/vhost":
                        self.answer(200, "vhost\\n") if self.headers.get("Host") == "argocd.example.test" else self.answer(404, "wrong host\\n")
                    else: self.answer(404, "no such page: " + self.path + "\\nsecond line\\n")
            s = http_server.ThreadingHTTPServer(("127.0.0.1", 0), H)
            print(s.server_address[1], flush=True)
            threading.Thread(target=s.serve_forever, daemon=True).start()
            sys.stdin.read()
            """
        server = try PortServer(["python3", "-c", script], name: "the probe server")
    }

    var url: String { "http://127.0.0.1:\(port)" }

}

/// An HTTPS server on 127.0.0.1 (Python's ssl) with a certificate for `argocd.example.test` from
/// its own CA (`caPath`): it answers 200 only when the TLS server name (SNI) and the Host header
/// are both that name, else 421 with what it got.
final class VirtualHostServer {
    static let name = "argocd.example.test"
    var port: Int { server.port }
    let caPath: String
    private let folder: TemporaryFolder
    private let server: PortServer

    init() throws {
        folder = try TemporaryFolder("vhost")
        caPath = folder.child("ca.pem")
        try runProgram("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                        "-keyout", "ca-key.pem", "-subj", "/CN=probe-ca", "-days", "2", "-out", "ca.pem"], in: folder.path)
        try runProgram("/usr/bin/env", ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                        "-keyout", "server-key.pem", "-subj", "/CN=\(Self.name)", "-addext", "subjectAltName=DNS:\(Self.name)",
                                        "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-days", "2", "-out", "server.pem"], in: folder.path)
        let script = """
            # No import statement: the architecture check reads the import lines of Swift files.
            http_server, ssl, sys, threading = __import__("http.server").server, __import__("ssl"), __import__("sys"), __import__("threading")
            seen = {}
            def sni(sock, name, context): seen[id(sock)] = name
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain("server.pem", "server-key.pem")
            context.sni_callback = sni
            class H(http_server.BaseHTTPRequestHandler):
                def log_message(self, *a): pass
                def do_GET(self):
                    name = seen.get(id(self.connection))
                    ok = name == "\(Self.name)" and self.headers.get("Host") == "\(Self.name)"
                    body = ("ok\\n" if ok else "sni=%s host=%s\\n" % (name, self.headers.get("Host"))).encode()
                    self.send_response(200 if ok else 421)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            s = http_server.ThreadingHTTPServer(("127.0.0.1", 0), H)
            s.socket = context.wrap_socket(s.socket, server_side=True)
            print(s.server_address[1], flush=True)
            threading.Thread(target=s.serve_forever, daemon=True).start()
            sys.stdin.read()
            """
        server = try PortServer(["python3", "-c", script], directory: folder.path, name: "the HTTPS probe server")
    }

}
