import Template

extension FunctionTable {
    /// gomplate's `net` namespace (internal/funcs/net.go): parsing addresses, prefixes and ranges
    /// as Go's `netip` and netipx model them, CIDR arithmetic, and DNS lookups. gomplate wants
    /// `--experimental` for the CIDR functions; edpctl's functions need no opt-in.
    mutating func addNetFunctions() {
        add(TemplateFunction("ParseAddr", arguments: 1, reads: []) { args, _ in
            .object(try NetAddr(parsing: args[0].gomplateString()))
        }, as: "net.ParseAddr")
        add(TemplateFunction("ParsePrefix", arguments: 1, reads: []) { args, _ in
            .object(try NetPrefix(parsing: args[0].gomplateString()))
        }, as: "net.ParsePrefix")
        add(TemplateFunction("ParseRange", arguments: 1, reads: []) { args, _ in
            .object(try NetRange(parsing: args[0].gomplateString()))
        }, as: "net.ParseRange")

        add(TemplateFunction("CIDRHost", arguments: 2, reads: []) { args, _ in
            let network = try prefixArgument(args[1])
            let number: Int
            do {
                number = try args[0].gomplateStrictInt()
            } catch {
                throw FunctionError("expected a number: \(error)")
            }
            return .object(try cidrHost(network, number))
        }, as: "net.CIDRHost")

        add(TemplateFunction("CIDRNetmask", arguments: 1, reads: []) { args, _ in
            let network = try prefixArgument(args[0])
            return .object(NetAddr(bits: network.address.networkMask(network.length), family: network.address.family))
        }, as: "net.CIDRNetmask")

        add(TemplateFunction("CIDRSubnets", arguments: 2, reads: []) { args, _ in
            let network = try prefixArgument(args[1])
            let newBits: Int
            do {
                newBits = try args[0].gomplateStrictInt()
            } catch {
                throw FunctionError("newbits must be a number: \(error)")
            }
            return .list(try cidrSubnets(network, newBits: newBits).map { .object($0) })
        }, as: "net.CIDRSubnets")

        add(TemplateFunction("CIDRSubnetSizes", atLeast: 0, reads: []) { args, _ in
            if args.count < 2 { throw FunctionError("wrong number of args: want 2 or more, got \(args.count)") }
            let network = try prefixArgument(args[args.count - 1])
            var sizes: [Int] = []
            do {
                for argument in args.dropLast() { sizes.append(try argument.gomplateStrictInt()) }
            } catch {
                throw FunctionError("newbits must be numbers: \(error)")
            }
            return .list(try cidrSubnetSizes(network, newBits: sizes).map { .object($0) })
        }, as: "net.CIDRSubnetSizes")

        addNetLookupFunctions()
    }
}

/// A prefix argument: a value from `net.ParsePrefix`, or text in CIDR notation.
private func prefixArgument(_ value: Value) throws -> NetPrefix {
    if case .object(let object) = value, let prefix = object as? NetPrefix { return prefix }
    return try NetPrefix(parsing: value.gomplateString())
}

/// The host numbered `number` in `network`; negative numbers count back from the last address
/// (-1 is the last). The message for a number out of range is gomplate's (internal/cidr), which
/// names a negative number after counting it back from the last host.
func cidrHost(_ network: NetPrefix, _ number: Int) throws -> NetAddr {
    let hostBits = network.address.bitLength - network.length
    let largest: UInt128 = hostBits == 128 ? .max : (UInt128(1) << hostBits) - 1
    let host: UInt128
    if number >= 0 {
        guard UInt128(number) <= largest else {
            throw FunctionError("prefix of \(network.length) does not accommodate a host numbered \(number)")
        }
        host = UInt128(number)
    } else {
        let back = UInt128(-(number + 1))
        guard back <= largest else {
            // `largest` < `back` ≤ Int.max here, so the difference fits.
            throw FunctionError("prefix of \(network.length) does not accommodate a host numbered \(Int(largest) - Int(back))")
        }
        host = largest - back
    }
    let base = network.masked.address
    return base.sameFamily(base.number | host)
}

/// All 2^newBits subnets of `network` that are `newBits` longer, in order.
func cidrSubnets(_ network: NetPrefix, newBits: Int) throws -> [NetPrefix] {
    if newBits < 1 { throw FunctionError("must extend prefix by at least one bit") }
    let length = network.length + newBits
    if newBits > network.address.bitLength || length > network.address.bitLength {
        throw FunctionError("insufficient address space to extend prefix of \(network.length) by \(newBits)")
    }
    if newBits > 62 {
        throw FunctionError("list of 2^\(newBits) elements exceeds the limit of \(WorkLimits.maxListElements)")
    }
    try WorkLimits.checkList(elements: 1 << newBits)
    let base = network.masked.address
    let hostBits = base.bitLength - length
    return (0..<(1 << newBits)).map { index in
        NetPrefix(address: base.sameFamily(base.number | UInt128(index) << hostBits), length: length)
    }
}

/// Consecutive subnets of `network`, each `newBits[i]` longer than it, each aligned to its own
/// size and following the previous one (Terraform's `cidrsubnets`, as gomplate computes it).
func cidrSubnetSizes(_ network: NetPrefix, newBits: [Int]) throws -> [NetPrefix] {
    let width = network.address.bitLength
    // gomplate starts from the subnet just before the network; a network at the very first
    // address has none, so its first step fails as gomplate's does ("after invalid Prefix").
    var current = NetPrefix.zero
    if (1...32).contains(newBits[0]), network.length + newBits[0] <= width {
        current = (try? network.masked.address.previous.prefix(network.length + newBits[0])) ?? .zero
    }
    var result: [NetPrefix] = []
    for bits in newBits {
        if bits < 1 { throw FunctionError("must extend prefix by at least one bit") }
        // gomplate keeps to 32 bits for 32-bit platforms.
        if bits > 32 { throw FunctionError("may not extend prefix by more than 32 bits") }
        let length = network.length + bits
        if length > width {
            let family = network.address.family == .v4 ? "IPv4" : "IPv6"
            throw FunctionError("would extend prefix to \(length) bits, which is too long for an \(family) address")
        }
        let next = nextSubnet(after: current, length: length)
        guard let next, network.contains(next.address) else {
            throw FunctionError("not enough remaining address space for a subnet with a prefix of \(length) bits after \(current.goDescription)")
        }
        current = next
        result.append(next)
    }
    return result
}

/// The first subnet of `length` bits after the one of that length holding the end of `current`;
/// nil when the addresses run out (or `current` is invalid).
private func nextSubnet(after current: NetPrefix, length: Int) -> NetPrefix? {
    guard current.isValid, let enclosing = try? current.lastAddress.prefix(length) else { return nil }
    let following = enclosing.lastAddress.next
    guard following.isValid, let next = try? following.prefix(length) else { return nil }
    return next
}
