import Foundation
import Testing
import TestSupport
import YAML

/// Every document of `text`, or the error with its position, as one line of text.
private func parsed(_ text: String) -> Result<[YAMLNode], YAMLError> {
    Result { () throws(YAMLError) in try YAMLParser.documents(in: text) }
}

private func parseError(_ text: String) -> String? {
    guard case .failure(let error) = parsed(text) else { return nil }
    return error.description
}

/// A node printed back as flow YAML with its tag, anchor, style and position, to compare whole trees.
private func describe(_ node: YAMLNode) -> String {
    let prefix = (node.anchor.map { "&\($0) " } ?? "") + (node.tag.map { "<\($0)> " } ?? "")
    switch node.content {
    case .scalar(let text, let style):
        return prefix + "\(style):\(text.debugDescription)@\(node.line):\(node.column)"
    case .sequence(let items):
        return prefix + "[" + items.map(describe).joined(separator: ", ") + "]@\(node.line):\(node.column)"
    case .mapping(let pairs):
        return prefix + "{" + pairs.map { describe($0.key) + ": " + describe($0.value) }.joined(separator: ", ")
            + "}@\(node.line):\(node.column)"
    }
}

@Suite struct YAMLParserTests {
    // MARK: Nodes

    @Test func nodesKeepTheirPositionOneBasedInUnicodeScalars() throws {
        let documents = try YAMLParser.documents(in: "a: 1\nb:\n  - x\n  - ü: [é, y]\n")
        #expect(documents.map(describe) == [
            #"{plain:"a"@1:1: plain:"1"@1:4, plain:"b"@2:1: [plain:"x"@3:5, {plain:"ü"@4:5: [plain:"é"@4:9, plain:"y"@4:12]@4:8}@4:5]@3:3}@1:1"#,
        ])
    }

    @Test func tagsAndStylesAreKeptAsWritten() throws {
        let text = """
            plain: x
            single: 'x'
            double: "x\\ty"
            literal: |
              x
            folded: >
              x
              y
            str: !!str 1
            custom: !custom x
            nonSpecific: ! x
            map: !!map {a: b}
            verbatim: !<tag:example.org,2024:t> x
            nul: "a\\0b"

            """
        let document = try #require(try YAMLParser.documents(in: text).first?.mapping)
        let values = Dictionary(uniqueKeysWithValues: document.map { ($0.key.scalar ?? "", $0.value) })
        let expected: [(String, YAMLScalarStyle?, String?, String?)] = [
            ("plain", .plain, nil, "x"), ("single", .singleQuoted, nil, "x"), ("double", .doubleQuoted, nil, "x\ty"),
            ("literal", .literal, nil, "x\n"), ("folded", .folded, nil, "x y\n"),
            ("str", .plain, YAMLTag.string, "1"), ("custom", .plain, "!custom", "x"), ("nonSpecific", .plain, "!", "x"),
            ("map", nil, YAMLTag.prefix + "map", nil), ("verbatim", .plain, "tag:example.org,2024:t", "x"),
            ("nul", .doubleQuoted, nil, "a\u{0}b"),
        ]
        for (key, style, tag, text) in expected {
            let node = try #require(values[key], "\(key)")
            #expect(node.scalarStyle == style, "\(key)")
            #expect(node.tag == tag, "\(key)")
            #expect(node.scalar == text, "\(key)")
        }
        #expect(values["plain"]?.isUntaggedPlainScalar == true)
        #expect(values["single"]?.isUntaggedPlainScalar == false)
        #expect(values["str"]?.isUntaggedPlainScalar == false)
    }

    @Test func anAliasIsTheAnchoredNodeItself() throws {
        let documents = try YAMLParser.documents(in: "a: &x {k: v}\nb: *x\nc: &x [1]\nd: *x\n---\ne: *x\n")
        let first = try #require(documents.first?.mapping)
        #expect(first[0].value.anchor == "x")
        #expect(first[1].value === first[0].value)
        // A later anchor of the same name wins, and anchors carry over to the next document.
        #expect(first[3].value === first[2].value)
        #expect(first[3].value !== first[0].value)
        #expect(try #require(documents.last?.mapping)[0].value === first[2].value)
        #expect(parseError("&a [*a]") == "1:5: found undefined alias")
        #expect(parseError("a: *nowhere\n") == "1:4: found undefined alias")
    }

    // MARK: Streams

    @Test func documentsAreReadOneAtATime() throws {
        let parser = YAMLParser("first: 1\n---\nsecond: [\n")
        #expect(try parser.nextDocument()?.mapping?.first?.key.scalar == "first")
        #expect(throws: YAMLError(line: 4, column: 1, problem: "did not find expected node content")) {
            try parser.nextDocument()
        }
        // The error stays: libyaml produces nothing more after one.
        #expect(throws: YAMLError(line: 4, column: 1, problem: "did not find expected node content")) {
            try parser.nextDocument()
        }
    }

    @Test func emptyStreamsAndEmptyDocuments() throws {
        #expect(try YAMLParser.documents(in: "").isEmpty)
        #expect(try YAMLParser.documents(in: "# only a comment\n").isEmpty)
        let empty = try YAMLParser.documents(in: "---\n---\nx\n...\n")
        #expect(empty.map(describe) == [#"plain:""@2:1"#, #"plain:"x"@3:1"#])
        let parser = YAMLParser("a\n")
        _ = try parser.nextDocument()
        #expect(try parser.nextDocument() == nil)
        #expect(try parser.nextDocument() == nil)
    }

    @Test func aByteOrderMarkIsSkippedAndNotCounted() throws {
        #expect(try YAMLParser.documents(in: "\u{FEFF}a: 1\n").map(describe) == [#"{plain:"a"@1:1: plain:"1"@1:4}@1:1"#])
        #expect(parseError("\u{FEFF}a: \u{1}\n") == "1:4: control characters are not allowed")
    }

    // MARK: Errors

    @Test(arguments: [
        ("a: [1\nb: 2\n", "2:2: did not find expected ',' or ']'"),
        ("key: value\n  bad: indent\n", "2:6: mapping values are not allowed in this context"),
        ("a: 'open\n", "2:1: found unexpected end of stream"),
        ("- a\nb: c\n", "2:1: did not find expected '-' indicator"),
        ("a: !u!x y\n", "1:4: found undefined tag handle"),
        ("a: b\nc: d\u{1}\n", "2:5: control characters are not allowed"),
        ("é: ü\u{7}\n", "1:5: control characters are not allowed"),
    ])
    func libyamlsProblemAtItsPosition(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test func duplicateKeysAreRefusedAtTheFirstOne() throws {
        let cases: [(String, String?, String?)] = [
            ("a: 1\nb: 2\na: 3\n", "1:1: mapping key already defined", "a"),
            // Untagged, quoted and !!str scalars are the same string.
            ("1: x\n\"1\": y\n", "1:1: mapping key already defined", "1"),
            ("x: {!!str k: 1, 'k': 2}\n", "1:5: mapping key already defined", "k"),
            ("? \"a\\\"b\\n\"\n: 1\n? 'a\"b\n\n  '\n: 2\n", #"1:3: mapping key already defined"#, "a\"b\n"),
            // An alias is the key it names.
            ("&k a: 1\n*k : 2\n", "1:1: mapping key already defined", "a"),
            // Collections compare by content.
            ("[a, {b: c}]: 1\n[a, {b: c}]: 2\n", "1:1: mapping key already defined", nil),
            ("x: &s [a, b]\ny: {*s : 1, [a, b]: 2}\n", "2:5: mapping key already defined", nil),
            ("1: x\n01: y\n!!int 1: z\n", nil, nil),
            ("[a, b]: 1\n[b, a]: 2\n{a: 1}: 3\n[a, [b]]: 4\n", nil, nil),
            ("a: 1\n---\na: 2\n", nil, nil),
            ("{a: {a: 1}, b: {a: 2}}\n", nil, nil),
        ]
        for (text, expected, key) in cases {
            #expect(parseError(text) == expected, "\(text)")
            if case .failure(let error) = parsed(text) { #expect(error.duplicateKey == key, "\(text)") }
        }
    }

    @Test func syntaxErrorsNeverQuoteTheSource() throws {
        for text in ["password: [hunter2\n", "token: 'hunter2\n", "k: hunter2\u{1}\n"] {
            let error = try #require(YAMLParser.firstError(in: text))
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
    }

    // MARK: Limits

    @Test func anAliasBombIsRefusedAtTheAliasThatTipsIt() {
        let started = ContinuousClock.now
        #expect(aliasBomb.utf8.count < 600)
        let expected = "4:11: document contains excessive aliasing"
        #expect(parseError(aliasBomb) == expected)
        #expect(YAMLParser.firstError(in: aliasBomb)?.description == expected)
        // As a key, where comparing keys in full would hang.
        let asKey = aliasBomb.split(separator: "\n").dropLast().joined(separator: "\n") + "\nj: {? *h : 1}\n"
        #expect(parseError(asKey)?.hasSuffix(": document contains excessive aliasing") == true)
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func aliasingCountsAsGoYAMLCountsIt() throws {
        // 2,000 plain nodes, then aliases of them: go-yaml allows up to 99% aliased nodes below 400,000.
        let plain = "base: &b [" + Array(repeating: "x", count: 2000).joined(separator: ",") + "]\n"
        func copies(_ count: Int) -> String {
            "copies: [" + Array(repeating: "*b", count: count).joined(separator: ",") + "]\n"
        }
        let parser = YAMLParser(plain + copies(90))
        _ = try parser.remainingDocuments()
        #expect(parser.aliasBudget.aliasedNodes == 90 * 2001)
        #expect(parser.aliasBudget.expandedNodes == 1 + 1 + 2001 + 1 + 1 + 90 * 2001)
        // The 100th copy makes 200,100 of 202,105 nodes aliased: over 99%.
        #expect(parseError(plain + copies(110)) == "2:307: document contains excessive aliasing")
        #expect(!YAMLAliasBudget.isExcessive(aliasedNodes: 100, of: 100_000))
        #expect(YAMLAliasBudget.isExcessive(aliasedNodes: 3_000_000, of: 3_500_000))
        #expect(!YAMLAliasBudget.isExcessive(aliasedNodes: 390_000, of: 4_000_000))
    }

    @Test func nestingIsLimitedWithAnErrorNotAStackOverflow() throws {
        let started = ContinuousClock.now
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(parseError(deep) == "1:1001: document nests deeper than 1000 levels")
        #expect(YAMLParser.firstError(in: deep)?.description == "1:1001: document nests deeper than 1000 levels")
        let deepBlock = (0..<1_500).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
        #expect(parseError(deepBlock) == "1001:1001: document nests deeper than 1000 levels")
        let limit = YAMLParser.maxNestingDepth
        let deepest = String(repeating: "[", count: limit) + "x" + String(repeating: "]", count: limit)
        var node = try #require(try YAMLParser.documents(in: deepest).first)
        for _ in 1..<limit { node = try #require(node.sequence?.first) }
        #expect(node.sequence?.first?.scalar == "x")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aLongChainOfOwnersThroughAliasesIsFreedWithoutRecursion() throws {
        // 33 anchors of 999 levels, each holding an alias of the one before: within the limits, and
        // a chain of 33,000 owners to free when the last reference goes.
        let depth = YAMLParser.maxNestingDepth - 1
        func nested(_ content: String) -> String {
            String(repeating: "[", count: depth) + content + String(repeating: "]", count: depth)
        }
        let text = (["x0: &x0 " + nested("1")] + (1..<33).map { "x\($0): &x\($0) " + nested("*x\($0 - 1)") })
            .joined(separator: "\n")
        // On a 1 MiB stack, which freeing the chain recursively would overrun many times over.
        let count = try onThread(stackSize: 1 << 20) { try YAMLParser.documents(in: text).count }.get()
        #expect(count == 1)
    }

    // MARK: The tree-free check

    @Test(arguments: [
        "", "a: 1\n", "a: [1\n", "a: 1\na: 2\n", "&a [*a]", "x: &s [a]\ny: {*s : 1, [a]: 2}\n",
        "- &a x\n- *a\n---\n- *a\n", "- a\n---\nb: [\n", "k: v\u{1}\n", "? [a, {b: *c}]\n: 1\n",
        "a: !!binary aGk=\nb: !x {c: d}\n", "[" + String(repeating: "{a: [", count: 600) + "]\n",
    ] + [aliasBomb])
    func theCheckAgreesWithTheParser(text: String) {
        guard case .failure(let error) = parsed(text) else {
            #expect(YAMLParser.firstError(in: text) == nil)
            return
        }
        #expect(YAMLParser.firstError(in: text) == error)
    }
}
