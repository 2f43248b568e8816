import Foundation
import Testing
import TestSupport

/// `edpctl hydrate --commit` as built: the author found in git's configuration as git finds it,
/// and a reused work folder that keeps few pack files, against the real git http-backend.
@Suite struct HydrateGitHousekeepingTests {
    static let templates = [
        "templates/edfbuilder.yaml": "root: <<< .Env.DOMAIN >>>\n",
        "templates/registry/app.yaml": "name: app\n",
        "templates/stacks/app/config.yaml": "greeting: <<< .Env.GREETING >>>\n",
    ]
    static let token = "tok-housekeeping-4711"

    let scratch: Scratch
    let bare: String
    let server: GitServer

    init() throws {
        scratch = try Scratch(Self.templates)
        bare = try makeBareRepository("inst", in: scratch.path + "/served")
        server = try GitServer(root: scratch.path, token: Self.token)
        try FileManager.default.createDirectory(atPath: scratch.path + "/home", withIntermediateDirectories: true)
    }

    /// A clean environment: HOME in the scratch folder, no system configuration, the login.
    func environment(_ extra: [String: String]) -> [String: String] {
        ["HOME": scratch.path + "/home", "GIT_CONFIG_NOSYSTEM": "1", "GIT_USERNAME": server.user, "GIT_TOKEN": Self.token,
         "GREETING": "hi"].merging(extra) { _, given in given }
    }

    func hydrate(_ extra: [String] = [], environment: [String: String] = [:]) throws -> Edpctl.Result {
        try Edpctl.run(["hydrate", "--templates", "templates", "--instances-url", server.url("inst"), "--work-dir", "work",
                        "--provider", "otc", "--domain", "a.example.org", "--stacks", "app", "--commit", "--push"] + extra,
                       in: scratch.path, environment: self.environment(environment))
    }

    /// Author and committer of the remote's last commit, as "name <email>".
    func lastIdentities() throws -> [String] {
        try git("log", "-1", "--format=%an <%ae>%n%cn <%ce>", "main", in: bare).split(separator: "\n").map(String.init)
    }

    @Test func theAuthorComesFromGitsConfigurationAsForGitCommit() throws {
        try scratch.write("home/.gitconfig", "[user]\n\tname = Global User\n\temail = global@example.com\n")
        var result = try hydrate()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try lastIdentities() == ["Global User <global@example.com>", "Global User <global@example.com>"])

        // The work folder's own configuration wins, then the variables, then the flags (author only).
        try git("config", "user.email", "work@example.com", in: scratch.path + "/work")
        result = try hydrate(environment: ["GREETING": "hello"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try lastIdentities() == ["Global User <work@example.com>", "Global User <work@example.com>"])
        result = try hydrate(["--author-name", "Flag"], environment: ["GREETING": "hey", "GIT_COMMITTER_NAME": "Env Committer"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try lastIdentities() == ["Flag <work@example.com>", "Env Committer <work@example.com>"])

        // What `git commit` would name, with the same environment.
        var gitEnvironment = environment(["GIT_COMMITTER_NAME": "Env Committer"])
        gitEnvironment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        let gitCommitter = try runProgram("/usr/bin/env", ["git", "var", "GIT_COMMITTER_IDENT"], in: scratch.path + "/work",
                                          environment: gitEnvironment)
        #expect(gitCommitter.hasPrefix("Env Committer <work@example.com> "))
    }

    @Test func noIdentityAnywhereFailsBeforeTheCloneNamingWhatToSet() throws {
        let result = try hydrate()
        #expect(result.status == 1)
        #expect(result.stderr.contains("the commit's author is unknown: no name and no email found; set user.name and "
            + "user.email in git's configuration (`git config --global user.name \"Your Name\"`, `git config --global "
            + "user.email you@example.com`), or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL (or EMAIL); or give "
            + "'--author-name' and '--author-email'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/work"))
        #expect(try server.requests().isEmpty)
    }

    @Test func aReusedWorkFolderKeepsAtMostTheLimitOfPacks() throws {
        // A low limit, as git's own setting, so a few runs pass it.
        try scratch.write("home/.gitconfig", "[user]\n\tname = CI\n\temail = ci@example.com\n[gc]\n\tautoPackLimit = 3\n")
        let packs = scratch.path + "/work/.git/objects/pack"
        var consolidated = 0
        for run in 1...8 {
            let result = try hydrate(environment: ["GREETING": "run \(run)"])
            #expect(result.status == 0, "\(result.stderr)")
            if result.stderr.contains("consolidated the ") { consolidated += 1 }
            let count = try FileManager.default.contentsOfDirectory(atPath: packs).filter { $0.hasSuffix(".pack") }.count
            #expect(count <= 3, "run \(run): \(count) packs")
        }
        #expect(consolidated >= 2)
        try git("fsck", "--strict", in: scratch.path + "/work")
        #expect(try git("rev-parse", "HEAD", in: scratch.path + "/work") == (try git("rev-parse", "main", in: bare)))
    }

    /// Killed (SIGKILL, by strace's fault injection, so at a chosen step and not by chance) just
    /// before the first old index is removed (the new pack complete beside all the old ones), and
    /// just before an old pack is removed (its index gone): git reads the folder whole, and the
    /// next run tidies it and consolidates.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"),
                   "strace is not installed (make test installs it)"),
          arguments: [".idx", ".pack"])
    func aRunKilledWhileConsolidatingLeavesAUsableFolder(killedAt suffix: String) throws {
        try scratch.write("home/.gitconfig", "[user]\n\tname = CI\n\temail = ci@example.com\n[gc]\n\tautoPackLimit = 0\n")
        for run in 1...4 { #expect(try hydrate(environment: ["GREETING": "run \(run)"]).status == 0) }
        let work = scratch.path + "/work"
        let packFolder = work + "/.git/objects/pack"
        func packs() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: packFolder).filter { $0.hasSuffix(".pack") }
                .map { String($0.dropLast(".pack".count)) }.sorted()
        }
        let old = try packs()
        #expect(old.count == 5)
        try git("config", "gc.autoPackLimit", "3", in: work)
        let target = packFolder + "/" + old[0] + suffix
        var environment = self.environment(["GREETING": "killed"])
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        let killed = Process()
        killed.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        killed.arguments = ["-f", "-qq", "-o", "/dev/null", "-P", target, "-e", "trace=unlink,unlinkat",
                            "-e", "inject=unlink,unlinkat:signal=KILL", try #require(Edpctl.binary?.path),
                            "hydrate", "--templates", "templates", "--instances-url", server.url("inst"),
                            "--work-dir", "work", "--provider", "otc", "--domain", "a.example.org", "--stacks", "app",
                            "--commit", "--push"]
        killed.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        killed.environment = environment
        killed.standardOutput = FileHandle.nullDevice
        killed.standardError = FileHandle.nullDevice
        try killed.run()
        killed.waitUntilExit()
        // strace ends as its tracee did.
        #expect(killed.terminationReason == .uncaughtSignal && killed.terminationStatus == SIGKILL,
                "strace ended \(killed.terminationReason) \(killed.terminationStatus)")
        // Killed after its push, in the consolidation: the old five and the new pack are there. So is
        // the run's own pack, unless its random name sorts before the first old one, which the
        // consolidation then removed whole before reaching the file the kill waits for.
        let left = try packs()
        #expect(Set(old).isSubset(of: left) && (6...7).contains(left.count), "\(left)")
        #expect(FileManager.default.fileExists(atPath: packFolder + "/" + old[0] + ".pack"))
        #expect(FileManager.default.fileExists(atPath: packFolder + "/" + old[0] + ".idx") == (suffix == ".idx"))
        try git("fsck", "--strict", in: work)
        #expect(try git("show", "main:otc/a.example.org/stacks/app/config.yaml", in: bare) == "greeting: killed")

        let next = try hydrate(environment: ["GREETING": "after"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("consolidated the "), "\(next.stderr)")
        #expect(try packs().count == 1)
        try git("fsck", "--strict", in: work)
        #expect(try git("rev-parse", "HEAD", in: work) == (try git("rev-parse", "main", in: bare)))
    }
}
