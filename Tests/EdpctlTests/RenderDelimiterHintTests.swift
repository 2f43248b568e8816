import Testing

/// A template written for gomplate's `{{ }}` renders to itself under edpctl's `<<< >>>`; render
/// says so, naming the file and the flags, and only then.
@Suite("render warns about {{ }} templates under <<< >>>")
struct RenderDelimiterHintTests {
    private let hint = "has {{ }} actions but no <<< one, so it was copied as it is; "
        + "to render gomplate's delimiters: --left-delim '{{' --right-delim '}}'"

    @Test func aTreeNamesEachFileWrittenForGomplatesDelimiters() throws {
        let scratch = try Scratch([
            "in/sub/gomplate.yaml": "a: {{ .Env.HOME }}\n",
            "in/both.yaml": "b: <<< \"x\" >>> {{ y }}\n",
            "in/plain.txt": "plain {{ but never closed\n",
            "in/helm.yaml": "c: '}} {{'\n",
        ])
        let result = try scratch.run("render", "--input-dir", "in", "--output-dir", "out")
        #expect(result.status == 0)
        #expect(result.stderr.components(separatedBy: "\n").filter { $0.contains("warning:") }
            == ["edpctl: warning: in/sub/gomplate.yaml: " + hint], "\(result.stderr)")
        #expect(try scratch.read("out/sub/gomplate.yaml") == "a: {{ .Env.HOME }}\n")
    }

    @Test func aStringAndAFileAreNamedTooAndGomplatesDelimitersSilenceIt() throws {
        let scratch = try Scratch(["t.tmpl": "x: {{ .Env.GREETING }}"])
        let inline = try scratch.run("render", "-i", "x: {{ .Env.GREETING }}")
        #expect(inline.status == 0 && inline.stdout == "x: {{ .Env.GREETING }}")
        #expect(inline.stderr.contains("edpctl: warning: <arg>: " + hint), "\(inline.stderr)")

        let file = try scratch.run("render", "-f", "t.tmpl", "-o", "t.out")
        #expect(file.stderr.contains("edpctl: warning: t.tmpl: " + hint), "\(file.stderr)")

        let rendered = try scratch.run("render", "-f", "t.tmpl", "--left-delim", "{{", "--right-delim", "}}",
                                       environment: ["GREETING": "hello"])
        #expect(rendered.status == 0 && rendered.stdout == "x: hello")
        #expect(!rendered.stderr.contains("warning"), "\(rendered.stderr)")
    }
}
