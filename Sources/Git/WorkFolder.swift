import CLibgit2
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The clone that edpctl keeps of one remote between runs (`hydrate --instances-url`), which no
/// one else works in. Holding a `WorkFolder` holds its lock: an advisory `flock` on
/// `.<name>.edpctl-lock` beside it, released when the value goes away or the process ends,
/// however it ends. So runs on one folder take turns, and whatever a lock file, a temporary
/// file or an unfinished clone of this folder is found while holding it, no one is writing it:
/// it is what a killed run left, and goes.
public final class WorkFolder {
    /// As given, for messages.
    public let path: String
    private let absolutePath: String
    private let parent: String
    private let name: String
    private let lockDescriptor: Int32

    /// Takes the folder's lock, creating its parent folders and the lock file as needed. When
    /// another run holds it, says so through `waiting` and waits up to `timeout` seconds.
    public init(path: String, timeout: Double, waiting: (String) -> Void) throws {
        self.path = path
        absolutePath = URL(fileURLWithPath: path).standardizedFileURL.path
        parent = (absolutePath as NSString).deletingLastPathComponent
        name = (absolutePath as NSString).lastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw GitError.workFolderUnusable(path: path, reason: "cannot create \(parent): \(error.localizedDescription)")
        }
        let lockFile = parent + "/." + name + ".edpctl-lock"
        let descriptor = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw GitError.workFolderUnusable(path: path, reason: "cannot open \(lockFile): \(String(cString: strerror(errno)))")
        }
        lockDescriptor = descriptor
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return }
        let seconds = Int(timeout.rounded(.up))
        waiting("waiting for another run using \(path) to finish (up to \(seconds) s)")
        let deadline = Date(timeIntervalSinceNow: timeout)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = "cannot lock \(lockFile): \(String(cString: strerror(errno)))"
                close(descriptor)
                throw GitError.workFolderUnusable(path: path, reason: reason)
            }
            if Date() >= deadline {
                close(descriptor)
                throw GitError.workFolderBusy(path: path, lockFile: lockFile, seconds: seconds)
            }
            usleep(100_000)
        }
    }

    deinit {
        close(lockDescriptor)
    }

    /// Makes the folder a clone of `url` with its `branch` checked out at the remote's tip. The
    /// first time it clones into `.<name>.edpctl-clone-<pid>` beside it and renames that into
    /// place once complete, so a killed clone leaves no half-made folder where the next run looks.
    /// Later it reuses the clone only when its origin, as configured, names `url`'s repository and
    /// its own configuration rewrites no URL of it; removes what a killed run left (unfinished
    /// clones, git lock files, temporary pack and object files: `notice` names them), then
    /// fetches `branch` and checks it out, as `git fetch origin <branch> && git checkout --force
    /// -B <branch> origin/<branch>`, whichever branch it had before. Every check comes before the
    /// first change; a branch the remote lacks is `GitError.missingBranch`, before any write but
    /// the fetch's.
    ///
    /// The origin is compared as configured (`remote.origin.url`, `pushurl`), before the
    /// `url.<base>.insteadOf` rewrites of the user's git configuration, which every run applies
    /// alike (a CI job's login goes in that way); those of the folder's own `.git/config` are
    /// refused, since they would send it elsewhere than where its URL says.
    ///
    /// Returns the clone, opened, fetched and checked out: `publish` can start from it without a
    /// second fetch (`fetchingFirst: false`).
    @discardableResult
    public func update(from url: RemoteURL, branch: String, credentials: Credentials?,
                       notice: (String) -> Void) throws -> Repository {
        try removeUnfinishedClones(notice: notice)
        var status = stat()
        let exists = lstat(absolutePath, &status) == 0
        if !exists || status.st_mode & S_IFMT == S_IFDIR && isEmptyDirectory(absolutePath) {
            try cloneIntoPlace(from: url, branch: branch, credentials: credentials)
            // Opened where it now is: the new clone's handle knows only its temporary path.
            return try Repository.open(at: absolutePath, searchingParents: false)
        }
        guard status.st_mode & S_IFMT == S_IFDIR, FileManager.default.fileExists(atPath: absolutePath + "/.git") else {
            throw GitError.workFolderNotAClone(path: path)
        }
        // A `.git` that libgit2 cannot open (an older edpctl's clone killed in its first moments).
        guard let repository = try? Repository.open(at: absolutePath, searchingParents: false) else {
            throw GitError.workFolderNotAClone(path: path)
        }
        let stored = try repository.configurationValues("remote.origin.url")
        let urls = stored + (try repository.configurationValues("remote.origin.pushurl"))
        guard let last = stored.last, urls.allSatisfy({ RemoteURL($0).namesSameRepository(as: url) }) else {
            let other = urls.first { !RemoteURL($0).namesSameRepository(as: url) }
            throw GitError.workFolderOfOtherRepository(path: path, origin: other, requested: url.identity)
        }
        for rewrite in try repository.ownURLRewrites() where urls.contains(where: { $0.hasBytePrefix(rewrite.prefix) }) {
            throw GitError.workFolderRewritesOrigin(path: path, setting: rewrite.setting, prefix: rewrite.prefix)
        }
        let leftovers = repository.interruptedWork()
        for file in leftovers where unlink(file) != 0 && errno != ENOENT {
            throw GitError.workFolderUnusable(path: path, reason: "cannot remove \(file): \(String(cString: strerror(errno)))")
        }
        if !leftovers.isEmpty {
            notice("removed what an interrupted run left in \(path): "
                + leftovers.map { relative($0) }.joined(separator: ", "))
        }
        // An older run may have stored the URL with its login; only the login-free form stays.
        if stored.count > 1 || !last.hasSameBytes(as: url.location) {
            try GitError.check(git_remote_set_url(repository.handle, "origin", url.location), "git_remote_set_url")
        }
        try repository.checkOut(branch: branch, from: "origin", credentials: credentials)
        return repository
    }

    /// Keeps the folder from gathering pack files without end (every fetch and every commit adds
    /// one): past `gc.autoPackLimit` (default 50) they are consolidated into one, on a handle of
    /// its own (`Repository.consolidatePacks`). Call it last, once the run is done with the clone.
    public func consolidatePacks() throws -> PackConsolidation? {
        try Repository.open(at: absolutePath, searchingParents: false).consolidatePacks()
    }

    /// `.<name>.edpctl-clone-<pid>`: a process's clone in the making.
    private var clonePrefix: String { "." + name + ".edpctl-clone-" }

    /// Removes every unfinished clone beside the folder: with the lock held, none is in the making.
    private func removeUnfinishedClones(notice: (String) -> Void) throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for entry in entries.sorted() where entry.hasBytePrefix(clonePrefix) {
            let pid = entry.utf8.dropFirst(clonePrefix.utf8.count)
            guard !pid.isEmpty && pid.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { continue }
            do {
                try FileManager.default.removeItem(atPath: parent + "/" + entry)
            } catch {
                throw GitError.workFolderUnusable(path: path, reason: "cannot remove the unfinished clone \(entry): "
                    + error.localizedDescription)
            }
            notice("removed \(entry), the unfinished clone of an interrupted run, beside \(path)")
        }
    }

    /// `git clone --branch <branch>`, made of its steps so that its reflog entries name the URL as
    /// given, without userinfo: git_clone names the URL it talked to, after the user's
    /// `insteadOf` rewrites, which may have put a token in it.
    private func cloneIntoPlace(from url: RemoteURL, branch: String, credentials: Credentials?) throws {
        let temporary = parent + "/" + clonePrefix + String(getpid())
        do {
            let repository = try Repository.create(at: temporary, initialBranch: branch)
            var remote: OpaquePointer?
            try GitError.check(git_remote_create(&remote, repository.handle, "origin", url.location), "git_remote_create")
            git_remote_free(remote)
            try repository.checkOut(branch: branch, from: "origin", credentials: credentials,
                                    reflogMessage: "clone: from " + Redaction.removingUserinfo(from: url.location))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        // rename(2) replaces an empty folder, and is atomic: the folder is a complete clone or absent.
        if rename(temporary, absolutePath) != 0 {
            let reason = "cannot move the new clone into place: \(String(cString: strerror(errno)))"
            try? FileManager.default.removeItem(atPath: temporary)
            throw GitError.workFolderUnusable(path: path, reason: reason)
        }
    }

    private func isEmptyDirectory(_ path: String) -> Bool {
        (try? FileManager.default.contentsOfDirectory(atPath: path).isEmpty) ?? false
    }

    /// `file` relative to the folder (`.git/index.lock`).
    private func relative(_ file: String) -> String {
        file.hasBytePrefix(absolutePath + "/") ? String(decoding: file.utf8.dropFirst(absolutePath.utf8.count + 1), as: UTF8.self) : file
    }
}

extension Repository {
    /// Makes a new, empty repository with a working tree at `path` (created with its parents),
    /// HEAD on the unborn `initialBranch`.
    static func create(at path: String, initialBranch: String) throws -> Repository {
        try LibGit2.initialize()
        var options = git_repository_init_options()
        try GitError.check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)),
                           "git_repository_init_options_init")
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
        var handle: OpaquePointer?
        try initialBranch.withCString { branch in
            options.initial_head = branch
            try GitError.check(git_repository_init_ext(&handle, path, &options), "git_repository_init_ext")
        }
        guard let handle else { throw GitError.notARepository(path) }
        return try Repository(handle: handle)
    }

    /// Every value of the configuration variable `name` (`remote.origin.url`), from every level,
    /// as written: before libgit2 applies any `insteadOf`.
    func configurationValues(_ name: String) throws -> [String] {
        try configurationEntries { git_config_multivar_iterator_new(&$0, $1, name, nil) }.map(\.value)
    }

    /// The `url.<base>.insteadOf` and `url.<base>.pushInsteadOf` settings of the repository's own
    /// configuration (`.git/config` and what it includes), as `setting` (`url.<base>.insteadOf`,
    /// userinfo dropped from the base) and the `prefix` of URLs they replace.
    func ownURLRewrites() throws -> [(setting: String, prefix: String)] {
        let entries = try configurationEntries { git_config_iterator_glob_new(&$0, $1, #"^url\..*\.(push)?insteadof$"#) }
        return entries.filter { $0.level >= GIT_CONFIG_LEVEL_LOCAL.rawValue }.map { entry in
            let push = entry.name.hasSuffix(".pushinsteadof")
            let base = entry.name.dropFirst("url.".count).dropLast(push ? ".pushinsteadof".count : ".insteadof".count)
            return ("url.\(Redaction.removingUserinfo(from: String(base))).\(push ? "pushInsteadOf" : "insteadOf")",
                    entry.value)
        }
    }

    /// The entries an iterator made by `makeIterator` (given the repository's configuration) yields.
    private func configurationEntries(
        _ makeIterator: (inout OpaquePointer?, OpaquePointer?) -> Int32
    ) throws -> [(name: String, value: String, level: Int32)] {
        var configuration: OpaquePointer?
        try GitError.check(git_repository_config_snapshot(&configuration, handle), "git_repository_config_snapshot")
        defer { git_config_free(configuration) }
        var iterator: OpaquePointer?
        try GitError.check(makeIterator(&iterator, configuration), "git_config_iterator")
        defer { git_config_iterator_free(iterator) }
        var entries: [(name: String, value: String, level: Int32)] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while true {
            let code = git_config_next(&entry, iterator)
            if code == GIT_ITEROVER.rawValue { return entries }
            try GitError.check(code, "git_config_next")
            guard let entry else { continue }
            entries.append((String(cString: entry.pointee.name), entry.pointee.value.map { String(cString: $0) } ?? "",
                            entry.pointee.level.rawValue))
        }
    }

    /// Refuses to go on while a git lock file is in the repository: another git process is writing
    /// there, or one was killed while writing and the lock stays until someone removes it. Run
    /// before the working tree is touched, so a refusal leaves everything as it was.
    public func ensureNoLockFiles() throws {
        let locks = lockFiles()
        if !locks.isEmpty { throw GitError.lockFilesInTheWay(paths: locks, workDirectory: workDirectory) }
    }

    /// The lock files git and libgit2 take while writing: `index.lock`, `HEAD.lock`, `config.lock`,
    /// `packed-refs.lock` and the like at the top of the git folder, any `*.lock` below `refs/` and
    /// `logs/`, and those of `objects/info/` and `objects/pack/`. In a linked worktree, of the main
    /// folder only what is shared (configuration, references, objects), not its own index or HEAD.
    /// Sorted absolute paths.
    func lockFiles() -> [String] {
        let directories = gitDirectories
        var locks = files(in: directories[0], recursive: false).filter { $0.hasSuffix(".lock") }
        for (position, directory) in directories.enumerated() {
            if position > 0 {
                locks += ["config.lock", "packed-refs.lock"].map { directory + $0 }
                    .filter { FileManager.default.fileExists(atPath: $0) }
            }
            for folder in ["refs", position == 0 ? "logs" : "logs/refs"] {
                locks += files(in: directory + folder, recursive: true).filter { $0.hasSuffix(".lock") }
            }
            for folder in ["objects/info", "objects/pack"] {
                locks += files(in: directory + folder, recursive: false).filter { $0.hasSuffix(".lock") }
            }
        }
        return Array(Set(locks)).sorted()
    }

    /// What a killed git or libgit2 leaves besides lock files: temporary pack files
    /// (`objects/pack/pack_git2_*`, git's `tmp_pack_*`, `tmp_idx_*` and the like), a pack without
    /// its index or an index without its pack (killed between the two renames), and temporary
    /// loose objects (`objects/tmp_object_git2_*`, git's `objects/xx/tmp_obj_*`). With the lock
    /// files, every one of them is safe to delete when no one else writes in the repository.
    func interruptedWork() -> [String] {
        var leftovers = lockFiles()
        for directory in gitDirectories {
            let objects = directory + "objects"
            leftovers += files(in: objects, recursive: false).filter { ($0 as NSString).lastPathComponent.hasPrefix("tmp_") }
            for fanout in (try? FileManager.default.contentsOfDirectory(atPath: objects)) ?? []
            where fanout.count == 2 && fanout.allSatisfy(\.isHexDigit) {
                leftovers += files(in: objects + "/" + fanout, recursive: false)
                    .filter { ($0 as NSString).lastPathComponent.hasPrefix("tmp_obj_") }
            }
            let packFiles = files(in: objects + "/pack", recursive: false)
            let names = Set(packFiles.map { ($0 as NSString).lastPathComponent })
            for file in packFiles {
                let name = (file as NSString).lastPathComponent
                if name.hasPrefix("pack_git2_") || name.hasPrefix("tmp_") {
                    leftovers.append(file)
                } else if name.hasPrefix("pack-"), name.hasSuffix(".pack") || name.hasSuffix(".idx") {
                    let base = (name as NSString).deletingPathExtension
                    if !names.contains(base + ".pack") || !names.contains(base + ".idx") { leftovers.append(file) }
                }
            }
        }
        return Array(Set(leftovers)).sorted()
    }

    /// The regular files in `directory` (and below it when `recursive`), as absolute paths; none
    /// when it does not exist. Links are not followed.
    private func files(in directory: String, recursive: Bool) -> [String] {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let entries = recursive ? (FileManager.default.subpaths(atPath: base) ?? [])
            : ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
        return entries.map { base + "/" + $0 }.filter { path in
            var status = stat()
            return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
        }
    }
}
