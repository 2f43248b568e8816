import Foundation
import Testing
import TestSupport

/// Two stacks, `app` and `db`.
private let templates = [
    "templates/edfbuilder.yaml": "root: <<< .Env.DOMAIN >>>\n",
    "templates/registry/app.yaml": "name: app\n",
    "templates/registry/db.yaml": "name: db\n",
    "templates/stacks/app/config.yaml": "greeting: <<< .Env.GREETING >>>\n",
    "templates/stacks/db/deep/values.yaml": "size: <<< .Env.DB_SIZE >>>\n",
]

/// A clone (`instances`) of a bare repository (`instances.git`) in a scratch folder, and
/// `edpctl hydrate … --output json` run there with a clean environment.
private final class DocumentWorkspace {
    let scratch: Scratch

    init() throws {
        scratch = try Scratch(templates)
        try git("clone", "--quiet", try makeBareRepository("instances", in: scratch.path), scratch.path + "/instances",
                in: scratch.path)
        try FileManager.default.createDirectory(atPath: scratch.path + "/home", withIntermediateDirectories: true)
    }

    var path: String { scratch.path }

    /// `hydrate` of otc/<domains> into the clone, `--output json` unless `json` is false.
    func hydrate(_ extra: [String], domains: String = "a.example.org", stacks: String = "app,db",
                 instances: [String] = ["--instances", "instances"], json: Bool = true,
                 environment: [String: String] = [:]) throws -> Edpctl.Result {
        let arguments = ["hydrate", "--templates", "templates", "--provider", "otc", "--domain", domains,
                         "--stacks", stacks] + instances + extra + (json ? ["--output", "json"] : [])
        var full = ["HOME": path + "/home", "GIT_AUTHOR_NAME": "CI", "GIT_AUTHOR_EMAIL": "ci@example.com",
                    "GREETING": "hi", "DB_SIZE": "1Gi"]
        full.merge(environment) { _, given in given }
        return try Edpctl.run(arguments, in: path, environment: full)
    }
}

private func domains(_ document: [String: Any]) -> [[String: Any]] {
    document["domains"] as? [[String: Any]] ?? []
}

private func files(_ domain: [String: Any]?) -> [String: [String]] {
    domain?["files"] as? [String: [String]] ?? [:]
}

private let prefix = "otc/a.example.org/"

/// `edpctl hydrate --output json` prints one document per run, success or failure, and every one
/// is checked against docs/schemas/hydrate-output.schema.json by python-jsonschema.
@Suite("edpctl hydrate --output json: one document per run, checked against its schema",
       .enabled(if: jsonSchemaIsAvailable, "python3-jsonschema is not installed (make test installs it)"))
struct HydrateJSONDocumentTests {
    /// A commit: files by action, created then modified, removed and unchanged, and the commit.
    @Test func aCommitSaysEveryFilesActionAndTheCommit() throws {
        let workspace = try DocumentWorkspace()
        let first = try workspace.hydrate(["--commit"])
        #expect(first.status == 0 && first.stderr == "", "\(first.stderr)")
        let document = try hydrateDocument(first)
        #expect(document["schemaVersion"] as? Int == 1)
        #expect(document["status"] as? String == "succeeded")
        #expect(document["exitCode"] as? Int == 0)
        #expect(document["mode"] as? String == "commit")
        #expect(document["dryRun"] as? Bool == false)
        #expect(document["changed"] as? Bool == true)
        #expect(document["error"] is NSNull)
        #expect(document["notices"] as? [String] == [] && document["warnings"] as? [String] == [])
        let domain = domains(document).first
        #expect(domains(document).count == 1)
        #expect(domain?["instancePath"] as? String == "otc/a.example.org")
        #expect(files(domain) == [
            "created": ["edfbuilder.yaml", "registry/app.yaml", "registry/db.yaml", "stacks/app/config.yaml",
                        "stacks/db/deep/values.yaml"].map { prefix + $0 },
            "modified": [], "removed": [], "unchanged": [],
        ])
        #expect(domain?["directories"] as? [String: [String]] == ["removed": []])
        #expect(domain?["filesAllowingSecrets"] as? [String] == [])
        #expect(domain?["diff"] == nil)
        let head = try git("rev-parse", "HEAD", in: workspace.path + "/instances")
        let firstGit = document["git"] as? [String: Any]
        #expect(firstGit?["commit"] as? String == head)
        #expect(firstGit?["pushed"] as? Bool == false)
        #expect(firstGit?["attempts"] as? Int == 1)

        // One file modified, the db stack dropped: its file removed and its folders with it.
        let second = try hydrateDocument(try workspace.hydrate(["--commit"], stacks: "app",
                                                               environment: ["GREETING": "hello"]))
        let changed = domains(second).first
        #expect(files(changed) == [
            "created": [], "modified": [prefix + "stacks/app/config.yaml"],
            "removed": [prefix + "registry/db.yaml", prefix + "stacks/db/deep/values.yaml"],
            "unchanged": [prefix + "edfbuilder.yaml", prefix + "registry/app.yaml"],
        ])
        #expect(changed?["directories"] as? [String: [String]]
            == ["removed": [prefix + "stacks/db/deep", prefix + "stacks/db"]])
        #expect((second["git"] as? [String: Any])?["commit"] as? String
            == (try git("rev-parse", "HEAD", in: workspace.path + "/instances")))

        // Nothing to commit: the commit is null, the git object still there.
        let third = try hydrateDocument(try workspace.hydrate(["--commit"], stacks: "app",
                                                              environment: ["GREETING": "hello"]))
        #expect(third["changed"] as? Bool == false)
        #expect((third["git"] as? [String: Any])?["commit"] is NSNull)
        #expect(files(domains(third).first)["unchanged"]?.count == 3)
    }

    /// A push through a work folder, while another run holds its lock a moment: the wait is a
    /// notice in the document (and on stderr), and the push its outcome.
    @Test func aPushAndTheNoticesOfTheRunAreInTheDocument() throws {
        let workspace = try DocumentWorkspace()
        let holder = try holdLock(on: workspace.path + "/.work.edpctl-lock", seconds: 1)
        defer { holder.waitUntilExit() }
        let result = try workspace.hydrate(["--commit", "--push", "--lock-timeout", "60"],
                                           instances: ["--instances-url", "instances.git", "--work-dir", "work"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try hydrateDocument(result)
        #expect(document["mode"] as? String == "push")
        let gitOutcome = document["git"] as? [String: Any]
        #expect(gitOutcome?["pushed"] as? Bool == true)
        #expect(gitOutcome?["attempts"] as? Int == 1)
        #expect(gitOutcome?["commit"] as? String
            == (try git("rev-parse", "main", in: workspace.path + "/instances.git")))
        #expect(document["notices"] as? [String] == ["waiting for another run using work to finish (up to 60 s)"])
        #expect(result.stderr == "edpctl: waiting for another run using work to finish (up to 60 s)\n")

        // --quiet silences standard error only.
        let quiet = try workspace.hydrate(["--commit", "--push", "-q"],
                                          instances: ["--instances-url", "instances.git", "--work-dir", "work"])
        #expect(quiet.status == 0 && quiet.stderr == "", "\(quiet.stderr)")
        #expect(try hydrateDocument(quiet)["status"] as? String == "succeeded")
    }

    /// `--check` says what would be done (`would…`), never as done, and exits 2 on drift; quiet or
    /// not, the document is the same.
    @Test func aCheckSaysWhatWouldBeDoneAndDriftExitsTwo() throws {
        let workspace = try DocumentWorkspace()
        let drift = try workspace.hydrate(["--check"])
        #expect(drift.status == 2 && drift.stderr == "", "\(drift.stderr)")
        let document = try hydrateDocument(drift)
        #expect(document["status"] as? String == "drifted")
        #expect(document["exitCode"] as? Int == 2)
        #expect(document["mode"] as? String == "check")
        #expect(document["dryRun"] as? Bool == true)
        #expect(document["git"] is NSNull)
        let domain = domains(document).first
        #expect(files(domain) == [
            "wouldCreate": ["edfbuilder.yaml", "registry/app.yaml", "registry/db.yaml", "stacks/app/config.yaml",
                            "stacks/db/deep/values.yaml"].map { prefix + $0 },
            "wouldModify": [], "wouldRemove": [], "unchanged": [],
        ])
        #expect(domain?["directories"] as? [String: [String]] == ["wouldRemove": []])
        #expect(!workspace.scratch.exists("instances/otc"))
        let quiet = try workspace.hydrate(["--check", "-q"])
        #expect(quiet.status == 2 && quiet.stderr == "" && quiet.stdout == drift.stdout)

        #expect(try workspace.hydrate([]).status == 0)
        let clean = try workspace.hydrate(["--check"])
        #expect(clean.status == 0)
        let same = try hydrateDocument(clean)
        #expect(same["status"] as? String == "succeeded" && same["changed"] as? Bool == false)
        #expect(files(domains(same).first)["unchanged"]?.count == 5)

        let dropped = try workspace.hydrate(["--check"], stacks: "app")
        #expect(dropped.status == 2)
        let planned = try hydrateDocument(dropped)
        #expect(files(domains(planned).first)["wouldRemove"]
            == [prefix + "registry/db.yaml", prefix + "stacks/db/deep/values.yaml"])
        #expect(domains(planned).first?["directories"] as? [String: [String]]
            == ["wouldRemove": [prefix + "stacks/db/deep", prefix + "stacks/db"]])
    }

    /// `--diff` puts each domain's diff in the document: standard output is one document, whose
    /// diffs joined are what human form prints.
    @Test func aDiffIsInsideTheOneDocument() throws {
        let workspace = try DocumentWorkspace()
        let human = try workspace.hydrate(["--diff"], domains: "a.example.org,b.example.org", json: false)
        let json = try workspace.hydrate(["--diff"], domains: "a.example.org,b.example.org")
        #expect(human.status == 0 && json.status == 0 && json.stderr == "", "\(json.stderr)")
        let document = try hydrateDocument(json)
        #expect(document["mode"] as? String == "diff" && document["dryRun"] as? Bool == true)
        let diffs = domains(document).compactMap { $0["diff"] as? String }
        #expect(diffs.count == 2)
        #expect(diffs.joined() == human.stdout)
        #expect(diffs.first?.contains("+++ b/otc/a.example.org/stacks/app/config.yaml\n") == true)
        #expect(diffs.last?.contains("+++ b/otc/b.example.org/stacks/app/config.yaml\n") == true)
        #expect(!json.stdout.contains("\\/"))
        #expect(!workspace.scratch.exists("instances/otc"))
    }

    /// Several domains: one document, a result each in the order given, committed together.
    @Test func severalDomainsAreOneDocument() throws {
        let workspace = try DocumentWorkspace()
        let result = try workspace.hydrate(["--commit"], domains: "b.example.org,a.example.org")
        #expect(result.status == 0, "\(result.stderr)")
        let document = try hydrateDocument(result)
        #expect(domains(document).map { $0["instancePath"] as? String } == ["otc/b.example.org", "otc/a.example.org"])
        #expect(domains(document).map { files($0)["created"]?.count } == [5, 5])
        #expect(files(domains(document).first)["created"]?.allSatisfy { $0.hasPrefix("otc/b.example.org/") } == true)
        #expect(try git("rev-list", "--count", "HEAD", in: workspace.path + "/instances") == "2")
    }

    /// A template that fails while executing: the document carries the error, and the diagnostic
    /// its file, line, column and message; standard error says the same as in human form.
    @Test func aTemplateErrorIsTheDocumentsErrorWithFileLineAndColumn() throws {
        let workspace = try DocumentWorkspace()
        try workspace.scratch.write("templates/stacks/app/config.yaml", "greeting: <<< .Env.GREETING >>>\nsize: <<< len 3 >>>\n")
        let human = try workspace.hydrate(["--commit"], json: false)
        let result = try workspace.hydrate(["--commit"])
        #expect(result.status == 1)
        #expect(result.stderr == human.stderr && result.stderr.hasPrefix("edpctl: hydration found 1 problem"),
                "\(result.stderr)")
        let document = try hydrateDocument(result)
        #expect(document["status"] as? String == "failed")
        #expect(document["exitCode"] as? Int == 1)
        #expect(document["mode"] as? String == "commit")
        #expect(domains(document).isEmpty && document["git"] is NSNull)
        let error = try #require(document["error"] as? [String: Any])
        #expect((error["message"] as? String).map { "edpctl: " + $0 + "\n" } == result.stderr)
        let diagnostics = try #require(error["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        let diagnostic = diagnostics.first
        #expect(diagnostic?["kind"] as? String == "template")
        // Relative to the directory the command ran in, as on stderr.
        #expect(diagnostic?["file"] as? String == "templates/stacks/app/config.yaml")
        #expect(diagnostic?["line"] as? Int == 2)
        #expect(diagnostic?["column"] as? Int == 11)
        #expect((diagnostic?["message"] as? String)?.contains("len of type int") == true, "\(diagnostics)")
        #expect(try git("status", "--porcelain", in: workspace.path + "/instances") == "")
    }

    /// Missing variables: every one a diagnostic; a failure with no file to blame: no diagnostic.
    @Test func missingVariablesAndOtherFailuresAreDocumentsToo() throws {
        let workspace = try DocumentWorkspace()
        let unset = try Edpctl.run(["hydrate", "--templates", "templates", "--instances", "instances", "--provider", "otc",
                                    "--domain", "a.example.org", "--stacks", "app,db", "--check", "--output", "json"],
                                   in: workspace.path, environment: ["HOME": workspace.path + "/home"])
        #expect(unset.status == 1)
        let document = try hydrateDocument(unset)
        #expect(document["mode"] as? String == "check" && document["dryRun"] as? Bool == true)
        let diagnostics = (document["error"] as? [String: Any])?["diagnostics"] as? [[String: Any]] ?? []
        #expect(diagnostics.map { $0["kind"] as? String } == ["missingKey", "missingKey"])
        #expect(diagnostics.map { $0["subject"] as? String } == ["GREETING", "DB_SIZE"])
        #expect(diagnostics.map { $0["file"] as? String } == ["templates/stacks/app/config.yaml", "templates/stacks/db/deep/values.yaml"])
        #expect(diagnostics.map { $0["line"] as? Int } == [1, 1])
        #expect(diagnostics.map { $0["column"] as? Int } == [19, 15])

        let nowhere = try workspace.hydrate([], instances: ["--instances", "nowhere"])
        #expect(nowhere.status == 1)
        let failed = try hydrateDocument(nowhere)
        let error = failed["error"] as? [String: Any]
        #expect(error?["message"] as? String == "the instances directory nowhere does not exist or is not a directory")
        #expect((error?["diagnostics"] as? [Any])?.isEmpty == true)
    }

    /// Flags that go against each other are still refused by argument-parser (exit 64, its text on
    /// standard error), and standard output still holds the one document.
    @Test func aUsageErrorIsADocumentToo() throws {
        let workspace = try DocumentWorkspace()
        let result = try workspace.hydrate(["--push"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("'--push' requires '--commit'"), "\(result.stderr)")
        let document = try hydrateDocument(result)
        #expect(document["status"] as? String == "usageError" && document["exitCode"] as? Int == 64)
        #expect((document["error"] as? [String: Any])?["message"] as? String == "'--push' requires '--commit'")
    }

    /// The check can fail: a document that drifts from the schema is refused, field by field.
    @Test(arguments: [
        ("a required field gone", #""schemaVersion":1,"#, "", "'schemaVersion' is a required property"),
        ("another version", #""schemaVersion":1"#, #""schemaVersion":2"#, "1 was expected"),
        ("a field of its own", #""warnings":[]"#, #""warnings":[],"extra":true"#, "Additional properties"),
        ("a plan's word in a write", #""created":"#, #""wouldCreate":"#, "'created' is a required property"),
        ("written, the word of old", #""modified":["#, #""written":["#, "'modified' is a required property"),
        ("an exit code the status denies", #""exitCode":0"#, #""exitCode":2"#, "0 was expected"),
    ])
    func aDocumentThatDriftsFromTheSchemaIsRefused(change: String, from: String, to: String, expected: String) throws {
        let workspace = try DocumentWorkspace()
        let result = try workspace.hydrate([])
        #expect(result.status == 0)
        #expect(try schemaErrors(of: result.stdout) == [])
        #expect(result.stdout.contains(from), "\(change): \(result.stdout)")
        let drifted = result.stdout.replacingOccurrences(of: from, with: to)
        let errors = try schemaErrors(of: drifted)
        #expect(errors.contains { $0.contains(expected) }, "\(change): \(errors)")
    }

    /// Two documents on standard output, as the old event lines were, are no document at all.
    @Test func twoObjectsAreNotOneDocument() throws {
        #expect(throws: (any Error).self) { try schemaErrors(of: "{}\n{}\n") }
    }
}
