import CLibgit2

/// New objects gathered in memory and written into the repository as one pack file.
///
/// Staging and committing 50 hydrated domains writes about 2,600 objects. As loose objects each
/// costs a file, a folder check and a rescan of the pack folder (libgit2 refreshes its pack list
/// after every miss), and the push then opens every one of them several times. Held in memory and
/// written as one pack, they cost one file and are read back through one mapping.
///
/// The objects go to a store of their own: an object database with libgit2's in-memory backend
/// over the repository's objects (read-only), opened as a repository without a working tree. So
/// nothing else written through `Repository` can end up in memory and be lost, and until `flush`
/// no file, index or reference of the repository names an object that is only in memory.
final class ObjectPack {
    let repository: Repository
    /// The store's own repository: objects are read from the repository's and written to memory.
    let store: OpaquePointer
    private let database: OpaquePointer
    /// Owned by `database`, which frees it.
    private let memory: UnsafeMutablePointer<git_odb_backend>
    private var pending = 0

    init(for repository: Repository) throws {
        var database: OpaquePointer?
        try GitError.check(git_odb_new(&database), "git_odb_new")
        guard let database else { throw GitError.lastError(call: "git_odb_new", code: -1) }
        do {
            var memory: UnsafeMutablePointer<git_odb_backend>?
            try GitError.check(git_mempack_new(&memory), "git_mempack_new")
            guard let memory else { throw GitError.lastError(call: "git_mempack_new", code: -1) }
            let added = git_odb_add_backend(database, memory, 999)
            if added < 0 {
                // Until it is added the backend is ours to free; from then on the database frees it.
                memory.pointee.free?(memory)
                try GitError.check(added, "git_odb_add_backend")
            }
            var objects = git_buf()
            defer { git_buf_dispose(&objects) }
            try GitError.check(git_repository_item_path(&objects, repository.handle, GIT_REPOSITORY_ITEM_OBJECTS),
                               "git_repository_item_path")
            // An alternate is read from and never written to; its own alternates come along.
            try GitError.check(git_odb_add_disk_alternate(database, objects.ptr), "git_odb_add_disk_alternate")
            var store: OpaquePointer?
            try GitError.check(git_repository_wrap_odb(&store, database), "git_repository_wrap_odb")
            guard let store else { throw GitError.lastError(call: "git_repository_wrap_odb", code: -1) }
            self.store = store
            self.memory = memory
        } catch {
            git_odb_free(database)
            throw error
        }
        self.database = database
        self.repository = repository
    }

    deinit {
        git_repository_free(store)
        git_odb_free(database)
    }

    /// The repository's index file, opened for the store, so that entries may name blobs that are
    /// still in memory (libgit2 checks that an added entry's blob exists). Writing it writes the
    /// repository's index file.
    func openIndex() throws -> Index {
        var path = git_buf()
        defer { git_buf_dispose(&path) }
        try GitError.check(git_repository_item_path(&path, repository.handle, GIT_REPOSITORY_ITEM_INDEX),
                           "git_repository_item_path")
        var handle: OpaquePointer?
        try GitError.check(git_index_open(&handle, path.ptr), "git_index_open")
        guard let handle else { throw GitError.lastError(call: "git_index_open", code: -1) }
        let index = Index(handle: handle, pack: self)
        try GitError.check(git_repository_set_index(store, handle), "git_repository_set_index")
        return index
    }

    /// Keeps `bytes` as a blob unless the repository has it already; its id either way.
    func writeBlob(_ bytes: [UInt8]) throws -> git_oid {
        var id = git_oid()
        try bytes.withUnsafeBytes { bytes in
            try GitError.check(git_odb_hash(&id, bytes.baseAddress, bytes.count, GIT_OBJECT_BLOB), "git_odb_hash")
            // Without a refresh a pack that appeared meanwhile may be missed: then the blob is simply
            // written twice, which git allows. A refresh per miss is what makes loose writes slow.
            if git_odb_exists_ext(database, &id, UInt32(GIT_ODB_LOOKUP_NO_REFRESH.rawValue)) != 0 { return }
            guard let write = memory.pointee.write else {
                throw GitError.libgit2(call: "git_mempack_new", code: -1, message: "the in-memory backend cannot write")
            }
            try GitError.check(write(memory, &id, bytes.baseAddress, bytes.count, GIT_OBJECT_BLOB), "git_odb_write")
            pending += 1
        }
        return id
    }

    /// Records that objects were written through `store` (the trees and the commit of a new commit),
    /// so `flush` has something to write.
    func markWritten() {
        pending += 1
    }

    /// Writes what memory holds into the repository as one pack file (with its index) and empties
    /// memory. Call it before anything of the repository's names the objects.
    func flush() throws {
        guard pending > 0 else { return }
        var pack = git_buf()
        defer { git_buf_dispose(&pack) }
        try GitError.check(git_mempack_dump(&pack, store, memory), "git_mempack_dump")
        var target: OpaquePointer?
        try GitError.check(git_repository_odb(&target, repository.handle), "git_repository_odb")
        defer { git_odb_free(target) }
        var writer: UnsafeMutablePointer<git_odb_writepack>?
        try GitError.check(git_odb_write_pack(&writer, target, nil, nil), "git_odb_write_pack")
        guard let writer else { throw GitError.lastError(call: "git_odb_write_pack", code: -1) }
        defer { writer.pointee.free(writer) }
        var progress = git_indexer_progress()
        try GitError.check(writer.pointee.append(writer, pack.ptr, pack.size, &progress), "git_odb_writepack append")
        try GitError.check(writer.pointee.commit(writer, &progress), "git_odb_writepack commit")
        try GitError.check(git_mempack_reset(memory), "git_mempack_reset")
        pending = 0
    }
}
