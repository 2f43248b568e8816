import Foundation

/// A user name and password for HTTP basic auth. Its description leaves the password out.
package struct BasicAuth: Sendable, CustomStringConvertible {
    package var username: String
    package var password: String
    package init(username: String, password: String) {
        self.username = username
        self.password = password
    }
    package var description: String { "basic auth as \(username)" }
}

/// Where requests go through.
package enum ProxySetting: Sendable {
    /// Straight to the server, whatever the environment says.
    case none
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` (or their lower-case forms) of this environment,
    /// read as Go's `http.ProxyFromEnvironment` reads them (so as kubectl does; see `ProxyRules`).
    case environment([String: String])
    /// Every request through this proxy, as kubeconfig's `proxy-url`: `http://`, `https://`,
    /// `socks5://` (names resolved here) or `socks5h://` (names resolved by the proxy).
    case url(String)
}

/// What a `Client` does with every request. Its description names which settings are present
/// and never their secret values.
package struct Configuration: Sendable, CustomStringConvertible {
    /// A PEM file of the certificate authorities to trust instead of the system's.
    package var certificateAuthorityFile: String?
    /// PEM certificates to trust instead of the system's, from memory.
    package var certificateAuthorityPEM: Data?
    /// A client certificate and its key, PEM, handed to libcurl from memory (never written to disk).
    package var clientCertificatePEM: Data?
    package var clientKeyPEM: Data?
    /// Sent as `Authorization: Bearer …`.
    package var bearerToken: String?
    package var basicAuth: BasicAuth?
    /// Verify nothing about the server's certificate. Only when set explicitly.
    package var insecureSkipTLSVerify = false
    /// The name the server's certificate must carry and that is sent as SNI, instead of the URL's host.
    package var tlsServerName: String?
    package var proxy = ProxySetting.none
    /// Seconds to set up the connection (TCP, proxy, TLS), and for the whole of one attempt.
    package var connectTimeout: Double = 10
    package var timeout: Double = 60
    package var retry = RetryPolicy()
    /// At most this many idle connections are kept for reuse (one per concurrent request).
    package var maxIdleConnections = 8

    package init() {}

    package var description: String {
        var parts: [String] = []
        if let certificateAuthorityFile { parts.append("CA file \(certificateAuthorityFile)") }
        if certificateAuthorityPEM != nil { parts.append("CA from memory") }
        if clientCertificatePEM != nil { parts.append("client certificate") }
        if bearerToken != nil { parts.append("bearer token") }
        if let basicAuth { parts.append(basicAuth.description) }
        if insecureSkipTLSVerify { parts.append("TLS verification off") }
        if let tlsServerName { parts.append("TLS server name \(tlsServerName)") }
        return "HTTP client (" + parts.joined(separator: ", ") + ")"
    }
}
