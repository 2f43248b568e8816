import Foundation
import Template

extension FunctionTable {
    /// gomplate's `file` namespace. Relative paths are resolved against the host's working
    /// directory; errors are worded as Go's `*fs.PathError` (`open foo: no such file or directory`).
    mutating func addFileFunctions() {
        add(TemplateFunction("Read", arguments: 1, reads: .files) { args, context in
            let path = try args[0].gomplateString()
            let bytes = try asFunctionError { try readFileBytes(resolvedPath(path, host: context.host), shownAs: path) }
            return .string(String(decoding: bytes, as: UTF8.self))
        }, as: "file.Read")

        add(TemplateFunction("Stat", arguments: 1, reads: .files) { args, context in
            let path = try args[0].gomplateString()
            return .object(try FileInfo(path: path, status: fileStatus("stat", path, host: context.host),
                                        localZone: TimeZoneRules.local(environment: context.host.environment)))
        }, as: "file.Stat")

        add(TemplateFunction("Exists", arguments: 1, reads: .files) { args, context in
            .bool((try? fileStatus("stat", try args[0].gomplateString(), host: context.host)) != nil)
        }, as: "file.Exists")

        add(TemplateFunction("IsDir", arguments: 1, reads: .files) { args, context in
            .bool((try? fileStatus("stat", try args[0].gomplateString(), host: context.host))?.isDirectory ?? false)
        }, as: "file.IsDir")

        add(TemplateFunction("ReadDir", arguments: 1, reads: .files) { args, context in
            let path = try args[0].gomplateString()
            return .list(try directoryNames(path, host: context.host).map(Value.string))
        }, as: "file.ReadDir")

        add(TemplateFunction("Walk", arguments: 1, reads: .files) { args, context in
            let root = try args[0].gomplateString()
            let rootStatus = try fileStatus("stat", root, host: context.host)
            var found: [Value] = []
            try walk(root, isDirectory: rootStatus.isDirectory, host: context.host, into: &found)
            return .list(found)
        }, as: "file.Walk")

        add(TemplateFunction("Write", arguments: 2, reads: .files) { args, context in
            let path = try args[0].gomplateString()
            let content: [UInt8]
            if case .bytes(let bytes) = args[1] { content = bytes } else { content = Array((try args[1].gomplateString()).utf8) }
            try writeFileCreatingDirectories(path, content: content, host: context.host)
            return .string("")
        }, as: "file.Write")
    }
}

/// `path` made absolute against the host's working directory.
func resolvedPath(_ path: String, host: FunctionContext) -> String {
    if path.hasPrefix("/") { return path }
    return GoPath.join([host.workingDirectory, path])
}

/// The file system's errors as the functions': the same Go-worded text, the functions' type.
private func asFunctionError<Result>(_ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch let error as FileError {
        throw FunctionError(error.description)
    }
}

/// What `stat(2)` says about a file.
struct FileStatus {
    let mode: UInt32
    let size: Int
    let modificationSeconds: Int
    let modificationNanoseconds: Int

    var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
}

/// `stat` (following links) or `lstat` of a path resolved against the working directory.
private func fileStatus(_ operation: String, _ path: String, host: FunctionContext, followLinks: Bool = true) throws -> FileStatus {
    var status = stat()
    let absolute = resolvedPath(path, host: host)
    let result = followLinks ? stat(absolute, &status) : lstat(absolute, &status)
    guard result == 0 else { throw FunctionError(FileError(operation, path, errno: errno).description) }
    return FileStatus(mode: UInt32(status.st_mode), size: Int(status.st_size),
                      modificationSeconds: Int(status.st_mtim.tv_sec),
                      modificationNanoseconds: Int(status.st_mtim.tv_nsec))
}

/// The names in a directory, sorted as Go's `fs.ReadDir` sorts them (by bytes).
private func directoryNames(_ path: String, host: FunctionContext) throws -> [String] {
    var names: [String] = []
    try asFunctionError {
        try forEachEntry(inDirectory: resolvedPath(path, host: host), shownAs: path) { name, _ in
            names.append(String(cString: name))
        }
    }
    return names.sorted(by: goStringLess)
}

/// Go's `fs.WalkDir` order: the root, then each entry in name order, descending into directories
/// (not into links to them). Paths are joined as `path.Join` does.
private func walk(_ path: String, isDirectory: Bool, host: FunctionContext, into found: inout [Value]) throws {
    found.append(.string(path))
    guard isDirectory else { return }
    for name in try directoryNames(path, host: host) {
        let child = GoPath.join([path, name])
        let status = try fileStatus("lstat", child, host: host, followLinks: false)
        try StackGuard.continuing { try walk(child, isDirectory: status.isDirectory, host: host, into: &found) }
    }
}

/// gomplate's `iohelpers.WriteFile`: only inside the working directory, parents created (0755),
/// an existing file's mode kept, otherwise 0644. The place is judged by where the path really
/// leads, too: a symbolic link (a folder of the path, or the file itself) that leads out of the
/// working directory is refused, as is a dangling one. The file is replaced atomically, so a killed
/// render never leaves half of it.
private func writeFileCreatingDirectories(_ path: String, content: [UInt8], host: FunctionContext) throws {
    let workingDirectory = GoPath.clean(host.workingDirectory)
    let absolute = GoPath.clean(resolvedPath(path, host: host))
    let relative = (try? GoPath.relative(base: workingDirectory, target: absolute)) ?? ".."
    if relative.hasPrefix("..") {
        throw FunctionError("failed to open \(path): path \(path) not contained by working directory \(workingDirectory) (rel: \(relative))")
    }
    let target: String
    let realWorkingDirectory: String
    do {
        realWorkingDirectory = try realPath(workingDirectory)
        target = try realPathCreating(absolute)
    } catch {
        throw FunctionError("failed to open \(path): \(error)")
    }
    if !isPath(target, inside: realWorkingDirectory) {
        throw FunctionError("failed to open \(path): path \(path) leads through a symbolic link to \(target), "
                                + "not contained by working directory \(workingDirectory)")
    }
    var mode: mode_t = 0o644
    var existing = stat()
    if stat(target, &existing) == 0 { mode = existing.st_mode & 0o7777 }
    let folder = GoPath.dir(target)
    do {
        try makeDirectories(folder, mode: 0o755)
    } catch {
        throw FunctionError("failed to make dirs for \(path): \(error)")
    }
    WrittenFolders.shared.removeLeftoversOnce(in: folder)
    do {
        try writeFileAtomically(target, content, mode: mode)
    } catch {
        throw FunctionError("failed to write \(path): \(error)")
    }
}

/// The folders `file.Write` has written into in this process, each cleaned of killed runs'
/// temporary files before its first write: once, since templates may write many files into one.
private final class WrittenFolders: @unchecked Sendable {
    static let shared = WrittenFolders()
    private let lock = NSLock()
    private var cleaned: Set<String> = []

    func removeLeftoversOnce(in folder: String) {
        let first = lock.withLock { cleaned.insert(folder).inserted }
        if first { removeLeftoverTemporaryFiles(in: folder) }
    }
}

/// Go's `fs.FileInfo` as `file.Stat` returns it.
struct FileInfo: TemplateObject {
    let name: String
    let status: FileStatus
    /// Go reports the modification time in the local zone.
    let localZone: TimeZoneRules

    init(path: String, status: FileStatus, localZone: TimeZoneRules) {
        self.name = GoPath.base(path)
        self.status = status
        self.localZone = localZone
    }

    var goTypeName: String { "*os.fileStat" }
    var goDescription: String { "&{\(name) \(status.size) \(FileMode(status: status).description)}" }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        switch name {
        case "Name": return .string(self.name)
        case "Size": return .int(status.size)
        case "Mode": return .object(FileMode(status: status))
        case "IsDir": return .bool(status.isDirectory)
        case "ModTime":
            return .object(GoTime(seconds: status.modificationSeconds, nanoseconds: status.modificationNanoseconds,
                                  location: localZone, localZone: localZone))
        case "Sys": return .null
        default: return nil
        }
    }
}

/// Go's `fs.FileMode`: type bits in Go's own layout, printed as `drwxr-xr-x`.
struct FileMode: TemplateObject, CustomStringConvertible {
    /// Go's bit layout: type flags at the top, Unix permission bits at the bottom.
    let bits: UInt32

    init(bits: UInt32) { self.bits = bits }

    init(status: FileStatus) {
        var bits = status.mode & 0o777
        let type = status.mode & UInt32(S_IFMT)
        switch type {
        case UInt32(S_IFDIR): bits |= 1 << 31
        case UInt32(S_IFLNK): bits |= 1 << 27
        case UInt32(S_IFIFO): bits |= 1 << 25
        case UInt32(S_IFSOCK): bits |= 1 << 24
        case UInt32(S_IFBLK): bits |= 1 << 26
        case UInt32(S_IFCHR): bits |= 1 << 26 | 1 << 21
        default: break
        }
        if status.mode & UInt32(S_ISUID) != 0 { bits |= 1 << 23 }
        if status.mode & UInt32(S_ISGID) != 0 { bits |= 1 << 22 }
        if status.mode & UInt32(S_ISVTX) != 0 { bits |= 1 << 20 }
        self.bits = bits
    }

    var description: String {
        var out = ""
        for (index, letter) in "dalTLDpSugct?".enumerated() where bits & (1 << UInt32(31 - index)) != 0 {
            out.append(letter)
        }
        if out.isEmpty { out = "-" }
        for (index, letter) in "rwxrwxrwx".enumerated() {
            out.append(bits & (1 << UInt32(8 - index)) != 0 ? letter : "-")
        }
        return out
    }

    var goTypeName: String { "fs.FileMode" }
    var goDescription: String { description }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        switch name {
        case "IsDir": return .bool(bits & (1 << 31) != 0)
        case "IsRegular": return .bool(bits & 0x8F28_0000 == 0)
        case "Perm": return .object(FileMode(bits: bits & 0o777))
        case "String": return .string(description)
        default: return nil
        }
    }
}
