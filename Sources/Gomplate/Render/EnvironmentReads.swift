import Foundation
import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The environment variables one render read, found while it ran: each name looked up (`.Env.X`,
/// `index .Env "X"`, `getenv "X"` — `getenv` also reads `X_FILE` — `env.HasEnv`, a name computed
/// at run time included), and whether it read the whole environment (`range .Env`, `env.Env`,
/// `.Env` handed to a function or printed, the `TZ` of the time functions). The render cache keys
/// an output on these alone, so variables its template never read cannot make it render again.
public struct EnvironmentReads: Equatable, Sendable {
    public var names: Set<String>
    public var all: Bool

    public init(names: Set<String> = [], all: Bool = false) {
        self.names = names
        self.all = all
    }

    init(_ log: ReadLog) {
        let reads = log.reads
        self.init(names: reads.keys, all: reads.all)
    }
}

/// `EnvironmentReads` as the cache keeps them: names as hashes, so that the cache file holds no
/// name either, in a fixed order.
struct HashedReads: Hashable, Sendable {
    let names: [Hash128]
    let all: Bool

    init(names: [Hash128], all: Bool) {
        self.names = names
        self.all = all
    }

    init(_ reads: EnvironmentReads) {
        self.init(names: reads.names.map(hashOfName).sorted { ($0.high, $0.low) < ($1.high, $1.low) }, all: reads.all)
    }
}

/// What an output read of the environment, and a digest of those variables' values.
struct EnvironmentStamp: Equatable, Sendable {
    let reads: HashedReads
    let digest: Hash128
}

private func hashOfName(_ name: String) -> Hash128 {
    var hash = Hash128Builder()
    hash.add(name)
    return hash.finish()
}

/// The environment of one run, taken before anything renders, as the render cache compares it.
struct EnvironmentSnapshot: Sendable {
    /// Every variable, by the hash of its name.
    private let values: [Hash128: String]
    /// For each `NAME_FILE` variable that `getenv "NAME"` follows (`NAME` empty or unset, the path
    /// not empty), by the hash of its name: a hash of the file's bytes (a missing or unreadable
    /// file reads as "", as in `getenv`), or nil when it is not a regular file — reading a pipe or a
    /// device to hash it could block or consume it.
    private let files: [Hash128: Hash128?]
    /// All names and values.
    private let whole: Hash128

    /// `workingDirectory` resolves relative `NAME_FILE` paths, as `getenv` does.
    init(variables: [String: String], workingDirectory: String = "/") {
        var values: [Hash128: String] = [:]
        var files: [Hash128: Hash128?] = [:]
        var whole = Hash128Builder()
        whole.add(UInt64(variables.count))
        for (name, value) in variables.sorted(by: { goStringLess($0.key, $1.key) }) {
            whole.add(name)
            whole.add(value)
            let nameHash = hashOfName(name)
            values[nameHash] = value
            guard name.hasSuffix("_FILE"), !value.isEmpty,
                  variables[String(name.dropLast("_FILE".count))]?.isEmpty ?? true else { continue }
            let path = value.hasPrefix("/") ? value : joinPath(workingDirectory, value)
            var status = stat()
            if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
                files[nameHash] = .some(nil)
            } else {
                var content = Hash128Builder()
                content.add((try? readFileBytes(path)) ?? [])
                files[nameHash] = content.finish()
            }
        }
        self.values = values
        self.files = files
        self.whole = whole.finish()
    }

    /// A digest of what `reads` read: each variable's value, or that it is unset (apart from set to
    /// ""); the file a `NAME_FILE` among them names; everything when it read all. Nil when such a
    /// file is not a regular file.
    func digest(of reads: HashedReads) -> Hash128? {
        var hash = Hash128Builder()
        hash.add(UInt64(reads.all ? 1 : 0))
        if reads.all { hash.add(whole) }
        hash.add(UInt64(reads.names.count))
        for name in reads.names {
            hash.add(name)
            if let value = values[name] {
                hash.add(1)
                hash.add(value)
            } else {
                hash.add(0)
            }
            if let file = files[name] {
                guard let file else { return nil }
                hash.add(1)
                hash.add(file)
            } else {
                hash.add(0)
            }
        }
        return hash.finish()
    }
}
