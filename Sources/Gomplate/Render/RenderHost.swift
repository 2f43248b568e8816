import Foundation
import Template

/// What one template sees of the render it belongs to: the environment, the working directory, its
/// own path (`tmpl.Path`) and the data sources. One host per template: the shared `DataSources`
/// hold the reads and the cache; sources a template defines itself (`defineDatasource`) stay its
/// own, so templates rendered side by side cannot see each other's definitions.
public final class RenderHost: FunctionContext, DataSourceCatalog, @unchecked Sendable {
    public let templatePath: String
    public let sources: DataSources
    /// Hears which environment variables the template reads, for the render cache.
    public let readLog: ReadLog?
    public var environment: [String: String] {
        readLog?.readAll()
        return sources.environment
    }
    public var workingDirectory: String { sources.workingDirectory }

    private let lock = NSLock()
    private var ownDefinitions: [String: SourceURL] = [:]

    public init(templatePath: String, sources: DataSources, readLog: ReadLog? = nil) {
        self.templatePath = templatePath
        self.sources = sources
        self.readLog = readLog
    }

    public func environmentVariable(_ name: String) -> String? {
        readLog?.read(name)
        return sources.environment[name]
    }

    public func dataSource(_ alias: String, subpath: String?) throws -> Value {
        let url = try resolvedURL(alias, subpath: subpath)
        return try sources.value(at: url, alias: alias, lookup: lookup)
    }

    public func dataSourceText(_ alias: String, subpath: String?) throws -> String {
        let url = try resolvedURL(alias, subpath: subpath)
        return try sources.text(at: url, alias: alias, lookup: lookup)
    }

    public func hasDataSource(_ alias: String) -> Bool { lookup(alias) != nil }

    public func defineDataSource(_ alias: String, url: String) throws {
        guard !alias.isEmpty else { throw FunctionError("datasource alias must be provided") }
        // gomplate ignores an attempt to redefine a source.
        if hasDataSource(alias) { return }
        let parsed: SourceURL
        do {
            parsed = try SourceURL(sourceArgument: url)
        } catch {
            throw FunctionError("parse datasource URL: \(error)")
        }
        lock.lock()
        ownDefinitions[alias] = parsed
        lock.unlock()
    }

    public var dataSourceAliases: [String] {
        lock.lock()
        defer { lock.unlock() }
        return Array(Set(sources.aliases).union(ownDefinitions.keys)).sorted(by: goStringLess)
    }

    private func lookup(_ alias: String) -> SourceURL? {
        if let url = sources.url(for: alias) { return url }
        lock.lock()
        defer { lock.unlock() }
        return ownDefinitions[alias]
    }

    /// gomplate's `ReadSource`: an alias nobody defined may still be an absolute URL
    /// (`ds "env:///HOME"`), which is then defined under its own text.
    private func resolvedURL(_ alias: String, subpath: String?) throws -> SourceURL {
        var url: SourceURL
        if let known = lookup(alias) {
            url = known
        } else if let parsed = try? SourceURL(parsing: alias), parsed.isAbsolute {
            lock.lock()
            ownDefinitions[alias] = parsed
            lock.unlock()
            url = parsed
        } else {
            throw FunctionError("undefined datasource '\(alias)'")
        }
        if let subpath, !subpath.isEmpty {
            url = try url.resolving(subpath)
        }
        return url
    }
}
