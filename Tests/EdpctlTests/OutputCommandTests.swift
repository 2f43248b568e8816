import Foundation
import Testing
import TestSupport

/// Two stacks; `bad` asks for two variables nobody sets.
private let templates = [
    "templates/edfbuilder.yaml": "root: <<< .Env.DOMAIN >>>\n",
    "templates/registry/app.yaml": "name: app\n",
    "templates/registry/bad.yaml": "name: bad\n",
    "templates/stacks/app/config.yaml": "greeting: <<< .Env.GREETING >>>\n",
    "templates/stacks/bad/values.yaml": "a: <<< .Env.FIRST_MISSING >>>\nb: <<< .Env.SECOND_MISSING >>>\n",
]

/// What goes where: data and `--output json` (hydrate's one document) on stdout, human text on stderr.
@Suite("edpctl's output: human on stderr, JSON on stdout")
struct OutputCommandTests {
    private func hydrate(_ scratch: Scratch, stacks: String, _ extra: String...,
                         environment: [String: String] = ["GREETING": "hi"]) throws -> Edpctl.Result {
        try Edpctl.run(["hydrate", "--templates", "templates", "--instances", "instances", "--provider", "otc",
                         "--domain", "a.example.org", "--stacks", stacks] + extra, in: scratch.path,
                       environment: environment)
    }

    /// hydrate's standard output as one JSON object on one line.
    private func document(_ stdout: String) throws -> [String: Any] {
        #expect(stdout.hasSuffix("}\n") && stdout.filter { $0 == "\n" }.count == 1, "\(stdout)")
        return try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], "\(stdout)")
    }

    @Test func aFailureIsOneDocumentWithItsDiagnosticsAndTheSameTextOnStderr() throws {
        let scratch = try Scratch(templates)
        try FileManager.default.createDirectory(atPath: scratch.path + "/instances", withIntermediateDirectories: true)
        let human = try hydrate(scratch, stacks: "app,bad")
        let json = try hydrate(scratch, stacks: "app,bad", "--output", "json")
        for result in [human, json] {
            #expect(result.status == 1)
            #expect(result.stderr == """
                edpctl: hydration found 2 problems; nothing was written:
                templates/stacks/bad/values.yaml:1:12: missing key "FIRST_MISSING" (in .Env.FIRST_MISSING)
                templates/stacks/bad/values.yaml:2:12: missing key "SECOND_MISSING" (in .Env.SECOND_MISSING)
                2 variables are not set: FIRST_MISSING, SECOND_MISSING; set them in --env-file, --values or the environment

                """)
        }
        #expect(human.stdout == "")
        let failed = try document(json.stdout)
        #expect(failed["status"] as? String == "failed")
        let error = try #require(failed["error"] as? [String: Any])
        #expect((error["message"] as? String)?.hasPrefix("hydration found 2 problems; nothing was written:\n") == true)
        let diagnostics = try #require(error["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.map { $0["kind"] as? String } == ["missingKey", "missingKey"])
        // Relative to where the command ran, as on stderr.
        #expect(diagnostics.map { $0["file"] as? String }
            == ["templates/stacks/bad/values.yaml", "templates/stacks/bad/values.yaml"])
        #expect(diagnostics.map { $0["line"] as? Int } == [1, 2])
        #expect(diagnostics.map { $0["column"] as? Int } == [12, 12])
        #expect(!scratch.exists("instances/otc"))
    }

    /// `--quiet` leaves the errors and the data: no summary on success, the same errors on failure,
    /// `--check`'s exit code alone, and `--diff`'s diff on stdout.
    @Test func quietPrintsOnlyErrors() throws {
        let scratch = try Scratch(templates)
        try FileManager.default.createDirectory(atPath: scratch.path + "/instances", withIntermediateDirectories: true)
        let loud = try hydrate(scratch, stacks: "app", "--check")
        #expect(loud.status == 2 && loud.stderr.contains("plan: "), "\(loud.stderr)")

        let check = try hydrate(scratch, stacks: "app", "--check", "--quiet")
        #expect(check.status == 2 && check.stderr == "" && check.stdout == "")
        let diff = try hydrate(scratch, stacks: "app", "--diff", "-q")
        #expect(diff.status == 0 && diff.stderr == "")
        #expect(diff.stdout.contains("+greeting: hi"), "\(diff.stdout)")
        let written = try hydrate(scratch, stacks: "app", "-q")
        #expect(written.status == 0 && written.stderr == "" && written.stdout == "")
        #expect(try scratch.read("instances/otc/a.example.org/stacks/app/config.yaml") == "greeting: hi\n")

        let failed = try hydrate(scratch, stacks: "app,bad", "--quiet")
        #expect(failed.status == 1)
        #expect(failed.stderr.hasPrefix("edpctl: hydration found 2 problems; nothing was written:\n"), "\(failed.stderr)")
    }

    @Test func eachDomainIsOneResultOfTheDocument() throws {
        let scratch = try Scratch(templates)
        try FileManager.default.createDirectory(atPath: scratch.path + "/instances", withIntermediateDirectories: true)
        let result = try scratch.run("hydrate", "--templates", "templates", "--instances", "instances", "--provider",
                                     "otc", "--domain", "a.example.org,b.example.org", "--stacks", "app", "--check",
                                     "--output", "json", environment: ["GREETING": "hi"])
        #expect(result.status == 2)
        #expect(result.stderr == "")
        let planned = try document(result.stdout)
        #expect(planned["dryRun"] as? Bool == true && planned["git"] is NSNull)
        let domains = try #require(planned["domains"] as? [[String: Any]])
        #expect(domains.map { $0["instancePath"] as? String } == ["otc/a.example.org", "otc/b.example.org"])
        #expect(domains.allSatisfy { $0["diff"] == nil })
        // Slashes are not escaped: a path reads as it is written.
        #expect(result.stdout.contains("\"instancePath\":\"otc/a.example.org\""))
        #expect(!result.stdout.contains("\\/"))
    }

    /// With `--output json`, each domain's diff is a field of its result, so standard output stays
    /// one JSON document; the diffs joined are what human form prints.
    @Test func aDiffInJSONIsAFieldOfItsDomainsResult() throws {
        let scratch = try Scratch(templates)
        try FileManager.default.createDirectory(atPath: scratch.path + "/instances", withIntermediateDirectories: true)
        let arguments = ["hydrate", "--templates", "templates", "--instances", "instances", "--provider", "otc",
                         "--domain", "a.example.org,b.example.org", "--stacks", "app", "--diff"]
        let human = try Edpctl.run(arguments, in: scratch.path, environment: ["GREETING": "hi"])
        let json = try Edpctl.run(arguments + ["--output", "json"], in: scratch.path, environment: ["GREETING": "hi"])
        #expect(human.status == 0 && json.status == 0)
        #expect(human.stdout.contains("+++ b/otc/a.example.org/stacks/app/config.yaml\n"))
        #expect(human.stdout.contains("+greeting: hi\n"))
        #expect(json.stderr == "")
        let domains = try #require(try document(json.stdout)["domains"] as? [[String: Any]])
        let diffs = domains.compactMap { $0["diff"] as? String }
        #expect(diffs.count == 2)
        #expect(diffs.joined() == human.stdout)
        #expect(diffs.first?.contains("otc/a.example.org/") == true && diffs.first?.contains("b.example.org") == false)
        #expect(diffs.last?.contains("otc/b.example.org/") == true && diffs.last?.contains("a.example.org") == false)
        #expect(!json.stdout.contains("\\/"))
        #expect(!scratch.exists("instances/otc"))
    }

    /// `--output` is one option shared by the commands that report events: its name, values,
    /// default and help, and its refusal of other values.
    @Test func theOutputOptionKeepsItsNameValuesDefaultAndHelp() throws {
        let scratch = try Scratch(templates)
        let help = try scratch.run("hydrate", "--help")
        #expect(help.status == 0)
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("--output <output> human: a summary on stderr; json: on stdout, one document per run (hydrate) or one object per event. "
            + "(values: human, json; default: human)"), "\(help.stdout)")
        let refused = try scratch.run("hydrate", "--instances", "instances", "--output", "yaml")
        #expect(refused.status == 64)
        #expect(refused.stdout == "")
        #expect(refused.stderr.contains("'yaml'") && refused.stderr.contains("--output"), "\(refused.stderr)")
    }

    /// `version` is data on stdout: edpctl's version, the commit the binary was built from (this
    /// package's, as git reads it), and the C libraries' versions as their pkg-config files name
    /// the ones this build used.
    @Test func versionNamesEdpctlItsCommitAndTheLinkedLibraries() throws {
        let scratch = try Scratch()
        let result = try scratch.run("version")
        let edpctl = try scratch.run("--version").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let git = { (arguments: [String]) in
            try runProgram("/usr/bin/env", ["git", "-C", packageRoot] + arguments)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let commit = try git(["rev-parse", "HEAD"])
        let date = try git(["log", "-1", "--format=%cI"])
        let dirty = try !git(["status", "--porcelain"]).isEmpty
        let modversion = { (package: String) in
            try runProgram("/usr/bin/env", ["pkg-config", "--modversion", package])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let libgit2 = try modversion("libgit2")
        let libcurl = try modversion("libcurl")
        let libyaml = try modversion("yaml-0.1")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(!edpctl.isEmpty && !libgit2.isEmpty && !libyaml.isEmpty && commit.count == 40)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 7 && lines.last == "", "\(result.stdout)")
        guard lines.count == 7 else { return }
        #expect(lines[0] == "edpctl \(edpctl)")
        #expect(lines[1] == "commit \(commit)" + (dirty ? " (dirty: the work tree had uncommitted changes)" : ""))
        #expect(lines[2] == "date \(date)")
        #expect(lines[3] == "libgit2 \(libgit2)")
        #expect(lines[4].hasPrefix("libcurl \(libcurl) (OpenSSL/"), "\(lines[4])")
        #expect(lines[5] == "libyaml \(libyaml)")

        let json = try scratch.run("version", "--output", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(json.status == 0 && json.stderr == "")
        #expect(object["event"] as? String == "version")
        #expect(object["version"] as? String == edpctl)
        #expect(object["commit"] as? String == commit)
        #expect(object["commitDate"] as? String == date)
        #expect(object["dirty"] as? Bool == dirty)
        #expect(object["libgit2"] as? String == libgit2)
        #expect(object["libcurl"] as? String == libcurl)
        #expect(object["libyaml"] as? String == libyaml)
    }

    /// `help` with a name edpctl has no command for is a usage error, with a guess only when close;
    /// argument-parser alone printed the top-level help and exited 0.
    @Test func helpForAnUnknownCommandIsAUsageError() throws {
        let scratch = try Scratch()
        let unknown = try scratch.run("help", "nope")
        #expect(unknown.status == 64 && unknown.stdout == "")
        #expect(unknown.stderr == "edpctl: 'edpctl' has no command 'nope' (commands: render, hydrate, secrets, rebuild, version)\n")
        let typo = try scratch.run("help", "secrets", "recreat")
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("'edpctl secrets' has no command 'recreat'; did you mean 'recreate'?"), "\(typo.stderr)")
        let known = try scratch.run("help", "secrets", "recreate")
        #expect(known.status == 0 && known.stdout.contains("USAGE: edpctl secrets recreate"), "\(known.stdout)")
    }

    /// A usage error is ArgumentParser's: exit 64, its own text; hydrate's JSON form prints its
    /// one document as well, and no other command prints JSON for it.
    @Test func aUsageErrorStaysArgumentParsers() throws {
        let scratch = try Scratch(templates)
        let result = try scratch.run("hydrate", "--instances", "instances", "--push", "--output", "json")
        #expect(result.status == 64)
        #expect(try document(result.stdout)["status"] as? String == "usageError")
        #expect(result.stderr.contains("'--push' requires '--commit'"))
        let human = try scratch.run("hydrate", "--instances", "instances", "--push")
        #expect(human.status == 64 && human.stdout == "")
    }

    @Test func renderWritesDataToStdoutAndItsSummaryAndErrorsToStderr() throws {
        let scratch = try Scratch(["in/a.txt": "<<< .Env.NAME >>>\n", "in/bad.txt": "<<< .Env.NAME | nosuch >>>\n"])
        let data = try scratch.run("render", "-i", "hello <<< .Env.NAME >>>", environment: ["NAME": "ann"])
        #expect(data.status == 0 && data.stdout == "hello ann" && data.stderr == "")
        let tree = try scratch.run("render", "--input-dir", "in", "--output-dir", "out", "--exclude", "bad.txt",
                                   "--no-cache", "--verbose", environment: ["NAME": "ann"])
        #expect(tree.status == 0 && tree.stdout == "")
        #expect(tree.stderr == "rendered 1 file: 1 written, 0 unchanged\n")
        let failed = try scratch.run("render", "--input-dir", "in", "--output-dir", "out2", "--no-cache",
                                     environment: ["NAME": "ann"])
        #expect(failed.status == 1 && failed.stdout == "")
        #expect(failed.stderr == "edpctl: template: in/bad.txt:1: function \"nosuch\" not defined\n")
        #expect(!scratch.exists("out2/a.txt"))
    }
}
