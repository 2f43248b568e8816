import Testing
@testable import Template

/// The function set a case parses with: Go's builtins alone, gomplate's namespaced table, or a set
/// with a `break` function (which turns the keyword into an identifier, as in Go).
enum ParseFunctions: Sendable {
    case builtins, namespaced, breakFunction

    var table: FunctionTable {
        switch self {
        case .builtins: return FunctionTable()
        case .namespaced:
            var table = FunctionTable()
            let identity = TemplateFunction("ToUpper", atLeast: 0) { arguments, _ in arguments.first ?? .null }
            table.add(identity, as: "strings.ToUpper", "strings.Trim", "toUpper")
            return table
        case .breakFunction:
            var table = FunctionTable()
            table.add(TemplateFunction("break", arguments: 1) { arguments, _ in arguments[0] }, as: "break")
            return table
        }
    }
}

/// One successful parse: the input, and every tree it yields printed back with the delimiters it was
/// parsed with. Modelled on Go's text/template/parse/parse_test.go (whose text nodes print quoted;
/// here they print as written).
struct ParseCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    var left = "<<<"
    var right = ">>>"
    var functions = ParseFunctions.builtins
    /// The template itself, printed back.
    let expected: String
    /// Templates the input defines with `define` or `block`, printed back.
    var defined: [String: String] = [:]

    var testDescription: String { name }
}

/// One parse that must fail, with Go's message.
struct ParseErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    var left = "<<<"
    var right = ">>>"
    var functions = ParseFunctions.builtins
    let expected: String
    /// Why the engine does not yet give Go's answer; the case then runs as a known issue.
    var knownIssue: String?

    var testDescription: String { name }
}

private func parse(_ input: String, name: String = "t", left: String, right: String,
                   functions: ParseFunctions) throws -> [String: String] {
    let source = Source(name: name, text: Array(input.utf8), leftDelim: left, rightDelim: right)
    let options = TemplateOptions(leftDelimiter: left, rightDelimiter: right)
    let trees = try TemplateParser.parse(name: name, source: source, options: options, functions: functions.table)
    return trees.mapValues { $0.root.description(in: $0.source) }
}

private let parseCases: [ParseCase] = [
    ParseCase(name: "empty", input: "", expected: ""),
    ParseCase(name: "comment", input: "<<</*\n\n\n*/>>>", expected: ""),
    ParseCase(name: "spaces", input: " \t\n", expected: " \t\n"),
    ParseCase(name: "text", input: "some text", expected: "some text"),
    ParseCase(name: "field", input: "<<<.X>>>", expected: "<<<.X>>>"),
    ParseCase(name: "simple command", input: "<<<printf>>>", expected: "<<<printf>>>"),
    ParseCase(name: "$ invocation", input: "<<<$>>>", expected: "<<<$>>>"),
    ParseCase(name: "variable invocation", input: "<<<with $x := 3>>><<<$x 23>>><<<end>>>",
              expected: "<<<with $x := 3>>><<<$x 23>>><<<end>>>"),
    ParseCase(name: "variable with fields", input: "<<<$.I>>>", expected: "<<<$.I>>>"),
    ParseCase(name: "variable chain", input: "<<<$x := .>>><<<$x.a.b>>>", expected: "<<<$x := .>>><<<$x.a.b>>>"),
    ParseCase(name: "multi-word command", input: "<<<printf `%d` 23>>>", expected: "<<<printf `%d` 23>>>"),
    ParseCase(name: "pipeline", input: "<<<.X|.Y>>>", expected: "<<<.X | .Y>>>"),
    ParseCase(name: "pipeline with spaces", input: "<<< .X | .Y >>>", expected: "<<<.X | .Y>>>"),
    ParseCase(name: "pipeline with decl", input: "<<<$x := .X|.Y>>>", expected: "<<<$x := .X | .Y>>>"),
    ParseCase(name: "assignment", input: "<<<$x := 1>>><<<$x = 2>>>", expected: "<<<$x := 1>>><<<$x = 2>>>"),
    ParseCase(name: "nested pipeline", input: "<<<.X (.Y .Z) (.A | .B .C) (.E)>>>",
              expected: "<<<.X (.Y .Z) (.A | .B .C) (.E)>>>"),
    ParseCase(name: "field applied to parentheses", input: "<<<(.Y .Z).Field>>>", expected: "<<<(.Y .Z).Field>>>"),
    ParseCase(name: "chain on parenthesized field", input: "<<<(.X).Y>>>", expected: "<<<(.X).Y>>>"),
    ParseCase(name: "chain of several fields", input: #"<<<(printf "%s" .).A.B>>>"#,
              expected: #"<<<(printf "%s" .).A.B>>>"#),
    ParseCase(name: "literals print as written", input: #"<<<print 0x1F 1_000 0b101 0o17 1e3 .5 -3.2 'a' '\n' "a\tb" `r` true nil>>>"#,
              expected: #"<<<print 0x1F 1_000 0b101 0o17 1e3 .5 -3.2 'a' '\n' "a\tb" `r` true nil>>>"#),
    ParseCase(name: "simple if", input: "<<<if .X>>>hello<<<end>>>", expected: "<<<if .X>>>hello<<<end>>>"),
    ParseCase(name: "if with else", input: "<<<if .X>>>true<<<else>>>false<<<end>>>",
              expected: "<<<if .X>>>true<<<else>>>false<<<end>>>"),
    ParseCase(name: "if with else if", input: "<<<if .X>>>a<<<else if .Y>>>b<<<end>>>",
              expected: "<<<if .X>>>a<<<else>>><<<if .Y>>>b<<<end>>><<<end>>>"),
    ParseCase(name: "if else chain", input: "+<<<if .X>>>X<<<else if .Y>>>Y<<<else if .Z>>>Z<<<end>>>+",
              expected: "+<<<if .X>>>X<<<else>>><<<if .Y>>>Y<<<else>>><<<if .Z>>>Z<<<end>>><<<end>>><<<end>>>+"),
    ParseCase(name: "else if with final else", input: "<<<if .X>>>X<<<else if .Y>>>Y<<<else>>>N<<<end>>>",
              expected: "<<<if .X>>>X<<<else>>><<<if .Y>>>Y<<<else>>>N<<<end>>><<<end>>>"),
    ParseCase(name: "simple range", input: "<<<range .X>>>hello<<<end>>>", expected: "<<<range .X>>>hello<<<end>>>"),
    ParseCase(name: "chained field range", input: "<<<range .X.Y.Z>>>hello<<<end>>>",
              expected: "<<<range .X.Y.Z>>>hello<<<end>>>"),
    ParseCase(name: "nested range", input: "<<<range .X>>>hello<<<range .Y>>>goodbye<<<end>>><<<end>>>",
              expected: "<<<range .X>>>hello<<<range .Y>>>goodbye<<<end>>><<<end>>>"),
    ParseCase(name: "range with else", input: "<<<range .X>>>true<<<else>>>false<<<end>>>",
              expected: "<<<range .X>>>true<<<else>>>false<<<end>>>"),
    ParseCase(name: "range over pipeline", input: "<<<range .X|.M>>>true<<<else>>>false<<<end>>>",
              expected: "<<<range .X | .M>>>true<<<else>>>false<<<end>>>"),
    ParseCase(name: "range 1 var", input: "<<<range $x := .SI>>><<<.>>><<<end>>>",
              expected: "<<<range $x := .SI>>><<<.>>><<<end>>>"),
    ParseCase(name: "range 2 vars", input: "<<<range $x, $y := .SI>>><<<$x>>><<<$y>>><<<end>>>",
              expected: "<<<range $x, $y := .SI>>><<<$x>>><<<$y>>><<<end>>>"),
    ParseCase(name: "range 2 vars without spaces", input: "<<<range $i,$v:=.>>><<<$i>>><<<end>>>",
              expected: "<<<range $i, $v := .>>><<<$i>>><<<end>>>"),
    ParseCase(name: "range assigning an outer variable", input: "<<<$x := 0>>><<<range $x = .>>><<<$x>>><<<end>>>",
              expected: "<<<$x := 0>>><<<range $x = .>>><<<$x>>><<<end>>>"),
    ParseCase(name: "range with break and continue", input: "<<<range .SI>>><<<.>>><<< break >>><<< continue >>><<<end>>>",
              expected: "<<<range .SI>>><<<.>>><<<break>>><<<continue>>><<<end>>>"),
    ParseCase(name: "break in if inside range", input: "<<<range .>>><<<if .>>><<<break>>><<<end>>><<<end>>>",
              expected: "<<<range .>>><<<if .>>><<<break>>><<<end>>><<<end>>>"),
    ParseCase(name: "break as a function", input: "<<<range .X>>><<<break 20>>><<<end>>>", functions: .breakFunction,
              expected: "<<<range .X>>><<<break 20>>><<<end>>>"),
    ParseCase(name: "constants", input: "<<<range .SI 1 -3.2 true false 'a' nil>>><<<end>>>",
              expected: "<<<range .SI 1 -3.2 true false 'a' nil>>><<<end>>>"),
    ParseCase(name: "with", input: "<<<with .X>>>hello<<<end>>>", expected: "<<<with .X>>>hello<<<end>>>"),
    ParseCase(name: "with with else", input: "<<<with .X>>>hello<<<else>>>goodbye<<<end>>>",
              expected: "<<<with .X>>>hello<<<else>>>goodbye<<<end>>>"),
    ParseCase(name: "with with else with", input: "<<<with .X>>>hello<<<else with .Y>>>goodbye<<<end>>>",
              expected: "<<<with .X>>>hello<<<else>>><<<with .Y>>>goodbye<<<end>>><<<end>>>"),
    ParseCase(name: "with else chain", input: "<<<with .X>>>X<<<else with .Y>>>Y<<<else with .Z>>>Z<<<end>>>",
              expected: "<<<with .X>>>X<<<else>>><<<with .Y>>>Y<<<else>>><<<with .Z>>>Z<<<end>>><<<end>>><<<end>>>"),
    ParseCase(name: "template", input: "<<<template `x`>>>", expected: #"<<<template "x">>>"#),
    ParseCase(name: "template with arg", input: "<<<template `x` .Y>>>", expected: #"<<<template "x" .Y>>>"#),
    ParseCase(name: "template with pipeline", input: #"<<<template "x" .Y | printf "%v">>>"#,
              expected: #"<<<template "x" .Y | printf "%v">>>"#),
    ParseCase(name: "define", input: #"<<<define "foo">>>hello<<<.>>><<<end>>>after"#, expected: "after",
              defined: ["foo": "hello<<<.>>>"]),
    ParseCase(name: "define and call", input: #"<<<define "a">>>A<<<end>>><<<template "a" .>>>"#,
              expected: #"<<<template "a" .>>>"#, defined: ["a": "A"]),
    ParseCase(name: "definitions and space", input: "<<<define `x`>>>a<<<end>>>\n\n<<<define `y`>>>b<<<end>>>\n",
              expected: "\n\n\n", defined: ["x": "a", "y": "b"]),
    ParseCase(name: "empty definition replaced", input: #"<<<define "a">>> <<<end>>><<<define "a">>>x<<<end>>>"#,
              expected: "", defined: ["a": "x"]),
    // A define named like the template replaces its empty body, as Go's Tree.add does.
    ParseCase(name: "define named like the template", input: #"<<<define "t">>>x<<<end>>>"#, expected: "x"),
    ParseCase(name: "variables reset inside define", input: #"<<<$x := 1>>><<<define "d">>><<<$x := 2>>><<<$x>>><<<end>>><<<$x>>>"#,
              expected: "<<<$x := 1>>><<<$x>>>", defined: ["d": "<<<$x := 2>>><<<$x>>>"]),
    ParseCase(name: "block definition", input: #"<<<block "foo" .>>>hello<<<end>>>"#,
              expected: #"<<<template "foo" .>>>"#, defined: ["foo": "hello"]),
    ParseCase(name: "block inside text", input: #"a<<<block "inner" .>>>bar<<<.>>>baz<<<end>>>b"#,
              expected: #"a<<<template "inner" .>>>b"#, defined: ["inner": "bar<<<.>>>baz"]),
    ParseCase(name: "trim left", input: "x \r\n\t<<<- 3>>>", expected: "x<<<3>>>"),
    ParseCase(name: "trim right", input: "<<<3 ->>>\n\n\ty", expected: "<<<3>>>y"),
    ParseCase(name: "trim left and right", input: "x \r\n\t<<<- 3 ->>>\n\n\ty", expected: "x<<<3>>>y"),
    ParseCase(name: "trim with extra spaces", input: "x\n<<<-  3   ->>>\ny", expected: "x<<<3>>>y"),
    ParseCase(name: "negative number is not a trim marker", input: "x <<<-3>>> y", expected: "x <<<-3>>> y"),
    ParseCase(name: "comment trim left", input: "x \r\n\t<<<- /* hi */>>>", expected: "x"),
    ParseCase(name: "comment trim right", input: "<<</* hi */ ->>>\n\n\ty", expected: "y"),
    ParseCase(name: "comment trim left and right", input: "x \r\n\t<<<- /* */ ->>>\n\n\ty", expected: "xy"),
    ParseCase(name: "newline in assignment", input: "<<< $x \n := \n 1 \n >>>", expected: "<<<$x := 1>>>"),
    ParseCase(name: "newline in pipeline", input: "<<<\n\"x\"\n|\nprintf\n>>>", expected: #"<<<"x" | printf>>>"#),
    ParseCase(name: "newline in comment", input: "<<<-\n/*\nhello\n*/\n->>>", expected: ""),
    ParseCase(name: "space after variable", input: "<<<$x:=.>>><<<$x +2>>>", expected: "<<<$x := .>>><<<$x +2>>>"),
    ParseCase(name: "paren nesting", input: "<<< ((( 1 ))) | printf >>>", expected: "<<<(((1))) | printf>>>"),
    ParseCase(name: "paren nesting in if", input: "<<< if ((( true ))) >>>YES<<< end >>>",
              expected: "<<<if (((true)))>>>YES<<<end>>>"),
    ParseCase(name: "1000 nested parentheses", input: "<<<" + String(repeating: "(", count: 1_000) + "1"
              + String(repeating: ")", count: 1_000) + ">>>",
              expected: "<<<" + String(repeating: "(", count: 1_000) + "1" + String(repeating: ")", count: 1_000) + ">>>"),

    // Other delimiters: nodes print back with the delimiters the tree was parsed with.
    ParseCase(name: "{{ }} delimiters", input: "{{if .X}}a{{else}}b{{end}} <<<.Y>>>", left: "{{", right: "}}",
              expected: "{{if .X}}a{{else}}b{{end}} <<<.Y>>>"),
    ParseCase(name: "[[ ]] round trip", input: #"[[.X]][[if .X]]y[[else]]z[[end]][[range .X]][[break]][[continue]][[end]][[with .X]]y[[end]][[template "name" .]]"#,
              left: "[[", right: "]]",
              expected: #"[[.X]][[if .X]]y[[else]]z[[end]][[range .X]][[break]][[continue]][[end]][[with .X]]y[[end]][[template "name" .]]"#),
    ParseCase(name: "multi-byte delimiters", input: "a«% .b | printf \"%v\" %»c", left: "«%", right: "%»",
              expected: "a«%.b | printf \"%v\"%»c"),

    // gomplate's namespaced functions.
    ParseCase(name: "namespaced function", input: "<<<strings.ToUpper .x>>>", functions: .namespaced,
              expected: "<<<strings.ToUpper .x>>>"),
    ParseCase(name: "namespaced function in pipeline", input: #"<<< .x | strings.Trim " " | strings.ToUpper >>>"#,
              functions: .namespaced, expected: #"<<<.x | strings.Trim " " | strings.ToUpper>>>"#),
    ParseCase(name: "namespaced function in parentheses", input: "<<<(strings.ToUpper .x).Len>>>", functions: .namespaced,
              expected: "<<<(strings.ToUpper .x).Len>>>"),
    ParseCase(name: "plain alias of a namespaced function", input: "<<<toUpper .x>>>", functions: .namespaced,
              expected: "<<<toUpper .x>>>"),
    ParseCase(name: "namespaced function in define", input: #"<<<define "u">>><<<. | strings.ToUpper>>><<<end>>><<<template "u" "a">>>"#,
              functions: .namespaced, expected: #"<<<template "u" "a">>>"#, defined: ["u": "<<<. | strings.ToUpper>>>"]),
]

private let parseErrorCases: [ParseErrorCase] = [
    // Line numbers (Go's errorTests).
    ParseErrorCase(name: "unclosed1", input: "line1\n<<<", expected: "template: t:2: unclosed action"),
    ParseErrorCase(name: "unclosed2", input: "line1\n<<<define `x`>>>line2\n<<<", expected: "template: t:3: unclosed action"),
    ParseErrorCase(name: "unclosed3", input: "line1\n<<<\"x\"\n\"y\"\n",
                   expected: "template: t:4: unclosed action started at t:2"),
    ParseErrorCase(name: "unclosed4", input: "<<<\n\n\n\n\n", expected: "template: t:6: unclosed action started at t:1"),
    ParseErrorCase(name: "var1", input: "line1\n<<<\nx\n>>>", expected: #"template: t:3: function "x" not defined"#),
    ParseErrorCase(name: "multiline raw string", input: "<<< $v := `\n` >>> <<<",
                   expected: "template: t:2: unclosed action"),
    ParseErrorCase(name: "after multiline comment", input: "<<</* one\ntwo */>>>\n\n<<< foo >>>",
                   expected: #"template: t:4: function "foo" not defined"#),
    ParseErrorCase(name: "line 4", input: "a\nb\nc\nd <<<if>>>", expected: "template: t:4: missing value for if"),
    ParseErrorCase(name: "CRLF lines", input: "a\r\nb\r\n<<<if>>>", expected: "template: t:3: missing value for if"),
    ParseErrorCase(name: "EOF line", input: "<<<if .a>>>\n<<<range .b>>>\n<<<end>>>\n", expected: "template: t:4: unexpected EOF"),
    ParseErrorCase(name: "after define", input: "<<<define \"a\">>>\n1\n2\n<<<end>>>\n<<<if>>>",
                   expected: "template: t:5: missing value for if"),

    // Lexer errors, as the parser reports them.
    ParseErrorCase(name: "unclosed comment", input: "<<</*>>>", expected: "template: t:1: unclosed comment"),
    ParseErrorCase(name: "unclosed comment with newlines", input: "<<</*\nhello\n>>>", expected: "template: t:1: unclosed comment"),
    ParseErrorCase(name: "comment ends before delimiter", input: "<<</* c */ .x>>>",
                   expected: "template: t:1: comment ends before closing delimiter"),
    ParseErrorCase(name: "lparen", input: "<<<.X (1 2 3>>>", expected: "template: t:1: unclosed left paren"),
    ParseErrorCase(name: "rparen", input: "<<<.X 1 2 3 ) >>>", expected: "template: t:1: unexpected right paren"),
    ParseErrorCase(name: "rparen2", input: "<<<(.X 1 2 3", expected: "template: t:1: unclosed action"),
    ParseErrorCase(name: "idchar", input: "<<<a#>>>", expected: "template: t:1: bad character U+0023 '#'"),
    ParseErrorCase(name: "charconst", input: "<<<'a>>>", expected: "template: t:1: unterminated character constant"),
    ParseErrorCase(name: "stringconst", input: #"<<<"a>>>"#, expected: "template: t:1: unterminated quoted string"),
    ParseErrorCase(name: "rawstringconst", input: "<<<`a>>>", expected: "template: t:1: unterminated raw quoted string"),
    ParseErrorCase(name: "bad number", input: "<<<3k>>>", expected: #"template: t:1: bad number syntax: "3k""#),
    ParseErrorCase(name: "variable followed by bang", input: "<<<$x:=.>>><<<$x!2>>>",
                   expected: "template: t:1: bad character U+0021 '!'"),

    // Specific errors.
    ParseErrorCase(name: "function", input: "<<<foo>>>", expected: #"template: t:1: function "foo" not defined"#),
    ParseErrorCase(name: "undefined function after text", input: "hello<<<undefined>>>",
                   expected: #"template: t:1: function "undefined" not defined"#),
    ParseErrorCase(name: "undefined namespaced function", input: "<<<strings.Nope .x>>>", functions: .namespaced,
                   expected: #"template: t:1: function "strings.Nope" not defined"#),
    ParseErrorCase(name: "break keyword with argument", input: "<<<range .X>>><<<break 20>>><<<end>>>",
                   expected: #"template: t:1: unexpected "20" in {{break}}"#),
    ParseErrorCase(name: "space", input: "<<<`x`3>>>", expected: #"template: t:1: unexpected "3" in operand"#),
    ParseErrorCase(name: "adjacent args", input: "<<<printf 3`x`>>>", expected: #"template: t:1: unexpected "`x`" in operand"#),
    ParseErrorCase(name: "adjacent args with .", input: "<<<printf `x`.>>>", expected: "template: t:1: unexpected <.> in operand"),
    ParseErrorCase(name: "dot applied to parentheses", input: "<<<printf (printf .).>>>",
                   expected: "template: t:1: unexpected <.> in operand"),
    ParseErrorCase(name: "invalid punctuation", input: "<<<printf 3, 4>>>", expected: #"template: t:1: unexpected "," in operand"#),
    ParseErrorCase(name: "long token is cut", input: "<<<define abcdefghijklmno>>>x<<<end>>>",
                   expected: #"template: t:1: unexpected "abcdefghij"... in define clause"#),
    ParseErrorCase(name: "multidefine", input: "<<<define `a`>>>a<<<end>>><<<define `a`>>>b<<<end>>>",
                   expected: #"template: t:1: template: multiple definition of template "a""#),
    ParseErrorCase(name: "block then define", input: #"<<<block "b" .>>>x<<<end>>><<<define "b">>>y<<<end>>>"#,
                   expected: #"template: t:1: template: multiple definition of template "b""#),
    ParseErrorCase(name: "define named like the template, with text", input: #"<<<define "t">>>x<<<end>>>y"#,
                   expected: #"template: t:1: template: multiple definition of template "t""#),
    ParseErrorCase(name: "eof", input: "<<<range .X>>>", expected: "template: t:1: unexpected EOF"),
    ParseErrorCase(name: "missing end after else", input: "hello<<<range .x>>><<<else>>>", expected: "template: t:1: unexpected EOF"),
    ParseErrorCase(name: "declaration of a field", input: "<<<$x := 23>>><<<with $x.y := 3>>><<<$x 23>>><<<end>>>",
                   expected: #"template: t:1: unexpected ":=" in operand"#),
    ParseErrorCase(name: "multidecl", input: "<<<$a,$b,$c := 23>>>", expected: "template: t:1: too many declarations in command"),
    ParseErrorCase(name: "multidecl outside range", input: "<<<with $v, $u := 3>>><<<end>>>",
                   expected: "template: t:1: too many declarations in with"),
    ParseErrorCase(name: "too many decls in range", input: "<<<range $u, $v, $w := 3>>><<<end>>>",
                   expected: "template: t:1: too many declarations in range"),
    ParseErrorCase(name: "undefvar", input: "<<<$a>>>", expected: #"template: t:1: undefined variable "$a""#),
    ParseErrorCase(name: "variable undefined after end", input: "<<<with $x := 4>>><<<end>>><<<$x>>>",
                   expected: #"template: t:1: undefined variable "$x""#),
    ParseErrorCase(name: "variable undefined in define", input: #"<<<$x := 1>>><<<define "t2">>><<<$x>>><<<end>>>"#,
                   expected: #"template: t:1: undefined variable "$x""#),
    ParseErrorCase(name: "declare with undefined field base", input: "<<<with $x.Y := 4>>><<<end>>>",
                   expected: #"template: t:1: undefined variable "$x""#),
    ParseErrorCase(name: "plus-equals", input: "<<<$x += 1>>><<<$x>>>", expected: #"template: t:1: undefined variable "$x""#),
    ParseErrorCase(name: "declaration chained onto declaration", input: "<<<range $x := $y := 3>>><<<end>>>",
                   expected: #"template: t:1: undefined variable "$y""#),
    ParseErrorCase(name: "rangeundefvar", input: "<<<range $k>>><<<end>>>", expected: #"template: t:1: undefined variable "$k""#),
    ParseErrorCase(name: "rangeundefvars", input: "<<<range $k, $v>>><<<end>>>", expected: #"template: t:1: undefined variable "$v""#),
    ParseErrorCase(name: "rangemissingvalue1", input: "<<<range $k,>>><<<end>>>", expected: "template: t:1: missing value for range"),
    ParseErrorCase(name: "rangemissingvalue2", input: "<<<range $k, $v := >>><<<end>>>",
                   expected: "template: t:1: missing value for range"),
    ParseErrorCase(name: "rangenotvariable1", input: "<<<range $k, .>>><<<end>>>",
                   expected: "template: t:1: range can only initialize variables"),
    ParseErrorCase(name: "rangenotvariable2", input: "<<<range $k, 123 := .>>><<<end>>>",
                   expected: "template: t:1: range can only initialize variables"),
    ParseErrorCase(name: "template with field ref", input: "<<<template .X>>>", expected: #"template: t:1: unexpected ".X" in template clause"#),
    ParseErrorCase(name: "template with var", input: "<<<template $v>>>", expected: #"template: t:1: unexpected "$v" in template clause"#),
    ParseErrorCase(name: "define with bad name", input: "<<<define x>>>x<<<end>>>", expected: #"template: t:1: unexpected "x" in define clause"#),
    ParseErrorCase(name: "define inside define", input: #"<<<define "a">>><<<define "b">>>x<<<end>>><<<end>>>"#,
                   expected: "template: t:1: unexpected <define> in command"),
    ParseErrorCase(name: "else in define", input: #"<<<define "x">>><<<else>>><<<end>>>"#,
                   expected: "template: t:1: unexpected <<<else>>> in define clause"),
    ParseErrorCase(name: "block without pipeline", input: #"<<<block "foo">>>hello<<<end>>>"#,
                   expected: "template: t:1: missing value for block clause"),
    ParseErrorCase(name: "empty action", input: "<<<>>>", expected: "template: t:1: missing value for command"),
    ParseErrorCase(name: "newline in empty action", input: "<<<\n>>>", expected: "template: t:2: missing value for command"),
    ParseErrorCase(name: "if without condition", input: "<<<if>>>x<<<end>>>", expected: "template: t:1: missing value for if"),
    ParseErrorCase(name: "emptypipeline", input: "<<< ( ) >>>", expected: "template: t:1: missing value for parenthesized pipeline"),
    ParseErrorCase(name: "empty pipeline argument", input: #"<<<printf "%d" ( ) >>>"#,
                   expected: "template: t:1: missing value for parenthesized pipeline"),
    ParseErrorCase(name: "unmatched end", input: "<<<end>>>", expected: "template: t:1: unexpected <<<end>>>"),
    ParseErrorCase(name: "unmatched end with {{ }}", input: "{{ end }}", left: "{{", right: "}}",
                   expected: "template: t:1: unexpected {{end}}"),
    ParseErrorCase(name: "unmatched else", input: "a\n<<<else>>>", expected: "template: t:2: unexpected <<<else>>>"),
    ParseErrorCase(name: "unmatched else after if", input: "<<<if .X>>>hello<<<end>>><<<else>>>",
                   expected: "template: t:1: unexpected <<<else>>>"),
    ParseErrorCase(name: "extra end after if", input: "<<<if .X>>>a<<<else if .Y>>>b<<<end>>><<<end>>>",
                   expected: "template: t:1: unexpected <<<end>>>"),
    ParseErrorCase(name: "multiple else", input: "<<<if .X>>>1<<<else>>>2<<<else>>>3<<<end>>>",
                   expected: "template: t:1: expected end; found <<<else>>>"),
    ParseErrorCase(name: "else if in range", input: "<<<range .>>>x<<<else if true>>>y<<<end>>>",
                   expected: "template: t:1: unexpected <if> in input"),
    ParseErrorCase(name: "end with argument", input: "<<<if true>>>a<<<end 1>>>", expected: #"template: t:1: unexpected "1" in end"#),
    ParseErrorCase(name: "else with argument", input: "<<<if true>>>a<<<else 1>>>b<<<end>>>",
                   expected: #"template: t:1: unexpected "1" in else"#),
    ParseErrorCase(name: "keyword as argument", input: "<<<print end>>>", expected: "template: t:1: unexpected <end> in operand"),
    ParseErrorCase(name: "break outside range", input: "<<<range .>>><<<end>>> <<<break>>>",
                   expected: "template: t:1: {{break}} outside {{range}}"),
    ParseErrorCase(name: "continue in range else", input: "<<<range .>>><<<else>>><<<continue>>><<<end>>>",
                   expected: "template: t:1: {{continue}} outside {{range}}"),
    ParseErrorCase(name: "wrongdot", input: "<<<true.any>>>", expected: #"template: t:1: unexpected . after term "true""#),
    ParseErrorCase(name: "dot after float", input: "<<<0.1.E>>>", expected: #"template: t:1: unexpected . after term "0.1""#),
    ParseErrorCase(name: "dot after char", input: "<<<'a'.any>>>", expected: #"template: t:1: unexpected . after term "'a'""#),
    ParseErrorCase(name: "dot after string", input: #"<<<"hello".guys>>>"#,
                   expected: #"template: t:1: unexpected . after term "\"hello\"""#),
    ParseErrorCase(name: "dot after dot", input: "<<<..E>>>", expected: #"template: t:1: unexpected . after term ".""#),
    ParseErrorCase(name: "dot after nil", input: "<<<nil.E>>>", expected: #"template: t:1: unexpected . after term "nil""#),
    ParseErrorCase(name: "wrong pipeline dot", input: "<<<12|.>>>", expected: "template: t:1: non executable command in pipeline stage 2"),
    ParseErrorCase(name: "wrong pipeline number", input: "<<<.|12|printf>>>",
                   expected: "template: t:1: non executable command in pipeline stage 2"),
    ParseErrorCase(name: "wrong pipeline string", input: #"<<<.|printf|"error">>>"#,
                   expected: "template: t:1: non executable command in pipeline stage 3"),
    ParseErrorCase(name: "wrong pipeline char", input: "<<<12|printf|'e'>>>",
                   expected: "template: t:1: non executable command in pipeline stage 3"),
    ParseErrorCase(name: "wrong pipeline boolean", input: "<<<.|true>>>", expected: "template: t:1: non executable command in pipeline stage 2"),
    ParseErrorCase(name: "wrong pipeline nil", input: "<<<'c'|nil>>>", expected: "template: t:1: non executable command in pipeline stage 2"),

    // Literals the lexer accepts and the parser rejects.
    ParseErrorCase(name: "dot after integer", input: "<<<1.E>>>", expected: #"template: t:1: illegal number syntax: "1.E""#),
    ParseErrorCase(name: "number", input: "<<<0xi>>>", expected: #"template: t:1: illegal number syntax: "0xi""#),
    ParseErrorCase(name: "lone plus", input: #"<<<"a" + "b">>>"#, expected: #"template: t:1: illegal number syntax: "+""#),
    ParseErrorCase(name: "double underscore", input: "<<<1__0>>>", expected: #"template: t:1: illegal number syntax: "1__0""#),
    ParseErrorCase(name: "float overflow", input: "<<<1e400>>>", expected: #"template: t:1: illegal number syntax: "1e400""#),
    ParseErrorCase(name: "integer overflow", input: "<<<99999999999999999999>>>",
                   expected: #"template: t:1: integer overflow: "99999999999999999999""#),
    ParseErrorCase(name: "leading-zero eight", input: "<<<08>>>", expected: #"template: t:1: integer overflow: "08""#),
    ParseErrorCase(name: "malformed character constant", input: "<<<'ab'>>>",
                   expected: "template: t:1: malformed character constant: 'ab'"),
    ParseErrorCase(name: "bad escape in char", input: #"<<<'\q'>>>"#, expected: "template: t:1: invalid syntax"),
    ParseErrorCase(name: "bad escape in string", input: #"<<<"\q">>>"#, expected: "template: t:1: invalid syntax"),

    // Documented deviations (docs/gomplate.md): Go accepts both.
    ParseErrorCase(name: "complex numbers", input: "<<<1+2i>>>",
                   expected: #"template: t:1: complex numbers are not supported: "1+2i""#),
    ParseErrorCase(name: "parentheses deeper than 1000", input: "<<<" + String(repeating: "(", count: 1_001) + "1"
                   + String(repeating: ")", count: 1_001) + ">>>",
                   expected: "template: t:1: max expression depth exceeded"),
]

/// The number node `print TEXT` parses to, as the kinds it can be (Go's IsInt, IsUint, IsFloat) and
/// the value of each.
private func numberKinds(_ text: String) throws -> String {
    let trees = try TemplateParser.parse(name: "t", source: Source(name: "t", text: Array("<<<print \(text)>>>".utf8),
                                                                   leftDelim: "<<<", rightDelim: ">>>"),
                                         options: TemplateOptions(), functions: FunctionTable())
    guard case .action(_, let pipe) = trees["t"]?.root.nodes.first,
          case .number(let number) = pipe.commands.first?.arguments.last else { return "not a number node" }
    return [number.isInt ? "int \(number.int64)" : nil, number.isUint ? "uint \(number.uint64)" : nil,
            number.isFloat ? "float \(number.float64)" : nil].compactMap { $0 }.joined(separator: " ")
}

/// The message of the error parsing `input` raises, or what it parsed to when it raises none.
private func parseError(_ input: String, name: String = "t", left: String = "<<<", right: String = ">>>",
                        functions: ParseFunctions = .builtins) -> String {
    do {
        return "no error: \(try parse(input, name: name, left: left, right: right, functions: functions))"
    } catch {
        return "\(error)"
    }
}

struct ParserTests {
    @Test(arguments: parseCases)
    func printsBack(_ test: ParseCase) throws {
        let trees = try parse(test.input, left: test.left, right: test.right, functions: test.functions)
        #expect(trees == test.defined.merging(["t": test.expected]) { _, root in root })
    }

    @Test(arguments: parseErrorCases)
    func errors(_ test: ParseErrorCase) {
        withKnownIssue(Comment(rawValue: test.knownIssue ?? "")) {
            #expect(parseError(test.input, left: test.left, right: test.right, functions: test.functions) == test.expected)
        } when: {
            test.knownIssue != nil
        }
    }

    /// Go's numberTests: which of int, uint and float a literal can be, and its value as each.
    @Test(arguments: [
        ("0", "int 0 uint 0 float 0.0", nil),
        ("-0", "int 0 uint 0 float 0.0", nil),
        ("73", "int 73 uint 73 float 73.0", nil),
        ("7_3", "int 73 uint 73 float 73.0", nil),
        ("0b10_010_01", "int 73 uint 73 float 73.0", nil),
        ("0B10_010_01", "int 73 uint 73 float 73.0", nil),
        ("073", "int 59 uint 59 float 59.0", nil),
        ("0o73", "int 59 uint 59 float 59.0", nil),
        ("0O73", "int 59 uint 59 float 59.0", nil),
        ("0x73", "int 115 uint 115 float 115.0", nil),
        ("0X7_3", "int 115 uint 115 float 115.0", nil),
        ("-73", "int -73 float -73.0", nil),
        ("+73", "int 73 float 73.0", nil),
        ("1e9", "int 1000000000 uint 1000000000 float 1000000000.0", nil),
        ("-1e9", "int -1000000000 float -1000000000.0", nil),
        ("-1.2", "float -1.2", nil),
        ("1e19", "uint 10000000000000000000 float 1e+19", nil),
        ("1e1_9", "uint 10000000000000000000 float 1e+19", nil),
        ("-1e19", "float -1e+19", nil),
        ("0x_1p4", "int 16 uint 16 float 16.0", nil),
        ("0X_1P4", "int 16 uint 16 float 16.0", nil),
        ("0x_1p-4", "float 0.0625", nil),
        ("-0x0", "int 0 uint 0 float 0.0", nil),
        ("0xdeadbeef", "int 3735928559 uint 3735928559 float 3735928559.0", nil),
        ("0xef", "int 239 uint 239 float 239.0", nil),
        ("18446744073709551615", "uint 18446744073709551615 float 1.8446744073709552e+19", nil),
        (#"'a'"#, "int 97 uint 97 float 97.0", nil),
        (#"'\n'"#, "int 10 uint 10 float 10.0", nil),
        (#"'\\'"#, "int 92 uint 92 float 92.0", nil),
        (#"'\''"#, "int 39 uint 39 float 39.0", nil),
        (#"'\xFF'"#, "int 255 uint 255 float 255.0", nil),
        ("'パ'", "int 12497 uint 12497 float 12497.0", nil),
        (#"'\u30d1'"#, "int 12497 uint 12497 float 12497.0", nil),
        (#"'\U000030d1'"#, "int 12497 uint 12497 float 12497.0", nil),
    ] as [(String, String, String?)])
    func numbers(_ text: String, _ expected: String, _ knownIssue: String?) throws {
        let kinds = try numberKinds(text)
        withKnownIssue(Comment(rawValue: knownIssue ?? "")) {
            #expect(kinds == expected)
        } when: {
            knownIssue != nil
        }
    }

    /// The error names the template being parsed, not `t`.
    @Test func errorNamesTheTemplate() {
        #expect(parseError("ok\n<<<nope>>>", name: "dir/file.yaml")
                == #"template: dir/file.yaml:2: function "nope" not defined"#)
    }
}

