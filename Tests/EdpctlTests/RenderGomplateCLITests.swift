import Foundation
import Testing

// gomplate is not packaged for Debian, so these compare edpctl with gomplate v5's source, cited
// where it decides: internal/cmd/config.go (config lookup, applyEnvVars, processIncludes),
// config.go (MergeFrom, validate, getMode), gomplate.go (mappingNamer).

@Suite("edpctl render: gomplate's config file, environment and CLI flags")
struct RenderGomplateCLITests {
    // MARK: Config file and precedence

    @Test func theDefaultConfigFileInTheWorkingDirectoryIsRead() throws {
        let scratch = try Scratch([".gomplate.yaml": "in: 'from the config <<< 1 >>>'\n"])
        let result = try scratch.run("render")
        #expect(result.status == 0)
        #expect(result.stdout == "from the config 1")
        #expect(result.stderr == "")
    }

    @Test func noDefaultConfigFileIsFine() throws {
        let result = try Scratch().run("render", "-i", "x")
        #expect(result.status == 0)
        #expect(result.stdout == "x")
    }

    /// gomplate: the config file overrides GOMPLATE_*_DELIM, a flag overrides both.
    @Test func delimitersFlagOverConfigFileOverEnvironment() throws {
        let scratch = try Scratch(["t": "[[ 1 ]] (( 2 )) {{ 3 }} <<< 4 >>>"])
        let environment = ["GOMPLATE_LEFT_DELIM": "[[", "GOMPLATE_RIGHT_DELIM": "]]"]
        // environment over default
        #expect(try scratch.run("render", "-f", "t", environment: environment).stdout == "1 (( 2 )) {{ 3 }} <<< 4 >>>")
        // config file over environment
        try scratch.write(".gomplate.yaml", "leftDelim: '(('\nrightDelim: '))'\n")
        #expect(try scratch.run("render", "-f", "t", environment: environment).stdout == "[[ 1 ]] 2 {{ 3 }} <<< 4 >>>")
        // flag over config file (and environment)
        let flagged = try scratch.run("render", "-f", "t", "--left-delim", "{{", "--right-delim", "}}", environment: environment)
        #expect(flagged.stdout == "[[ 1 ]] (( 2 )) 3 <<< 4 >>>")
        // flag over environment, no config file
        try FileManager.default.removeItem(atPath: scratch.path + "/.gomplate.yaml")
        let flagOverEnvironment = try scratch.run("render", "-f", "t", "--left-delim", "{{", "--right-delim", "}}",
                                                  environment: environment)
        #expect(flagOverEnvironment.stdout == "[[ 1 ]] (( 2 )) 3 <<< 4 >>>")
    }

    @Test func flagsOverrideTheConfigFilesOtherSettings() throws {
        let scratch = try Scratch([
            ".gomplate.yaml": "in: 'file <<< .missing >>>'\nmissingKey: zero\n",
            "f.tmpl": "flag",
        ])
        let fromFile = try scratch.run("render")
        #expect(fromFile.stdout == "file <no value>")
        // -f replaces the file's `in`; --missing-key the file's missingKey.
        #expect(try scratch.run("render", "-f", "f.tmpl").stdout == "flag")
        let strict = try scratch.run("render", "--missing-key", "error")
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("map has no entry for key \"missing\""))
    }

    @Test func gomplateConfigNamesTheFileAndAFlagNamesAnother() throws {
        let scratch = try Scratch([
            ".gomplate.yaml": "in: default\n", "env.yaml": "in: variable\n", "flag.yaml": "in: flag\n",
        ])
        #expect(try scratch.run("render", environment: ["GOMPLATE_CONFIG": "env.yaml"]).stdout == "variable")
        #expect(try scratch.run("render", "--config", "flag.yaml", environment: ["GOMPLATE_CONFIG": "env.yaml"]).stdout == "flag")
        // An empty name reads no file at all (gomplate's `--config=""`), not even the default.
        let none = try scratch.run("render", "--config", "", stdin: "stdin")
        #expect(none.stdout == "stdin")
        #expect(try scratch.run("render", environment: ["GOMPLATE_CONFIG": ""], stdin: "stdin").stdout == "stdin")
    }

    @Test func aMissingNamedConfigFileIsAnError() throws {
        let scratch = try Scratch()
        let flag = try scratch.run("render", "--config", "nope.yaml", "-i", "x")
        #expect(flag.status == 1)
        #expect(flag.stdout == "")
        #expect(flag.stderr == "edpctl: config file nope.yaml (--config) can't be read: open nope.yaml: no such file or directory\n")
        let variable = try scratch.run("render", "-i", "x", environment: ["GOMPLATE_CONFIG": "gone.yaml"])
        #expect(variable.status == 1)
        #expect(variable.stderr.contains("config file gone.yaml (GOMPLATE_CONFIG) can't be read"))
    }

    @Test func badYAMLNamesFileLineAndColumnAndWritesNothing() throws {
        let scratch = try Scratch([".gomplate.yaml": "inputDir: t\noutputDir: [out\n", "t/a": "a"])
        let result = try scratch.run("render")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("edpctl: .gomplate.yaml:3:1: "), "\(result.stderr)")
        #expect(!scratch.exists("out"))
    }

    @Test func aValueOfTheWrongTypeNamesItsPlace() throws {
        let scratch = try Scratch([".gomplate.yaml": "in: x\nexperimental: yes\n"])
        let result = try scratch.run("render")
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: .gomplate.yaml:2:15: 'experimental' must be true or false\n")
    }

    /// gomplate's yaml.v3 decoder is not strict: it ignores a misspelt key. edpctl renders as
    /// gomplate does, and says so.
    @Test func anUnknownKeyIsAWarningWithItsPlace() throws {
        let scratch = try Scratch([".gomplate.yaml": "in: 'x'\nleftdelim: '{{'\n"])
        let result = try scratch.run("render")
        #expect(result.status == 0)
        #expect(result.stdout == "x")
        #expect(result.stderr == "edpctl: warning: .gomplate.yaml:2:1: unknown setting 'leftdelim', ignored (as gomplate does); "
                    + "did you mean 'leftDelim'?\n")
    }

    @Test func theConfigFileGivesATreeDataSourcesAndContexts() throws {
        let scratch = try Scratch([
            ".gomplate.yaml": """
                inputDir: t
                outputDir: out
                excludes: ['*.md']
                context:
                  site:
                    url: site.yaml
                datasources:
                  extra:
                    url: extra.json

                """,
            "site.yaml": "name: docs\n",
            "extra.json": "{\"k\": \"v\"}",
            "t/a.txt": "<<< .site.name >>> <<< (ds \"extra\").k >>>",
            "t/readme.md": "skip",
        ])
        let result = try scratch.run("render")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scratch.read("out/a.txt") == "docs v")
        #expect(!scratch.exists("out/readme.md"))
    }

    /// `plugins`, `postExec` and `execPipe` of the file run as their flags do; `--` replaces `postExec`.
    @Test func pluginsAndThePostExecCommandComeFromTheConfigFile() throws {
        let scratch = try Scratch([
            ".gomplate.yaml": """
                in: 'hi <<< shout "there" >>>'
                plugins:
                  shout:
                    cmd: ./shout.sh
                postExec: [sh, -c, 'tr a-z A-Z > piped.txt']
                execPipe: true

                """,
        ])
        try scratch.write("shout.sh", "#!/bin/sh\nprintf '%s!' \"$1\"\n", mode: 0o755)
        let fromFile = try scratch.run("render")
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout.isEmpty)
        #expect(try scratch.read("piped.txt") == "HI THERE!")

        let fromFlag = try scratch.run("render", "--", "sh", "-c", "cat > flag.txt")
        #expect(fromFlag.status == 0, "\(fromFlag.stderr)")
        #expect(try scratch.read("flag.txt") == "hi there!")
    }

    @Test func execPipeFromTheConfigFileWithoutACommandIsNamedWithItsPlace() throws {
        let scratch = try Scratch([".gomplate.yaml": "in: x\nexecPipe: true\n"])
        let result = try scratch.run("render")
        #expect(result.status == 64)
        #expect(result.stderr.contains("'execPipe' (.gomplate.yaml:2:1) requires a command after '--'"), "\(result.stderr)")
    }

    @Test func rulesBetweenSettingsNameTheConfigKeys() throws {
        let scratch = try Scratch([".gomplate.yaml": "outputDir: out\n"])
        let result = try scratch.run("render", "-i", "x")
        // `--in` clears the file's outputDir, as gomplate's MergeFrom does.
        #expect(result.status == 0)
        let alone = try scratch.run("render", stdin: "x")
        #expect(alone.status == 64)
        #expect(alone.stderr.contains("'outputDir' (.gomplate.yaml:1:1) requires '--input-dir'"), "\(alone.stderr)")
    }

    // MARK: --output-map

    @Test func outputMapNamesEachOutputFromInAndCtx() throws {
        let scratch = try Scratch([
            "t/app.yaml.tmpl": "app: <<< .Env.NAME >>>",
            "t/sub/deep/db.yaml.tmpl": "db",
            "site.yaml": "env: prod\n",
        ])
        let map = "  out/<<< .ctx.site.env >>>/<<< .in | strings.ReplaceAll \".yaml.tmpl\" \".yaml\" >>>\n  "
        let result = try scratch.run("render", "--input-dir", "t", "--output-map", map, "-c", "site=site.yaml",
                                     "--verbose", environment: ["NAME": "web"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scratch.read("out/prod/app.yaml") == "app: web")
        #expect(try scratch.read("out/prod/sub/deep/db.yaml") == "db")
        #expect(result.stderr == "rendered 2 files: 2 written, 0 unchanged\n")
    }

    @Test func outputMapSeesContextKeysAtTheTopToo() throws {
        let scratch = try Scratch(["t/a": "a", "site.yaml": "dir: x\n"])
        let result = try scratch.run("render", "--input-dir", "t", "--output-map", "<<< .site.dir >>>/<<< .in >>>",
                                     "-c", "site=site.yaml")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scratch.read("x/a") == "a")
    }

    @Test func aBadOutputMapIsRefusedBeforeAnythingIsWritten() throws {
        let scratch = try Scratch(["t/a": "a"])
        let unparsable = try scratch.run("render", "--input-dir", "t", "--output-map", "out/<<< .in ")
        #expect(unparsable.status == 64)
        #expect(unparsable.stderr.contains("'--output-map': template: <OutputMap>:1: unclosed action"), "\(unparsable.stderr)")
        let failing = try scratch.run("render", "--input-dir", "t", "--output-map", "out/<<< .nope >>>")
        #expect(failing.status == 1)
        #expect(failing.stderr.hasPrefix("edpctl: t/a: --output-map: template: <OutputMap>:1:"), "\(failing.stderr)")
        #expect(failing.stderr.contains("at <.nope>: map has no entry for key \"nope\""), "\(failing.stderr)")
        let colliding = try scratch.run("render", "--input-dir", "t", "--output-map", "same")
        #expect(colliding.status == 0)
        try scratch.write("t/b", "b")
        let twoToOne = try scratch.run("render", "--input-dir", "t", "--output-map", "out/same")
        #expect(twoToOne.status == 1)
        #expect(twoToOne.stderr == "edpctl: t/b: the output map gives it the output path out/same of t/a too\n")
        #expect(!scratch.exists("out"))
    }

    @Test func anOutputMapIntoTheInputTreeIsRefused() throws {
        let scratch = try Scratch(["t/a": "a"])
        let result = try scratch.run("render", "--input-dir", "t", "--output-map", "t/<<< .in >>>.out")
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: the output of t/a would be written to t/a.out, inside the input directory t\n")
        #expect(!scratch.exists("t/a.out"))
    }

    @Test func missingKeyInvalidFromTheConfigFile() throws {
        let scratch = try Scratch([".gomplate.yaml": "missingKey: invalid\n"])
        let result = try scratch.run("render", "-i", "<<< .nope >>>")
        #expect(result.status == 0)
        #expect(result.stdout == "<no value>")
    }

    @Test func outputMapGoesWithInputDirAndNotWithOutputDir() throws {
        let scratch = try Scratch(["t/a": "a"])
        let withoutTree = try scratch.run("render", "-i", "x", "--output-map", "o")
        #expect(withoutTree.status == 64)
        #expect(withoutTree.stderr.contains("'--output-map' requires '--input-dir'"))
        // As gomplate's validation has it, the two flags exclude each other.
        let both = try scratch.run("render", "--input-dir", "t", "--output-map", "m/<<< .in >>>", "--output-dir", "o")
        #expect(both.status == 64)
        #expect(!scratch.exists("o") && !scratch.exists("m"))
        // A flag replaces the config file's other output setting.
        try scratch.write(".gomplate.yaml", "outputMap: m/<<< .in >>>\n")
        let overFile = try scratch.run("render", "--input-dir", "t", "--output-dir", "o")
        #expect(overFile.status == 0, "\(overFile.stderr)")
        #expect(try scratch.read("o/a") == "a")
        #expect(!scratch.exists("m"))
    }

    // MARK: --chmod

    @Test func chmodSetsTheOutputsModeExactly() throws {
        let scratch = try Scratch(["t/run.sh": "echo <<< 1 >>>", "one": "1"])
        let tree = try scratch.shell("umask 077; \"$EDPCTL\" render --input-dir t --output-dir out --chmod 0640")
        #expect(tree.status == 0, "\(tree.stderr)")
        #expect(try mode(scratch.path + "/out/run.sh") == 0o640)
        let file = try scratch.run("render", "-f", "one", "-o", "one.out", "--chmod", "755")
        #expect(file.status == 0)
        #expect(try mode(scratch.path + "/one.out") == 0o755)
        let inline = try scratch.run("render", "-i", "x", "-o", "x.out", "--chmod", "600")
        #expect(inline.status == 0)
        #expect(try mode(scratch.path + "/x.out") == 0o600)
    }

    @Test func withoutChmodTheOutputTakesTheTemplatesMode() throws {
        let scratch = try Scratch()
        try scratch.write("t/run.sh", "#!/bin/sh\n", mode: 0o750)
        try scratch.write("t/plain", "p", mode: 0o604)
        let result = try scratch.shell("umask 0; \"$EDPCTL\" render --input-dir t --output-dir out")
        #expect(result.status == 0)
        #expect(try mode(scratch.path + "/out/run.sh") == 0o750)
        #expect(try mode(scratch.path + "/out/plain") == 0o604)
    }

    @Test func anUnchangedOutputWithAnotherModeIsWrittenUnderChmod() throws {
        let scratch = try Scratch(["t/a": "a"])
        #expect(try scratch.run("render", "--input-dir", "t", "--output-dir", "out", "--chmod", "600").status == 0)
        let again = try scratch.run("render", "--input-dir", "t", "--output-dir", "out", "--chmod", "640", "--verbose")
        #expect(again.stderr == "rendered 1 file: 1 written, 0 unchanged\n")
        #expect(try mode(scratch.path + "/out/a") == 0o640)
        let same = try scratch.run("render", "--input-dir", "t", "--output-dir", "out", "--chmod", "640", "--verbose")
        #expect(same.stderr == "rendered 1 file: 0 written, 1 unchanged\n")
    }

    @Test func aBadChmodIsRefused() throws {
        let scratch = try Scratch(["t/a": "a"])
        for bad in ["rw-r--r--", "0o644", "888", "17777"] {
            let result = try scratch.run("render", "--input-dir", "t", "--output-dir", "out", "--chmod", bad)
            #expect(result.status == 64, "\(bad)")
            #expect(result.stderr.contains("'--chmod' must be permission bits in octal, such as 644 or 0750 (got '\(bad)')"))
        }
        try scratch.write(".gomplate.yaml", "chmod: '9'\n")
        let fromFile = try scratch.run("render", "--input-dir", "t", "--output-dir", "out")
        #expect(fromFile.stderr.contains("'chmod' (.gomplate.yaml:1:1) must be permission bits in octal"))
        #expect(!scratch.exists("out"))
    }

    // MARK: --include

    @Test func includeRendersOnlyWhatItNamesInEveryFolder() throws {
        let scratch = try Scratch([
            "t/a.tmpl": "a", "t/b.txt": "b", "t/sub/c.tmpl": "c", "t/sub/deeper/d.tmpl": "d", "t/sub/e.md": "e",
            "t/foo-x.tmpl": "foo",
        ])
        let result = try scratch.run("render", "--input-dir", "t", "--output-dir", "out",
                                     "--include", "*.tmpl", "--exclude", "foo*.tmpl")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try files(below: scratch.path + "/out") == ["a.tmpl", "sub/c.tmpl", "sub/deeper/d.tmpl"])
    }

    @Test func includeTakesAFolderPattern() throws {
        let scratch = try Scratch(["t/keep/a": "a", "t/keep/n/b": "b", "t/drop/c": "c", "t/d": "d"])
        let result = try scratch.run("render", "--input-dir", "t", "--output-dir", "out", "--include", "keep/**")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try files(below: scratch.path + "/out") == ["keep/a", "keep/n/b"])
    }

    @Test func includeRequiresInputDir() throws {
        let result = try Scratch().run("render", "-i", "x", "--include", "*.tmpl")
        #expect(result.status == 64)
        #expect(result.stderr.contains("'--include' requires '--input-dir'"), "\(result.stderr)")
    }

    // MARK: Silence and --verbose

    @Test func successIsSilentAsInGomplate() throws {
        let scratch = try Scratch(["t/a": "a", "one": "1"])
        let single = try scratch.run("render", "-f", "one", "-o", "one.out")
        #expect(single.status == 0)
        #expect(single.stdout == "")
        #expect(single.stderr == "")
        let tree = try scratch.run("render", "--input-dir", "t", "--output-dir", "out")
        #expect(tree.status == 0)
        #expect(tree.stderr == "")
        #expect(try scratch.read("out/a") == "a")
    }

    @Test func verboseSaysWhichConfigFileAndWhatWasWritten() throws {
        let scratch = try Scratch([".gomplate.yaml": "inputDir: t\noutputDir: out\n", "t/a": "a", "t/b": "  \n"])
        let result = try scratch.run("render", "-V")
        #expect(result.status == 0)
        #expect(result.stderr == "edpctl: using config file .gomplate.yaml\nrendered 2 files: 1 written, 0 unchanged, 1 empty (not written)\n")
    }

    @Test func warningsStillShowWithoutVerbose() throws {
        let scratch = try Scratch(["t.tmpl": "name: {{ .Env.USER }}\n"])
        let result = try scratch.run("render", "-f", "t.tmpl", "-o", "out.yaml")
        #expect(result.status == 0)
        #expect(result.stderr.contains("warning: t.tmpl"), "\(result.stderr)")
        #expect(!result.stderr.contains("rendered"))
    }
}

private func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? Int ?? -1) & 0o7777
}

/// Every regular file below `root`, relative, sorted.
private func files(below root: String) throws -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    var found: [String] = []
    for case let relative as String in walker {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
            found.append(relative)
        }
    }
    return found.sorted()
}

@Suite("edpctl render: the render cache under --chmod and --output-map")
struct RenderCacheGomplateCLITests {
    private func render(_ scratch: Scratch, _ extra: String...) throws -> String {
        // The cache folder is in the working directory, where the output map writes: no warning.
        let result = try Edpctl.run(["render", "--verbose", "--input-dir", "in"] + extra, in: scratch.path,
                                    environment: ["EDPCTL_CACHE_DIR": "cache"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stderr
    }

    @Test func aNewChmodIsNoCacheHit() throws {
        let scratch = try Scratch(["in/a": "<<< 1 >>>"])
        #expect(try render(scratch, "--output-dir", "out", "--chmod", "600") == "rendered 1 file: 1 written, 0 unchanged\n")
        #expect(try render(scratch, "--output-dir", "out", "--chmod", "600")
                    == "rendered 1 file: 0 written, 1 unchanged; 1 from the render cache\n")
        #expect(try render(scratch, "--output-dir", "out", "--chmod", "640") == "rendered 1 file: 1 written, 0 unchanged\n")
        #expect(try mode(scratch.path + "/out/a") == 0o640)
    }

    @Test func anOutputMapIsCachedByTheOutputsItNames() throws {
        let scratch = try Scratch(["in/a": "<<< 1 >>>"])
        #expect(try render(scratch, "--output-map", "one/<<< .in >>>") == "rendered 1 file: 1 written, 0 unchanged\n")
        #expect(try render(scratch, "--output-map", "one/<<< .in >>>")
                    == "rendered 1 file: 0 written, 1 unchanged; 1 from the render cache\n")
        #expect(try render(scratch, "--output-map", "two/<<< .in >>>") == "rendered 1 file: 1 written, 0 unchanged\n")
        #expect(try scratch.read("two/a") == "1")
    }
}
