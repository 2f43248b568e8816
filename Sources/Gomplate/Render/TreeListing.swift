import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file of an input tree as its listing found it. What may be read is decided later, once the
/// ignore rules are known; what is read then must be the very file listed (`FileIdentity`).
enum ListedFile {
    case regular(FileIdentity)
    /// A link to a regular file inside the tree: its real path (absolute) and that file's identity.
    case link(target: String, FileIdentity)
    /// A link to something outside the tree, by its real path.
    case escapingLink(target: String)
    /// A fifo, socket or device, or a link to one: no template, and never opened.
    case special(String)
}

/// Every file and directory below an input directory, listed by `walkTree` (which follows no
/// link). Links to files are resolved and kept apart; links to directories and broken links are
/// not part of the tree (as in gomplate's walk). `.gomplateignore` files are read as they are met.
struct TreeListing {
    /// Files and directories, relative, in `FileName`'s spelling.
    private(set) var paths: [String] = []
    private(set) var directories: Set<PathKey> = []
    private(set) var files: [PathKey: ListedFile] = [:]
    /// The bytes of each `.gomplateignore`, by its directory ("" for the root).
    private(set) var ignoreFiles: [String: [UInt8]] = [:]

    private let root: String
    private var realRoot: String?

    /// Lists `root` (a directory; a link to one is fine). An ignore file that is a link leaving the
    /// tree or a special file stops the listing with the error `refuseIgnoreFile` makes of its
    /// relative path and what it is: it would decide what is selected.
    init(root: String, refuseIgnoreFile: (String, ListedFile) -> any Error) throws {
        self.root = root
        try walkTree(root) { relative, status in
            let listed: ListedFile
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                paths.append(relative)
                directories.insert(PathKey(relative))
                return true
            case S_IFREG:
                listed = .regular(FileIdentity(status))
            case S_IFLNK:
                guard let linked = try resolveLink(relative) else { return false }
                listed = linked
            default:
                listed = .special(describeSpecialFile(status.st_mode))
            }
            paths.append(relative)
            files[PathKey(relative)] = listed
            let slash = relative.utf8.lastIndex(of: UInt8(ascii: "/"))
            let name = slash.map { relative.utf8[relative.utf8.index(after: $0)...] } ?? relative.utf8[...]
            guard name.elementsEqual(IgnoreRules.fileName.utf8) else { return false }
            let shown = FileName.display(joinPath(root, relative))
            let bytes: [UInt8]
            switch listed {
            case .regular(let identity):
                bytes = try readFileBytesAndMode(joinPath(root, relative), identity: identity, shownAs: shown).bytes
            case .link(let target, let identity):
                bytes = try readFileBytesAndMode(target, identity: identity, shownAs: shown).bytes
            case .escapingLink, .special:
                throw refuseIgnoreFile(relative, listed)
            }
            let folder = slash.map { String(relative[..<$0]) } ?? ""
            ignoreFiles[folder] = bytes
            return false
        }
    }

    /// What the link at `relative` leads to; nil for a link to a directory or a broken link.
    private mutating func resolveLink(_ relative: String) throws -> ListedFile? {
        guard let target = try? realPath(joinPath(root, relative)) else { return nil }
        var status = stat()
        guard FileName.withCString(target, { lstat($0, &status) }) == 0, status.st_mode & S_IFMT != S_IFDIR else {
            return nil
        }
        let realRoot = try self.realRoot ?? realPath(root)
        self.realRoot = realRoot
        if !isPath(target, inside: realRoot) { return .escapingLink(target: target) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            return .special("symbolic link to \(FileName.display(target)), \(describeSpecialFile(status.st_mode))")
        }
        return .link(target: target, FileIdentity(status))
    }
}
