import Testing
@testable import Template

@Suite("Did-you-mean: the closest known name, only when close")
struct NameSuggestionTests {
    @Test(arguments: [
        // (typed, known, suggested)
        ("strings.ToUper", ["strings.ToUpper", "strings.ToLower", "toUpper"], "strings.ToUpper"),
        ("strings.toupper", ["strings.ToUpper", "strings.ToLower"], "strings.ToUpper"),
        ("recreat", ["recreate", "check", "list"], "recreate"),
        ("--ot", ["--out", "--in", "--file"], "--out"),
        ("--bogus", ["--out", "--in", "--file"], nil),
        // Short words get one edit at most: two would turn `nope` into `not` and `eq` into `ne`.
        ("nope", ["not", "and", "or"], nil),
        ("eq", ["ne", "le"], nil),
        ("lenn", ["len", "and"], "len"),
        // The closest wins; among equals the first in byte order, whatever the order given.
        ("toJSONN", ["toJSON", "toJSONPretty", "toYAML"], "toJSON"),
        ("abcd", ["abce", "abcf"], "abce"),
        ("abcd", ["abcf", "abce"], "abce"),
        ("same", ["same"], nil),
    ] as [(String, [String], String?)])
    func suggestion(typed: String, known: [String], suggested: String?) {
        #expect(closestName(to: typed, among: known) == suggested)
    }

    @Test func editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        #expect(editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(editDistance(Array(""), Array("abc")) == 3)
        #expect(editDistance(Array("ToUper"), Array("ToUpper")) == 1)
    }

    @Test func theTablesHookWordsTheUnknownFunctionAndPlainTablesKeepGosText() throws {
        var hinted = FunctionTable()
        hinted.add(TemplateFunction("ToUpper", atLeast: 0) { arguments, _ in arguments.first ?? .null }, as: "strings.ToUpper")
        hinted.unknownFunctionHint = { name, known in
            "function \(goQuote(name)) not defined; known: \(known.contains("strings.ToUpper")), \(known.contains("len"))"
        }
        let plain = FunctionTable()
        for (input, written, goName) in [("<<< strings.ToUper >>>", "strings.ToUper", "strings.ToUper"),
                                         ("<<< aws.EC2Meta >>>", "aws.EC2Meta", "aws"),
                                         ("x\n<<< nope 1 >>>", "nope", "nope")] {
            let line = input.contains("\n") ? 2 : 1
            #expect(throws: TemplateError(name: "t", line: line,
                                          message: "function \"\(written)\" not defined; known: true, true")) {
                try Template(name: "t", text: input, functions: hinted)
            }
            let expectedPlain = input.hasPrefix("<<< strings") ? "function \"strings\" not defined" : "function \"\(goName)\" not defined"
            #expect(throws: TemplateError(name: "t", line: line, message: expectedPlain)) {
                try Template(name: "t", text: input, functions: plain)
            }
        }
    }
}
