import Foundation
import Git
import Testing
import TestSupport
@testable import Hydrate

/// Templates of one stack `app`, a bare instances repository `served/inst.git` on `main` (one
/// commit, README.md) and the git http-backend server in front of it, all removed at the end.
private final class JobFixture {
    let folder: TemporaryFolder
    let server: GitServer
    let bare: String
    static let token = "tok-job-4711-Qx"

    init() throws {
        folder = try TemporaryFolder("hydration-job")
        bare = try makeBareRepository("inst", in: folder.child("served"))
        try write("registry: <<< .Env.DOMAIN >>>\n", to: folder.child("templates/edfbuilder.yaml"))
        try write("path: stacks/app\n", to: folder.child("templates/registry/app.yaml"))
        try write("greeting: <<< .Env.GREETING >>>\n", to: folder.child("templates/stacks/app/config.yaml"))
        server = try GitServer(root: folder.path, token: Self.token)
    }

    var credentials: Credentials { .https(username: server.user, token: Self.token) }

    func configuration(_ action: HydrationJob.Action, instances: HydrationJob.Instances, domain: String = "a.example.org",
                       environment: [String: String] = [:]) -> HydrationJob.Configuration {
        HydrationJob.Configuration(
            templatesDirectory: folder.child("templates"), instances: instances, provider: "otc", domains: domain,
            stacks: ["app"], environment: ["GREETING": "hi"].merging(environment) { _, given in given },
            action: action, author: PartialSignature(name: "CI", email: "ci@example.com"), credentials: credentials)
    }

    func remote(workDirectory: String = "work") -> HydrationJob.Instances {
        .remote(RemoteURL(server.url("inst")), workDirectory: folder.child(workDirectory))
    }

    /// How many fetches (and clones) the server has served: each begins with one authorized
    /// `GET …/info/refs?service=git-upload-pack`.
    func fetches() throws -> Int {
        try server.requests().filter { $0.contains("GET /inst.git/info/refs?service=git-upload-pack") && $0.contains("\" 200 ") }
            .count
    }

    func pushes() throws -> Int {
        try server.requests().filter { $0.contains("POST /inst.git/git-receive-pack") && $0.contains("\" 200 ") }.count
    }

    func subjects() throws -> [String] {
        try git("log", "--format=%s", "main", in: bare).split(separator: "\n").map(String.init)
    }
}

@Suite("HydrationJob: the instances repository opened and fetched once per run")
struct HydrationJobTests {
    @Test func aRemoteIsClonedOrFetchedOncePerRunAndPushed() throws {
        let fixture = try JobFixture()
        let first = try HydrationJob(fixture.configuration(.push, instances: fixture.remote())).run { _ in }
        #expect(try fixture.fetches() == 1)
        #expect(try fixture.pushes() == 1)
        #expect(first.pushed && first.attempts == 1)
        #expect(first.reports.map(\.written) == [["edfbuilder.yaml", "registry/app.yaml", "stacks/app/config.yaml"]
            .map { "otc/a.example.org/" + $0 }])
        #expect(try fixture.subjects() == ["hydrate otc/a.example.org: app", "seed"])
        #expect(try git("rev-parse", "main", in: fixture.bare) == first.commit?.id)

        // The work folder is reused: fetched once more, not twice.
        let second = try HydrationJob(fixture.configuration(.push, instances: fixture.remote(),
                                                            environment: ["GREETING": "hello"])).run { _ in }
        #expect(try fixture.fetches() == 2)
        #expect(second.pushed && second.attempts == 1)
        #expect(try git("show", "main:otc/a.example.org/stacks/app/config.yaml", in: fixture.bare) == "greeting: hello")

        let unchanged = try HydrationJob(fixture.configuration(.push, instances: fixture.remote(),
                                                               environment: ["GREETING": "hello"])).run { _ in }
        #expect(try fixture.fetches() == 3)
        #expect(try fixture.pushes() == 2)
        #expect(unchanged.commit == nil && !unchanged.pushed && !unchanged.hasChanges)
    }

    @Test func aWorkFolderWithoutACommitIsFetchedOnceAndNothingIsPushed() throws {
        let fixture = try JobFixture()
        let written = try HydrationJob(fixture.configuration(.write, instances: fixture.remote())).run { _ in }
        #expect(try fixture.fetches() == 1)
        #expect(written.commit == nil && written.attempts == 0 && written.hasChanges)
        let planned = try HydrationJob(fixture.configuration(.plan(diff: true), instances: fixture.remote(),
                                                             environment: ["GREETING": "hello"])).run { _ in }
        #expect(try fixture.fetches() == 2)
        #expect(try fixture.pushes() == 0)
        #expect(planned.reports.map(\.written) == [["otc/a.example.org/stacks/app/config.yaml"]])
        #expect(planned.diffs.count == 1 && planned.diffs.first?.contains("-greeting: hi\n+greeting: hello\n") == true)
        #expect(try String(contentsOfFile: fixture.folder.child("work/otc/a.example.org/stacks/app/config.yaml"),
                           encoding: .utf8) == "greeting: hi\n")
    }

    @Test func aCommitInTheUsersOwnCloneFetchesNothingAndAPushFetchesOnce() throws {
        let fixture = try JobFixture()
        let clone = fixture.folder.child("clone")
        _ = try Repository.clone(url: fixture.server.url("inst"), to: clone, credentials: fixture.credentials)
        let cloned = try fixture.fetches()
        let committed = try HydrationJob(fixture.configuration(.commit, instances: .folder(clone))).run { _ in }
        #expect(try fixture.fetches() == cloned)
        #expect(committed.attempts == 1 && !committed.pushed)
        #expect(try git("log", "-1", "--format=%s", in: clone) == "hydrate otc/a.example.org: app")
        #expect(try git("status", "--porcelain", in: clone) == "")
        #expect(try fixture.subjects() == ["seed"])

        // A clone with nothing of its own to lose (the first one's commit would be refused).
        let other = fixture.folder.child("other")
        _ = try Repository.clone(url: fixture.server.url("inst"), to: other, credentials: fixture.credentials)
        let before = try fixture.fetches()
        let pushed = try HydrationJob(fixture.configuration(.push, instances: .folder(other))).run { _ in }
        #expect(try fixture.fetches() == before + 1)
        #expect(pushed.pushed && pushed.attempts == 1)
        #expect(try fixture.subjects() == ["hydrate otc/a.example.org: app", "seed"])
    }

    /// Two jobs for two domains, each with its work folder, push at once: a pre-receive hook holds
    /// the first two pushes until both have arrived, so exactly one loses. It fetches once more,
    /// hydrates again on the winner's commit and lands: three fetches in all.
    @Test func aLostPushIsRebuiltOnTheNewTipAfterOneMoreFetch() async throws {
        let fixture = try JobFixture()
        try installPushBarrier(in: fixture.bare, arrivals: fixture.folder.child("arrivals"))
        let jobs = ["a.example.org", "b.example.org"].map { domain in
            HydrationJob(fixture.configuration(.push, instances: fixture.remote(workDirectory: "work-" + domain),
                                               domain: domain))
        }
        async let first = onThread { try jobs[0].run { _ in } }
        async let second = onThread { try jobs[1].run { _ in } }
        let outcomes = try await [first, second]
        #expect(outcomes.allSatisfy { $0.pushed })
        #expect(outcomes.map(\.attempts).sorted() == [1, 2])
        #expect(try fixture.fetches() == 3)
        #expect(Set(try fixture.subjects()) == ["seed", "hydrate otc/a.example.org: app", "hydrate otc/b.example.org: app"])
        try git("fsck", "--strict", in: fixture.bare)
    }

    /// Whatever module a message comes from, it leaves the job redacted: here a work folder and a
    /// lock named after a credential's value, and git's refusal to use that folder.
    @Test func noticesAndFailuresAreRedacted() throws {
        let fixture = try JobFixture()
        let secret = "Zq7-not-a-clone-Secret"
        let environment = ["DB_PASSWORD": secret]
        let workDirectory = "cache/" + secret
        try write("mine\n", to: fixture.folder.child(workDirectory + "/notes.txt"))
        var notices: [String] = []
        let job = HydrationJob(fixture.configuration(.push, instances: fixture.remote(workDirectory: workDirectory),
                                                     environment: environment))
        var impatient = job.configuration
        impatient.lockTimeout = 0.2
        let failure: HydrationJob.Failure?
        do {
            let holder = try WorkFolder(path: fixture.folder.child(workDirectory), timeout: 0) { _ in }
            failure = withExtendedLifetime(holder) {
                #expect(throws: HydrationJob.Failure.self) { _ = try HydrationJob(impatient).run { notices.append($0) } }
            }
        }
        #expect(notices == ["waiting for another run using \(fixture.folder.child("cache"))/<DB_PASSWORD redacted> "
            + "to finish (up to 1 s)"])
        #expect(failure?.message.hasPrefix("gave up after waiting 1 s for another run using "
            + "\(fixture.folder.child("cache"))/<DB_PASSWORD redacted> to finish") == true, "\(failure?.message ?? "")")
        #expect(failure?.message.hasSuffix("; run again later, or raise '--lock-timeout'") == true)

        let notAClone = #expect(throws: HydrationJob.Failure.self) { _ = try job.run { notices.append($0) } }
        #expect(notAClone?.message == "\(fixture.folder.child("cache"))/<DB_PASSWORD redacted> exists and is not a git "
            + "clone: remove it, or use another folder")
        let said = (notices + [failure?.message, notAClone?.message].compactMap { $0 }).joined(separator: "\n")
        #expect(!said.contains(secret))
        #expect(try fixture.fetches() == 0)
    }

    @Test func aCommitWithoutAnAuthorIsRefusedBeforeAnythingIsTouched() throws {
        let fixture = try JobFixture()
        // No HOME, so no global configuration; no system one either.
        var configuration = fixture.configuration(.commit, instances: fixture.remote(),
                                                  environment: ["GIT_CONFIG_NOSYSTEM": "1"])
        configuration.author = PartialSignature()
        let failure = #expect(throws: HydrationJob.Failure.self) { _ = try HydrationJob(configuration).run { _ in } }
        #expect(failure?.message == "the commit's author is unknown: no name and no email found; set user.name and "
            + "user.email in git's configuration (`git config --global user.name \"Your Name\"`, `git config --global "
            + "user.email you@example.com`), or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL (or EMAIL); or give "
            + "'--author-name' and '--author-email'")
        #expect(try fixture.server.requests().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: fixture.folder.child("work")))
    }
}
