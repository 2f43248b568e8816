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

/// The contents of an instance folder: every entry that is not a directory (by relative path) and
/// every directory below the root. Directories are entered only when they are real directories.
/// Temporary files of `writeFileAtomically` are no content: those of killed runs are listed apart,
/// to be removed, and those of running ones are left alone.
struct InstanceContents {
    var entries: [String: InstanceEntryKind] = [:]
    var directories: [String] = []
    var leftoverTemporaryFiles: [String] = []

    init() {}

    init(scanning root: String) throws {
        var pending = [""]
        while let directory = pending.popLast() {
            let absolute = directory.isEmpty ? root : root + "/" + directory
            guard let handle = opendir(absolute) else { throw FileError("open", absolute, errno: errno) }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                let path = directory.isEmpty ? name : directory + "/" + name
                guard let kind = try instanceEntryKind(absolute + "/" + name) else { continue }
                if kind == .file, TemporaryFileName.process(of: name) != nil {
                    if TemporaryFileName.isLeftover(name) { leftoverTemporaryFiles.append(path) }
                } else if kind == .directory {
                    directories.append(path)
                    pending.append(path)
                } else {
                    entries[path] = kind
                }
            }
        }
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
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { throw FileError("readlink", path, errno: errno) }
    return buffer[..<count].map { UInt8(bitPattern: $0) }
}
