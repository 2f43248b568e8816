import Testing
@testable import Gomplate
@testable import Template

struct RegexpCase: CustomTestStringConvertible, Sendable {
    let function: String
    let arguments: [Value]
    let expected: String
    var testDescription: String { "\(function) \(arguments.map(goPrintForMessage)) → \(expected.debugDescription)" }

    init(_ function: String, _ arguments: String..., expect expected: String) {
        self.function = function
        self.arguments = arguments.map { Int($0).map(Value.int) ?? .string($0) }
        self.expected = expected
    }
}

@Suite struct RegexpFunctionsTests {
    static let corpus: [RegexpCase] = [
        RegexpCase("regexp.Find", "[a-z]{3}", "foobar", expect: "foo"),
        RegexpCase("regexp.Find", "[0-9]", "will not match", expect: ""),
        RegexpCase("regexp.FindAll", "[a-z]{3}", "foobar", expect: "[foo bar]"),
        RegexpCase("regexp.FindAll", "[a-z]{3}", "3", "foo bar baz qux", expect: "[foo bar baz]"),
        RegexpCase("regexp.Match", "^h", "hairyhenderson", expect: "true"),
        RegexpCase("regexp.QuoteMeta", "{hello}", expect: "\\{hello\\}"),
        RegexpCase("regexp.QuoteMeta", "foo{(\\", expect: "foo\\{\\(\\\\"),
        RegexpCase("regexp.Replace", "(foo)bar", "$1", "foobar", expect: "foo"),
        RegexpCase("regexp.Replace", "(?P<first>[a-zA-Z]+) (?P<last>[a-zA-Z]+)", "${last}, ${first}", "Alan Turing",
                   expect: "Turing, Alan"),
        RegexpCase("regexp.Replace", "-([0-9]*)", ".$1", "1.2.3-59", expect: "1.2.3.59"),
        RegexpCase("regexp.ReplaceLiteral", "(foo)bar", "$1", "foobar", expect: "$1"),
        RegexpCase("regexp.ReplaceLiteral", "\\W", "$", "foo.bar,baz", expect: "foo$bar$baz"),
        RegexpCase("regexp.Split", "[\\s,.]", "foo bar,baz.qux", expect: "[foo bar baz qux]"),
        RegexpCase("regexp.Split", "[\\s,.]", "3", "foo bar.baz,qux", expect: "[foo bar baz,qux]"),
    ]

    @Test(arguments: corpus)
    func corpusCase(_ testCase: RegexpCase) throws {
        #expect(try printedResult(testCase.function, testCase.arguments) == testCase.expected)
    }

    /// Places where Go differs from other engines (ICU, PCRE).
    static let goSemantics: [RegexpCase] = [
        RegexpCase("regexp.Match", "a$", "a\n", expect: "false"),
        RegexpCase("regexp.Match", "(?m)a$", "a\nb", expect: "true"),
        RegexpCase("regexp.FindAll", "(?m)^\\w", "ab\ncd\r\nef", expect: "[a c e]"),
        RegexpCase("regexp.Match", "^\\d$", "\u{0663}", expect: "false"),
        RegexpCase("regexp.Match", "^\\w+$", "héllo", expect: "false"),
        RegexpCase("regexp.Match", "^\\pL+$", "héllo", expect: "true"),
        RegexpCase("regexp.Match", "^[[:alpha:]]+$", "héllo", expect: "false"),
        RegexpCase("regexp.Match", "^[[:^digit:]x]+$", "ab", expect: "true"),
        RegexpCase("regexp.Match", "^a.b$", "a\rb", expect: "true"),
        RegexpCase("regexp.Match", "^a.b$", "a\nb", expect: "false"),
        RegexpCase("regexp.Match", "(?s)^a.b$", "a\nb", expect: "true"),
        RegexpCase("regexp.Match", "\\bé", "é", expect: "false"),
        RegexpCase("regexp.Match", "^[[&&]+$", "[&", expect: "true"),
        RegexpCase("regexp.Match", "^[]a]+$", "]a", expect: "true"),
        RegexpCase("regexp.Find", "a{,3}", "xa{,3}", expect: "a{,3}"),
        RegexpCase("regexp.Find", "a{2}", "aaa", expect: "aa"),
        RegexpCase("regexp.Find", "(?U)a+", "aaa", expect: "a"),
        RegexpCase("regexp.Find", "(?U)a+?", "aaa", expect: "aaa"),
        RegexpCase("regexp.Find", "(?i:A)a", "AaAA", expect: "Aa"),
        RegexpCase("regexp.Find", "(?i)x(a)A", "XAA", expect: "XAA"),
        RegexpCase("regexp.Find", "((?i)a)a", "AA", expect: ""),
        RegexpCase("regexp.Find", "\\x41\\x{42}\\101\\0", "xAB A\u{0}ABA\u{0}", expect: "ABA\u{0}"),
        RegexpCase("regexp.Find", "\\Q.*\\E+", "a.*.**", expect: ".*"),
        RegexpCase("regexp.Find", "\\Q.*\\E+", "a.**", expect: ".**"),
        RegexpCase("regexp.Replace", "a*", "X", "baaac", expect: "XbXcX"),
        RegexpCase("regexp.FindAll", "a*", "baaac", expect: "[ aaa ]"),
        RegexpCase("regexp.Replace", "(?P<x_1>.)", "${x_1}$x_1", "ab", expect: "aabb"),
        RegexpCase("regexp.Replace", "(a)", "$1x|${1}x|$$|$", "a", expect: "|ax|$|$"),
        RegexpCase("regexp.Replace", "(?<n>b)", "[$n]", "abc", expect: "a[b]c"),
        // Go allows a name twice; `$a` is the first group of that name that took part.
        RegexpCase("regexp.Replace", "(?P<a>x)|(?P<a>y)", "[$a]", "xy", expect: "[x][y]"),
        RegexpCase("regexp.Replace", "é", "e", "café é", expect: "cafe e"),
        RegexpCase("regexp.Split", "", "abc", expect: "[a b c]"),
        RegexpCase("regexp.Split", ",", "0", "a,b", expect: "[]"),
        RegexpCase("regexp.Split", "x*", "axbc", expect: "[a b c]"),
        RegexpCase("regexp.Split", ",", "", expect: "[]"),
        RegexpCase("regexp.FindAll", "a", "0", "aaa", expect: "[]"),
        RegexpCase("regexp.FindAll", "z", "aaa", expect: "[]"),
        // Go folds case rune by rune (ICU's own `(?i)` would let ß match SS).
        RegexpCase("regexp.FindAll", "(?i)straße", "Straße STRASSE", expect: "[Straße]"),
        RegexpCase("regexp.FindAll", "(?i)k", "Kk\u{212A}", expect: "[K k \u{212A}]"),
        RegexpCase("regexp.FindAll", "(?i)\\Qab\\E", "AB ab", expect: "[AB ab]"),
        RegexpCase("regexp.FindAll", "(?i)[a-b]+", "AbX", expect: "[Ab]"),
        // Matches may split a "\r\n" grapheme, as Go's byte-wise matching does.
        RegexpCase("regexp.Split", "\\n", "a\r\nb", expect: "[a\r b]"),
        RegexpCase("regexp.Replace", "\\r", "", "a\r\nb", expect: "a\nb"),
    ]

    @Test(arguments: goSemantics)
    func goSemanticsCase(_ testCase: RegexpCase) throws {
        #expect(try printedResult(testCase.function, testCase.arguments) == testCase.expected)
    }

    @Test(arguments: [
        ("(foo", "missing closing ): `(foo`"),
        ("foo)", "unexpected ): `foo)`"),
        ("\\1", "invalid escape sequence: `\\1`"),
        ("\\Z", "invalid escape sequence: `\\Z`"),
        ("(?=x)", "invalid or unsupported Perl syntax: `(?=`"),
        ("(?<=x)", "invalid named capture: `(?<=x)`"),
        ("(?P<a-b>x)", "invalid named capture: `(?P<a-b>`"),
        ("a**", "invalid nested repetition operator: `**`"),
        ("a++", "invalid nested repetition operator: `++`"),
        ("*a", "missing argument to repetition operator: `*`"),
        ("(|+)", "missing argument to repetition operator: `+`"),
        ("x{1001}", "invalid repeat count: `{1001}`"),
        ("x{3,2}", "invalid repeat count: `{3,2}`"),
        ("[z-a]", "invalid character class range: `z-a`"),
        ("[[:foo:]]", "invalid character class range: `[:foo:]`"),
        ("[a", "missing closing ]: `[a`"),
        ("a\\", "trailing backslash at end of expression: ``"),
    ])
    func invalidPatternsFailAsInGo(_ pattern: String, _ message: String) {
        #expect(failureMessage("regexp.Find", [.string(pattern), .string("x")]) == "error parsing regexp: " + message)
        #expect(failureMessage("regexp.Match", [.string(pattern), .string("x")])
                == "error compiling expression: error parsing regexp: " + message)
    }

    @Test func compiledExpressionsAreReused() throws {
        let first = try GoRegexp.compiled("(x+)y")
        let second = try GoRegexp.compiled("(x+)y")
        #expect(first === second)
    }

    @Test func arityErrorsOfTheVariadicFunctions() {
        #expect(failureMessage("regexp.FindAll", [.string("a")]) == "wrong number of args: want 2 or 3, got 1")
        #expect(failureMessage("regexp.Split", [.string("a"), .int(1), .string("b"), .string("c")])
                == "wrong number of args: want 2 or 3, got 4")
    }
}
