import Foundation
import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What tells an output file's content without reading it: as for git's index and make, a file
/// whose size, modification and change times, inode and device are the recorded ones has not been
/// written since. The change time catches what the others miss: a `touch -d` or `cp -p` that gives
/// an edited file its old modification time back.
package struct FileStamp: Equatable, Sendable {
    package let size: Int64
    /// Nanoseconds since the epoch (wrapping: the values are only compared).
    package let modified: Int64
    package let changed: Int64
    package let inode: UInt64
    package let device: UInt64

    package init(size: Int64, modified: Int64, changed: Int64, inode: UInt64, device: UInt64) {
        self.size = size
        self.modified = modified
        self.changed = changed
        self.inode = inode
        self.device = device
    }

    package init(_ status: stat) {
        #if canImport(Darwin)
        let (modified, changed) = (status.st_mtimespec, status.st_ctimespec)
        #else
        let (modified, changed) = (status.st_mtim, status.st_ctim)
        #endif
        self.init(size: Int64(status.st_size), modified: nanoseconds(modified), changed: nanoseconds(changed),
                  inode: UInt64(status.st_ino), device: UInt64(status.st_dev))
    }

    /// The stamp of the regular file at `path` (links followed), or nil.
    package init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        self.init(status)
    }

    /// Whether a later write is sure to change the stamp, `now` being the file system's clock. A
    /// write in the same clock tick as the recorded one leaves the times as they are (git's "racy
    /// clean" entries), so only times already in the past are trusted. Times in whole seconds
    /// suggest a file system that keeps no more (1 s, or FAT's 2 s), whose past begins later.
    package func isSettled(now: Int64) -> Bool {
        let newest = max(modified, changed)
        let wholeSeconds = modified % 1_000_000_000 == 0 && changed % 1_000_000_000 == 0
        return newest < (wholeSeconds ? now &- 2_000_000_000 : now)
    }
}

private func nanoseconds(_ time: timespec) -> Int64 {
    Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
}

/// The file system's notion of now: the coarse clock Linux stamps files with (it lags the precise
/// clock by up to a tick).
func fileSystemNow() -> Int64 {
    var now = timespec()
    #if os(Linux)
    clock_gettime(CLOCK_REALTIME_COARSE, &now)
    #else
    clock_gettime(CLOCK_REALTIME, &now)
    #endif
    return nanoseconds(now)
}

/// What a run left for one output file.
enum CachedOutput: Equatable, Sendable {
    /// The output was only whitespace, so nothing was written.
    case blank
    /// The output file held the output, with this stamp.
    case file(FileStamp)
}

/// One output's record: how its file looked, and the environment variables its template read with
/// a digest of their values.
struct CachedEntry: Equatable, Sendable {
    let output: CachedOutput
    let environment: EnvironmentStamp
}

/// Why the cache can't be used; rendering goes on without it.
public struct RenderCacheError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The render cache of one output directory: for each output of the last successful run whose
/// template is pure, a 128-bit key of everything the output depends on but the environment, the
/// environment variables the template read (or that it read all of them) with a digest of their
/// values, and how the output file looked afterwards. A file whose key is there, whose variables
/// still have those values and whose output file still looks that way is left alone without being
/// parsed or rendered: a variable no template read changes nothing. The cache holds no output,
/// template text, variable name or value (secrets must not land in it): only hashes and file stamps.
public struct RenderCache: Sendable {
    /// Bumped when the file's layout or the keys' make-up changes; other versions read as empty.
    static let formatVersion: UInt32 = 2
    private static let magic = Array("edpctlRC".utf8)
    private static let headerSize = 20
    private static let recordSize = 77

    public let path: String
    /// Everything the keys of every file share: format, tool, options and session.
    let salt: Hash128
    /// This run's environment, to tell whether an entry's variables still have their values.
    let environment: EnvironmentSnapshot
    let entries: [Hash128: CachedEntry]

    /// Reads the cache at `path`; a missing, unreadable, corrupt or other-version file is an empty
    /// cache. `toolVersion` must change whenever rendering may (edpctl's version and build).
    public init(path: String, session: RenderSession, toolVersion: String) {
        var salt = Hash128Builder()
        salt.add(UInt64(Self.formatVersion))
        salt.add(toolVersion)
        salt.add(session.cacheFingerprint())
        self.init(path: path, salt: salt.finish(), environment: session.environmentSnapshot())
    }

    init(path: String, salt: Hash128, environment: EnvironmentSnapshot = EnvironmentSnapshot(variables: [:])) {
        self.path = path
        self.salt = salt
        self.environment = environment
        entries = (try? readFileBytes(path)).flatMap(Self.decode) ?? [:]
    }

    /// The entry of `key` when the variables it read still have the values they had.
    func entry(for key: Hash128) -> CachedEntry? {
        guard let entry = entries[key], environment.digest(of: entry.environment.reads) == entry.environment.digest
        else { return nil }
        return entry
    }

    /// What the cache records of a render that read `reads`; nil when it can't be recorded (a
    /// `NAME_FILE` that `getenv` followed is not a regular file).
    func environmentStamp(for reads: EnvironmentReads) -> EnvironmentStamp? {
        let hashed = HashedReads(reads)
        return environment.digest(of: hashed).map { EnvironmentStamp(reads: hashed, digest: $0) }
    }

    /// Where the cache of `outputDirectory` lives: `$EDPCTL_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/edpctl/render`, else `$HOME/.cache/edpctl/render`, in a file named by a hash
    /// of the output directory's absolute, normalised path. Nil when none of them is set. Throws
    /// when that folder is inside the output directory (a repository others read) or the input one.
    /// Under an output map (`--output-map`) the outputs may be anywhere: the file is named by the
    /// input directory and the map, and only the input directory is kept clear.
    public static func location(outputDirectory: String, inputDirectory: String, workingDirectory: String,
                                environment: [String: String], outputMap: [UInt8]? = nil) throws -> String? {
        let directory: String
        if let custom = environment["EDPCTL_CACHE_DIR"], !custom.isEmpty {
            directory = custom
        } else if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            // The XDG spec says to ignore a relative XDG_CACHE_HOME.
            directory = xdg + "/edpctl/render"
        } else if let home = environment["HOME"], !home.isEmpty {
            directory = home + "/.cache/edpctl/render"
        } else {
            return nil
        }
        let cacheDirectory = cleanPath(joinPath(workingDirectory, directory))
        let output = cleanPath(joinPath(workingDirectory, outputDirectory))
        let input = cleanPath(joinPath(workingDirectory, inputDirectory))
        let trees = outputMap == nil ? [(output, "output"), (input, "input")] : [(input, "input")]
        for (tree, role) in trees where isPath(cacheDirectory, inside: tree) {
            throw RenderCacheError("the cache folder \(cacheDirectory) is inside the \(role) directory \(tree)")
        }
        var name = Hash128Builder()
        if let outputMap {
            name.add("output map")
            name.add(input)
            name.add(outputMap)
        } else {
            name.add(output)
        }
        let hash = name.finish()
        return joinPath(cacheDirectory, hex(hash.high) + hex(hash.low) + ".cache")
    }

    /// The key of one file, the environment aside: the salt, the file's names and output path,
    /// whether it is copied rather than rendered, its output's mode (`--chmod`, else the
    /// template's) and its bytes.
    func key(for file: TreeFile, input: [UInt8], mode: mode_t, copied: Bool) -> Hash128 {
        var key = Hash128Builder()
        key.add(salt)
        key.add(file.relativePath)
        // The template's name: `tmpl.Path` shows it, and it holds the input directory as given.
        key.add(file.inputPath)
        // Where it goes: an output map may name any path.
        key.add(file.outputPath)
        key.add(UInt64(copied ? 1 : 0))
        key.add(UInt64(mode))
        key.add(input)
        return key.finish()
    }

    /// Replaces the cache file with `entries`, atomically, less those whose output file changed too
    /// recently to tell from a later change. Waits for the clock to pass the newest of those if
    /// that takes at most a few ticks, so that a run's last outputs are kept too. A run that
    /// learnt nothing new leaves the file alone. Temporary files of killed saves are removed first.
    func save(_ entries: [Hash128: CachedEntry]) throws {
        var now = fileSystemNow()
        let unsettled = entries.values.compactMap { entry -> Int64? in
            guard case .file(let stamp) = entry.output, !stamp.isSettled(now: now) else { return nil }
            return max(stamp.modified, stamp.changed)
        }
        if let newest = unsettled.max(), newest &- now < 50_000_000 {
            // Bounded, should the clock be set back meanwhile.
            var waited = 0
            while newest >= now, waited < 100 {
                usleep(1_000)
                waited += 1
                now = fileSystemNow()
            }
        }
        let kept = entries.filter { _, entry in
            if case .file(let stamp) = entry.output { return stamp.isSettled(now: now) }
            return true
        }
        let folder = parentFolder(of: path)
        removeLeftoverTemporaryFiles(in: folder)
        if kept == self.entries { return }
        try makeDirectories(folder, mode: 0o700)
        try writeFileAtomically(path, Self.encode(kept), mode: 0o600)
    }

    // MARK: - The file

    // Layout, little-endian: "edpctlRC", the format version (UInt32), the number of read sets and
    // of records (UInt32 each); the read sets: whether all the environment was read (UInt8), the
    // number of names, then each name's hash (high, low: UInt64); records of 77 bytes: the key
    // (high, low), the index of its read set (UInt32), the digest of those variables' values (high,
    // low), the kind (UInt8: 0 blank, 1 file), then size, modification time, change time (Int64),
    // inode and device (UInt64), all 0 for a blank output; last, XXH64 (seed 0) of everything before.

    static func encode(_ entries: [Hash128: CachedEntry]) -> [UInt8] {
        var readSets: [HashedReads] = []
        var indexOfReadSet: [HashedReads: UInt32] = [:]
        for entry in entries.values where indexOfReadSet[entry.environment.reads] == nil {
            indexOfReadSet[entry.environment.reads] = UInt32(readSets.count)
            readSets.append(entry.environment.reads)
        }
        var bytes = magic
        bytes.reserveCapacity(headerSize + entries.count * recordSize + 8)
        append(&bytes, UInt32(formatVersion))
        append(&bytes, UInt32(readSets.count))
        append(&bytes, UInt32(entries.count))
        for reads in readSets {
            bytes.append(reads.all ? 1 : 0)
            append(&bytes, UInt32(reads.names.count))
            for name in reads.names {
                append(&bytes, name.high)
                append(&bytes, name.low)
            }
        }
        for (key, entry) in entries {
            append(&bytes, key.high)
            append(&bytes, key.low)
            append(&bytes, indexOfReadSet[entry.environment.reads]!)
            append(&bytes, entry.environment.digest.high)
            append(&bytes, entry.environment.digest.low)
            switch entry.output {
            case .blank:
                bytes.append(0)
                bytes.append(contentsOf: repeatElement(0, count: 40))
            case .file(let stamp):
                bytes.append(1)
                for field in [UInt64(bitPattern: stamp.size), UInt64(bitPattern: stamp.modified),
                              UInt64(bitPattern: stamp.changed), stamp.inode, stamp.device] {
                    append(&bytes, field)
                }
            }
        }
        append(&bytes, bytes.withUnsafeBytes(checksum))
        return bytes
    }

    /// The entries, or nil when `bytes` are not a cache file of this version, whole and intact.
    static func decode(_ bytes: [UInt8]) -> [Hash128: CachedEntry]? {
        guard bytes.count >= headerSize + 8, bytes.starts(with: magic) else { return nil }
        return bytes.withUnsafeBytes { raw -> [Hash128: CachedEntry]? in
            func load<Integer: FixedWidthInteger>(_ offset: Int, as type: Integer.Type) -> Integer {
                Integer(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Integer.self))
            }
            func loadHash(_ offset: Int) -> Hash128 {
                Hash128(high: load(offset, as: UInt64.self), low: load(offset + 8, as: UInt64.self))
            }
            let end = bytes.count - 8
            guard load(8, as: UInt32.self) == formatVersion,
                  load(end, as: UInt64.self) == checksum(UnsafeRawBufferPointer(rebasing: raw[..<end])) else {
                return nil
            }
            // Counts are checked against what is left before anything is reserved for them.
            var offset = headerSize
            let readSetCount = Int(load(12, as: UInt32.self))
            let count = Int(load(16, as: UInt32.self))
            guard readSetCount <= (end - offset) / 5 else { return nil }
            var readSets: [HashedReads] = []
            readSets.reserveCapacity(readSetCount)
            for _ in 0..<readSetCount {
                guard end - offset >= 5, raw[offset] <= 1 else { return nil }
                let all = raw[offset] == 1
                let nameCount = Int(load(offset + 1, as: UInt32.self))
                offset += 5
                guard nameCount <= (end - offset) / 16 else { return nil }
                let names = (0..<nameCount).map { loadHash(offset + $0 * 16) }
                offset += nameCount * 16
                readSets.append(HashedReads(names: names, all: all))
            }
            guard end - offset == count * recordSize else { return nil }
            var entries: [Hash128: CachedEntry] = [:]
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let key = loadHash(offset)
                let readSet = Int(load(offset + 16, as: UInt32.self))
                guard readSet < readSets.count else { return nil }
                let environment = EnvironmentStamp(reads: readSets[readSet], digest: loadHash(offset + 20))
                let output: CachedOutput
                switch raw[offset + 36] {
                case 0:
                    output = .blank
                case 1:
                    let field = offset + 37
                    output = .file(FileStamp(size: load(field, as: Int64.self),
                                             modified: load(field + 8, as: Int64.self),
                                             changed: load(field + 16, as: Int64.self),
                                             inode: load(field + 24, as: UInt64.self),
                                             device: load(field + 32, as: UInt64.self)))
                default:
                    return nil
                }
                entries[key] = CachedEntry(output: output, environment: environment)
                offset += recordSize
            }
            return entries
        }
    }

    private static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 { XXH64.hash(bytes, seed: 0) }

    private static func append<Integer: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: Integer) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

private func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
