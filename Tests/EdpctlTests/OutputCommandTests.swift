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

/// What goes where: data and `--output json` events on stdout, human text on stderr.
@Suite("edpctl's output: human on stderr, JSON events on stdout")
struct OutputCommandTests {
    private func hydrate(_ scratch: Scratch, stacks: String, _ extra: String...,
                         environment: [String: String] = ["GREETING": "hi"]) throws -> Edpctl.Result {
        try Edpctl.run(["hydrate", "--templates", "templates", "--instances", "instances", "--provider", "otc",
                         "--domain", "a.example.org", "--stacks", stacks] + extra, in: scratch.path,
                       environment: environment)
    }

    private func events(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    @Test func aFailureIsOneErrorEventWithItsDiagnosticsAndTheSameTextOnStderr() throws {
        let scratch = try Scratch(templates)
        try FileManager.default.createDirectory(atPath: scratch.path + "/instances", withIntermediateDirectories: true)
        let human = try hydrate(scratch, stacks: "app,bad")
        let json = try hydrate(scratch, stacks: "app,bad", "--output", "json")
        for result in [human, json] {
            #expect(result.status == 1)
            #expect(result.stderr == """
                edpctl: hydration found 2 problems; nothing was written:
                stacks/bad/values.yaml:1:12: missing key "FIRST_MISSING" (in .Env.FIRST_MISSING)
                stacks/bad/values.yaml:2:12: missing key "SECOND_MISSING" (in .Env.SECOND_MISSING)

                """)
        }
        #expect(human.stdout == "")
        let lines = try events(json.stdout)
        #expect(lines.count == 1)
        #expect(lines.first?["event"] as? String == "error")
        #expect((lines.first?["message"] as? String)?.hasPrefix("hydration found 2 problems; nothing was written:\n") == true)
        let diagnostics = try #require(lines.first?["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.map { $0["kind"] as? String } == ["missingKey", "missingKey"])
        #expect(diagnostics.map { $0["file"] as? String } == ["stacks/bad/values.yaml", "stacks/bad/values.yaml"])
        #expect(diagnostics.map { $0["line"] as? Int } == [1, 2])
        #expect(diagnostics.map { $0["column"] as? Int } == [12, 12])
        #expect(!scratch.exists("instances/otc"))
    }

    @Test func eachDomainIsOneHydrationEvent() throws {
        let scratch = try Scratch(templates)
        try FileManager.default.createDirectory(atPath: scratch.path + "/instances", withIntermediateDirectories: true)
        let result = try scratch.run("hydrate", "--templates", "templates", "--instances", "instances", "--provider",
                                     "otc", "--domain", "a.example.org,b.example.org", "--stacks", "app", "--check",
                                     "--output", "json", environment: ["GREETING": "hi"])
        #expect(result.status == 2)
        #expect(result.stderr == "")
        let lines = try events(result.stdout)
        #expect(lines.map { $0["event"] as? String } == ["hydration", "hydration"])
        #expect(lines.map { $0["instancePath"] as? String } == ["otc/a.example.org", "otc/b.example.org"])
        #expect(lines.map { $0["dryRun"] as? Bool } == [true, true])
        #expect(lines.map { $0["attempts"] as? Int } == [0, 0])
    }

    /// A usage error is ArgumentParser's: exit 64, its own text, no JSON.
    @Test func aUsageErrorStaysArgumentParsers() throws {
        let scratch = try Scratch(templates)
        let result = try scratch.run("hydrate", "--instances", "instances", "--push", "--output", "json")
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("'--push' requires '--commit'"))
    }

    @Test func renderWritesDataToStdoutAndItsSummaryAndErrorsToStderr() throws {
        let scratch = try Scratch(["in/a.txt": "<<< .Env.NAME >>>\n", "in/bad.txt": "<<< .Env.NAME | nosuch >>>\n"])
        let data = try scratch.run("render", "-i", "hello <<< .Env.NAME >>>", environment: ["NAME": "ann"])
        #expect(data.status == 0 && data.stdout == "hello ann" && data.stderr == "")
        let tree = try scratch.run("render", "--input-dir", "in", "--output-dir", "out", "--exclude", "bad.txt",
                                   "--no-cache", environment: ["NAME": "ann"])
        #expect(tree.status == 0 && tree.stdout == "")
        #expect(tree.stderr == "rendered 1 file: 1 written, 0 unchanged\n")
        let failed = try scratch.run("render", "--input-dir", "in", "--output-dir", "out2", "--no-cache",
                                     environment: ["NAME": "ann"])
        #expect(failed.status == 1 && failed.stdout == "")
        #expect(failed.stderr == "edpctl: template: in/bad.txt:1: function \"nosuch\" not defined\n")
        #expect(!scratch.exists("out2/a.txt"))
    }
}
