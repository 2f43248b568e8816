import Foundation

/// What an exec plugin printed: a bearer token or a client certificate and key, until `expiration`.
/// Holds secrets, which no description prints.
package struct ExecCredential: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    package let token: String?
    /// PEM.
    package let clientCertificate: Data?
    /// PEM.
    package let clientKey: Data?
    /// nil: valid for the rest of the run.
    package let expiration: Date?

    package var description: String {
        let form = token != nil ? "token: <redacted>" : "client certificate, client key: <redacted>"
        return "ExecCredential(\(form), expires: \(expiration.map { "\($0)" } ?? "never"))"
    }

    package var debugDescription: String { description }
}

/// Runs a user's client.authentication.k8s.io exec plugin as kubectl does, and keeps its credential
/// in memory until its `expirationTimestamp`: `credential()` runs the plugin again only then.
/// The plugin's standard error passes through to ours; its standard output (the credential) is
/// never shown, not even in an error.
package final class ExecCredentialPlugin: @unchecked Sendable, CustomStringConvertible {
    package let config: KubeExecConfig
    /// The kubeconfig user the plugin logs in, named in every error.
    package let user: String
    private let cluster: [String: Any]
    private let environment: KubeEnvironment
    /// Guards `cached`: the REST client may ask from several requests at once.
    private let lock = NSLock()
    private var cached: ExecCredential?

    init(_ config: KubeExecConfig, user: String, origin: KubeconfigOrigin, cluster: KubeconfigCluster,
         certificateAuthority: Data?, server: String, environment: KubeEnvironment) throws(KubeconfigError) {
        let at = { (message: String) in
            KubeconfigError(file: origin.shown, line: origin.line, column: origin.column, message: "user \"\(user)\": exec: \(message)")
        }
        guard [KubeExecConfig.v1, KubeExecConfig.v1beta1].contains(config.apiVersion) else {
            throw at(config.apiVersion.isEmpty ? "apiVersion missing (\(KubeExecConfig.v1))"
                : "apiVersion \"\(config.apiVersion)\" is not \(KubeExecConfig.v1) or \(KubeExecConfig.v1beta1)")
        }
        if config.apiVersion == KubeExecConfig.v1 && config.interactiveMode == nil {
            throw at("interactiveMode must be set for \(KubeExecConfig.v1) (Never, IfAvailable or Always)")
        }
        self.config = config
        self.user = user
        self.environment = environment
        // client.authentication.k8s.io's Cluster, its empty fields left out as Go's omitempty does
        // (`config`, the exec extension, has no omitempty).
        var info: [String: Any] = ["server": server, "config": NSNull()]
        if let name = cluster.tlsServerName, !name.isEmpty { info["tls-server-name"] = name }
        if cluster.insecureSkipTLSVerify { info["insecure-skip-tls-verify"] = true }
        if let certificateAuthority { info["certificate-authority-data"] = certificateAuthority.base64EncodedString() }
        if let proxy = cluster.proxyURL, !proxy.isEmpty { info["proxy-url"] = proxy }
        self.cluster = info
    }

    package var description: String { "exec plugin \"\(config.command)\" for user \"\(user)\"" }

    /// The cached credential while it has not expired, else a fresh one from the plugin.
    package func credential() throws(KubeconfigError) -> ExecCredential {
        lock.lock()
        defer { lock.unlock() }
        if let cached, cached.expiration.map({ environment.now() < $0 }) ?? true { return cached }
        let fresh = try run()
        cached = fresh
        return fresh
    }

    /// Drops the cached credential, so the next `credential()` runs the plugin: the server refused it.
    package func forget() {
        lock.withLock { cached = nil }
    }

    private func failure(_ message: String) -> KubeconfigError {
        KubeconfigError(file: nil, message: "user \"\(user)\": exec plugin \"\(config.command)\": \(message)")
    }

    private func run() throws(KubeconfigError) -> ExecCredential {
        let interactive: Bool
        switch config.interactiveMode ?? .ifAvailable {
        case .never: interactive = false
        case .ifAvailable: interactive = environment.stdinIsTerminal
        case .always:
            guard environment.stdinIsTerminal else {
                throw failure("interactiveMode is Always but standard input is not a terminal")
            }
            interactive = true
        }
        var spec: [String: Any] = ["interactive": interactive]
        if config.provideClusterInfo { spec["cluster"] = cluster }
        let info: [String: Any] = ["kind": "ExecCredential", "apiVersion": config.apiVersion, "spec": spec]
        let infoText = (try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var variables = environment.variables
        for (name, value) in config.env { variables[name] = value }
        variables["KUBERNETES_EXEC_INFO"] = infoText

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable(path: variables["PATH"] ?? ""))
        process.arguments = config.args
        process.environment = variables
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        process.standardInput = interactive ? FileHandle.standardInput : FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw failure("cannot be started: \(Kubeconfig.reason(error))" + hint)
        }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit else { throw failure("killed by signal \(process.terminationStatus)") }
        guard process.terminationStatus == 0 else { throw failure("exited with status \(process.terminationStatus)") }
        return try decode(printed)
    }

    private var hint: String { config.installHint.map { "\n\n" + $0 } ?? "" }

    /// The command itself when written as a path, else the first match in PATH.
    private func executable(path: String) throws(KubeconfigError) -> String {
        if config.command.contains("/") { return config.command }
        for folder in path.split(separator: ":") {
            let candidate = (String(folder) as NSString).appendingPathComponent(config.command)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw failure("not found in PATH" + hint)
    }

    /// The ExecCredential the plugin printed. Its text is never quoted: it holds the token.
    private func decode(_ printed: Data) throws(KubeconfigError) -> ExecCredential {
        guard let object = (try? JSONSerialization.jsonObject(with: printed)) as? [String: Any] else {
            throw failure("did not print an ExecCredential as a JSON object")
        }
        let version = object["apiVersion"] as? String ?? ""
        guard version == config.apiVersion else {
            throw failure("printed apiVersion \"\(version)\" but the kubeconfig asks for \"\(config.apiVersion)\"")
        }
        guard object["kind"] as? String == "ExecCredential" else { throw failure("did not print kind ExecCredential") }
        guard let status = object["status"] as? [String: Any] else { throw failure("printed no status") }
        let token = (status["token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let certificate = (status["clientCertificateData"] as? String).flatMap { $0.isEmpty ? nil : Data($0.utf8) }
        let key = (status["clientKeyData"] as? String).flatMap { $0.isEmpty ? nil : Data($0.utf8) }
        if (certificate == nil) != (key == nil) { throw failure("printed a client certificate or key without the other") }
        if token == nil && certificate == nil { throw failure("printed neither a token nor a client certificate and key") }
        var expiration: Date?
        if let text = status["expirationTimestamp"] as? String, !text.isEmpty {
            guard let date = Self.rfc3339(text) else { throw failure("expirationTimestamp \"\(text)\" is not an RFC 3339 time") }
            expiration = date
        }
        return ExecCredential(token: token, clientCertificate: certificate, clientKey: key, expiration: expiration)
    }

    private static func rfc3339(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
