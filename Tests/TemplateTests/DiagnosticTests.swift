import Foundation
import Testing
@testable import Template

/// A template, its delimiters, and where its error is: the line, the column (1-based, in bytes; nil
/// for parse errors), the executing template and node, Go's message, and Go's whole text (from
/// `go run` with text/template 1.19, `Delims` and `missingkey=error`, data `{"a": {}}`).
struct PositionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    var left = "<<<"
    var right = ">>>"
    let line: Int
    var column: Int?
    var executing: String?
    var node: String?
    let message: String
    let go: String

    var testDescription: String { name }
}

private let positionCases: [PositionCase] = [
    PositionCase(name: "stacks/app.yaml", text: "line1\n<<<\nx\n>>>", line: 3,
                 message: #"function "x" not defined"#, go: #"template: stacks/app.yaml:3: function "x" not defined"#),
    PositionCase(name: "a.t", text: "a\nb\n{{ if true }}\nc", left: "{{", right: "}}", line: 4,
                 message: "unexpected EOF", go: "template: a.t:4: unexpected EOF"),
    PositionCase(name: "p1.t", text: "one\ntwo [[ range ]]\n", left: "[[", right: "]]", line: 2,
                 message: "missing value for range", go: "template: p1.t:2: missing value for range"),
    // Go 1.19 prints `{{else}}` whatever the delimiters; the Go of the golden corpus prints the template's.
    PositionCase(name: "p2.t", text: "a\n[[ if .x ]]\nb\n[[ else ]]\n[[ else ]]", left: "[[", right: "]]", line: 5,
                 message: "expected end; found [[else]]", go: "template: p2.t:5: expected end; found [[else]]"),
    PositionCase(name: "p3.t", text: "a\n\n((\n  .x\n  \"unterminated\n))", left: "((", right: "))", line: 5,
                 message: "unterminated quoted string in action started at p3.t:3",
                 go: "template: p3.t:5: unterminated quoted string in action started at p3.t:3"),
    PositionCase(name: "p4.t", text: "line1\n<<< $undefined >>>\n", line: 2,
                 message: #"undefined variable "$undefined""#, go: #"template: p4.t:2: undefined variable "$undefined""#),
    PositionCase(name: "d.t", text: "x: 1\n  y: <<< .Missing >>>\n", line: 2, column: 10, executing: "d.t",
                 node: ".Missing", message: #"map has no entry for key "Missing""#,
                 go: #"template: d.t:2:9: executing "d.t" at <.Missing>: map has no entry for key "Missing""#),
    // Columns count bytes: "é" is two.
    PositionCase(name: "e.t", text: "é: [[ .a.b ]]\n", left: "[[", right: "]]", line: 1, column: 10, executing: "e.t",
                 node: ".a.b", message: #"map has no entry for key "b""#,
                 go: #"template: e.t:1:9: executing "e.t" at <.a.b>: map has no entry for key "b""#),
    // Inside a define: the file's name and line, the define's name as the executing template.
    PositionCase(name: "f.t", text: "<<< define \"inner\" >>>\n\n  <<< .Gone >>><<< end >>>top\n<<< template \"inner\" . >>>",
                 line: 3, column: 7, executing: "inner", node: ".Gone", message: #"map has no entry for key "Gone""#,
                 go: #"template: f.t:3:6: executing "inner" at <.Gone>: map has no entry for key "Gone""#),
    PositionCase(name: "g.t", text: "{{/* c */}}\n{{\n  printf \"%d\"\n  .a.b\n}}", left: "{{", right: "}}", line: 4,
                 column: 5, executing: "g.t", node: ".a.b", message: #"map has no entry for key "b""#,
                 go: #"template: g.t:4:4: executing "g.t" at <.a.b>: map has no entry for key "b""#),
    PositionCase(name: "x1.t", text: "line\n((- range $i, $v := .a.list ))((end))", left: "((", right: "))", line: 2,
                 column: 23, executing: "x1.t", node: ".a.list", message: #"map has no entry for key "list""#,
                 go: #"template: x1.t:2:22: executing "x1.t" at <.a.list>: map has no entry for key "list""#),
    PositionCase(name: "x2.t", text: "a\nb: ((  index .a \"k\" 1 ))", left: "((", right: "))", line: 2, column: 8,
                 executing: "x2.t", node: #"index .a "k" 1"#, message: "error calling index: index of nil pointer",
                 go: #"template: x2.t:2:7: executing "x2.t" at <index .a "k" 1>: error calling index: index of nil pointer"#),
]

private func templateError(_ test: PositionCase) -> TemplateError? {
    do {
        let options = TemplateOptions(leftDelimiter: test.left, rightDelimiter: test.right)
        let template = try Template(name: test.name, text: test.text, options: options, functions: FunctionTable())
        _ = try template.execute(.map(MapValue(["a": .map(MapValue())])), host: TestHost())
        return nil
    } catch {
        return error as? TemplateError
    }
}

@Suite("Template error positions")
struct TemplateErrorPositionTests {
    @Test(arguments: positionCases)
    func positionsAreFieldsAndTheTextIsGos(_ test: PositionCase) throws {
        let error = try #require(templateError(test))
        #expect(error.name == test.name)
        #expect(error.line == test.line)
        #expect(error.column == test.column)
        #expect(error.executing == test.executing)
        #expect(error.node == test.node)
        #expect(error.message == test.message)
        #expect(error.description == test.go)
        #expect(error.diagnostic == Diagnostic(file: test.name, line: test.line, column: test.column,
                                               message: test.message, subject: test.node))
    }

    /// Go names no line for a template that was never parsed: `template: h.t: "h.t" is an incomplete
    /// or empty template`.
    @Test func anErrorWithoutALineHasNeitherLineNorColumn() {
        let error = TemplateError(name: "h.t", message: #""h.t" is an incomplete or empty template"#)
        #expect(error.line == nil && error.column == nil && error.node == nil)
        #expect(error.description == #"template: h.t: "h.t" is an incomplete or empty template"#)
        #expect(error.diagnostic.description == #"h.t: "h.t" is an incomplete or empty template"#)
    }

    /// An error from a template called with `template` keeps the position where it happened.
    @Test func errorsOfCalledTemplatesKeepTheirPlace() throws {
        let template = try Template(name: "outer.t", text: "a\n<<< template \"in\" . >>>", functions: FunctionTable())
        try template.addTemplate(name: "in", text: "\n\n  <<< .nope.deeper >>>")
        let error = try #require(throws: TemplateError.self) { try template.execute(.map(MapValue()), host: TestHost()) }
        #expect(error.name == "in" && error.line == 3 && error.column == 12 && error.executing == "in")
        #expect(error.description == #"template: in:3:11: executing "in" at <.nope.deeper>: map has no entry for key "nope""#)
    }
}

@Suite("Missing key positions")
struct MissingKeyPositionTests {
    @Test func everyMissingKeyIsADiagnosticAboutTheKey() throws {
        let text = "[[/* header */]]\nname: [[ .Env.NAME ]]\n  é: [[ .Env.OTHER | printf \"%s\" ]]\n"
            + "[[ define \"d\" ]]\n\n[[- .Env.THIRD ]][[ end ]][[ template \"d\" . ]]"
        let options = TemplateOptions(leftDelimiter: "[[", rightDelimiter: "]]")
        let template = try Template(name: "stacks/core/app.yaml", text: text, options: options, functions: FunctionTable())
        let data: Value = .map(MapValue(["Env": .map(MapValue([:], elementType: .string))]))
        let missing = try template.renderReportingMissingKeys(data, host: TestHost()).missing
        #expect(missing.map(\.key) == ["NAME", "OTHER", "THIRD"])
        #expect(missing.map(\.expression) == [".Env.NAME", ".Env.OTHER", ".Env.THIRD"])
        #expect(missing.map(\.diagnostic) == [
            Diagnostic(file: "stacks/core/app.yaml", line: 2, column: 14, message: #"missing key "NAME" (in .Env.NAME)"#,
                       subject: "NAME"),
            Diagnostic(file: "stacks/core/app.yaml", line: 3, column: 14, message: #"missing key "OTHER" (in .Env.OTHER)"#,
                       subject: "OTHER"),
            Diagnostic(file: "stacks/core/app.yaml", line: 6, column: 9, message: #"missing key "THIRD" (in .Env.THIRD)"#,
                       subject: "THIRD"),
        ])
        #expect(missing[0].description == #"stacks/core/app.yaml:2:14: missing key "NAME" (in .Env.NAME)"#)
    }
}

@Suite("Diagnostic")
struct DiagnosticTests {
    @Test func describesItselfAsFileLineColumn() {
        #expect(Diagnostic(file: "a/b.yaml", line: 3, column: 22, message: "bad").description == "a/b.yaml:3:22: bad")
        #expect(Diagnostic(file: "a/b.yaml", line: 3, message: "bad").description == "a/b.yaml:3: bad")
        #expect(Diagnostic(file: "a/b.yaml", message: "bad").description == "a/b.yaml: bad")
    }

    @Test func encodesItsFields() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let full = Diagnostic(file: "f", line: 2, column: 7, message: "m", subject: ".Domain")
        #expect(String(decoding: try encoder.encode(full), as: UTF8.self)
            == #"{"column":7,"file":"f","line":2,"message":"m","subject":".Domain"}"#)
        #expect(String(decoding: try encoder.encode(Diagnostic(file: "f", message: "m")), as: UTF8.self)
            == #"{"file":"f","message":"m"}"#)
    }
}
