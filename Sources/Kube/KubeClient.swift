import Foundation
import HTTP

/// A Kubernetes REST client for one cluster and user: JSON objects as `[String: Any]` (as
/// `JSONSerialization` reads them), kinds mapped to resources by discovery, errors as `KubeAPIError`.
///
/// One client is one connection pool: keep it for the run. Reads, PUT, DELETE and server-side
/// apply are retried through HTTP's `RetryPolicy` (429 with Retry-After, 5xx, dropped
/// connections); a POST `create` is sent once, and after a transport failure the caller cannot
/// know whether it landed: `get` it before creating again (or `apply`, which is safe to repeat).
/// A watch is streamed and never retried (see `watch`); `waitUntil` recovers its own.
/// Blocking; safe to use from several threads.
package final class KubeClient: @unchecked Sendable {
    package let configuration: KubeClientConfiguration
    private let base: HTTP.Configuration
    private let userAgent: String
    private let warning: @Sendable (String) -> Void
    // Guards `http`, `clientCertificate`, `discovered` and `warned`.
    private let lock = NSLock()
    private var http: Client
    /// The exec plugin's certificate `http` was built with, to rebuild it when the plugin's changes.
    private var clientCertificate: Data?
    /// apiVersion → kind → resource, for the client's life.
    private var discovered: [String: [String: ResourceInfo]] = [:]
    private var warned: Set<String> = []

    /// `environment` gives HTTPS_PROXY/NO_PROXY when the cluster has no `proxy-url`; `warning`
    /// receives the text of each `Warning:` header; `userAgent` is `edpctl/VERSION` from the command.
    package init(configuration: KubeClientConfiguration, environment: [String: String], userAgent: String = "edpctl",
                 retry: RetryPolicy = RetryPolicy(), warning: @escaping @Sendable (String) -> Void) throws {
        self.configuration = configuration
        self.userAgent = userAgent
        self.warning = warning
        var base = HTTP.Configuration()
        base.certificateAuthorityPEM = configuration.certificateAuthority
        base.insecureSkipTLSVerify = configuration.insecureSkipTLSVerify
        base.tlsServerName = configuration.tlsServerName
        base.proxy = configuration.proxyURL.map { .url($0) } ?? .environment(environment)
        base.retry = retry
        let credentials = configuration.credentials
        base.clientCertificatePEM = credentials.clientCertificate
        base.clientKeyPEM = credentials.clientKey
        if let username = credentials.username {
            base.basicAuth = BasicAuth(username: username, password: credentials.password ?? "")
        }
        self.base = base
        http = try Client(base)
    }

    /// TCP connections this client opened so far.
    package var connectionsOpened: Int { lock.withLock { http.connectionsOpened } }

    // MARK: Discovery

    /// The resource serving `kind` in `apiVersion`, from the group version's discovery document,
    /// fetched once per client and once more when the kind is not in it (a CRD just installed).
    package func resource(for apiVersion: String, kind: String) throws -> ResourceInfo {
        var kinds = lock.withLock { discovered[apiVersion] }
        if kinds?[kind] == nil { kinds = try discover(apiVersion) }
        guard let found = kinds?[kind] else {
            throw KubeAPIError(kind: .unknownKind, message: "no resource for kind \"\(kind)\" in apiVersion \"\(apiVersion)\"",
                               method: "GET", path: Self.groupVersionPath(apiVersion))
        }
        return found
    }

    private static func groupVersionPath(_ apiVersion: String) -> String {
        apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
    }

    /// Reads the group version's document into the cache; a group version not served has no kinds.
    private func discover(_ apiVersion: String) throws -> [String: ResourceInfo] {
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", apiVersion)
        var kinds: [String: ResourceInfo] = [:]
        do {
            let document = try send("GET", Self.groupVersionPath(apiVersion))
            for entry in document?["resources"] as? [[String: Any]] ?? [] {
                // Subresources (`pods/status`) share their parent's kind.
                guard let name = entry["name"] as? String, !name.contains("/"), let kind = entry["kind"] as? String else { continue }
                kinds[kind] = ResourceInfo(group: group, version: version, kind: kind, plural: name,
                                           namespaced: entry["namespaced"] as? Bool ?? false)
            }
        } catch let error as KubeAPIError where error.kind == .notFound {}
        lock.withLock { discovered[apiVersion] = kinds }
        return kinds
    }

    // MARK: Verbs

    /// The object, or nil when there is none.
    package func get(apiVersion: String, kind: String, namespace: String?, name: String) throws -> [String: Any]? {
        let resource = try resource(for: apiVersion, kind: kind)
        do {
            return try send("GET", path(resource, namespace: namespace, name: name))
        } catch let error as KubeAPIError where error.kind == .notFound {
            return nil
        }
    }

    /// Every object of the kind (in `namespace`, or in all namespaces when nil), following
    /// `continue` tokens `pageSize` objects at a time. Each item gets its apiVersion and kind back.
    package func list(apiVersion: String, kind: String, namespace: String?, labelSelector: String? = nil,
                      pageSize: Int = 500) throws -> [[String: Any]] {
        let resource = try resource(for: apiVersion, kind: kind)
        var items: [[String: Any]] = []
        var token: String?
        repeat {
            var query = [("limit", String(pageSize))]
            if let labelSelector { query.append(("labelSelector", labelSelector)) }
            if let token { query.append(("continue", token)) }
            let page = try send("GET", path(resource, namespace: namespace, name: nil), query: query) ?? [:]
            for var item in page["items"] as? [[String: Any]] ?? [] {
                item["apiVersion"] = resource.apiVersion
                item["kind"] = resource.kind
                items.append(item)
            }
            token = ((page["metadata"] as? [String: Any])?["continue"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return items
    }

    /// POSTs `object`, sent once (see the type's note). Throws `alreadyExists` when it exists.
    @discardableResult
    package func create(_ object: [String: Any], dryRun: Bool = false) throws -> [String: Any] {
        let (resource, namespace, _) = try locate(object, needsName: false)
        return try send("POST", path(resource, namespace: namespace, name: nil), query: Self.dryRun(dryRun),
                        body: try Self.json(object), contentType: "application/json", idempotent: false) ?? [:]
    }

    /// PUTs `object`, whose `metadata.resourceVersion` the server checks: `conflict` when it changed since.
    @discardableResult
    package func update(_ object: [String: Any], dryRun: Bool = false) throws -> [String: Any] {
        let (resource, namespace, name) = try locate(object, needsName: true)
        return try send("PUT", path(resource, namespace: namespace, name: name), query: Self.dryRun(dryRun),
                        body: try Self.json(object), contentType: "application/json", idempotent: true) ?? [:]
    }

    /// Deletes the object: false when there was none (also when a retried DELETE finds it gone).
    @discardableResult
    package func delete(apiVersion: String, kind: String, namespace: String?, name: String, dryRun: Bool = false) throws -> Bool {
        let resource = try resource(for: apiVersion, kind: kind)
        do {
            _ = try send("DELETE", path(resource, namespace: namespace, name: name), query: Self.dryRun(dryRun))
            return true
        } catch let error as KubeAPIError where error.kind == .notFound {
            return false
        }
    }

    /// A JSON merge patch (RFC 7386), sent once.
    @discardableResult
    package func patch(apiVersion: String, kind: String, namespace: String?, name: String, merge patch: [String: Any],
                       dryRun: Bool = false) throws -> [String: Any] {
        let resource = try resource(for: apiVersion, kind: kind)
        return try send("PATCH", path(resource, namespace: namespace, name: name), query: Self.dryRun(dryRun),
                        body: try Self.json(patch), contentType: "application/merge-patch+json", idempotent: false) ?? [:]
    }

    /// Server-side apply: the fields of `object` become owned by `fieldManager`. Unknown fields are
    /// an `invalid`/`badRequest` error (`fieldValidation=Strict`), and a conflict with another
    /// manager a `conflict` unless `force`. Repeating it changes nothing, so it is retried.
    @discardableResult
    package func apply(_ object: [String: Any], fieldManager: String = "edpctl", force: Bool = false,
                       dryRun: Bool = false) throws -> [String: Any] {
        let (resource, namespace, name) = try locate(object, needsName: true)
        var query = [("fieldManager", fieldManager), ("fieldValidation", "Strict")]
        if force { query.append(("force", "true")) }
        query += Self.dryRun(dryRun)
        // JSON is YAML, so the body needs no YAML writer.
        return try send("PATCH", path(resource, namespace: namespace, name: name), query: query,
                        body: try Self.json(object), contentType: "application/apply-patch+yaml", idempotent: true) ?? [:]
    }

    // MARK: Requests

    private static func dryRun(_ dryRun: Bool) -> [(String, String)] { dryRun ? [("dryRun", "All")] : [] }

    private static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// The resource, namespace and name of an object about to be written; its kind's scope decides
    /// whether the namespace is used (the context's namespace when the object names none).
    private func locate(_ object: [String: Any], needsName: Bool) throws -> (ResourceInfo, String?, String?) {
        let apiVersion = object["apiVersion"] as? String ?? ""
        let kind = object["kind"] as? String ?? ""
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        let name = metadata["name"] as? String
        guard !apiVersion.isEmpty, !kind.isEmpty, !needsName || !(name ?? "").isEmpty else {
            throw KubeAPIError(kind: .invalid, message: "the object needs apiVersion, kind" + (needsName ? " and metadata.name" : ""),
                               method: "", path: "")
        }
        let resource = try resource(for: apiVersion, kind: kind)
        let namespace = resource.namespaced ? (metadata["namespace"] as? String ?? configuration.namespace) : nil
        return (resource, namespace, name)
    }

    func path(_ resource: ResourceInfo, namespace: String?, name: String?) -> String {
        var path = resource.groupVersionPath
        if resource.namespaced, let namespace { path += "/namespaces/" + Self.segment(namespace) }
        path += "/" + resource.plural
        if let name { path += "/" + Self.segment(name) }
        return path
    }

    private static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? text
    }

    private static func query(_ pairs: [(String, String)]) -> String {
        let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#?"))
        return pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }
            .joined(separator: "&")
    }

    /// Sends one request with the current credentials and decodes a 2xx JSON answer (nil for an
    /// empty body).
    private func send(_ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
                      contentType: String? = nil, idempotent: Bool? = nil) throws -> [String: Any]? {
        let body = try sendRaw(method, path, query: query, body: body, contentType: contentType, idempotent: idempotent)
        if body.isEmpty { return nil }
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw KubeAPIError(kind: .other, message: "\(method) \(path): the server's answer is not a JSON object",
                               method: method, path: path)
        }
        return object
    }

    /// Sends one request with the current credentials and returns a 2xx answer's body. After a 401
    /// with an exec plugin, the plugin is run again and the request sent once more, as client-go
    /// does when a cached credential was revoked early.
    func sendRaw(_ method: String, _ path: String, query: [(String, String)] = [], body: Data? = nil,
                 contentType: String? = nil, idempotent: Bool? = nil) throws -> Data {
        let url = self.url(path, query: query)
        var response = try attempt(method, url, path: path, body: body, contentType: contentType, idempotent: idempotent)
        if response.status == 401, let plugin = configuration.credentials.exec {
            plugin.forget()
            response = try attempt(method, url, path: path, body: body, contentType: contentType, idempotent: idempotent)
        }
        report(warnings: response.headers)
        guard (200...299).contains(response.status) else {
            throw KubeAPIError(status: response.status, body: response.body, method: method, path: path)
        }
        return response.body
    }

    /// GETs `path` and hands a 2xx answer's body to `receive` piece by piece as it arrives (a
    /// watch); another answer is read whole and thrown as `KubeAPIError`. Sent once (a broken
    /// stream is the caller's to restart, from what it has seen), but for the exec plugin's second
    /// chance after a 401, as `sendRaw`. `timeout` bounds the whole stream. Returns whether
    /// `receive` stopped it.
    func stream(_ path: String, query: [(String, String)], timeout: Double,
                receive: (Data) throws -> StreamControl) throws -> Bool {
        let url = self.url(path, query: query)
        var retried = false
        while true {
            var headers = Headers([.init("Accept", "application/json"), .init("User-Agent", userAgent)])
            let client = try authenticate(&headers)
            // An error's Status is small; more than this is not one worth reading on.
            var errorBody = Data()
            let end: StreamEnd
            do {
                end = try client.stream(Request(method: "GET", url: url, headers: headers), timeout: timeout) { head, chunk in
                    guard (200...299).contains(head.status) else {
                        errorBody.append(chunk)
                        return errorBody.count < 1 << 20 ? .proceed : .stop
                    }
                    return try receive(chunk)
                }
            } catch let error as HTTPError {
                throw KubeAPIError(kind: .transport, message: "\(error)", method: "GET", path: path, transport: error)
            }
            if end.head.status == 401, !retried, let plugin = configuration.credentials.exec {
                plugin.forget()
                retried = true
                continue
            }
            report(warnings: end.head.headers)
            guard (200...299).contains(end.head.status) else {
                throw KubeAPIError(status: end.head.status, body: errorBody, method: "GET", path: path)
            }
            return end.stopped
        }
    }

    private func url(_ path: String, query: [(String, String)]) -> String {
        let url = configuration.server.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path
        return query.isEmpty ? url : url + "?" + Self.query(query)
    }

    /// Hands each `Warning:` text to `warning`, each text once per client, as kubectl deduplicates them.
    private func report(warnings headers: Headers) {
        for value in headers.values("Warning") {
            let text = warningText(value)
            if lock.withLock({ warned.insert(text).inserted }) { warning(text) }
        }
    }

    private func attempt(_ method: String, _ url: String, path: String, body: Data?, contentType: String?,
                         idempotent: Bool?) throws -> Response {
        var headers = Headers([.init("Accept", "application/json"), .init("User-Agent", userAgent)])
        if let contentType { headers.add("Content-Type", contentType) }
        let client = try authenticate(&headers)
        do {
            return try client.send(Request(method: method, url: url, headers: headers, body: body, idempotent: idempotent))
        } catch let error as HTTPError {
            throw KubeAPIError(kind: .transport, message: "\(error)", method: method, path: path, transport: error)
        }
    }

    /// Adds the bearer token read now (a token file is re-read, an exec credential renewed when it
    /// expired) and returns the client to send with: rebuilt when the exec plugin's certificate changed.
    private func authenticate(_ headers: inout Headers) throws -> Client {
        let credentials = configuration.credentials
        var token = try credentials.bearerToken()
        var certificate: (Data, Data)?
        if let plugin = credentials.exec {
            let credential = try plugin.credential()
            if let value = credential.token { token = value }
            if let cert = credential.clientCertificate, let key = credential.clientKey { certificate = (cert, key) }
        }
        if let token { headers.add("Authorization", "Bearer \(token)") }
        return try lock.withLock {
            if let (cert, key) = certificate, cert != clientCertificate {
                var changed = base
                changed.clientCertificatePEM = cert
                changed.clientKeyPEM = key
                http = try Client(changed)
                clientCertificate = cert
            }
            return http
        }
    }
}
