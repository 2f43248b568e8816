import Testing
@testable import Template

/// One lexer case: an input, the delimiters it is scanned with, and the items expected, printed by
/// `itemStream`. Modelled on Go's text/template/parse/lex_test.go.
struct LexCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    var left = "<<<"
    var right = ">>>"
    /// Whether `break` and `continue` are keywords (they are not when a function takes the name).
    var keywordsOK = true
    let expected: String
    /// Why the engine does not yet give Go's answer; the case then runs as a known issue.
    var knownIssue: String?

    var testDescription: String { name }
}

/// Items as `[kind "text"]`, error items as `[error: message]`, and `EOF`; the text is printed
/// with Swift escapes so that spaces, tabs and newlines stay visible.
private func itemStream(_ input: String, left: String, right: String, keywordsOK: Bool) -> String {
    let bytes = Array(input.utf8)
    let items = Lexer.tokenize(bytes, leftDelim: left, rightDelim: right, breakOK: keywordsOK, continueOK: keywordsOK)
    return items.map { item in
        switch item.kind {
        case .eof: return "EOF"
        case .error: return "[error: \(item.message)]"
        default: return "[\(item.kind) \(String(reflecting: String(decoding: bytes[item.start..<item.end], as: UTF8.self)))]"
        }
    }.joined(separator: " ")
}

/// Items as `kind@offset:line`, for the cases that check positions and line numbers.
private func itemPositions(_ input: String) -> String {
    Lexer.tokenize(Array(input.utf8), leftDelim: "<<<", rightDelim: ">>>")
        .map { "\($0.kind)@\($0.start):\($0.line)" }
        .joined(separator: " ")
}

private let lexCases: [LexCase] = [
    // Text and delimiters.
    LexCase(name: "empty", input: "", expected: "EOF"),
    LexCase(name: "spaces", input: " \t\n", expected: #"[text " \t\n"] EOF"#),
    LexCase(name: "text", input: "now is the time", expected: #"[text "now is the time"] EOF"#),
    LexCase(name: "empty action", input: "<<<>>>", expected: #"[leftDelim "<<<"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "text around action", input: "a<<<.>>>b",
            expected: #"[text "a"] [leftDelim "<<<"] [dot "."] [rightDelim ">>>"] [text "b"] EOF"#),
    LexCase(name: "partial delimiters are text", input: "a << b >> c >>> d",
            expected: #"[text "a << b >> c >>> d"] EOF"#),
    LexCase(name: "unmatched right delimiter is text", input: "hello-<.>>>-world",
            expected: #"[text "hello-<.>>>-world"] EOF"#),
    LexCase(name: "braces are text with <<< >>>", input: "{{.x}}<<<.y>>>",
            expected: #"[text "{{.x}}"] [leftDelim "<<<"] [field ".y"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "{{ }} delimiters", input: "{{.x}} <<<y>>>", left: "{{", right: "}}",
            expected: #"[leftDelim "{{"] [field ".x"] [rightDelim "}}"] [text " <<<y>>>"] EOF"#),
    LexCase(name: "empty delimiters default to {{ }}", input: "{{.x}}", left: "", right: "",
            expected: #"[leftDelim "{{"] [field ".x"] [rightDelim "}}"] EOF"#),
    LexCase(name: "custom delimiters $$ @@", input: "$$,@%{{}}@@", left: "$$", right: "@@",
            expected: #"[leftDelim "$$"] [char ","] [char "@"] [char "%"] [char "{"] [char "{"] [char "}"] [char "}"] [rightDelim "@@"] EOF"#),
    LexCase(name: "multi-byte UTF-8 delimiters", input: "a«% .b %»c", left: "«%", right: "%»",
            expected: #"[text "a"] [leftDelim "«%"] [space " "] [field ".b"] [space " "] [rightDelim "%»"] [text "c"] EOF"#),
    LexCase(name: "delimiters starting with letters", input: "{{hub .host hub}}", left: "{{hub", right: "hub}}",
            expected: #"[leftDelim "{{hub"] [space " "] [field ".host"] [space " "] [rightDelim "hub}}"] EOF"#),
    LexCase(name: "delimiters that look like trim markers", input: "{{- .x -}} {{- - .x - -}}",
            left: "{{- ", right: " -}}",
            expected: #"[leftDelim "{{- "] [field ".x"] [rightDelim " -}}"] [leftDelim "{{- "] [field ".x"] [rightDelim " -}}"] EOF"#),

    // Trim markers.
    LexCase(name: "trim before and after", input: "hello- <<<- 3 ->>> -world",
            expected: #"[text "hello-"] [leftDelim "<<<"] [number "3"] [rightDelim ">>>"] [text "-world"] EOF"#),
    LexCase(name: "trim markers with tabs and newlines", input: "a\n\t<<<-\t.x\t->>>\n b",
            expected: #"[text "a"] [leftDelim "<<<"] [field ".x"] [rightDelim ">>>"] [text "b"] EOF"#),
    LexCase(name: "trim everything leaves no text items", input: "  <<<- 1 ->>>  ",
            expected: #"[leftDelim "<<<"] [number "1"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "minus without space is a number", input: "<<<-3>>>",
            expected: #"[leftDelim "<<<"] [number "-3"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "minus before right delim without space", input: "x <<<3->>> y",
            expected: #"[text "x "] [leftDelim "<<<"] [error: bad number syntax: "3-"]"#),
    LexCase(name: "trim marker then empty action", input: "a <<<- ->>> b",
            expected: #"[text "a"] [leftDelim "<<<"] [number "-"] [rightDelim ">>>"] [text " b"] EOF"#),
    LexCase(name: "two spaces before right trim marker", input: "<<<.x  ->>>",
            expected: #"[leftDelim "<<<"] [field ".x"] [space " "] [rightDelim ">>>"] EOF"#),

    // Comments.
    LexCase(name: "comment", input: "hello-<<</* this is a comment */>>>-world",
            expected: #"[text "hello-"] [text "-world"] EOF"#),
    LexCase(name: "comment with trim markers", input: "hello- <<<- /* hello */ ->>> -world",
            expected: #"[text "hello-"] [text "-world"] EOF"#),
    LexCase(name: "comment close separated from delimiter", input: "hello-<<</* */ >>>-world",
            expected: #"[text "hello-"] [error: comment ends before closing delimiter]"#),
    LexCase(name: "two comments in one action", input: "<<</* a */ /* b */>>>",
            expected: #"[error: comment ends before closing delimiter]"#),
    LexCase(name: "unclosed comment", input: "hello-<<</*/>>>-world",
            expected: #"[text "hello-"] [error: unclosed comment]"#),
    LexCase(name: "space before comment is not a comment", input: "<<< /* c */ >>>",
            expected: #"[leftDelim "<<<"] [space " "] [char "/"] [char "*"] [space " "] [identifier "c"] [space " "] [char "*"] [char "/"] [space " "] [rightDelim ">>>"] EOF"#),

    // Operands.
    LexCase(name: "punctuation", input: "<<<,@% >>>",
            expected: #"[leftDelim "<<<"] [char ","] [char "@"] [char "%"] [space " "] [rightDelim ">>>"] EOF"#),
    LexCase(name: "parens", input: "<<<((3))>>>",
            expected: #"[leftDelim "<<<"] [leftParen "("] [leftParen "("] [number "3"] [rightParen ")"] [rightParen ")"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "identifier", input: "<<<for>>>", expected: #"[leftDelim "<<<"] [identifier "for"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "unicode identifier", input: "<<<héllo_2>>>",
            expected: #"[leftDelim "<<<"] [identifier "héllo_2"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "block", input: #"<<<block "foo" .>>>"#,
            expected: #"[leftDelim "<<<"] [block "block"] [space " "] [string "\"foo\""] [space " "] [dot "."] [rightDelim ">>>"] EOF"#),
    LexCase(name: "keywords", input: "<<<range if else end with define template block break continue>>>",
            expected: #"[leftDelim "<<<"] [range "range"] [space " "] [ifKeyword "if"] [space " "] [elseKeyword "else"] [space " "] [end "end"] [space " "] [with "with"] [space " "] [define "define"] [space " "] [template "template"] [space " "] [block "block"] [space " "] [breakKeyword "break"] [space " "] [continueKeyword "continue"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "break and continue as function names", input: "<<<break continue>>>", keywordsOK: false,
            expected: #"[leftDelim "<<<"] [identifier "break"] [space " "] [identifier "continue"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "bools", input: "<<<true false>>>",
            expected: #"[leftDelim "<<<"] [bool "true"] [space " "] [bool "false"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "nil", input: "<<<nil>>>", expected: #"[leftDelim "<<<"] [nilKeyword "nil"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "dot", input: "<<<.>>>", expected: #"[leftDelim "<<<"] [dot "."] [rightDelim ">>>"] EOF"#),
    LexCase(name: "dots", input: "<<<.x . .2 .x.y.z>>>",
            expected: #"[leftDelim "<<<"] [field ".x"] [space " "] [dot "."] [space " "] [number ".2"] [space " "] [field ".x"] [field ".y"] [field ".z"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "dot dot field", input: "<<<..E>>>",
            expected: #"[leftDelim "<<<"] [dot "."] [field ".E"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "variables", input: "<<<$c := printf $ $hello $23 $ $var.Field .Method>>>",
            expected: #"[leftDelim "<<<"] [variable "$c"] [space " "] [declare ":="] [space " "] [identifier "printf"] [space " "] [variable "$"] [space " "] [variable "$hello"] [space " "] [variable "$23"] [space " "] [variable "$"] [space " "] [variable "$var"] [field ".Field"] [space " "] [field ".Method"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "dollar then field", input: "<<<$.x>>>",
            expected: #"[leftDelim "<<<"] [variable "$"] [field ".x"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "variable invocation", input: "<<<$x 23>>>",
            expected: #"[leftDelim "<<<"] [variable "$x"] [space " "] [number "23"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "declaration", input: "<<<$v := 3>>>",
            expected: #"[leftDelim "<<<"] [variable "$v"] [space " "] [declare ":="] [space " "] [number "3"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "two declarations", input: "<<<$v , $w := 3>>>",
            expected: #"[leftDelim "<<<"] [variable "$v"] [space " "] [char ","] [space " "] [variable "$w"] [space " "] [declare ":="] [space " "] [number "3"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "assignment", input: "<<<$v = 3>>>",
            expected: #"[leftDelim "<<<"] [variable "$v"] [space " "] [assign "="] [space " "] [number "3"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "declaration without spaces", input: "<<<$v:=3>>>",
            expected: #"[leftDelim "<<<"] [variable "$v"] [declare ":="] [number "3"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "pipeline", input: #"intro <<<echo hi 1.2 |noargs|args 1 "hi">>> outro"#,
            expected: #"[text "intro "] [leftDelim "<<<"] [identifier "echo"] [space " "] [identifier "hi"] [space " "] [number "1.2"] [space " "] [pipe "|"] [identifier "noargs"] [pipe "|"] [identifier "args"] [space " "] [number "1"] [space " "] [string "\"hi\""] [rightDelim ">>>"] [text " outro"] EOF"#),
    LexCase(name: "long pipeline", input: "<<<|||||>>>",
            expected: #"[leftDelim "<<<"] [pipe "|"] [pipe "|"] [pipe "|"] [pipe "|"] [pipe "|"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "field of parenthesized expression", input: "<<<(.X).Y>>>",
            expected: #"[leftDelim "<<<"] [leftParen "("] [field ".X"] [rightParen ")"] [field ".Y"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "spaces and newlines inside an action", input: "<<< \t.x\n\r\n| print >>>",
            expected: #"[leftDelim "<<<"] [space " \t"] [field ".x"] [space "\n\r\n"] [pipe "|"] [space " "] [identifier "print"] [space " "] [rightDelim ">>>"] EOF"#),

    // Numbers, characters and strings.
    LexCase(name: "numbers", input: "<<<1 02 0x14 0X14 -7.2i 1e3 1E3 +1.2e-4 4.2i 1+2i 1_2 0x1.e_fp4 0X1.E_FP4>>>",
            expected: #"[leftDelim "<<<"] [number "1"] [space " "] [number "02"] [space " "] [number "0x14"] [space " "] [number "0X14"] [space " "] [number "-7.2i"] [space " "] [number "1e3"] [space " "] [number "1E3"] [space " "] [number "+1.2e-4"] [space " "] [number "4.2i"] [space " "] [complex "1+2i"] [space " "] [number "1_2"] [space " "] [number "0x1.e_fp4"] [space " "] [number "0X1.E_FP4"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "octal, binary and other number forms", input: "<<<0o17 0O17 0b101 0B101 0x_1p-4 1_000.5 .5 -0 073i 1E+3>>>",
            expected: #"[leftDelim "<<<"] [number "0o17"] [space " "] [number "0O17"] [space " "] [number "0b101"] [space " "] [number "0B101"] [space " "] [number "0x_1p-4"] [space " "] [number "1_000.5"] [space " "] [number ".5"] [space " "] [number "-0"] [space " "] [number "073i"] [space " "] [number "1E+3"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "malformed numbers the lexer leaves to the parser", input: "<<<0x 1e 1__0 089 1.2.3 +>>>",
            expected: #"[leftDelim "<<<"] [number "0x"] [space " "] [number "1e"] [space " "] [number "1__0"] [space " "] [number "089"] [space " "] [number "1.2"] [number ".3"] [space " "] [number "+"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "characters", input: #"<<<'a' '\n' '\'' '\\' '\u00FF' '\xFF' '本'>>>"#,
            expected: #"[leftDelim "<<<"] [charConstant "\'a\'"] [space " "] [charConstant "\'\\n\'"] [space " "] [charConstant "\'\\\'\'"] [space " "] [charConstant "\'\\\\\'"] [space " "] [charConstant "\'\\u00FF\'"] [space " "] [charConstant "\'\\xFF\'"] [space " "] [charConstant "\'本\'"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "quoted string with escapes", input: #"<<<"abc \n\t\" ">>>"#,
            expected: #"[leftDelim "<<<"] [string "\"abc \\n\\t\\\" \""] [rightDelim ">>>"] EOF"#),
    LexCase(name: "quoted string holding the right delimiter", input: #"<<<">>>">>>"#,
            expected: #"[leftDelim "<<<"] [string "\">>>\""] [rightDelim ">>>"] EOF"#),
    LexCase(name: "raw string", input: #"<<<`abc\n\t\" `>>>"#,
            expected: #"[leftDelim "<<<"] [rawString "`abc\\n\\t\\\" `"] [rightDelim ">>>"] EOF"#),
    LexCase(name: "raw string with newline and delimiters", input: "<<<`now is<<<\n>>>the time`>>>",
            expected: #"[leftDelim "<<<"] [rawString "`now is<<<\n>>>the time`"] [rightDelim ">>>"] EOF"#),

    // Errors.
    LexCase(name: "unrecognized control character", input: "#<<<\u{01}>>>",
            expected: ##"[text "#"] [leftDelim "<<<"] [error: unrecognized character in action: U+0001]"##),
    LexCase(name: "unrecognized non-ASCII symbol", input: "<<<print ✓>>>",
            expected: #"[leftDelim "<<<"] [identifier "print"] [space " "] [error: unrecognized character in action: U+2713 '✓']"#),
    LexCase(name: "unclosed action", input: "<<<", expected: #"[leftDelim "<<<"] [error: unclosed action]"#),
    LexCase(name: "EOF in action", input: "<<<range",
            expected: #"[leftDelim "<<<"] [range "range"] [error: unclosed action]"#),
    LexCase(name: "unclosed quote", input: "<<<\"\n\">>>", expected: #"[leftDelim "<<<"] [error: unterminated quoted string]"#),
    LexCase(name: "escaped newline in quote", input: "<<<\"\\\n\">>>",
            expected: #"[leftDelim "<<<"] [error: unterminated quoted string]"#),
    LexCase(name: "unclosed raw quote", input: "<<<`xx>>>", expected: #"[leftDelim "<<<"] [error: unterminated raw quoted string]"#),
    LexCase(name: "unclosed char constant", input: "<<<'\n>>>",
            expected: #"[leftDelim "<<<"] [error: unterminated character constant]"#),
    LexCase(name: "bad number", input: "<<<3k>>>", expected: #"[leftDelim "<<<"] [error: bad number syntax: "3k"]"#),
    LexCase(name: "bad hex number", input: "<<<0x1G>>>", expected: #"[leftDelim "<<<"] [error: bad number syntax: "0x1G"]"#),
    LexCase(name: "bad binary number", input: "<<<0b102>>>", expected: #"[leftDelim "<<<"] [error: bad number syntax: "0b102"]"#),
    LexCase(name: "complex without i", input: "<<<1+2>>>", expected: #"[leftDelim "<<<"] [error: bad number syntax: "1+2"]"#),
    LexCase(name: "unclosed paren", input: "<<<(3>>>",
            expected: #"[leftDelim "<<<"] [leftParen "("] [number "3"] [error: unclosed left paren]"#),
    LexCase(name: "extra right paren", input: "<<<3)>>>",
            expected: #"[leftDelim "<<<"] [number "3"] [error: unexpected right paren]"#),
    LexCase(name: "bad character after identifier", input: "<<<a#>>>", expected: #"[leftDelim "<<<"] [error: bad character U+0023 '#']"#),
    LexCase(name: "bad character in field", input: "<<<.my-key>>>", expected: #"[leftDelim "<<<"] [error: bad character U+002D '-']"#),
    LexCase(name: "bad character after variable", input: "<<<$x+2>>>", expected: #"[leftDelim "<<<"] [error: bad character U+002B '+']"#),
    // `=` does not end a variable name, unlike `:`.
    LexCase(name: "assignment without spaces", input: "<<<$v=3>>>", expected: #"[leftDelim "<<<"] [error: bad character U+003D '=']"#),
    LexCase(name: "dollar dollar", input: "<<<$$>>>", expected: #"[leftDelim "<<<"] [error: bad character U+0024 '$']"#),
    LexCase(name: "colon without equals", input: "<<<$x : 1>>>",
            expected: #"[leftDelim "<<<"] [variable "$x"] [space " "] [error: expected :=]"#),
]

struct LexerTests {
    @Test(arguments: lexCases)
    func items(_ test: LexCase) {
        withKnownIssue(Comment(rawValue: test.knownIssue ?? "")) {
            #expect(itemStream(test.input, left: test.left, right: test.right, keywordsOK: test.keywordsOK) == test.expected)
        } when: {
            test.knownIssue != nil
        }
    }

    /// Offsets and line numbers, as Go's lexPosTests check them: every item carries the line it starts
    /// on, including after newlines inside actions, raw strings and comments.
    @Test(arguments: [
        ("", "eof@0:1"),
        ("<<<,@%#>>>", "leftDelim@0:1 char@3:1 char@4:1 char@5:1 char@6:1 rightDelim@7:1 eof@10:1"),
        ("0123<<<hello>>>xyz", "text@0:1 leftDelim@4:1 identifier@7:1 rightDelim@12:1 text@15:1 eof@18:1"),
        ("<<<x ->>>\n<<<y>>>", "leftDelim@0:1 identifier@3:1 rightDelim@6:1 leftDelim@10:2 identifier@13:2 rightDelim@14:2 eof@17:2"),
        ("<<<x>>>\n<<<- y>>>", "leftDelim@0:1 identifier@3:1 rightDelim@4:1 leftDelim@8:2 identifier@13:2 rightDelim@14:2 eof@17:2"),
        ("<<</*\n*/>>>\n<<<undefinedFunction \"test\">>>",
         "text@11:2 leftDelim@12:3 identifier@15:3 space@32:3 string@33:3 rightDelim@39:3 eof@42:3"),
        ("a <<<- /*\nx\n*/ ->>>\n b", "text@0:1 text@21:4 eof@22:4"),
        ("<<<.a\n|\nprint>>>\nx", "leftDelim@0:1 field@3:1 space@5:1 pipe@6:2 space@7:2 identifier@8:3 rightDelim@13:3 text@16:3 eof@18:4"),
        ("<<<`a\nb`>>> <<<x>>>", "leftDelim@0:1 rawString@3:1 rightDelim@8:2 text@11:2 leftDelim@12:2 identifier@15:2 rightDelim@16:2 eof@19:2"),
        ("line1\n<<<\"x\"\n\"y\"\n", "text@0:1 leftDelim@6:2 string@9:2 space@12:2 string@13:3 space@16:3 error@17:4"),
        ("a\r\nb\r\n<<<c>>>", "text@0:1 leftDelim@6:3 identifier@9:3 rightDelim@10:3 eof@13:3"),
    ])
    func positions(_ input: String, _ expected: String) {
        #expect(itemPositions(input) == expected)
    }
}
