import Testing
@testable import Gomplate
@testable import Template

/// gomplate's conv semantics; the expectations were produced by Go (strconv, net/url) running
/// gomplate's conv/conv.go logic.
@Suite struct ConvFunctionsTests {
    @Test func toInt64ParsesLikeGomplate() throws {
        let cases: [(String, Int)] = [
            ("42", 42), ("0x42", 66), ("0o17", 15), ("017", 15), ("0b101", 5), ("-0x10", -16),
            ("1_000", 1000), ("1,234", 1234), ("3.99", 3), ("-3.99", -3), ("1e3", 1000),
            ("9223372036854775807", Int.max), ("9223372036854775808", Int.min), ("Inf", Int.min),
            ("nan", Int.min), ("0x1p-2", 0), ("08", 8), ("+5", 5),
        ]
        for (text, expected) in cases {
            #expect(try Value.string(text).gomplateStrictInt() == expected, "\(text)")
        }
        #expect(Value.bool(true).gomplateInt == 1)
        #expect(Value.float(-2.7).gomplateInt == -2)
        #expect(Value.string("foo").gomplateInt == 0)
    }

    @Test func toInt64ReportsWhatItCannotConvert() throws {
        #expect(throws: FunctionError.self) { try Value.string("foo").gomplateStrictInt() }
        do {
            _ = try Value.string("1__0").gomplateStrictInt()
        } catch let error as FunctionError {
            #expect(error.message == #"could not convert "1__0" to int64: strconv.ParseFloat: parsing "1__0": invalid syntax"#)
        } catch {
            Issue.record("unexpected \(error)")
        }
        do {
            _ = try Value.null.gomplateStrictInt()
        } catch let error as FunctionError {
            #expect(error.message == "could not convert <nil> to int64")
        } catch {
            Issue.record("unexpected \(error)")
        }
        do {
            _ = try Value.string("1e400").gomplateStrictFloat()
        } catch let error as FunctionError {
            #expect(error.message == #"could not convert "1e400" to float64: strconv.ParseFloat: parsing "1e400": value out of range"#)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func toFloat64() throws {
        #expect(try Value.string("8.233e-1").gomplateStrictFloat() == 0.8233)
        #expect(try Value.string("9,000.09").gomplateStrictFloat() == 9000.09)
        #expect(try Value.string("0x42").gomplateStrictFloat() == 66)
        #expect(try Value.string("0x1p-2").gomplateStrictFloat() == 0.25)
        #expect(try Value.string("Inf").gomplateStrictFloat() == .infinity)
        #expect(Value.string(" 1").gomplateFloat == 0)
    }

    @Test func toBoolFollowsGomplate() {
        for text in ["1", "t", "T", "true", "TRUE", "yes", "Yes", "0x01", "1.0"] {
            #expect(Value.string(text).gomplateBool, "\(text)")
        }
        for text in ["0", "f", "false", "no", "on", "blah", "0x42", ""] {
            #expect(!Value.string(text).gomplateBool, "\(text)")
        }
        #expect(Value.int(1).gomplateBool)
        #expect(!Value.int(2).gomplateBool)
        #expect(Value.float(1).gomplateBool)
        #expect(!Value.null.gomplateBool)
    }

    @Test func toStringUsesGoPrintExceptForNilAndBytes() throws {
        #expect(try Value.null.gomplateString() == "nil")
        #expect(try Value.bytes(Array("hi".utf8)).gomplateString() == "hi")
        #expect(try Value.float(1e6).gomplateString() == "1e+06")
        #expect(try Value.map(MapValue(["foo": .string("bar")])).gomplateString() == "map[foo:bar]")
        #expect(try Value.list([.int(1), .null]).gomplateString() == "[1 <nil>]")
    }

    @Test func strconvParsers() {
        #expect(goMustParseInt("ff", base: 16, bitSize: 64) == 255)
        #expect(goMustParseInt("FFFFFFFFFFFFFFFF", base: 16, bitSize: 64) == Int.max)
        #expect(goMustParseInt("-129", base: 10, bitSize: 8) == -128)
        #expect(goMustParseInt("128", base: 10, bitSize: 8) == 127)
        #expect(goMustParseInt("zz", base: 36, bitSize: 64) == 1295)
        #expect(goMustParseInt("1_0", base: 10, bitSize: 64) == 0)
        #expect(goMustParseInt("1_0", base: 0, bitSize: 64) == 10)
        #expect(goMustParseUint("FFFFFFFFFFFFFFFF", base: 16, bitSize: 64) == UInt64.max)
        #expect(goMustParseFloat("-1e400") == -.infinity)
        #expect(goMustParseFloat("abc") == 0)

        let messages: [(Result<Int, FunctionError>, String)] = [
            (goParseInt("12", base: 1, bitSize: 64), #"strconv.ParseInt: parsing "12": invalid base 1"#),
            (goParseInt("12", base: 10, bitSize: 65), #"strconv.ParseInt: parsing "12": invalid bit size 65"#),
            (goParseInt("-", base: 10, bitSize: 64), #"strconv.ParseInt: parsing "-": invalid syntax"#),
            (goParseInt("-129", base: 10, bitSize: 8), #"strconv.ParseInt: parsing "-129": value out of range"#),
        ]
        for (result, message) in messages {
            if case .failure(let error) = result {
                #expect(error.message == message)
            } else {
                Issue.record("expected \(message)")
            }
        }
        let floats: [(String, Double?)] = [
            ("1.5", 1.5), ("0x1.8p1", 3), ("0x10", nil), (".5", 0.5), ("5.", 5), ("1_000.5", 1000.5),
            ("inf", .infinity), ("+Infinity", .infinity), ("-nan", nil), ("1e", nil), ("1e+", nil), ("1e400", nil),
        ]
        for (text, expected) in floats {
            switch goParseFloat(text) {
            case .success(let f): #expect(f == expected, "\(text)")
            case .failure: #expect(expected == nil, "\(text)")
            }
        }
    }

    @Test func convFunctions() throws {
        #expect(try call("conv.Default", .string("foo"), .string("")).gomplateString() == "foo")
        #expect(try call("default", .string("baz"), .string("bar")).gomplateString() == "bar")
        if case .int(let n) = try call("conv.ToInt", .string("0x42")) { #expect(n == 66) } else { Issue.record("not an int") }
        #expect(try goPrint(try call("conv.ToInt64s", .bool(true), .int(0x42), .string("123,456.99"), .string("1.2345e+3"))) == "[1 66 123456 1234]")
        #expect(try goPrint(try call("conv.ToFloat64s", .bool(true), .int(0x42), .string("123,456.99"), .string("1.2345e+3"))) == "[1 66 123456.99 1234.5]")
        #expect(try goPrint(try call("conv.ToBools", .string("yes"), .bool(true), .string("0x01"))) == "[true true true]")
        #expect(try goPrint(try call("conv.ToStrings", .null, .int(42), .bool(true), .int(15), .list([.int(1), .int(2)]))) == "[nil 42 true 15 [1 2]]")
        #expect(try call("conv.Join", .list([.int(1), .string("a"), .null]), .string("-")).gomplateString() == "1-a-nil")
        #expect(throws: FunctionError.self) { try call("join", .string("abc"), .string("-")) }
        #expect(try goPrint(try call("conv.ParseInt", .string("FFFFFFFFFFFFFFFF"), .int(16), .int(64))) == "9223372036854775807")
        #expect(try goPrint(try call("conv.ParseUint", .string("FFFFFFFFFFFFFFFF"), .int(16), .int(64))) == "18446744073709551615")
        #expect(try goPrint(try call("conv.Atoi", .string("12x"))) == "0")
        #expect(FunctionTable.gomplate["conv.Bool"] == nil)
        #expect(FunctionTable.gomplate["bool"] == nil)
    }

    @Test func hasLooksAtKeysAndElements() throws {
        let map = Value.map(MapValue(["foo": .map(MapValue(["bar": .bool(true)]))]))
        #expect(try call("has", map, .string("foo")).isTruthy)
        #expect(try !call("conv.Has", map, .string("bah")).isTruthy)
        #expect(try call("has", .list([.int(1), .string("a")]), .string("a")).isTruthy)
        // DeepEqual: the float 1 is not the int 1.
        #expect(try !call("has", .list([.int(1)]), .float(1)).isTruthy)
    }

    @Test func urlParsesLikeNetURL() throws {
        let url = try GoURL(parsing: "https://user:supersecret@example.com:8443/foo/bar?q=1&r=a+b#frag")
        #expect(try url.member("Scheme", arguments: [])?.gomplateString() == "https")
        #expect(try url.member("Host", arguments: [])?.gomplateString() == "example.com:8443")
        #expect(try url.member("Path", arguments: [])?.gomplateString() == "/foo/bar")
        #expect(try url.member("RawQuery", arguments: [])?.gomplateString() == "q=1&r=a+b")
        #expect(try url.member("Fragment", arguments: [])?.gomplateString() == "frag")
        #expect(try url.member("Hostname", arguments: [])?.gomplateString() == "example.com")
        #expect(try url.member("Port", arguments: [])?.gomplateString() == "8443")
        #expect(try url.member("Redacted", arguments: [])?.gomplateString()
                == "https://user:xxxxx@example.com:8443/foo/bar?q=1&r=a+b#frag")
        #expect(try goPrint(url.member("Query", arguments: []) ?? .null) == "map[q:[1] r:[a b]]")
        #expect(try url.member("User", arguments: []).map(goPrintForMessage) == "user:supersecret")

        let expectations: [(String, String)] = [
            ("zzz:///", "zzz:///"), ("mailto:joe@example.com", "mailto:joe@example.com"),
            ("/relative/path?x", "/relative/path?x"), ("http://[::1]:80/a%20b", "http://[::1]:80/a%20b"),
            ("foo:bar/baz", "foo:bar/baz"), ("http://example.com/a?", "http://example.com/a?"), ("//host/p", "//host/p"),
        ]
        for (text, string) in expectations {
            #expect(try GoURL(parsing: text).goDescription == string)
        }
        #expect(try GoURL(parsing: "http://[::1]:80/a%20b").member("Hostname", arguments: [])?.gomplateString() == "::1")
        #expect(try GoURL(parsing: "http://[::1]:80/a%20b").member("Path", arguments: [])?.gomplateString() == "/a b")
        #expect(try GoURL(parsing: "mailto:joe@example.com").member("Opaque", arguments: [])?.gomplateString() == "joe@example.com")

        let errors: [(String, String)] = [
            ("http://a b/", #"parse "http://a b/": invalid character " " in host name"#),
            ("::", #"parse "::": missing protocol scheme"#),
        ]
        for (text, message) in errors {
            do {
                _ = try GoURL(parsing: text)
                Issue.record("\(text) parsed")
            } catch let error as FunctionError {
                #expect(error.message == message)
            }
        }
    }
}
