import Foundation
import Testing
@testable import Git
import TestSupport

/// Local operations, on clones of a bare repository made through the file system.
@Suite struct RepositoryTests {
    let folder: TemporaryFolder
    let bare: String
    let author = Signature(name: "edpctl", email: "edpctl@example.com")

    init() throws {
        folder = try TemporaryFolder()
        bare = try makeBareRepository(named: "platform", in: folder)
    }

    func cloneLocally(_ name: String = "work") throws -> Repository {
        try Repository.clone(url: bare, to: folder.child(name))
    }

    @Test func openingAFolderOutsideAnyRepositoryFails() throws {
        let error = #expect(throws: GitError.self) { try Repository.open(at: folder.path) }
        #expect(error == .notARepository(folder.path))
        #expect(error?.description == "not a git repository: \(folder.path)")
    }

    @Test func openFindsTheRepositoryFromASubfolder() throws {
        let clone = try cloneLocally()
        let opened = try Repository.open(at: clone.workDirectory + "/instances/a")
        #expect(opened.workDirectory == clone.workDirectory)
        #expect(opened.relativePath(of: clone.workDirectory + "/instances/a") == "instances/a")
        #expect(opened.relativePath(of: clone.workDirectory) == "")
        #expect(opened.relativePath(of: folder.path) == nil)
    }

    @Test func cloneChecksOutTheBranchAndReadsHead() throws {
        let clone = try cloneLocally()
        #expect(try clone.currentBranch() == "main")
        let head = try #require(try clone.headCommit())
        #expect(head.id == (try git("rev-parse", "main", in: bare)))
        #expect(head.summary == "seed")
        #expect(head.message == "seed\n")
        #expect(try read(clone.workDirectory + "/instances/a/app.yaml") == "name: a\n")
    }

    @Test func aFreshRepositoryHasABranchButNoCommit() throws {
        let path = folder.child("fresh")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git("init", "--quiet", "--initial-branch=trunk", in: path)
        let repository = try Repository.open(at: path)
        #expect(try repository.headCommit() == nil)
        #expect(try repository.currentBranch() == "trunk")
        #expect(try commitChanges(repository: repository, under: "", commitMessage: "empty", author: author) { [] }
            == nil)

        let first = try #require(try commitChanges(repository: repository, under: "", commitMessage: "first",
                                                   author: author) { [try place("x\n", at: "x.txt", in: repository)] })
        #expect(try git("log", "--format=%H %s", in: path) == "\(first.id) first")
        #expect(try git("reflog", "-1", "--format=%gs", in: path) == "commit (initial): first")
    }

    @Test func aDetachedHeadHasNoBranch() throws {
        let clone = try cloneLocally()
        try git("checkout", "--quiet", "--detach", in: clone.workDirectory)
        #expect(try clone.currentBranch() == nil)
    }

    @Test func changesAreSeenOnlyUnderTheirPath() throws {
        let clone = try cloneLocally()
        #expect(try clone.hasChanges() == false)
        try write("name: a2\n", to: clone.workDirectory + "/instances/a/app.yaml")
        #expect(try clone.hasChanges(under: "instances/a"))
        #expect(try clone.hasChanges(under: "instances") == true)
        #expect(try clone.hasChanges(under: "instances/b") == false)
        #expect(try clone.hasChanges(under: "") == true)
    }

    @Test func newAndDeletedFilesAreChangesToo() throws {
        let clone = try cloneLocally()
        try write("new\n", to: clone.workDirectory + "/instances/b/new/deep.yaml")
        #expect(try clone.hasChanges(under: "instances/b"))
        try FileManager.default.removeItem(atPath: clone.workDirectory + "/instances/b/new")
        try FileManager.default.removeItem(atPath: clone.workDirectory + "/instances/a/app.yaml")
        #expect(try clone.hasChanges(under: "instances/a"))
        #expect(try clone.hasChanges(under: "instances/b") == false)
    }

    @Test func ignoredFilesAreNoChanges() throws {
        let clone = try cloneLocally()
        try write("*.tmp\n", to: clone.workDirectory + "/.gitignore")
        try git("add", ".gitignore", in: clone.workDirectory)
        try git("commit", "--quiet", "-m", "ignore", in: clone.workDirectory)
        try write("scratch\n", to: clone.workDirectory + "/instances/a/x.tmp")
        #expect(try clone.hasChanges(under: "instances") == false)
    }

    @Test func commitRecordsTheStagedTreeOnTopOfHead() throws {
        let clone = try cloneLocally()
        let before = try #require(try clone.headCommit())
        let committer = Signature(name: "CI", email: "ci@example.com")
        let commit = try #require(try commitChanges(repository: clone, under: "instances/a",
                                                    commitMessage: "hydrate a  \n\n\nbody line\n\n", author: author,
                                                    committer: committer) {
            [try place("name: a2\n", at: "instances/a/app.yaml", in: clone)]
        })

        #expect(commit.summary == "hydrate a")
        #expect(commit.message == "hydrate a\n\nbody line\n")
        #expect(try clone.headCommit() == commit)
        let root = clone.workDirectory
        #expect(try git("log", "-1", "--format=%H|%P|%an <%ae>|%cn <%ce>", in: root)
            == "\(commit.id)|\(before.id)|edpctl <edpctl@example.com>|CI <ci@example.com>")
        #expect(try git("status", "--porcelain", in: root) == "")
        try git("fsck", "--strict", in: root)
    }

    @Test func commitChangesRunsTheUpdateAndCommitsOnlyWhenSomethingChanged() throws {
        let clone = try cloneLocally()
        let unchanged = try commitChanges(repository: clone, under: "instances/a", commitMessage: "same",
                                          author: author) {
            [try place("name: a\n", at: "instances/a/app.yaml", in: clone)]
        }
        #expect(unchanged == nil)
        let changed = try commitChanges(repository: clone, under: "instances/a", commitMessage: "hydrate a",
                                        author: author) {
            [try place("name: a3\n", at: "instances/a/app.yaml", in: clone)]
        }
        #expect(changed?.summary == "hydrate a")
        #expect(try git("show", "HEAD:instances/a/app.yaml", in: clone.workDirectory) == "name: a3")
    }

    @Test func resetHardMovesTheBranchToTheRemoteTip() throws {
        let clone = try cloneLocally()
        let remoteTip = try #require(try clone.headCommit())
        _ = try commitChanges(repository: clone, under: "instances/a", commitMessage: "local", author: author) {
            [try place("local\n", at: "instances/a/app.yaml", in: clone)]
        }
        try write("dirty\n", to: clone.workDirectory + "/README.md")

        try clone.resetHard(to: "origin/main")
        #expect(try clone.headCommit() == remoteTip)
        #expect(try clone.currentBranch() == "main")
        #expect(try clone.hasChanges() == false)
        #expect(try read(clone.workDirectory + "/instances/a/app.yaml") == "name: a\n")
    }

    @Test func describeCheckoutNamesTheCommitOfTheFolderOrNil() throws {
        let clone = try cloneLocally()
        #expect(Repository.describeCheckout(containing: clone.workDirectory + "/instances/b")
            == (try clone.headCommit()))
        #expect(Repository.describeCheckout(containing: folder.path) == nil)
        #expect(Repository.describeCheckout(containing: folder.child("missing/folder")) == nil)
    }

    @Test func aFailingLibgit2CallSaysWhichCallAndWhy() throws {
        let clone = try cloneLocally()
        let error = #expect(throws: GitError.self) { try clone.resetHard(to: "origin/nope") }
        guard case .libgit2(let call, let code, let message) = error else {
            Issue.record("expected a libgit2 error, got \(String(describing: error))")
            return
        }
        #expect(call == "git_revparse_single")
        #expect(code == -3)
        #expect(message == "revspec 'refs/remotes/origin/nope' not found")
        #expect(error?.description == "git_revparse_single failed: revspec 'refs/remotes/origin/nope' not found")
    }
}
