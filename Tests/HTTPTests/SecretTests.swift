import Foundation
import HTTP
import TestSupport
import Testing

/// Failing requests made with every kind of credential: no token, password or key byte reaches
/// an error's text.
@Suite(.enabled(if: allInstalled("openssl", "nginx", "python3"),
                "openssl, nginx or python3 is not installed (Debian packages openssl, nginx-light, python3; `make test` installs them)"))
struct SecretTests {
    @Test func noSecretAppearsInAnyError() throws {
        let folder = try TemporaryFolder("http-secrets")
        let certificates = try Certificates(in: folder.path)
        let nginx = try Nginx(folder: folder.path, certificates: certificates)
        let server = try ScriptedServer(folder: folder.path)

        let token = "tok-SECRET-7f3a9c"
        let password = "pw-SECRET-41d2e8"
        let key = try certificates.pem("client.key")
        let keyLines = String(decoding: key, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("-----") }
        let secrets = [token, password, "urlpw-SECRET", "query-SECRET", "proxypw-SECRET", "fragment-SECRET"]
            + keyLines.map(String.init)

        var configuration = Configuration()
        configuration.bearerToken = token
        configuration.basicAuth = BasicAuth(username: "admin", password: password)
        configuration.clientCertificatePEM = try certificates.pem("client.crt")
        configuration.clientKeyPEM = key
        configuration.certificateAuthorityPEM = try certificates.pem("wrong-ca.crt")
        configuration.retry = RetryPolicy(maxAttempts: 2, initialDelay: 0.01, maxDelay: 0.01, maxElapsed: 5)
        configuration.timeout = 0.5

        let secretURL = "admin:urlpw-SECRET@127.0.0.1"
        let query = "?token=query-SECRET#fragment-SECRET"
        var texts = [configuration.description]
        func failure(_ configuration: Configuration, _ request: Request) {
            do {
                _ = try Client(configuration).send(request)
                Issue.record("\(request.method) \(request.url) did not fail")
            } catch {
                texts += ["\(error)", String(reflecting: error), error.localizedDescription]
            }
        }
        let body = Data("{\"data\": \"\(password)\"}".utf8)
        // An untrusted server (TLS), a closed port (connection), a slow answer (timeout).
        failure(configuration, Request(method: "PUT", url: "https://\(secretURL):\(nginx.port)/api\(query)", body: body))
        failure(configuration, Request(url: "http://\(secretURL):\(try freePort())/api\(query)",
                                       headers: Headers([.init("X-Token", token)])))
        failure(configuration, Request(url: "http://\(secretURL):\(server.port)/slow\(query)"))
        var proxied = configuration
        let proxyPort = try freePort()
        proxied.proxy = .url("socks5h://user:proxypw-SECRET@127.0.0.1:\(proxyPort)")
        failure(proxied, Request(url: "https://\(secretURL):\(nginx.port)/api\(query)"))
        var badProxy = configuration
        badProxy.proxy = .url("gopher://user:proxypw-SECRET@127.0.0.1:1")
        failure(badProxy, Request(url: "https://127.0.0.1/"))
        failure(configuration, Request(url: "ftp://\(secretURL)/\(query)"))
        // Streamed: an untrusted server, and a stream cut off halfway.
        func streamFailure(_ request: Request) {
            do {
                try Client(configuration).stream(request, timeout: 5) { _, _ in .proceed }
                Issue.record("the stream of \(request.url) did not fail")
            } catch {
                texts += ["\(error)", String(reflecting: error), error.localizedDescription]
            }
        }
        streamFailure(Request(url: "https://\(secretURL):\(nginx.port)/api\(query)", headers: Headers([.init("X-Token", token)])))
        streamFailure(Request(url: "http://\(secretURL):\(server.port)/trickle-cut\(query)"))

        #expect(texts.count == 25)
        // The errors do name what failed, without userinfo, query or fragment.
        #expect(texts.contains { $0.hasPrefix("PUT https://127.0.0.1:\(nginx.port)/api failed: ") }, "\(texts)")
        #expect(texts.contains { $0.hasSuffix("through proxy socks5h://127.0.0.1:\(proxyPort)/") }, "\(texts)")
        #expect(texts.contains { $0.hasPrefix("GET http://127.0.0.1:\(server.port)/trickle-cut failed: ") }, "\(texts)")
        #expect(!texts.contains { $0.contains("The operation could not be completed") }, "\(texts)")
        for text in texts {
            for secret in secrets {
                #expect(!text.contains(secret), "an error shows a secret: \(text)")
            }
        }
    }
}
