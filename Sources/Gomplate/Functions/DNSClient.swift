import Foundation
import Template

/// A DNS client for the records `getaddrinfo` cannot give (SRV, TXT), asking the name servers of
/// /etc/resolv.conf the way Go's own resolver does: the search list and `ndots` decide which
/// names are tried, each server is tried in turn `attempts` times over UDP (with EDNS0), and a
/// truncated answer is asked again over TCP. Errors are Go's: `lookup NAME on SERVER: no such host`.
struct DNSClient {
    struct Server: CustomStringConvertible {
        let address: NetAddr
        let port: UInt16
        /// As Go prints it: `10.0.0.1:53`, `[::1]:53`.
        var description: String {
            address.family == .v6 ? "[\(address.goDescription)]:\(port)" : "\(address.goDescription):\(port)"
        }
    }

    let servers: [Server]
    let search: [String]
    let ndots: Int
    let timeout: Double
    let attempts: Int

    init(servers: [Server], search: [String] = [], ndots: Int = 1, timeout: Double = 5, attempts: Int = 2) {
        self.servers = servers
        self.search = search.map { $0.hasSuffix(".") ? $0 : $0 + "." }
        self.ndots = ndots
        self.timeout = timeout
        self.attempts = attempts
    }

    /// The configuration of /etc/resolv.conf, with Go's defaults for what it leaves out: the
    /// local server, and the search domain taken from the host name.
    static func system() -> DNSClient {
        let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        // The kernel's host name, as Go's os.Hostname reads it (Foundation's hostName may ask DNS).
        var name = [CChar](repeating: 0, count: 256)
        let hostName = gethostname(&name, name.count - 1) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        return DNSClient(resolvConf: text, hostName: hostName)
    }

    init(resolvConf text: String, hostName: String) {
        var servers: [Server] = []
        var search: [String]?
        var ndots = 1
        var timeout = 5.0
        var attempts = 2
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = fields.first, !keyword.hasPrefix("#"), !keyword.hasPrefix(";") else { continue }
            switch keyword {
            case "nameserver" where fields.count > 1:
                // Go keeps three servers, as glibc does.
                if servers.count < 3, let address = try? NetAddr(parsing: fields[1]) {
                    servers.append(Server(address: address, port: 53))
                }
            case "domain" where fields.count > 1: search = [fields[1]]
            case "search": search = Array(fields.dropFirst()).filter { $0 != "." }
            case "options":
                for option in fields.dropFirst() {
                    let parts = option.split(separator: ":", maxSplits: 1).map(String.init)
                    guard parts.count == 2, let value = Int(parts[1]) else { continue }
                    switch parts[0] {
                    case "ndots": ndots = min(max(value, 0), 15)
                    case "timeout": timeout = Double(min(max(value, 1), 30))
                    case "attempts": attempts = min(max(value, 1), 5)
                    default: break
                    }
                }
            default: continue
            }
        }
        if servers.isEmpty {
            servers = [Server(address: NetAddr(v4: [127, 0, 0, 1]), port: 53), Server(address: NetAddr(bits: 1, family: .v6), port: 53)]
        }
        if search == nil, let dot = hostName.firstIndex(of: "."), hostName.index(after: dot) < hostName.endIndex {
            search = [String(hostName[hostName.index(after: dot)...])]
        }
        self.init(servers: servers, search: search ?? [], ndots: ndots, timeout: timeout, attempts: attempts)
    }

    struct SRVRecord: Equatable {
        let target: String
        let port: Int
        let priority: Int
        let weight: Int

        /// Go's `*net.SRV` as a template reads it (`.Target`, `.Port`…) and `toJSON` writes it.
        var value: Value {
            .map(MapValue(["Target": .string(target), "Port": .int(port), "Priority": .int(priority), "Weight": .int(weight)]))
        }
    }

    /// The SRV records of `name`, ordered as RFC 2782 says (by priority, then shuffled by
    /// weight within a priority), as Go orders them.
    func lookupSRV(_ name: String) throws -> [SRVRecord] {
        let records = try lookup(name, type: 33).compactMap { answer -> SRVRecord? in
            guard answer.data.count >= 7 else { return nil }
            let d = answer.data
            let field = { (offset: Int) in Int(answer.message[d.lowerBound + offset]) << 8 | Int(answer.message[d.lowerBound + offset + 1]) }
            guard let target = DNSMessage.name(in: answer.message, at: d.lowerBound + 6)?.name else { return nil }
            return SRVRecord(target: target, port: field(4), priority: field(0), weight: field(2))
        }
        return orderedByPriorityAndWeight(records)
    }

    /// The TXT records of `name`, each record's strings joined into one, as Go joins them.
    func lookupTXT(_ name: String) throws -> [String] {
        try lookup(name, type: 16).map { answer in
            var bytes: [UInt8] = []
            var offset = answer.data.lowerBound
            while offset < answer.data.upperBound {
                let length = Int(answer.message[offset])
                let end = min(offset + 1 + length, answer.data.upperBound)
                bytes += answer.message[(offset + 1)..<end]
                offset = end
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The names Go tries for `name`, in order: as it is first when it has `ndots` dots or more,
    /// then with each search domain, then as it is; a name ending in a dot only as it is.
    func candidates(_ name: String) -> [String] {
        if name.hasSuffix(".") { return [name] }
        let absolute = name + "."
        let hasDots = name.filter { $0 == "." }.count >= ndots
        return (hasDots ? [absolute] : []) + search.map { absolute + $0 } + (hasDots ? [] : [absolute])
    }

    /// The answers of `type` for the first candidate name that has some.
    private func lookup(_ name: String, type: UInt16) throws -> [DNSMessage.Answer] {
        guard !name.isEmpty, !servers.isEmpty else { throw FunctionError("lookup \(name): no such host") }
        var lastError = "no such host"
        var lastServer = servers[0]
        for candidate in candidates(name) {
            guard let query = DNSMessage.query(candidate, type: type, id: UInt16.random(in: .min ... .max)) else {
                continue
            }
            serverLoop: for _ in 0..<attempts {
                for server in servers {
                    lastServer = server
                    let reply: DNSMessage
                    do {
                        reply = try exchange(query, with: server)
                    } catch let error as DNSExchangeError {
                        lastError = error.message
                        continue
                    }
                    switch reply.responseCode {
                    case 0:
                        let answers = reply.answers.filter { $0.type == type }
                        if !answers.isEmpty { return answers }
                        lastError = "no such host"
                        break serverLoop
                    case 3:
                        lastError = "no such host"
                        break serverLoop
                    case 2:
                        lastError = "server misbehaving"
                    default:
                        lastError = "server misbehaving"
                        break serverLoop
                    }
                }
            }
        }
        throw FunctionError("lookup \(name) on \(lastServer): \(lastError)")
    }

    private struct DNSExchangeError: Error {
        let message: String
    }

    /// One question to one server: over UDP, then over TCP when the answer came back truncated.
    private func exchange(_ query: DNSMessage.Query, with server: Server) throws -> DNSMessage {
        let udp = try DNSSocket(server, stream: false, timeout: timeout)
        try udp.send(query.bytes)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let bytes = try udp.receive(until: deadline)
            // Answers to other questions (late replies to an earlier try) are skipped.
            guard let message = DNSMessage(bytes), message.matches(query) else { continue }
            if !message.isTruncated { return message }
            break
        }
        let tcp = try DNSSocket(server, stream: true, timeout: timeout)
        try tcp.send([UInt8(query.bytes.count >> 8), UInt8(query.bytes.count & 0xff)] + query.bytes)
        let tcpDeadline = Date().addingTimeInterval(timeout)
        // A stream: a 2-byte length, then the message, arriving in chunks of any size.
        var received: [UInt8] = []
        try tcp.receive(atLeast: 2, into: &received, until: tcpDeadline)
        let length = Int(received[0]) << 8 | Int(received[1])
        try tcp.receive(atLeast: 2 + length, into: &received, until: tcpDeadline)
        guard let message = DNSMessage(Array(received[2..<(2 + length)])), message.matches(query) else {
            throw DNSExchangeError(message: "server misbehaving")
        }
        return message
    }

    /// A connected socket to one server; closed when released.
    private final class DNSSocket {
        let descriptor: Int32

        init(_ server: Server, stream: Bool, timeout: Double) throws {
            let family = server.address.family == .v6 ? AF_INET6 : AF_INET
            descriptor = socket(family, Int32(stream ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw DNSExchangeError(message: String(cString: strerror(errno))) }
            var storage = sockaddr_storage()
            let length: socklen_t
            if family == AF_INET6 {
                length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                withUnsafeMutableBytes(of: &storage) { raw in
                    let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                    address.pointee.sin6_family = sa_family_t(AF_INET6)
                    address.pointee.sin6_port = server.port.bigEndian
                    withUnsafeMutableBytes(of: &address.pointee.sin6_addr) { bytes in
                        for index in 0..<16 { bytes[index] = UInt8(truncatingIfNeeded: server.address.bits >> (8 * (15 - index))) }
                    }
                }
            } else {
                length = socklen_t(MemoryLayout<sockaddr_in>.size)
                withUnsafeMutableBytes(of: &storage) { raw in
                    let address = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                    address.pointee.sin_family = sa_family_t(AF_INET)
                    address.pointee.sin_port = server.port.bigEndian
                    withUnsafeMutableBytes(of: &address.pointee.sin_addr) { bytes in
                        for (index, byte) in server.address.bytes.enumerated() { bytes[index] = byte }
                    }
                }
            }
            // A stream connects within the timeout: non-blocking, then poll for writability.
            let flags = fcntl(descriptor, F_GETFL)
            _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
            let status = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, length) }
            }
            if status != 0 && errno != EINPROGRESS {
                let message = String(cString: strerror(errno))
                close(descriptor)
                throw DNSExchangeError(message: message)
            }
            if status != 0 {
                var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                var error: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                if poll(&ready, 1, Int32(timeout * 1000)) != 1 {
                    close(descriptor)
                    throw DNSExchangeError(message: "i/o timeout")
                }
                getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
                if error != 0 {
                    close(descriptor)
                    throw DNSExchangeError(message: String(cString: strerror(error)))
                }
            }
        }

        deinit { close(descriptor) }

        func send(_ bytes: [UInt8]) throws {
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw DNSExchangeError(message: String(cString: strerror(errno)))
                }
                sent += count
            }
        }

        /// One datagram, or what a stream has ready, waiting no later than `deadline`.
        func receive(until deadline: Date) throws -> [UInt8] {
            while true {
                let remaining = deadline.timeIntervalSinceNow
                var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                if remaining <= 0 || poll(&ready, 1, Int32(max(1, remaining * 1000))) == 0 {
                    throw DNSExchangeError(message: "i/o timeout")
                }
                var buffer = [UInt8](repeating: 0, count: 65535)
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw DNSExchangeError(message: String(cString: strerror(errno)))
                }
                return Array(buffer[..<count])
            }
        }

        /// Reads from a stream into `bytes` until it holds `count` bytes or more.
        func receive(atLeast count: Int, into bytes: inout [UInt8], until deadline: Date) throws {
            while bytes.count < count {
                let chunk = try receive(until: deadline)
                if chunk.isEmpty { throw DNSExchangeError(message: "EOF") }
                bytes += chunk
            }
        }
    }
}

/// Go's order for SRV records (RFC 2782): by priority; within one priority a weighted shuffle,
/// each next record drawn with a chance proportional to its weight.
func orderedByPriorityAndWeight(_ records: [DNSClient.SRVRecord]) -> [DNSClient.SRVRecord] {
    let sorted = records.sorted { ($0.priority, $0.weight) < ($1.priority, $1.weight) }
    var result: [DNSClient.SRVRecord] = []
    var start = 0
    while start < sorted.count {
        var end = start
        while end < sorted.count && sorted[end].priority == sorted[start].priority { end += 1 }
        var group = Array(sorted[start..<end])
        var total = group.reduce(0) { $0 + $1.weight }
        while total > 0 && group.count > 1 {
            let draw = Int.random(in: 0..<total)
            var sum = 0
            var chosen = 0
            for (index, record) in group.enumerated() {
                sum += record.weight
                if sum > draw {
                    chosen = index
                    break
                }
            }
            let record = group.remove(at: chosen)
            result.append(record)
            total -= record.weight
        }
        result += group
        start = end
    }
    return result
}

/// The parts of a DNS message (RFC 1035) a lookup needs.
struct DNSMessage {
    struct Query {
        let id: UInt16
        let name: String
        let type: UInt16
        let bytes: [UInt8]
    }

    struct Answer {
        let type: UInt16
        /// The whole message, since names in the data may point back into it (compression).
        let message: [UInt8]
        let data: Range<Int>
    }

    let id: UInt16
    let flags: UInt16
    let questionName: String?
    let questionType: UInt16?
    let answers: [Answer]

    var responseCode: Int { Int(flags & 0xf) }
    var isTruncated: Bool { flags & 0x0200 != 0 }

    func matches(_ query: Query) -> Bool {
        id == query.id && flags & 0x8000 != 0 && questionType == query.type
            && questionName?.lowercased() == query.name.lowercased()
    }

    /// A recursive question for `name` (absolute), with an EDNS0 record offering 1232-byte
    /// answers as Go does; nil when the name cannot be written (a label over 63 bytes, an empty
    /// label, or over 255 bytes in all).
    static func query(_ name: String, type: UInt16, id: UInt16) -> Query? {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]
        let labels = name.dropLast().split(separator: ".", omittingEmptySubsequences: false)
        var encoded: [UInt8] = []
        if name != "." {
            for label in labels {
                let utf8 = Array(label.utf8)
                guard !utf8.isEmpty, utf8.count <= 63 else { return nil }
                encoded += [UInt8(utf8.count)] + utf8
            }
        }
        encoded.append(0)
        guard encoded.count <= 255 else { return nil }
        bytes += encoded + [UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        // OPT: root name, type 41, class = UDP payload size 1232, no extended flags, no data.
        bytes += [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]
        return Query(id: id, name: name, type: type, bytes: bytes)
    }

    /// The message in `bytes`, or nil when it is cut short or malformed.
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 12 else { return nil }
        func u16(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]) }
        id = u16(0)
        flags = u16(2)
        let questions = Int(u16(4))
        let answerCount = Int(u16(6))
        var offset = 12
        var questionName: String?
        var questionType: UInt16?
        for index in 0..<questions {
            guard let (name, end) = Self.name(in: bytes, at: offset), end + 4 <= bytes.count else { return nil }
            if index == 0 {
                questionName = name
                questionType = u16(end)
            }
            offset = end + 4
        }
        var answers: [Answer] = []
        for _ in 0..<answerCount {
            guard let (_, end) = Self.name(in: bytes, at: offset), end + 10 <= bytes.count else { return nil }
            let length = Int(u16(end + 8))
            guard end + 10 + length <= bytes.count else { return nil }
            answers.append(Answer(type: u16(end), message: bytes, data: (end + 10)..<(end + 10 + length)))
            offset = end + 10 + length
        }
        self.questionName = questionName
        self.questionType = questionType
        self.answers = answers
    }

    /// The absolute name at `offset` (following compression pointers) and the offset just after
    /// it where it is written; nil for a malformed name or a pointer loop.
    static func name(in bytes: [UInt8], at start: Int) -> (name: String, end: Int)? {
        var labels: [String] = []
        var offset = start
        var end: Int?
        var jumps = 0
        while true {
            guard offset < bytes.count else { return nil }
            let length = Int(bytes[offset])
            if length == 0 {
                offset += 1
                break
            }
            if length & 0xc0 == 0xc0 {
                guard offset + 1 < bytes.count, jumps < 128 else { return nil }
                if end == nil { end = offset + 2 }
                offset = (length & 0x3f) << 8 | Int(bytes[offset + 1])
                jumps += 1
                continue
            }
            guard length <= 63, offset + 1 + length <= bytes.count else { return nil }
            labels.append(String(decoding: bytes[(offset + 1)...(offset + length)], as: UTF8.self))
            offset += 1 + length
        }
        return (labels.isEmpty ? "." : labels.joined(separator: ".") + ".", end ?? offset)
    }
}
