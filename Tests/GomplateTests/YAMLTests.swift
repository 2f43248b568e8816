import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// The YAML decoder (yaml.v3's typing, gomplate's key handling) and encoder (gomplate's toYAML).
@Suite struct YAMLTests {
    private func decode(_ text: String) throws -> Value {
        try decodeYAMLValue(text, sourceName: "in.yaml")
    }

    private func errorMessage(_ text: String) -> String? {
        do {
            _ = try decode(text)
            return nil
        } catch let error as FunctionError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func plainScalarsAreTypedLikeYAMLv3() throws {
        let value = try decode("""
            a: 1
            b: 1.5
            c: yes
            d: True
            e: ~
            f: 0777
            g: 0x1F
            h: 1_000
            i: "12"
            j: .inf
            k: 08
            l: 2001-12-14
            m: off
            n: null
            o: 1e3
            p: -0b101
            q: +12
            r: ''
            s:
            """)
        guard case .map(let map) = value else {
            Issue.record("not a map")
            return
        }
        let expected: [String: String] = [
            "a": "int 1", "b": "float64 1.5", "c": "string yes", "d": "bool true", "e": "<nil> <nil>",
            "f": "int 511", "g": "int 31", "h": "int 1000", "i": "string 12", "j": "float64 +Inf",
            "k": "float64 8", "l": "string 2001-12-14", "m": "string off", "n": "<nil> <nil>",
            "o": "float64 1000", "p": "int -5", "q": "int 12", "r": "string ", "s": "<nil> <nil>",
        ]
        for (key, description) in expected {
            let element = map.entries[key] ?? .string("missing")
            #expect("\(element.goTypeName) \(try goPrint(element))" == description, "\(key)")
        }
    }

    @Test func explicitTags() throws {
        let value = try decode("a: !!str 123\nb: !!float 3\nc: !!int \"7\"\nd: !custom x\ne: !!binary aGk=\n")
        #expect(try goPrint(value) == "map[a:123 b:3 c:7 d:x e:hi]")
        if case .map(let map) = value {
            #expect(map.entries["a"]?.goTypeName == "string")
            #expect(map.entries["b"]?.goTypeName == "float64")
            #expect(map.entries["c"]?.goTypeName == "int")
        }
        #expect(errorMessage("a: !!int foo\n") == "in.yaml:1:4: cannot decode !!str `foo` as a !!int")
    }

    @Test func keysFollowGomplate() throws {
        // The top-level map keeps keys as written; nested maps type them and print them.
        let value = try decode("1.50: top\nn:\n  1.50: x\n  ~: nul\n  true: t\n  0x10: h\n")
        #expect(try goPrint(value) == "map[1.50:top n:map[1.5:x 16:h nil:nul true:t]]")
    }

    @Test func anchorsAndMergeKeys() throws {
        let value = try decode("""
            base: &b
              x: 1
              y: 2
            other: &o
              z: 3
            q:
              <<: [*b, *o]
              y: 9
            """)
        #expect(try goPrint(value) == "map[base:map[x:1 y:2] other:map[z:3] q:map[x:1 y:9 z:3]]")
    }

    @Test func aliasExpansionIsLimitedAsInYAMLv3() throws {
        let started = ContinuousClock.now
        let decoders: [(String) throws -> Value] = [
            { try decodeYAMLValue($0, sourceName: "in.yaml") }, { try decodeYAMLObject($0, sourceName: "in.yaml") },
            { .list(try decodeYAMLDocuments($0, sourceName: "in.yaml")) },
            { try decodeYAMLArray("- " + $0.replacingOccurrences(of: "\n", with: "\n  "), sourceName: "in.yaml") },
        ]
        for decode in decoders {
            #expect(throws: FunctionError.self) { _ = try decode(aliasBomb) }
        }
        // At the alias that tips the count, found before anything is built for it.
        #expect(errorMessage(aliasBomb) == "in.yaml:4:11: document contains excessive aliasing")
        #expect(ContinuousClock.now - started < .seconds(5))
        // Through merge keys too.
        let mergeBomb = aliasBomb + "j: {<<: [" + Array(repeating: "{x: *i}", count: 9).joined(separator: ",") + "]}\n"
        #expect(errorMessage(mergeBomb)?.hasSuffix("document contains excessive aliasing") == true)
    }

    @Test func anAliasedCollectionAsAKeyIsStopped() {
        // Comparing keys in full would hang on an alias of the bomb as a key.
        let started = ContinuousClock.now
        let keyBomb = aliasBomb.split(separator: "\n").dropLast().joined(separator: "\n")
            + "\nj: {? *h : 1}\n"
        #expect(errorMessage(keyBomb)?.hasSuffix("document contains excessive aliasing") == true)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func moderateAliasingStillDecodes() throws {
        // 5^4 = 625 strings from 5 anchors: far below yaml.v3's threshold of 1,000 nodes.
        var lines = [#"a: &a ["x","x","x","x","x"]"#]
        for (name, previous) in [("b", "a"), ("c", "b"), ("d", "c")] {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 5).joined(separator: ",") + "]")
        }
        guard case .map(let map) = try decode(lines.joined(separator: "\n")), case .list(let d)? = map["d"] else {
            Issue.record("not a map with a list d")
            return
        }
        #expect(d.count == 5)
    }

    @Test func nestingIsBoundedWithAnErrorNotAStackOverflow() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(errorMessage(deep) == "in.yaml:1:1001: document nests deeper than 1000 levels")
        let deepBlock = (0..<1_500).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
        #expect(errorMessage(deepBlock) != nil)
        // Aliases nest past the parser's limit: four anchors of 900 levels each.
        var lines = ["x0: &x0 " + String(repeating: "[", count: 900) + "1" + String(repeating: "]", count: 900)]
        for level in 1...3 {
            lines.append("x\(level): &x\(level) " + String(repeating: "[", count: 900) + "*x\(level - 1)"
                         + String(repeating: "]", count: 900))
        }
        #expect(errorMessage(lines.joined(separator: "\n")) == "in.yaml:1:108: document nests deeper than 1000 levels")
    }

    @Test func anAliasOfItselfIsAnError() {
        #expect(errorMessage("&a [*a]") == "in.yaml:1:5: found undefined alias")
    }

    @Test func documents() throws {
        #expect(try goPrint(try decode("")) == "map[]")
        #expect(try goPrint(try decode("---\n# nothing\n---\nfoo: bar\n---\nx: 1\n")) == "map[foo:bar]")
        #expect(try goPrint(try decode("- a\n- b\n")) == "[a b]")
        #expect(try goPrint(try decodeYAMLArray("", sourceName: "x")) == "[<nil>]")
        #expect(try goPrint(try decodeYAMLArray("---\n---\n- foo\n---\nnope\n", sourceName: "x")) == "[foo]")
        #expect(try decodeYAMLDocuments("a: 1\n---\nb: 2\n", sourceName: "x").map(goPrintForMessage) == ["map[a:1]", "map[b:2]"])
        // As gomplate decodes: the documents after the first that is not null are not read.
        #expect(try goPrint(try decode("---\na: 1\n---\nb: [\n")) == "map[a:1]")
        #expect(try goPrint(try decode("a: 1\n---\n" + aliasBomb)) == "map[a:1]")
        #expect(errorMessage("~\n---\nb: [\n") == "in.yaml:4:1: did not find expected node content")
    }

    @Test func errorsCarryPositionsNotSource() {
        #expect(errorMessage("a: [1\nb: 2\n") == "in.yaml:2:2: did not find expected ',' or ']'")
        #expect(errorMessage("key: value\n  bad: indent\n") == "in.yaml:2:6: mapping values are not allowed in this context")
        #expect(errorMessage("a: 1\na: 2\n") == "in.yaml:1:1: mapping key \"a\" already defined")
        let secret = "password: [hunter2\n"
        #expect(errorMessage(secret).map { !$0.contains("hunter2") } == true)
    }

    @Test func typeMismatchForObjectsAndArrays() throws {
        #expect(throws: FunctionError.self) { try decodeYAMLObject("- a\n", sourceName: "yaml") }
        #expect(throws: FunctionError.self) { try decodeYAMLArray("a: 1\n", sourceName: "yaml") }
        do {
            _ = try decodeYAMLObject("- a\n", sourceName: "yaml")
        } catch let error as FunctionError {
            #expect(error.message == "yaml:1:1: cannot unmarshal !!seq into map[string]interface {}")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    // MARK: Encoding

    @Test func encodesMappingsAndSequences() throws {
        let value = Value.map(MapValue(["values": .map(MapValue([
            "four": .map(MapValue(["a": .string("eh?"), "b": .string("b")])),
            "one": .string("uno"),
            "three": .list([.int(5), .int(6), .int(7)]),
            "two": .int(2),
        ]))]))
        #expect(try encodeYAML(value) == "values:\n  four:\n    a: eh?\n    b: b\n  one: uno\n  three:\n    - 5\n    - 6\n    - 7\n  two: 2\n")
        let nested = Value.list([
            .map(MapValue(["a": .int(1), "b": .list([.string("x"), .list([.int(1), .int(2)])])])),
            .list([]), .map(MapValue()), .string("- x"), .string(""),
        ])
        #expect(try encodeYAML(nested) == "- a: 1\n  b:\n    - x\n    - - 1\n      - 2\n- []\n- {}\n- '- x'\n- \"\"\n")
    }

    @Test func encodesScalarsAtTheRoot() throws {
        #expect(try encodeYAML(.string("foo")) == "foo\n")
        #expect(try encodeYAML(.null) == "null\n")
        #expect(try encodeYAML(.float(1e6)) == "1e+06\n")
        #expect(try encodeYAML(.float(-.infinity)) == "-.inf\n")
        #expect(try encodeYAML(.list([])) == "[]\n")
        #expect(try encodeYAML(.map(MapValue())) == "{}\n")
        #expect(try encodeYAML(.string("multi\nline")) == "|-\n  multi\n  line\n")
    }

    @Test func quotesStringsThatWouldChangeType() throws {
        let cases: [(String, String)] = [
            ("123", "\"123\""), ("1.5", "\"1.5\""), ("yes", "\"yes\""), ("On", "\"On\""), ("null", "\"null\""),
            ("~", "\"~\""), ("0x1F", "\"0x1F\""), ("1:20", "\"1:20\""), ("2001-12-14", "\"2001-12-14\""),
            ("08", "\"08\""), ("1_000", "\"1_000\""), (".inf", "\".inf\""), ("", "\"\""),
            ("a: b", "'a: b'"), ("#c", "'#c'"), ("a #c", "'a #c'"), ("@x", "'@x'"), ("-", "'-'"), ("---", "'---'"),
            ("'quoted'", "'''quoted'''"), (" lead", "' lead'"),
            ("<<", "<<"), ("é", "é"), ("a#b", "a#b"), ("http://x:80/y", "http://x:80/y"),
            ("a\tb", "\"a\\tb\""), ("emoji 😀", "\"emoji \\U0001F600\""), ("trail \nx", "\"trail \\nx\""),
        ]
        for (text, encoded) in cases {
            #expect(try encodeYAML(.map(MapValue(["k": .string(text)]))) == "k: \(encoded)\n", "\(text)")
        }
    }

    @Test func literalBlocksAndComplexKeys() throws {
        let value = Value.map(MapValue([
            "s": .string("line1\nline2\n"), "t": .string("line1\nline2"), "u": .string("keep\n\n"), "v": .string(" lead\nx"),
        ]))
        #expect(try encodeYAML(value) == "s: |\n  line1\n  line2\nt: |-\n  line1\n  line2\nu: |+\n  keep\n\nv: |2-\n   lead\n  x\n")
        // gomplate's own TestToYAML (without its time.Time entry).
        let gomplate = Value.map(MapValue([
            "foo": .string("bar"), "one": .int(1), "true": .bool(true),
            "multi\nline\nkey": .map(MapValue(["hello": .string("world")])),
        ]))
        #expect(try encodeYAML(gomplate) == "foo: bar\n? |-\n  multi\n  line\n  key\n: hello: world\none: 1\n\"true\": true\n")
    }

    @Test func keysSortNaturally() throws {
        let keys = ["a10", "a9", "A", "_", "b", "a", "a_b", "ab"]
        let value = Value.map(MapValue(Dictionary(uniqueKeysWithValues: keys.map { ($0, Value.int(1)) })))
        #expect(try encodeYAML(value) == "_: 1\nA: 1\na: 1\na_b: 1\na9: 1\na10: 1\nab: 1\nb: 1\n")
    }

    @Test func roundTrips() throws {
        let text = "a:\n  - 1\n  - x: \"2\"\n    z: |-\n      two\n      lines\nb: 1.5\nc: null\n"
        let decoded = try decode(text)
        #expect(try encodeYAML(decoded) == text)
    }
}
