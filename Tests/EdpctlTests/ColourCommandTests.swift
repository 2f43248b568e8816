import Foundation
import Testing
import TestSupport

/// `app` renders; `bad` asks for two variables nobody sets, on lines 1 and 2 at column 12.
private let templates = [
    "templates/edfbuilder.yaml": "root: <<< .Env.DOMAIN >>>\n",
    "templates/registry/app.yaml": "name: app\n",
    "templates/registry/bad.yaml": "name: bad\n",
    "templates/stacks/app/config.yaml": "greeting: <<< .Env.GREETING >>>\n",
    "templates/stacks/app/notes.txt": "keep\n++ new\n",
    "templates/stacks/bad/values.yaml": "a: <<< .Env.FIRST_MISSING >>>\nb: <<< .Env.SECOND_MISSING >>>\n",
]

private let escape = "\u{1B}["
private let script = "/usr/bin/script"

/// The text without its SGR escape codes (`ESC [ … m`).
private func plain(_ text: String) -> String {
    text.replacing(#/\u{1B}\[[0-9;]*m/#, with: "")
}

private func hydrateArguments(stacks: String, _ extra: [String]) -> [String] {
    ["hydrate", "--templates", "templates", "--instances", "instances", "--provider", "otc",
     "--domain", "a.example.org", "--stacks", stacks] + extra
}

/// A scratch folder with the templates and an instances folder holding older files, so that
/// `--diff` shows a changed file and, in notes.txt, a removed `-- old` and an added `++ new` line:
/// `--- old` and `+++ new` in the diff, which are no file headers.
private func workspace() throws -> Scratch {
    let scratch = try Scratch(templates)
    try scratch.write("instances/otc/a.example.org/stacks/app/config.yaml", "greeting: hello\n")
    try scratch.write("instances/otc/a.example.org/stacks/app/notes.txt", "keep\n-- old\n")
    return scratch
}

/// Runs edpctl under a pseudo-terminal (util-linux `script`), so that both its standard output
/// and standard error are a terminal, with only `environment` (plus PATH, and TERM=xterm unless
/// given) set. Returns what the terminal showed, both streams in the order written, with the
/// terminal's `\r\n` read back as `\n`. `redirect` is shell text after the command (`| cat`).
private func onTerminal(_ scratch: Scratch, _ arguments: [String], environment: [String: String] = [:],
                        redirect: String = "") throws -> (status: Int32, text: String) {
    guard let binary = Edpctl.binary else { throw Edpctl.RunError("edpctl was not found beside the test bundle") }
    let quoted = ([binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: script)
    // -q: no "Script started" lines; -e: script exits with edpctl's status; /dev/null: no typescript file.
    process.arguments = ["-qec", quoted.joined(separator: " ") + " " + redirect, "/dev/null"]
    process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
    var full = ["TERM": "xterm", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
    full.merge(environment) { _, given in given }
    process.environment = full
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus,
            String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"))
}

/// Colour on a terminal only, as git colours: the diff on stdout and the error and warning labels
/// on stderr, judged apart; NO_COLOR, TERM=dumb and `--color` as no-color.org and clig.dev say.
@Suite("edpctl colours a terminal, and only a terminal", .enabled(if: FileManager.default.isExecutableFile(atPath: script),
                                                                 "util-linux script(1) is not installed (package bsdutils)"))
struct ColourCommandTests {
    /// The diff with git's colours, every other byte as without colour: `--- old`, a removed line,
    /// stays red although it looks like a file header (and `+++ new` green).
    @Test func alwaysColoursTheDiffOnAPipeWithGitsColours() throws {
        let scratch = try workspace()
        let coloured = try scratch.run(hydrateArguments(stacks: "app", ["--diff", "--color", "always"]),
                                       environment: ["GREETING": "hi"])
        let uncoloured = try scratch.run(hydrateArguments(stacks: "app", ["--diff"]), environment: ["GREETING": "hi"])
        #expect(coloured.status == 0 && uncoloured.status == 0, "\(coloured.stderr)")
        #expect(!uncoloured.stdout.contains(escape) && !uncoloured.stderr.contains(escape))
        #expect(plain(coloured.stdout) == uncoloured.stdout)
        #expect(coloured.stdout.hasSuffix("""
            \(escape)1m--- a/otc/a.example.org/stacks/app/config.yaml\(escape)m
            \(escape)1m+++ b/otc/a.example.org/stacks/app/config.yaml\(escape)m
            \(escape)36m@@ -1 +1 @@\(escape)m
            \(escape)31m-greeting: hello\(escape)m
            \(escape)32m+greeting: hi\(escape)m
            \(escape)1m--- a/otc/a.example.org/stacks/app/notes.txt\(escape)m
            \(escape)1m+++ b/otc/a.example.org/stacks/app/notes.txt\(escape)m
            \(escape)36m@@ -1,2 +1,2 @@\(escape)m
             keep
            \(escape)31m--- old\(escape)m
            \(escape)32m+++ new\(escape)m

            """), "\(coloured.stdout)")
        #expect(coloured.stdout.contains("\(escape)1m--- /dev/null\(escape)m\n\(escape)1m+++ b/otc/a.example.org/registry/app.yaml\(escape)m\n"
            + "\(escape)36m@@ -0,0 +1 @@\(escape)m\n\(escape)32m+name: app\(escape)m\n"), "\(coloured.stdout)")
    }

    @Test func aTerminalGetsAColouredDiffAndErrorLabelWhoseTextIsUnchanged() throws {
        let scratch = try workspace()
        let diff = try onTerminal(scratch, hydrateArguments(stacks: "app", ["--diff"]), environment: ["GREETING": "hi"])
        let piped = try scratch.run(hydrateArguments(stacks: "app", ["--diff"]), environment: ["GREETING": "hi"])
        #expect(diff.status == 0)
        #expect(diff.text.contains("\(escape)32m+greeting: hi\(escape)m\n"), "\(diff.text)")
        #expect(diff.text.contains("\(escape)36m@@ -1,2 +1,2 @@\(escape)m\n keep\n\(escape)31m--- old\(escape)m\n"), "\(diff.text)")
        #expect(plain(diff.text) == piped.stdout + piped.stderr)

        let failure = try onTerminal(scratch, hydrateArguments(stacks: "app,bad", []), environment: ["GREETING": "hi"])
        let pipedFailure = try scratch.run(hydrateArguments(stacks: "app,bad", []), environment: ["GREETING": "hi"])
        #expect(failure.status == 1 && pipedFailure.status == 1)
        #expect(failure.text.hasPrefix("\(escape)1;31medpctl:\(escape)m hydration found 2 problems"), "\(failure.text)")
        // The finding's place in bold, as compilers print it.
        #expect(failure.text.contains(#/\u{1B}\[1m[^\u{1B}]*values\.yaml:1:12:\u{1B}\[m missing key "FIRST_MISSING"/#), "\(failure.text)")
        #expect(plain(failure.text) == pipedFailure.stderr)
        #expect(!pipedFailure.stderr.contains(escape))
    }

    /// Standard output and standard error are judged apart: a diff piped on is plain while the
    /// labels on the terminal are coloured, and the other way round.
    @Test func eachStreamIsColouredWhenItIsATerminal() throws {
        let scratch = try workspace()
        let diffPiped = try onTerminal(scratch, hydrateArguments(stacks: "app", ["--diff"]),
                                       environment: ["GREETING": "hi"], redirect: "| cat")
        #expect(diffPiped.status == 0 && diffPiped.text.contains("+greeting: hi\n"), "\(diffPiped.text)")
        #expect(!diffPiped.text.contains(escape), "\(diffPiped.text)")
        let labelOnTerminal = try onTerminal(scratch, hydrateArguments(stacks: "bad", []), redirect: "| cat")
        #expect(labelOnTerminal.text.hasPrefix("\(escape)1;31medpctl:\(escape)m "), "\(labelOnTerminal.text)")

        let errorsInAFile = try onTerminal(scratch, hydrateArguments(stacks: "app", ["--diff"]),
                                           environment: ["GREETING": "hi"], redirect: "2>errors.txt")
        #expect(errorsInAFile.text.contains("\(escape)32m+greeting: hi\(escape)m"), "\(errorsInAFile.text)")
        let errors = try scratch.read("errors.txt")
        #expect(errors.hasPrefix("plan: ") && !errors.contains(escape), "\(errors)")
    }

    @Test func aWarningLabelIsYellowOnATerminal() throws {
        let scratch = try Scratch()
        let warned = try onTerminal(scratch, ["render", "-i", "x: {{ .Env.A }}"])
        #expect(warned.status == 0)
        #expect(warned.text.contains("edpctl: \(escape)1;33mwarning:\(escape)m <arg>: has {{ }} actions"), "\(warned.text)")
        let piped = try scratch.run("render", "-i", "x: {{ .Env.A }}")
        #expect(plain(warned.text) == piped.stdout + piped.stderr)
        #expect(!piped.stderr.contains(escape))
    }

    /// NO_COLOR (set and not empty), TERM=dumb and `--color never` turn colour off on a terminal;
    /// `--color always` wins over NO_COLOR, and an empty NO_COLOR is as if unset.
    @Test(arguments: [
        ([String](), ["NO_COLOR": "1"], false),
        ([], ["TERM": "dumb"], false),
        (["--color", "never"], [:], false),
        (["--color", "auto"], [:], true),
        ([], ["NO_COLOR": ""], true),
        (["--color", "always"], ["NO_COLOR": "1"], true),
        (["--color", "always"], ["TERM": "dumb"], true),
    ])
    func theEnvironmentAndTheFlagDecideOnATerminal(flags: [String], environment: [String: String], colours: Bool) throws {
        let scratch = try workspace()
        var full = environment
        full["GREETING"] = "hi"
        let diff = try onTerminal(scratch, hydrateArguments(stacks: "app", ["--diff"] + flags), environment: full)
        #expect(diff.status == 0)
        #expect(diff.text.contains(escape) == colours, "\(diff.text)")
        let failure = try onTerminal(scratch, hydrateArguments(stacks: "bad", flags), environment: full)
        #expect(failure.status == 1)
        #expect(failure.text.contains("\(escape)1;31medpctl:") == colours, "\(failure.text)")
    }

    /// rebuild's marks: green done, yellow to do (a dry run), red failed; the words as without colour.
    @Test func rebuildColoursItsMarks() throws {
        let scratch = try Scratch(["platform.yaml": "verify:\n  probes:\n    - url: http://127.0.0.1:9/\n      timeout: 1s\n"])
        try FileManager.default.createDirectory(atPath: scratch.path + "/node", withIntermediateDirectories: true)
        let environment = ["HOME": scratch.path]
        let coloured = try scratch.run(["rebuild", "--root", "node", "--dry-run", "--color", "always"], environment: environment)
        #expect(coloured.status == 0, "\(coloured.stderr)")
        #expect(coloured.stderr.contains("] \(escape)32m✓\(escape)m preflight: "), "\(coloured.stderr)")
        #expect(coloured.stderr.contains("] \(escape)33m○\(escape)m verify: would apply"), "\(coloured.stderr)")
        #expect(plain(coloured.stderr).contains("] ○ verify: would apply"))
        let uncoloured = try scratch.run(["rebuild", "--root", "node", "--dry-run"], environment: environment)
        #expect(uncoloured.status == 0 && !uncoloured.stderr.contains(escape), "\(uncoloured.stderr)")
        #expect(uncoloured.stderr.contains("] ○ verify: would apply"))

        let failed = try scratch.run(["rebuild", "--root", "node", "--color", "always"], environment: environment)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("] \(escape)1;31m✗\(escape)m verify: failed"), "\(failed.stderr)")
        #expect(failed.stderr.contains("\(escape)1;31medpctl:\(escape)m rebuild failed: "), "\(failed.stderr)")
    }

    /// JSON is data for a program: no escape code in it, even with `--color always`.
    @Test func jsonIsNeverColoured() throws {
        let scratch = try workspace()
        let result = try scratch.run(hydrateArguments(stacks: "app", ["--diff", "--output", "json", "--color", "always"]),
                                     environment: ["GREETING": "hi"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("\u{1B}") && !result.stdout.contains("\\u001b"), "\(result.stdout)")
        #expect(result.stdout.contains("+greeting: hi"), "\(result.stdout)")
        let onTTY = try onTerminal(scratch, hydrateArguments(stacks: "app", ["--diff", "--output", "json"]),
                                   environment: ["GREETING": "hi"])
        #expect(!onTTY.text.contains("\u{1B}") && !onTTY.text.contains("\\u001b"), "\(onTTY.text)")
    }

    /// Every command that writes through Output takes `--color`, and refuses a value it doesn't know.
    @Test(arguments: [["hydrate"], ["render"], ["secrets", "check"], ["secrets", "recreate"], ["secrets", "list"], ["rebuild"]])
    func everyCommandTakesTheFlag(command: [String]) throws {
        let scratch = try Scratch()
        let help = try scratch.run(command + ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--color <when>"), "\(help.stdout)")
        let wrong = try scratch.run(command + ["--color", "sometimes"])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("'sometimes'") && wrong.stderr.contains("always"), "\(wrong.stderr)")
    }
}

/// Under GitHub or Forgejo Actions, errors and warnings are also workflow commands on stderr,
/// placed on their file, line and column when they have them.
@Suite("edpctl annotates errors under GitHub and Forgejo Actions")
struct AnnotationCommandTests {
    private func annotations(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("::") }.map(String.init)
    }

    @Test(arguments: ["GITHUB_ACTIONS", "FORGEJO_ACTIONS"])
    func eachFindingIsAnErrorOnItsLineAndColumn(variable: String) throws {
        let scratch = try workspace()
        let result = try scratch.run(hydrateArguments(stacks: "app,bad", []), environment: [variable: "true", "GREETING": "hi"])
        #expect(result.status == 1)
        // The human text is there as without the variable, the annotations after it.
        let human = try scratch.run(hydrateArguments(stacks: "app,bad", []), environment: ["GREETING": "hi"])
        #expect(result.stderr.hasPrefix(human.stderr))
        #expect(result.stdout == "")
        let lines = annotations(result.stderr)
        #expect(lines.count == 2, "\(result.stderr)")
        // The path the human line names (relative to where edpctl ran, or to --templates).
        let match = try #require(human.stderr.firstMatch(of: #/\n([^\n:]*values\.yaml):1:12: /#), "\(human.stderr)")
        let path = String(match.1)
        #expect(lines == [
            "::error file=\(path),line=1,col=12::missing key \"FIRST_MISSING\" (in .Env.FIRST_MISSING)",
            "::error file=\(path),line=2,col=12::missing key \"SECOND_MISSING\" (in .Env.SECOND_MISSING)",
        ])
    }

    @Test(arguments: [[String: String](), ["GITHUB_ACTIONS": "false"], ["FORGEJO_ACTIONS": ""], ["CI": "true"]])
    func noAnnotationOutsideActions(environment: [String: String]) throws {
        let scratch = try workspace()
        var full = environment
        full["GREETING"] = "hi"
        let result = try scratch.run(hydrateArguments(stacks: "app,bad", []), environment: full)
        #expect(result.status == 1)
        #expect(annotations(result.stderr + result.stdout) == [])
    }

    /// A template error has the template's line (Go places a parse error by line only).
    @Test func aTemplateErrorIsPlacedOnItsLine() throws {
        let scratch = try workspace()
        try scratch.write("templates/stacks/bad/values.yaml", "a: 1\nb: <<< nope >>>\n")
        let result = try scratch.run(hydrateArguments(stacks: "bad", []), environment: ["GITHUB_ACTIONS": "true"])
        #expect(result.status == 1)
        let lines = annotations(result.stderr)
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains(#/^::error file=[^,]*stacks\/bad\/values\.yaml,line=2::.*function "nope" not defined$/#) == true,
                "\(lines)")
    }

    /// render's errors are Go's `template: NAME:LINE[:COL]: …`: NAME is the file as given, and Go's
    /// column, counted from 0, is one less than the annotation's. `--in` names no file.
    @Test func aRenderErrorIsPlacedOnItsFileLineAndColumn() throws {
        let scratch = try Scratch(["t.tmpl": "a\nb <<< .Env.NOPE >>>\n", "in/sub/x.yaml": "a\n<<< nope >>>\n"])
        let file = try scratch.run(["render", "-f", "t.tmpl"], environment: ["GITHUB_ACTIONS": "true"])
        #expect(file.status == 1)
        #expect(file.stderr.hasPrefix("edpctl: template: t.tmpl:2:10: executing \"t.tmpl\" at <.Env.NOPE>: "), "\(file.stderr)")
        #expect(annotations(file.stderr) == ["::error file=t.tmpl,line=2,col=11::"
            + "template: t.tmpl:2:10: executing \"t.tmpl\" at <.Env.NOPE>: map has no entry for key \"NOPE\""], "\(file.stderr)")

        let tree = try scratch.run(["render", "--input-dir", "in", "--output-dir", "out"], environment: ["GITHUB_ACTIONS": "true"])
        #expect(tree.status == 1)
        #expect(annotations(tree.stderr) == ["::error file=in/sub/x.yaml,line=2::template: in/sub/x.yaml:2: function \"nope\" not defined"],
                "\(tree.stderr)")

        let inline = try scratch.run(["render", "-i", "<<< .Env.NOPE >>>"], environment: ["GITHUB_ACTIONS": "true"])
        #expect(inline.status == 1)
        #expect(annotations(inline.stderr).count == 1 && annotations(inline.stderr).first?.hasPrefix("::error::template: <arg>:1:") == true,
                "\(inline.stderr)")
    }

    /// rebuild's platform.yaml findings are placed too, each before the summary that ends the output.
    @Test func aPlatformFileFindingIsPlaced() throws {
        let scratch = try Scratch(["bad.yaml": "k3s:\n  version: latest\n  bogus: 1\n"])
        try FileManager.default.createDirectory(atPath: scratch.path + "/node", withIntermediateDirectories: true)
        let result = try scratch.run(["rebuild", "--root", "node", "--file", "bad.yaml"],
                                     environment: ["HOME": scratch.path, "GITHUB_ACTIONS": "true"])
        #expect(result.status == 65)
        #expect(annotations(result.stderr) == [
            "::error file=bad.yaml,line=2,col=12::k3s.version: not a pinned version; name one release (a version like 1.2.3)",
            "::error file=bad.yaml,line=3,col=3::k3s: unknown field \"bogus\"",
        ], "\(result.stderr)")
        #expect(result.stderr.hasSuffix("\nnothing was run: fix bad.yaml, then run edpctl rebuild again\n"), "\(result.stderr)")
    }

    /// The annotation says what the human line says, so a credential the guard keeps out of the one
    /// stays out of the other; and no variable of the environment is added.
    @Test func aCredentialInTheOutputIsAnnotatedWithoutItsValue() throws {
        let scratch = try workspace()
        let secret = "pa55-w0rd-that-must-not-leak"
        try scratch.write("templates/stacks/bad/values.yaml", "size: 1Gi\npassword: <<< .Env.DB_PASSWORD >>>\n")
        let result = try scratch.run(hydrateArguments(stacks: "bad", []),
                                     environment: ["GITHUB_ACTIONS": "true", "DB_PASSWORD": secret, "GIT_TOKEN": secret + "-2"])
        #expect(result.status == 1)
        let lines = annotations(result.stderr)
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains(#/^::error file=[^,]*stacks\/bad\/values\.yaml,line=2[,:]/#) == true, "\(lines)")
        #expect(lines.first?.contains("DB_PASSWORD") == true, "\(lines)")
        #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
    }

    /// `%`, CR and LF in the text, and also `:` and `,` in a property, are escaped as @actions/core
    /// escapes them, so one error stays one annotation.
    @Test func textAndPropertiesAreEscaped() throws {
        let scratch = try workspace()
        try scratch.write("templates/stacks/bad/100%,a.yaml", "x: <<< .Env.MISSING_ONE >>>\n")
        try scratch.write("templates/stacks/bad/values.yaml", "x: 1\n")
        let hydrate = try scratch.run(hydrateArguments(stacks: "bad", []), environment: ["GITHUB_ACTIONS": "true"])
        #expect(hydrate.status == 1)
        #expect(annotations(hydrate.stderr).count == 1, "\(hydrate.stderr)")
        #expect(annotations(hydrate.stderr).first?.contains(
            #/^::error file=[^,:]*stacks\/bad\/100%25%2Ca\.yaml,line=1,col=12::missing key "MISSING_ONE"/#) == true,
                "\(hydrate.stderr)")

        let render = try scratch.run("render", "-i", "<<< fail \"50% done\\r\\nnext line\" >>>", environment: ["GITHUB_ACTIONS": "true"])
        #expect(render.status == 1)
        let lines = annotations(render.stderr)
        #expect(lines.count == 1, "\(render.stderr)")
        #expect(lines.first?.hasPrefix("::error::") == true, "\(lines)")
        #expect(lines.first?.hasSuffix("50%25 done%0D%0Anext line") == true, "\(lines)")
    }

    @Test func aWarningIsAWarningAnnotation() throws {
        let scratch = try Scratch()
        let result = try scratch.run("render", "-i", "x: {{ .Env.A }}", environment: ["FORGEJO_ACTIONS": "true"])
        #expect(result.status == 0)
        #expect(annotations(result.stderr).count == 1, "\(result.stderr)")
        #expect(annotations(result.stderr).first?.hasPrefix("::warning::<arg>: has {{ }} actions but no <<< one") == true,
                "\(result.stderr)")
    }

    /// argument-parser's usage errors (exit 64) are annotated too, whether it or a command's
    /// own `validate` found them; outside Actions they are not.
    @Test func aUsageErrorIsAnErrorAnnotation() throws {
        let scratch = try Scratch()
        let unknown = try scratch.run("render", "--bogus", environment: ["GITHUB_ACTIONS": "true"])
        #expect(unknown.status == 64)
        #expect(annotations(unknown.stderr) == ["::error::Unknown option '--bogus'"], "\(unknown.stderr)")
        let rule = try scratch.run("render", "--exec-pipe", "-i", "x", environment: ["FORGEJO_ACTIONS": "true"])
        #expect(rule.status == 64)
        #expect(annotations(rule.stderr).first?.hasPrefix("::error::'--exec-pipe' requires a command after '--'") == true,
                "\(rule.stderr)")
        let outside = try scratch.run("render", "--bogus")
        #expect(outside.status == 64 && annotations(outside.stderr).isEmpty)
    }

    /// Annotations go to stderr, so `--output json`'s stdout stays one JSON object per line.
    @Test func jsonStandardOutputStaysJSON() throws {
        let scratch = try workspace()
        let result = try scratch.run(hydrateArguments(stacks: "app,bad", ["--output", "json"]),
                                     environment: ["GITHUB_ACTIONS": "true", "GREETING": "hi"])
        #expect(result.status == 1)
        #expect(!result.stdout.isEmpty)
        for line in result.stdout.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)")
        }
        #expect(annotations(result.stdout) == [])
        #expect(annotations(result.stderr).count == 2, "\(result.stderr)")
    }
}

private extension Scratch {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Edpctl.Result {
        try Edpctl.run(arguments, in: path, environment: environment)
    }
}
