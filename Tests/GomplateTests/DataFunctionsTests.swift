import Testing
@testable import Gomplate
@testable import Template

/// gomplate's data namespace: expectations from gomplate's parsers tests and docs, and from Go's
/// encoding/csv.
@Suite struct DataFunctionsTests {
    private func errorMessage(_ body: () throws -> Value) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as FunctionError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func yamlFunctions() throws {
        #expect(try goPrint(try call("yaml", .string("foo: bar"))) == "map[foo:bar]")
        #expect(try goPrint(try call("data.YAMLArray", .string("- foo\n- bar\n"))) == "[foo bar]")
        #expect(try goPrint(try call("yamlArray", .string(#"["foo","bar"]"#))) == "[foo bar]")
        #expect(try call("toYAML", .map(MapValue(["name": .string("Frank"), "age": .int(42)]))).gomplateString()
                == "age: 42\nname: Frank\n")
        // libyaml reports the end of the input, where it looked for the missing node.
        #expect(errorMessage { try call("yaml", .string("foo: [")) } == "yaml:2:1: did not find expected node content")
    }

    @Test func csvReadsLikeGo() throws {
        #expect(try goPrint(try call("csv", .string("first,second,third\n1,2,3\n4,5,6"))) == "[[first second third] [1 2 3] [4 5 6]]")
        #expect(try goPrint(try call("data.CSV", .string(";"), .string("first;second;third\r\n1;2;3\r\n4;5;6\r\n")))
                == "[[first second third] [1 2 3] [4 5 6]]")
        #expect(try goPrint(try call("csv", .string(""))) == "[[]]")
        #expect(try goPrint(try call("csv", .string("\n"))) == "[[]]")
        #expect(try goPrint(try call("csv", .string("foo"))) == "[[foo]]")
        #expect(try goPrint(try call("csv", .string("A,B\nA1,B1\nA2,\"foo\"\"\nbar\"\n"))) == "[[A B] [A1 B1] [A2 foo\"\nbar]]")
        #expect(errorMessage { try call("csv", .string("a,b\n1,2,3\n")) } == "record on line 2: wrong number of fields")
        #expect(errorMessage { try call("csv", .string("a,b\"c\n")) } == "parse error on line 1, column 4: bare \" in non-quoted-field")
        #expect(errorMessage { try call("csv", .string("\"a\"b,c\n")) } == "parse error on line 1, column 3: extraneous or missing \" in quoted-field")
        #expect(errorMessage { try call("csv", .string("x,\"abc\n")) } == "parse error on line 1, column 8: extraneous or missing \" in quoted-field")
        #expect(errorMessage { try call("csv", .string("\"a\nb\"c\n")) }
                == "record on line 1; parse error on line 2, column 2: extraneous or missing \" in quoted-field")
        #expect(try goPrint(try call("csv", .string("a,\"b\"\"c\"\r\nd,e\r"))) == "[[a b\"c] [d e]]")
    }

    @Test func csvByRowAndColumn() throws {
        let input = Value.string("first,second,third\n1,2,3\n4,5,6")
        #expect(try goPrint(try call("csvByRow", input)) == "[map[first:1 second:2 third:3] map[first:4 second:5 third:6]]")
        #expect(try goPrint(try call("csvByRow", .string("first,second,third"), .string("1,2,3\n4,5,6")))
                == "[map[first:1 second:2 third:3] map[first:4 second:5 third:6]]")
        #expect(try goPrint(try call("csvByRow", .string(""), .string("1,2,3\n4,5,6"))) == "[map[A:1 B:2 C:3] map[A:4 B:5 C:6]]")
        let wide = Array(repeating: "1", count: 30).joined(separator: ",")
        if case .list(let rows) = try call("csvByRow", .string(""), .string(wide)), case .map(let row) = rows.first {
            // gomplate's autoIndex: A…Z, then AA, BB, CC, DD.
            let letters = (65...90).map { String(UnicodeScalar(UInt8($0))) }
            #expect(row.sortedKeys == (letters + ["AA", "BB", "CC", "DD"]).sorted())
        } else {
            Issue.record("no rows")
        }
        #expect(try goPrint(try call("data.CSVByColumn", .string(";"), .string("first;second;third"), .string("1;2;3\n4;5;6")))
                == "map[first:[1 4] second:[2 5] third:[3 6]]")
        #expect(try goPrint(try call("csvByColumn", .string("\t"), .string("lang\tkeywords\nC\t32\nGo\t25")))
                == "map[keywords:[32 25] lang:[C Go]]")
        #expect(errorMessage { try call("csvByColumn", .string(";"), .string("lang,keywords"), .string("C;32\nGo;25")) }
                == "runtime error: index out of range [1] with length 1")
    }

    @Test func toCSVWritesCRLF() throws {
        let rows = Value.list([.list([.string("first"), .string("second")]), .list([.int(1), .string("2")])])
        #expect(try call("data.ToCSV", rows).gomplateString() == "first,second\r\n1,2\r\n")
        #expect(try call("toCSV", .string(";"), rows).gomplateString() == "first;second\r\n1;2\r\n")
        let tricky = Value.list([.list([.string("a\"b"), .string("c,d"), .string(" lead"), .string("x\ny"), .string(""),
                                        .string("\\."), .string("r\rs")])])
        #expect(try call("toCSV", tricky).gomplateString() == "\"a\"\"b\",\"c,d\",\" lead\",\"x\r\ny\",,\"\\.\",\"rs\"\r\n")
        #expect(throws: FunctionError.self) { try call("toCSV", .int(42), rows) }
        #expect(throws: FunctionError.self) { try call("toCSV", .list([.int(1)])) }
    }

    @Test func tomlParsesDocuments() throws {
        let document = """
            # This is a TOML document. Boom.

            title = "TOML Example"

            [owner]
            name = "Tom Preston-Werner"
            bio = "GitHub Cofounder & CEO\\nLikes tater tots and beer."
            dob = 1979-05-27T07:32:00Z # First class dates? Why not?

            [database]
            server = "192.168.1.1"
            ports = [ 8001, 8001, 8002 ]
            connection_max = 5_000
            enabled = true
            ratio = 0.5

              [servers.alpha]
              ip = "10.0.0.1"

            [clients]
            data = [ ["gamma", "delta"], [1, 2] ] # nested arrays
            hosts = [
              "alpha",
              "omega", # trailing comma
            ]
            inline = { a = 1, "b c" = 'lit\\eral' }

            [[products]]
            name = "Hammer"

            [[products]]
            name = "Nail"
            """
        let value = try call("toml", .string(document))
        #expect(try goPrint(value) == "map[clients:map[data:[[gamma delta] [1 2]] hosts:[alpha omega] inline:map[a:1 b c:lit\\eral]] "
                + "database:map[connection_max:5000 enabled:true ports:[8001 8001 8002] ratio:0.5 server:192.168.1.1] "
                + "owner:map[bio:GitHub Cofounder & CEO\nLikes tater tots and beer. dob:1979-05-27T07:32:00Z name:Tom Preston-Werner] "
                + "products:[map[name:Hammer] map[name:Nail]] servers:map[alpha:map[ip:10.0.0.1]] title:TOML Example]")
        #expect(try goPrint(try call("toml", .string("# comment\nfoo = \"bar\"\n\n[baz]\nqux = \"quux\""))) == "map[baz:map[qux:quux] foo:bar]")
        #expect(throws: FunctionError.self) { try call("toml", .string("a = 1\na = 2\n")) }
        #expect(throws: FunctionError.self) { try call("toml", .string("a = \n")) }
    }

    @Test func toTOMLMatchesBurntSushi() throws {
        let value = Value.map(MapValue([
            "foo": .string("bar"), "one": .int(1), "true": .bool(true),
            "down": .map(MapValue(["the": .map(MapValue(["rabbit": .map(MapValue(["hole": .bool(true)]))]))])),
        ]))
        #expect(try call("toTOML", value).gomplateString()
                == "foo = \"bar\"\none = 1\ntrue = true\n\n[down]\n  [down.the]\n    [down.the.rabbit]\n      hole = true\n")
        #expect(try call("data.ToTOML", .map(MapValue(["f": .float(2), "l": .list([.int(1), .string("a")])]))).gomplateString()
                == "f = 2.0\nl = [1, \"a\"]\n")
    }
}
