import Testing
@testable import Gomplate
@testable import Template

/// The value a function returns, as `{{ }}` prints it.
func printedResult(_ name: String, _ arguments: [Value]) throws -> String {
    guard let function = FunctionTable.gomplate[name] else { throw FunctionError("function \"\(name)\" not defined") }
    return try goPrint(try function.body(arguments, TestCall()))
}

/// The message a function fails with, or nil when it succeeds.
func failureMessage(_ name: String, _ arguments: [Value]) -> String? {
    do {
        _ = try printedResult(name, arguments)
        return nil
    } catch {
        return "\(error)"
    }
}

struct StringCase: CustomTestStringConvertible, Sendable {
    let function: String
    let arguments: [Value]
    let expected: String
    var testDescription: String { "\(function) \(arguments.map(goPrintForMessage)) → \(expected.debugDescription)" }

    init(_ function: String, _ arguments: Value..., expect expected: String) {
        self.function = function
        self.arguments = arguments
        self.expected = expected
    }
}

@Suite struct StringFunctionsTests {
    /// The strings cases of the gomplate corpus, as direct calls (pipeline input last).
    static let corpus: [StringCase] = [
        StringCase("strings.Abbrev", .int(9), .string("foobarbazquxquux"), expect: "foobar..."),
        StringCase("strings.Abbrev", .int(6), .int(9), .string("foobarbazquxquux"), expect: "...baz..."),
        StringCase("strings.CamelCase", .string("Hello, World!"), expect: "HelloWorld"),
        StringCase("strings.CamelCase", .string("hello jello"), expect: "helloJello"),
        StringCase("strings.CamelCase", .string("Hellö, Wôrld! Free @ last..."), expect: "HellöWôrldFreeLast"),
        StringCase("strings.SnakeCase", .string("Hello, World!"), expect: "Hello_world"),
        StringCase("strings.SnakeCase", .string("hello jello"), expect: "hello_jello"),
        StringCase("strings.SnakeCase", .string("Hellö, Wôrld! Free @ last..."), expect: "Hellö_wôrld_free_last"),
        StringCase("strings.KebabCase", .string("Hello, World!"), expect: "Hello-world"),
        StringCase("strings.KebabCase", .string("hello jello"), expect: "hello-jello"),
        StringCase("strings.KebabCase", .string("Hellö, Wôrld! Free @ last..."), expect: "Hellö-wôrld-free-last"),
        StringCase("strings.Contains", .string("f"), .string("foo"), expect: "true"),
        StringCase("strings.Contains", .string("f"), .string("bar"), expect: "false"),
        StringCase("strings.HasPrefix", .string("https"), .string("http://example.com"), expect: "false"),
        StringCase("strings.HasPrefix", .string("https"), .string("https://example.com"), expect: "true"),
        StringCase("strings.HasSuffix", .string(":80"), .string("http://example.com"), expect: "false"),
        StringCase("strings.Indent", .string("  "), .string("bar:\n  baz: 2\n"), expect: "  bar:\n    baz: 2\n"),
        StringCase("strings.Indent", .int(2), .string("qux: true\n"), expect: "  qux: true\n"),
        StringCase("strings.Indent", .int(2), .string("  "), .string("quuz: 42\n"), expect: "    quuz: 42\n"),
        StringCase("strings.Indent", .string("   "), .string("hello world"), expect: "   hello world"),
        StringCase("indent", .int(2), .string("-"), .string("hello\nmultiline\nworld"), expect: "--hello\n--multiline\n--world"),
        StringCase("strings.Indent", .int(2), .string("foo\nbar"), expect: "  foo\n  bar"),
        StringCase("strings.Indent", .int(5), .string("hello\nworld"), expect: "     hello\n     world"),
        StringCase("quote", .string("in"), expect: "\"in\""),
        StringCase("strings.Quote", .int(500), expect: "\"500\""),
        StringCase("strings.Repeat", .int(5), .string("hello "), expect: "hello hello hello hello hello "),
        StringCase("strings.Repeat", .int(2), .string("na"), expect: "nana"),
        StringCase("strings.ReplaceAll", .string("."), .string("-"), .string("172.21.1.42"), expect: "172-21-1-42"),
        StringCase("strings.RuneCount", .string("\u{03a9}"), expect: "1"),
        StringCase("strings.RuneCount", .string("\u{1430}"), expect: "1"),
        StringCase("strings.ShellQuote", .string("it's a banana"), expect: "'it'\"'\"'s a banana'"),
        StringCase("strings.SkipLines", .int(2), .string("foo\nbar\nbaz"), expect: "baz"),
        StringCase("strings.SkipLines", .int(1), .string("foo\nbar\nbaz"), expect: "bar\nbaz"),
        StringCase("strings.Slug", .string("Hello, world!"), expect: "hello-world"),
        StringCase("strings.Slug", .string("Rock & Roll @ Cafe Wha?\n"), expect: "rock-and-roll-at-cafe-wha"),
        StringCase("strings.Slug", .string("Hellö, Wôrld! Free @ last..."), expect: "hello-world-free-at-last"),
        StringCase("strings.Split", .string(","), .string("Bart,Lisa,Maggie"), expect: "[Bart Lisa Maggie]"),
        StringCase("strings.Split", .string(","), .string("One,Two,Three"), expect: "[One Two Three]"),
        StringCase("strings.SplitN", .string(":"), .int(2), .string("foo:bar:baz"), expect: "[foo bar:baz]"),
        StringCase("squote", .string("in"), expect: "'in'"),
        StringCase("strings.Squote", .string("it's a banana"), expect: "'it''s a banana'"),
        StringCase("strings.Title", .string("hello, world!"), expect: "Hello, World!"),
        StringCase("strings.Title", .string("is there anybody out there?"), expect: "Is There Anybody Out There?"),
        StringCase("strings.Title", .string("foo,bar\u{1CC7}\u{01C6}az"), expect: "Foo,Bar\u{1CC7}\u{01C5}az"),
        StringCase("strings.ToLower", .string("HELLO, WORLD!"), expect: "hello, world!"),
        StringCase("strings.ToUpper", .string("hello, world!"), expect: "HELLO, WORLD!"),
        StringCase("strings.Trim", .string("_-"), .string("_-foo-_"), expect: "foo"),
        StringCase("strings.TrimLeft", .string(" "), .string("  - hello, world!"), expect: "- hello, world!"),
        StringCase("strings.TrimPrefix", .string("hello, "), .string("hello, world"), expect: "world"),
        StringCase("strings.TrimRight", .string(" "), .string("hello, world!  "), expect: "hello, world!"),
        StringCase("strings.TrimSpace", .string("  \n\t foo"), expect: "foo"),
        StringCase("strings.TrimSuffix", .string("world"), .string("hello, world"), expect: "hello, "),
        StringCase("strings.Trunc", .int(5), .string("hello, world"), expect: "hello"),
        StringCase("strings.WordWrap", .int(7), .string("Hello, World!"), expect: "Hello,\nWorld!"),
        StringCase("strings.WordWrap", .int(20), .string("\\\n"),
                   .string("a string with a long url http://example.com/a/very/long/url which should not be broken"),
                   expect: "a string with a long\\\nurl\\\nhttp://example.com/a/very/long/url\\\nwhich should not be\\\nbroken"),
    ]

    @Test(arguments: corpus)
    func corpusCase(_ testCase: StringCase) throws {
        #expect(try printedResult(testCase.function, testCase.arguments) == testCase.expected)
    }

    @Test func wordWrapKeepsLongURLsWhole() throws {
        let text = "There shouldn't be any wrapping of long words or URLs because that would break things very badly. "
            + "To wit: https://example.com/a/super-long/url/that-shouldnt-be?wrapped=for+fear+of#the-breaking-of-functionality "
            + "should appear on its own line, regardless of the desired word-wrapping width that has been set."
        let expected = "There shouldn't be any wrapping of long words or URLs because that would break\n"
            + "things very badly. To wit:\n"
            + "https://example.com/a/super-long/url/that-shouldnt-be?wrapped=for+fear+of#the-breaking-of-functionality\n"
            + "should appear on its own line, regardless of the desired word-wrapping width\nthat has been set."
        #expect(try printedResult("strings.WordWrap", [.int(80), .string(text)]) == expected)
        #expect(try printedResult("strings.WordWrap", [.string("short")]) == "short")
    }

    static let edgeCases: [StringCase] = [
        // Go splits on "" into runes, and an empty input into one empty piece.
        StringCase("strings.Split", .string(""), .string("añb"), expect: "[a ñ b]"),
        StringCase("strings.Split", .string(","), .string(""), expect: "[]"),
        StringCase("strings.SplitN", .string(","), .int(0), .string("a,b"), expect: "[]"),
        StringCase("strings.SplitN", .string(","), .int(-1), .string("a,b,c"), expect: "[a b c]"),
        // Not-yet-strings are converted as conv.ToString does.
        StringCase("strings.ToUpper", .int(42), expect: "42"),
        StringCase("strings.Trunc", .int(3), .bytes(Array("abcdef".utf8)), expect: "abc"),
        StringCase("strings.Contains", .string(""), .string("x"), expect: "true"),
        // Unicode casing: full mappings, title case per word, final sigma.
        StringCase("strings.ToUpper", .string("straße"), expect: "STRASSE"),
        StringCase("strings.ToLower", .string("\u{039F}\u{0394}\u{039F}\u{03A3} \u{03A3}A"), expect: "\u{03BF}\u{03B4}\u{03BF}\u{03C2} \u{03C3}a"),
        StringCase("strings.Title", .string("ǆungla o'neil foo.bar"), expect: "ǅungla O'neil Foo.bar"),
        StringCase("strings.Title", .string("hello WORLD"), expect: "Hello WORLD"),
        StringCase("strings.CamelCase", .string("hello WORLD"), expect: "helloWorld"),
        StringCase("strings.SnakeCase", .string("  Already_snake  case "), expect: "Already_snake_case"),
        StringCase("strings.Slug", .string("Ærøskøbing — Straße ∑"), expect: "aeroskobing-strasse"),
        StringCase("strings.Quote", .string("a\"b\\c\nd"), expect: "\"a\\\"b\\\\c\\nd\""),
        StringCase("strings.ShellQuote", .list([.string("one word"), .string("foo='bar baz'")]),
                   expect: "'one word' 'foo='\"'\"'bar baz'\"'\"''"),
        StringCase("strings.RuneCount", .string("ab"), .string("ñ"), expect: "3"),
        StringCase("strings.RuneCount", expect: "0"),
        StringCase("strings.Indent", .string("a\n\nb\n"), expect: " a\n\n b\n"),
        StringCase("strings.Trim", .string("xy"), .string("yxñxy"), expect: "ñ"),
        StringCase("strings.TrimSpace", .string("\u{00a0}\u{2003}x\u{3000}"), expect: "x"),
        StringCase("strings.Abbrev", .int(20), .string("short"), expect: "short"),
        StringCase("strings.Sort", .list([.string("b"), .string("B"), .string("a")]), expect: "[B a b]"),
        StringCase("strings.WordWrap", .string("|"), .string(String(repeating: "word ", count: 20)),
                   expect: String(repeating: "word ", count: 15) + "word|" + String(repeating: "word ", count: 4)),
    ]

    @Test(arguments: edgeCases)
    func edgeCase(_ testCase: StringCase) throws {
        #expect(try printedResult(testCase.function, testCase.arguments) == testCase.expected)
    }

    @Test func pipelineInputIsTheLastArgument() throws {
        // `"x" | strings.Repeat 3` is Repeat(3, "x"); the reverse order is a type error in Go.
        #expect(try printedResult("strings.Repeat", [.int(3), .string("x")]) == "xxx")
        #expect(failureMessage("strings.Repeat", [.string("x"), .int(3)]) == "wrong type for value; expected int; got string")
        #expect(failureMessage("strings.Contains", [.int(1), .string("x")]) == "wrong type for value; expected string; got int")
    }

    @Test func errorsAreWordedAsGomplateWordsThem() {
        #expect(failureMessage("strings.Repeat", [.int(-1), .string("x")]) == "negative count -1")
        #expect(failureMessage("strings.Abbrev", [.string("x")]) == "abbrev requires a 'width' and 'input' argument")
        #expect(failureMessage("strings.Abbrev", [.int(3), .string("abcdef")])
                == "stringutils illegal argument: Minimum abbreviation width is 4")
        #expect(failureMessage("strings.Indent", [.int(0), .string("x")]) == "width must be > 0")
        #expect(failureMessage("strings.Indent", [.string("\n"), .string("x")]) == "indent must not contain '\\n'")
        #expect(failureMessage("strings.Indent", [.float(1.5), .string("x")]) == "invalid arguments")
        #expect(failureMessage("strings.SkipLines", [.int(-1), .string("x")]) == "skip must be >= 0")
        #expect(failureMessage("strings.WordWrap", []) == "expected 1, 2, or 3 args, got 0")
        #expect(failureMessage("strings.CamelCase", [.string("  ")]) == "runtime error: index out of range [0] with length 0")
        #expect(failureMessage("strings.Abbrev", [.string("wide"), .string("abcdef")])?.hasPrefix("width must be an integer: ") == true)
        #expect(failureMessage("strings.Abbrev", [.string("x"), .int(5), .string("abcdef")])?
                    .hasPrefix("offset must be an integer: ") == true)
        #expect(failureMessage("strings.WordWrap", [.string("wide"), .string("\n"), .string("a b")])?
                    .hasPrefix("expected width to be a number: ") == true)
    }

    @Test func bareV3AliasesTakeTheSubjectFirst() throws {
        #expect(try call("contains", .string("foobar"), .string("oba")).isTruthy)
        #expect(try !call("contains", .string("oba"), .string("foobar")).isTruthy)
        #expect(try call("hasPrefix", .string("foobar"), .string("foo")).isTruthy)
        #expect(try call("hasSuffix", .string("foobar"), .string("bar")).isTruthy)
        #expect(try goPrint(try call("split", .string("a,b,c"), .string(","))) == "[a b c]")
        #expect(try goPrint(try call("splitN", .string("a,b,c"), .string(","), .int(2))) == "[a b,c]")
        #expect(try goPrint(try call("trim", .string("_-foo-_"), .string("_-"))) == "foo")
        for alias in ["replaceAll", "title", "toUpper", "toLower", "trimSpace", "indent", "quote", "shellQuote", "squote"] {
            #expect(FunctionTable.gomplate[alias] != nil, "\(alias)")
        }
    }
}
