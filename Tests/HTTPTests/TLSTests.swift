import Foundation
import HTTP
import TestSupport
import XCTest

/// Against a real nginx serving HTTPS with `ssl_verify_client on`.
final class TLSTests: XCTestCase {
    private var folder: TemporaryFolder!
    private var certificates: Certificates!
    private var nginx: Nginx!

    override func setUpWithError() throws {
        _ = try installed("openssl", package: "openssl")
        folder = try TemporaryFolder("http-tls")
        certificates = try Certificates(in: folder.path)
        nginx = try Nginx(folder: folder.path, certificates: certificates)
    }

    override func tearDown() {
        nginx = nil
        folder = nil
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

    func testTheRightClientCertificateFromMemoryIsAccepted() throws {
        let response = try Client(configuration()).send(Request(url: url))
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(text(response).contains("remote=127.0.0.1 "), text(response))
        XCTAssertTrue(text(response).contains("client=CN=edpctl-test-client"), text(response))
    }

    func testTheCAFromAFileIsTrusted() throws {
        var configuration = try configuration()
        configuration.certificateAuthorityPEM = nil
        configuration.certificateAuthorityFile = certificates.path("ca.crt")
        XCTAssertEqual(try Client(configuration).send(Request(url: url)).status, 200)
    }

    func testAClientCertificateOfAnotherCAIsRefused() throws {
        let response = try Client(configuration(client: "wrong-client")).send(Request(url: url))
        XCTAssertEqual(response.status, 400)
        XCTAssertTrue(text(response).contains("The SSL certificate error"), text(response))
    }

    func testNoClientCertificateIsRefused() throws {
        let response = try Client(configuration(client: nil)).send(Request(url: url))
        XCTAssertEqual(response.status, 400)
        XCTAssertTrue(text(response).contains("No required SSL certificate was sent"), text(response))
    }

    func testAServerCertificateOfAnotherCAFailsWithAClearError() throws {
        XCTAssertThrowsError(try Client(configuration(ca: "wrong-ca")).send(Request(url: url))) { error in
            let error = error as! HTTPError
            XCTAssertEqual(error.curlCode, 60)
            XCTAssertTrue(error.isTLSFailure)
            XCTAssertTrue(error.description.hasPrefix("GET \(url) failed: "), error.description)
            XCTAssertTrue(error.description.contains("the server's certificate is not trusted"), error.description)
        }
    }

    func testTheSystemStoreDoesNotTrustTheTestCA() throws {
        var configuration = try configuration()
        configuration.certificateAuthorityPEM = nil
        XCTAssertThrowsError(try Client(configuration).send(Request(url: url))) { error in
            XCTAssertEqual((error as! HTTPError).curlCode, 60)
        }
    }

    func testInsecureSkipTLSVerifyAcceptsAnUntrustedServer() throws {
        var configuration = try configuration(ca: "wrong-ca")
        configuration.insecureSkipTLSVerify = true
        XCTAssertEqual(try Client(configuration).send(Request(url: url)).status, 200)
    }

    func testAKeyThatIsNotPEMFailsWithAClearError() throws {
        var configuration = try configuration()
        configuration.clientKeyPEM = Data("not a key".utf8)
        XCTAssertThrowsError(try Client(configuration).send(Request(url: url))) { error in
            let error = error as! HTTPError
            XCTAssertTrue(error.isTLSFailure, error.description)
            XCTAssertTrue(error.description.contains("client key could not be used"), error.description)
        }
    }

    /// The URL names 127.0.0.1; the certificate verified, the SNI and the Host header are
    /// tlsServerName's (nginx under client verification answers 421 when Host and SNI differ).
    func testTLSServerNameIsVerifiedAndSentAsSNIWhileConnectingToTheURLsHost() throws {
        for name in ["localhost", "kube.edpctl.test"] {
            var configuration = try configuration()
            configuration.tlsServerName = name
            let response = try Client(configuration).send(Request(url: url))
            XCTAssertEqual(response.status, 200)
            XCTAssertTrue(text(response).hasPrefix("sni=\(name) host=\(name):\(nginx.port) remote=127.0.0.1 "), text(response))
        }
    }

    func testATLSServerNameTheCertificateDoesNotCarryFails() throws {
        var configuration = try configuration()
        configuration.tlsServerName = "other.edpctl.test"
        XCTAssertThrowsError(try Client(configuration).send(Request(url: url))) { error in
            XCTAssertEqual((error as! HTTPError).curlCode, 60, "\(error)")
        }
    }

    func testSequentialRequestsShareOneConnection() throws {
        let client = try Client(configuration())
        var connections = Set<Substring>()
        for _ in 0..<10 {
            let response = try client.send(Request(url: url))
            XCTAssertEqual(response.status, 200)
            connections.formUnion(text(response).split(separator: " ").filter { $0.hasPrefix("connection=") })
        }
        XCTAssertEqual(client.connectionsOpened, 1)
        XCTAssertEqual(connections.count, 1, "nginx saw connections \(connections)")
    }

    func testConcurrentRequestsOpenAtMostOneConnectionEach() throws {
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
        XCTAssertEqual(failures.all, [])
        XCTAssertGreaterThanOrEqual(client.connectionsOpened, 1)
        XCTAssertLessThanOrEqual(client.connectionsOpened, 4)
    }
}

/// Failures collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ failure: String) { lock.withLock { list.append(failure) } }
    var all: [String] { lock.withLock { list } }
}
