import Foundation
import Testing
import TestSupport

/// The credentials in the environment of every run: one with `+/=` in it, one whose base64 has
/// `+` and `/` (so its URL-safe base64 differs), one with non-ASCII letters.
private let credentials = [
    "DB_PASSWORD": "Zq7-hunter2-Xw9-pw",
    "API_TOKEN": "tok+/=AbCdEfGh12",
    "SIGNING_KEY": "k3y~~~??>>>x-Sign",
    "GITEA_PASSWD": "gitea-Pa55wd-9876",
    "GIT_SSH_PASSPHRASE": "Sésame-öffne-dich",
    "GIT_TOKEN": "ghp_LeakTestQqRrSsTt",
    "MYSQL_PWD": "Mysql-Pwd-Qx81zz",
]

/// Variables that are no credentials but hold a URL with a password: only the password is secret.
private let urlPasswords = ["DATABASE_URL": ("postgres://app:DsnPassw0rd77@db.internal/shop", "DsnPassw0rd77")]

/// One stack per error path; `ok` renders cleanly.
private let leakTemplates = [
    "ok/app.yaml": "name: <<< .Env.APP_NAME >>>\n",
    "missing/a.yaml": "a: <<< .Env.NOT_SET_ANYWHERE >>>\nlength: <<< len .Env.DB_PASSWORD >>>\n",
    "range/a.yaml": "<<< range .Env.DB_PASSWORD >>>x<<< end >>>\n",
    "rangepiece/a.yaml": "<<< range (.Env.API_TOKEN | strings.Trunc 9) >>>x<<< end >>>\n",
    "dupkey/a.yaml": "<<< .Env.GITEA_PASSWD >>>: 1\n<<< .Env.GITEA_PASSWD >>>: 2\n",
    "duppiece/a.yaml": "<<< .Env.GITEA_PASSWD | strings.Trunc 7 >>>: 1\n<<< .Env.GITEA_PASSWD | strings.Trunc 7 >>>: 2\n",
    "jsonerror/a.yaml": "<<< data.JSON .Env.SIGNING_KEY >>>\n",
    "badjson/a.json": "{\"a\": <<< .Env.API_TOKEN >>>]\n",
    "secretyaml/s.yaml": """
        apiVersion: v1
        kind: Secret
        metadata: {name: db}
        stringData:
          password: <<< .Env.DB_PASSWORD >>>

        """,
    "secretjson/s.json": """
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "j"},
         "data": {"key": "<<< .Env.SIGNING_KEY | base64.Encode >>>"}}

        """,
    "secretlist/s.yaml": """
        kind: SecretList
        items:
          - metadata: {name: typed}
            stringData: {password: "<<< .Env.GITEA_PASSWD >>>"}

        """,
    "merge/s.yaml": """
        kind: List
        x-kind: &secret {apiVersion: v1, kind: Secret}
        x-data: &data {data: {token: "<<< .Env.API_TOKEN | base64.Encode >>>"}}
        items:
          - <<: [*secret, *data]
            metadata: {name: merged}

        """,
    "inoutput/config.txt": "token=<<< .Env.API_TOKEN >>>\nbasic=<<< printf \"user:%s\" .Env.DB_PASSWORD | base64.Encode >>>\n",
    "spelled/a.txt": """
        upper: <<< strings.ToUpper .Env.API_TOKEN >>>
        hex: <<< printf "%X" .Env.GITEA_PASSWD >>>
        query: <<< urlquery .Env.SIGNING_KEY >>>
        pwd: <<< .Env.MYSQL_PWD | strings.ToLower >>>
        dsn: <<< .Env.DATABASE_URL >>>

        """,
    "spelledfail/a.yaml": "<<< fail (print (strings.ToLower .Env.API_TOKEN) \" \" (printf \"%x\" .Env.DB_PASSWORD) \" \" .Env.DATABASE_URL) >>>\n",
    "generator/kustomization.yaml": """
        resources: [app.yaml]
        secretGenerator:
          - name: db
            literals: ["password=<<< .Env.MYSQL_PWD >>>"]
          - name: api
            literals: [token=literal-Qq55]

        """,
    "embedded/values.yaml": """
        extraObjects:
          - |
            apiVersion: v1
            kind: Secret
            metadata:
              name: {{ .Release.Name }}-db
            stringData:
              password: literal-Zz77

        """,
    "optout/s.yaml": """
        <<</* edpctl:allow-secrets */>>>
        kind: Secret
        metadata: {name: deliberate}
        stringData:
          password: <<< .Env.DB_PASSWORD >>>

        """,
]

/// A scratch folder: the templates, a bare instances repository and its clone, and HOME, cache
/// and input folders; `hydrate` runs the built binary there with the credentials set.
private final class LeakWorkspace {
    let scratch: Scratch
    var root: String { scratch.path }
    var clone: String { root + "/instances" }
    var bare: String { root + "/instances.git" }
    var inputs: String { root + "/inputs" }
    /// Everything the runs may write to, searched after each run (the templates and inputs are
    /// the test's own).
    var searched: [String] { [clone, bare, root + "/work", root + "/home", root + "/cache", root + "/xdg"] }

    init() throws {
        var files: [String: String] = [:]
        for (path, text) in leakTemplates {
            let stack = String(path.prefix { $0 != "/" })
            files["templates/registry/\(stack).yaml"] = "stack: \(stack)\n"
            files["templates/stacks/\(path)"] = text
        }
        scratch = try Scratch(files)
        _ = try makeBareRepository("instances", in: root)
        try git("clone", "--quiet", bare, clone, in: root)
        for folder in ["home", "cache", "xdg", "inputs"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
    }

    func hydrate(_ arguments: [String], stacks: String) throws -> Edpctl.Result {
        var environment = credentials.merging(urlPasswords.mapValues(\.0)) { _, new in new }
        environment.merge([
            "HOME": root + "/home", "EDPCTL_CACHE_DIR": root + "/cache", "XDG_CACHE_HOME": root + "/xdg",
            "GIT_AUTHOR_NAME": "CI", "GIT_AUTHOR_EMAIL": "ci@example.com", "APP_NAME": "shop",
        ]) { _, new in new }
        let target = arguments.contains("--instances-url") ? [] : ["--instances", "instances"]
        return try Edpctl.run(["hydrate", "--templates", "templates", "--provider", "otc", "--domain", "a.example.org",
                               "--stacks", stacks] + target + arguments, in: root, environment: environment)
    }

    /// Records an issue for every credential value, base64 form or 6-character piece found in
    /// the run's output, in any file below the searched folders (`.git` included), or in any
    /// object of their repositories (which git stores compressed).
    func expectNoLeak(_ result: Edpctl.Result, _ label: String) throws {
        var places: [(String, Data)] = [("stdout", Data(result.stdout.utf8)), ("stderr", Data(result.stderr.utf8))]
        for folder in searched {
            let enumerator = FileManager.default.enumerator(atPath: folder)
            while let relative = enumerator?.nextObject() as? String {
                if let data = FileManager.default.contents(atPath: folder + "/" + relative) {
                    places.append((folder + "/" + relative, data))
                }
            }
            if FileManager.default.fileExists(atPath: folder + "/HEAD") || FileManager.default.fileExists(atPath: folder + "/.git") {
                let objects = try git("cat-file", "--batch-all-objects", "--batch", in: folder)
                places.append(("objects of " + folder, Data(objects.utf8)))
            }
        }
        for (name, value) in credentials.merging(urlPasswords.mapValues(\.1), uniquingKeysWith: { _, new in new }) {
            for needle in leakForms(of: value) {
                for (place, data) in places where data.range(of: Data(needle.utf8)) != nil {
                    Issue.record("\(label): \(name) leaked into \(place) as \(needle.debugDescription)")
                }
            }
        }
    }
}

/// The value in upper and lower case too, its base64 (standard, URL-safe), its JSON-escaped form,
/// hex and percent-encoded forms, and every 6-character piece of the value (in any of its three
/// cases) and of its base64 that holds more than hex digits (commit ids are all hex).
private func leakForms(of value: String) -> [String] {
    let base64 = Data(value.utf8).base64EncodedString()
    let hex = value.utf8.map { String(format: "%02x", $0) }.joined()
    var forms = [value, base64, base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"),
                 value.replacingOccurrences(of: "/", with: "\\/"), hex, hex.uppercased(),
                 value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value]
    for form in [value, value.uppercased(), value.lowercased(), base64] {
        let characters = Array(form)
        for start in 0...(characters.count - 6) {
            let piece = String(characters[start..<(start + 6)])
            if !piece.allSatisfy({ "0123456789abcdef".contains($0) }) { forms.append(piece) }
        }
    }
    return Array(Set(forms)).sorted()
}

@Suite("edpctl hydrate leaks no credential on any path")
struct CredentialLeakTests {
    @Test(arguments: [
        ("missing", ["--commit"], "missing key \"NOT_SET_ANYWHERE\" (in .Env.NOT_SET_ANYWHERE)"),
        ("range", [], "range can't iterate over <DB_PASSWORD redacted>"),
        ("rangepiece", ["--output", "json"], "range can't iterate over <API_TOKEN redacted>"),
        ("dupkey", ["--check"], "mapping key \"<GITEA_PASSWD redacted>\" already defined"),
        ("duppiece", ["--diff"], "mapping key \"<GITEA_PASSWD redacted>\" already defined"),
        ("jsonerror", ["--commit"], "cannot unmarshal !!str `<SIGNING_KEY redacted>...`"),
        ("badjson", [], "stacks/badjson/a.json:1:23: the rendered output is not valid JSON: did not find expected ',' or '}'"),
        ("secretyaml", ["--commit"], "stacks/secretyaml/s.yaml:4:1: Secret \"db\" has stringData in it"),
        ("secretjson", ["--output", "json"], "stacks/secretjson/s.json:2:2: Secret \"j\" has data in it"),
        ("secretlist", ["--check"], "stacks/secretlist/s.yaml:4:5: Secret \"typed\" has stringData in it"),
        ("merge", ["--commit"], "stacks/merge/s.yaml:3:16: Secret \"merged\" has data in it"),
        ("inoutput", ["--commit"], "stacks/inoutput/config.txt:2:14: the value of the credential variable DB_PASSWORD appears base64-encoded"),
        ("spelled", ["--commit"], """
            stacks/spelled/a.txt:1:8: the value of the credential variable API_TOKEN appears in the output (keep it out of git, \
            or opt the file out with <<</* edpctl:allow-secrets */>>>)
            templates/stacks/spelled/a.txt:2:6: the value of the credential variable GITEA_PASSWD appears hex-encoded in the \
            output (keep it out of git, or opt the file out with <<</* edpctl:allow-secrets */>>>)
            templates/stacks/spelled/a.txt:3:8: the value of the credential variable SIGNING_KEY appears percent-encoded in the \
            output (keep it out of git, or opt the file out with <<</* edpctl:allow-secrets */>>>)
            templates/stacks/spelled/a.txt:4:6: the value of the credential variable MYSQL_PWD appears in the output (keep it \
            out of git, or opt the file out with <<</* edpctl:allow-secrets */>>>)
            templates/stacks/spelled/a.txt:5:21: the password of a URL in the variable DATABASE_URL appears in the output (keep it out of \
            git, or opt the file out with <<</* edpctl:allow-secrets */>>>)
            """),
        ("spelledfail", ["--output", "json"], "template generation failed: <API_TOKEN redacted> <DB_PASSWORD redacted> "
            + "postgres://app:<DATABASE_URL redacted>@db.internal/shop"),
        ("generator", ["--commit"], "stacks/generator/kustomization.yaml:4:5: secretGenerator \"db\" has literals in it"),
        ("embedded", ["--check"], "stacks/embedded/values.yaml:2:5: Secret \"\" (in the YAML text of a string) has stringData in it"),
        ("ok,missing,range,rangepiece,dupkey,duppiece,jsonerror,badjson,secretyaml,secretjson,secretlist,merge,inoutput",
         ["--commit"], "hydration found 20 problems; nothing was written:"),
    ])
    func everyErrorPathExitsOneAndShowsNoCredential(stacks: String, arguments: [String], expected: String) throws {
        let workspace = try LeakWorkspace()
        let head = try git("rev-parse", "HEAD", in: workspace.clone)
        let result = try workspace.hydrate(arguments, stacks: stacks)
        #expect(result.status == 1, "\(stacks): \(result.stderr)")
        #expect(result.stderr.contains(expected), "\(stacks): \(result.stderr)")
        #expect(try git("rev-parse", "HEAD", in: workspace.clone) == head)
        #expect(try git("status", "--porcelain", in: workspace.clone) == "")
        try workspace.expectNoLeak(result, stacks)
    }

    @Test func inputFilesThatDoNotParseShowNoValue() throws {
        let workspace = try LeakWorkspace()
        try workspace.scratch.write("inputs/values.yaml", "DB_PASSWORD: !!int \(credentials["DB_PASSWORD"]!)\n")
        try workspace.scratch.write("inputs/ci.env", "API_TOKEN: \(credentials["API_TOKEN"]!)\n")
        let values = try workspace.hydrate(["--values", "inputs/values.yaml", "--commit"], stacks: "ok")
        #expect(values.status == 1)
        #expect(values.stderr == "edpctl: inputs/values.yaml:1:14: cannot decode !!str `…` as a !!int\n")
        try workspace.expectNoLeak(values, "--values")
        let envFile = try workspace.hydrate(["--env-file", "inputs/ci.env", "--commit"], stacks: "ok")
        #expect(envFile.status == 1)
        #expect(envFile.stderr
            == "edpctl: inputs/ci.env:1:1: invalid variable name (a letter or _, then letters, digits and _)\n")
        try workspace.expectNoLeak(envFile, "--env-file")
    }

    /// A file that opts out may hold a credential; `--diff` names it but shows none of its lines,
    /// neither the new value nor the one the clone has now.
    @Test func diffAndCheckOfAFileThatAllowsSecretsShowNoValue() throws {
        let workspace = try LeakWorkspace()
        let old = "old-Pa55word-Qq42"
        try workspace.scratch.write("instances/otc/a.example.org/stacks/optout/s.yaml", "stringData:\n  password: \(old)\n")
        let diff = try workspace.hydrate(["--diff"], stacks: "optout")
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("Files a/otc/a.example.org/stacks/optout/s.yaml and b/otc/a.example.org/stacks/optout/s.yaml "
            + "differ (its template allows secrets: lines not shown)\n"), "\(diff.stdout)")
        #expect(!diff.stdout.contains(old))
        let jsonDiff = try workspace.hydrate(["--diff", "--output", "json"], stacks: "optout")
        #expect(jsonDiff.status == 0, "\(jsonDiff.stderr)")
        #expect(jsonDiff.stdout.contains("differ (its template allows secrets: lines not shown)\\n"), "\(jsonDiff.stdout)")
        #expect(!jsonDiff.stdout.contains(old))
        try FileManager.default.removeItem(atPath: workspace.clone + "/otc")
        try workspace.expectNoLeak(diff, "--diff")
        try workspace.expectNoLeak(jsonDiff, "--diff --output json")

        let check = try workspace.hydrate(["--check", "--output", "json"], stacks: "optout")
        #expect(check.status == 2, "\(check.stderr)")
        try workspace.expectNoLeak(check, "--check")
    }

    /// `--output json`'s one document on failure: every problem of every file as a diagnostic with
    /// its place, the document as the schema says, and no credential in any form; on success, the
    /// file that allows secrets listed, its diff without a line of it.
    @Test(.enabled(if: jsonSchemaIsAvailable, "python3-jsonschema is not installed (make test installs it)"))
    func theJSONDocumentHoldsNoCredential() throws {
        let workspace = try LeakWorkspace()
        let failed = try workspace.hydrate(["--commit", "--output", "json"], stacks: "spelled,inoutput,secretyaml,range")
        #expect(failed.status == 1, "\(failed.stderr)")
        let document = try hydrateDocument(failed)
        let error = try #require(document["error"] as? [String: Any])
        let diagnostics = try #require(error["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count > 4, "\(diagnostics)")
        #expect(failed.stderr.hasPrefix("edpctl: hydration found \(diagnostics.count) problems; nothing was written:\n"),
                "\(failed.stderr)")
        #expect(diagnostics.allSatisfy { $0["line"] is Int && $0["file"] is String }, "\(diagnostics)")
        #expect(Set(diagnostics.compactMap { $0["kind"] as? String }) == ["secret", "template"], "\(diagnostics)")
        try workspace.expectNoLeak(failed, "--output json, failed")

        try workspace.scratch.write("instances/otc/a.example.org/stacks/optout/s.yaml", "stringData:\n  password: x\n")
        let diff = try workspace.hydrate(["--diff", "--output", "json"], stacks: "ok,optout")
        #expect(diff.status == 0, "\(diff.stderr)")
        let planned = try hydrateDocument(diff)
        let domain = try #require((planned["domains"] as? [[String: Any]])?.first)
        #expect(domain["filesAllowingSecrets"] as? [String] == ["otc/a.example.org/stacks/optout/s.yaml"])
        #expect((domain["diff"] as? String)?.contains("differ (its template allows secrets: lines not shown)") == true)
        try FileManager.default.removeItem(atPath: workspace.clone + "/otc")
        try workspace.expectNoLeak(diff, "--diff --output json")
    }

    /// What a run that succeeds writes, commits and pushes (commit, reflogs, FETCH_HEAD, the
    /// cloned work folder's configuration) holds no credential of its environment either.
    @Test func aCommitAndAPushWithCredentialsInTheEnvironmentHoldNone() throws {
        let workspace = try LeakWorkspace()
        let local = try workspace.hydrate(["--commit", "--output", "json"], stacks: "ok")
        #expect(local.status == 0, "\(local.stderr)")
        #expect(local.stdout.contains("\"instancePath\":\"otc/a.example.org\""))
        try workspace.expectNoLeak(local, "--commit")

        let pushed = try workspace.hydrate(["--instances-url", workspace.bare, "--work-dir", "work", "--commit", "--push"],
                                           stacks: "ok")
        #expect(pushed.status == 0, "\(pushed.stderr)")
        #expect(pushed.stderr.contains("; pushed") || pushed.stderr.contains("nothing to commit"), "\(pushed.stderr)")
        try workspace.expectNoLeak(pushed, "--commit --push")
    }
}
