import Template

/// Go's `netip.Addr`: an IPv4 or IPv6 address, or the zero Addr (what `.Next` of the last
/// address gives). Like Go, an IPv4 address is kept as its IPv4-mapped IPv6 form, so that
/// arithmetic and masks work on one 128-bit number for both families.
struct NetAddr: TemplateObject, Hashable {
    enum Family: Hashable { case zero, v4, v6 }

    let bits: UInt128
    let family: Family
    /// An IPv6 scoped addressing zone (`%eth0`); always empty for IPv4.
    let zone: String

    static let zero = NetAddr(bits: 0, family: .zero, zone: "")
    private static let v4MappedPrefix: UInt128 = 0xffff << 32

    init(bits: UInt128, family: Family, zone: String = "") {
        self.bits = family == .v4 ? (bits & 0xffff_ffff) | Self.v4MappedPrefix : bits
        self.family = family
        self.zone = family == .v6 ? zone : ""
    }

    init(v4 octets: [UInt8]) {
        self.init(bits: octets.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }, family: .v4)
    }

    /// Go's `netip.ParseAddr`, with its error messages.
    init(parsing text: String) throws {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "."): self = try Self.parseIPv4(text, input: text); return
            case UInt8(ascii: ":"): self = try Self.parseIPv6(text); return
            case UInt8(ascii: "%"): throw Self.parseError(text, "missing IPv6 address")
            default: continue
            }
        }
        throw Self.parseError(text, "unable to parse IP")
    }

    static func parseError(_ input: String, _ message: String, at rest: Substring? = nil) -> FunctionError {
        let position = rest.map { $0.isEmpty ? "" : " (at \(goQuote(String($0))))" } ?? ""
        return FunctionError("ParseAddr(\(goQuote(input))): \(message)\(position)")
    }

    private static func parseIPv4(_ text: String, input: String) throws -> NetAddr {
        var fields: [UInt8] = []
        var value = 0
        var digits = 0
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if digits == 1 && value == 0 { throw parseError(input, "IPv4 field has octet with leading zero") }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                if value > 255 { throw parseError(input, "IPv4 field has value >255") }
            } else if byte == UInt8(ascii: ".") {
                if index == 0 || index == bytes.count - 1 || bytes[index - 1] == UInt8(ascii: ".") {
                    throw parseError(input, "IPv4 field must have at least one digit",
                                     at: Substring(String(decoding: bytes[index...], as: UTF8.self)))
                }
                if fields.count == 3 { throw parseError(input, "IPv4 address too long") }
                fields.append(UInt8(value))
                value = 0
                digits = 0
            } else {
                throw parseError(input, "unexpected character", at: Substring(String(decoding: bytes[index...], as: UTF8.self)))
            }
        }
        if fields.count < 3 { throw parseError(input, "IPv4 address too short") }
        return NetAddr(v4: fields + [UInt8(value)])
    }

    private static func parseIPv6(_ input: String) throws -> NetAddr {
        var text = Substring(input)
        var zone = ""
        if let percent = text.firstIndex(of: "%") {
            zone = String(text[text.index(after: percent)...])
            text = text[..<percent]
            if zone.isEmpty { throw parseError(input, "zone must be a non-empty string") }
        }
        var s = Array(text.utf8)[...]
        func rest() -> Substring { Substring(String(decoding: s, as: UTF8.self)) }
        var groups: [UInt16] = []
        var ellipsis: Int?
        if s.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            ellipsis = 0
            s = s.dropFirst(2)
            if s.isEmpty { return NetAddr(bits: 0, family: .v6, zone: zone) }
        }
        while groups.count < 8 {
            var count = 0
            var accumulator: UInt32 = 0
            for byte in s {
                guard let digit = hexDigit(byte) else { break }
                accumulator = accumulator << 4 + UInt32(digit)
                count += 1
                if accumulator > 0xffff { throw parseError(input, "IPv6 field has value >=2^16", at: rest()) }
            }
            if count == 0 { throw parseError(input, "each colon-separated field must have at least one digit", at: rest()) }
            if s.dropFirst(count).first == UInt8(ascii: ".") {
                if ellipsis == nil && groups.count != 6 {
                    throw parseError(input, "embedded IPv4 address must replace the final 2 fields of the address", at: rest())
                }
                if groups.count + 2 > 8 {
                    throw parseError(input, "too many hex fields to fit an embedded IPv4 at the end of the address", at: rest())
                }
                let embedded = String(rest())
                let v4: NetAddr
                do {
                    v4 = try parseIPv4(embedded, input: embedded)
                } catch let error as FunctionError {
                    throw parseError(input, error.message, at: rest())
                }
                groups.append(UInt16(truncatingIfNeeded: v4.bits >> 16))
                groups.append(UInt16(truncatingIfNeeded: v4.bits))
                s = s.dropFirst(s.count)
                break
            }
            groups.append(UInt16(accumulator))
            s = s.dropFirst(count)
            if s.isEmpty { break }
            if s.first != UInt8(ascii: ":") {
                throw parseError(input, "unexpected character, want colon", at: rest())
            } else if s.count == 1 {
                throw parseError(input, "colon must be followed by more characters", at: rest())
            }
            s = s.dropFirst()
            if s.first == UInt8(ascii: ":") {
                if ellipsis != nil { throw parseError(input, "multiple :: in address", at: rest()) }
                ellipsis = groups.count
                s = s.dropFirst()
                if s.isEmpty { break }
            }
        }
        if !s.isEmpty { throw parseError(input, "trailing garbage after address", at: rest()) }
        if groups.count < 8 {
            guard let ellipsis else { throw parseError(input, "address string too short") }
            groups.insert(contentsOf: Array(repeating: 0, count: 8 - groups.count), at: ellipsis)
        } else if ellipsis != nil {
            throw parseError(input, "the :: must expand to at least one field of zeros")
        }
        return NetAddr(bits: groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }, family: .v6, zone: zone)
    }

    var bitLength: Int {
        switch family {
        case .zero: return 0
        case .v4: return 32
        case .v6: return 128
        }
    }

    var isValid: Bool { family != .zero }
    var isIPv4Mapped: Bool { family == .v6 && bits >> 32 == 0xffff }
    /// The address with an IPv4-mapped IPv6 address turned into IPv4 (Go's `Unmap`).
    var unmapped: NetAddr { isIPv4Mapped ? NetAddr(bits: bits, family: .v4) : self }
    var withoutZone: NetAddr { NetAddr(bits: bits, family: family) }

    /// The 4 or 16 bytes of the address (Go's `AsSlice`); none for the zero Addr.
    var bytes: [UInt8] {
        let count = family == .zero ? 0 : bitLength / 8
        return (0..<count).map { UInt8(truncatingIfNeeded: bits >> (8 * (count - 1 - $0))) }
    }

    /// The bits that count for the family, as a number: 32 for IPv4, 128 for IPv6.
    var number: UInt128 { family == .v4 ? bits & 0xffff_ffff : bits }

    /// The address of the same family holding `number` (its low 32 bits for IPv4).
    func sameFamily(_ number: UInt128) -> NetAddr { NetAddr(bits: number, family: family, zone: zone) }

    /// Go's `Addr.Compare`: by family size, then the address, then (IPv6) the zone.
    func compare(_ other: NetAddr) -> Int {
        if bitLength != other.bitLength { return bitLength < other.bitLength ? -1 : 1 }
        if bits != other.bits { return bits < other.bits ? -1 : 1 }
        if zone != other.zone { return goStringLess(zone, other.zone) ? -1 : 1 }
        return 0
    }

    /// Go's `Addr.Next`: the zero Addr after the last address.
    var next: NetAddr {
        switch family {
        case .zero: return .zero
        case .v4: return number == 0xffff_ffff ? .zero : sameFamily(number + 1)
        case .v6: return bits == .max ? .zero : sameFamily(bits + 1)
        }
    }

    /// Go's `Addr.Prev`: the zero Addr before the first address.
    var previous: NetAddr {
        if family == .zero || number == 0 { return .zero }
        return sameFamily(number - 1)
    }

    /// Go's `Addr.Prefix`: the top `length` bits, as a prefix; the zero Prefix for the zero Addr.
    func prefix(_ length: Int) throws -> NetPrefix {
        if length < 0 { throw FunctionError("negative Prefix bits") }
        switch family {
        case .zero: return .zero
        case .v4 where length > 32: throw FunctionError("prefix length \(length) too large for IPv4")
        case .v6 where length > 128: throw FunctionError("prefix length \(length) too large for IPv6")
        default: break
        }
        return NetPrefix(address: sameFamily(number & networkMask(length)), length: length)
    }

    /// Ones in the top `length` of the family's bits.
    func networkMask(_ length: Int) -> UInt128 {
        let width = bitLength
        guard length > 0 else { return 0 }
        let ones: UInt128 = width == 128 ? .max : (UInt128(1) << width) - 1
        return ones ^ (length >= width ? 0 : ones >> length)
    }

    var isLoopback: Bool {
        let a = unmapped
        switch a.family {
        case .v4: return a.number >> 24 == 127
        case .v6: return a.bits == 1
        case .zero: return false
        }
    }

    var isMulticast: Bool {
        let a = unmapped
        switch a.family {
        case .v4: return a.number >> 28 == 0xe
        case .v6: return a.bits >> 120 == 0xff
        case .zero: return false
        }
    }

    var isLinkLocalUnicast: Bool {
        let a = unmapped
        switch a.family {
        case .v4: return a.number >> 16 == 0xa9fe
        case .v6: return (a.bits >> 112) & 0xffc0 == 0xfe80
        case .zero: return false
        }
    }

    var isLinkLocalMulticast: Bool {
        let a = unmapped
        switch a.family {
        case .v4: return a.number >> 8 == 0xe00000
        case .v6: return (a.bits >> 112) & 0xff0f == 0xff02
        case .zero: return false
        }
    }

    var isInterfaceLocalMulticast: Bool {
        family == .v6 && !isIPv4Mapped && (bits >> 112) & 0xff0f == 0xff01
    }

    var isPrivate: Bool {
        let a = unmapped
        switch a.family {
        case .v4:
            let n = a.number
            return n >> 24 == 10 || n >> 20 == 0xac1 || n >> 16 == 0xc0a8
        case .v6: return a.bits >> 121 == 0x7e
        case .zero: return false
        }
    }

    var isUnspecified: Bool { family != .zero && zone.isEmpty && number == 0 }

    var isGlobalUnicast: Bool {
        let a = unmapped
        switch a.family {
        case .zero: return false
        case .v4 where a.number == 0 || a.number == 0xffff_ffff: return false
        default: return !(a.family == .v6 && a.bits == 0 && a.zone.isEmpty) && !a.isLoopback && !a.isMulticast
            && !a.isLinkLocalUnicast
        }
    }

    var goTypeName: String { "netip.Addr" }

    /// Go's `Addr.String`: dotted decimal, RFC 5952 IPv6, `::ffff:1.2.3.4` for mapped addresses.
    var goDescription: String {
        switch family {
        case .zero: return "invalid IP"
        case .v4: return dottedQuad
        case .v6:
            let text = isIPv4Mapped ? "::ffff:" + unmapped.dottedQuad : compressedIPv6
            return zone.isEmpty ? text : text + "%" + zone
        }
    }

    private var dottedQuad: String { bytes.map(String.init).joined(separator: ".") }

    private var groups: [UInt16] { (0..<8).map { UInt16(truncatingIfNeeded: bits >> (16 * (7 - $0))) } }

    /// The longest run of two or more zero groups (the first when tied) becomes `::`.
    private var compressedIPv6: String {
        let groups = groups
        var best: Range<Int>?
        var index = 0
        while index < 8 {
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index >= 2 && end - index > (best?.count ?? 0) { best = index..<end }
            index = end == index ? index + 1 : end
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard let best else { return hex(0..<8) }
        return hex(0..<best.lowerBound) + "::" + hex(best.upperBound..<8)
    }

    /// Go's `Addr.StringExpanded`.
    private var expanded: String {
        guard family == .v6 else { return goDescription }
        let text = groups.map { group -> String in
            let digits = String(group, radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }.joined(separator: ":")
        return zone.isEmpty ? text : text + "%" + zone
    }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        let method = NetMethod(name, arguments)
        switch name {
        case "As16":
            return .bytes((0..<16).map { UInt8(truncatingIfNeeded: bits >> (8 * (15 - $0))) })
        case "As4":
            if family == .v4 || isIPv4Mapped { return .bytes(unmapped.bytes) }
            throw FunctionError(family == .zero ? "As4 called on IP zero value" : "As4 called on IPv6 address")
        case "AsSlice": return .bytes(bytes)
        case "BitLen": return .int(bitLength)
        case "Compare": return .int(compare(try method.address(0)))
        case "Less": return .bool(compare(try method.address(0)) < 0)
        case "Is4": return .bool(family == .v4)
        case "Is4In6": return .bool(isIPv4Mapped)
        case "Is6": return .bool(family == .v6)
        case "IsGlobalUnicast": return .bool(isGlobalUnicast)
        case "IsInterfaceLocalMulticast": return .bool(isInterfaceLocalMulticast)
        case "IsLinkLocalMulticast": return .bool(isLinkLocalMulticast)
        case "IsLinkLocalUnicast": return .bool(isLinkLocalUnicast)
        case "IsLoopback": return .bool(isLoopback)
        case "IsMulticast": return .bool(isMulticast)
        case "IsPrivate": return .bool(isPrivate)
        case "IsUnspecified": return .bool(isUnspecified)
        case "IsValid": return .bool(isValid)
        case "MarshalText": return .bytes(family == .zero ? [] : Array(goDescription.utf8))
        case "Next": return .object(next)
        case "Prev": return .object(previous)
        case "Prefix": return .object(try prefix(try method.int(0)))
        case "String": return .string(goDescription)
        case "StringExpanded": return .string(expanded)
        case "Unmap": return .object(unmapped)
        case "WithZone": return .object(family == .v6 ? NetAddr(bits: bits, family: .v6, zone: try method.string(0)) : self)
        case "Zone": return .string(zone)
        default: return nil
        }
    }
}

private func hexDigit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// Go's `netip.Prefix`: an address and a prefix length, the host bits kept as given (`Masked`
/// clears them). The zero Prefix (length -1 here) is what Go's invalid prefixes are.
struct NetPrefix: TemplateObject, Hashable {
    let address: NetAddr
    /// -1 for an invalid prefix.
    let length: Int

    static let zero = NetPrefix(address: .zero, length: -1)

    init(address: NetAddr, length: Int) {
        let valid = address.isValid && length >= 0 && length <= address.bitLength
        self.address = address.withoutZone
        self.length = valid ? length : -1
    }

    /// Go's `netip.ParsePrefix`, with its error messages.
    init(parsing text: String) throws {
        func failure(_ message: String) -> FunctionError {
            FunctionError("netip.ParsePrefix(\(goQuote(text))): \(message)")
        }
        guard let slash = text.lastIndex(of: "/") else { throw failure("no '/'") }
        let address: NetAddr
        do {
            address = try NetAddr(parsing: String(text[..<slash]))
        } catch let error as FunctionError {
            throw failure(error.message)
        }
        if !address.zone.isEmpty { throw failure("IPv6 zones cannot be present in a prefix") }
        let digits = text[text.index(after: slash)...]
        // Go takes a plain decimal number: no sign, no leading zero.
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              digits.count == 1 || digits.first != "0", let length = Int(digits) else {
            throw failure("bad bits after slash: \(goQuote(String(digits)))")
        }
        guard length <= address.bitLength else { throw failure("prefix length out of range") }
        self.init(address: address, length: length)
    }

    var isValid: Bool { length >= 0 }

    /// Go's `Prefix.Masked`: the host bits cleared; the zero Prefix for an invalid one.
    var masked: NetPrefix { isValid ? ((try? address.prefix(length)) ?? .zero) : .zero }

    /// The last address of the prefix (netipx's `PrefixLastIP`); the zero Addr for an invalid one.
    var lastAddress: NetAddr {
        guard isValid else { return .zero }
        let ones: UInt128 = address.bitLength == 128 ? .max : 0xffff_ffff
        return address.sameFamily(address.number | (ones & ~address.networkMask(length)))
    }

    func contains(_ other: NetAddr) -> Bool {
        guard isValid, other.zone.isEmpty, other.family == address.family else { return false }
        return (other.number ^ address.number) & address.networkMask(length) == 0
    }

    func overlaps(_ other: NetPrefix) -> Bool {
        guard isValid, other.isValid else { return false }
        if self == other { return true }
        guard address.family == other.address.family else { return false }
        let shorter = min(length, other.length)
        let mask = address.networkMask(shorter)
        return address.number & mask == other.address.number & mask
    }

    var goTypeName: String { "netip.Prefix" }
    var goDescription: String { isValid ? "\(address.goDescription)/\(length)" : "invalid Prefix" }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        let method = NetMethod(name, arguments)
        switch name {
        case "Addr": return .object(address)
        case "Bits": return .int(length)
        case "Contains": return .bool(contains(try method.address(0)))
        case "IsSingleIP": return .bool(isValid && length == address.bitLength)
        case "IsValid": return .bool(isValid)
        case "MarshalText": return .bytes(address.isValid ? Array(goDescription.utf8) : [])
        case "Masked": return .object(masked)
        case "Overlaps":
            guard case .object(let object) = try method.argument(0), let other = object as? NetPrefix else {
                throw FunctionError("wrong type for value; expected netip.Prefix; got \(arguments[0].goTypeName)")
            }
            return .bool(overlaps(other))
        case "String": return .string(goDescription)
        default: return nil
        }
    }
}

/// netipx's `IPRange`: an inclusive range of addresses of one family.
struct NetRange: TemplateObject, Hashable {
    let from: NetAddr
    let to: NetAddr

    /// netipx's `ParseIPRange`, with its error messages.
    init(parsing text: String) throws {
        guard let hyphen = text.firstIndex(of: "-") else {
            throw FunctionError("no hyphen in range \(goQuote(text))")
        }
        let fromText = String(text[..<hyphen])
        let toText = String(text[text.index(after: hyphen)...])
        guard let from = try? NetAddr(parsing: fromText) else {
            throw FunctionError("invalid From IP \(goQuote(fromText)) in range \(goQuote(text))")
        }
        guard let to = try? NetAddr(parsing: toText) else {
            throw FunctionError("invalid To IP \(goQuote(toText)) in range \(goQuote(text))")
        }
        self.from = from.withoutZone
        self.to = to.withoutZone
        guard isValid else { throw FunctionError("range \(self.from.goDescription) to \(self.to.goDescription) not valid") }
    }

    var isValid: Bool { from.isValid && from.bitLength == to.bitLength && to.compare(from) >= 0 }

    /// The fewest prefixes that cover the range, in order (netipx's `Prefixes`).
    var prefixes: [NetPrefix] {
        guard isValid else { return [] }
        let width = from.bitLength
        /// The offset of the last address of a block of `width - length` host bits.
        func span(_ length: Int) -> UInt128 { width - length == 128 ? .max : (UInt128(1) << (width - length)) - 1 }
        var result: [NetPrefix] = []
        var start = from.number
        while true {
            // The largest block aligned at `start` that ends at or before the range's end.
            var length = start == 0 ? 0 : width - start.trailingZeroBitCount
            while length < width && start + span(length) > to.number { length += 1 }
            result.append(NetPrefix(address: from.sameFamily(start), length: length))
            let last = start + span(length)
            if last >= to.number { return result }
            start = last + 1
        }
    }

    var goTypeName: String { "netipx.IPRange" }
    var goDescription: String { "\(from.goDescription)-\(to.goDescription)" }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        let method = NetMethod(name, arguments)
        switch name {
        case "From": return .object(from)
        case "To": return .object(to)
        case "Contains":
            let address = try method.address(0)
            return .bool(isValid && address.zone.isEmpty && from.compare(address) <= 0 && to.compare(address) >= 0)
        case "IsValid", "Valid": return .bool(isValid)
        case "IsZero": return .bool(false) // a parsed range is never the zero IPRange
        case "MarshalText": return .bytes(Array(goDescription.utf8))
        case "Overlaps":
            guard case .object(let object) = try method.argument(0), let other = object as? NetRange else {
                throw FunctionError("wrong type for value; expected netipx.IPRange; got \(arguments[0].goTypeName)")
            }
            return .bool(isValid && other.isValid && from.compare(other.to) <= 0 && other.from.compare(to) <= 0)
        case "Prefix":
            // Go's templates refuse a method whose second result is not an error.
            throw FunctionError("can't call method/function \"Prefix\" with 2 results")
        case "Prefixes": return .list(prefixes.map { .object($0) })
        case "String": return .string(goDescription)
        default: return nil
        }
    }
}

/// The arguments of a method call on a net value, converted as Go's templates convert them.
private struct NetMethod {
    let name: String
    let arguments: [Value]

    init(_ name: String, _ arguments: [Value]) {
        self.name = name
        self.arguments = arguments
    }

    func argument(_ index: Int) throws -> Value {
        guard index < arguments.count else {
            throw FunctionError("wrong number of args for \(name): want \(index + 1) got \(arguments.count)")
        }
        return arguments[index]
    }

    func address(_ index: Int) throws -> NetAddr {
        guard case .object(let object) = try argument(index), let address = object as? NetAddr else {
            throw FunctionError("wrong type for value; expected netip.Addr; got \(arguments[index].goTypeName)")
        }
        return address
    }

    func int(_ index: Int) throws -> Int {
        guard case .int(let value) = try argument(index) else {
            throw FunctionError("wrong type for value; expected int; got \(arguments[index].goTypeName)")
        }
        return value
    }

    func string(_ index: Int) throws -> String {
        guard case .string(let value) = try argument(index) else {
            throw FunctionError("wrong type for value; expected string; got \(arguments[index].goTypeName)")
        }
        return value
    }
}
