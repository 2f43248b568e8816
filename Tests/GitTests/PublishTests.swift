import Foundation
import Testing
@testable import Git
import TestSupport

/// `publish`: update, commit, push, and on a lost race fetch, reset and do it again; against
/// RemoteTests' `git http-backend`.
extension RemoteTests {
    @Test func publishCommitsAndPushesWhatTheUpdateChanged() throws {
        let repository = try Repository.clone(url: server.url("platform"), to: folder.child("work"),
                                              credentials: credentials)
        let result = try publish(repository: repository, changesUnder: "instances/a", branch: "main",
                                 credentials: credentials, commitMessage: "hydrate a", author: author) {
            [try place("name: a2\n", at: "instances/a/app.yaml", in: repository)]
        }
        let commit = try #require(result.commit)
        #expect(result == PublishResult(commit: commit, pushed: true, attempts: 1))
        #expect(try history(of: bare).first == "\(commit.id) hydrate a")
    }

    @Test func publishMakesNoCommitAndNoPushWhenNothingChanged() throws {
        let repository = try Repository.clone(url: server.url("platform"), to: folder.child("work"),
                                              credentials: credentials)
        let before = try history(of: bare)
        let result = try publish(repository: repository, changesUnder: "instances/a", branch: "main",
                                 credentials: credentials, commitMessage: "hydrate a", author: author) {
            [try place("name: a\n", at: "instances/a/app.yaml", in: repository)]
        }
        #expect(result == PublishResult(commit: nil, pushed: false, attempts: 1))
        #expect(try history(of: bare) == before)
    }

    /// Two CI jobs, each hydrating its own folder, clone the same tip and push at the same
    /// moment: one loses, fetches, redoes its update on the winner's commit, and lands too.
    @Test func twoConcurrentPublishersOfDifferentFoldersBothLand() async throws {
        let barrier = Barrier(count: 2)
        let url = server.url("platform")
        let credentials = credentials
        let author = author
        let root = folder.path

        func job(_ name: String) -> @Sendable () throws -> PublishResult {
            return {
                let repository = try Repository.clone(url: url, to: root + "/" + name, branch: "main",
                                                      credentials: credentials)
                var runs = 0
                return try publish(repository: repository, changesUnder: "instances/\(name)", branch: "main",
                                   credentials: credentials, maxAttempts: 3,
                                   commitMessage: "hydrate \(name)", author: author) {
                    runs += 1
                    let file = try place("name: \(name)\nrun: \(runs)\n", at: "instances/\(name)/app.yaml",
                                         in: repository)
                    // Both have committed on the same tip before either pushes.
                    if runs == 1 { barrier.arriveAndWait() }
                    return [file]
                }
            }
        }
        async let a = onThread(job("a"))
        async let b = onThread(job("b"))
        let results = try await [a, b]

        #expect(results.map(\.attempts).sorted() == [1, 2])
        #expect(results.map(\.pushed) == [true, true])
        let ids = try history(of: bare).map { $0.prefix { $0 != " " } }
        for result in results {
            let commit = try #require(result.commit)
            #expect(ids.contains(Substring(commit.id)))
        }
        #expect(try history(of: bare).count == 3)
        try git("fsck", "--strict", in: bare)
        #expect(try git("show", "main:instances/a/app.yaml", in: bare).hasPrefix("name: a\n"))
        #expect(try git("show", "main:instances/b/app.yaml", in: bare).hasPrefix("name: b\n"))
    }

    @Test func publishGivesUpAfterMaxAttempts() throws {
        let first = try Repository.clone(url: server.url("platform"), to: folder.child("first"), credentials: credentials)
        let second = try Repository.clone(url: server.url("platform"), to: folder.child("second"), credentials: credentials)
        var runs = 0
        #expect(throws: GitError.nonFastForward(branch: "main")) {
            try publish(repository: second, changesUnder: "instances/b", branch: "main", credentials: credentials,
                        maxAttempts: 1, commitMessage: "hydrate b", author: author) {
                runs += 1
                // Another job lands while this one works: its push is then the one that loses.
                _ = try publish(repository: first, changesUnder: "instances/a", branch: "main", credentials: credentials,
                                commitMessage: "hydrate a", author: author) {
                    [try place("name: a2\n", at: "instances/a/app.yaml", in: first)]
                }
                return [try place("name: b2\n", at: "instances/b/app.yaml", in: second)]
            }
        }
        #expect(runs == 1)
    }

    @Test func publishStopsAtOnceOnAnotherError() throws {
        let repository = try Repository.clone(url: server.url("platform"), to: folder.child("work"),
                                              credentials: credentials)
        var runs = 0
        #expect(throws: GitError.authenticationFailed(url: server.url("platform"))) {
            try publish(repository: repository, changesUnder: "instances/a", branch: "main",
                        credentials: .https(username: server.user, token: "wrong"),
                        commitMessage: "hydrate a", author: author) {
                runs += 1
                return [try place("name: a2\n", at: "instances/a/app.yaml", in: repository)]
            }
        }
        // The fetch before the first attempt already fails: nothing was written.
        #expect(runs == 0)
    }

    @Test func publishRefusesAClonesOwnUnpushedCommits() throws {
        let repository = try Repository.clone(url: server.url("platform"), to: folder.child("work"),
                                              credentials: credentials)
        _ = try commitChanges(repository: repository, under: "notes.txt", commitMessage: "local work", author: author) {
            [try place("mine\n", at: "notes.txt", in: repository)]
        }
        let before = try history(of: bare)
        var runs = 0
        #expect(throws: GitError.commitsNotOnRemote(remoteBranch: "origin/main")) {
            try publish(repository: repository, changesUnder: "instances/a", branch: "main", credentials: credentials,
                        commitMessage: "hydrate a", author: author) {
                runs += 1
                return []
            }
        }
        #expect(runs == 0)
        #expect(try history(of: bare) == before)
        #expect(try repository.headCommit()?.summary == "local work")
    }

    @Test func publishRefusesEditsOutsideItsFolder() throws {
        let repository = try Repository.clone(url: server.url("platform"), to: folder.child("work"),
                                              credentials: credentials)
        try write("name: edited by hand\n", to: repository.workDirectory + "/instances/b/app.yaml")
        #expect(throws: GitError.changedOutside(folders: ["instances/a"], paths: ["instances/b/app.yaml"])) {
            try publish(repository: repository, changesUnder: "instances/a", branch: "main", credentials: credentials,
                        commitMessage: "hydrate a", author: author) { [] }
        }
        #expect(try String(contentsOfFile: repository.workDirectory + "/instances/b/app.yaml", encoding: .utf8)
            == "name: edited by hand\n")
    }

    @Test func commitRefusesChangesStagedElsewhere() throws {
        let repository = try Repository.clone(url: server.url("platform"), to: folder.child("work"),
                                              credentials: credentials)
        try write("staged\n", to: repository.workDirectory + "/elsewhere.txt")
        try git("add", "elsewhere.txt", in: repository.workDirectory)
        let error = #expect(throws: GitError.self) {
            try commitChanges(repository: repository, under: "instances/a", commitMessage: "hydrate a",
                              author: author) { [] }
        }
        #expect(error == .stagedOutside(folders: ["instances/a"], paths: ["elsewhere.txt"]))
        #expect(error?.description == "changes are staged outside instances/a: elsewhere.txt; commit or unstage them first")
    }
}
