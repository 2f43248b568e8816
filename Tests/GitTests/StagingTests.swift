import Foundation
import Testing
@testable import Git
import TestSupport

/// `commitChanges` stages the files `update` reports (`Repository.stage`) and writes the new
/// objects as one pack (`ObjectPack`); the git CLI checks the result.
extension RepositoryTests {
    /// `git ls-files -s`: path → "mode id".
    func stagedEntries(in repository: Repository) throws -> [String: String] {
        var entries: [String: String] = [:]
        for line in try git("ls-files", "-s", in: repository.workDirectory).split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            let stat = fields[0].split(separator: " ")
            entries[String(fields[1])] = "\(stat[0]) \(stat[1])"
        }
        return entries
    }

    func packs(in repository: Repository) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repository.workDirectory + "/.git/objects/pack")
            .filter { $0.hasSuffix(".pack") }
    }

    /// Files under .git/objects that are loose objects (two hex digits / 38 more).
    func looseObjects(in repository: Repository) throws -> [String] {
        let objects = repository.workDirectory + "/.git/objects"
        return try FileManager.default.subpathsOfDirectory(atPath: objects).filter { path in
            path.range(of: "^[0-9a-f]{2}/[0-9a-f]{38}$", options: .regularExpression) != nil
        }
    }

    @Test func theCommitHoldsExactlyTheReportedFilesUnderTheFolder() throws {
        let clone = try cloneLocally()
        try write("left behind\n", to: clone.workDirectory + "/instances/a/old.yaml")
        try git("add", "instances/a/old.yaml", in: clone.workDirectory)
        try git("commit", "-q", "-m", "old file", in: clone.workDirectory)
        // An unstaged edit outside the folder stays an unstaged edit.
        try write("# changed\n", to: clone.workDirectory + "/README.md")
        let looseBefore = try looseObjects(in: clone)
        let packsBefore = try packs(in: clone)

        let commit = try commitChanges(repository: clone, under: "instances/a", commitMessage: "hydrate a",
                                       author: author) {
            [try place("name: a2\n", at: "instances/a/app.yaml", in: clone),
             try place("kind: ConfigMap\n", at: "instances/a/deep/er/config.yaml", in: clone)]
        }

        #expect(commit?.summary == "hydrate a")
        let tree = try git("ls-tree", "-r", "--name-only", "HEAD", in: clone.workDirectory).split(separator: "\n")
        #expect(tree == ["README.md", "instances/a/app.yaml", "instances/a/deep/er/config.yaml", "instances/b/app.yaml"])
        #expect(try git("show", "HEAD:instances/a/deep/er/config.yaml", in: clone.workDirectory) == "kind: ConfigMap")
        #expect(try git("diff", "--name-only", in: clone.workDirectory) == "README.md")
        #expect(try git("diff", "--cached", "--name-only", in: clone.workDirectory) == "")
        // Left out of the commit, still on disk: now untracked, as `git rm --cached` leaves it.
        #expect(try git("ls-files", "--others", in: clone.workDirectory) == "instances/a/old.yaml")
        #expect(try git("log", "-1", "--format=%H", in: clone.workDirectory) == commit?.id)
        #expect(try git("reflog", "-1", "--format=%gs", in: clone.workDirectory) == "commit: hydrate a")
        try git("fsck", "--strict", "--no-progress", in: clone.workDirectory)
        // The new blobs, trees and the commit arrived as one pack, not as loose objects.
        #expect(try looseObjects(in: clone) == looseBefore)
        #expect(try packs(in: clone).count == packsBefore.count + 1)
    }

    /// A committed name that reads as the produced one to Swift (`café` in NFD beside the NFC one)
    /// or is not UTF-8 at all is still a different file to git, and is dropped from the commit.
    @Test func entriesAreComparedAsBytes() throws {
        let clone = try cloneLocally()
        let folder = clone.workDirectory + "/instances/a"
        for name in [Array("cafe\u{301}.yaml".utf8), Array("n".utf8) + [0xFF] + Array(".yaml".utf8)] {
            let path = Array(folder.utf8) + [UInt8(ascii: "/")] + name + [0]
            let descriptor = path.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
            }
            #expect(descriptor >= 0)
            close(descriptor)
        }
        try git("add", "-A", "instances/a", in: clone.workDirectory)
        try git("commit", "-q", "-m", "leftovers", in: clone.workDirectory)
        // By their bytes: FileManager would spell the second name with U+FFFD.
        try runProgram("/usr/bin/find", [folder, "-type", "f", "!", "-name", "app.yaml", "-delete"])

        _ = try commitChanges(repository: clone, under: "instances/a", commitMessage: "hydrate a", author: author) {
            [try place("name: a\n", at: "instances/a/app.yaml", in: clone),
             try place("k: 1\n", at: "instances/a/caf\u{e9}.yaml", in: clone)]
        }

        let tree = try git("-c", "core.quotePath=true", "ls-tree", "-r", "--name-only", "HEAD", "instances/a",
                           in: clone.workDirectory)
        #expect(tree == "instances/a/app.yaml\n\"instances/a/caf\\303\\251.yaml\"")
        #expect(try git("status", "--porcelain", in: clone.workDirectory) == "")
    }

    /// `git hash-object` applies the repository's filters as `git add` does: whatever path a file
    /// took (the bytes in memory, or libgit2's filters for CRs and `$Id`), its blob must be git's.
    @Test func blobsAreWhatGitItselfWouldStageAndTheIndexStatDataHolds() throws {
        let clone = try cloneLocally()
        try write("*.txt text eol=lf\n*.id ident\n", to: clone.workDirectory + "/.gitattributes")
        try git("add", ".gitattributes", in: clone.workDirectory)
        try git("commit", "-q", "-m", "attributes", in: clone.workDirectory)
        let script = try place("#!/bin/sh\necho hydrated\n", at: "instances/a/run.sh", in: clone)
        #expect(chmod(clone.workDirectory + "/instances/a/run.sh", 0o755) == 0)
        try write("ignored.yaml\n", to: clone.workDirectory + "/.git/info/exclude")

        _ = try commitChanges(repository: clone, under: "instances", commitMessage: "hydrate", author: author) {
            [try place("one\r\ntwo\r\n", at: "instances/a/windows.txt", in: clone),
             try place("version: $Id: not-the-blob $\n", at: "instances/a/version.id", in: clone),
             try place("plain: yes\n", at: "instances/a/app.yaml", in: clone),
             try place("ignored: but produced\n", at: "instances/a/ignored.yaml", in: clone),
             script,
             // The caller's bytes are not what is on disk: the disk wins.
             WorkTreeFile(path: "instances/b/app.yaml", bytes: Array("name: stale\n".utf8))]
        }

        let entries = try stagedEntries(in: clone)
        for path in ["instances/a/windows.txt", "instances/a/version.id", "instances/a/app.yaml",
                     "instances/a/ignored.yaml", "instances/a/run.sh", "instances/b/app.yaml"] {
            let mode = path.hasSuffix(".sh") ? "100755" : "100644"
            #expect(entries[path] == "\(mode) \(try git("hash-object", path, in: clone.workDirectory))", "\(path)")
        }
        #expect(try git("show", "HEAD:instances/a/windows.txt", in: clone.workDirectory) == "one\ntwo")
        #expect(try git("show", "HEAD:instances/a/version.id", in: clone.workDirectory) == "version: $Id$")
        #expect(try git("show", "HEAD:instances/b/app.yaml", in: clone.workDirectory) == "name: b")
        // Stat data matches the files: git sees nothing to refresh and nothing changed.
        #expect(try git("status", "--porcelain", in: clone.workDirectory) == "")
        #expect(try git("diff-files", "--name-only", in: clone.workDirectory) == "")
        try git("fsck", "--strict", "--no-progress", in: clone.workDirectory)
    }

    @Test func theWholeTreeWithNoFolderAndNoCommitWhenNothingChanged() throws {
        let clone = try cloneLocally()
        let before = try clone.headCommit()
        let files = { [try place("# platform\n", at: "README.md", in: clone),
                       try place("name: a\n", at: "instances/a/app.yaml", in: clone)] }
        #expect(try commitChanges(repository: clone, under: "", commitMessage: "same", author: author) {
            try files() + [try place("name: b\n", at: "instances/b/app.yaml", in: clone)]
        } == nil)
        #expect(try clone.headCommit() == before)

        // Leaving instances/b out of the whole tree deletes it from the commit.
        let commit = try commitChanges(repository: clone, under: "", commitMessage: "drop b", author: author, update: files)
        #expect(commit?.summary == "drop b")
        #expect(try git("ls-tree", "-r", "--name-only", "HEAD", in: clone.workDirectory) == "README.md\ninstances/a/app.yaml")
    }

    @Test func aFileThatIsNotThereIsAnErrorAndNothingIsCommitted() throws {
        let clone = try cloneLocally()
        let before = try clone.headCommit()
        let error = #expect(throws: GitError.self) {
            try commitChanges(repository: clone, under: "instances/a", commitMessage: "hydrate a", author: author) {
                [WorkTreeFile(path: "instances/a/missing.yaml", bytes: Array("x: 1\n".utf8))]
            }
        }
        #expect(error?.description.contains("instances/a/missing.yaml") == true)
        #expect(try clone.headCommit() == before)
        #expect(try git("status", "--porcelain", in: clone.workDirectory) == "")
    }

    @Test func entriesUnderAFolderAreItsRunOfTheIndexAndNoNeighboursWithTheSamePrefix() throws {
        let clone = try cloneLocally()
        for path in ["instances/a.txt", "instances/a/x/y.yaml", "instances/ab/z.yaml", "instances/a-b", "instancesX"] {
            try write("\(path)\n", to: clone.workDirectory + "/" + path)
        }
        try git("add", "-A", in: clone.workDirectory)
        let index = try ObjectPack(for: clone).openIndex()
        func paths(under folders: [String]) throws -> [String] {
            try Repository.entryPaths(of: index, under: folders).map { String(decoding: $0, as: UTF8.self) }.sorted()
        }
        #expect(try paths(under: ["instances/a"]) == ["instances/a/app.yaml", "instances/a/x/y.yaml"])
        #expect(try paths(under: ["instances/a.txt", "instances/b/", "nothing"])
            == ["instances/a.txt", "instances/b/app.yaml"])
        #expect(try Repository.entryPaths(of: index, under: ["instances"]).count == 6)
        #expect(try Repository.entryPaths(of: index, under: ["instances", ""]).count == 8)
        #expect(try Repository.entryPaths(of: index, under: []).count == 8)
    }

    /// A clone that borrows its objects (`git clone --shared`) has HEAD's commit only in the
    /// alternate object store: the pack's store must read through it.
    @Test func aCloneWithAlternatesCommits() throws {
        try git("clone", "-q", "--shared", bare, folder.child("shared"), in: folder.path)
        let clone = try Repository.open(at: folder.child("shared"))
        let commit = try commitChanges(repository: clone, under: "instances/a", commitMessage: "hydrate a",
                                       author: author) {
            [try place("name: a2\n", at: "instances/a/app.yaml", in: clone)]
        }
        #expect(commit?.summary == "hydrate a")
        #expect(try git("show", "HEAD:instances/a/app.yaml", in: clone.workDirectory) == "name: a2")
        #expect(try git("rev-parse", "HEAD^", in: clone.workDirectory) == (try git("rev-parse", "main", in: bare)))
        try git("fsck", "--strict", "--no-progress", in: clone.workDirectory)
    }

    @Test func filtersAreNeededOnlyForCarriageReturnsAndIdent() {
        #expect(Repository.passesFiltersUnchanged(Array("a: b\nc: $HOME $I d\n".utf8)))
        #expect(Repository.passesFiltersUnchanged([]))
        #expect(!Repository.passesFiltersUnchanged(Array("a: b\r\n".utf8)))
        #expect(!Repository.passesFiltersUnchanged(Array("x $Id$".utf8)))
        #expect(!Repository.passesFiltersUnchanged(Array("$$Id".utf8)))
        #expect(Repository.passesFiltersUnchanged(Array("ends with $I".utf8)))
        #expect(Repository.passesFiltersUnchanged(Array("$".utf8)))
    }
}
