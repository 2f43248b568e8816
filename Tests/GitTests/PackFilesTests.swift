import Foundation
import Testing
@testable import Git
import TestSupport

/// `WorkFolder.consolidatePacks`: a work folder reused for many fetches and pushes keeps at most
/// `gc.autoPackLimit` pack files, and every state a killed consolidation can leave is usable.
extension WorkFolderTests {
    /// The work folder's pack files, as names (`pack-<hash>`).
    func packNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: work + "/.git/objects/pack")
            .filter { $0.hasSuffix(".pack") }.map { String($0.dropLast(".pack".count)) }.sorted()
    }

    /// One run as `hydrate --commit --push` makes it, after another job's push (so the fetch
    /// brings a pack, as in CI): update (fetch), commit `round`, push, consolidate.
    func pushRound(_ round: Int) throws -> PackConsolidation? {
        let seed = folder.child("seed-platform")
        try git("fetch", "--quiet", bare, "main", in: seed)
        try git("reset", "--quiet", "--hard", "FETCH_HEAD", in: seed)
        try write("other job \(round)\n", to: seed + "/other.txt")
        try git("add", "other.txt", in: seed)
        try git("commit", "--quiet", "-m", "other \(round)", in: seed)
        try git("push", "--quiet", bare, "HEAD:main", in: seed)
        var notices: [String] = []
        let workFolder = try WorkFolder(path: work, timeout: 5) { notices.append($0) }
        let repository = try workFolder.update(from: url, branch: "main", credentials: nil) { notices.append($0) }
        let result = try publish(repository: repository, changesUnder: "instances/a", branch: "main", fetchingFirst: false,
                                 commitMessage: "round \(round)", author: Signature(name: "CI", email: "ci@example.com")) {
            [try place("name: a\nround: \(round)\n", at: "instances/a/app.yaml", in: repository)]
        }
        #expect(result.pushed)
        return try workFolder.consolidatePacks()
    }

    @Test func aReusedFolderKeepsAtMostTheLimitOfPackFiles() throws {
        try update()
        try git("config", "gc.autoPackLimit", "4", in: work)
        var consolidations: [PackConsolidation] = []
        for round in 1...12 {
            if let done = try pushRound(round) { consolidations.append(done) }
            let packs = try packNames()
            #expect(packs.count <= 4, "round \(round): \(packs)")
        }
        // Each round adds two (its fetch's and its commit's): five packs, one over, each time.
        #expect(consolidations.count >= 3)
        #expect(consolidations.allSatisfy { $0.packs == 5 })
        try git("fsck", "--strict", "--no-dangling", in: work)
        #expect(try git("log", "--format=%s", "-1", in: work) == "round 12")
        #expect(try git("rev-parse", "HEAD", in: work) == (try git("rev-parse", "main", in: bare)))
        // Every commit of the history is still there, in one pack or the few made since.
        #expect(try git("rev-list", "--count", "HEAD", in: work) == "25")
    }

    @Test func underTheLimitNothingIsRepackedAndZeroNeverRepacks() throws {
        try update()
        try git("config", "gc.autoPackLimit", "0", in: work)
        for round in 1...4 { #expect(try pushRound(round) == nil) }
        #expect(try packNames().count == 9)
        try git("config", "gc.autoPackLimit", "9", in: work)
        #expect(try WorkFolder(path: work, timeout: 5) { _ in }.consolidatePacks() == nil)
        try git("config", "gc.autoPackLimit", "8", in: work)
        // A reference to a blob, which no commit walk takes: its blob is kept all the same.
        let blob = try git("rev-parse", "HEAD:README.md", in: work)
        try git("tag", "a-blob", blob, in: work)
        let done = try #require(try WorkFolder(path: work, timeout: 5) { _ in }.consolidatePacks())
        #expect(done.packs == 9)
        #expect(try packNames().count == 1)
        try git("fsck", "--strict", in: work)
        #expect(try git("cat-file", "-t", "a-blob", in: work) == "blob")
    }

    /// A consolidation killed at any point leaves one of these states: a temporary pack beside the
    /// old ones (killed while writing); the new pack beside all the old ones (killed before the
    /// first removal); or some old pack without its index (killed between the two removals). Each
    /// is made here by hand: git reads the repository whole, and the next run tidies it up.
    @Test func everyStateAKilledConsolidationLeavesIsUsable() throws {
        try update()
        try git("config", "gc.autoPackLimit", "0", in: work)
        for round in 1...3 { _ = try pushRound(round) }
        let packFolder = work + "/.git/objects/pack"
        let saved = folder.child("saved-packs")
        try FileManager.default.copyItem(atPath: packFolder, toPath: saved)
        let old = try packNames()
        try git("config", "gc.autoPackLimit", "2", in: work)
        #expect(try WorkFolder(path: work, timeout: 5) { _ in }.consolidatePacks() != nil)
        let new = try packNames()
        #expect(new.count == 1 && !old.contains(new[0]))

        // Killed while writing: the old packs and libgit2's temporary file.
        try write("partial", to: packFolder + "/pack_git2_4711")
        // Killed before the first removal: the new pack beside all the old ones.
        for name in old {
            for suffix in [".pack", ".idx"] { try FileManager.default.copyItem(atPath: saved + "/" + name + suffix,
                                                                                   toPath: packFolder + "/" + name + suffix) }
        }
        // Killed between an index's removal and its pack's.
        try FileManager.default.removeItem(atPath: packFolder + "/" + old[0] + ".idx")
        try git("fsck", "--strict", in: work)

        var notices: [String] = []
        try update(notices: &notices)
        #expect(notices == ["removed what an interrupted run left in \(work): .git/objects/pack/\(old[0]).pack, "
            + ".git/objects/pack/pack_git2_4711"])
        let done = try #require(try pushRound(4))
        #expect(done.packs == old.count + 2)
        #expect(try packNames().count == 1)
        try git("fsck", "--strict", in: work)
        #expect(try git("rev-list", "--count", "HEAD", in: work) == "9")
    }
}
