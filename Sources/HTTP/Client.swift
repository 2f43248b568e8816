import CCurl
import Foundation

/// Sends requests with one `Configuration`, reusing connections: each request borrows an easy
/// handle from a small pool (a new one when all are busy), and libcurl keeps each handle's
/// connections open, so sequential requests share one connection and one TLS handshake.
/// `send` and `stream` block their thread and may be called from several threads at once.
package final class Client: @unchecked Sendable {
    package let configuration: Configuration
    private let proxyRules: ProxyRules?
    // Guards `idle` and `opened`.
    private let lock = NSLock()
    private var idle: [EasyHandle] = []
    private var opened = 0

    package init(_ configuration: Configuration) throws {
        self.configuration = configuration
        try Curl.initialize()
        switch configuration.proxy {
        case .environment(let environment):
            proxyRules = ProxyRules(environment: environment)
        case .url(let proxy):
            proxyRules = nil
            try Self.checkProxy(proxy)
        case .none:
            proxyRules = nil
        }
    }

    /// Connections opened so far by this client's requests (TCP, through a proxy or not).
    package var connectionsOpened: Int {
        lock.withLock { opened }
    }

    /// Sends `request`, retrying an idempotent one as `configuration.retry` says, and returns the
    /// last response whatever its status. Throws `HTTPError` when no response came.
    package func send(_ request: Request) throws -> Response {
        let start = Date()
        var attempt = 0
        while true {
            attempt += 1
            do {
                var response = try sendOnce(request)
                response.attempts = attempt
                if request.idempotent, RetryPolicy.retries(status: response.status),
                   let wait = configuration.retry.delay(after: attempt, retryAfter: response.headers["Retry-After"],
                                                        elapsed: Date().timeIntervalSince(start)) {
                    Thread.sleep(forTimeInterval: wait)
                    continue
                }
                return response
            } catch var error as HTTPError {
                error.attempts = attempt
                if request.idempotent, error.isConnectionFailure,
                   let wait = configuration.retry.delay(after: attempt, retryAfter: nil,
                                                        elapsed: Date().timeIntervalSince(start)) {
                    Thread.sleep(forTimeInterval: wait)
                    continue
                }
                throw error
            }
        }
    }

    private func sendOnce(_ request: Request) throws -> Response {
        try withHandle(for: request) { handle, shownURL, proxy in
            try handle.set(CURLOPT_TIMEOUT_MS, Int(configuration.timeout * 1000))
            let result: (status: Int, headers: Headers, body: Data)
            do {
                result = try handle.perform(method: request.method, url: shownURL)
            } catch var error as HTTPError {
                error.proxy = proxy.map(CurlURL.redacted)
                throw error
            }
            return Response(status: result.status, headers: result.headers, body: result.body, attempts: 1)
        }
    }

    /// Sends `request` once and hands its body to `receive` piece by piece as libcurl receives it
    /// (a watch, a log), with the response's status and headers, whatever the status. `receive`
    /// answering `.stop` ends the transfer there: a normal end (`StreamEnd.stopped`), not an error.
    /// What `receive` throws ends the transfer too and is rethrown as is.
    ///
    /// Never retried, whatever `configuration.retry` says: a stream that broke halfway has been
    /// partly delivered, so only the caller knows where to pick it up (a watch from its last
    /// resourceVersion). `timeout` bounds the whole stream (instead of `configuration.timeout`);
    /// with `idleTimeout`, a stream that brings less than a byte a second for about that long
    /// (libcurl averages the speed over a few seconds) fails with a timeout too. Connection
    /// timeout, TLS, proxy and credentials are the configuration's, as for `send`.
    @discardableResult
    package func stream(_ request: Request, timeout: Double, idleTimeout: Double? = nil,
                        receive: (_ head: ResponseHead, _ chunk: Data) throws -> StreamControl) throws -> StreamEnd {
        try withHandle(for: request) { handle, shownURL, proxy in
            try handle.set(CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
            if let idleTimeout {
                try handle.set(CURLOPT_LOW_SPEED_LIMIT, 1)
                try handle.set(CURLOPT_LOW_SPEED_TIME, max(1, Int(idleTimeout.rounded(.up))))
            }
            // libcurl's callback cannot throw: the receiver's error is kept and the transfer stopped.
            var failure: Error?
            let result: (status: Int, headers: Headers, stopped: Bool)
            do {
                result = try handle.stream(method: request.method, url: shownURL) { status, headers, chunk in
                    do {
                        return try receive(ResponseHead(status: status, headers: headers), chunk) == .proceed
                    } catch {
                        failure = error
                        return false
                    }
                }
            } catch var error as HTTPError {
                error.proxy = proxy.map(CurlURL.redacted)
                throw error
            }
            if let failure { throw failure }
            return StreamEnd(head: ResponseHead(status: result.status, headers: result.headers), stopped: result.stopped)
        }
    }

    /// Runs `body` with an easy handle from the pool (a new one when none is idle), reset and set
    /// up for `request` but for its timeouts, then puts the handle back. A handle whose transfer
    /// failed or was stopped goes back too: libcurl closed that transfer's connection, and the
    /// handle itself is as good as new after the next `reset()`.
    private func withHandle<T>(for request: Request,
                               _ body: (_ handle: EasyHandle, _ shownURL: String, _ proxy: String?) throws -> T) throws -> T {
        guard let url = CurlURL(request.url), ["http", "https"].contains(url.scheme) else {
            throw HTTPError.invalid("not an http:// or https:// URL", method: request.method, url: request.url)
        }
        let shownURL = CurlURL.redacted(request.url)
        let handle = try lock.withLock { idle.popLast() } ?? EasyHandle()
        defer {
            let count = handle.connectionsOpened
            lock.withLock {
                opened += count
                if idle.count < configuration.maxIdleConnections { idle.append(handle) }
            }
        }
        try handle.reset()
        var headerLines = ["Expect:"]  // no 100-continue round trip before a body
        let target = try setTarget(of: handle, url: url)
        try handle.set(CURLOPT_URL, target)
        try handle.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try handle.set(CURLOPT_ACCEPT_ENCODING, "")
        try handle.set(CURLOPT_TCP_KEEPALIVE, 1)
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
        try setMethod(of: handle, request)
        try setTLS(of: handle)
        let proxy = try setProxy(of: handle, url: url)

        if let token = configuration.bearerToken, request.headers["Authorization"] == nil {
            headerLines.append("Authorization: Bearer \(token)")
        }
        if let basic = configuration.basicAuth {
            try handle.set(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC, a macro Swift does not import
            try handle.set(CURLOPT_USERNAME, basic.username)
            try handle.set(CURLOPT_PASSWORD, basic.password)
        }
        // curl's syntax for a header with an empty value is `Name;`.
        headerLines += request.headers.fields.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        try handle.set(CURLOPT_HTTPHEADER, lines: headerLines)
        return try body(handle, shownURL, proxy)
    }

    /// The URL to give libcurl. With `tlsServerName`, libcurl 7.88 has no option to verify or
    /// send as SNI another name than the URL's host, so the URL names the server by
    /// `tlsServerName` and `CURLOPT_CONNECT_TO` sends its connections to the URL's real host and
    /// port. The `Host` header then carries `tlsServerName` too (Go's client sends the URL's
    /// host), which is what servers that hold Host to SNI accept: nginx verifying client
    /// certificates answers 421 when the two differ.
    private func setTarget(of handle: EasyHandle, url: CurlURL) throws -> String {
        guard let name = configuration.tlsServerName, url.scheme == "https" else { return url.text }
        guard let host = url.part(CURLUPART_HOST) else { return url.text }
        let port = url.port
        guard url.set(CURLUPART_HOST, name) else {
            throw HTTPError.invalid("tls-server-name \(name) is not a host name", method: nil, url: url.text)
        }
        try handle.set(CURLOPT_CONNECT_TO, lines: ["\(name):\(port):\(host):\(port)"])
        return url.text
    }

    private func setMethod(of handle: EasyHandle, _ request: Request) throws {
        switch request.method {
        case "GET": try handle.set(CURLOPT_HTTPGET, 1)
        case "HEAD": try handle.set(CURLOPT_NOBODY, 1)
        default:
            try handle.set(CURLOPT_CUSTOMREQUEST, request.method)
        }
        guard request.method != "GET", request.method != "HEAD" else { return }
        if let body = request.body ?? (request.method == "POST" ? Data() : nil) {
            try handle.set(CURLOPT_POSTFIELDSIZE_LARGE, size: Int64(body.count))
            // COPYPOSTFIELDS copies the bytes during the call; an empty body still needs a pointer.
            var bytes = [UInt8](body)
            if bytes.isEmpty { bytes = [0] }
            try bytes.withUnsafeMutableBytes { try handle.set(CURLOPT_COPYPOSTFIELDS, pointer: $0.baseAddress) }
        }
    }

    private func setTLS(of handle: EasyHandle) throws {
        if configuration.insecureSkipTLSVerify {
            try handle.set(CURLOPT_SSL_VERIFYPEER, 0)
            try handle.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        // A given CA replaces the system's (as kubectl's does): no default bundle, no default folder.
        if let file = configuration.certificateAuthorityFile {
            try handle.set(CURLOPT_CAINFO, file)
            try handle.set(CURLOPT_CAPATH, nil as String?)
        } else if let pem = configuration.certificateAuthorityPEM {
            try handle.set(CURLOPT_CAINFO_BLOB, bytes: pem)
            try handle.set(CURLOPT_CAINFO, nil as String?)
            try handle.set(CURLOPT_CAPATH, nil as String?)
        }
        if let certificate = configuration.clientCertificatePEM {
            try handle.set(CURLOPT_SSLCERT_BLOB, bytes: certificate)
            try handle.set(CURLOPT_SSLCERTTYPE, "PEM")
        }
        if let key = configuration.clientKeyPEM {
            try handle.set(CURLOPT_SSLKEY_BLOB, bytes: key)
            try handle.set(CURLOPT_SSLKEYTYPE, "PEM")
        }
    }

    /// Always sets both options, so libcurl never reads the process's own proxy variables.
    /// Returns the proxy used, nil for none.
    private func setProxy(of handle: EasyHandle, url: CurlURL) throws -> String? {
        var proxy = ""
        switch configuration.proxy {
        case .none: break
        case .url(let explicit): proxy = explicit
        case .environment:
            if let chosen = proxyRules?.proxy(scheme: url.scheme, host: url.host, port: url.port) {
                try Self.checkProxy(chosen)
                proxy = chosen
            }
        }
        try handle.set(CURLOPT_PROXY, proxy)
        try handle.set(CURLOPT_NOPROXY, "")
        return proxy.isEmpty ? nil : proxy
    }

    private static func checkProxy(_ proxy: String) throws {
        guard let url = CurlURL(proxy), ["http", "https", "socks5", "socks5h"].contains(url.scheme) else {
            throw HTTPError.invalid("proxy \(CurlURL.redacted(proxy)) is not an http://, https://, socks5:// or socks5h:// URL",
                                    method: nil, url: "")
        }
    }
}
