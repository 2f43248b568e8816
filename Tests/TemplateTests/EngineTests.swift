import Testing
@testable import Template

/// Renders `text` with Go's builtins only and `<<< >>>` delimiters.
private func render(_ text: String, data: Value = .map(MapValue()), missingKey: MissingKeyMode = .error,
                    name: String = "t") throws -> String {
    let template = try Template(name: name, text: text, options: TemplateOptions(missingKey: missingKey),
                                functions: FunctionTable())
    return try template.execute(data, host: TestHost())
}

private func renderError(_ text: String, data: Value = .map(MapValue()), missingKey: MissingKeyMode = .error,
                         name: String = "t") -> String {
    do {
        let output = try render(text, data: data, missingKey: missingKey, name: name)
        return "no error; output: \(output)"
    } catch {
        return "\(error)"
    }
}

private let sample: Value = .map(MapValue([
    "name": .string("edp"),
    "replicas": .int(3),
    "ratio": .float(0.5),
    "list": .list([.string("a"), .string("b")]),
    "nested": .map(MapValue(["inner": .map(MapValue(["deep": .string("x")]))])),
    "env": .map(MapValue(["DOMAIN": .string("example.org")], elementType: .string)),
    "nothing": .null,
]))

@Test(arguments: [
    ("plain text", "plain text"),
    ("<<< .name >>>", "edp"),
    ("a <<<- .name ->>> b", "aedpb"),
    ("<<<-3>>>", "-3"),
    ("<<< .nested.inner.deep >>>", "x"),
    ("<<< range $i, $v := .list >>><<< $i >>>=<<< $v >>>;<<< end >>>", "0=a;1=b;"),
    ("<<< range .nested >>><<< . >>><<< end >>>", "map[deep:x]"),
    ("<<< if eq .replicas 3 >>>three<<< else >>>other<<< end >>>", "three"),
    ("<<< if lt .replicas 2 >>>few<<< else if lt .replicas 5 >>>some<<< else >>>many<<< end >>>", "some"),
    ("<<< with .nested.inner >>><<< .deep >>><<< end >>>", "x"),
    ("<<< $x := 1 >>><<< $x = 2 >>><<< $x >>>", "2"),
    ("<<< define \"t2\" >>>[<<< . >>>]<<< end >>><<< template \"t2\" .name >>>", "[edp]"),
    ("<<< block \"b\" .replicas >>>(<<< . >>>)<<< end >>>", "(3)"),
    ("<<< print 1 2 \"a\" \"b\" 3 >>>", "1 2ab3"),
    ("<<< 1e6 >>> <<< 0.1 >>> <<< 0x1F >>> <<< 1_000 >>> <<< 'a' >>>", "1e+06 0.1 31 1000 97"),
    ("<<< .nothing >>> <<< print .nothing >>>", "<no value> <nil>"),
    ("<<< and 1 0 >>> <<< or 0 \"x\" >>> <<< not 0 >>>", "0 x true"),
    ("<<< len .list >>> <<< index .list 1 >>> <<< slice \"abcdef\" 1 3 >>>", "2 b bc"),
    ("<<< range 3 >>><<< . >>><<< end >>>", "012"),
    ("<<< with .nothing >>>x<<< else with .name >>><<< . >>><<< end >>>", "edp"),
    ("<<< range .list >>><<< if eq . \"b\" >>><<< break >>><<< end >>><<< . >>><<< end >>>", "a"),
    ("<<</* comment */>>>x <<<- /* trimmed */ ->>> y", "xy"),
    ("<<< .env.DOMAIN | printf \"%s!\" >>>", "example.org!"),
    ("<<< (index .nested \"inner\").deep >>>", "x"),
    ("<<< html \"<a&b>\" >>> <<< urlquery \"a b&c\" >>> <<< js \"it's\" >>>", "&lt;a&amp;b&gt; a+b%26c it\\'s"),
])
func rendersLikeGo(_ testCase: (String, String)) throws {
    #expect(try render(testCase.0, data: sample) == testCase.1)
}

@Test(arguments: [
    ("<<< .Env.DOMAN >>>", "template: stacks/core/argocd.yaml:1:8: executing \"stacks/core/argocd.yaml\" at <.Env.DOMAN>: map has no entry for key \"Env\""),
    ("line1\n  <<< .missing >>>", "template: stacks/core/argocd.yaml:2:6: executing \"stacks/core/argocd.yaml\" at <.missing>: map has no entry for key \"missing\""),
    ("<<< foo >>>", "template: stacks/core/argocd.yaml:1: function \"foo\" not defined"),
    ("<<< if true >>>", "template: stacks/core/argocd.yaml:1: unexpected EOF"),
    ("a\n<<< .name", "template: stacks/core/argocd.yaml:2: unclosed action"),
    ("<<< eq .replicas 3.0 >>>", "template: stacks/core/argocd.yaml:1:4: executing \"stacks/core/argocd.yaml\" at <eq .replicas 3.0>: error calling eq: incompatible types for comparison: int and float64"),
    ("<<< .name.x >>>", "template: stacks/core/argocd.yaml:1:9: executing \"stacks/core/argocd.yaml\" at <.name.x>: can't evaluate field x in type interface {}"),
    ("<<< not 1 2 >>>", "template: stacks/core/argocd.yaml:1:4: executing \"stacks/core/argocd.yaml\" at <not>: wrong number of args for not: want 1 got 2"),
    ("<<< $x >>>", "template: stacks/core/argocd.yaml:1: undefined variable \"$x\""),
    ("<<< range .name >>><<< end >>>", "template: stacks/core/argocd.yaml:1:10: executing \"stacks/core/argocd.yaml\" at <.name>: range can't iterate over edp"),
])
func errorsReadLikeGo(_ testCase: (String, String)) {
    #expect(renderError(testCase.0, data: sample, name: "stacks/core/argocd.yaml") == testCase.1)
}

@Test func missingKeysAreAllReportedWithPositions() throws {
    let text = "a: <<< .Env.DOMAIN >>>\nb: <<< .Env.CLIENT_REPO_ID >>>\n<<< define \"d\" >>><<< .Env.OTHER >>><<< end >>><<< template \"d\" . >>>"
    let template = try Template(name: "stacks/core/app.yaml", text: text, functions: FunctionTable())
    let data: Value = .map(MapValue(["Env": .map(MapValue(["DOMAIN": .string("example.org")], elementType: .string))]))
    let (output, missing) = try template.renderReportingMissingKeys(data, host: TestHost())
    #expect(missing.map(\.description) == [
        "stacks/core/app.yaml:2:12: missing key \"CLIENT_REPO_ID\" (in .Env.CLIENT_REPO_ID)",
        "stacks/core/app.yaml:3:27: missing key \"OTHER\" (in .Env.OTHER)",
    ])
    #expect(String(decoding: output, as: UTF8.self).hasPrefix("a: example.org\nb: \n"))
}

/// Renders `bytes` as Go's `Parse` takes a string: any bytes, UTF-8 or not.
private func renderBytes(_ bytes: [UInt8]) throws -> [UInt8] {
    try Template(name: "t", bytes: bytes, functions: FunctionTable()).render(.map(MapValue()), host: TestHost())
}

/// Text and raw bytes, joined: `bytes([0xFF], "<<< 1 >>>")`.
private func bytes(_ parts: Any...) -> [UInt8] {
    parts.flatMap { part -> [UInt8] in
        switch part {
        case let text as String: return Array(text.utf8)
        case let numbers as [Int]: return numbers.map { UInt8($0) }
        default: preconditionFailure("bytes: \(part) is neither text nor byte values")
        }
    }
}

// What Go's text/template gives for each (go run with Parse and Execute, Delims("<<<", ">>>")): the
// text outside actions is copied byte for byte, whatever its encoding.
@Test(arguments: [
    (bytes([0xFF, 0xFE], "<<< 1 >>>", [0xFE, 0xFF], "<<< 2 >>>", [0xC3]), bytes([0xFF, 0xFE], "1", [0xFE, 0xFF], "2", [0xC3])),
    (bytes("a\r\nb", [0x00], "c<<- 1 ->>\r\n", [0x00]), bytes("a\r\nb", [0x00], "c<<- 1 ->>\r\n", [0x00])),
    (bytes([0xFF], "\n<<<- \" a \" ->>>\n", [0xFF]), bytes([0xFF], " a ", [0xFF])),
    (bytes([0xE2, 0x82], "<<< 1 >>>", [0x82]), bytes([0xE2, 0x82], "1", [0x82])),
    (bytes("<<</* ", [0xFF], " */>>>z"), bytes("z")),
    (bytes("<<< define \"x\" >>>", [0xFF, 0x00], "<<< end >>>", [0xFE], "<<< template \"x\" >>>"), bytes([0xFE, 0xFF, 0x00])),
    (bytes([0x00], "<<< if true >>>", [0xFF], "<<< else >>>", [0xFE], "<<< end >>>\r\n"), bytes([0x00, 0xFF], "\r\n")),
    (bytes("<<< \"a\" >>>", [0xEF, 0xBF, 0xBD, 0xFF]), bytes("a", [0xEF, 0xBF, 0xBD, 0xFF])),
])
func bytesOutsideActionsPassThrough(_ testCase: ([UInt8], [UInt8])) throws {
    #expect(try renderBytes(testCase.0) == testCase.1)
}

@Test func aBinaryWithoutActionsRendersToItself() throws {
    var generator = SystemRandomNumberGenerator()
    // No `<` at all, so no delimiter can appear by chance; every other byte value does.
    let binary = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }.map { $0 == 0x3C ? 0x3D : $0 }
    #expect(try renderBytes(binary) == binary)
    let wrapped = try renderBytes(binary + Array("<<< \"!\" >>>".utf8) + binary)
    #expect(wrapped == binary + [0x21] + binary)
}

@Test func anInvalidByteInsideAnActionIsGosError() throws {
    // Go: template: t:2: unrecognized character in action: U+FFFD '�'
    do {
        let output = try renderBytes(bytes("x\n<<< ", [0xFF], " >>>"))
        Issue.record("rendered \(output)")
    } catch {
        #expect("\(error)" == "template: t:2: unrecognized character in action: U+FFFD '\u{FFFD}'")
    }
}
