import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// The net namespace against Go's `net/netip` and go4.org/netipx: expected texts are what Go's
/// types print and the errors they return (checked with Go's netip), plus gomplate's CIDR tests
/// (internal/funcs/net_test.go) and its messages (internal/cidr, internal/funcs/net.go).
@Suite struct NetFunctionsTests {
    @Test func addressesParseAndPrintAsGoDoes() {
        // input, String, StringExpanded, IsPrivate IsGlobalUnicast IsLoopback IsLinkLocalUnicast IsMulticast, Next, Prev
        let cases: [(String, String, String, String, String, String)] = [
            ("192.168.0.1", "192.168.0.1", "192.168.0.1", "true true false false false", "192.168.0.2", "192.168.0.0"),
            ("0.0.0.0", "0.0.0.0", "0.0.0.0", "false false false false false", "0.0.0.1", "invalid IP"),
            ("255.255.255.255", "255.255.255.255", "255.255.255.255", "false false false false false", "invalid IP", "255.255.255.254"),
            ("224.0.0.251", "224.0.0.251", "224.0.0.251", "false false false false true", "224.0.0.252", "224.0.0.250"),
            ("169.254.1.1", "169.254.1.1", "169.254.1.1", "false false false true false", "169.254.1.2", "169.254.1.0"),
            ("172.31.255.255", "172.31.255.255", "172.31.255.255", "true true false false false", "172.32.0.0", "172.31.255.254"),
            ("172.32.0.0", "172.32.0.0", "172.32.0.0", "false true false false false", "172.32.0.1", "172.31.255.255"),
            ("::", "::", "0000:0000:0000:0000:0000:0000:0000:0000", "false false false false false", "::1", "invalid IP"),
            ("::1", "::1", "0000:0000:0000:0000:0000:0000:0000:0001", "false false true false false", "::2", "::"),
            ("2001:DB8:0:0::1", "2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "false true false false false", "2001:db8::2", "2001:db8::"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4", "0000:0000:0000:0000:0000:ffff:0102:0304", "false true false false false", "::ffff:1.2.3.5", "::ffff:1.2.3.3"),
            ("::ffff:10.0.0.1", "::ffff:10.0.0.1", "0000:0000:0000:0000:0000:ffff:0a00:0001", "true true false false false", "::ffff:10.0.0.2", "::ffff:10.0.0.0"),
            ("fe80::1%eth0", "fe80::1%eth0", "fe80:0000:0000:0000:0000:0000:0000:0001%eth0", "false false false true false", "fe80::2%eth0", "fe80::%eth0"),
            ("fd12:3456::1", "fd12:3456::1", "fd12:3456:0000:0000:0000:0000:0000:0001", "true true false false false", "fd12:3456::2", "fd12:3456::"),
            ("ff02::1", "ff02::1", "ff02:0000:0000:0000:0000:0000:0000:0001", "false false false false true", "ff02::2", "ff02::"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", "0001:0002:0003:0004:0005:0006:0007:0000", "false true false false false", "1:2:3:4:5:6:7:1", "1:2:3:4:5:6:6:ffff"),
            ("1:0:0:1:0:0:0:1", "1:0:0:1::1", "0001:0000:0000:0001:0000:0000:0000:0001", "false true false false false", "1:0:0:1::2", "1:0:0:1::"),
            ("0:0:1:0:0:1:0:0", "::1:0:0:1:0:0", "0000:0000:0001:0000:0000:0001:0000:0000", "false true false false false", "::1:0:0:1:0:1", "0:0:1::ffff:ffff"),
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304", "0001:0002:0003:0004:0005:0006:0102:0304", "false true false false false", "1:2:3:4:5:6:102:305", "1:2:3:4:5:6:102:303"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "false false false false true", "invalid IP", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"),
        ]
        for (input, text, expanded, flags, next, previous) in cases {
            let template = "<<< $a := net.ParseAddr \"\(input)\" >>><<< $a >>>|<<< $a.StringExpanded >>>|"
                + "<<< $a.IsPrivate >>> <<< $a.IsGlobalUnicast >>> <<< $a.IsLoopback >>> <<< $a.IsLinkLocalUnicast >>> <<< $a.IsMulticast >>>|"
                + "<<< $a.Next >>>|<<< $a.Prev >>>"
            #expect(renderedOrError(template) == [text, expanded, flags, next, previous].joined(separator: "|"), "\(input)")
        }
    }

    @Test func addressErrorsAreGos() {
        let cases = [
            ("1.2.3", #"ParseAddr("1.2.3"): IPv4 address too short"#),
            ("1.2.3.4.5", #"ParseAddr("1.2.3.4.5"): IPv4 address too long"#),
            ("01.2.3.4", #"ParseAddr("01.2.3.4"): IPv4 field has octet with leading zero"#),
            ("256.1.1.1", #"ParseAddr("256.1.1.1"): IPv4 field has value >255"#),
            ("1..2.3", #"ParseAddr("1..2.3"): IPv4 field must have at least one digit (at ".2.3")"#),
            ("1.2.3.4:80", #"ParseAddr("1.2.3.4:80"): unexpected character (at ":80")"#),
            ("1::2::3", #"ParseAddr("1::2::3"): multiple :: in address (at ":3")"#),
            ("1:2:3:4:5:6:7:8:9", #"ParseAddr("1:2:3:4:5:6:7:8:9"): trailing garbage after address (at "9")"#),
            (":::", #"ParseAddr(":::"): each colon-separated field must have at least one digit (at ":")"#),
            ("12345::", #"ParseAddr("12345::"): IPv6 field has value >=2^16 (at "12345::")"#),
            ("::ffff:1.2.3", #"ParseAddr("::ffff:1.2.3"): ParseAddr("1.2.3"): IPv4 address too short (at "1.2.3")"#),
            ("1:2:3:4:5:1.2.3.4", #"ParseAddr("1:2:3:4:5:1.2.3.4"): embedded IPv4 address must replace the final 2 fields of the address (at "1.2.3.4")"#),
            ("1:2:3:4:5:6:7", #"ParseAddr("1:2:3:4:5:6:7"): address string too short"#),
            ("1:2:3:4::5:6:7:8", #"ParseAddr("1:2:3:4::5:6:7:8"): the :: must expand to at least one field of zeros"#),
            ("fe80::%", #"ParseAddr("fe80::%"): zone must be a non-empty string"#),
            ("%eth0", #"ParseAddr("%eth0"): missing IPv6 address"#),
            ("not an IP", #"ParseAddr("not an IP"): unable to parse IP"#),
            ("", #"ParseAddr(""): unable to parse IP"#),
        ]
        for (input, message) in cases {
            #expect(renderedOrError("<<< net.ParseAddr \"\(input)\" >>>")
                == #"error: template: t:1:4: executing "t" at <net.ParseAddr>: error calling ParseAddr: "# + message)
        }
    }

    @Test func prefixesParseAsGoDoes() {
        let cases = [
            ("192.168.0.2/28", "192.168.0.2/28 192.168.0.0/28 28 false"),
            ("10.12.127.0/20", "10.12.127.0/20 10.12.112.0/20 20 false"),
            ("1.2.3.4/32", "1.2.3.4/32 1.2.3.4/32 32 true"),
            ("1.2.3.4/0", "1.2.3.4/0 0.0.0.0/0 0 false"),
            ("::/0", "::/0 ::/0 0 false"),
            ("2001:db8::1/128", "2001:db8::1/128 2001:db8::1/128 128 true"),
            ("::ffff:1.2.3.4/120", "::ffff:1.2.3.4/120 ::ffff:1.2.3.0/120 120 false"),
            ("fd00:fd12:3456:7890:00a2::/72", "fd00:fd12:3456:7890:a2::/72 fd00:fd12:3456:7890::/72 72 false"),
        ]
        for (input, expected) in cases {
            #expect(renderedOrError("<<< $p := net.ParsePrefix \"\(input)\" >>><<< $p >>> <<< $p.Masked >>> <<< $p.Bits >>> <<< $p.IsSingleIP >>>") == expected)
        }
        let errors = [
            ("1.1.1.1", "no '/'"),
            ("1.2.3.4/33", "prefix length out of range"),
            ("::/129", "prefix length out of range"),
            // Go 1.22 and later refuse a sign or a leading zero in the length.
            ("1.2.3.4/-1", #"bad bits after slash: "-1""#),
            ("1.2.3.4/+8", #"bad bits after slash: "+8""#),
            ("1.2.3.4/08", #"bad bits after slash: "08""#),
            ("1.2.3.4/", #"bad bits after slash: """#),
            ("1.2.3.4/99999999999999999999", #"bad bits after slash: "99999999999999999999""#),
            ("fe80::1%eth0/64", "IPv6 zones cannot be present in a prefix"),
            ("x/3", #"ParseAddr("x"): unable to parse IP"#),
        ]
        for (input, message) in errors {
            #expect(renderedOrError("<<< net.ParsePrefix \"\(input)\" >>>")
                == #"error: template: t:1:4: executing "t" at <net.ParsePrefix>: error calling ParsePrefix: netip.ParsePrefix("# + "\"\(input)\"): \(message)")
        }
    }

    @Test func prefixMethods() {
        #expect(renderedOrError(#"<<< $p := net.ParsePrefix "192.168.0.0/16" >>><<< $p.Contains (net.ParseAddr "192.168.255.1") >>> <<< $p.Contains (net.ParseAddr "192.169.0.1") >>> <<< $p.Contains (net.ParseAddr "::ffff:192.168.0.1") >>>"#)
            == "true false false")
        #expect(renderedOrError(#"<<< (net.ParsePrefix "::/0").Contains (net.ParseAddr "fe80::1%eth0") >>> <<< (net.ParsePrefix "::/0").Contains (net.ParseAddr "fe80::1") >>>"#)
            == "false true")
        #expect(renderedOrError(#"<<< $p := net.ParsePrefix "10.0.0.0/8" >>><<< $p.Overlaps (net.ParsePrefix "10.1.0.0/16") >>> <<< $p.Overlaps (net.ParsePrefix "11.0.0.0/8") >>> <<< $p.Overlaps (net.ParsePrefix "::/0") >>>"#)
            == "true false false")
        #expect(renderedOrError(#"<<< (net.ParsePrefix "10.1.2.3/8").Addr >>> <<< ((net.ParseAddr "93.184.216.34").Prefix 12) >>>"#)
            == "10.1.2.3 93.176.0.0/12")
        #expect(renderedOrError(#"<<< (net.ParsePrefix "10.0.0.0/8").Contains "10.1.1.1" >>>"#)
            .hasSuffix("error calling Contains: wrong type for value; expected netip.Addr; got string"))
        #expect(renderedOrError(#"<<< (net.ParsePrefix "10.0.0.0/8").Contains >>>"#).hasSuffix("error calling Contains: wrong number of args for Contains: want 1 got 0"))
        #expect(renderedOrError(#"<<< (net.ParseAddr "1.2.3.4").Prefix 33 >>>"#).hasSuffix("error calling Prefix: prefix length 33 too large for IPv4"))
        #expect(renderedOrError(#"<<< (net.ParseAddr "::1").Prefix -1 >>>"#).hasSuffix("error calling Prefix: negative Prefix bits"))
        #expect(renderedOrError(#"<<< (net.ParseAddr "::1").As4 >>>"#).hasSuffix("error calling As4: As4 called on IPv6 address"))
        #expect(renderedOrError(#"<<< (net.ParseAddr "::ffff:1.2.3.4").As4 >>> <<< (net.ParseAddr "::ffff:1.2.3.4").Unmap >>> <<< (net.ParseAddr "1.2.3.4").AsSlice >>>"#)
            == "[1 2 3 4] 1.2.3.4 [1 2 3 4]")
        #expect(renderedOrError(#"<<< (net.ParsePrefix "10.0.0.0/8").Range >>>"#).hasSuffix("can't evaluate field Range in type netip.Prefix"))
        #expect(renderedOrError(#"<<< (net.ParsePrefix "10.0.0.0/8") | toJSON >>>"#) == #""10.0.0.0/8""#)
    }

    @Test func rangesAreNetipxRanges() {
        #expect(renderedOrError(#"<<< $r := net.ParseRange "192.168.0.2-192.168.23.255" >>><<< $r >>> <<< $r.From >>> <<< $r.To >>>"#)
            == "192.168.0.2-192.168.23.255 192.168.0.2 192.168.23.255")
        // The same prefixes as Python's ipaddress.summarize_address_range.
        #expect(renderedOrError(#"<<< (net.ParseRange "192.168.0.2-192.168.23.255").Prefixes >>>"#)
            == "[192.168.0.2/31 192.168.0.4/30 192.168.0.8/29 192.168.0.16/28 192.168.0.32/27 192.168.0.64/26 192.168.0.128/25 192.168.1.0/24 192.168.2.0/23 192.168.4.0/22 192.168.8.0/21 192.168.16.0/21]")
        #expect(renderedOrError(#"<<< (net.ParseRange "0.0.0.0-255.255.255.255").Prefixes >>> <<< (net.ParseRange "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").Prefixes >>> <<< (net.ParseRange "::1-::1").Prefixes >>>"#)
            == "[0.0.0.0/0] [::/0] [::1/128]")
        #expect(renderedOrError(#"<<< $r := net.ParseRange "10.0.0.5-10.0.0.9" >>><<< $r.Contains (net.ParseAddr "10.0.0.9") >>> <<< $r.Contains (net.ParseAddr "10.0.0.10") >>> <<< $r.Overlaps (net.ParseRange "10.0.0.9-10.0.1.0") >>>"#)
            == "true false true")
        let errors = [
            ("not an IP", #"no hyphen in range "not an IP""#),
            ("1.1.1.1", #"no hyphen in range "1.1.1.1""#),
            ("x-1.2.3.4", #"invalid From IP "x" in range "x-1.2.3.4""#),
            ("1.2.3.4-y", #"invalid To IP "y" in range "1.2.3.4-y""#),
            ("1.2.3.4-1.2.3.3", "range 1.2.3.4 to 1.2.3.3 not valid"),
            ("1.2.3.4-::1", "range 1.2.3.4 to ::1 not valid"),
        ]
        for (input, message) in errors {
            #expect(renderedOrError("<<< net.ParseRange \"\(input)\" >>>").hasSuffix("error calling ParseRange: " + message), "\(input)")
        }
        #expect(renderedOrError(#"<<< (net.ParseRange "1.2.3.0-1.2.3.255").Prefix >>>"#).hasSuffix(#"can't call method/function "Prefix" with 2 results"#))
    }

    @Test func cidrHost() {
        let cases = [
            (#"net.CIDRHost 16 (net.ParsePrefix "10.12.127.0/20")"#, "10.12.112.16"),
            (#"net.CIDRHost 268 "10.12.127.0/20""#, "10.12.113.12"),
            (#"net.CIDRHost 34 "fd00:fd12:3456:7890:00a2::/72""#, "fd00:fd12:3456:7890::22"),
            (#"net.CIDRHost "3" "10.0.0.0/30""#, "10.0.0.3"),
            // Negative numbers count back from the last address.
            (#"net.CIDRHost -1 "10.0.0.0/30""#, "10.0.0.3"),
            (#"net.CIDRHost -4 "10.0.0.0/30""#, "10.0.0.0"),
            (#"net.CIDRHost 0 "10.0.0.7/32""#, "10.0.0.7"),
            (#"net.CIDRHost -1 "0.0.0.0/0""#, "255.255.255.255"),
            (#"net.CIDRHost -1 "::/0""#, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            (#"net.CIDRHost 1 "::ffff:10.0.0.0/120""#, "::ffff:10.0.0.1"),
        ]
        for (call, expected) in cases { #expect(renderedOrError("<<< \(call) >>>") == expected, "\(call)") }
        // gomplate's messages, including its naming of a negative number after counting it back.
        #expect(renderedOrError(#"<<< net.CIDRHost 4 "10.0.0.0/30" >>>"#).hasSuffix("prefix of 30 does not accommodate a host numbered 4"))
        #expect(renderedOrError(#"<<< net.CIDRHost -5 "10.0.0.0/30" >>>"#).hasSuffix("prefix of 30 does not accommodate a host numbered -1"))
        #expect(renderedOrError(#"<<< net.CIDRHost 1 "10.0.0.7/32" >>>"#).hasSuffix("prefix of 32 does not accommodate a host numbered 1"))
        #expect(renderedOrError(#"<<< net.CIDRHost "x" "10.0.0.0/8" >>>"#).hasSuffix(#"error calling CIDRHost: expected a number: could not convert "x" to int64: strconv.ParseFloat: parsing "x": invalid syntax"#))
        #expect(renderedOrError(#"<<< net.CIDRHost 1 "10.0.0.0" >>>"#).hasSuffix(#"error calling CIDRHost: netip.ParsePrefix("10.0.0.0"): no '/'"#))
    }

    @Test func cidrNetmask() {
        #expect(renderedOrError(#"<<< net.CIDRNetmask "10.12.127.0/20" >>> <<< net.CIDRNetmask "10.0.0.0/12" >>> <<< net.CIDRNetmask "fd00:fd12:3456:7890:00a2::/72" >>>"#)
            == "255.255.240.0 255.240.0.0 ffff:ffff:ffff:ffff:ff00::")
        #expect(renderedOrError(#"<<< net.CIDRNetmask "0.0.0.0/0" >>> <<< net.CIDRNetmask "1.2.3.4/32" >>> <<< net.CIDRNetmask "::/0" >>> <<< net.CIDRNetmask "::/128" >>>"#)
            == "0.0.0.0 255.255.255.255 :: ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        // An IPv4-mapped prefix is an IPv6 prefix: its mask has 128 bits.
        #expect(renderedOrError(#"<<< net.CIDRNetmask "::ffff:0.0.0.0/104" >>>"#) == "ffff:ffff:ffff:ffff:ffff:ffff:ff00:0")
    }

    @Test func cidrSubnets() {
        #expect(renderedOrError(#"<<< net.CIDRSubnets 2 "10.0.0.0/16" >>>"#) == "[10.0.0.0/18 10.0.64.0/18 10.0.128.0/18 10.0.192.0/18]")
        #expect(renderedOrError(#"<<< net.CIDRSubnets 1 "10.1.2.3/31" >>> <<< net.CIDRSubnets 1 "::/0" >>>"#) == "[10.1.2.2/32 10.1.2.3/32] [::/1 8000::/1]")
        #expect(renderedOrError(#"<<< len (net.CIDRSubnets 16 "10.0.0.0/8") >>>"#) == "65536")
        #expect(renderedOrError(#"<<< net.CIDRSubnets 0 "10.0.0.0/16" >>>"#).hasSuffix("must extend prefix by at least one bit"))
        #expect(renderedOrError(#"<<< net.CIDRSubnets -1 "10.0.0.0/16" >>>"#).hasSuffix("must extend prefix by at least one bit"))
        #expect(renderedOrError(#"<<< net.CIDRSubnets 17 "10.0.0.0/16" >>>"#).hasSuffix("insufficient address space to extend prefix of 16 by 17"))
        #expect(renderedOrError(#"<<< net.CIDRSubnets 1 "1.2.3.4/32" >>>"#).hasSuffix("insufficient address space to extend prefix of 32 by 1"))
        #expect(renderedOrError(#"<<< net.CIDRSubnets "two" "10.0.0.0/16" >>>"#).hasSuffix(#"newbits must be a number: could not convert "two" to int64: strconv.ParseFloat: parsing "two": invalid syntax"#))
        // gomplate would try to allocate 2^newbits prefixes (and panics from 2^63 on); edpctl stops at its list limit.
        #expect(renderedOrError(#"<<< net.CIDRSubnets 30 "::/0" >>>"#).hasSuffix("list of 1073741824 elements exceeds the limit of 10000000"))
        #expect(renderedOrError(#"<<< net.CIDRSubnets 100 "::/0" >>>"#).hasSuffix("list of 2^100 elements exceeds the limit of 10000000"))
        #expect(renderedOrError(#"<<< net.CIDRSubnets 9223372036854775807 "::/0" >>>"#).hasSuffix("insufficient address space to extend prefix of 0 by 9223372036854775807"))
    }

    @Test func cidrSubnetSizes() {
        // gomplate's own unit test cases.
        #expect(renderedOrError(#"<<< net.CIDRSubnetSizes 1 2 2 "8000::/1" >>>"#) == "[8000::/2 c000::/3 e000::/3]")
        #expect(renderedOrError(#"<<< net.CIDRSubnetSizes 4 4 8 4 "10.1.0.0/16" >>>"#) == "[10.1.0.0/20 10.1.16.0/20 10.1.32.0/24 10.1.48.0/20]")
        // Each subnet starts at the next boundary of its own size: the /17 skips 10.1.64.0/18.
        #expect(renderedOrError(#"<<< net.CIDRSubnetSizes 2 1 "10.1.0.0/16" >>>"#) == "[10.1.0.0/18 10.1.128.0/17]")
        #expect(renderedOrError(#"<<< net.CIDRSubnetSizes 1 "10.0.0.0/16" | len >>> <<< index (net.CIDRSubnetSizes 1 "10.0.0.0/16") 0 >>>"#) == "1 10.0.0.0/17")
        #expect(renderedOrError(#"<<< net.CIDRSubnetSizes 2 2 3 3 6 6 8 10 "2016:1234:5678:9abc:ffff:ffff:ffff:cafe/64" >>>"#)
            == "[2016:1234:5678:9abc::/66 2016:1234:5678:9abc:4000::/66 2016:1234:5678:9abc:8000::/67 2016:1234:5678:9abc:a000::/67 2016:1234:5678:9abc:c000::/70 2016:1234:5678:9abc:c400::/70 2016:1234:5678:9abc:c800::/72 2016:1234:5678:9abc:c900::/74]")
        let errors = [
            (#"net.CIDRSubnetSizes "10.1.0.0/16""#, "wrong number of args: want 2 or more, got 1"),
            (#"net.CIDRSubnetSizes"#, "wrong number of args: want 2 or more, got 0"),
            (#"net.CIDRSubnetSizes 32 "10.1.0.0/16""#, "would extend prefix to 48 bits, which is too long for an IPv4 address"),
            (#"net.CIDRSubnetSizes 127 "ffff::/48""#, "may not extend prefix by more than 32 bits"),
            (#"net.CIDRSubnetSizes -1 "10.1.0.0/16""#, "must extend prefix by at least one bit"),
            (#"net.CIDRSubnetSizes 1 "x" "10.1.0.0/16""#, #"newbits must be numbers: could not convert "x" to int64: strconv.ParseFloat: parsing "x": invalid syntax"#),
            (#"net.CIDRSubnetSizes 1 1 1 "10.1.0.0/16""#, "not enough remaining address space for a subnet with a prefix of 17 bits after 10.1.128.0/17"),
            // gomplate starts from the subnet before the network, so one at the first address fails (as gomplate's does).
            (#"net.CIDRSubnetSizes 8 "0.0.0.0/0""#, "not enough remaining address space for a subnet with a prefix of 8 bits after invalid Prefix"),
        ]
        for (call, message) in errors { #expect(renderedOrError("<<< \(call) >>>").hasSuffix("error calling CIDRSubnetSizes: " + message), "\(call)") }
    }

    /// Only names the hosts file holds: the machines that run the tests have no name server to
    /// ask, and these functions ask the system's resolver.
    @Test func lookupsOfHostsFileNames() {
        #expect(renderedOrError(#"<<< net.LookupIP "localhost" >>> <<< net.LookupIPs "localhost" >>> <<< net.LookupCNAME "localhost" >>>"#)
            == "127.0.0.1 [127.0.0.1] localhost.")
        #expect(renderedOrError(#"<<< net.LookupIP "127.0.0.1" >>> <<< net.LookupIPs "::1" >>>"#) == "127.0.0.1 []")
        #expect(renderedOrError(#"<<< net.LookupIP "" >>>"#).hasSuffix("error calling LookupIP: lookup : no such host"))
        #expect(renderedOrError(#"<<< net.LookupSRV "" >>>"#).hasSuffix("error calling LookupSRV: lookup : no such host"))
    }

    @Test func lookupsAreNeverCachedAndTheRestArePure() {
        for name in ["net.LookupIP", "net.LookupIPs", "net.LookupCNAME", "net.LookupSRV", "net.LookupSRVs", "net.LookupTXT"] {
            #expect(FunctionTable.gomplate.inputs(ofCalled: name) == .network, "\(name)")
        }
        for name in ["net.ParseAddr", "net.ParsePrefix", "net.ParseRange", "net.CIDRHost", "net.CIDRNetmask", "net.CIDRSubnets",
                     "net.CIDRSubnetSizes", "semver.Semver", "semver.CheckConstraint"] {
            #expect(FunctionTable.gomplate.inputs(ofCalled: name).isEmpty, "\(name)")
        }
    }

    @Test func resolverConfigurationIsReadAsGoReadsIt() {
        let client = DNSClient(resolvConf: """
            # a comment
            nameserver 10.0.0.53
            nameserver fd00::53
            nameserver not-an-address
            search corp.example lab.example
            options ndots:2 timeout:3 attempts:4
            """, hostName: "build.other.example")
        #expect(client.servers.map(\.description) == ["10.0.0.53:53", "[fd00::53]:53"])
        #expect(client.search == ["corp.example.", "lab.example."])
        #expect((client.ndots, client.timeout, client.attempts) == (2, 3, 4))
        // Fewer dots than ndots: the search domains first; enough dots or a final dot: the name first or alone.
        #expect(client.candidates("db") == ["db.corp.example.", "db.lab.example.", "db."])
        #expect(client.candidates("_x._tcp.db") == ["_x._tcp.db.", "_x._tcp.db.corp.example.", "_x._tcp.db.lab.example."])
        #expect(client.candidates("db.example.") == ["db.example."])
        // No name server and no search line: the local server, and the host name's domain.
        let defaults = DNSClient(resolvConf: "", hostName: "build.other.example")
        #expect(defaults.servers.map(\.description) == ["127.0.0.1:53", "[::1]:53"])
        #expect(defaults.search == ["other.example."])
    }

    @Test func srvRecordsAreOrderedByPriority() {
        let records = [(20, 1), (10, 0), (30, 5), (10, 0)].enumerated().map { index, record in
            DNSClient.SRVRecord(target: "host\(index).", port: 5060, priority: record.0, weight: record.1)
        }
        for _ in 0..<20 {
            #expect(orderedByPriorityAndWeight(records).map(\.priority) == [10, 10, 20, 30])
        }
        // Within one priority, a record of weight 0 comes after the weighted ones.
        let weighted = [DNSClient.SRVRecord(target: "zero.", port: 1, priority: 1, weight: 0),
                        DNSClient.SRVRecord(target: "heavy.", port: 1, priority: 1, weight: 100)]
        #expect(orderedByPriorityAndWeight(weighted).map(\.target) == ["heavy.", "zero."])
    }
}

/// A real name server, dnsmasq, on 127.0.0.1 serving SRV and TXT records (and refusing every
/// other name: it has no upstream), asked by `DNSClient` as `net.LookupSRV` and `net.LookupTXT`
/// ask the servers of /etc/resolv.conf.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/dnsmasq"),
                "dnsmasq is not installed (Debian package dnsmasq-base; `make test` installs it)"))
struct DNSClientTests {
    /// A TXT record too long for a 1232-byte UDP answer, so that it comes over TCP.
    static let longStrings = (0..<6).map { index in String(repeating: Character(String(index)), count: 250) }

    final class NameServer {
        private(set) var process = Process()
        private(set) var port = 0
        let log: TemporaryFolder

        /// Tries three free ports: dnsmasq also listens on TCP at the port found free for UDP,
        /// where another program may be, and then exits at once.
        init() throws {
            log = try TemporaryFolder("dnsmasq")
            var failures: [String] = []
            for _ in 0..<3 {
                if let failure = try start() { failures.append(failure) } else { return }
            }
            throw SupportError("dnsmasq did not start: " + failures.joined(separator: "; "))
        }

        /// nil once dnsmasq answers; else why not.
        private func start() throws -> String? {
            process = Process()
            port = try freeUDPPort()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/dnsmasq")
            process.arguments = [
                "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--pid-file=",
                "--listen-address=127.0.0.1", "--bind-interfaces", "--port=\(port)", "--user=\(NSUserName())",
                "--log-facility=\(log.child("log"))",
                "--srv-host=_sip._udp.example.test,sip2.example.test,5061,20,1",
                "--srv-host=_sip._udp.example.test,sip1.example.test,5060,10,1",
                "--txt-record=example.test,v=spf1 -all",
                "--txt-record=example.test,first,second",
                "--txt-record=long.example.test," + DNSClientTests.longStrings.joined(separator: ","),
                // Names under example.test that are not configured do not exist (NXDOMAIN).
                "--local=/example.test/",
            ]
            let errors = log.child("stderr-\(port)")
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
            try process.run()
            // Ready when it answers; a loaded machine may take a while.
            let client = self.client
            let deadline = Date().addingTimeInterval(30)
            while (try? client.lookupTXT("example.test")) == nil {
                guard process.isRunning, Date() < deadline else {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    let said = [errors, log.child("log")].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined()
                    return "port \(port): " + (said.isEmpty ? "no answer within 30 s" : said)
                }
                usleep(50_000)
            }
            return nil
        }

        var client: DNSClient {
            DNSClient(servers: [DNSClient.Server(address: NetAddr(v4: [127, 0, 0, 1]), port: UInt16(port))],
                      search: ["example.test"], timeout: 2, attempts: 1)
        }

        deinit {
            // SIGKILL: dnsmasq started from the test runner keeps running after a SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func srvRecordsComeByPriority() throws {
        let server = try NameServer()
        let records = try server.client.lookupSRV("_sip._udp.example.test")
        #expect(records == [
            DNSClient.SRVRecord(target: "sip1.example.test.", port: 5060, priority: 10, weight: 1),
            DNSClient.SRVRecord(target: "sip2.example.test.", port: 5061, priority: 20, weight: 1),
        ])
        // As templates and toJSON see gomplate's *net.SRV.
        let json = try call("data.ToJSON", records[0].value)
        #expect(json.textIfString == #"{"Port":5060,"Priority":10,"Target":"sip1.example.test.","Weight":1}"#)
        // The search domain completes a short name.
        #expect(try server.client.lookupSRV("_sip._udp").map(\.port) == [5060, 5061])
    }

    @Test func txtRecordsJoinTheirStrings() throws {
        let server = try NameServer()
        #expect(try server.client.lookupTXT("example.test").sorted() == ["firstsecond", "v=spf1 -all"])
        // 1,500 bytes of text: truncated over UDP, asked again over TCP.
        #expect(try server.client.lookupTXT("long.example.test") == [DNSClientTests.longStrings.joined()])
    }

    @Test func missingRecordsAreGosNoSuchHost() throws {
        let server = try NameServer()
        let address = "127.0.0.1:\(server.port)"
        #expect(failure { try server.client.lookupTXT("nothing.example.test") }
            == "lookup nothing.example.test on \(address): no such host")
        // The name exists, but has no SRV record.
        #expect(failure { try server.client.lookupSRV("example.test") } == "lookup example.test on \(address): no such host")
    }

    @Test func aServerThatDoesNotAnswerTimesOut() throws {
        let silent = DNSClient(servers: [DNSClient.Server(address: NetAddr(v4: [127, 0, 0, 1]), port: UInt16(try freeUDPPort()))],
                               timeout: 1, attempts: 1)
        // Nothing listens: the kernel refuses the datagram, or nothing comes back in time.
        do {
            _ = try silent.lookupTXT("example.test.")
            Issue.record("a lookup with no server answered")
        } catch let error as FunctionError {
            #expect(error.message.hasPrefix("lookup example.test. on 127.0.0.1:"))
            #expect(error.message.hasSuffix(": i/o timeout") || error.message.hasSuffix(": Connection refused"), "\(error)")
        }
    }
}

/// The message of the error `body` throws, nil when it throws none.
private func failure(_ body: () throws -> Any) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// A UDP port on 127.0.0.1 that nothing is bound to right now.
private func freeUDPPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard descriptor >= 0 else { throw SupportError("socket() failed: errno \(errno)") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
        }
    }
    guard bound else { throw SupportError("bind() to 127.0.0.1:0 failed: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
