import CLibgit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that the caller has just written into the working tree, with the bytes it wrote, so
/// staging it needs neither a walk of the working tree nor a read of the file.
public struct WorkTreeFile: Sendable, Equatable {
    /// Relative to the working tree's root, with `/` between components.
    public let path: String
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

extension Repository {
    /// Stages `files` as the whole of `folders` and commits the index on top of HEAD, writing the new
    /// objects as one pack file (`ObjectPack`). Returns nil, and makes no commit, when the index then
    /// holds HEAD's tree. See `stage` for what is staged.
    func commit(_ files: [WorkTreeFile], replacingEntriesUnder folders: [String], message: String, author: Signature,
                committer: Signature?) throws -> Commit? {
        let index = try ObjectPack(for: self).openIndex()
        try stage(files, replacingEntriesUnder: folders, in: index)
        return try commit(index, message: message, author: author, committer: committer)
    }

    /// Makes `index`'s entries under `folders` exactly `files` ("" or no folders: the whole tree):
    /// entries of other paths under them are removed, and each file is added with its bytes and the
    /// mode and stat data of what is on disk. When `files` is everything the working tree holds
    /// under the folders, that is `git add -A -f -- folders` without reading the folders back. The
    /// index is changed in memory only.
    ///
    /// `git_index_add_all` walks the folders and looks up `.gitattributes` for every file (dozens
    /// of stats, and a readlink per path component for its real path), which made staging 50
    /// hydrated domains take longer than rendering them. Here the blob comes from the bytes in
    /// memory whenever libgit2's to-repository filters provably leave them alone: `crlf` changes
    /// only bytes with a CR and `ident` only bytes with `$Id`, and libgit2 runs no other filter
    /// unless a program registers one (edpctl does not). A file with either, or whose size on disk
    /// is not `bytes.count`, is staged from disk through libgit2's filters, as a loose object
    /// written before the index names it. (`core.safecrlf`, which only warns about or refuses files
    /// whose line endings a checkout would change, is not consulted for bytes staged from memory.)
    /// Files are staged even where a `.gitignore` matches them: the caller says they belong in the
    /// commit.
    func stage(_ files: [WorkTreeFile], replacingEntriesUnder folders: [String], in index: Index) throws {
        // Paths are compared as bytes: Swift's String equality would take a leftover `café` spelt
        // in NFD for the NFC one produced, and a name that is not UTF-8 would not survive a String.
        let wanted = Set(files.map { Array($0.path.utf8) })
        for path in Set(try Self.entryPaths(of: index, under: folders)) where !wanted.contains(path) {
            let code = (path + [0]).withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { git_index_remove_bypath(index.handle, $0.baseAddress) }
            }
            try GitError.check(code, "git_index_remove_bypath")
        }

        let trustsFileMode = try configurationFlag("core.filemode", default: true)
        for file in files {
            var status = stat()
            let onDisk = workDirectory + "/" + file.path
            guard lstat(onDisk, &status) == 0 else {
                throw GitError.libgit2(call: "lstat", code: -1,
                                       message: "cannot stage \(file.path): \(String(cString: strerror(errno)))")
            }
            var entry = git_index_entry()
            let isRegularFile = status.st_mode & S_IFMT == S_IFREG
            if isRegularFile && Int(status.st_size) == file.bytes.count && Self.passesFiltersUnchanged(file.bytes) {
                entry.id = try index.pack.writeBlob(file.bytes)
            } else {
                try GitError.check(git_blob_create_from_workdir(&entry.id, handle, file.path),
                                   "git_blob_create_from_workdir")
            }
            if status.st_mode & S_IFMT == S_IFLNK {
                entry.mode = 0o120000
            } else if !trustsFileMode, let existing = git_index_get_bypath(index.handle, file.path, 0) {
                // With core.filemode off git keeps the index's mode: the disk's is not to be trusted.
                entry.mode = existing.pointee.mode
            } else {
                entry.mode = status.st_mode & S_IXUSR != 0 ? 0o100755 : 0o100644
            }
            Self.copyStatData(status, into: &entry)
            try file.path.withCString { path in
                entry.path = path
                try GitError.check(git_index_add(index.handle, &entry), "git_index_add")
            }
        }
    }

    /// The paths of `index`'s entries under `folders` ("" or no folders: all of them), as the bytes
    /// git stores. Entries are sorted by path, so a folder's are one run, found by a binary search:
    /// an instances repository's index may hold every environment's files.
    static func entryPaths(of index: Index, under folders: [String]) throws -> [[UInt8]] {
        func pathBytes(_ entry: UnsafePointer<git_index_entry>) -> [UInt8] {
            Array(UnsafeRawBufferPointer(start: entry.pointee.path, count: strlen(entry.pointee.path)))
        }
        let named = folders.filter { !$0.isEmpty && $0 != "." }.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        if folders.isEmpty || named.count < folders.count {
            return (0..<git_index_entrycount(index.handle)).compactMap { position in
                git_index_get_byindex(index.handle, position).map(pathBytes)
            }
        }
        var paths: [[UInt8]] = []
        for folder in Set(named) {
            // A file where the folder would be is under it too, as for `git add -A -- folder`.
            if let entry = git_index_get_bypath(index.handle, folder, 0) { paths.append(pathBytes(entry)) }
            let prefix = Array((folder + "/").utf8)
            var position = 0
            let found = git_index_find_prefix(&position, index.handle, folder + "/")
            if found == GIT_ENOTFOUND.rawValue { continue }
            try GitError.check(found, "git_index_find_prefix")
            while let entry = git_index_get_byindex(index.handle, position) {
                let path = pathBytes(entry)
                guard path.starts(with: prefix) else { break }
                paths.append(path)
                position += 1
            }
        }
        return paths
    }

    /// Whether libgit2's built-in filters return `bytes` as they are when storing them (see `stage`).
    /// One pass over the bytes: it runs for every staged file (a generic subsequence search here
    /// cost 0.2 s for 50 domains).
    static func passesFiltersUnchanged(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            for index in buffer.indices {
                switch buffer[index] {
                case UInt8(ascii: "\r"):
                    return false
                case UInt8(ascii: "$") where index + 2 < buffer.count && buffer[index + 1] == UInt8(ascii: "I")
                    && buffer[index + 2] == UInt8(ascii: "d"):
                    return false
                default:
                    continue
                }
            }
            return true
        }
    }

    /// The stat fields git keeps per entry, so `git status` later trusts them instead of hashing.
    private static func copyStatData(_ status: stat, into entry: inout git_index_entry) {
        entry.ctime = git_index_time(seconds: Int32(truncatingIfNeeded: status.st_ctim.tv_sec),
                                     nanoseconds: UInt32(truncatingIfNeeded: status.st_ctim.tv_nsec))
        entry.mtime = git_index_time(seconds: Int32(truncatingIfNeeded: status.st_mtim.tv_sec),
                                     nanoseconds: UInt32(truncatingIfNeeded: status.st_mtim.tv_nsec))
        entry.dev = UInt32(truncatingIfNeeded: status.st_dev)
        entry.ino = UInt32(truncatingIfNeeded: status.st_ino)
        entry.uid = UInt32(truncatingIfNeeded: status.st_uid)
        entry.gid = UInt32(truncatingIfNeeded: status.st_gid)
        entry.file_size = UInt32(truncatingIfNeeded: status.st_size)
    }

    /// A boolean of the repository's configuration (all levels), or `fallback` when it is not set.
    func configurationFlag(_ name: String, default fallback: Bool) throws -> Bool {
        var configuration: OpaquePointer?
        try GitError.check(git_repository_config_snapshot(&configuration, handle), "git_repository_config_snapshot")
        defer { git_config_free(configuration) }
        var value: Int32 = 0
        let code = git_config_get_bool(&value, configuration, name)
        if code == GIT_ENOTFOUND.rawValue { return fallback }
        try GitError.check(code, "git_config_get_bool")
        return value != 0
    }
}
