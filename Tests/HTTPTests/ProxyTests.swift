import Foundation
@testable import HTTP
import TestSupport
import Testing

/// Through a real SOCKS5 proxy (microsocks) and a real HTTP CONNECT proxy (tinyproxy) to nginx;
/// each proxy connects from an address of its own, which nginx's answer shows as `remote=`.
/// Each test starts its own servers (swift-testing makes a new suite value per test); they stop
/// when the value goes away.
@Suite(.enabled(if: allInstalled("openssl", "nginx", "microsocks", "tinyproxy"),
                """
                openssl, nginx, microsocks or tinyproxy is not installed \
                (Debian packages openssl, nginx-light, microsocks, tinyproxy; `make test` installs them)
                """))
final class ProxyTests {
    // Declared before the folder, so the servers stop before their folder is removed.
    private let tinyproxy: TinyProxy
    private let socks: MicroSocks
    private let nginx: Nginx
    private let certificates: Certificates
    private let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("http-proxy")
        certificates = try Certificates(in: folder.path)
        nginx = try Nginx(folder: folder.path, certificates: certificates)
        socks = try MicroSocks(folder: folder.path)
        tinyproxy = try TinyProxy(folder: folder.path)
    }

    private func send(_ url: String, proxy: ProxySetting) throws -> String {
        var configuration = Configuration()
        configuration.certificateAuthorityPEM = try certificates.pem("ca.crt")
        configuration.clientCertificatePEM = try certificates.pem("client.crt")
        configuration.clientKeyPEM = try certificates.pem("client.key")
        configuration.proxy = proxy
        configuration.retry = .never
        let response = try Client(configuration).send(Request(url: url))
        #expect(response.status == 200)
        return String(decoding: response.body, as: UTF8.self)
    }

    private func remote(_ answer: String) -> String {
        answer.split(separator: " ").first { $0.hasPrefix("remote=") }.map { String($0.dropFirst(7)) } ?? answer
    }

    @Test func explicitProxies() throws {
        let url = "https://127.0.0.1:\(nginx.port)/"
        #expect(remote(try send(url, proxy: .none)) == "127.0.0.1")
        #expect(remote(try send(url, proxy: .url("socks5://127.0.0.1:\(socks.port)"))) == MicroSocks.outgoingAddress)
        #expect(remote(try send(url, proxy: .url("http://127.0.0.1:\(tinyproxy.port)"))) == TinyProxy.outgoingAddress)
        // socks5h: the proxy resolves the name; SNI and verification still use it.
        let named = try send("https://localhost:\(nginx.port)/", proxy: .url("socks5h://127.0.0.1:\(socks.port)"))
        #expect(remote(named) == MicroSocks.outgoingAddress)
        #expect(named.hasPrefix("sni=localhost "), "\(named)")
    }

    @Test func aProxyURLOfAnotherSchemeIsRefused() throws {
        var configuration = Configuration()
        configuration.proxy = .url("ftp://127.0.0.1:\(socks.port)")
        let error = try #require(#expect(throws: (any Error).self) { try Client(configuration) })
        #expect("\(error)" == "proxy ftp://127.0.0.1:\(socks.port)/ is not an "
            + "http://, https://, socks5:// or socks5h:// URL (curl error 3)")
    }

    @Test(.enabled(if: Certificates.loopbackAlias() != nil,
                   "/etc/hosts names no host other than localhost for 127.0.0.1, and Go's rules never proxy loopback"))
    func proxiesFromTheEnvironmentDictionary() throws {
        let alias = try #require(certificates.alias)
        let url = "https://\(alias):\(nginx.port)/"
        let viaTinyproxy = "http://127.0.0.1:\(tinyproxy.port)"
        #expect(remote(try send(url, proxy: .environment(["HTTPS_PROXY": viaTinyproxy]))) == TinyProxy.outgoingAddress)
        // Lower case is read too; upper case wins; a value without a scheme is an http:// proxy.
        #expect(remote(try send(url, proxy: .environment(["https_proxy": "socks5://127.0.0.1:\(socks.port)"])))
                == MicroSocks.outgoingAddress)
        #expect(remote(try send(url, proxy: .environment(["HTTPS_PROXY": "127.0.0.1:\(tinyproxy.port)",
                                                         "https_proxy": "socks5://127.0.0.1:\(socks.port)"])))
                == TinyProxy.outgoingAddress)
        // HTTP_PROXY is for http:// URLs only.
        #expect(remote(try send(url, proxy: .environment(["HTTP_PROXY": viaTinyproxy]))) == "127.0.0.1")
        // NO_PROXY: the host, a suffix, the host with its port; not another port or domain.
        for noProxy in [alias, "example.com, \(alias.uppercased())", "\(alias):\(nginx.port)", "*"] {
            #expect(remote(try send(url, proxy: .environment(["HTTPS_PROXY": viaTinyproxy, "NO_PROXY": noProxy])))
                    == "127.0.0.1", "\(noProxy)")
        }
        for noProxy in ["\(alias):1", "example.com", ".\(alias)"] {
            #expect(remote(try send(url, proxy: .environment(["HTTPS_PROXY": viaTinyproxy, "no_proxy": noProxy])))
                    == TinyProxy.outgoingAddress, "\(noProxy)")
        }
    }

    /// As in Go, a loopback address or `localhost` is never sent to a proxy from the environment,
    /// here one that does not listen.
    @Test func loopbackIsNeverProxiedFromTheEnvironment() throws {
        let dead = "http://127.0.0.1:\(try freePort())"
        for host in ["127.0.0.1", "localhost"] {
            let answer = try send("https://\(host):\(nginx.port)/", proxy: .environment(["HTTPS_PROXY": dead]))
            #expect(remote(answer) == "127.0.0.1")
        }
    }
}

/// Go's httpproxy rules, case by case: pure, so no servers and no programs needed.
@Suite struct ProxyRuleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let environment: [String: String]
        let url: (scheme: String, host: String, port: Int)
        let proxy: String?

        init(_ environment: [String: String], _ url: (String, String, Int), _ proxy: String?) {
            self.environment = environment
            self.url = url
            self.proxy = proxy
        }

        var testDescription: String { "\(environment) \(url.scheme)://\(url.host):\(url.port)" }
    }

    static let cases: [Case] = [
        Case(["HTTPS_PROXY": "http://p:3128"], ("https", "api.example.com", 443), "http://p:3128"),
        Case(["HTTPS_PROXY": "p:3128"], ("https", "api.example.com", 443), "http://p:3128"),
        Case(["HTTPS_PROXY": "", "https_proxy": "socks5h://p:1080"], ("https", "a.b", 443), "socks5h://p:1080"),
        Case(["HTTP_PROXY": "http://p:3128"], ("https", "a.b", 443), nil),
        Case(["HTTP_PROXY": "http://p:3128"], ("http", "a.b", 80), "http://p:3128"),
        Case(["HTTPS_PROXY": "http://p"], ("https", "localhost", 443), nil),
        Case(["HTTPS_PROXY": "http://p"], ("https", "127.9.9.9", 443), nil),
        Case(["HTTPS_PROXY": "http://p"], ("https", "::1", 443), nil),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "10.0.0.0/8"], ("https", "10.1.2.3", 443), nil),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "10.0.0.0/8"], ("https", "11.1.2.3", 443), "http://p"),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "10.1.2.3:6443"], ("https", "10.1.2.3", 6443), nil),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "10.1.2.3:6443"], ("https", "10.1.2.3", 443), "http://p"),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "fd00::/8"], ("https", "fd00::1", 443), nil),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"], ("https", "example.com", 443), nil),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"], ("https", "api.example.com", 443), nil),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"], ("https", "notexample.com", 443), "http://p"),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": ".example.com"], ("https", "example.com", 443), "http://p"),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": "*.example.com"], ("https", "a.example.com", 443), nil),
        Case(["HTTPS_PROXY": "http://p", "NO_PROXY": " other , *"], ("https", "a.b", 443), nil),
    ]

    @Test(arguments: cases)
    func proxyRule(_ rule: Case) {
        #expect(ProxyRules(environment: rule.environment).proxy(scheme: rule.url.scheme, host: rule.url.host, port: rule.url.port)
                == rule.proxy, "\(rule.testDescription)")
    }
}
