import Testing
@testable import Gomplate
@testable import Template

/// gomplate's toJSON/toJSONPretty (ugorji's encoder, Go's json.Indent) and JSON decoding through
/// the YAML decoder. Pretty output was checked against Go's json.Indent of the compact output.
@Suite struct JSONTests {
    private let sample = Value.map(MapValue([
        "b": .list([.int(1), .float(2.5), .float(3), .null, .bool(true)]),
        "a": .map(MapValue()),
        "c": .list([]),
        "d": .map(MapValue(["x": .string("<&>\u{2028}\n\t\u{1}é😀\"\\")])),
    ]))

    @Test func compactSortsKeysAndEscapesLikeUgorji() throws {
        #expect(try encodeJSON(sample)
                == #"{"a":{},"b":[1,2.5,3.0,null,true],"c":[],"d":{"x":"\u003c\u0026\u003e\u2028\n\t\u0001é😀\"\\"}}"#)
        #expect(try encodeJSON(.null) == "null")
        #expect(try encodeJSON(.string("x")) == #""x""#)
        #expect(try encodeJSON(.bytes(Array("hi".utf8))) == #""aGk=""#)
        #expect(try encodeJSON(.string("\u{8}\u{c}")) == #""\b\f""#)
    }

    @Test func floatsKeepAFractionOrExponent() throws {
        let cases: [(Double, String)] = [
            (0, "0.0"), (-0.0, "-0.0"), (1, "1.0"), (-1, "-1.0"), (123456789, "123456789.0"), (0.1, "0.1"),
            (1e21, "1e+21"), (1e-7, "1e-07"), (1.5e300, "1.5e+300"), (1e20, "100000000000000000000.0"),
            (.nan, "null"), (.infinity, "null"),
        ]
        for (number, text) in cases {
            #expect(try encodeJSON(.float(number)) == text, "\(number)")
        }
    }

    @Test func prettyIndentsLikeJSONIndent() throws {
        #expect(try encodeJSONPretty(sample, indent: "  ") == """
            {
              "a": {},
              "b": [
                1,
                2.5,
                3.0,
                null,
                true
              ],
              "c": [],
              "d": {
                "x": "\\u003c\\u0026\\u003e\\u2028\\n\\t\\u0001é😀\\"\\\\"
              }
            }
            """)
        let nested = Value.map(MapValue(["foo": .map(MapValue(["bar": .map(MapValue(["baz": .string("qux")]))]))]))
        #expect(try encodeJSONPretty(nested, indent: "") == "{\n\"foo\": {\n\"bar\": {\n\"baz\": \"qux\"\n}\n}\n}")
        #expect(try encodeJSONPretty(.list([.list([.int(1)]), .map(MapValue(["k": .list([])]))]), indent: "\t")
                == "[\n\t[\n\t\t1\n\t],\n\t{\n\t\t\"k\": []\n\t}\n]")
    }

    @Test func decodingJSONGivesYAMLTypes() throws {
        let value = try decodeYAMLObject(#"{"one": 1, "half": 0.5, "big": 1e3, "s": "\u221e\n", "t": true, "n": null, "l": [1, "2"]}"#,
                                         sourceName: "json")
        #expect(try goPrint(value) == "map[big:1000 half:0.5 l:[1 2] n:<nil> one:1 s:∞\n t:true]")
        if case .map(let map) = value {
            #expect(map.entries["one"]?.goTypeName == "int")
            #expect(map.entries["big"]?.goTypeName == "float64")
        }
        #expect(try goPrint(try decodeYAMLArray(#"["foo","bar",{"quux":{"42":18}}]"#, sourceName: "json")) == "[foo bar map[quux:map[42:18]]]")
    }

    @Test func dataFunctionsRoundTrip() throws {
        let parsed = try call("data.JSON", .string(#"{"foo":{"hello":"world"}}"#))
        guard case .map(let map) = parsed, let foo = map.entries["foo"] else {
            Issue.record("no foo")
            return
        }
        #expect(try call("toJSON", foo).gomplateString() == #"{"hello":"world"}"#)
        #expect(try call("data.ToJSONPretty", .string("  "), foo).gomplateString() == "{\n  \"hello\": \"world\"\n}")
        #expect(try call("toJSON", .map(MapValue(["1": .int(2), "3": .string("")]))).gomplateString() == #"{"1":2,"3":""}"#)
        #expect(throws: FunctionError.self) { try call("json", .string("{")) }
        #expect(throws: FunctionError.self) { try call("json", .string("[1]")) }
    }
}
