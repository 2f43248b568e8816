import Foundation
import Testing
@testable import Git
import TestSupport

/// Clone, fetch and push through a real `git http-backend` behind basic auth.
@Suite struct RemoteTests {
    let folder: TemporaryFolder
    let bare: String
    let server: GitServer
    let token = "tok-R1ght-4f9c"
    let author = Signature(name: "edpctl", email: "edpctl@example.com")
    var credentials: Credentials { .https(username: server.user, token: token) }

    init() throws {
        folder = try TemporaryFolder()
        bare = try makeBareRepository(named: "platform", in: folder)
        server = try GitServer(root: folder.path, token: token)
    }

    func clone(_ name: String) throws -> Repository {
        try Repository.clone(url: server.url("platform"), to: folder.child(name), branch: "main",
                             credentials: credentials)
    }

    func commitChange(in repository: Repository, file: String, text: String) throws -> Commit {
        try #require(try commitChanges(repository: repository, under: file, commitMessage: "change \(file)",
                                       author: author) { [try place(text, at: file, in: repository)] })
    }

    @Test func aCommitPushedOverHTTPLandsInTheServedRepository() throws {
        let repository = try clone("work")
        let commit = try commitChange(in: repository, file: "instances/a/app.yaml", text: "name: a2\n")
        try repository.push(branch: "main", credentials: credentials)

        #expect(try history(of: bare).first == "\(commit.id) change instances/a/app.yaml")
        try git("fsck", "--strict", in: bare)
        // libgit2 streams the pack in chunks, which the server had to put back together.
        #expect(try server.requests().contains { $0.contains("body of /platform.git/git-receive-pack") && $0.hasSuffix("chunked") })
        // A fresh clone by the git CLI, through the same server, sees the file.
        let check = folder.child("check")
        try git("clone", "--quiet", server.url("platform", userinfo: "\(server.user):\(token)"), check, in: folder.path)
        #expect(try read(check + "/instances/a/app.yaml") == "name: a2\n")
    }

    @Test func aWrongTokenFailsAuthenticationPushesNothingAndTheRightOneThenWorks() throws {
        let repository = try clone("work")
        let before = try git("rev-parse", "main", in: bare)
        let commit = try commitChange(in: repository, file: "instances/a/app.yaml", text: "name: a2\n")

        let wrong = Credentials.https(username: server.user, token: "tok-WR0NG-77aa")
        let error = #expect(throws: GitError.self) { try repository.push(branch: "main", credentials: wrong) }
        #expect(error == .authenticationFailed(url: server.url("platform")))
        #expect(error?.description == "authentication failed for \(server.url("platform"))")
        #expect(try git("rev-parse", "main", in: bare) == before)
        // libgit2 asked again after the wrong token's 401; the callback said no instead of
        // letting it replay the token (up to 15 times).
        let refusals = try server.requests().filter { $0.contains("git-receive-pack") && $0.hasSuffix(" 401 -") }
        #expect(refusals.count == 2, "anonymous, then the wrong token")

        // The same Repository, with the right token: the callback copes with being asked again.
        try repository.push(branch: "main", credentials: credentials)
        #expect(try git("rev-parse", "main", in: bare) == commit.id)
    }

    @Test func noCredentialsForAPrivateRepositoryFailAuthentication() throws {
        let error = #expect(throws: GitError.self) {
            try Repository.clone(url: server.url("platform"), to: folder.child("anonymous"))
        }
        #expect(error == .authenticationFailed(url: server.url("platform")))
        #expect(!FileManager.default.fileExists(atPath: folder.child("anonymous")))
    }

    @Test func sshCredentialsForAnHTTPSURLAreRefusedClearly() throws {
        let error = #expect(throws: GitError.self) {
            try Repository.clone(url: server.url("platform"), to: folder.child("ssh"), credentials: .sshAgent())
        }
        #expect(error == .unsupportedCredentials(url: server.url("platform"), offered: "SSH agent"))
        #expect(error?.description == "\(server.url("platform")) does not accept SSH agent credentials")
    }

    @Test func errorsNeverContainTheTokenOrTheURLsUserinfo() throws {
        let urlSecret = "tok-IN-URL-5150"
        let wrongSecret = "tok-WR0NG-8086"
        let url = server.url("platform", userinfo: "\(server.user):\(urlSecret)")
        let wrong = Credentials.https(username: server.user, token: wrongSecret)

        // libgit2 tries the URL's credentials first, then asks the callback: both are wrong.
        let cloneError = #expect(throws: GitError.self) {
            try Repository.clone(url: url, to: folder.child("leak"), credentials: wrong)
        }
        #expect(cloneError == .authenticationFailed(url: server.url("platform")))

        // A clone whose remote URL holds a wrong token, pushing with a wrong token.
        try git("clone", "--quiet", server.url("platform", userinfo: "\(server.user):\(token)"), folder.child("cli"),
                in: folder.path)
        try git("remote", "set-url", "origin", url, in: folder.child("cli"))
        let repository = try Repository.open(at: folder.child("cli"))
        _ = try commitChange(in: repository, file: "instances/b/app.yaml", text: "name: b2\n")
        let pushError = #expect(throws: GitError.self) { try repository.push(branch: "main", credentials: wrong) }
        let fetchError = #expect(throws: GitError.self) { try repository.fetch(branch: "main", credentials: wrong) }
        // And an error libgit2 words itself, about the same URL.
        let networkError = #expect(throws: GitError.self) {
            try Repository.clone(url: "http://\(server.user):\(urlSecret)@127.0.0.1:1/platform.git",
                                 to: folder.child("refused"), credentials: wrong)
        }

        for error in [cloneError, pushError, fetchError, networkError] {
            let text = String(describing: error) + String(reflecting: error) + "\(error.map { [$0] } ?? [])"
            #expect(error != nil)
            for secret in [urlSecret, wrongSecret, token] {
                #expect(!text.contains(secret), "\(text) contains a secret")
            }
            #expect(!text.contains("\(server.user):"), "\(text) contains userinfo")
        }
    }

    @Test func anUnreachableServerIsANetworkError() throws {
        let error = #expect(throws: GitError.self) {
            try Repository.clone(url: "http://127.0.0.1:1/platform.git", to: folder.child("refused"),
                                 credentials: credentials)
        }
        guard case .network(let url, let message) = error else {
            Issue.record("expected a network error, got \(String(describing: error))")
            return
        }
        #expect(url == "http://127.0.0.1:1/platform.git")
        #expect(message.contains("failed to connect"))
    }

    @Test func aPushBehindTheRemoteIsNonFastForward() throws {
        let first = try clone("first")
        let second = try clone("second")
        let landed = try commitChange(in: first, file: "instances/a/app.yaml", text: "name: a2\n")
        try first.push(branch: "main", credentials: credentials)

        _ = try commitChange(in: second, file: "instances/b/app.yaml", text: "name: b2\n")
        let error = #expect(throws: GitError.self) { try second.push(branch: "main", credentials: credentials) }
        #expect(error == .nonFastForward(branch: "main"))
        #expect(try git("rev-parse", "main", in: bare) == landed.id)

        // Once it has fetched the remote's commit the check is a different one in libgit2.
        try second.fetch(branch: "main", credentials: credentials)
        #expect(throws: GitError.nonFastForward(branch: "main")) {
            try second.push(branch: "main", credentials: credentials)
        }
    }

    /// The race two CI jobs run: the branch moves on the server after this push has read its
    /// tip. libgit2 cannot see it; only receive-pack's per-reference status tells.
    @Test func aBranchMovedOnTheServerDuringThePushIsNonFastForward() throws {
        let other = try clone("other")
        let winner = try commitChange(in: other, file: "instances/b/app.yaml", text: "name: b2\n")
        try other.push(remote: "origin", branch: "main", credentials: credentials)
        try git("update-ref", "refs/heads/winner", "main", in: bare)
        try git("update-ref", "refs/heads/main", "main~1", in: bare)
        // The hook moves main to the winner's commit while receive-pack holds this push.
        try installPreReceiveHook("""
            #!/bin/sh
            unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
            git update-ref refs/heads/main refs/heads/winner

            """, in: bare)

        let repository = try clone("work")
        _ = try commitChange(in: repository, file: "instances/a/app.yaml", text: "name: a2\n")
        let error = #expect(throws: GitError.self) { try repository.push(branch: "main", credentials: credentials) }
        #expect(error == .nonFastForward(branch: "main"))
        #expect(try git("rev-parse", "main", in: bare) == winner.id)
    }

    @Test func aPushRefusedByAHookSaysWhy() throws {
        try installPreReceiveHook("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n", in: bare)
        let repository = try clone("work")
        _ = try commitChange(in: repository, file: "instances/a/app.yaml", text: "name: a2\n")
        let error = #expect(throws: GitError.self) { try repository.push(branch: "main", credentials: credentials) }
        #expect(error == .pushRejected(branch: "main", reason: "pre-receive hook declined"))
        #expect(error?.description == "push to 'main' rejected by the remote: pre-receive hook declined")
    }

    @Test func fetchUpdatesTheRemoteTrackingBranchOnly() throws {
        let first = try clone("first")
        let second = try clone("second")
        let before = try #require(try second.headCommit())
        let landed = try commitChange(in: first, file: "README.md", text: "# new\n")
        try first.push(branch: "main", credentials: credentials)

        try second.fetch(branch: "main", credentials: credentials)
        #expect(try git("rev-parse", "origin/main", in: second.workDirectory) == landed.id)
        #expect(try second.headCommit() == before)
        try second.resetHard(to: "origin/main")
        #expect(try second.headCommit() == landed)
    }
}
