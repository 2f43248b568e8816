import Foundation
import Template

extension FunctionTable {
    /// `net.Lookup*`. Addresses and canonical names come from the system's resolver
    /// (`getaddrinfo`: the hosts file, then DNS, as nsswitch.conf says), as Go's cgo resolver does;
    /// SRV and TXT records from the name servers of /etc/resolv.conf (`DNSClient`), as Go's own
    /// resolver asks them. Every answer may change, so a template calling these always renders.
    mutating func addNetLookupFunctions() {
        add(TemplateFunction("LookupIP", arguments: 1, reads: .network) { args, _ in
            .string(try lookupIPv4(args[0].gomplateString()).first ?? "")
        }, as: "net.LookupIP")
        add(TemplateFunction("LookupIPs", arguments: 1, reads: .network) { args, _ in
            .list(try lookupIPv4(args[0].gomplateString()).map { .string($0) })
        }, as: "net.LookupIPs")
        add(TemplateFunction("LookupCNAME", arguments: 1, reads: .network) { args, _ in
            .string(try lookupCanonicalName(args[0].gomplateString()))
        }, as: "net.LookupCNAME")
        add(TemplateFunction("LookupSRV", arguments: 1, reads: .network) { args, _ in
            let records = try DNSClient.system().lookupSRV(args[0].gomplateString())
            // gomplate returns the first record (there is one whenever the lookup succeeds).
            return records.first.map(\.value) ?? .null
        }, as: "net.LookupSRV")
        add(TemplateFunction("LookupSRVs", arguments: 1, reads: .network) { args, _ in
            .list(try DNSClient.system().lookupSRV(args[0].gomplateString()).map(\.value))
        }, as: "net.LookupSRVs")
        add(TemplateFunction("LookupTXT", arguments: 1, reads: .network) { args, _ in
            .list(try DNSClient.system().lookupTXT(args[0].gomplateString()).map { .string($0) })
        }, as: "net.LookupTXT")
    }
}

/// The IPv4 addresses of `name`, in the resolver's order, each once (gomplate's `LookupIPs`
/// keeps IPv4 only). A name that does not resolve is Go's error: `lookup NAME: no such host`.
func lookupIPv4(_ name: String) throws -> [String] {
    var addresses: [String] = []
    for address in try resolve(name, canonicalName: false).addresses where address.family == .v4 {
        let text = address.goDescription
        if !addresses.contains(text) { addresses.append(text) }
    }
    return addresses
}

/// The canonical name of `name`, absolute (with a final dot), as Go's `LookupCNAME` gives it:
/// the name itself when it has no CNAME record (`localhost.`).
func lookupCanonicalName(_ name: String) throws -> String {
    let canonical = try resolve(name, canonicalName: true).canonicalName ?? name
    return canonical.hasSuffix(".") ? canonical : canonical + "."
}

/// `getaddrinfo` on `name`: its addresses (IPv4-mapped ones as IPv4, as Go's `To4` sees them) and,
/// when asked, its canonical name.
private func resolve(_ name: String, canonicalName: Bool) throws -> (addresses: [NetAddr], canonicalName: String?) {
    // Go refuses these before asking anyone; getaddrinfo would treat "" as "no host".
    if name.isEmpty || name.utf8.contains(0) { throw FunctionError("lookup \(name): no such host") }
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = canonicalName ? AI_CANONNAME : 0
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(name, nil, &hints, &list)
    guard status == 0 else {
        let reason: String
        switch status {
        // -5 and -9 are glibc's EAI_NODATA and EAI_ADDRFAMILY (GNU extensions Swift does not import).
        case EAI_NONAME, -5, -9: reason = "no such host"
        case EAI_AGAIN: reason = "temporary failure in name resolution"
        case EAI_SYSTEM: reason = String(cString: strerror(errno))
        default: reason = String(cString: gai_strerror(status)).lowercased()
        }
        throw FunctionError("lookup \(name): \(reason)")
    }
    defer { freeaddrinfo(list) }
    var addresses: [NetAddr] = []
    var canonical: String?
    var entry = list
    while let current = entry?.pointee {
        if canonical == nil, let text = current.ai_canonname { canonical = String(cString: text) }
        if let address = current.ai_addr { addresses.append(contentsOf: NetAddr(socketAddress: address).map { [$0.unmapped] } ?? []) }
        entry = current.ai_next
    }
    return (addresses, canonical)
}

extension NetAddr {
    /// The address of an `AF_INET` or `AF_INET6` socket address (its zone left out).
    init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let raw = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
            self.init(v4: withUnsafeBytes(of: raw) { Array($0) })
        case AF_INET6:
            let raw = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            let bytes = withUnsafeBytes(of: raw) { Array($0) }
            self.init(bits: bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }, family: .v6)
        default:
            return nil
        }
    }
}
