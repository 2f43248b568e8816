import Foundation
import Template

/// Standard input, read at most once and shared by a template read from `-` and `stdin:` sources.
public final class StandardInput: @unchecked Sendable {
    private let lock = NSLock()
    private var content: [UInt8]?
    private let readAll: @Sendable () -> [UInt8]

    public init(readAll: @escaping @Sendable () -> [UInt8] = { [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }) {
        self.readAll = readAll
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Standard input, byte for byte: a template read from it keeps bytes that are not UTF-8.
    public var bytes: [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        if content == nil { content = readAll() }
        return content ?? []
    }
}

/// A data source as read: its media type and text, or (for `merge:`) an already decoded value.
enum DataSourceContent {
    case raw(type: String, text: String)
    case decoded(type: String, value: Value)
}

/// The data sources of one render (`-d` and `-c`), shared by every template of it. A source is read
/// when a template first asks for it, and read and decoded only once: both are cached by URL, so
/// thousands of templates reading the same file cost one read and one decode.
public final class DataSources: @unchecked Sendable {
    public let workingDirectory: String
    public let environment: [String: String]
    let standardInput: StandardInput
    private let definitions: [String: SourceURL]
    private let http: HTTPDataSourceReader

    /// Held while a source is read and decoded, so that templates asking for the same source at
    /// once wait for one read; recursive because a merge reads its parts.
    private let lock = NSRecursiveLock()
    private var contentCache: [String: DataSourceContent] = [:]
    private var valueCache: [String: Value] = [:]

    public convenience init(definitions: [String: SourceURL], workingDirectory: String, environment: [String: String],
                            standardInput: StandardInput = StandardInput()) {
        self.init(definitions: definitions, workingDirectory: workingDirectory, environment: environment,
                  standardInput: standardInput, headers: [])
    }

    /// `headers`: sent with the http(s) sources of their aliases (`--datasource-header`).
    package init(definitions: [String: SourceURL], workingDirectory: String, environment: [String: String],
                 standardInput: StandardInput, headers: [DataSourceHeader]) {
        self.definitions = definitions
        self.http = HTTPDataSourceReader(headers: headers, environment: environment)
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.standardInput = standardInput
    }

    public func url(for alias: String) -> SourceURL? { definitions[alias] }

    public var aliases: [String] { Array(definitions.keys) }

    /// Adds every source read so far, URL, media type and text, to `hash`, in URL order.
    func addContents(to hash: inout Hash128Builder) {
        lock.lock()
        defer { lock.unlock() }
        hash.add(UInt64(contentCache.count))
        for (url, content) in contentCache.sorted(by: { goStringLess($0.key, $1.key) }) {
            // Only raw reads are cached: a merge is not, and its parts are.
            guard case .raw(let type, let text) = content else { continue }
            hash.add(url)
            hash.add(type)
            hash.add(text)
        }
    }

    /// The decoded value of the source at `url`. `lookup` resolves aliases named inside a `merge:`.
    func value(at url: SourceURL, alias: String, lookup: (String) -> SourceURL?) throws -> Value {
        let content = try self.content(at: url, alias: alias, lookup: lookup)
        switch content {
        case .decoded(_, let value):
            return value
        case .raw(let type, let text):
            let key = cacheKey(url, alias: alias) + "\u{0}" + type
            lock.lock()
            defer { lock.unlock() }
            if let cached = valueCache[key] { return cached }
            let value = try DataType.decode(text, type: type, sourceName: Self.sourceName(url, alias: alias))
            valueCache[key] = value
            return value
        }
    }

    /// How a decoding error names the source: a file by its path (relative to the working
    /// directory when below it), so that `path:line:col` leads to it; anything else by its alias.
    static func sourceName(_ url: SourceURL, alias: String) -> String {
        guard url.scheme == "file" || url.scheme.isEmpty, !url.path.isEmpty else { return alias }
        let directory = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(directory) ? String(url.path.dropFirst(directory.count)) : url.path
    }

    /// The source's text, undecoded (`include`).
    func text(at url: SourceURL, alias: String, lookup: (String) -> SourceURL?) throws -> String {
        switch try content(at: url, alias: alias, lookup: lookup) {
        case .raw(_, let text): return text
        // gomplate merges into YAML.
        case .decoded(_, let value): return try encodeYAML(value)
        }
    }

    func content(at url: SourceURL, alias: String, lookup: (String) -> SourceURL?) throws -> DataSourceContent {
        let key = cacheKey(url, alias: alias)
        lock.lock()
        defer { lock.unlock() }
        if let cached = contentCache[key] { return cached }
        let content: DataSourceContent
        do {
            content = try read(url, alias: alias, lookup: lookup)
        } catch let error as DataSourceReadError {
            throw FunctionError("couldn't read datasource '\(alias)' (\(url.redacted)): \(error.message)")
        }
        // The merged map depends on the aliases the asking template can see, so only its parts
        // are cached.
        if url.scheme != "merge" { contentCache[key] = content }
        return content
    }

    /// A source's key in the caches: its URL, and for an http(s) source read with an alias's
    /// headers the alias too, since another alias's headers may get another answer.
    private func cacheKey(_ url: SourceURL, alias: String) -> String {
        (url.scheme == "http" || url.scheme == "https") && http.hasHeaders(for: alias)
            ? url.description + "\u{0}" + alias : url.description
    }

    private func read(_ url: SourceURL, alias: String, lookup: (String) -> SourceURL?) throws -> DataSourceContent {
        let typeParameter = url.queryValue("type").map { $0.replacingOccurrences(of: " ", with: "+") }
            .flatMap { $0.isEmpty ? nil : $0 }
        switch url.scheme {
        case "", "file":
            return try readFile(url, typeParameter: typeParameter)
        case "env":
            let name = url.opaque.isEmpty ? String(url.path.drop { $0 == "/" }) : url.opaque
            guard let value = environment[name] else {
                throw DataSourceReadError("open \(name): file does not exist")
            }
            return .raw(type: typeParameter ?? DataType.forFileName(name) ?? DataType.text, text: value)
        case "stdin":
            let name = url.opaque.isEmpty ? String(url.path.drop { $0 == "/" }) : url.opaque
            return .raw(type: typeParameter ?? DataType.forFileName(name) ?? DataType.text, text: standardInput.text)
        case "merge":
            return try readMerge(url, lookup: lookup)
        case "http", "https":
            return try http.read(url, alias: alias, typeParameter: typeParameter)
        default:
            throw DataSourceReadError("the \"\(url.scheme)\" scheme is not supported by edpctl")
        }
    }

    private func readFile(_ url: SourceURL, typeParameter: String?) throws -> DataSourceContent {
        let path = url.path.hasPrefix("/") || url.path.isEmpty && url.scheme == "file"
            ? url.path : joinPath(workingDirectory, url.path.isEmpty ? "." : url.path)
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw DataSourceReadError("open \(url.path): \(describeErrno(errno))")
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            // gomplate lists a directory as the JSON array of its names (json.Marshal).
            let names = try listDirectory(path).map { $0.name }.sorted(by: goStringLess)
            var json: [UInt8] = [UInt8(ascii: "[")]
            for (index, name) in names.enumerated() {
                if index > 0 { json.append(UInt8(ascii: ",")) }
                appendJSONString(name, to: &json)
            }
            json.append(UInt8(ascii: "]"))
            return .raw(type: DataType.jsonArray, text: String(decoding: json, as: UTF8.self))
        }
        let bytes = try readFileBytes(path)
        let type = typeParameter ?? DataType.forFileName(url.path) ?? DataType.text
        return .raw(type: type, text: String(decoding: bytes, as: UTF8.self))
    }

    private func readMerge(_ url: SourceURL, lookup: (String) -> SourceURL?) throws -> DataSourceContent {
        let parts = (url.opaque.isEmpty ? url.path : url.opaque).split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count >= 2 else {
            throw DataSourceReadError("need at least 2 datasources to merge")
        }
        var maps: [MapValue] = []
        for part in parts.map(String.init) {
            let partURL: SourceURL
            if let known = lookup(part) {
                partURL = known
            } else {
                do {
                    partURL = try SourceURL(sourceArgument: part)
                } catch {
                    throw DataSourceReadError("unknown datasource \"\(part)\", and couldn't parse URL: \(error)")
                }
            }
            let value = try self.value(at: partURL, alias: part, lookup: lookup)
            guard case .map(let map) = value else {
                throw DataSourceReadError("unexpected data type '\(value.goTypeName)' for datasource (type \(partURL)); merge: can only merge maps")
            }
            maps.append(map)
        }
        return .decoded(type: DataType.yaml, value: .map(mergeMaps(maps)))
    }
}

/// Why a source could not be read; the caller puts the alias and URL in front.
struct DataSourceReadError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
