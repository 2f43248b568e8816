import Foundation
import Testing

@Suite("edpctl render, end to end")
struct RenderCommandTests {
    // MARK: Inputs and outputs

    @Test func rendersAStringArgumentToStandardOutput() throws {
        let result = try Scratch().run("render", "-i", "Hello, <<< .Env.USER >>>!", environment: ["USER": "ada"])
        #expect(result.status == 0)
        #expect(result.stdout == "Hello, ada!")
        #expect(result.stderr == "")
    }

    @Test func readsTheTemplateFromStandardInputByDefault() throws {
        let result = try Scratch().run("render", stdin: "<<< print \"from stdin\" >>>")
        #expect(result.status == 0)
        #expect(result.stdout == "from stdin")
    }

    @Test func otherDelimiters() throws {
        let result = try Scratch().run("render", "--left-delim", "{{", "--right-delim", "}}", "-i", "{{ print 1 }}<<<")
        #expect(result.stdout == "1<<<")
    }

    @Test func filesPairWithOutputs() throws {
        let scratch = try Scratch(["a.tmpl": "A=<<< .Env.A >>>", "b.tmpl": "B"])
        try scratch.write("run.sh", "#!/bin/sh\necho <<< .Env.A >>>\n", mode: 0o755)
        let result = try scratch.run("render", "-f", "a.tmpl", "-o", "out/a.txt", "-f", "run.sh", "-o", "out/run.sh",
                                     "--verbose", environment: ["A": "1"])
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(try scratch.read("out/a.txt") == "A=1")
        #expect(try scratch.read("out/run.sh") == "#!/bin/sh\necho 1\n")
        #expect(FileManager.default.isExecutableFile(atPath: scratch.path + "/out/run.sh"))
        #expect(result.stderr == "rendered 2 files: 2 written, 0 unchanged\n")

        let again = try scratch.run("render", "-f", "a.tmpl", "-o", "out/a.txt", "--verbose", environment: ["A": "1"])
        #expect(again.stderr == "rendered 1 file: 0 written, 1 unchanged\n")
    }

    @Test func severalFilesToStandardOutputInOrder() throws {
        let scratch = try Scratch(["one": "1", "two": "2"])
        let result = try scratch.run("render", "-f", "one", "-f", "two", "--out", "-", "--out", "-")
        #expect(result.stdout == "12")
    }

    @Test func whitespaceOnlyOutputIsNotWritten() throws {
        let scratch = try Scratch()
        let toStdout = try scratch.run("render", "-i", "<<< print \"\\t  \\n\\r\\n\\v\" >>>")
        #expect(toStdout.status == 0)
        #expect(toStdout.stdout == "")
        let toFile = try scratch.run("render", "-i", "  \n", "-o", "blank.txt")
        #expect(toFile.status == 0)
        #expect(!scratch.exists("blank.txt"))
    }

    // MARK: Data

    @Test func contextsAndTheDotContext() throws {
        let scratch = try Scratch(["config2.yml": "foo: bar\n", "root.json": "{\"bar\": \"baz\"}"])
        let named = try scratch.run("render", "-c", "config=config2.yml", "-i", "<<< .config.foo >>> <<< .Env.X >>>",
                                    environment: ["X": "x"])
        #expect(named.stdout == "bar x")
        let root = try scratch.run("render", "-c", ".=root.json", "-i", "<<< . >>> <<< (ds \".\").bar >>>")
        #expect(root.stdout == "map[bar:baz] baz")
        let noEnv = try scratch.run("render", "-c", ".=root.json", "-i", "<<< .Env.X >>>")
        #expect(noEnv.status == 1)
        #expect(noEnv.stderr.contains("map has no entry for key \"Env\""))
    }

    @Test func dataSourcesAndInclude() throws {
        let scratch = try Scratch(["person.json": "{ \"name\": \"Dave\" }\n"])
        let result = try scratch.run("render", "-d", "person.json", "-d", "raw=person.json",
                                     "-i", "<<< (ds \"person\").name >>> <<< include \"raw\" >>>")
        #expect(result.status == 0)
        #expect(result.stdout == "Dave { \"name\": \"Dave\" }\n")
    }

    @Test func standardInputDataSource() throws {
        let result = try Scratch().run("render", "-d", "in=stdin:///?type=application/yaml", "-i", "<<< (ds \"in\").foo >>>",
                                       stdin: "foo: 0")
        #expect(result.stdout == "0")
    }

    @Test func nestedTemplates() throws {
        let scratch = try Scratch(["hello.t": "Hello <<< . >>>!", "parts/a.t": "A<<< . >>>"])
        let result = try scratch.run("render", "-t", "hello=hello.t", "-t", "parts",
                                     "-i", "<<< template \"hello\" \"World\" >>> <<< template \"parts/a.t\" 1 >>>")
        #expect(result.status == 0)
        #expect(result.stdout == "Hello World! A1")
    }

    // MARK: Missing keys

    @Test(arguments: [("default", "<no value>"), ("invalid", "<no value>"), ("zero", "<no value>")])
    func missingKeyModes(mode: String, expected: String) throws {
        let result = try Scratch().run("render", "--missing-key", mode, "-i", "<<< .name >>>")
        #expect(result.status == 0)
        #expect(result.stdout == expected)
    }

    @Test func missingKeysAreErrorsByDefault() throws {
        let result = try Scratch().run("render", "-i", "Hi <<< .name >>>")
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == "edpctl: template: <arg>:1:7: executing \"<arg>\" at <.name>: map has no entry for key \"name\"\n")
    }

    // MARK: Errors

    @Test func templateErrorsNameTheFileAsGiven() throws {
        let scratch = try Scratch(["stacks/core/a.yaml": "ok\n<<< nope >>>\n"])
        let result = try scratch.run("render", "-f", "stacks/core/a.yaml")
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: template: stacks/core/a.yaml:2: function \"nope\" not defined\n")
    }

    @Test func missingInputFileIsAnError() throws {
        let result = try Scratch().run("render", "-f", "nope.yaml")
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: open nope.yaml: no such file or directory\n")
    }

    @Test func missingDataSourceFileIsAnError() throws {
        let result = try Scratch().run("render", "-d", "c=c.yaml", "-i", "<<< ds \"c\" >>>")
        #expect(result.status == 1)
        #expect(result.stderr.contains("couldn't read datasource 'c' (c.yaml): open c.yaml: no such file or directory"))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test(arguments: [
        (["-i", "x", "-f", "y"], "'--in' and '--file' can't be used together"),
        (["--input-dir", "in", "-o", "x"], "'--out' can't be used with '--input-dir'; use '--output-dir'"),
        (["-f", "a", "-f", "b", "-o", "x"], "'--out' must be given once for each '--file' (2 '--file', 1 '--out')"),
        (["--output-dir", "out", "-i", "x"], "'--output-dir' requires '--input-dir'"),
        (["--missing-key", "bogus", "-i", "x"], "'--missing-key' must be error, default, zero or invalid (got 'bogus')"),
        (["-d", "sub/dir.json", "-i", "x"], "must provide an alias with files not in working directory"),
        (["--exec-pipe", "-i", "x"], "'--exec-pipe' requires a command after '--'"),
        (["--no-such-flag", "-i", "x"], "Unknown option '--no-such-flag'"),
        (["--left-delim", "", "-i", "x"], "'--left-delim' can't be empty"),
    ])
    func usageErrors(arguments: [String], message: String) throws {
        let scratch = try Scratch()
        let result = try Edpctl.run(["render"] + arguments, in: scratch.path)
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(result.stderr.contains(message))
    }

    @Test func helpShowsTheDefaults() throws {
        let result = try Scratch().run("render", "--help")
        #expect(result.status == 0)
        // Help wraps lines; compare with the spacing collapsed.
        let help = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("(default: <<<)"))
        #expect(help.contains("(default: >>>)"))
        #expect(help.contains("(default: error)"))
    }

    // MARK: Trees

    @Test func rendersATreeAllOrNothing() throws {
        let scratch = try Scratch([
            "in/a.yaml": "a: <<< .Env.A >>>\n",
            "in/sub/b.yaml": "b: <<< .Env.MISSING >>>\n",
            "in/sub/c.yaml": "c: <<< bogus >>>\n",
            "in/skip.log": "not rendered",
            "in/.gomplateignore": "*.log\n.gomplateignore\n",
        ])
        let failed = try scratch.run("render", "--input-dir", "in", "--output-dir", "out", environment: ["A": "1"])
        #expect(failed.status == 1)
        #expect(failed.stderr == """
            edpctl: template: in/sub/b.yaml:1:11: executing "in/sub/b.yaml" at <.Env.MISSING>: map has no entry for key "MISSING"
            edpctl: template: in/sub/c.yaml:1: function "bogus" not defined

            """)
        #expect(!scratch.exists("out"))

        try scratch.write("in/sub/b.yaml", "b: <<< .Env.A >>>\n")
        try scratch.write("in/sub/c.yaml", "   \n")
        let rendered = try scratch.run("render", "--input-dir", "in", "--output-dir", "out", "--verbose", environment: ["A": "1"])
        #expect(rendered.status == 0)
        #expect(rendered.stdout == "")
        #expect(rendered.stderr == "rendered 3 files: 2 written, 0 unchanged, 1 empty (not written)\n")
        #expect(try scratch.read("out/a.yaml") == "a: 1\n")
        #expect(try scratch.read("out/sub/b.yaml") == "b: 1\n")
        #expect(!scratch.exists("out/sub/c.yaml"))
        #expect(!scratch.exists("out/skip.log"))

        let again = try scratch.run("render", "--input-dir", "in", "--output-dir", "out", "--exclude", "sub/*",
                                    "--verbose", environment: ["A": "1"])
        #expect(again.stderr == "rendered 1 file: 0 written, 1 unchanged\n")
    }

    // MARK: Bytes, links, overlapping folders, leftovers

    @Test func templatesThatAreNotUTF8KeepTheirBytesEverywhere() throws {
        let scratch = try Scratch()
        // printf in a shell: Process takes arguments as Strings, which can't hold these bytes.
        let script = """
            printf '\\377\\376<<< print 1 >>>\\376\\000\\r\\n' > t.bin
            printf '\\303<<< 2 >>>\\377' | "$EDPCTL" render > stdin.out
            "$EDPCTL" render -i "$(printf '\\377<<< 3 >>>\\376')" > arg.out
            "$EDPCTL" render --in="$(printf '\\377<<< 4 >>>\\376')" > arg2.out
            "$EDPCTL" render -f t.bin -o file.out
            "$EDPCTL" render -f t.bin > file-stdout.out
            mkdir -p in/raw && cp t.bin in/t.bin && head -c 100000 /dev/urandom | tr '<' '=' > in/random.bin
            printf '\\377<<< not a template' > in/raw/x.bin
            "$EDPCTL" render --input-dir in --output-dir out --exclude-processing 'raw/*'
            """
        let result = try scratch.shell(script)
        #expect(result.status == 0, "\(result.stderr)")
        let rendered: [UInt8] = [0xFF, 0xFE, 0x31, 0xFE, 0x00, 0x0D, 0x0A]
        #expect(try bytes(scratch, "stdin.out") == [0xC3, 0x32, 0xFF])
        #expect(try bytes(scratch, "arg.out") == [0xFF, 0x33, 0xFE])
        #expect(try bytes(scratch, "arg2.out") == [0xFF, 0x34, 0xFE])
        #expect(try bytes(scratch, "file.out") == rendered)
        #expect(try bytes(scratch, "file-stdout.out") == rendered)
        #expect(try bytes(scratch, "out/t.bin") == rendered)
        #expect(try bytes(scratch, "out/random.bin") == bytes(scratch, "in/random.bin"))
        #expect(try bytes(scratch, "out/random.bin").count == 100_000)
        #expect(try bytes(scratch, "out/raw/x.bin") == bytes(scratch, "in/raw/x.bin"))
    }

    @Test(arguments: [
        ("in", "in", "the output directory in is the input directory in: the outputs would overwrite the templates"),
        ("in", "./in/", "the output directory ./in/ is the input directory in: the outputs would overwrite the templates"),
        ("linked", "in", "the output directory in is the input directory linked: the outputs would overwrite the templates"),
        ("in", "in/out", "the output directory in/out is inside the input directory in: every run would render the last run's outputs again"),
        ("parent/in", "parent", "the output of parent/in/in/a.txt would be written to parent/in/a.txt, inside the input directory parent/in"),
    ])
    func outputFoldersOverlappingTheInputAreUsageErrors(_ testCase: (String, String, String)) throws {
        let scratch = try Scratch(["in/a.txt": "<<< 1 >>>", "parent/in/in/a.txt": "<<< 1 >>>"])
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/linked", withDestinationPath: "in")
        let result = try scratch.run("render", "--input-dir", testCase.0, "--output-dir", testCase.1)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: \(testCase.2)\nUsage: edpctl render"))
        #expect(try scratch.read("in/a.txt") == "<<< 1 >>>")
        #expect(!scratch.exists("in/out") && !scratch.exists("parent/in/a.txt"))
    }

    @Test func aTemplateCantOverwriteItself() throws {
        let scratch = try Scratch(["t.txt": "<<< 1 >>>"])
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/alias.txt", withDestinationPath: "t.txt")
        for output in ["t.txt", "./t.txt", "alias.txt"] {
            let result = try scratch.run("render", "-f", "t.txt", "-o", output)
            #expect(result.status == 64)
            #expect(result.stderr.hasPrefix("Error: '--file t.txt' and '--out \(output)' are the same file: the template would overwrite itself"))
        }
        #expect(try scratch.read("t.txt") == "<<< 1 >>>")
        #expect(try scratch.run("render", "-f", "t.txt", "-o", "t2.txt").status == 0)
    }

    @Test func aTemplateLinkLeavingTheInputIsRefused() throws {
        let scratch = try Scratch(["templates/a.yaml": "a", "outside/hostname": "host\n"])
        try FileManager.default.createDirectory(atPath: scratch.path + "/templates/stacks", withIntermediateDirectories: true)
        let target = try realPathOf(scratch.path + "/outside/hostname")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/templates/stacks/x.yaml", withDestinationPath: target)
        let result = try scratch.run("render", "--input-dir", "templates", "--output-dir", "out")
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: templates/stacks/x.yaml: symbolic link to \(target) leaves the input directory templates\n")
        #expect(!scratch.exists("out"))
    }

    @Test func leftoversOfAKilledRunAreRemovedByTheNextRun() throws {
        let scratch = try Scratch(["in/a.txt": "a", "in/sub/b.txt": "b"])
        // A run really killed while writing: its pid is dead and its temporary files stay.
        let killed = try scratch.shell("""
            mkdir -p out/sub && sh -c 'echo $$ > pid; : > "out/.a.txt.edpctl-$$-1"; : > "out/sub/.b.txt.edpctl-$$-2"; kill -9 $$'
            test $? -eq 137
            """)
        #expect(killed.status == 0, "the inner shell was not killed")
        let pid = try scratch.read("pid").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(scratch.exists("out/.a.txt.edpctl-\(pid)-1"))
        try scratch.write("out/.keep.edpctl-x-1", "not of the scheme")
        let result = try scratch.run("render", "--input-dir", "in", "--output-dir", "out")
        #expect(result.status == 0)
        let left = try FileManager.default.subpathsOfDirectory(atPath: scratch.path + "/out").sorted()
        #expect(left == [".keep.edpctl-x-1", "a.txt", "sub", "sub/b.txt"])
    }

    /// `-o /dev/null` is common in CI scripts: a device or a named pipe is written into, never
    /// replaced (renaming over `/dev/null` as root would break every program on the machine).
    @Test func devicesAndNamedPipesAreWrittenIntoNotReplaced() throws {
        let scratch = try Scratch(["in/a.txt": "<<< 1 >>>"])
        let result = try scratch.shell("""
            mkfifo pipe && { cat pipe > from-pipe & }
            "$EDPCTL" render -i 'through the pipe' -o pipe || exit 1
            wait
            test -p pipe || exit 2
            mknod null c 1 3 2>/dev/null || { echo 'mknod not permitted' > skipped; exit 0; }
            "$EDPCTL" render -i 'into the device' -o null || exit 3
            test -c null || exit 4
            mkdir out && mknod out/a.txt c 1 3 || exit 5
            "$EDPCTL" render --input-dir in --output-dir out && exit 6
            test -c out/a.txt || exit 7
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scratch.read("from-pipe") == "through the pipe")
        if scratch.exists("skipped") {
            print("devices not checked: mknod needs root")
        } else {
            #expect(result.stderr.contains("out/a.txt is a device, not a file: it is not replaced"))
        }
    }

    @Test func binaryIsFound() {
        #expect(Edpctl.binary != nil, "build edpctl before running these tests")
    }
}

/// Runs a shell script in the scratch folder with `$EDPCTL` set to the binary; what the script
/// writes goes to files, and standard error (short) is read after it ends.
private func bytes(_ scratch: Scratch, _ relative: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/" + relative)))
}

private func realPathOf(_ path: String) throws -> String {
    guard let resolved = realpath(path, nil) else { throw Edpctl.RunError("realpath \(path) failed") }
    defer { free(resolved) }
    return String(cString: resolved)
}
