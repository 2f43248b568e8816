import Foundation
import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Thin POSIX helpers for rendering trees: FileManager stats and allocates more per file than a
// render of thousands of small files can afford, and hides errno, which error messages need.

/// An I/O failure, worded as Go words it (`open a.yaml: no such file or directory`).
public struct FileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    package init(_ operation: String, _ path: String, errno code: Int32) {
        self.description = "\(operation) \(path): \(describeErrno(code))"
    }
}

/// strerror in Go's spelling: lower-case first letter.
func describeErrno(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let first = text.first else { return text }
    return first.lowercased() + text.dropFirst()
}

package func joinPath(_ directory: String, _ name: String) -> String {
    if name.hasPrefix("/") || directory.isEmpty || directory == "." { return name }
    return directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

/// The folder `path` is in: `.` for a bare name, `/` for a name at the root.
func parentFolder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// Go's `path.Clean` for the `/`-separated paths used here.
package func cleanPath(_ path: String) -> String {
    if path.isEmpty { return "." }
    let cleaned = SourceURL.removingDotSegments(path)
    var out = cleaned.count > 1 && cleaned.hasSuffix("/") ? String(cleaned.dropLast()) : cleaned
    if out.isEmpty { out = path.hasPrefix("/") ? "/" : "." }
    return out
}

/// Whether `path` is `directory` or below it; both absolute and clean.
package func isPath(_ path: String, inside directory: String) -> Bool {
    path == directory || path.hasPrefix(directory == "/" ? "/" : directory + "/")
}

/// The real path of an existing file or directory: absolute, every link resolved (realpath(3)).
package func realPath(_ path: String) throws -> String {
    guard let resolved = FileName.withCString(path.isEmpty ? "." : path, { realpath($0, nil) }) else {
        throw FileError("realpath", FileName.display(path), errno: errno)
    }
    defer { free(resolved) }
    return FileName.decode(resolved)
}

/// Where `path` leads once every link of its existing part is resolved, the part that does not
/// exist yet appended as it would be created (by `makeDirectories`). `..` is taken after the links
/// before it, as the kernel takes it.
package func realPathCreating(_ path: String) throws -> String {
    var resolved = try realPath(path.hasPrefix("/") ? "/" : ".")
    for component in path.split(separator: "/") {
        resolved = try realPathAppending(resolved, component)
    }
    return resolved
}

/// `base`, a real path (no link in it), followed by one more component, as `realPathCreating`
/// resolves it: only a component that is a link needs resolving (a realpath per component would
/// read every link of the path again for each).
func realPathAppending(_ base: String, _ component: Substring) throws -> String {
    if component.isEmpty || component == "." { return base }
    if component == ".." { return GoPath.dir(base) }
    let candidate = base == "/" ? "/" + component : base + "/" + component
    var status = stat()
    let isLink = lstat(candidate, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK
    return isLink ? try realPath(candidate) : candidate
}

package enum DirectoryEntryKind { case file, directory, other }

package struct DirectoryEntry {
    package let name: String
    package let kind: DirectoryEntryKind
    /// A link (to a file, for `.file`): where it leads is for the caller to check.
    package var isSymbolicLink = false
}

/// Calls `body` with the name (NUL-terminated, as readdir gives it) and the type (`d_type`) of
/// each entry of the open directory `handle` but `.` and `..`. Every directory listing reads
/// through here; each caller decodes the name as it needs it (`FileName.decode` keeps its bytes).
private func forEachEntry(of handle: OpaquePointer, _ body: (UnsafePointer<CChar>, Int32) throws -> Void) throws {
    while let entry = readdir(handle) {
        try withUnsafePointer(to: &entry.pointee.d_name) { field in
            try field.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { name in
                if strcmp(name, ".") == 0 || strcmp(name, "..") == 0 { return }
                try body(name, Int32(entry.pointee.d_type))
            }
        }
    }
}

/// `forEachEntry` of the directory at `path`; `open <shownAs>: …` when it can't be opened.
package func forEachEntry(inDirectory path: String, shownAs name: String? = nil,
                          _ body: (UnsafePointer<CChar>, Int32) throws -> Void) throws {
    guard let handle = opendir(path) else { throw FileError("open", name ?? path, errno: errno) }
    defer { closedir(handle) }
    try forEachEntry(of: handle, body)
}

/// The entries of a directory, without `.` and `..`. A symbolic link to a file counts as a file; a
/// link to a directory is not followed (as in gomplate's walk, and so that links cannot loop).
package func listDirectory(_ path: String) throws -> [DirectoryEntry] {
    var entries: [DirectoryEntry] = []
    try forEachEntry(inDirectory: path) { cName, type in
        let name = String(cString: cName)
        let kind: DirectoryEntryKind
        var isLink = false
        switch type {
        case Int32(DT_REG): kind = .file
        case Int32(DT_DIR): kind = .directory
        case Int32(DT_LNK):
            kind = linkedKind(joinPath(path, name))
            isLink = true
        default:
            // DT_UNKNOWN: some file systems leave the type to lstat.
            var status = stat()
            guard lstat(joinPath(path, name), &status) == 0 else { return }
            switch status.st_mode & S_IFMT {
            case S_IFREG: kind = .file
            case S_IFDIR: kind = .directory
            case S_IFLNK:
                kind = linkedKind(joinPath(path, name))
                isLink = true
            default: kind = .other
            }
        }
        entries.append(DirectoryEntry(name: name, kind: kind, isSymbolicLink: isLink))
    }
    return entries
}

private func linkedKind(_ path: String) -> DirectoryEntryKind {
    var status = stat()
    guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return .other }
    return .file
}

/// Visits every entry below the directory `root`, depth first, without following any link: each
/// folder is opened relative to its parent's descriptor with `O_NOFOLLOW`, so a folder swapped for
/// a link while the walk runs is refused (an error), never entered. `visit` gets each entry's path
/// relative to `root`, in `FileName`'s spelling, and its lstat, and says whether to enter it (a
/// directory). `root` itself is followed when it is a link unless `rootMayBeLink` is false.
/// Only the folders on the way down are open: as many descriptors as the tree is deep.
package func walkTree(_ root: String, rootMayBeLink: Bool = true, _ visit: (String, stat) throws -> Bool) throws {
    let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (rootMayBeLink ? 0 : O_NOFOLLOW)
    var frames: [(handle: OpaquePointer, path: String, children: [String])] = []
    defer {
        for frame in frames { closedir(frame.handle) }
    }
    var next: (descriptor: Int32, path: String)? = (open(root, flags), "")
    while true {
        if let (descriptor, path) = next {
            next = nil
            guard descriptor >= 0, let handle = fdopendir(descriptor) else {
                let code = errno
                if descriptor >= 0 { close(descriptor) }
                // ELOOP, ENOTDIR: no longer the folder listed.
                throw FileError("open", FileName.display(path.isEmpty ? root : joinPath(root, path)), errno: code)
            }
            frames.append((handle, path, []))
            frames[frames.count - 1].children = try listEntries(handle, path, root: root, visit)
        }
        guard let frame = frames.last else { return }
        guard let child = frames[frames.count - 1].children.popLast() else {
            closedir(frame.handle)
            frames.removeLast()
            continue
        }
        let descriptor = FileName.withCString(child) {
            openat(dirfd(frame.handle), $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        next = (descriptor, frame.path.isEmpty ? child : frame.path + "/" + child)
    }
}

/// `walkTree`'s visit of one open folder; returns the names of the subfolders to enter.
private func listEntries(_ handle: OpaquePointer, _ path: String, root: String,
                         _ visit: (String, stat) throws -> Bool) throws -> [String] {
    var children: [String] = []
    let folder = dirfd(handle)
    try forEachEntry(of: handle) { cName, _ in
        let name = FileName.decode(cName)
        let relative = path.isEmpty ? name : path + "/" + name
        var status = stat()
        guard fstatat(folder, cName, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw FileError("stat", FileName.display(joinPath(root, relative)), errno: errno)
        }
        if try visit(relative, status) && status.st_mode & S_IFMT == S_IFDIR { children.append(name) }
    }
    return children
}

/// Whether `needle` occurs in `bytes`.
package func containsBytes(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty else { return true }
    guard bytes.count >= needle.count else { return false }
    return bytes.withUnsafeBufferPointer { haystack in
        needle.withUnsafeBufferPointer { pattern in
            // memchr finds candidates for the first byte; the rest is compared in place.
            let base = UnsafeRawPointer(haystack.baseAddress!)
            let last = haystack.count - pattern.count
            var offset = 0
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(pattern[0]), last - offset + 1) else { return false }
                offset = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + offset, pattern.baseAddress!, pattern.count) == 0 { return true }
                offset += 1
            }
            return false
        }
    }
}

/// The whole file (see `readFileBytesAndMode`).
package func readFileBytes(_ path: String, shownAs name: String? = nil) throws -> [UInt8] {
    try readFileBytesAndMode(path, shownAs: name).bytes
}

/// Who a file is, as fstat tells: the same device and inode is the same file, whatever its path.
package struct FileIdentity: Equatable, Sendable {
    package let device: UInt64
    package let inode: UInt64

    package init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}

/// The whole file at `path` and its permission bits, from one open, one fstat and (usually) one
/// read: every whole-file read goes through here. Errors are Go's (`open a.yaml: no such file or
/// directory`) and name the file `shownAs` (else `path`).
///
/// Without `identity`, links are followed and a directory is refused (`read d: is a directory`).
/// With `identity`, only the regular file it names is read, without following a link in the last
/// component of `path` (which is in `FileName`'s spelling) and without blocking on a fifo; anything
/// else found there (a link or another file swapped in since `identity` was taken, through any
/// folder of the path) is refused, as nothing there was checked.
package func readFileBytesAndMode(_ path: String, identity: FileIdentity? = nil,
                                  shownAs name: String? = nil) throws -> (bytes: [UInt8], mode: mode_t) {
    let shown = name ?? path
    let descriptor = identity == nil
        ? open(path, O_RDONLY | O_CLOEXEC)
        : FileName.withCString(path) { open($0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) }
    guard descriptor >= 0 else {
        if identity != nil && errno == ELOOP { throw FileError.replaced(shown) }
        throw FileError("open", shown, errno: errno)
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw FileError("stat", shown, errno: errno) }
    if let identity {
        guard status.st_mode & S_IFMT == S_IFREG, FileIdentity(status) == identity else { throw FileError.replaced(shown) }
    } else if status.st_mode & S_IFMT == S_IFDIR {
        throw FileError("read", shown, errno: EISDIR)
    }
    return (try readAll(descriptor, status, path: shown), status.st_mode & 0o7777)
}

extension FileError {
    /// A file that is not the one listed and checked any more.
    package static func replaced(_ name: String) -> FileError {
        FileError("read \(name): the file was replaced while being read (by a link or another file); nothing was written, run again")
    }
}

/// What a file that is neither a regular file nor a directory is, for messages: `a named pipe (fifo)`.
func describeSpecialFile(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: return "a named pipe (fifo)"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFSOCK: return "a socket"
    case S_IFLNK: return "a symbolic link"
    default: return "not a regular file"
    }
}

/// The content of the file open at `descriptor`. A regular file is read in one allocation of the
/// size fstat gave (fewer bytes if it ends first): the size is trusted, inputs do not change while
/// a render reads them. Anything else, and a file of size 0 (as /proc reports its files), is read
/// to its end, up to `WorkLimits.maxStringBytes`: `/dev/zero` has none.
private func readAll(_ descriptor: Int32, _ status: stat, path: String) throws -> [UInt8] {
    let size = Int(status.st_size)
    guard status.st_mode & S_IFMT == S_IFREG, size > 0 else { return try readToEnd(descriptor, path: path) }
    var failure: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        count = 0
        while count < size {
            let got = read(descriptor, buffer.baseAddress! + count, size - count)
            if got < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            if got == 0 { return }
            count += got
        }
    }
    if failure != 0 { throw FileError("read", path, errno: failure) }
    return bytes
}

private func readToEnd(_ descriptor: Int32, path: String) throws -> [UInt8] {
    var content: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw FileError("read", path, errno: errno)
        }
        if count == 0 { return content }
        content += buffer[..<count]
        if content.count > WorkLimits.maxStringBytes {
            throw FileError("read \(path): more than \(WorkLimits.maxStringBytes) bytes (64 MiB) from a file whose size "
                                + "is not known in advance (a pipe or a device)")
        }
    }
}

/// Permission bits of a file, or nil when it does not exist.
func fileMode(_ path: String) throws -> mode_t? {
    var status = stat()
    guard stat(path, &status) == 0 else {
        if errno == ENOENT { return nil }
        throw FileError("stat", path, errno: errno)
    }
    return status.st_mode & 0o7777
}

/// The stamp of `path` when it holds exactly `bytes`, else nil; the size is compared first so that
/// most changed files cost one stat. The stamp is taken before the bytes are read: should the file
/// change in between, it no longer matches, and the render cache does not trust it.
/// With `mode`, a file with other permission bits does not match either.
func matchingFileStamp(_ path: String, _ bytes: [UInt8], mode: mode_t? = nil) throws -> FileStamp? {
    var status = stat()
    guard stat(path, &status) == 0 else {
        if errno == ENOENT { return nil }
        throw FileError("stat", path, errno: errno)
    }
    if status.st_mode & S_IFMT == S_IFDIR { throw FileError("open", path, errno: EISDIR) }
    if let mode, status.st_mode & 0o7777 != mode { return nil }
    guard Int(status.st_size) == bytes.count, try readFileBytes(path) == bytes else { return nil }
    return FileStamp(status)
}

/// Creates `path` and its missing parents with `mode` (umask applies, as for mkdir -p).
func makeDirectories(_ path: String, mode: mode_t) throws {
    if path.isEmpty || path == "." || path == "/" { return }
    var status = stat()
    if stat(path, &status) == 0 {
        if status.st_mode & S_IFMT == S_IFDIR { return }
        throw FileError("mkdir", path, errno: ENOTDIR)
    }
    if let slash = path.lastIndex(of: "/") {
        try makeDirectories(String(path[..<slash]), mode: mode)
    }
    if mkdir(path, mode) != 0 && errno != EEXIST {
        throw FileError("mkdir", path, errno: errno)
    }
}

/// Numbers temporary files, so that threads writing into one directory never pick the same name.
private final class TemporaryNames: @unchecked Sendable {
    static let shared = TemporaryNames()
    private let lock = NSLock()
    private var next = 0
    private let process = getpid()

    func name(for file: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return TemporaryFileName.make(file: file, process: process, number: next)
    }
}

/// The name `writeFileAtomically` gives its temporary files, `.<name>.edpctl-<pid>-<n>`: the
/// pid tells a leftover of a killed run (its process is gone) from a file a running one is writing.
package enum TemporaryFileName {
    private static let marker = Array(".edpctl-".utf8)

    package static func make(file: String, process: pid_t, number: Int) -> String {
        ".\(file).edpctl-\(process)-\(number)"
    }

    /// The pid in `name` when the name is exactly of the scheme (decimal numbers without leading
    /// zeros, a non-empty file name), else nil.
    package static func process(of name: String) -> pid_t? {
        // Most names are not dot files: they cost no copy.
        guard name.utf8.first == UInt8(ascii: "."), name.utf8.count > 1 + marker.count + 3 else { return nil }
        let bytes = Array(name.utf8)
        // The last marker: the file's own name may contain one.
        var markerStart: Int?
        var index = bytes.count - marker.count
        while index > 1 {
            if bytes[index..<(index + marker.count)].elementsEqual(marker) {
                markerStart = index
                break
            }
            index -= 1
        }
        guard let markerStart else { return nil }
        let numbers = bytes[(markerStart + marker.count)...].split(separator: UInt8(ascii: "-"),
                                                                  omittingEmptySubsequences: false)
        guard numbers.count == 2, let process = decimal(numbers[0]), let number = decimal(numbers[1]),
              process > 0, process <= Int(Int32.max), number > 0 else { return nil }
        return pid_t(process)
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 10, digits.first != UInt8(ascii: "0"),
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// Whether `name` is a temporary file of a process that no longer exists.
    package static func isLeftover(_ name: String) -> Bool {
        guard let process = process(of: name) else { return false }
        return kill(process, 0) != 0 && errno == ESRCH
    }
}

/// Removes from `directory` the temporary files of runs that were killed while writing into it:
/// regular files named by `TemporaryFileName`'s scheme whose process is gone. Nothing else is
/// touched; a missing or unreadable directory has nothing to remove, and a file that can't be
/// removed stays (the run goes on: its own writes do not depend on it).
func removeLeftoverTemporaryFiles(in directory: String) {
    var leftovers: [String] = []
    try? forEachEntry(inDirectory: directory) { cName, _ in
        let name = String(cString: cName)
        if TemporaryFileName.isLeftover(name) { leftovers.append(name) }
    }
    for name in leftovers {
        let path = joinPath(directory, name)
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG { unlink(path) }
    }
}

/// Writes `bytes` into `path` when it is a device or a named pipe (`-o /dev/null`, `-o /dev/stdout`,
/// a pipe another program reads), following links, as gomplate does; returns false, having done
/// nothing, for anything else. Such a target is written into, never replaced.
func writeIntoSpecialFile(_ path: String, _ bytes: [UInt8]) throws -> Bool {
    var status = stat()
    guard stat(path, &status) == 0, [S_IFCHR, S_IFBLK, S_IFIFO].contains(status.st_mode & S_IFMT) else { return false }
    let descriptor = open(path, O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileError("open", path, errno: errno) }
    defer { close(descriptor) }
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress! + written, bytes.count - written) }
        if count < 0 {
            if errno == EINTR { continue }
            throw FileError("write", path, errno: errno)
        }
        written += count
    }
    return true
}

/// Replaces `path` with `bytes` atomically: a temporary file in the same directory, created with
/// `mode` (less the umask, as for any new file) and written, then renamed over the target, so
/// readers see the old file or the new one, never half of one. Returns the written file's stamp
/// from before the rename (which changes its change time), if fstat gave one.
@discardableResult
package func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t, exactMode: Bool = false) throws -> FileStamp? {
    // Renaming over a device would replace it for every program on the machine (`/dev/null`).
    var existing = stat()
    if lstat(path, &existing) == 0, [S_IFCHR, S_IFBLK].contains(existing.st_mode & S_IFMT) {
        throw FileError("\(path) is a device, not a file: it is not replaced")
    }
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var temporary = ""
    var descriptor: Int32 = -1
    while descriptor < 0 {
        temporary = joinPath(directory.isEmpty ? "/" : directory, TemporaryNames.shared.name(for: name))
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if descriptor < 0 && errno != EEXIST { throw FileError("open", path, errno: errno) }
    }
    var succeeded = false
    defer {
        if !succeeded { unlink(temporary) }
    }
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { buffer in
            write(descriptor, buffer.baseAddress! + written, bytes.count - written)
        }
        if count < 0 {
            if errno == EINTR { continue }
            let code = errno
            close(descriptor)
            throw FileError("write", path, errno: code)
        }
        written += count
    }
    // open's mode passes through the umask; `--chmod` asks for the bits themselves, set before
    // the file takes the output's name.
    if exactMode && fchmod(descriptor, mode) != 0 {
        let code = errno
        close(descriptor)
        throw FileError("chmod", path, errno: code)
    }
    var status = stat()
    let stamped = fstat(descriptor, &status) == 0
    if close(descriptor) != 0 { throw FileError("close", path, errno: errno) }
    guard rename(temporary, path) == 0 else { throw FileError("rename", path, errno: errno) }
    succeeded = true
    return stamped ? FileStamp(status) : nil
}

/// gomplate writes nothing when the output is only space, tab, CR, LF or VT.
package func isBlankOutput(_ bytes: [UInt8]) -> Bool {
    bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0B }
}
