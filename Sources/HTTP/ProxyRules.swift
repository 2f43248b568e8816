import Foundation

/// The proxy for a URL from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, by the rules of Go's
/// `golang.org/x/net/http/httpproxy` (which `http.ProxyFromEnvironment`, so client-go and
/// kubectl, use):
/// - the upper-case name wins over the lower-case one; an empty value counts as unset;
/// - `https://` URLs use `HTTPS_PROXY` only, `http://` URLs `HTTP_PROXY` only;
/// - a proxy value without a scheme is taken as `http://`;
/// - `localhost` and loopback addresses (127.0.0.0/8, ::1) are never proxied;
/// - `NO_PROXY` is a comma-separated list of `*` (nothing is proxied), IP addresses, CIDR ranges,
///   and domains (`example.com` matches it and its subdomains, `.example.com` and `*.example.com`
///   only subdomains), each optionally with `:port`.
struct ProxyRules {
    private let httpProxy: String?
    private let httpsProxy: String?
    private var matchesAll = false
    private var addresses: [(address: IPAddress, port: String?)] = []
    private var ranges: [(network: IPAddress, prefix: Int)] = []
    private var domains: [(suffix: String, matchesHost: Bool, port: String?)] = []

    init(environment: [String: String]) {
        func value(_ name: String) -> String? {
            for key in [name.uppercased(), name.lowercased()] {
                if let value = environment[key], !value.isEmpty { return value }
            }
            return nil
        }
        httpProxy = value("http_proxy").map(Self.withScheme)
        httpsProxy = value("https_proxy").map(Self.withScheme)
        for entry in (value("no_proxy") ?? "").split(separator: ",") {
            let entry = entry.trimmingCharacters(in: .whitespaces).lowercased()
            if entry.isEmpty { continue }
            if entry == "*" {
                matchesAll = true
                return
            }
            if let slash = entry.firstIndex(of: "/"), let network = IPAddress(String(entry[..<slash])),
               let bits = Int(entry[entry.index(after: slash)...]), bits >= 0, bits <= network.bitCount {
                ranges.append((network, bits))
                continue
            }
            var host = entry
            var port: String?
            if let (splitHost, splitPort) = Self.splitHostPort(entry) {
                if splitHost.isEmpty { continue }
                host = splitHost
                port = splitPort
            }
            if let address = IPAddress(host) {
                addresses.append((address, port))
                continue
            }
            if host.hasPrefix("*.") { host.removeFirst() }
            let matchesHost = !host.hasPrefix(".")
            if matchesHost { host = "." + host }
            if host.hasSuffix(".") { host.removeLast() }
            domains.append((host, matchesHost, port))
        }
    }

    /// The proxy URL for a request to `scheme://host:port`, nil for a direct connection.
    func proxy(scheme: String, host: String, port: Int) -> String? {
        let proxy: String?
        switch scheme {
        case "https": proxy = httpsProxy
        case "http": proxy = httpProxy
        default: proxy = nil
        }
        guard let proxy, usesProxy(host: host.lowercased(), port: String(port)) else { return nil }
        return proxy
    }

    private func usesProxy(host: String, port: String) -> Bool {
        if host == "localhost" { return false }
        let address = IPAddress(host)
        if let address, address.isLoopback { return false }
        if matchesAll { return false }
        if let address {
            if ranges.contains(where: { address.isIn(network: $0.network, prefix: $0.prefix) }) { return false }
            if addresses.contains(where: { $0.address == address && ($0.port == nil || $0.port == port) }) { return false }
        }
        return !domains.contains { domain in
            (host.hasSuffix(domain.suffix) || (domain.matchesHost && host == domain.suffix.dropFirst()))
                && (domain.port == nil || domain.port == port)
        }
    }

    /// Go's `parseProxy`: a value that does not start with a scheme is an `http://` proxy.
    private static func withScheme(_ value: String) -> String {
        value.contains("://") ? value : "http://" + value
    }

    /// `host:port` or `[v6]:port`; nil when there is no port (`example.com`, `::1`).
    private static func splitHostPort(_ text: String) -> (String, String)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            return (String(text[text.index(after: text.startIndex)..<close]), String(text[text.index(close, offsetBy: 2)...]))
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}

/// An IPv4 or IPv6 address; IPv4 is kept as IPv4-mapped IPv6 so the two compare as Go's `IP.Equal` does.
struct IPAddress: Equatable {
    let bytes: [UInt8]
    let isIPv4: Bool

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + withUnsafeBytes(of: &v4) { Array($0) }
            isIPv4 = true
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            isIPv4 = bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
        } else {
            return nil
        }
    }

    static func == (a: IPAddress, b: IPAddress) -> Bool { a.bytes == b.bytes }

    /// 32 for an IPv4 network in a CIDR, 128 for IPv6.
    var bitCount: Int { isIPv4 ? 32 : 128 }

    var isLoopback: Bool { isIPv4 ? bytes[12] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1] }

    func isIn(network: IPAddress, prefix: Int) -> Bool {
        guard isIPv4 == network.isIPv4 else { return false }
        var remaining = network.isIPv4 ? prefix + 96 : prefix
        for index in 0..<16 where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if bytes[index] & mask != network.bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}
