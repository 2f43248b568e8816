import Foundation
@testable import HTTP
import TestSupport
import XCTest

/// Through a real SOCKS5 proxy (microsocks) and a real HTTP CONNECT proxy (tinyproxy) to nginx;
/// each proxy connects from an address of its own, which nginx's answer shows as `remote=`.
final class ProxyTests: XCTestCase {
    private var folder: TemporaryFolder!
    private var certificates: Certificates!
    private var nginx: Nginx!
    private var socks: MicroSocks!
    private var tinyproxy: TinyProxy!

    override func setUpWithError() throws {
        _ = try installed("openssl", package: "openssl")
        folder = try TemporaryFolder("http-proxy")
        certificates = try Certificates(in: folder.path)
        nginx = try Nginx(folder: folder.path, certificates: certificates)
        socks = try MicroSocks(folder: folder.path)
        tinyproxy = try TinyProxy(folder: folder.path)
    }

    override func tearDown() {
        tinyproxy = nil
        socks = nil
        nginx = nil
        folder = nil
    }

    private func send(_ url: String, proxy: ProxySetting) throws -> String {
        var configuration = Configuration()
        configuration.certificateAuthorityPEM = try certificates.pem("ca.crt")
        configuration.clientCertificatePEM = try certificates.pem("client.crt")
        configuration.clientKeyPEM = try certificates.pem("client.key")
        configuration.proxy = proxy
        configuration.retry = .never
        let response = try Client(configuration).send(Request(url: url))
        XCTAssertEqual(response.status, 200)
        return String(decoding: response.body, as: UTF8.self)
    }

    private func remote(_ answer: String) -> String {
        answer.split(separator: " ").first { $0.hasPrefix("remote=") }.map { String($0.dropFirst(7)) } ?? answer
    }

    func testExplicitProxies() throws {
        let url = "https://127.0.0.1:\(nginx.port)/"
        XCTAssertEqual(remote(try send(url, proxy: .none)), "127.0.0.1")
        XCTAssertEqual(remote(try send(url, proxy: .url("socks5://127.0.0.1:\(socks.port)"))), MicroSocks.outgoingAddress)
        XCTAssertEqual(remote(try send(url, proxy: .url("http://127.0.0.1:\(tinyproxy.port)"))), TinyProxy.outgoingAddress)
        // socks5h: the proxy resolves the name; SNI and verification still use it.
        let named = try send("https://localhost:\(nginx.port)/", proxy: .url("socks5h://127.0.0.1:\(socks.port)"))
        XCTAssertEqual(remote(named), MicroSocks.outgoingAddress)
        XCTAssertTrue(named.hasPrefix("sni=localhost "), named)
    }

    func testAProxyURLOfAnotherSchemeIsRefused() throws {
        var configuration = Configuration()
        configuration.proxy = .url("ftp://127.0.0.1:\(socks.port)")
        XCTAssertThrowsError(try Client(configuration)) { error in
            XCTAssertEqual("\(error)", "proxy ftp://127.0.0.1:\(socks.port)/ is not an "
                + "http://, https://, socks5:// or socks5h:// URL (curl error 3)")
        }
    }

    func testProxiesFromTheEnvironmentDictionary() throws {
        guard let alias = certificates.alias else {
            throw XCTSkip("/etc/hosts names no host other than localhost for 127.0.0.1, and Go's rules never proxy loopback")
        }
        let url = "https://\(alias):\(nginx.port)/"
        let viaTinyproxy = "http://127.0.0.1:\(tinyproxy.port)"
        XCTAssertEqual(remote(try send(url, proxy: .environment(["HTTPS_PROXY": viaTinyproxy]))), TinyProxy.outgoingAddress)
        // Lower case is read too; upper case wins; a value without a scheme is an http:// proxy.
        XCTAssertEqual(remote(try send(url, proxy: .environment(["https_proxy": "socks5://127.0.0.1:\(socks.port)"]))),
                       MicroSocks.outgoingAddress)
        XCTAssertEqual(remote(try send(url, proxy: .environment(["HTTPS_PROXY": "127.0.0.1:\(tinyproxy.port)",
                                                                "https_proxy": "socks5://127.0.0.1:\(socks.port)"]))),
                       TinyProxy.outgoingAddress)
        // HTTP_PROXY is for http:// URLs only.
        XCTAssertEqual(remote(try send(url, proxy: .environment(["HTTP_PROXY": viaTinyproxy]))), "127.0.0.1")
        // NO_PROXY: the host, a suffix, the host with its port; not another port or domain.
        for noProxy in [alias, "example.com, \(alias.uppercased())", "\(alias):\(nginx.port)", "*"] {
            XCTAssertEqual(remote(try send(url, proxy: .environment(["HTTPS_PROXY": viaTinyproxy, "NO_PROXY": noProxy]))),
                           "127.0.0.1", noProxy)
        }
        for noProxy in ["\(alias):1", "example.com", ".\(alias)"] {
            XCTAssertEqual(remote(try send(url, proxy: .environment(["HTTPS_PROXY": viaTinyproxy, "no_proxy": noProxy]))),
                           TinyProxy.outgoingAddress, noProxy)
        }
    }

    /// As in Go, a loopback address or `localhost` is never sent to a proxy from the environment,
    /// here one that does not listen.
    func testLoopbackIsNeverProxiedFromTheEnvironment() throws {
        let dead = "http://127.0.0.1:\(try freePort())"
        for host in ["127.0.0.1", "localhost"] {
            let answer = try send("https://\(host):\(nginx.port)/", proxy: .environment(["HTTPS_PROXY": dead]))
            XCTAssertEqual(remote(answer), "127.0.0.1")
        }
    }

    /// Go's httpproxy rules, case by case.
    func testProxyRules() {
        let cases: [(environment: [String: String], url: (String, String, Int), proxy: String?)] = [
            (["HTTPS_PROXY": "http://p:3128"], ("https", "api.example.com", 443), "http://p:3128"),
            (["HTTPS_PROXY": "p:3128"], ("https", "api.example.com", 443), "http://p:3128"),
            (["HTTPS_PROXY": "", "https_proxy": "socks5h://p:1080"], ("https", "a.b", 443), "socks5h://p:1080"),
            (["HTTP_PROXY": "http://p:3128"], ("https", "a.b", 443), nil),
            (["HTTP_PROXY": "http://p:3128"], ("http", "a.b", 80), "http://p:3128"),
            (["HTTPS_PROXY": "http://p"], ("https", "localhost", 443), nil),
            (["HTTPS_PROXY": "http://p"], ("https", "127.9.9.9", 443), nil),
            (["HTTPS_PROXY": "http://p"], ("https", "::1", 443), nil),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "10.0.0.0/8"], ("https", "10.1.2.3", 443), nil),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "10.0.0.0/8"], ("https", "11.1.2.3", 443), "http://p"),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "10.1.2.3:6443"], ("https", "10.1.2.3", 6443), nil),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "10.1.2.3:6443"], ("https", "10.1.2.3", 443), "http://p"),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "fd00::/8"], ("https", "fd00::1", 443), nil),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"], ("https", "example.com", 443), nil),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"], ("https", "api.example.com", 443), nil),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"], ("https", "notexample.com", 443), "http://p"),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": ".example.com"], ("https", "example.com", 443), "http://p"),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": "*.example.com"], ("https", "a.example.com", 443), nil),
            (["HTTPS_PROXY": "http://p", "NO_PROXY": " other , *"], ("https", "a.b", 443), nil),
        ]
        for (environment, url, proxy) in cases {
            XCTAssertEqual(ProxyRules(environment: environment).proxy(scheme: url.0, host: url.1, port: url.2), proxy,
                           "\(environment) \(url)")
        }
    }
}
