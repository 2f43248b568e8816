import Foundation
import Testing
import TestSupport

// `edpctl rebuild`, the built binary: loading platform.yaml before anything runs, the flags, the
// journal under --root, the progress and JSON events. The steps themselves are tested end to end
// against the fake API server where they are made; here every run has --root in a temporary folder,
// so nothing touches the machine's /etc or /var/lib.

@Suite struct RebuildCommandTests {
    let scratch: Scratch

    /// Valid, with no sections: nothing to install, nothing to reach.
    static let empty = "# a platform with nothing in it yet\n{}\n"

    init() throws {
        scratch = try Scratch(["platform.yaml": Self.empty])
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    var root: String { scratch.path + "/node" }
    var journal: String { root + "/var/lib/edpctl/rebuild-journal.json" }

    func rebuild(_ arguments: String...) throws -> Edpctl.Result {
        try Edpctl.run(["rebuild", "--root", root] + arguments, in: scratch.path, environment: ["HOME": scratch.path])
    }

    /// Every file and folder under the root, relative to it.
    func written() throws -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
    }

    func events(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    /// On a terminal (a pseudo-terminal from util-linux's `script`) the running step is shown on
    /// one line redrawn in place; the same run into a file has no carriage return or escape.
    @Test func aSpinnerLineIsRedrawnOnATerminalOnly() throws {
        // A probe of a closed port keeps verify busy for its 2 s timeout.
        try scratch.write("platform.yaml", "verify:\n  probes:\n    - url: http://127.0.0.1:9/\n      timeout: 2s\n")
        let terminal = try scratch.shell("script -qec '\"$EDPCTL\" rebuild --root node' /dev/null")
        #expect(terminal.stdout.contains("\r\u{1B}[K"), "\(terminal.stdout)")
        #expect(terminal.stdout.components(separatedBy: "\r\u{1B}[K").filter { $0.contains("verify") }.count >= 2,
                "the verify line is drawn more than once while it waits: \(terminal.stdout)")
        #expect(terminal.stdout.contains("[2/2] \u{1B}[1;31m✗\u{1B}[m verify: failed"), "\(terminal.stdout)")
        let file = try scratch.shell("\"$EDPCTL\" rebuild --root node")
        #expect(file.status == 1)
        #expect(file.stderr.contains("✗ probe http://127.0.0.1:9/: GET http://127.0.0.1:9/ failed: Failed to connect"), "\(file.stderr)")
        #expect(!file.stderr.contains("\r") && !file.stderr.contains("\u{1B}"), "\(file.stderr)")
    }

    @Test func anInvalidPlatformFileReportsEveryProblemWithItsPositionAndRunsNothing() throws {
        try scratch.write("platform.yaml", """
            k3s:
              version: latest
              flags: [--tls-san]
            charts:
              - name: argo-cd
                repo: https://argoproj.github.io/argo-helm
                chart: argo-cd
                version: 7.7.11
                namespace: argocd
                needs: [cert-manager]
            colour: blue

            """)
        let result = try rebuild()
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr == """
            edpctl: platform.yaml:2:12: k3s.version: not a pinned version; name one release (a version like 1.2.3)
            edpctl: platform.yaml:3:3: k3s: unknown field "flags"
            edpctl: platform.yaml:10:13: charts[0].needs: no chart named "cert-manager"
            edpctl: platform.yaml:11:1: platform: unknown field "colour"
            nothing was run: fix platform.yaml, then run edpctl rebuild again

            """)
        #expect(result.stdout == "")
        #expect(try written() == [])

        let json = try rebuild("--output", "json")
        #expect(json.status == 65)
        let errors = try events(json.stdout)
        #expect(errors.map { $0["event"] as? String } == Array(repeating: "error", count: 4))
        let positions = errors.compactMap { ($0["diagnostics"] as? [[String: Any]])?.first }
            .map { "\($0["file"] ?? ""):\($0["line"] ?? ""):\($0["column"] ?? "")" }
        #expect(positions == ["platform.yaml:2:12", "platform.yaml:3:3", "platform.yaml:10:13", "platform.yaml:11:1"])
    }

    @Test func aMissingPlatformFileIsADataErrorNamingIt() throws {
        let result = try rebuild("-f", "elsewhere.yaml")
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("edpctl: elsewhere.yaml: cannot read the file: "), "\(result.stderr)")
        #expect(try written() == [])
    }

    @Test func aValidPlatformRunsKeepsAJournalAndEndsWithTheDurationTable() throws {
        let result = try rebuild()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "")
        #expect(result.stderr.contains("step"), "\(result.stderr)")
        #expect(result.stderr.contains(/(?m)^step +result +duration$/), "\(result.stderr)")
        #expect(result.stderr.contains(/(?m)^measured recovery time: \d+\.\ds for \d+ steps?$/), "\(result.stderr)")
        // Not a terminal: no spinner redrawn with carriage returns or escape sequences.
        #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"))

        // The journal names the platform file by the SHA-256 of its bytes, as sha256sum computes it.
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: journal))) as? [String: Any]
        let sum = try runProgram("/usr/bin/sha256sum", scratch.path + "/platform.yaml").split(separator: " ").first.map(String.init)
        #expect(object?["fingerprint"] as? String == "sha256:" + (sum ?? "?"))

        // Run again: every step's check passes, so nothing is done and the run says so.
        let again = try rebuild("--resume")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("nothing to do: the platform is as platform.yaml describes"), "\(again.stderr)")
    }

    @Test func aDryRunWritesNothingNotEvenTheJournal() throws {
        let result = try rebuild("--dry-run")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("nothing was changed"), "\(result.stderr)")
        #expect(result.stderr.contains(#/(?m)^wall time: /#), "\(result.stderr)")
        #expect(try written() == [])
    }

    @Test func anUnknownStepIsAUsageErrorListingTheSteps() throws {
        for flag in ["--only", "--from"] {
            let result = try rebuild(flag, "nope")
            #expect(result.status == 64, "\(result.stderr)")
            #expect(result.stderr.contains("edpctl: '\(flag) nope': no such step; "), "\(result.stderr)")
            #expect(result.stderr.contains("the steps are ") || result.stderr.contains("this platform.yaml has no steps"))
        }
        let none = try rebuild("--max-parallel", "0")
        #expect(none.status == 64)
        #expect(none.stderr.contains("'--max-parallel' must be at least 1"), "\(none.stderr)")
        let both = try rebuild("--only", "k3s", "--from", "k3s")
        #expect(both.status == 64)
        #expect(both.stderr.contains("'--from' and '--only' can't be used together"), "\(both.stderr)")
        #expect(try written() == [])
    }

    @Test func jsonOutputIsOneEventPerLineEndingWithTheSummary() throws {
        let result = try rebuild("--output", "json")
        #expect(result.status == 0, "\(result.stderr)")
        let all = try events(result.stdout)
        let last = try #require(all.last)
        #expect(last["event"] as? String == "rebuild-finished")
        #expect(last["result"] as? String == "nothing-to-do" || last["result"] as? String == "succeeded")
        #expect(last["dryRun"] as? Bool == false)
        #expect((last["wallSeconds"] as? Double ?? -1) >= 0)
        let steps = try #require(last["steps"] as? [[String: Any]])
        // Every step that ran started and finished once, in events that agree with the summary.
        let finished = all.filter { $0["event"] as? String == "step-finished" }
        let started = all.filter { $0["event"] as? String == "step-started" }
        #expect(Set(finished.compactMap { $0["step"] as? String }) == Set(steps.filter { $0["result"] as? String != "skipped" }.compactMap { $0["step"] as? String }))
        #expect(started.count == finished.count)
        for event in all {
            #expect(["step-started", "step-waiting", "step-note", "step-finished", "rebuild-finished"].contains(event["event"] as? String ?? ""))
        }
        // Human text stays off stdout, and stderr holds no progress in JSON form.
        #expect(!result.stderr.contains("measured recovery time"))
    }

    @Test func resumeWithoutAJournalIsRefusedWithTheWayOut() throws {
        let result = try rebuild("--resume")
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr == "edpctl: --resume: there is no journal at \(journal) (was --state-dir or --root different?); "
            + "run without --resume to start, steps already done are detected\n")
        #expect(try written() == [])
    }

    @Test func resumeRefusesTheJournalOfAnotherPlatformFile() throws {
        let first = try rebuild()
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: journal))
        try scratch.write("platform.yaml", Self.empty + "# edited after the first run\n")
        let result = try rebuild("--resume")
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--resume: the journal at \(journal) belongs to another version of platform.yaml"),
                "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == before, "the refused run rewrote the journal")
    }

    @Test func stateDirPutsTheJournalWhereItSays() throws {
        let result = try rebuild("--state-dir", scratch.path + "/state")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(scratch.exists("state/rebuild-journal.json"))
        #expect(try written() == [])
    }

    @Test func helpShowsTheFlagsAndExamples() throws {
        let result = try scratch.run("rebuild", "--help")
        #expect(result.status == 0)
        for text in ["--file <file>", "--state-dir <dir>", "--resume", "--from <step>", "--only <step>", "--dry-run",
                     "--apply-firewall", "--kubeconfig <file>", "--context <context>", "--root <dir>", "--output <output>",
                     "--max-parallel <max-parallel>", "Examples:", "edpctl rebuild --resume"] {
            #expect(result.stdout.contains(text), "\(text) is not in the help")
        }
    }
}
