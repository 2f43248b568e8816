import Foundation

/// A fake Kubernetes API server on 127.0.0.1 over HTTPS, run by Tests/Support/fake-kube-apiserver.py
/// (what it implements and what it does not is written at the top of that file). Its TLS material
/// is made with the openssl CLI in a temporary folder: a CA, a server certificate for 127.0.0.1 and
/// localhost, and a client certificate for `user` in `groups`. A bearer token for `tokenUser` is
/// accepted too. Faults, authorization rules and custom kinds are set through the server's
/// control channel (its stdin and stdout); the server stops when this value goes away.
public final class FakeKubeServer: @unchecked Sendable {
    public let port: Int
    /// `https://127.0.0.1:PORT`.
    public var url: String { "https://127.0.0.1:\(port)" }
    public let caPEM: String
    public let clientCertificatePEM: String
    public let clientKeyPEM: String
    /// The user of the client certificate, and of `token`.
    public let user: String
    public let tokenUser: String
    public let token: String
    /// A kubeconfig with the CA and the client certificate embedded, context `fake`.
    public let kubeconfigPath: String
    /// What the server printed on stderr (one line per request, TLS failures), for failing tests.
    public let logPath: String
    public let folder: TemporaryFolder
    private let process: Process
    private let input: FileHandle
    private let output: LineReader
    private let lock = NSLock()

    public init(user: String = "admin", groups: [String] = ["system:masters"], tokenUser: String = "ci") throws {
        folder = try TemporaryFolder("fake-kube")
        self.user = user
        self.tokenUser = tokenUser
        token = "fake-" + UUID().uuidString.lowercased()
        try Self.makeAuthority(in: folder.path)
        try Self.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", "server-key.pem", "-subj", "/CN=fake-kube-apiserver",
                          "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                          "-addext", "extendedKeyUsage=serverAuth",
                          "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-days", "2", "-out", "server.pem"], in: folder.path)
        caPEM = try read(folder.child("ca.pem"))
        (clientCertificatePEM, clientKeyPEM) = try Self.issue(user: user, groups: groups, in: folder.path)

        logPath = folder.child("server.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", try Self.script(), "--cert", folder.child("server.pem"),
                             "--key", folder.child("server-key.pem"), "--client-ca", folder.child("ca.pem")]
        let inputPipe = Pipe(), outputPipe = Pipe()
        process.standardInput = inputPipe
        process.standardOutput = outputPipe
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        input = inputPipe.fileHandleForWriting
        output = LineReader(outputPipe.fileHandleForReading)
        try process.run()

        // The server prints its port first; nothing at all means it died.
        kubeconfigPath = folder.child("kubeconfig")
        guard let line = output.line(), let port = Int(line) else {
            process.terminate()
            throw SupportError("fake-kube-apiserver.py did not start: " + ((try? read(logPath)) ?? ""))
        }
        self.port = port
        // The first control answer proves the server runs; it listened before it printed its port.
        try control(["op": "token", "token": token, "user": tokenUser])
        try write(kubeconfig(.clientCertificate(clientCertificatePEM, key: clientKeyPEM)), to: kubeconfigPath)
    }

    deinit {
        // The server exits when its stdin closes.
        try? input.close()
        process.waitUntilExit()
    }

    // MARK: Credentials and kubeconfig files

    public enum Credential {
        case clientCertificate(String, key: String)
        case token(String)
    }

    /// A kubeconfig for this server (context, cluster and user named `fake`) with `credential`.
    public func kubeconfig(_ credential: Credential) -> String {
        let user: String
        switch credential {
        case .clientCertificate(let certificate, let key):
            user = "    client-certificate-data: \(base64(certificate))\n    client-key-data: \(base64(key))"
        case .token(let token):
            user = "    token: \(token)"
        }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: \(url)
                certificate-authority-data: \(base64(caPEM))
            users:
            - name: fake
              user:
            \(user)
            contexts:
            - name: fake
              context: {cluster: fake, user: fake}
            current-context: fake

            """
    }

    /// Writes `kubeconfig(credential)` to `name` in this server's folder and returns its path.
    public func writeKubeconfig(_ name: String, _ credential: Credential) throws -> String {
        let path = folder.child(name)
        try write(kubeconfig(credential), to: path)
        return path
    }

    /// A client certificate and key (PEM) signed by this server's CA: CN `user`, one O per group.
    public func issueClientCertificate(user: String, groups: [String] = []) throws -> (certificate: String, key: String) {
        try Self.issue(user: user, groups: groups, in: folder.path)
    }

    // MARK: Control

    /// Accepts `token` as a bearer token of `user`.
    public func addToken(_ token: String, user: String, groups: [String] = []) throws {
        try control(["op": "token", "token": token, "user": user, "groups": groups])
    }

    /// Forbids `user` to `verb` (create, get, list, watch, update, patch, delete) `resource` (a plural) in
    /// `namespace` ("" for the cluster scope, nil for any).
    public func deny(user: String, verb: String, resource: String, namespace: String?) throws {
        try control(["op": "deny", "user": user, "verb": verb, "resource": resource, "namespace": namespace ?? "*"])
    }

    /// Serves a custom kind at once, as an established CustomResourceDefinition would; requests to it
    /// carry `deprecationWarning` in a `Warning:` header when given.
    public func registerKind(group: String, version: String, kind: String, plural: String, namespaced: Bool = true,
                             deprecationWarning: String? = nil) throws {
        var request: [String: Any] = ["op": "crd", "group": group, "version": version, "kind": kind, "plural": plural,
                                      "scope": namespaced ? "Namespaced" : "Cluster"]
        request["deprecationWarning"] = deprecationWarning
        try control(request)
    }

    public enum Fault {
        /// Every matching request waits `seconds` first (count -1: for good).
        case latency(seconds: Double, count: Int = -1)
        /// The next `count` matching requests get `code` (500: InternalError, 503: ServiceUnavailable).
        case errors(count: Int, code: Int = 503)
        /// The next `count` matching requests get 429 TooManyRequests with `Retry-After: retryAfter`.
        case throttle(count: Int, retryAfter: Int = 1)
        /// The next `count` matching requests have their connection closed without an answer.
        case drop(count: Int)
    }

    /// Queues `fault` for requests with `method` (nil: any) whose path contains `path` (nil: any).
    public func inject(_ fault: Fault, method: String? = nil, path: String? = nil) throws {
        var request: [String: Any] = ["op": "fault"]
        switch fault {
        case .latency(let seconds, let count): request.merge(["kind": "latency", "seconds": seconds, "count": count]) { $1 }
        case .errors(let count, let code): request.merge(["kind": "error", "count": count, "code": code]) { $1 }
        case .throttle(let count, let retryAfter): request.merge(["kind": "throttle", "count": count, "retryAfter": retryAfter]) { $1 }
        case .drop(let count): request.merge(["kind": "drop", "count": count]) { $1 }
        }
        request["method"] = method
        request["path"] = path
        try control(request)
    }

    public func clearFaults() throws {
        try control(["op": "clearFaults"])
    }

    public struct Counters: Sendable {
        /// Requests by Kubernetes verb (get, list, create, update, patch, delete; other for discovery).
        public let requests: [String: Int]
        /// Requests by `METHOD path`.
        public let paths: [String: Int]
        /// TLS connections accepted (handshakes completed).
        public let connections: Int
    }

    public func counters() throws -> Counters {
        let answer = try control(["op": "counters"])
        return Counters(requests: answer["requests"] as? [String: Int] ?? [:],
                        paths: answer["paths"] as? [String: Int] ?? [:],
                        connections: answer["connections"] as? Int ?? 0)
    }

    public struct Request: Sendable, Equatable {
        public let method: String
        public let path: String
        public let query: String
        /// get, list, create, update, patch, delete, or other.
        public let verb: String
        /// Who the server took the caller for; nil when not authenticated.
        public let user: String?
        /// The status code answered; 0 for a dropped connection.
        public let code: Int
    }

    /// Every request since the start or the last `reset()`, in order. Bodies and headers are never kept.
    public func requests() throws -> [Request] {
        let answer = try control(["op": "requests"])
        return (answer["requests"] as? [[String: Any]] ?? []).map {
            Request(method: $0["method"] as? String ?? "", path: $0["path"] as? String ?? "",
                    query: $0["query"] as? String ?? "", verb: $0["verb"] as? String ?? "",
                    user: $0["user"] as? String, code: $0["code"] as? Int ?? -1)
        }
    }

    /// Forgets the counters and the request log.
    public func reset() throws {
        try control(["op": "reset"])
    }

    /// The stored object at an API path (`/api/v1/namespaces/NS/secrets/NAME`), read past
    /// authorization and faults; nil when there is none.
    public func object(at path: String) throws -> [String: Any]? {
        try control(["op": "object", "path": path])["object"] as? [String: Any]
    }

    /// Stores `object` as a controller would, status included, past authorization and faults; returns it as stored.
    @discardableResult
    public func put(_ object: [String: Any]) throws -> [String: Any] {
        try control(["op": "put", "object": object])["object"] as? [String: Any] ?? [:]
    }

    /// Every stored object of `kind` in `apiVersion`'s group, in namespace/name order.
    public func objects(apiVersion: String, kind: String) throws -> [[String: Any]] {
        try control(["op": "objects", "apiVersion": apiVersion, "kind": kind])["objects"] as? [[String: Any]] ?? []
    }

    /// How many times each object was created, by anyone, since the start or the last `reset()`:
    /// `"HelmChart kube-system/argo-cd": 1`, `"ClusterIssuer letsencrypt-prod": 1` (cluster scope).
    public func creations() throws -> [String: Int] {
        try control(["op": "creations"])["creations"] as? [String: Int] ?? [:]
    }

    // MARK: Simulated controllers (what they do is written at the top of fake-kube-apiserver.py)

    /// The repository's real CRD files (`../shared/crds` next to the worktree).
    public static var sharedCRDFolder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/crds")
            .standardizedFileURL.path
    }

    /// How the simulated helm-controller's install of a chart goes.
    public struct ChartInstall: Sendable {
        /// Seconds from the Job's creation to its end.
        public var delay: Double
        /// The install fails: the Job Failed (BackoffLimitExceeded), its pod's container terminated with this message.
        public var failure: String?
        /// The pod never starts: its container waits with this reason and message (ImagePullBackOff, …).
        public var waiting: (reason: String, message: String)?
        /// CRD files (in the CRD folder) the chart installs before its Job completes.
        public var crds: [String]

        public init(delay: Double = 0, failure: String? = nil, waiting: (reason: String, message: String)? = nil,
                    crds: [String] = []) {
            self.delay = delay; self.failure = failure; self.waiting = waiting; self.crds = crds
        }
    }

    /// Serves k3s's HelmChart and HelmChartConfig kinds (CRD objects made from `crdFolder`'s files,
    /// Established at once) for the simulated helm-controller; later CRD files are read from `crdFolder`.
    public func serveHelmCharts(crdFolder: String = FakeKubeServer.sharedCRDFolder) throws {
        try control(["op": "simulate", "crdFolder": crdFolder, "helmCharts": true])
    }

    /// How the install of chart `name` (nil: of every chart not named) goes.
    public func simulateChart(_ name: String?, _ install: ChartInstall) throws {
        var request: [String: Any] = ["op": "simulate", "chart": name ?? "*", "delay": install.delay, "crds": install.crds]
        request["failure"] = install.failure
        if let waiting = install.waiting { request["waiting"] = ["reason": waiting.reason, "message": waiting.message] }
        try control(request)
    }

    /// CRDs created from now on are Established, and their kinds served, `seconds` later.
    public func simulateCRDEstablished(after seconds: Double) throws {
        try control(["op": "simulate", "crdEstablishedDelay": seconds])
    }

    /// A k3s node that appears (NotReady) after `appearAfter` seconds and is Ready after `readyAfter`.
    public func simulateNode(_ name: String, kubeletVersion: String, appearAfter: Double = 0, readyAfter: Double = 0) throws {
        try control(["op": "simulate", "node": name, "kubeletVersion": kubeletVersion,
                     "appearAfter": appearAfter, "readyAfter": readyAfter])
    }

    /// The Argo CD Application `name` (nil: every one) in `namespace`, existing or created later,
    /// becomes Synced and Healthy `delay` seconds after (or from) its creation (OutOfSync and
    /// Missing until then), or Synced and Degraded with `degraded` as the health message. Once
    /// Synced, it creates the Applications `creates` (an app of apps, like the root app).
    public func simulateApplication(_ name: String?, namespace: String = "argocd", delay: Double = 0,
                                    degraded: String? = nil, creates: [String] = []) throws {
        var request: [String: Any] = ["op": "simulate", "application": name ?? "*", "namespace": namespace, "delay": delay,
                                      "creates": creates]
        request["degraded"] = degraded
        try control(request)
    }

    @discardableResult
    private func control(_ request: [String: Any]) throws -> [String: Any] {
        lock.lock()
        defer { lock.unlock() }
        var line = try JSONSerialization.data(withJSONObject: request)
        line.append(UInt8(ascii: "\n"))
        try input.write(contentsOf: line)
        guard let reply = output.line(),
              let answer = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any] else {
            throw SupportError("fake-kube-apiserver.py stopped answering: " + ((try? read(logPath)) ?? ""))
        }
        guard answer["ok"] as? Bool == true else {
            throw SupportError("fake-kube-apiserver.py refused \(request["op"] ?? ""): \(answer["error"] ?? "")")
        }
        return answer
    }

    // MARK: TLS material

    private static func makeAuthority(in folder: String) throws {
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", "ca-key.pem", "-subj", "/CN=fake-kube-ca", "-days", "2", "-out", "ca.pem"], in: folder)
    }

    private static func issue(user: String, groups: [String], in folder: String) throws -> (certificate: String, key: String) {
        let name = "client-" + UUID().uuidString
        let subject = groups.map { "/O=\($0)" }.joined() + "/CN=\(user)"
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", name + "-key.pem", "-subj", subject, "-addext", "extendedKeyUsage=clientAuth",
                     "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-days", "2", "-out", name + ".pem"], in: folder)
        return (try read(folder + "/" + name + ".pem"), try read(folder + "/" + name + "-key.pem"))
    }

    private static func openssl(_ arguments: [String], in folder: String) throws {
        try runProgram("/usr/bin/env", ["openssl"] + arguments, in: folder)
    }

    /// Found from this file's place in the package, so tests run from any working directory.
    private static func script(filePath: String = #filePath) throws -> String {
        let script = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("fake-kube-apiserver.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw SupportError("\(script.path) not found")
        }
        return script.path
    }
}

private func base64(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
}

/// The lines of a pipe, one at a time.
private final class LineReader {
    private let handle: FileHandle
    private var pending = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    /// The next line without its newline, nil at the end.
    func line() -> String? {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<end]
                pending = Data(pending[(end + 1)...])
                return String(decoding: line, as: UTF8.self)
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            pending.append(chunk)
        }
    }
}
