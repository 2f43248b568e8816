import Foundation
import Testing
import TestSupport


/// Two stacks, `app` and `db`, small enough to read in a test.
private let smallTemplates = [
    "templates/edfbuilder.yaml": "root: <<< .Env.PROVIDER >>>/<<< .Env.DOMAIN >>>\n",
    "templates/registry/app.yaml": "name: app\n",
    "templates/registry/db.yaml": "name: db\n",
    "templates/stacks/app/config.yaml": "# the app\ngreeting: <<< .Env.GREETING >>>\nstacks: <<< .Env.STACKS >>>\n",
    "templates/stacks/db/values.yaml": "size: <<< .Env.DB_SIZE >>>\n",
]

/// A scratch folder with a bare instances repository (`instances.git`, one commit with README.md)
/// and a clone of it (`instances`), and `edpctl hydrate` run there with a clean environment.
private final class Workspace {
    let scratch: Scratch
    let clone: String

    init(_ files: [String: String] = smallTemplates) throws {
        scratch = try Scratch(files)
        clone = scratch.path + "/instances"
        try git("clone", "--quiet", try makeBareRepository("instances", in: scratch.path), clone, in: scratch.path)
        try FileManager.default.createDirectory(atPath: scratch.path + "/home", withIntermediateDirectories: true)
    }

    var path: String { scratch.path }

    /// `edpctl hydrate arguments…` with only `environment`, HOME (an empty folder, so no user's
    /// git configuration is read), the commit author and PATH set.
    func hydrate(_ arguments: [String], environment: [String: String] = [:]) throws -> Edpctl.Result {
        var full = ["HOME": path + "/home", "GIT_AUTHOR_NAME": "CI", "GIT_AUTHOR_EMAIL": "ci@example.com"]
        full.merge(environment) { _, given in given }
        return try Edpctl.run(["hydrate"] + arguments, in: path, environment: full)
    }

    /// The small templates into the clone, for otc/a.example.org.
    func hydrateSmall(_ extra: String..., stacks: String = "app,db",
                      environment: [String: String] = ["GREETING": "hello", "DB_SIZE": "10Gi"]) throws -> Edpctl.Result {
        try hydrate(["--templates", "templates", "--instances", "instances", "--provider", "otc",
                     "--domain", "a.example.org", "--stacks", stacks] + extra, environment: environment)
    }

    /// Every file below `relative` in the clone, relative to it, sorted; .git left out.
    func files(under relative: String = "") -> [String] {
        filePaths(below: clone + (relative.isEmpty ? "" : "/" + relative), skipping: [".git"])
    }

    /// Each file's inode and modification time (to the nanosecond), to tell a rewrite from none.
    func snapshot(under relative: String) -> [String: String] {
        var snapshot: [String: String] = [:]
        for file in files(under: relative) {
            var info = stat()
            if lstat(clone + "/" + relative + "/" + file, &info) == 0 {
                snapshot[file] = "\(info.st_ino) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            }
        }
        return snapshot
    }

    func head() throws -> String { try git("rev-parse", "HEAD", in: clone) }
}

@Suite("edpctl hydrate, end to end")
struct HydrateCommandTests {
    // MARK: A local instances clone

    @Test func hydratesTheSelectedStacksOfTheBundledTemplatesAndARerunChangesNothing() throws {
        let workspace = try Workspace([:])
        let arguments = ["--templates", packageRoot + "/templates", "--instances", "instances",
                         "--env-file", packageRoot + "/examples/edp/env", "--stacks", "core,otc", "--commit"]
        let first = try workspace.hydrate(arguments)
        #expect(first.status == 0, "\(first.stderr)")

        // edfbuilder.yaml, the two registry entries and every file of the two stacks' folders.
        let templates = packageRoot + "/templates"
        var expected = ["edfbuilder.yaml", "registry/core.yaml", "registry/otc.yaml"]
        for stack in ["core", "otc"] {
            let files = try FileManager.default.subpathsOfDirectory(atPath: templates + "/stacks/" + stack)
                .filter { !isDirectory(templates + "/stacks/" + stack + "/" + $0) }
            expected += files.map { "stacks/\(stack)/\($0)" }
        }
        let instance = "otc/test-me.t09.de"
        #expect(workspace.files(under: instance) == expected.sorted())
        #expect(workspace.files() == (["README.md"] + expected.map { instance + "/" + $0 }).sorted())
        #expect(first.stderr.hasPrefix("otc/test-me.t09.de: \(expected.count) written, 0 unchanged, 0 removed; committed "))
        #expect(try workspace.scratch.read("instances/\(instance)/edfbuilder.yaml")
            .contains("path: \"otc/test-me.t09.de/registry\""))
        #expect(try git("log", "-1", "--format=%s", in: workspace.clone) == "hydrate otc/test-me.t09.de: core, otc")
        #expect(try git("status", "--porcelain", in: workspace.clone) == "")

        let head = try workspace.head()
        let before = workspace.snapshot(under: instance)
        let second = try workspace.hydrate(arguments)
        #expect(second.status == 0)
        #expect(second.stderr == "otc/test-me.t09.de: 0 written, \(expected.count) unchanged, 0 removed; nothing to commit\n")
        #expect(workspace.snapshot(under: instance) == before)
        #expect(try workspace.head() == head)
    }

    @Test func severalDomainsAreHydratedAndCommittedTogether() throws {
        let workspace = try Workspace()
        let before = try workspace.head()
        let result = try workspace.hydrate(["--templates", "templates", "--instances", "instances", "--provider", "otc",
                                            "--domain", "a.example.org,b.example.org", "--stacks", "app", "--commit"],
                                           environment: ["GREETING": "hello"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try git("rev-list", "--count", "\(before)..HEAD", in: workspace.clone) == "1")
        #expect(try git("log", "-1", "--format=%s", in: workspace.clone) == "hydrate otc/a.example.org, otc/b.example.org: app")
        let committed = try git("show", "--format=", "--name-only", "HEAD", in: workspace.clone).split(separator: "\n")
        #expect(committed.contains("otc/a.example.org/edfbuilder.yaml"))
        #expect(committed.contains("otc/b.example.org/edfbuilder.yaml"))
        // Each domain's files say which domain they are for.
        #expect(try workspace.scratch.read("instances/otc/b.example.org/edfbuilder.yaml").contains("b.example.org"))
    }

    @Test func droppingAStackRemovesItsFilesAndNothingElse() throws {
        let workspace = try Workspace()
        #expect(try workspace.hydrateSmall("--commit").status == 0)
        // Another domain's file and one at the root, both in git.
        try workspace.scratch.write("instances/otc/b.example.org/keep.yaml", "keep: true\n")
        try workspace.scratch.write("instances/notes.txt", "by hand\n")
        try git("add", "-A", in: workspace.clone)
        try git("commit", "--quiet", "-m", "by hand", in: workspace.clone)
        let before = workspace.snapshot(under: "otc")

        let dropped = try workspace.hydrateSmall("--commit", stacks: "app")
        #expect(dropped.status == 0, "\(dropped.stderr)")
        #expect(dropped.stderr.hasPrefix("otc/a.example.org: 1 written, 2 unchanged, 2 removed; committed "))
        #expect(workspace.files() == ["README.md", "notes.txt", "otc/a.example.org/edfbuilder.yaml",
                                      "otc/a.example.org/registry/app.yaml", "otc/a.example.org/stacks/app/config.yaml",
                                      "otc/b.example.org/keep.yaml"])
        // config.yaml holds STACKS, so it changes; nothing else of the app stack is touched.
        #expect(try workspace.scratch.read("instances/otc/a.example.org/stacks/app/config.yaml").hasSuffix("stacks: app\n"))
        #expect(try git("show", "--format=", "--name-status", "HEAD", in: workspace.clone)
            .split(separator: "\n") == ["D\totc/a.example.org/registry/db.yaml",
                                        "M\totc/a.example.org/stacks/app/config.yaml",
                                        "D\totc/a.example.org/stacks/db/values.yaml"])
        // What stays and does not change keeps its inode and mtime.
        let after = workspace.snapshot(under: "otc")
        for file in ["a.example.org/edfbuilder.yaml", "a.example.org/registry/app.yaml", "b.example.org/keep.yaml"] {
            #expect(after[file] != nil && after[file] == before[file], "\(file)")
        }
    }

    @Test func checkExitsTwoWhenDifferentAndZeroWhenEqual() throws {
        let workspace = try Workspace()
        let empty = try workspace.hydrateSmall("--check")
        #expect(empty.status == 2)
        #expect(empty.stderr == "plan: otc/a.example.org: 5 to write, 0 unchanged, 0 to remove\n")
        #expect(workspace.files() == ["README.md"])

        #expect(try workspace.hydrateSmall().status == 0)
        let equal = try workspace.hydrateSmall("--check")
        #expect(equal.status == 0)
        #expect(equal.stderr == "plan: otc/a.example.org: 0 to write, 5 unchanged, 0 to remove\n")

        try workspace.scratch.write("instances/otc/a.example.org/stacks/db/values.yaml", "size: 1Gi\n")
        try workspace.scratch.write("instances/otc/a.example.org/stray.yaml", "by: hand\n")
        let edited = try workspace.hydrateSmall("--check")
        #expect(edited.status == 2)
        #expect(edited.stderr == "plan: otc/a.example.org: 1 to write, 4 unchanged, 1 to remove\n")
        #expect(try workspace.scratch.read("instances/otc/a.example.org/stacks/db/values.yaml") == "size: 1Gi\n")
        #expect(workspace.scratch.exists("instances/otc/a.example.org/stray.yaml"))
    }

    @Test func diffPrintsAUnifiedDiffThatGitAppliesAndWritesNothing() throws {
        let workspace = try Workspace()
        #expect(try workspace.hydrateSmall("--commit").status == 0)
        let snapshot = workspace.snapshot(under: "otc")

        let result = try workspace.hydrateSmall("--diff", stacks: "app",
                                                environment: ["GREETING": "bonjour", "DB_SIZE": "10Gi"])
        #expect(result.status == 0)
        #expect(result.stdout == """
            --- a/otc/a.example.org/registry/db.yaml
            +++ /dev/null
            @@ -1 +0,0 @@
            -name: db
            --- a/otc/a.example.org/stacks/app/config.yaml
            +++ b/otc/a.example.org/stacks/app/config.yaml
            @@ -1,3 +1,3 @@
             # the app
            -greeting: hello
            -stacks: app,db
            +greeting: bonjour
            +stacks: app
            --- a/otc/a.example.org/stacks/db/values.yaml
            +++ /dev/null
            @@ -1 +0,0 @@
            -size: 10Gi

            """)
        #expect(result.stderr == "plan: otc/a.example.org: 1 to write, 2 unchanged, 2 to remove\n")
        #expect(workspace.snapshot(under: "otc") == snapshot)

        // The diff is what hydrating would do: applied by git, it leaves nothing for --check.
        let patch = workspace.path + "/change.diff"
        try Data(result.stdout.utf8).write(to: URL(fileURLWithPath: patch))
        try git("apply", patch, in: workspace.clone)
        let check = try workspace.hydrateSmall("--check", stacks: "app",
                                               environment: ["GREETING": "bonjour", "DB_SIZE": "10Gi"])
        #expect(check.status == 0, "\(check.stderr)")
    }

    @Test func missingVariablesAreAllListedAndNothingIsWritten() throws {
        let workspace = try Workspace()
        try workspace.scratch.write("templates/stacks/db/values.yaml", "size: <<< .Env.DB_SIZE >>>\nclass: <<< .Env.DB_CLASS >>>\n")
        let result = try workspace.hydrateSmall("--commit", environment: [:])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            edpctl: hydration found 3 problems; nothing was written:
            templates/stacks/app/config.yaml:2:19: missing key "GREETING" (in .Env.GREETING)
            templates/stacks/db/values.yaml:1:15: missing key "DB_SIZE" (in .Env.DB_SIZE)
            templates/stacks/db/values.yaml:2:16: missing key "DB_CLASS" (in .Env.DB_CLASS)
            3 variables are not set: DB_CLASS, DB_SIZE, GREETING; set them in --env-file, --values or the environment

            """)
        #expect(workspace.files() == ["README.md"])
        #expect(try git("rev-list", "--count", "HEAD", in: workspace.clone) == "1")
    }

    @Test func aCredentialInTheOutputIsRefusedWithoutShowingIt() throws {
        let workspace = try Workspace()
        let secret = "pa55-w0rd-that-must-not-leak"
        try workspace.scratch.write("templates/stacks/db/values.yaml", "size: 1Gi\npassword: <<< .Env.DB_PASSWORD >>>\n")
        let result = try workspace.hydrateSmall(
            "--commit", environment: ["GREETING": "hello", "DB_PASSWORD": secret])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("edpctl: hydration found 1 problem; nothing was written:\n"))
        #expect(result.stderr.contains("stacks/db/values.yaml:2:"))
        #expect(result.stderr.contains("the value of the credential variable DB_PASSWORD appears in the output"))
        #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
        #expect(workspace.files() == ["README.md"])
    }

    @Test func jsonOutputIsOneObject() throws {
        let workspace = try Workspace()
        let result = try workspace.hydrateSmall("--commit", "--output", "json")
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout.hasSuffix("}\n") && result.stdout.filter { $0 == "\n" }.count == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let object = try #require((document["domains"] as? [[String: Any]])?.first)
        #expect(object["instancePath"] as? String == "otc/a.example.org")
        let files = object["files"] as? [String: [String]]
        #expect(files?["created"] == ["edfbuilder.yaml", "registry/app.yaml", "registry/db.yaml",
                                      "stacks/app/config.yaml", "stacks/db/values.yaml"].map { "otc/a.example.org/" + $0 })
        #expect(files?["removed"] == [])
        #expect(object["changed"] as? Bool == true)
        #expect(document["dryRun"] as? Bool == false)
        let git = document["git"] as? [String: Any]
        #expect(git?["commit"] as? String == (try workspace.head()))
        #expect(git?["pushed"] as? Bool == false)
        #expect(git?["attempts"] as? Int == 1)
    }

    @Test(arguments: [
        (["--instances", "instances", "--push"], "'--push' requires '--commit'"),
        (["--domain", "a.example.org"], "'--instances DIR' or '--instances-url URL'"),
        (["--instances", "instances", "--instances-url", "file:///nowhere"],
         "'--instances' and '--instances-url' exclude each other"),
        // In a refspec these would name other branches, or none.
        (["--instances", "instances", "--branch", "*"], "'--branch' \"*\" is not a valid branch name"),
        (["--instances", "instances", "--branch", "main:prod"], "'--branch' \"main:prod\" is not a valid branch name"),
        (["--instances", "instances", "--branch", "a b"], "'--branch' \"a b\" is not a valid branch name"),
        (["--instances", "instances", "--branch", "HEAD"], "'--branch' \"HEAD\" is not a valid branch name"),
        (["--instances", "instances", "--branch", ""], "'--branch' \"\" is not a valid branch name"),
    ])
    func usageErrorsExit64NamingTheFlag(arguments: [String], message: String) throws {
        let workspace = try Workspace()
        let result = try workspace.hydrate(["--templates", "templates", "--provider", "otc", "--stacks", "app"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(workspace.files() == ["README.md"])
    }

    // MARK: Over HTTP, against a real git server

    @Test func clonesCommitsAndPushesOverHTTP() throws {
        let workspace = try Workspace([:])
        let token = "tok-hydrate-push-4711"
        try makeBareRepository("inst", in: workspace.path + "/served")
        let bare = workspace.path + "/served/inst.git"
        let server = try GitServer(root: workspace.path, token: token)
        let seed = try git("rev-parse", "main", in: bare)

        let result = try workspace.hydrate(
            ["--templates", packageRoot + "/templates", "--env-file", packageRoot + "/examples/edp/env",
             "--instances-url", server.url("inst"), "--work-dir", "work", "--stacks", "core,otc,forgejo",
             "--commit", "--push"],
            environment: ["GIT_USERNAME": server.user, "GIT_TOKEN": token])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("; pushed"))

        let log = try git("log", "--format=%H %P%n%B", "-1", "main", in: bare)
        #expect(log.hasPrefix(try git("rev-parse", "main", in: bare) + " " + seed + "\n"))
        #expect(log.contains("hydrate otc/test-me.t09.de: core, otc, forgejo"))
        try git("fsck", "--strict", in: bare)
        try git("clone", "--quiet", bare, workspace.path + "/check", in: workspace.path)
        let checked = try FileManager.default.subpathsOfDirectory(atPath: workspace.path + "/check/otc/test-me.t09.de")
        #expect(checked.contains("stacks/forgejo/forgejo-server/values.yaml"))
        #expect(!checked.contains("registry/observability.yaml"))
        // The token is used, never stored: not in the work clone's configuration.
        #expect(try !String(contentsOfFile: workspace.path + "/work/.git/config", encoding: .utf8).contains(token))
    }

    /// With the user name in GIT_USERNAME, or in the URL.
    @Test(arguments: [false, true])
    func aWrongTokenFailsWithoutShowingIt(userInURL: Bool) throws {
        let workspace = try Workspace()
        let wrong = "wrong-token-0815"
        try makeBareRepository("inst", in: workspace.path + "/served")
        let bare = workspace.path + "/served/inst.git"
        let server = try GitServer(root: workspace.path, token: "right-token-4711")
        let before = try git("rev-parse", "main", in: bare)
        let url = server.url("inst", userinfo: userInURL ? server.user : nil)

        let result = try workspace.hydrate(
            ["--templates", "templates", "--instances-url", url, "--work-dir", "work", "--provider", "otc",
             "--domain", "a.example.org", "--stacks", "app", "--commit", "--push"],
            environment: ["GREETING": "hi", "GIT_TOKEN": wrong].merging(userInURL ? [:] : ["GIT_USERNAME": server.user]) { $1 })
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: authentication failed for http://127.0.0.1:\(server.port)/inst.git: "
            + (userInURL ? "check GIT_USERNAME (or else the user name in '--instances-url') and GIT_TOKEN (or GIT_PASSWORD), "
                + "or the SSH key\n" : "check GIT_USERNAME and GIT_TOKEN (or GIT_PASSWORD), or the SSH key\n"))
        let output = result.stdout + result.stderr
        #expect(!output.contains(wrong))
        #expect(!output.contains("@127.0.0.1") && !output.contains(server.user))
        #expect(try git("rev-parse", "main", in: bare) == before)
    }

    /// Two CI jobs for two domains, started at once, each with its own clone. A pre-receive hook
    /// holds the first two pushes until both have arrived, so both were built on the same tip and
    /// exactly one loses; it must fetch, re-hydrate on the winner's commit and land too.
    @Test func twoConcurrentPushesForTwoDomainsBothLand() async throws {
        let workspace = try Workspace()
        let token = "tok-hydrate-race-4711"
        let bare = try makeBareRepository("inst", in: workspace.path + "/served")
        try installPushBarrier(in: bare, arrivals: workspace.path + "/arrivals")
        let server = try GitServer(root: workspace.path, token: token)
        let url = server.url("inst")
        let user = server.user
        let path = workspace.path

        @Sendable func job(_ domain: String) -> Edpctl.Result? {
            try? Edpctl.run(
                ["hydrate", "--templates", "templates", "--instances-url", url, "--work-dir", "work-" + domain,
                 "--provider", "otc", "--domain", domain, "--stacks", "app,db", "--commit", "--push", "--output", "json"],
                in: path,
                environment: ["HOME": path + "/home", "GIT_AUTHOR_NAME": "CI", "GIT_AUTHOR_EMAIL": "ci@example.com",
                              "GIT_USERNAME": user, "GIT_TOKEN": token, "GREETING": "hi", "DB_SIZE": "1Gi"])
        }
        async let first = onThread { job("a.example.org") }
        async let second = onThread { job("b.example.org") }
        let results = try await [first, second].compactMap { $0 }
        try #require(results.count == 2)

        var attempts: [Int] = []
        for result in results {
            #expect(result.status == 0, "\(result.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let object = try #require(document["git"] as? [String: Any])
            #expect(object["pushed"] as? Bool == true)
            attempts.append(object["attempts"] as? Int ?? 0)
        }
        #expect(attempts.sorted() == [1, 2])
        let subjects = try git("log", "--format=%s", "main", in: bare).split(separator: "\n").map(String.init)
        #expect(subjects.count == 3)
        #expect(Set(subjects) == ["seed", "hydrate otc/a.example.org: app, db", "hydrate otc/b.example.org: app, db"])
        try git("fsck", "--strict", in: bare)
        let tree = try git("ls-tree", "-r", "--name-only", "main", in: bare).split(separator: "\n")
        #expect(tree.contains("otc/a.example.org/stacks/app/config.yaml"))
        #expect(tree.contains("otc/b.example.org/stacks/app/config.yaml"))
    }

    @Test func theTemplatesSourceCommitIsInTheMessage() throws {
        let workspace = try Workspace()
        let templates = workspace.path + "/templates"
        try git("init", "--quiet", "--initial-branch=main", in: templates)
        try git("add", "-A", in: templates)
        try git("commit", "--quiet", "-m", "templates: greet in the app stack", in: templates)
        let source = try git("rev-parse", "HEAD", in: templates)
        let token = "tok-hydrate-source-4711"
        try makeBareRepository("inst", in: workspace.path + "/served")
        let bare = workspace.path + "/served/inst.git"
        let server = try GitServer(root: workspace.path, token: token)

        let result = try workspace.hydrate(
            ["--templates", "templates", "--instances-url", server.url("inst"), "--work-dir", "work",
             "--provider", "otc", "--domain", "a.example.org", "--stacks", "app", "--commit", "--push"],
            environment: ["GREETING": "hi", "GIT_USERNAME": server.user, "GIT_TOKEN": token])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try git("log", "-1", "--format=%B", "main", in: bare) == """
            hydrate otc/a.example.org: app

            Templates: \(source) (templates: greet in the app stack)
            """)
    }

    @Test func noTemplatesLineWhenTheTemplatesAreNoCheckout() throws {
        let workspace = try Workspace()
        #expect(try workspace.hydrateSmall("--commit").status == 0)
        #expect(try git("log", "-1", "--format=%B", in: workspace.clone) == "hydrate otc/a.example.org: app, db")
    }
}

private func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
}

// MARK: - Work folders, killed runs, names, logins (issue 10)

extension HydrateCommandTests {
    /// `hydrate` of otc/<domain> with the small templates from `url` into `workDir` (nil: the default).
    private func hydrateFromURL(_ workspace: Workspace, _ url: String, workDir: String? = "work",
                                domain: String = "a.example.org", extra: [String] = ["--commit", "--push"],
                                environment: [String: String] = [:]) throws -> Edpctl.Result {
        var arguments = ["--templates", "templates", "--instances-url", url, "--provider", "otc", "--domain", domain,
                         "--stacks", "app,db"]
        if let workDir { arguments += ["--work-dir", workDir] }
        return try workspace.hydrate(arguments + extra,
                                     environment: ["GREETING": "hi", "DB_SIZE": "1Gi"].merging(environment) { $1 })
    }

    /// Every file below `path` (dot files and `.git` included, links not followed), as paths.
    private func allFiles(under path: String) -> [String] {
        (FileManager.default.subpaths(atPath: path) ?? []).map { path + "/" + $0 }.filter { file in
            var status = stat()
            return lstat(file, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        }
    }

    @Test func aWorkFolderClonedFromAnotherURLIsRefusedBeforeAnythingIsTouched() throws {
        let workspace = try Workspace()
        let token = "tok-other-url-4711"
        try makeBareRepository("inst", in: workspace.path + "/served")
        try makeBareRepository("other", in: workspace.path + "/served")
        let server = try GitServer(root: workspace.path, token: token)
        let login = ["GIT_USERNAME": server.user, "GIT_TOKEN": token]
        #expect(try hydrateFromURL(workspace, server.url("inst"), environment: login).status == 0)
        let inst = try git("rev-parse", "main", in: workspace.path + "/served/inst.git")
        let other = try git("rev-parse", "main", in: workspace.path + "/served/other.git")
        let before = snapshot(workspace.path + "/work")

        // The second URL carries a user name: it must not show in the refusal.
        let result = try hydrateFromURL(workspace, server.url("other", userinfo: server.user),
                                        domain: "b.example.org", environment: login)
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: work is a clone of \(server.url("inst")), not of \(server.url("other")): "
            + "it is not reused, since its commits would go to that repository; use another folder for "
            + "\(server.url("other")), or remove work (without '--work-dir', each URL has a folder of its own "
            + "under .edpctl/instances)\n")
        #expect(!result.stderr.contains(token) && !result.stderr.contains(server.user))
        #expect(snapshot(workspace.path + "/work") == before)
        #expect(try git("rev-parse", "main", in: workspace.path + "/served/inst.git") == inst)
        #expect(try git("rev-parse", "main", in: workspace.path + "/served/other.git") == other)
    }

    /// `café.git` composed (NFC) and decomposed (NFD) are two repositories: the second is refused in
    /// the first one's work folder, and by default each has its own.
    @Test func repositoriesWhoseNamesDifferOnlyInNormalizationNeverShareAWorkFolder() throws {
        let workspace = try Workspace()
        let (composed, decomposed) = ("caf\u{E9}", "cafe\u{301}")
        for name in [composed, decomposed] { try makeBareRepository(name, in: workspace.path) }
        let first = try hydrateFromURL(workspace, composed + ".git")
        #expect(first.status == 0, "\(first.stderr)")
        let tip = try git("rev-parse", "main", in: workspace.path + "/" + decomposed + ".git")

        let second = try hydrateFromURL(workspace, decomposed + ".git", domain: "b.example.org")
        #expect(second.status == 1)
        let (shownFirst, shownSecond) = (workspace.path + "/" + composed + ".git", workspace.path + "/" + decomposed + ".git")
        let expected = "edpctl: work is a clone of \(shownFirst), not of \(shownSecond) (the two differ only in their "
            + "Unicode normalization: composed and decomposed letters): it is not reused"
        #expect(second.stderr.utf8.starts(with: expected.utf8), "\(second.stderr)")
        #expect(try git("rev-parse", "main", in: workspace.path + "/" + decomposed + ".git") == tip)
        #expect(try git("ls-tree", "--name-only", "main", "otc/", in: workspace.path + "/" + composed + ".git")
            == "otc/a.example.org")

        for (name, domain) in [(composed, "c.example.org"), (decomposed, "d.example.org")] {
            let result = try hydrateFromURL(workspace, name + ".git", workDir: nil, domain: domain)
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/.edpctl/instances")
            .filter { !$0.hasPrefix(".") }.count == 2)
        #expect(try git("ls-tree", "--name-only", "main", "otc/", in: workspace.path + "/" + composed + ".git")
            .split(separator: "\n") == ["otc/a.example.org", "otc/c.example.org"])
        #expect(try git("ls-tree", "--name-only", "main", "otc/", in: workspace.path + "/" + decomposed + ".git")
            == "otc/d.example.org")
    }

    @Test func eachURLHasAWorkFolderOfItsOwnByDefault() throws {
        let workspace = try Workspace()
        try makeBareRepository("other", in: workspace.path)
        // A trailing slash is the same repository, so the same folder.
        for (url, domain) in [("instances.git", "a.example.org"), ("other.git", "b.example.org"),
                              ("instances.git/", "c.example.org")] {
            let result = try hydrateFromURL(workspace, url, workDir: nil, domain: domain)
            #expect(result.status == 0, "\(result.stderr)")
        }
        var folders: [String] = []
        for name in ["instances", "other"] {
            let identity = URL(fileURLWithPath: workspace.path + "/\(name).git").resolvingSymlinksInPath().path
            let digest = try runProgram("/bin/sh", ["-c", "printf %s \"$0\" | sha256sum", identity]).prefix(8)
            var slug = String(identity.dropFirst().map { $0.isLetter && $0.isASCII || $0.isNumber || "._-".contains($0) ? $0 : "-" })
            // At most 60 characters, cut where a part of the path begins.
            if slug.count > 60 { slug = String(slug.suffix(60).drop { $0 != "-" }.dropFirst()) }
            folders.append("\(slug)-\(digest)")
        }
        let made = try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/.edpctl/instances")
            .filter { !$0.hasPrefix(".") }.sorted()
        #expect(made == folders.sorted())
        #expect(try git("ls-tree", "--name-only", "main", "otc/", in: workspace.path + "/instances.git")
            .split(separator: "\n") == ["otc/a.example.org", "otc/c.example.org"])
        #expect(try git("ls-tree", "--name-only", "main", "otc/", in: workspace.path + "/other.git") == "otc/b.example.org")

        let help = try workspace.scratch.run("hydrate", "--help").stdout.split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        #expect(help.contains("reused only while its origin is that URL, one run at a time (default: "
            + ".edpctl/instances/<host-and-path>-<hash>, a folder per URL)"))
        #expect(help.contains("A URL with a password (https://user:token@host/…) is refused: the token goes in $GIT_TOKEN."))
        #expect(help.contains("Git credentials come from the environment, never from flags:"))
        #expect(help.contains("--lock-timeout <seconds> How long to wait while another run uses the --work-dir. (default: 300)"))
    }

    @Test(arguments: [
        (["--domain", "good.example.org,../y"], "domain \"../y\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        (["--domain", "good.example.org,a\nb"], "domain \"a\\nb\" contains a control character"),
        (["--domain", "a\tb"], "domain \"a\\tb\" contains a control character"),
        (["--domain", "a\u{7F}"], "domain \"a\\x7f\" contains a control character"),
        (["--domain", "a\u{85}"], "domain \"a\\u0085\" contains a control character"),
        (["--domain", "a.example.org\u{2028}"], "domain \"a.example.org\\u2028\" contains a control character"),
        (["--domain", "a\u{2029}b"], "domain \"a\\u2029b\" contains a control character"),
        (["--domain", ","], "domain list \",\" has an empty domain"),
        (["--domain", "a.example.org,,b.example.org"], "domain list \"a.example.org,,b.example.org\" has an empty domain"),
        (["--domain", "a.example.org,"], "domain list \"a.example.org,\" has an empty domain"),
        (["--domain", ""], "domain is empty"),
        (["--domain", " a.example.org"], "domain \" a.example.org\" begins or ends with whitespace"),
        (["--domain", "a.example.org,b.example.org "], "domain \"b.example.org \" begins or ends with whitespace"),
        (["--domain", "a.example.org,b.example.org,a.example.org"],
         "domain \"a.example.org\" is given twice in \"a.example.org,b.example.org,a.example.org\""),
        (["--domain", ".hidden"], "domain \".hidden\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        // A combining mark after '/' or '.' hides it from Characters, not from the file system.
        (["--domain", "good.example.org,a/\u{301}b"],
         "domain \"a/\u{301}b\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        (["--provider", ".\u{301}otc"], "provider \".\u{301}otc\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        (["--stacks", "app,a..\u{301}b"], "stack \"a..\u{301}b\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        (["--provider", ""], "provider is empty"),
        (["--provider", "o\rtc"], "provider \"o\\rtc\" contains a control character"),
        (["--provider", "otc/x"], "provider \"otc/x\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        (["--stacks", "app,../db"], "stack \"../db\" can't be used as a folder name (no '/', no '..', no leading '.')"),
        (["--stacks", "app,d\u{1B}b"], "stack \"d\\x1bb\" contains a control character"),
        (["--stacks", "app,nope"], "unknown stack \"nope\": templates/registry has app, db"),
        // Longer than a file name can be (255 bytes), found before the first domain is written.
        (["--domain", "good.example.org," + String(repeating: "d", count: 256)],
         "domain \"\(String(repeating: "d", count: 256))\" is 256 bytes long: a folder name has at most 255"),
        (["--provider", String(repeating: "\u{E9}", count: 128)],
         "provider \"\(String(repeating: "\u{E9}", count: 128))\" is 256 bytes long: a folder name has at most 255"),
        (["--stacks", "app," + String(repeating: "s", count: 300)],
         "stack \"\(String(repeating: "s", count: 300))\" is 300 bytes long: a folder name has at most 255"),
        (["--templates", "missing"], "the templates directory missing does not exist or is not a directory"),
    ])
    func everyNameIsCheckedBeforeTheFirstWrite(override: [String], message: String) throws {
        let workspace = try Workspace()
        var arguments = ["--templates": "templates", "--provider": "otc", "--domain": "a.example.org,b.example.org",
                         "--stacks": "app,db"]
        arguments[override[0]] = override[1]
        let flags = arguments.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
        let environment = ["GREETING": "hi", "DB_SIZE": "1Gi"]
        let bare = workspace.path + "/instances.git"
        let tip = try git("rev-parse", "main", in: bare)
        let before = snapshot(workspace.clone)

        let own = try workspace.hydrate(flags + ["--instances", "instances", "--commit"], environment: environment)
        #expect(own.status == 1)
        #expect(own.stderr == "edpctl: \(message)\n")
        #expect(snapshot(workspace.clone) == before)

        let managed = try workspace.hydrate(flags + ["--instances-url", bare, "--commit", "--push"], environment: environment)
        #expect(managed.status == 1)
        #expect(managed.stderr == "edpctl: \(message)\n")
        #expect(!workspace.scratch.exists(".edpctl"))
        #expect(try git("rev-parse", "main", in: bare) == tip)
    }

    /// 255 bytes is a file name still: the limit is the file system's, not one of its own.
    @Test func aDomainOf255BytesIsHydrated() throws {
        let workspace = try Workspace()
        let domain = String(repeating: "d", count: 251) + ".org"
        let result = try workspace.hydrate(["--templates", "templates", "--instances", "instances", "--provider", "otc",
                                            "--domain", domain, "--stacks", "app"], environment: ["GREETING": "hi"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(workspace.scratch.exists("instances/otc/\(domain)/stacks/app/config.yaml"))
    }

    /// An error of a kind the command does not know (here the templates' registry is a file, which
    /// the file system reports) still reads `edpctl: …` and exits 1, not ArgumentParser's `Error: `.
    @Test func anErrorOfAnyKindReadsAsEdpctlsAndExitsOne() throws {
        let workspace = try Workspace()
        try FileManager.default.removeItem(atPath: workspace.path + "/templates/registry")
        try workspace.scratch.write("templates/registry", "app\n")
        for flag in ["--commit", "--check", "--diff"] {
            let result = try workspace.hydrateSmall(flag)
            #expect(result.status == 1)
            #expect(result.stderr == "edpctl: open templates/registry: not a directory\n", "\(flag)")
        }
        #expect(workspace.files() == ["README.md"])
    }

    @Test func aFirstCloneKilledHalfWayDoesNotBreakTheNextRun() throws {
        let workspace = try Workspace()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        // What a clone killed after its first files looks like: a repository without commits.
        let half = ".work.edpctl-clone-\(process.processIdentifier)"
        try FileManager.default.createDirectory(atPath: workspace.path + "/" + half, withIntermediateDirectories: true)
        try git("init", "--quiet", in: workspace.path + "/" + half)

        let result = try hydrateFromURL(workspace, "instances.git")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("edpctl: removed \(half), the unfinished clone of an interrupted run, beside work\n"))
        #expect(!workspace.scratch.exists(half))
        #expect(try git("log", "-1", "--format=%s", "main", in: workspace.path + "/instances.git")
            == "hydrate otc/a.example.org: app, db")
    }

    /// A run killed in a fetch, a commit (pack, index, branch) or a push leaves lock and temporary
    /// files in the work folder; the next run removes them before it touches anything, and completes.
    @Test func lockFilesOfAKilledRunInTheWorkFolderAreRemovedAndTheRunCompletes() throws {
        let workspace = try Workspace()
        let bare = workspace.path + "/instances.git"
        #expect(try hydrateFromURL(workspace, "instances.git").status == 0)
        let leftovers = [".git/index.lock", ".git/HEAD.lock", ".git/refs/heads/main.lock",
                         ".git/refs/remotes/origin/main.lock", ".git/packed-refs.lock", ".git/config.lock",
                         ".git/objects/pack/tmp_pack_AbC123", ".git/objects/pack/pack_git2_AbC123"]
        // Killed between its commit and its push: a commit the remote never got, which the next run drops.
        try git("commit", "--quiet", "--allow-empty", "-m", "killed before the push", in: workspace.path + "/work")
        for leftover in leftovers { try workspace.scratch.write("work/" + leftover, "") }

        let result = try hydrateFromURL(workspace, "instances.git", domain: "b.example.org")
        #expect(result.status == 0, "\(result.stderr)")
        let notice = "edpctl: removed what an interrupted run left in work: "
            + leftovers.sorted().joined(separator: ", ") + "\n"
        #expect(result.stderr.hasPrefix(notice))
        #expect(result.stderr.hasSuffix("; pushed\n"))
        for leftover in leftovers { #expect(!workspace.scratch.exists("work/" + leftover), "\(leftover)") }
        #expect(try git("log", "--format=%s", "main", in: bare).split(separator: "\n")
            == ["hydrate otc/b.example.org: app, db", "hydrate otc/a.example.org: app, db", "seed"])
        try git("fsck", "--strict", in: bare)
        try git("fsck", "--strict", "--no-dangling", in: workspace.path + "/work")
    }

    @Test func aLockFileInTheUsersOwnCloneIsRefusedBeforeAnyWrite() throws {
        let workspace = try Workspace()
        try workspace.scratch.write("instances/.git/index.lock", "")
        let lock = URL(fileURLWithPath: workspace.clone).resolvingSymlinksInPath().path + "/.git/index.lock"
        let root = (lock as NSString).deletingLastPathComponent.dropLast(5)
        let result = try workspace.hydrateSmall("--commit")
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: a git lock file is in the way: \(lock); a git process is running in \(root), "
            + "or one was killed while writing there; if no git process is running there, remove it (`rm \(lock)`) "
            + "and run again\n")
        #expect(workspace.files() == ["README.md"])
        #expect(workspace.scratch.exists("instances/.git/index.lock"))
    }

    @Test func aSecondRunOnTheSameWorkFolderWaitsForTheFirst() throws {
        let workspace = try Workspace()
        let lockFile = workspace.path + "/.work.edpctl-lock"
        let holder = try holdLock(on: lockFile, seconds: 3)
        defer { holder.waitUntilExit() }

        let impatient = try hydrateFromURL(workspace, "instances.git", extra: ["--commit", "--lock-timeout", "1"])
        #expect(impatient.status == 1)
        #expect(impatient.stderr == "edpctl: waiting for another run using work to finish (up to 1 s)\n"
            + "edpctl: gave up after waiting 1 s for another run using work to finish (it holds the lock \(lockFile)); "
            + "run again later, or raise '--lock-timeout'\n")
        #expect(!workspace.scratch.exists("work"))

        let patient = try hydrateFromURL(workspace, "instances.git", extra: ["--commit", "--lock-timeout", "60"])
        #expect(patient.status == 0, "\(patient.stderr)")
        #expect(patient.stderr.hasPrefix("edpctl: waiting for another run using work to finish (up to 60 s)\n"))
    }

    /// Every spelling of a password in the URL is refused before the first clone, fetch or write,
    /// with or without GIT_TOKEN, and the refusal shows the password in no form.
    @Test(arguments: [
        // userinfo, password (as the server would read it)
        ("ci-bot:tok-4711-refused", "tok-4711-refused"),
        ("ci-bot:", ""),
        (":tok-4711-refused", "tok-4711-refused"),
        ("ci-bot:%74%6Fk-4711-%72efused", "tok-4711-refused"),
        ("ci-bot:t0k@with:odd@chars", "t0k@with:odd@chars"),
        ("ci-bot:t0k%40with%3Aodd%2Fchars", "t0k@with:odd/chars"),
    ])
    func aPasswordInTheURLIsRefusedBeforeAnythingIsTouched(userinfo: String, password: String) throws {
        let workspace = try Workspace()
        try makeBareRepository("inst", in: workspace.path + "/served")
        let server = try GitServer(root: workspace.path, token: "tok-4711-refused")
        let http = server.url("inst", userinfo: userinfo)
        for url in [http, http.replacingOccurrences(of: "http://", with: "HTTPS://"),
                    "ssh://\(userinfo)@127.0.0.1:1/inst.git", "\(userinfo)@127.0.0.1:inst.git"] {
            try expectRefusal(of: url, secrets: [password, userinfo], workspace: workspace)
        }
        #expect(try server.requests().isEmpty)
    }

    /// A query or a fragment of an http(s) URL, which may carry a token, is refused as a password
    /// is: before the first clone, fetch or write, and shown nowhere.
    @Test(arguments: ["?u=a:QueryPassw0rd@x", "#QueryPassw0rd", "/?access_token=QueryPassw0rd"])
    func aQueryOrFragmentInTheURLIsRefusedBeforeAnythingIsTouched(tail: String) throws {
        let workspace = try Workspace()
        try makeBareRepository("inst", in: workspace.path + "/served")
        let server = try GitServer(root: workspace.path, token: "tok-4711-refused")
        for url in [server.url("inst") + tail, server.url("inst").replacingOccurrences(of: "http://", with: "HTTPS://") + tail] {
            try expectRefusal(of: url, secrets: ["QueryPassw0rd"], workspace: workspace,
                              message: "'--instances-url' has a query ('?…') or a fragment ('#…'): a git remote over "
                                + "HTTP(S) takes neither, and credentials are never taken from flags; give the URL "
                                + "without it (a token goes in GIT_TOKEN)")
        }
        #expect(try server.requests().isEmpty)
    }

    private func expectRefusal(of url: String, secrets: [String], workspace: Workspace,
                               message: String = "'--instances-url' carries a password: credentials are never taken "
                                   + "from flags; put the token in GIT_TOKEN (and the user in GIT_USERNAME), and give "
                                   + "the URL without it") throws {
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: workspace.path))
        for (workDir, extra) in [("work", ["--commit", "--push"]), (nil, ["--check"]), (nil, [])] {
            let result = try hydrateFromURL(workspace, url, workDir: workDir, extra: extra,
                                            environment: ["GIT_USERNAME": "ci-bot", "GIT_TOKEN": "tok-4711-refused"])
            #expect(result.status == 1, "\(url)")
            #expect(result.stdout == "")
            #expect(result.stderr == "edpctl: \(message)\n")
            let output = result.stdout + result.stderr
            for secret in secrets where !secret.isEmpty && secret != "ci-bot:" {
                for form in try spellings(of: secret) { #expect(!output.contains(form), "\(url) shows \(form)") }
            }
            // No work folder, default folder, lock or unfinished clone; nothing else either.
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: workspace.path)) == before, "\(url)")
            #expect(!workspace.scratch.exists(".edpctl") && !workspace.scratch.exists("work"))
        }
    }

    /// `secret` raw, percent-encoded and in base64, as a file or a message might hold it.
    private func spellings(of secret: String) throws -> [String] {
        [secret, try #require(secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)),
         Data(secret.utf8).base64EncodedString()]
    }

    /// A user name in the URL is the login (unless GIT_USERNAME is set) with GIT_TOKEN from the
    /// environment; the token is written nowhere: not in any file of the work folder (`.git`
    /// included, binary files and compressed objects too), not beside it, not in the server's
    /// repository, not in any output; in none of its spellings. Neither is the user name stored.
    @Test(arguments: [("ci-bot", nil), ("someone-else", "ci-bot")] as [(String, String?)])
    func aUserNameInTheURLServesAndNoTokenIsStored(userInURL: String, userInEnvironment: String?) throws {
        let workspace = try Workspace()
        let token = "T0k+en/with@odd:chars=4711"
        try makeBareRepository("inst", in: workspace.path + "/served")
        let server = try GitServer(root: workspace.path, token: token)
        let url = server.url("inst", userinfo: userInURL)
        var environment = ["GIT_TOKEN": token]
        environment["GIT_USERNAME"] = userInEnvironment

        var outputs = ""
        for domain in ["a.example.org", "b.example.org"] {
            let result = try hydrateFromURL(workspace, url, domain: domain, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.hasSuffix("; pushed\n"))
            outputs += result.stdout + result.stderr
        }
        let bare = workspace.path + "/served/inst.git"
        #expect(try git("log", "--format=%s", "main", in: bare).split(separator: "\n").count == 3)
        #expect(try git("config", "remote.origin.url", in: workspace.path + "/work") == server.url("inst"))

        let forms = try spellings(of: token) + [Data("\(server.user):\(token)".utf8).base64EncodedString()]
        let places = allFiles(under: workspace.path + "/work") + allFiles(under: bare)
            + [workspace.path + "/.work.edpctl-lock"]
        #expect(places.contains { $0.hasSuffix("/work/.git/FETCH_HEAD") })
        #expect(places.contains { $0.hasSuffix("/work/.git/logs/HEAD") })
        var texts = [("stdout and stderr", Data(outputs.utf8))]
        for place in places { texts.append((place, FileManager.default.contents(atPath: place) ?? Data())) }
        for repository in [workspace.path + "/work", bare] {
            let objects = try git("cat-file", "--batch-all-objects", "--batch", in: repository)
            texts.append(("objects of \(repository)", Data(objects.utf8)))
        }
        for (place, bytes) in texts {
            for form in forms {
                #expect(bytes.range(of: Data(form.utf8)) == nil, "\(place) holds the token as \(form)")
            }
            #expect(bytes.range(of: Data("\(userInURL)@".utf8)) == nil, "\(place) holds the URL's user name")
        }
    }

    /// A `url.<base>.insteadOf` of the user's git configuration applies to every run alike, so the
    /// work folder it cloned is its own on the next runs too, named or by default; what is stored
    /// is the URL as given.
    @Test func theUsersInsteadOfRewritesServeEveryRun() throws {
        let workspace = try Workspace()
        let given = "https://git.example.invalid/org/inst.git"
        try git("config", "--file", workspace.path + "/home/.gitconfig",
                "url.\(workspace.path)/instances.git.insteadOf", given, in: workspace.path)
        for (domain, workDir) in [("a", "work"), ("b", "work"), ("c", nil), ("d", nil)] as [(String, String?)] {
            let result = try hydrateFromURL(workspace, given, workDir: workDir, domain: domain + ".example.org")
            #expect(result.status == 0, "\(domain): \(result.stderr)")
        }
        #expect(try git("ls-tree", "--name-only", "main", "otc/", in: workspace.path + "/instances.git")
            .split(separator: "\n") == ["otc/a.example.org", "otc/b.example.org", "otc/c.example.org", "otc/d.example.org"])
        #expect(try git("config", "remote.origin.url", in: workspace.path + "/work") == given)
    }

    /// A CI job puts its token in a `url.<base>.insteadOf` of its git configuration
    /// (`https://ci:TOKEN@host/` for `https://host/`): libgit2 talks to that URL, and git_clone
    /// wrote it into the reflogs. No file of the work folder, nor beside it, holds the token in
    /// any spelling, nor does any output, through a first clone, a reuse and a branch switch.
    @Test func aTokenInTheUsersInsteadOfIsWrittenNowhere() throws {
        let workspace = try Workspace()
        let token = "T0k-insteadOf+4711/x"
        try makeBareRepository("inst", in: workspace.path + "/served")
        let server = try GitServer(root: workspace.path, token: token)
        let encoded = try #require(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        try git("config", "--file", workspace.path + "/home/.gitconfig",
                "url.http://\(server.user):\(encoded)@127.0.0.1:\(server.port)/.insteadOf",
                "http://127.0.0.1:\(server.port)/", in: workspace.path)
        try git("push", "--quiet", workspace.path + "/served/inst.git", "main:prod", in: workspace.clone)

        var outputs = ""
        for (domain, branch) in [("a.example.org", "main"), ("b.example.org", "main"), ("c.example.org", "prod")] {
            let result = try hydrateFromURL(workspace, server.url("inst"), domain: domain,
                                            extra: ["--commit", "--push", "--branch", branch])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.hasSuffix("; pushed\n"))
            outputs += result.stdout + result.stderr
        }
        let failed = try hydrateFromURL(workspace, server.url("inst"), extra: ["--commit", "--push", "--branch", "nope"])
        #expect(failed.status == 1)
        outputs += failed.stdout + failed.stderr

        let places = allFiles(under: workspace.path + "/work") + [workspace.path + "/.work.edpctl-lock"]
        for log in ["logs/HEAD", "logs/refs/heads/main", "logs/refs/heads/prod", "logs/refs/remotes/origin/main", "FETCH_HEAD"] {
            #expect(places.contains(workspace.path + "/work/.git/" + log), "\(log) was not written")
        }
        #expect(try String(contentsOfFile: workspace.path + "/work/.git/logs/refs/heads/main", encoding: .utf8)
            .contains("\tclone: from \(server.url("inst"))\n"))
        let forms = try spellings(of: token) + [encoded, Data("\(server.user):\(token)".utf8).base64EncodedString()]
        var texts = [("stdout and stderr", Data(outputs.utf8))]
        for place in places { texts.append((place, FileManager.default.contents(atPath: place) ?? Data())) }
        for (place, bytes) in texts {
            for form in forms { #expect(bytes.range(of: Data(form.utf8)) == nil, "\(place) holds the token as \(form)") }
        }
    }

    /// One work folder serves whichever `--branch` a run asks for, each push landing on its branch;
    /// a first clone on another branch than main too; a branch the remote lacks writes nothing.
    @Test func oneWorkFolderServesEachBranchAskedFor() throws {
        let workspace = try Workspace()
        let bare = workspace.path + "/instances.git"
        try git("push", "--quiet", bare, "main:prod", in: workspace.clone)
        for (branch, domain, workDir) in [("main", "a", "work"), ("prod", "b", "work"), ("main", "c", "work"),
                                          ("prod", "d", "work-prod")] {
            let result = try hydrateFromURL(workspace, "instances.git", workDir: workDir, domain: domain + ".example.org",
                                            extra: ["--commit", "--push", "--branch", branch])
            #expect(result.status == 0, "\(branch) \(domain): \(result.stderr)")
            #expect(result.stderr.hasSuffix("; pushed\n"))
            #expect(try git("symbolic-ref", "HEAD", in: workspace.path + "/" + workDir) == "refs/heads/" + branch)
        }
        #expect(try git("log", "--format=%s", "main", in: bare).split(separator: "\n")
            == ["hydrate otc/c.example.org: app, db", "hydrate otc/a.example.org: app, db", "seed"])
        #expect(try git("log", "--format=%s", "prod", in: bare).split(separator: "\n")
            == ["hydrate otc/d.example.org: app, db", "hydrate otc/b.example.org: app, db", "seed"])
        #expect(try git("ls-tree", "--name-only", "main", "otc/", in: workspace.path + "/work")
            .split(separator: "\n") == ["otc/a.example.org", "otc/c.example.org"])
        #expect(!workspace.scratch.exists("work/otc/b.example.org"))

        let tips = try ["main", "prod"].map { try git("rev-parse", $0, in: bare) }
        let before = snapshot(workspace.path + "/work")
        for workDir in ["work", "work-new"] {
            let missing = try hydrateFromURL(workspace, "instances.git", workDir: workDir, domain: "e.example.org",
                                             extra: ["--commit", "--push", "--branch", "nope"])
            #expect(missing.status == 1)
            let shown = URL(fileURLWithPath: bare).resolvingSymlinksInPath().path
            #expect(missing.stderr == "edpctl: branch 'nope' does not exist in \(shown): edpctl creates no branch; "
                + "push one there first, or name another with '--branch'\n")
        }
        #expect(!workspace.scratch.exists("work-new") && !workspace.scratch.exists("work/otc/e.example.org"))
        #expect(try git("symbolic-ref", "HEAD", in: workspace.path + "/work") == "refs/heads/main")
        #expect(snapshot(workspace.path + "/work").filter { !$0.key.hasPrefix(".git") }
            == before.filter { !$0.key.hasPrefix(".git") })
        #expect(try ["main", "prod"].map { try git("rev-parse", $0, in: bare) } == tips)
    }

    /// In the user's own clone, a push of another branch than the checked-out one is refused
    /// before anything is written: the commit and the resets would move the checked-out branch.
    @Test func aPushOfAnotherBranchThanTheCheckedOutOneIsRefused() throws {
        let workspace = try Workspace()
        let bare = workspace.path + "/instances.git"
        try git("push", "--quiet", bare, "main:prod", in: workspace.clone)
        let head = try workspace.head()
        let result = try workspace.hydrateSmall("--commit", "--push", "--branch", "prod")
        #expect(result.status == 1)
        #expect(result.stderr == "edpctl: the clone has 'main' checked out, not 'prod'; check out 'prod' first "
            + "(`git checkout prod`)\n")
        #expect(workspace.files() == ["README.md"])
        #expect(try workspace.head() == head)
        #expect(try git("rev-parse", "prod", in: bare) == head)
    }

    /// A work folder whose origin an older edpctl stored with its login keeps only the login-free URL.
    @Test func aLoginStoredByAnOlderVersionIsDroppedFromTheWorkFolder() throws {
        let workspace = try Workspace()
        let token = "tok-older-version-4711"
        try makeBareRepository("inst", in: workspace.path + "/served")
        let server = try GitServer(root: workspace.path, token: token)
        try git("clone", "--quiet", server.url("inst", userinfo: "\(server.user):\(token)"), workspace.path + "/work",
                in: workspace.path)

        let result = try hydrateFromURL(workspace, server.url("inst"),
                                        environment: ["GIT_USERNAME": server.user, "GIT_TOKEN": token])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try git("config", "remote.origin.url", in: workspace.path + "/work") == server.url("inst"))
        #expect(try !String(contentsOfFile: workspace.path + "/work/.git/config", encoding: .utf8).contains(token))
    }
}
