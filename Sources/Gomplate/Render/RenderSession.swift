import Foundation
import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A data source or context named on the command line: gomplate's `-d`/`-c` argument.
public struct NamedSource: Sendable, Equatable {
    public let alias: String
    public let url: SourceURL

    public init(alias: String, url: SourceURL) {
        self.alias = alias
        self.url = url
    }

    /// `alias=url`, or a file in the working directory, whose alias is its name up to the first dot
    /// (`-d config.yaml` is `config`).
    public init(argument: String) throws {
        if let equals = argument.firstIndex(of: "="), equals != argument.startIndex {
            alias = String(argument[..<equals])
            url = try SourceURL(sourceArgument: String(argument[argument.index(after: equals)...]))
            return
        }
        guard !argument.contains("/") else {
            throw FunctionError("invalid argument (\(argument)): must provide an alias with files not in working directory")
        }
        alias = String(argument.prefix { $0 != "." })
        url = try SourceURL(sourceArgument: argument)
    }
}

/// A nested template named on the command line: gomplate's `-t alias=path` (or `-t path`, whose
/// alias is the path). A directory gives all its files (not recursively), each as `alias/name`.
public struct NestedTemplateSource: Sendable, Equatable {
    public let alias: String
    public let path: String

    public init(alias: String, path: String) {
        self.alias = alias
        self.path = path
    }

    public init(argument: String) {
        if let equals = argument.firstIndex(of: "="), equals != argument.startIndex {
            alias = String(argument[..<equals])
            path = String(argument[argument.index(after: equals)...])
        } else {
            alias = argument
            path = argument
        }
    }
}

/// Everything about a render except its inputs and outputs.
public struct RenderConfiguration: Sendable {
    public var options: TemplateOptions
    public var contexts: [NamedSource]
    public var dataSources: [NamedSource]
    public var nestedTemplates: [NestedTemplateSource]
    public var workingDirectory: String
    public var environment: [String: String]
    public var standardInput: StandardInput
    /// Template functions that run programs (`--plugin`), and the seconds each may take unless it says.
    package var plugins: [Plugin] = []
    package var pluginTimeout = Plugin.defaultTimeout
    /// Headers sent with the http(s) data sources and contexts of an alias (`--datasource-header`).
    package var dataSourceHeaders: [DataSourceHeader] = []

    public init(options: TemplateOptions = TemplateOptions(), contexts: [NamedSource] = [],
                dataSources: [NamedSource] = [], nestedTemplates: [NestedTemplateSource] = [],
                workingDirectory: String = FileManager.default.currentDirectoryPath,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                standardInput: StandardInput = StandardInput()) {
        self.options = options
        self.contexts = contexts
        self.dataSources = dataSources
        self.nestedTemplates = nestedTemplates
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.standardInput = standardInput
    }
}

/// A rendered template, and whether the render cache may keep it: whether the template (and every
/// template it could run) calls only functions that read nothing but their arguments and what the
/// cache key holds, so that the output depends on nothing but the template's file, the session
/// and the environment variables it read.
public struct RenderOutput: Sendable {
    public let bytes: [UInt8]
    public let isCacheable: Bool
    public let environmentReads: EnvironmentReads

    public init(bytes: [UInt8], isCacheable: Bool, environmentReads: EnvironmentReads = EnvironmentReads()) {
        self.bytes = bytes
        self.isCacheable = isCacheable
        self.environmentReads = environmentReads
    }
}

/// A render's shared state, set up once: the data sources, the data every template sees as `.`
/// (`.Env` and the contexts), and the nested templates' bytes. `render` may be called from many
/// threads at once; each call parses its own `Template`.
public final class RenderSession: Sendable {
    public let options: TemplateOptions
    public let sources: DataSources
    /// The root context: `.Env` plus one entry per context, or a `-c .=FILE` context's data alone.
    public let data: Value
    private let nestedTemplates: [(name: String, bytes: [UInt8])]
    /// The contexts (alias, URL) and every source read to build `data`, hashed.
    private let contextsDigest: Hash128
    /// Whether `data` holds `.Env` (not so under a `-c .=FILE` context).
    private let dataHoldsEnvironment: Bool
    /// gomplate's functions, and the plugins of this render.
    let functions: FunctionTable

    public init(_ configuration: RenderConfiguration) throws {
        options = configuration.options
        var definitions: [String: SourceURL] = [:]
        for source in configuration.dataSources + configuration.contexts { definitions[source.alias] = source.url }
        sources = DataSources(definitions: definitions, workingDirectory: configuration.workingDirectory,
                              environment: configuration.environment, standardInput: configuration.standardInput,
                              headers: configuration.dataSourceHeaders)
        functions = configuration.plugins.isEmpty ? .gomplate
            : try FunctionTable.gomplate.adding(configuration.plugins, defaultTimeout: configuration.pluginTimeout)
        nestedTemplates = try Self.loadNestedTemplates(configuration.nestedTemplates,
                                                      workingDirectory: configuration.workingDirectory)
        data = try Self.rootData(contexts: configuration.contexts, sources: sources)
        dataHoldsEnvironment = !configuration.contexts.contains { $0.alias == "." }

        var digest = Hash128Builder()
        digest.add(UInt64(configuration.contexts.count))
        for context in configuration.contexts {
            digest.add(context.alias)
            digest.add(context.url.description)
        }
        sources.addContents(to: &digest)
        contextsDigest = digest.finish()
    }

    /// Renders `bytes` as the template `name` (its path as given, or `<arg>` for `-i`). Text
    /// outside actions comes out byte for byte, UTF-8 or not, as in Go.
    public func render(name: String, bytes: [UInt8]) throws -> [UInt8] {
        try parse(name: name, bytes: bytes).render(data, host: RenderHost(templatePath: name, sources: sources))
    }

    /// Renders like `render`, and tells whether the output may be cached and which environment
    /// variables it read. The functions are looked at after executing, so that those of
    /// `tmpl.Inline` templates count too.
    public func renderOutput(name: String, bytes: [UInt8]) throws -> RenderOutput {
        let template = try parse(name: name, bytes: bytes)
        let log = ReadLog()
        let output = try template.render(data(readLog: log),
                                         host: RenderHost(templatePath: name, sources: sources, readLog: log))
        return RenderOutput(bytes: output, isCacheable: isCacheable(template.calledFunctions),
                            environmentReads: EnvironmentReads(log))
    }

    /// gomplate's `--output-map` for one file (gomplate.go, `mappingNamer`): `map` rendered as the
    /// template `<OutputMap>` with `.in`, the file's path below the input directory, `.ctx`, the
    /// usual context, and the context's own keys besides those two; trimmed of white space and
    /// cleaned. Errors name the file, never the context (it holds the environment).
    package func outputPath(map: [UInt8], relativePath: String) throws -> String {
        var context = MapValue()
        if case .map(let root) = data {
            for (key, value) in root.entries where key != "in" && key != "ctx" { context[key] = value }
        }
        context["ctx"] = data
        context["in"] = .string(relativePath)
        let output = try parse(name: "<OutputMap>", bytes: map)
            .render(.map(context), host: RenderHost(templatePath: "<OutputMap>", sources: sources))
        let trimmed = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "" : cleanPath(trimmed)
    }

    /// `data` with a `.Env` that tells `log` what is read of it.
    private func data(readLog log: ReadLog) -> Value {
        guard dataHoldsEnvironment, case .map(var root) = data, case .map(var environment)? = root["Env"] else {
            return data
        }
        environment.readLog = log
        root["Env"] = .map(environment)
        return .map(root)
    }

    /// Whether a template calling `functions` renders to the same output whenever its file,
    /// `cacheFingerprint` and the environment variables it read are the same.
    func isCacheable(_ functions: Set<String>) -> Bool {
        // The environment (and the `NAME_FILE` files) by what the render read: `EnvironmentSnapshot`.
        let keyed: FunctionInputs = [.environment, .environmentFiles, .templates]
        return functions.allSatisfy { self.functions.inputs(ofCalled: $0).isSubset(of: keyed) }
    }

    /// The environment as the render cache compares it, files `getenv` may follow included: taken
    /// before rendering, so that a change while the tree renders is seen by the next run.
    func environmentSnapshot() -> EnvironmentSnapshot {
        EnvironmentSnapshot(variables: sources.environment, workingDirectory: sources.workingDirectory)
    }

    /// A hash of all a pure template's output depends on besides its own file and the environment
    /// (`EnvironmentSnapshot`): the options, the working directory, the data source definitions,
    /// the contexts as read, and the nested templates.
    func cacheFingerprint() -> Hash128 {
        var hash = Hash128Builder()
        hash.add(options.leftDelimiter)
        hash.add(options.rightDelimiter)
        hash.add(options.missingKey.rawValue)
        hash.add(sources.workingDirectory)
        let aliases = sources.aliases.sorted(by: goStringLess)
        hash.add(UInt64(aliases.count))
        for alias in aliases {
            hash.add(alias)
            hash.add(sources.url(for: alias)?.description ?? "")
        }
        hash.add(contextsDigest)
        hash.add(UInt64(nestedTemplates.count))
        for nested in nestedTemplates {
            hash.add(nested.name)
            hash.add(nested.bytes)
        }
        return hash.finish()
    }

    private func parse(name: String, bytes: [UInt8]) throws -> Template {
        let template = try Template(name: name, bytes: bytes, options: options, functions: functions)
        for nested in nestedTemplates {
            try template.addTemplate(name: nested.name, bytes: nested.bytes)
        }
        return template
    }

    private static func rootData(contexts: [NamedSource], sources: DataSources) throws -> Value {
        let reader = RenderHost(templatePath: "", sources: sources)
        if contexts.contains(where: { $0.alias == "." }) {
            return try reader.dataSource(".", subpath: nil)
        }
        var root = MapValue()
        for context in contexts {
            root[context.alias] = try reader.dataSource(context.alias, subpath: nil)
        }
        // In gomplate `.Env` is a method of the context, so it shadows a context named Env.
        root["Env"] = .map(MapValue(sources.environment.mapValues { .string($0) }, elementType: .string))
        return .map(root)
    }

    private static func loadNestedTemplates(_ sources: [NestedTemplateSource],
                                            workingDirectory: String) throws -> [(name: String, bytes: [UInt8])] {
        var templates: [(name: String, bytes: [UInt8])] = []
        for source in sources {
            let path = joinPath(workingDirectory, source.path)
            var status = stat()
            guard stat(path, &status) == 0 else {
                throw FileError("parse nested templates: stat \(goQuote(source.path)): open", source.path, errno: errno)
            }
            if status.st_mode & S_IFMT == S_IFDIR {
                let files = try listDirectory(path).filter { $0.kind == .file }.map(\.name).sorted(by: goStringLess)
                for name in files {
                    templates.append((cleanPath(source.alias + "/" + name), try readFileBytes(joinPath(path, name))))
                }
            } else {
                templates.append((source.alias, try readFileBytes(path)))
            }
        }
        return templates
    }
}
