import Foundation

/// What a client needs to reach one cluster as one user: the context kubectl would use, resolved.
package struct KubeClientConfiguration: Sendable, CustomStringConvertible {
    /// The context's name; nil in-cluster.
    package let context: String?
    /// `https://host:port`, as written.
    package let server: String
    /// PEM, from `certificate-authority-data` or read from `certificate-authority`; nil: the system's.
    package let certificateAuthority: Data?
    package let insecureSkipTLSVerify: Bool
    package let tlsServerName: String?
    package let proxyURL: String?
    /// The context's namespace, else "default".
    package let namespace: String
    /// The user's name in the kubeconfig ("" for a context without one); nil in-cluster.
    package let user: String?
    package let credentials: KubeCredentials
    /// Where it came from, for messages: the files (`~/.kube/config`) or `in-cluster`.
    package let source: String

    package var description: String {
        "KubeClientConfiguration(context: \(context ?? "<in-cluster>"), server: \(server), namespace: \(namespace), "
            + "user: \(user ?? "<service account>"), \(credentials), from \(source))"
    }
}

/// How the client proves who it is. Holds secrets, which no description prints.
package struct KubeCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// PEM.
    package var clientCertificate: Data?
    /// PEM.
    package var clientKey: Data?
    package var token: String?
    /// Read at each use (a service account's token is rotated); wins over `token`, as in client-go.
    package var tokenFile: String?
    package var username: String?
    package var password: String?
    package var exec: ExecCredentialPlugin?

    /// The bearer token to send now: the token file's content when there is one, else `token`.
    package func bearerToken() throws(KubeconfigError) -> String? {
        guard let tokenFile else { return token }
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw KubeconfigError(file: nil, message: "tokenFile \(tokenFile): cannot be read")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    package var description: String {
        var forms: [String] = []
        if clientCertificate != nil { forms.append("client certificate") }
        if clientKey != nil { forms.append("client key: <redacted>") }
        if token != nil { forms.append("token: <redacted>") }
        if let tokenFile { forms.append("tokenFile: \(tokenFile)") }
        if let username { forms.append("basic: \(username):<redacted>") }
        if let exec { forms.append("\(exec)") }
        return "KubeCredentials(" + (forms.isEmpty ? "anonymous" : forms.joined(separator: ", ")) + ")"
    }

    package var debugDescription: String { description }
}
