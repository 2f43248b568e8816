import Foundation

/// The kubeconfig files of one run merged by kubectl's rules (client-go's
/// `ClientConfigLoadingRules.Load`): for each name of a cluster, user or context the first file
/// that defines it wins whole, even fields the later files set and it does not; `current-context`
/// comes from the first file that sets it.
package struct Kubeconfig: Sendable {
    package private(set) var clusters: [String: KubeconfigEntry<KubeconfigCluster>] = [:]
    package private(set) var users: [String: KubeconfigEntry<KubeconfigUser>] = [:]
    package private(set) var contexts: [String: KubeconfigEntry<KubeconfigContext>] = [:]
    package private(set) var currentContext: String?
    /// The files merged, as shown, in order.
    package let files: [String]

    package init(merging parsed: [KubeconfigFile], shown: [String]) {
        files = shown
        for file in parsed {
            for entry in file.clusters where clusters[entry.name] == nil { clusters[entry.name] = entry }
            for entry in file.users where users[entry.name] == nil { users[entry.name] = entry }
            for entry in file.contexts where contexts[entry.name] == nil { contexts[entry.name] = entry }
            if currentContext == nil { currentContext = file.currentContext }
        }
    }

    /// `~/.kube/config`, or `a, b` for several.
    private var filesShown: String { files.joined(separator: ", ") }

    /// The configuration of `context` (nil: `current-context`), its files read and checked as
    /// kubectl checks them before a request.
    package func resolve(context override: String?, environment: KubeEnvironment)
        throws(KubeconfigError) -> KubeClientConfiguration {
        guard let name = override ?? currentContext else {
            throw KubeconfigError(file: nil, message: "no context: current-context is not set in \(filesShown) and no --context was given")
        }
        guard let context = contexts[name] else {
            throw KubeconfigError(file: nil, message: "context \"\(name)\" not found in \(filesShown)")
        }
        guard let clusterName = context.value.cluster, !clusterName.isEmpty else {
            throw KubeconfigError(file: context.origin.shown, line: context.origin.line, column: context.origin.column,
                                  message: "context \"\(name)\": no cluster")
        }
        guard let cluster = clusters[clusterName] else {
            throw KubeconfigError(file: nil, message: "context \"\(name)\": cluster \"\(clusterName)\" not found in \(filesShown)")
        }
        guard let server = cluster.value.server, !server.isEmpty else {
            throw KubeconfigError(file: cluster.origin.shown, line: cluster.origin.line, column: cluster.origin.column,
                                  message: "cluster \"\(clusterName)\": no server")
        }
        let certificateAuthority = try Self.certificateAuthority(cluster)
        let userName = context.value.user ?? ""
        var credentials = KubeCredentials()
        if !userName.isEmpty {
            guard let user = users[userName] else {
                throw KubeconfigError(file: nil, message: "context \"\(name)\": user \"\(userName)\" not found in \(filesShown)")
            }
            credentials = try Self.credentials(user, cluster: cluster.value, certificateAuthority: certificateAuthority,
                                               server: server, environment: environment)
        }
        return KubeClientConfiguration(
            context: name, server: server, certificateAuthority: certificateAuthority,
            insecureSkipTLSVerify: cluster.value.insecureSkipTLSVerify, tlsServerName: cluster.value.tlsServerName,
            proxyURL: cluster.value.proxyURL, namespace: context.value.namespace ?? "default", user: userName,
            credentials: credentials, source: filesShown)
    }

    private static func certificateAuthority(_ cluster: KubeconfigEntry<KubeconfigCluster>) throws(KubeconfigError) -> Data? {
        if cluster.value.certificateAuthorityData != nil && cluster.value.certificateAuthority != nil {
            throw problem(cluster, "cluster \"\(cluster.name)\": certificate-authority-data and certificate-authority are both set; use one")
        }
        if let data = cluster.value.certificateAuthorityData { return data }
        guard let path = cluster.value.certificateAuthority else { return nil }
        return try readFile(path, "cluster \"\(cluster.name)\": certificate-authority")
    }

    /// The user's credentials, refusing what kubectl refuses: two ways to log in, half a key pair.
    private static func credentials(_ entry: KubeconfigEntry<KubeconfigUser>, cluster: KubeconfigCluster,
                                    certificateAuthority: Data?, server: String, environment: KubeEnvironment) throws(KubeconfigError) -> KubeCredentials {
        let user = entry.value
        let label = "user \"\(entry.name)\""
        if let provider = user.authProvider {
            throw problem(entry, "\(label): auth-provider \"\(provider)\" is no longer supported by kubectl; use an exec plugin")
        }
        var credentials = KubeCredentials()
        if user.clientCertificate != nil && user.clientCertificateData != nil {
            throw problem(entry, "\(label): client-certificate-data and client-certificate are both set; use one")
        }
        if user.clientKey != nil && user.clientKeyData != nil {
            throw problem(entry, "\(label): client-key-data and client-key are both set; use one")
        }
        credentials.clientCertificate = user.clientCertificateData
        if let path = user.clientCertificate { credentials.clientCertificate = try readFile(path, "\(label): client-certificate") }
        credentials.clientKey = user.clientKeyData
        if let path = user.clientKey { credentials.clientKey = try readFile(path, "\(label): client-key") }
        if (credentials.clientCertificate == nil) != (credentials.clientKey == nil) {
            throw problem(entry, "\(label): a client certificate needs its key, and a key its certificate")
        }
        let hasToken = user.token != nil || user.tokenFile != nil
        let hasBasic = user.username != nil || user.password != nil
        if hasToken && hasBasic {
            throw problem(entry, "\(label): more than one authentication method (token and basic auth); use one")
        }
        if user.exec != nil && hasBasic {
            throw problem(entry, "\(label): more than one authentication method (exec and basic auth); use one")
        }
        credentials.token = user.token
        credentials.tokenFile = user.tokenFile
        credentials.username = user.username
        credentials.password = user.password
        if let exec = user.exec {
            let position = KubeconfigOrigin(path: entry.origin.path, shown: entry.origin.shown, line: user.execLine, column: user.execColumn)
            credentials.exec = try ExecCredentialPlugin(exec, user: entry.name, origin: position,
                                                        cluster: cluster, certificateAuthority: certificateAuthority,
                                                        server: server, environment: environment)
        }
        return credentials
    }

    private static func problem<Value>(_ entry: KubeconfigEntry<Value>, _ message: String) -> KubeconfigError {
        KubeconfigError(file: entry.origin.shown, line: entry.origin.line, column: entry.origin.column, message: message)
    }

    /// The file's bytes; an error names `what`, the path and the system's reason (`No such file
    /// or directory`), read from errno rather than Foundation's sentence.
    static func readFile(_ path: String, _ what: String) throws(KubeconfigError) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw KubeconfigError(file: nil, message: "\(what) \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw KubeconfigError(file: nil, message: "\(what) \(path): \(reason(error))")
        }
    }

    /// The system's reason (`No such file or directory`) rather than Foundation's sentence.
    static func reason(_ error: any Error) -> String {
        let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
        if let underlying, underlying.domain == NSPOSIXErrorDomain, let text = strerror(Int32(underlying.code)) {
            return String(cString: text)
        }
        return (error as NSError).localizedDescription
    }
}
