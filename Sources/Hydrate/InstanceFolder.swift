import Template
import Gomplate
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The instance folder is the one place hydration writes and deletes. Everything here uses lstat
// and never follows a symbolic link, so a link planted in the folder (or in place of it) cannot
// lead a write or a removal anywhere else.

enum InstanceEntryKind: Sendable, Equatable {
    case file, directory, symbolicLink, other
}

/// What is at `path` itself (a link is a link, wherever it points), or nil when nothing is.
func instanceEntryKind(_ path: String) throws -> InstanceEntryKind? {
    var status = stat()
    guard lstat(path, &status) == 0 else {
        if errno == ENOENT { return nil }
        throw FileError("lstat", path, errno: errno)
    }
    switch status.st_mode & S_IFMT {
    case S_IFREG: return .file
    case S_IFDIR: return .directory
    case S_IFLNK: return .symbolicLink
    default: return .other
    }
}

/// An entry of the instance folder that is not a directory, as the scan found it.
struct InstanceEntry {
    let kind: InstanceEntryKind
    /// Reading it later refuses any other file found at its path.
    let identity: FileIdentity
}

/// The contents of an instance folder: every entry that is not a directory (by relative path) and
/// every directory below the root, all in `FileName`'s spelling, so that a name that is not
/// UTF-8 is still removed by its bytes, and keyed by bytes, so that `café.yaml` in NFD is not taken
/// for the NFC one a template produces. The scan follows no link (`walkTree`), not even in place
/// of the folder itself. Temporary files of `writeFileAtomically` are no content: those of
/// killed runs are listed apart, to be removed, and those of running ones are left alone.
struct InstanceContents {
    var entries: [PathKey: InstanceEntry] = [:]
    var directories: [String] = []
    var leftoverTemporaryFiles: [String] = []

    init() {}

    init(scanning root: String) throws {
        try walkTree(root, rootMayBeLink: false) { path, status in
            let kind: InstanceEntryKind
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                directories.append(path)
                return true
            case S_IFREG: kind = .file
            case S_IFLNK: kind = .symbolicLink
            default: kind = .other
            }
            let name = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[path.index(after: $0)...]) } ?? path
            if kind == .file, TemporaryFileName.process(of: name) != nil {
                if TemporaryFileName.isLeftover(name) { leftoverTemporaryFiles.append(path) }
            } else {
                entries[PathKey(path)] = InstanceEntry(kind: kind, identity: FileIdentity(status))
            }
            return false
        }
    }

    /// What is in the entry at `path` now, for comparison and the diff: a file's bytes (read from the
    /// file scanned and no other, never through a link), a link's target as git shows it, nil for
    /// anything else.
    func contents(of entry: InstanceEntry, at path: String) throws -> [UInt8]? {
        switch entry.kind {
        case .file:
            return try readFileBytesAndMode(path, identity: entry.identity, shownAs: FileName.display(path)).bytes
        case .symbolicLink:
            return try symbolicLinkTarget(path)
        case .directory, .other:
            return nil
        }
    }

    /// The entries no file of `produced` (relative paths) is at, by path, and the folders left
    /// with nothing produced in them, deepest first.
    func leftovers(besides produced: [String]) -> (entries: [(path: String, entry: InstanceEntry)], directories: [String]) {
        let producedKeys = Set(produced.map(PathKey.init))
        let entries = self.entries.filter { !producedKeys.contains($0.key) }.map { (path: $0.key.path, entry: $0.value) }
            .sorted { FileName.less($0.path, $1.path) }
        var kept: Set<PathKey> = []
        for path in produced {
            var folder = Substring(path)
            while let slash = folder.utf8.lastIndex(of: UInt8(ascii: "/")) {
                folder = folder[..<slash]
                kept.insert(PathKey(String(folder)))
            }
        }
        let directories = self.directories.filter { !kept.contains(PathKey($0)) }.sorted { a, b in
            let (depthA, depthB) = (a.utf8.count(where: { $0 == UInt8(ascii: "/") }), b.utf8.count(where: { $0 == UInt8(ascii: "/") }))
            return depthA != depthB ? depthA > depthB : FileName.less(a, b)
        }
        return (entries, directories)
    }
}

/// Creates `relative`'s folders below `root` one by one. An existing component must be a real
/// directory: a link or a file there is an error, never followed or replaced.
func makeInstanceDirectories(root: String, relative: String) throws {
    var path = root
    for component in relative.split(separator: "/") {
        path += "/" + component
        switch try instanceEntryKind(path) {
        case .directory?:
            continue
        case nil:
            if mkdir(path, 0o755) != 0 && errno != EEXIST { throw FileError("mkdir", path, errno: errno) }
        case .symbolicLink?:
            throw FileError("refusing to write through the symbolic link \(path)")
        case .file?, .other?:
            throw FileError("mkdir", path, errno: ENOTDIR)
        }
    }
}

/// What a link points at, as git shows a link's content.
func symbolicLinkTarget(_ path: String) throws -> [UInt8] {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = FileName.withCString(path) { readlink($0, &buffer, buffer.count - 1) }
    guard count >= 0 else { throw FileError("readlink", FileName.display(path), errno: errno) }
    return buffer[..<count].map { UInt8(bitPattern: $0) }
}
