import Foundation
import HTTP
import TestSupport
import Testing

/// Against a real nginx serving HTTPS with `ssl_verify_client on`; each test starts its own
/// (swift-testing makes a new suite value per test), and it stops when the value goes away.
@Suite(.enabled(if: allInstalled("openssl", "nginx"),
                "openssl or nginx is not installed (Debian packages openssl, nginx-light; `make test` installs them)"))
final class TLSTests {
    // Declared before the folder, so nginx stops before its folder is removed.
    private let nginx: Nginx
    private let certificates: Certificates
    private let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("http-tls")
        certificates = try Certificates(in: folder.path)
        nginx = try Nginx(folder: folder.path, certificates: certificates)
    }

    private var url: String { "https://127.0.0.1:\(nginx.port)/" }

    /// The test CA and client certificate, all from memory.
    private func configuration(ca: String = "ca", client: String? = "client") throws -> Configuration {
        var configuration = Configuration()
        configuration.certificateAuthorityPEM = try certificates.pem(ca + ".crt")
        if let client {
            configuration.clientCertificatePEM = try certificates.pem(client + ".crt")
            configuration.clientKeyPEM = try certificates.pem(client + ".key")
        }
        configuration.retry = .never
        return configuration
    }

    private func text(_ response: Response) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func theRightClientCertificateFromMemoryIsAccepted() throws {
        let response = try Client(configuration()).send(Request(url: url))
        #expect(response.status == 200)
        #expect(text(response).contains("remote=127.0.0.1 "), "\(text(response))")
        #expect(text(response).contains("client=CN=edpctl-test-client"), "\(text(response))")
    }

    @Test func theCAFromAFileIsTrusted() throws {
        var configuration = try configuration()
        configuration.certificateAuthorityPEM = nil
        configuration.certificateAuthorityFile = certificates.path("ca.crt")
        #expect(try Client(configuration).send(Request(url: url)).status == 200)
    }

    @Test func aClientCertificateOfAnotherCAIsRefused() throws {
        let response = try Client(configuration(client: "wrong-client")).send(Request(url: url))
        #expect(response.status == 400)
        #expect(text(response).contains("The SSL certificate error"), "\(text(response))")
    }

    @Test func noClientCertificateIsRefused() throws {
        let response = try Client(configuration(client: nil)).send(Request(url: url))
        #expect(response.status == 400)
        #expect(text(response).contains("No required SSL certificate was sent"), "\(text(response))")
    }

    @Test func aServerCertificateOfAnotherCAFailsWithAClearError() throws {
        let error = try #require(#expect(throws: HTTPError.self) {
            try Client(configuration(ca: "wrong-ca")).send(Request(url: url))
        })
        #expect(error.curlCode == 60)
        #expect(error.isTLSFailure)
        #expect(error.description.hasPrefix("GET \(url) failed: "), "\(error.description)")
        #expect(error.description.contains("the server's certificate is not trusted"), "\(error.description)")
    }

    @Test func theSystemStoreDoesNotTrustTheTestCA() throws {
        var configuration = try configuration()
        configuration.certificateAuthorityPEM = nil
        let error = try #require(#expect(throws: HTTPError.self) { try Client(configuration).send(Request(url: url)) })
        #expect(error.curlCode == 60)
    }

    @Test func insecureSkipTLSVerifyAcceptsAnUntrustedServer() throws {
        var configuration = try configuration(ca: "wrong-ca")
        configuration.insecureSkipTLSVerify = true
        #expect(try Client(configuration).send(Request(url: url)).status == 200)
    }

    @Test func aKeyThatIsNotPEMFailsWithAClearError() throws {
        var configuration = try configuration()
        configuration.clientKeyPEM = Data("not a key".utf8)
        let error = try #require(#expect(throws: HTTPError.self) { try Client(configuration).send(Request(url: url)) })
        #expect(error.isTLSFailure, "\(error.description)")
        #expect(error.description.contains("client key could not be used"), "\(error.description)")
    }

    /// The URL names 127.0.0.1; the certificate verified, the SNI and the Host header are
    /// tlsServerName's (nginx under client verification answers 421 when Host and SNI differ).
    @Test func tlsServerNameIsVerifiedAndSentAsSNIWhileConnectingToTheURLsHost() throws {
        for name in ["localhost", "kube.edpctl.test"] {
            var configuration = try configuration()
            configuration.tlsServerName = name
            let response = try Client(configuration).send(Request(url: url))
            #expect(response.status == 200)
            #expect(text(response).hasPrefix("sni=\(name) host=\(name):\(nginx.port) remote=127.0.0.1 "), "\(text(response))")
        }
    }

    @Test func aTLSServerNameTheCertificateDoesNotCarryFails() throws {
        var configuration = try configuration()
        configuration.tlsServerName = "other.edpctl.test"
        let error = try #require(#expect(throws: HTTPError.self) { try Client(configuration).send(Request(url: url)) })
        #expect(error.curlCode == 60, "\(error)")
    }

    @Test func sequentialRequestsShareOneConnection() throws {
        let client = try Client(configuration())
        var connections = Set<Substring>()
        for _ in 0..<10 {
            let response = try client.send(Request(url: url))
            #expect(response.status == 200)
            connections.formUnion(text(response).split(separator: " ").filter { $0.hasPrefix("connection=") })
        }
        #expect(client.connectionsOpened == 1)
        #expect(connections.count == 1, "nginx saw connections \(connections)")
    }

    @Test func concurrentRequestsOpenAtMostOneConnectionEach() throws {
        let client = try Client(configuration())
        let failures = Failures()
        let url = url
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<5 {
                do {
                    let response = try client.send(Request(url: url))
                    if response.status != 200 { failures.add("status \(response.status)") }
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        #expect(failures.all == [])
        #expect(client.connectionsOpened >= 1)
        #expect(client.connectionsOpened <= 4)
    }
}

/// Failures collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ failure: String) { lock.withLock { list.append(failure) } }
    var all: [String] { lock.withLock { list } }
}
