import CLibgit2
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `consolidatePacks` did: `packs` pack files replaced by one, in `seconds`.
public struct PackConsolidation: Sendable, Equatable {
    public let packs: Int
    public let objects: Int
    public let seconds: Double
}

extension Repository {
    /// git's `gc.autoPackLimit` default: past this many pack files, `git gc --auto` repacks.
    public static let defaultPackLimit = 50

    /// The pack files of `objects/pack` that a repack may replace: each `pack-*.pack` with its
    /// `.idx`, not kept by a `.keep` file; as paths without the extension, sorted.
    func packs() throws -> [String] {
        let folder = try objectsFolder() + "/pack"
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        return names.filter { $0.hasPrefix("pack-") && $0.hasSuffix(".pack") }
            .map { String($0.dropLast(".pack".count)) }
            .filter { names.contains($0 + ".idx") && !names.contains($0 + ".keep") }
            .sorted().map { folder + "/" + $0 }
    }

    /// As `git gc --auto` does for packs: when there are more than `gc.autoPackLimit` (default
    /// `defaultPackLimit`; 0 or less: never), writes every object of the repository into one new
    /// pack with libgit2's packbuilder, then removes the packs it replaces. Nil when under the limit.
    ///
    /// Every object is kept, reachable or not, so nothing a reflog or an interrupted run still
    /// names is lost. The order of writes keeps the repository whole however the process ends:
    /// the new pack and its index are complete and in place (libgit2 renames each from a
    /// temporary file) before anything is removed; then each old index goes before its pack, so
    /// a pack is never listed without its data. What a killed run leaves, a temporary file or a
    /// pack without its index, is what `interruptedWork()` lists for removal.
    ///
    /// Call it on a handle of its own, as the last thing done with the repository: other handles
    /// may still map the removed packs.
    public func consolidatePacks() throws -> PackConsolidation? {
        let limit = try configuredPackLimit()
        let old = try packs()
        guard limit > 0, old.count > limit else { return nil }
        let start = Date()
        var builder: OpaquePointer?
        try GitError.check(git_packbuilder_new(&builder, handle), "git_packbuilder_new")
        defer { git_packbuilder_free(builder) }
        // 0: one thread per processor for the delta search, which is most of the time taken.
        git_packbuilder_set_threads(builder, 0)
        // The commits of every reference and their trees first: the paths name the blobs, which
        // groups alike files for deltas. Only an aid, since every object follows: a reference the
        // walk cannot take (one naming a blob) just leaves its objects to the second pass.
        var walk: OpaquePointer?
        try GitError.check(git_revwalk_new(&walk, handle), "git_revwalk_new")
        defer { git_revwalk_free(walk) }
        if git_revwalk_push_glob(walk, "*") == 0 { _ = git_packbuilder_insert_walk(builder, walk) }
        for var id in try allObjectIDs() {
            try GitError.check(git_packbuilder_insert(builder, &id, nil), "git_packbuilder_insert")
        }
        let folder = try objectsFolder() + "/pack"
        try GitError.check(git_packbuilder_write(builder, folder, 0, nil, nil), "git_packbuilder_write")
        guard let name = git_packbuilder_name(builder) else {
            throw GitError.lastError(call: "git_packbuilder_name", code: -1)
        }
        let new = folder + "/pack-" + String(cString: name)
        // An index that lists the old packs would name missing files; git and libgit2 do without one.
        try remove(folder + "/multi-pack-index")
        for pack in old where pack != new {
            for suffix in [".idx", ".pack", ".rev", ".bitmap"] { try remove(pack + suffix) }
        }
        return PackConsolidation(packs: old.count, objects: git_packbuilder_object_count(builder),
                                 seconds: Date().timeIntervalSince(start))
    }

    /// `gc.autoPackLimit` of the repository's configuration, or `defaultPackLimit`.
    private func configuredPackLimit() throws -> Int {
        var configuration: OpaquePointer?
        try GitError.check(git_repository_config_snapshot(&configuration, handle), "git_repository_config_snapshot")
        defer { git_config_free(configuration) }
        var limit: Int32 = 0
        let code = git_config_get_int32(&limit, configuration, "gc.autoPackLimit")
        if code == GIT_ENOTFOUND.rawValue { return Self.defaultPackLimit }
        try GitError.check(code, "git_config_get_int32")
        return Int(limit)
    }

    /// The id of every object in the object database, loose or packed.
    private func allObjectIDs() throws -> [git_oid] {
        var database: OpaquePointer?
        try GitError.check(git_repository_odb(&database, handle), "git_repository_odb")
        defer { git_odb_free(database) }
        var ids: [git_oid] = []
        try withUnsafeMutablePointer(to: &ids) { ids in
            try GitError.check(git_odb_foreach(database, { id, payload in
                guard let id, let payload else { return -1 }
                payload.assumingMemoryBound(to: [git_oid].self).pointee.append(id.pointee)
                return 0
            }, ids), "git_odb_foreach")
        }
        return ids
    }

    private func objectsFolder() throws -> String {
        var path = git_buf()
        defer { git_buf_dispose(&path) }
        try GitError.check(git_repository_item_path(&path, handle, GIT_REPOSITORY_ITEM_OBJECTS), "git_repository_item_path")
        let folder = String(cString: path.ptr)
        return folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    }

    private func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw GitError.workFolderUnusable(path: workDirectory, reason: "cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }
}
