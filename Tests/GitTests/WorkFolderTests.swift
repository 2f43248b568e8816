import CLibgit2
import Foundation
import Testing
@testable import Git
import TestSupport

/// `WorkFolder`: the clone kept between runs, against local bare repositories. The states a
/// killed run leaves are made by hand, then the next `update` must complete on its own.
@Suite struct WorkFolderTests {
    let folder: TemporaryFolder
    let bare: String
    let work: String

    init() throws {
        folder = try TemporaryFolder()
        bare = try makeBareRepository(named: "platform", in: folder)
        work = folder.child("cache/work")
    }

    var url: RemoteURL { RemoteURL(bare) }

    /// A work folder updated from `url`; `notices` gathers what it said.
    @discardableResult
    func update(_ url: RemoteURL? = nil, branch: String = "main", notices: inout [String]) throws -> WorkFolder {
        let workFolder = try WorkFolder(path: work, timeout: 5) { notices.append("waiting: " + $0) }
        var said: [String] = []
        try workFolder.update(from: url ?? self.url, branch: branch, credentials: nil) { said.append($0) }
        notices += said
        return workFolder
    }

    func update(_ url: RemoteURL? = nil, branch: String = "main") throws {
        var notices: [String] = []
        try update(url, branch: branch, notices: &notices)
    }

    /// A branch `prod` in the bare repository, off the seed: instances/a/app.yaml changed,
    /// instances/b gone, prod.txt added.
    func makeProdBranch() throws {
        let seed = folder.child("seed-platform")
        try git("checkout", "--quiet", "-b", "prod", in: seed)
        try write("name: a-prod\n", to: seed + "/instances/a/app.yaml")
        try write("prod\n", to: seed + "/prod.txt")
        try git("rm", "--quiet", "-r", "instances/b", in: seed)
        try git("add", "-A", in: seed)
        try git("commit", "--quiet", "-m", "prod", in: seed)
        try git("push", "--quiet", bare, "prod", in: seed)
        try git("checkout", "--quiet", "main", in: seed)
    }

    /// The files of the work folder's working tree (`.git` left out), sorted.
    func workTree() -> [String] {
        (FileManager.default.subpaths(atPath: work) ?? []).filter { path in
            var status = stat()
            return !path.hasPrefix(".git") && lstat(work + "/" + path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        }.sorted()
    }

    @Test func theFirstUpdateClonesAndLeavesNothingBeside() throws {
        try update()
        #expect(try git("rev-parse", "HEAD", in: work) == (try git("rev-parse", "main", in: bare)))
        #expect(try git("config", "remote.origin.url", in: work) == url.location)
        #expect(try git("status", "--porcelain", in: work) == "")
        let beside = try FileManager.default.contentsOfDirectory(atPath: folder.child("cache")).sorted()
        #expect(beside == [".work.edpctl-lock", "work"])
    }

    @Test func anEmptyFolderIsClonedIntoAndAFolderThatIsNoCloneIsRefused() throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try update()
        #expect(FileManager.default.fileExists(atPath: work + "/README.md"))

        try FileManager.default.removeItem(atPath: work)
        try write("mine\n", to: work + "/notes.txt")
        let error = #expect(throws: GitError.self) { try update() }
        #expect(error == .workFolderNotAClone(path: work))
        #expect(error?.description == "\(work) exists and is not a git clone: remove it, or use another folder")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work) == ["notes.txt"])

        // A `.git` that is no repository (a clone killed in its first moments by an older edpctl).
        try FileManager.default.createDirectory(atPath: work + "/.git", withIntermediateDirectories: true)
        #expect(throws: GitError.workFolderNotAClone(path: work)) { try update() }
    }

    @Test func aCloneOfAnotherRepositoryIsRefusedAndLeftAlone() throws {
        try update()
        let other = try makeBareRepository(named: "other", in: folder)
        try write("by hand\n", to: work + "/.git/index.lock")
        let before = snapshot(work)
        let requested = RemoteURL(other)
        let error = #expect(throws: GitError.self) { try update(requested) }
        #expect(error == .workFolderOfOtherRepository(path: work, origin: url.location, requested: requested.identity))
        #expect(error?.description == "\(work) is a clone of \(url.location), not of \(requested): it is not reused, "
            + "since its commits would go to that repository; use another folder for \(requested), or remove \(work)")
        // Not even the stale lock went: nothing is touched before the origin is known to be right.
        #expect(snapshot(work) == before)
    }

    /// Swift's `==` holds NFC `café` and NFD `café` equal; the file system holds two repositories.
    @Test func aRepositoryWhosePathDiffersOnlyInNormalizationIsAnother() throws {
        let composed = try makeBareRepository(named: "caf\u{E9}", in: folder)
        let decomposed = try makeBareRepository(named: "cafe\u{301}", in: folder)
        #expect(composed == decomposed && !composed.utf8.elementsEqual(decomposed.utf8))
        try update(RemoteURL(composed))
        let before = snapshot(work)
        let error = #expect(throws: GitError.self) { try update(RemoteURL(decomposed)) }
        #expect(error == .workFolderOfOtherRepository(path: work, origin: composed, requested: RemoteURL(decomposed).identity))
        #expect(snapshot(work) == before)
        try update(RemoteURL(composed))
    }

    /// The unfinished clones of a sibling folder whose name differs only in normalization are not
    /// this folder's: their run may be cloning right now, under its own lock.
    @Test func theUnfinishedClonesOfAFolderNamedByOtherBytesStay() throws {
        let cache = folder.child("cache")
        let composed = cache + "/caf\u{E9}"
        let siblings = cache + "/.cafe\u{301}.edpctl-clone-\(getpid())"
        try FileManager.default.createDirectory(atPath: siblings + "/.git", withIntermediateDirectories: true)
        let workFolder = try WorkFolder(path: composed, timeout: 5) { _ in }
        var notices: [String] = []
        try workFolder.update(from: url, branch: "main", credentials: nil) { notices.append($0) }
        #expect(notices.isEmpty)
        #expect(FileManager.default.fileExists(atPath: siblings + "/.git"))
        #expect(try git("rev-parse", "HEAD", in: composed) == (try git("rev-parse", "main", in: bare)))
    }

    /// The folder serves whichever branch is asked for: fetched, checked out at the remote tip,
    /// with the files of that branch only; the other local branches stay where they were.
    @Test func eachUpdateChecksOutTheBranchAskedFor() throws {
        try makeProdBranch()
        try update()
        #expect(try git("symbolic-ref", "HEAD", in: work) == "refs/heads/main")
        try update(branch: "prod")
        #expect(try git("symbolic-ref", "HEAD", in: work) == "refs/heads/prod")
        #expect(try git("rev-parse", "HEAD", in: work) == (try git("rev-parse", "prod", in: bare)))
        #expect(try git("rev-parse", "main", in: work) == (try git("rev-parse", "main", in: bare)))
        #expect(workTree() == ["README.md", "instances/a/app.yaml", "prod.txt"])
        #expect(try read(work + "/instances/a/app.yaml") == "name: a-prod\n")
        #expect(try git("status", "--porcelain", in: work) == "")
        #expect(try git("rev-parse", "--abbrev-ref", "prod@{upstream}", in: work) == "origin/prod")

        // A commit of a killed run on prod, and a new tip of main upstream: back on main, both
        // the folder and its branch are main's tip.
        try git("commit", "--quiet", "--allow-empty", "-m", "killed before the push", in: work)
        let seed = folder.child("seed-platform")
        try write("name: a2\n", to: seed + "/instances/a/app.yaml")
        try git("commit", "--quiet", "-am", "upstream", in: seed)
        try git("push", "--quiet", bare, "main", in: seed)
        try update()
        #expect(try git("symbolic-ref", "HEAD", in: work) == "refs/heads/main")
        #expect(try git("rev-parse", "HEAD", in: work) == (try git("rev-parse", "main", in: bare)))
        #expect(workTree() == ["README.md", "instances/a/app.yaml", "instances/b/app.yaml"])
        #expect(try read(work + "/instances/a/app.yaml") == "name: a2\n")
        #expect(try git("status", "--porcelain", in: work) == "")
        try git("fsck", "--strict", "--no-dangling", in: work)
    }

    @Test func theFirstCloneChecksOutTheBranchAskedFor() throws {
        try makeProdBranch()
        try update(branch: "prod")
        #expect(try git("symbolic-ref", "HEAD", in: work) == "refs/heads/prod")
        #expect(try git("rev-parse", "HEAD", in: work) == (try git("rev-parse", "prod", in: bare)))
        #expect(workTree() == ["README.md", "instances/a/app.yaml", "prod.txt"])
        #expect(try git("config", "remote.origin.url", in: work) == url.location)
        #expect(try git("status", "--porcelain", in: work) == "")
        try git("fsck", "--strict", "--no-dangling", in: work)
    }

    /// A branch the remote lacks is an error before the working tree is touched: no first clone
    /// is left, and a reused folder keeps its branch and files.
    @Test func aBranchTheRemoteLacksIsRefused() throws {
        let error = #expect(throws: GitError.self) { try update(branch: "nope") }
        #expect(error == .missingBranch(branch: "nope", url: bare))
        #expect(error?.description == "branch 'nope' does not exist in \(bare)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.child("cache")) == [".work.edpctl-lock"])

        try update()
        let files = workTree()
        // A remote-tracking branch left from earlier does not count: the remote's list does.
        try git("update-ref", "refs/remotes/origin/gone", "HEAD", in: work)
        #expect(throws: GitError.missingBranch(branch: "gone", url: bare)) { try update(branch: "gone") }
        #expect(try git("symbolic-ref", "HEAD", in: work) == "refs/heads/main")
        #expect(workTree() == files)
    }

    /// `url.<base>.insteadOf` and `pushInsteadOf` in the folder's own configuration (or a file it
    /// includes) would send its commits elsewhere than its origin says: refused, nothing touched.
    /// One that rewrites other URLs is no concern.
    @Test(arguments: ["insteadOf", "pushInsteadOf"])
    func aRewriteOfTheOriginInTheFoldersOwnConfigurationIsRefused(kind: String) throws {
        let other = try makeBareRepository(named: "other", in: folder)
        try update()
        try git("config", "url.\(other).\(kind)", bare, in: work)
        let before = snapshot(work)
        let error = #expect(throws: GitError.self) { try update() }
        let setting = "url.\(other).\(kind)"
        #expect(error == .workFolderRewritesOrigin(path: work, setting: setting, prefix: bare))
        #expect(error?.description == "\(work)/.git/config rewrites the URL of its origin (\(setting) for \(bare)): it is "
            + "not reused, since its commits could go to another repository; remove that setting, or remove \(work)")
        #expect(snapshot(work) == before)
        #expect(try history(of: other).count == 1)

        try git("config", "--unset", "url.\(other).\(kind)", in: work)
        let included = folder.child("included.gitconfig")
        try write("[url \"https://ci:s3cret@elsewhere.example/\"]\n\t\(kind) = \(folder.path)/\n", to: included)
        try git("config", "include.path", included, in: work)
        let viaInclude = #expect(throws: GitError.self) { try update() }
        #expect(viaInclude == .workFolderRewritesOrigin(path: work, setting: "url.https://elsewhere.example/.\(kind)",
                                               prefix: folder.path + "/"))
        #expect(viaInclude?.description.contains("s3cret") == false)

        try git("config", "--unset", "include.path", in: work)
        try git("config", "url.\(other).\(kind)", "/nowhere/", in: work)
        try update()
    }

    @Test func aPushURLToAnotherRepositoryIsRefusedToo() throws {
        try update()
        let other = try makeBareRepository(named: "other", in: folder)
        try git("remote", "set-url", "--push", "origin", other, in: work)
        let error = #expect(throws: GitError.self) { try update() }
        #expect(error == .workFolderOfOtherRepository(path: work, origin: other, requested: url.identity))
    }

    @Test func anEquivalentSpellingReusesTheCloneAndStoresNoLogin() throws {
        try update()
        // As an older edpctl stored it: with a login in the URL.
        try git("remote", "set-url", "origin", "file://ci:s3cret@" + bare + "/", in: work)
        try update(RemoteURL("file://" + bare + "/"))
        #expect(try git("config", "remote.origin.url", in: work) == "file://" + bare + "/")
        #expect(try !read(work + "/.git/config").contains("s3cret"))
    }

    @Test func unfinishedClonesOfKilledRunsAreRemoved() throws {
        let cache = folder.child("cache")
        // A first clone killed half-way (a dead pid), and one whose pid lives on (ours): with the
        // lock held, neither can be in the making.
        let dead = cache + "/.work.edpctl-clone-\(try deadProcessID())"
        let live = cache + "/.work.edpctl-clone-\(getpid())"
        for half in [dead, live] {
            try FileManager.default.createDirectory(atPath: half + "/.git/objects", withIntermediateDirectories: true)
            try write("ref: refs/heads/main\n", to: half + "/.git/HEAD")
        }
        let unrelated = cache + "/.work.edpctl-clone-notapid"
        try FileManager.default.createDirectory(atPath: unrelated, withIntermediateDirectories: true)
        var notices: [String] = []
        try update(notices: &notices)
        #expect(try git("rev-parse", "HEAD", in: work) == (try git("rev-parse", "main", in: bare)))
        #expect(!FileManager.default.fileExists(atPath: dead) && !FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: unrelated))
        #expect(notices.count == 2)
        #expect(notices.allSatisfy { $0.hasSuffix(", the unfinished clone of an interrupted run, beside \(work)") })
    }

    /// What a run killed in a fetch, a reset, a commit (pack, index, branch) or a push leaves
    /// behind: lock files and temporary files. The next update removes them before it fetches.
    @Test func lockAndTemporaryFilesOfKilledRunsAreRemovedAndTheUpdateCompletes() throws {
        try update()
        let gitDirectory = work + "/.git"
        let packs = try FileManager.default.contentsOfDirectory(atPath: gitDirectory + "/objects/pack")
        let orphan = "pack-" + String(repeating: "ab", count: 20)
        let leftovers = [
            "index.lock", "HEAD.lock", "ORIG_HEAD.lock", "FETCH_HEAD.lock", "config.lock", "packed-refs.lock",
            "refs/heads/main.lock", "refs/remotes/origin/main.lock", "logs/refs/heads/main.lock",
            "objects/pack/pack_git2_Xy12Ab", "objects/pack/tmp_pack_Q1w2E3", "objects/pack/tmp_idx_Q1w2E3",
            "objects/pack/\(orphan).pack", "objects/pack/\(orphan).idx.lock", "objects/tmp_object_git2_a1B2c3",
        ]
        for leftover in leftovers { try write("", to: gitDirectory + "/" + leftover) }
        try write("", to: gitDirectory + "/objects/4b/tmp_obj_zZ9yY8")
        // A new commit upstream, which the update must fetch and check out.
        let seed = folder.child("seed-platform")
        try write("name: a2\n", to: seed + "/instances/a/app.yaml")
        try git("commit", "--quiet", "-am", "upstream", in: seed)
        try git("push", "--quiet", bare, "main", in: seed)

        var notices: [String] = []
        try update(notices: &notices)
        for leftover in leftovers + ["objects/4b/tmp_obj_zZ9yY8"] {
            #expect(!FileManager.default.fileExists(atPath: gitDirectory + "/" + leftover), "\(leftover)")
        }
        #expect(notices.count == 1)
        #expect(notices.first?.hasPrefix("removed what an interrupted run left in \(work): .git/FETCH_HEAD.lock, ") == true)
        #expect(notices.first?.contains(".git/refs/remotes/origin/main.lock") == true)
        // The real packs stay, and the clone is at the new tip, whole.
        let after = try FileManager.default.contentsOfDirectory(atPath: gitDirectory + "/objects/pack")
        #expect(Set(packs).isSubset(of: Set(after)))
        #expect(try git("rev-parse", "HEAD", in: work) == (try git("rev-parse", "main", in: bare)))
        #expect(try read(work + "/instances/a/app.yaml") == "name: a2\n")
        #expect(try git("status", "--porcelain", in: work) == "")
        try git("fsck", "--strict", "--no-dangling", in: work)
    }

    @Test func aSecondRunWaitsForTheLockAndGivesUpAfterTheTimeout() throws {
        do {
            let holder = try WorkFolder(path: work, timeout: 0) { _ in Issue.record("the first run waited") }
            var waits: [String] = []
            let started = Date()
            let error = withExtendedLifetime(holder) {
                #expect(throws: GitError.self) { _ = try WorkFolder(path: work, timeout: 0.5) { waits.append($0) } }
            }
            #expect(Date().timeIntervalSince(started) >= 0.5)
            let lockFile = folder.child("cache/.work.edpctl-lock")
            #expect(error == .workFolderBusy(path: work, lockFile: lockFile, seconds: 1))
            #expect(error?.description == "gave up after waiting 1 s for another run using \(work) to finish "
                + "(it holds the lock \(lockFile))")
            #expect(waits == ["waiting for another run using \(work) to finish (up to 1 s)"])
        }
        // Released, it is the next run's at once.
        let next = try WorkFolder(path: work, timeout: 0) { _ in Issue.record("waited for a released lock") }
        withExtendedLifetime(next) {}
    }

    @Test func aLockHeldByAnotherProcessIsWaitedFor() throws {
        try FileManager.default.createDirectory(atPath: folder.child("cache"), withIntermediateDirectories: true)
        let lockFile = folder.child("cache/.work.edpctl-lock")
        // flock(1) holds the lock for a second, as a concurrent edpctl would.
        let holder = try holdLock(on: lockFile, seconds: 1)
        defer { holder.waitUntilExit() }
        var waits: [String] = []
        let workFolder = try WorkFolder(path: work, timeout: 30) { waits.append($0) }
        withExtendedLifetime(workFolder) {}
        #expect(waits.count == 1)
    }

    @Test func aLockFileInTheUsersOwnCloneIsRefusedNamingIt() throws {
        let clone = try Repository.clone(url: bare, to: folder.child("mine"))
        try clone.ensureNoLockFiles()
        let lock = clone.workDirectory + "/.git/index.lock"
        try write("", to: lock)
        let error = #expect(throws: GitError.self) { try clone.ensureNoLockFiles() }
        #expect(error?.description == "a git lock file is in the way: \(lock); a git process is running in "
            + "\(clone.workDirectory), or one was killed while writing there; if no git process is running there, "
            + "remove it (`rm \(lock)`) and run again")
        let branchLock = clone.workDirectory + "/.git/refs/heads/main.lock"
        try write("", to: branchLock)
        let both = #expect(throws: GitError.self) { try clone.ensureNoLockFiles() }
        #expect(both?.description.hasPrefix("git lock files are in the way: \(lock), \(branchLock); ") == true)
        #expect(both?.description.hasSuffix("remove them (`rm \(lock) \(branchLock)`) and run again") == true)
        // Refusing removes nothing.
        #expect(FileManager.default.fileExists(atPath: lock) && FileManager.default.fileExists(atPath: branchLock))
    }

    @Test func inALinkedWorktreeOnlyTheSharedLocksOfTheMainFolderCount() throws {
        let main = try Repository.clone(url: bare, to: folder.child("main"))
        try git("worktree", "add", "--quiet", "-b", "side", folder.child("side"), in: main.workDirectory)
        let side = try Repository.open(at: folder.child("side"))
        // The main checkout's own index and HEAD are not the linked worktree's business.
        try write("", to: main.workDirectory + "/.git/index.lock")
        try write("", to: main.workDirectory + "/.git/HEAD.lock")
        try side.ensureNoLockFiles()
        let shared = main.workDirectory + "/.git/packed-refs.lock"
        try write("", to: shared)
        let error = #expect(throws: GitError.self) { try side.ensureNoLockFiles() }
        #expect(error?.description.hasPrefix("a git lock file is in the way: \(shared); ") == true)
        let own = String(cString: git_repository_path(side.handle)) + "index.lock"
        try write("", to: own)
        #expect(side.lockFiles() == [shared, own].sorted())
    }
}
