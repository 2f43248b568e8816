import Foundation

/// What happens when a map has no entry for a key: Go's `missingkey` option.
public enum MissingKeyMode: String, Sendable, CaseIterable {
    /// Fail with `map has no entry for key "K"` (gomplate's default, and edpctl's).
    case error
    /// Yield `<no value>` (Go's default; `invalid` is Go's other name for it).
    case `default`
    /// Yield the zero value of the map's element type.
    case zero
}

public struct TemplateOptions: Sendable {
    public var leftDelimiter: String
    public var rightDelimiter: String
    public var missingKey: MissingKeyMode

    public init(leftDelimiter: String = "<<<", rightDelimiter: String = ">>>", missingKey: MissingKeyMode = .error) {
        self.leftDelimiter = leftDelimiter
        self.rightDelimiter = rightDelimiter
        self.missingKey = missingKey
    }
}

/// A parse or execution error, worded as Go's text/template words it.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A parsed set of templates, ready to execute: the template itself plus every template it (or a
/// source added with `addTemplate`) defines. Parsing happens once; executing never re-scans text.
/// Safe to execute from several threads once parsing is done.
public final class Template: @unchecked Sendable {
    public let name: String
    let options: TemplateOptions
    let functions: FunctionTable
    private var trees: [String: Tree] = [:]
    /// The tree `execute` runs: fixed at init, as Go's template object keeps its own tree even when a
    /// later source redefines its name in the set.
    private var mainTree: Tree?
    /// The functions of definitions a later one replaced (`tmpl.Inline` reuses names), which may
    /// have run: part of `calledFunctions`.
    private var replacedFunctions: Set<String> = []
    /// `tmpl.Inline` adds templates while the set executes.
    private let treesLock = NSLock()

    /// Parses `text` as the template `name` (plus any `define`d templates in it).
    public convenience init(name: String, text: String, options: TemplateOptions = TemplateOptions(),
                            functions: FunctionTable) throws {
        try self.init(name: name, bytes: Array(text.utf8), options: options, functions: functions)
    }

    /// Parses a template given as bytes, as Go's `Parse` takes a string of any bytes: text outside
    /// actions is kept byte for byte, valid UTF-8 or not, and comes out as it went in.
    public init(name: String, bytes: [UInt8], options: TemplateOptions = TemplateOptions(),
                functions: FunctionTable) throws {
        self.name = name
        self.options = options
        self.functions = functions
        try addTemplate(name: name, bytes: bytes)
        mainTree = tree(named: name)
    }

    /// Parses another source into the same set (gomplate's `-t alias=file`): its `define`s and itself
    /// under `name` become callable with `template "name" .`.
    public func addTemplate(name: String, text: String) throws {
        try addTemplate(name: name, bytes: Array(text.utf8))
    }

    /// `addTemplate` of a source given as bytes.
    public func addTemplate(name: String, bytes: [UInt8]) throws {
        let source = Source(name: name, text: bytes,
                            leftDelim: options.leftDelimiter.isEmpty ? "{{" : options.leftDelimiter,
                            rightDelim: options.rightDelimiter.isEmpty ? "}}" : options.rightDelimiter)
        let parsed = try TemplateParser.parse(name: name, source: source, options: options, functions: functions)
        treesLock.lock()
        defer { treesLock.unlock() }
        for (definedName, tree) in parsed {
            // As Go's associate: an empty definition does not replace an existing one.
            if trees[definedName] != nil && tree.isEmpty { continue }
            trees[definedName]?.root.collectFunctionNames(into: &replacedFunctions)
            trees[definedName] = tree
        }
    }

    /// The name of every function the set's templates call (`printf`, `strings.ToUpper`): those of
    /// templates `tmpl.Inline` added while executing, and of definitions a later one replaced, too,
    /// since they may have run. Tells whether an output can depend on more than the template's data.
    public var calledFunctions: Set<String> {
        treesLock.lock()
        defer { treesLock.unlock() }
        var names = replacedFunctions
        for tree in trees.values { tree.root.collectFunctionNames(into: &names) }
        return names
    }

    func tree(named name: String) -> Tree? {
        treesLock.lock()
        defer { treesLock.unlock() }
        return trees[name]
    }

    /// Renders the template with `data` as dot.
    public func execute(_ data: Value, host: FunctionContext) throws -> String {
        String(decoding: try render(data, host: host), as: UTF8.self)
    }

    /// Renders the template, going on past missing map keys (with the zero value) to name them all.
    /// The output is only meaningful when no key was missing.
    public func renderReportingMissingKeys(_ data: Value, host: FunctionContext) throws -> (output: [UInt8], missing: [MissingKey]) {
        guard let tree = mainTree else {
            throw TemplateError("template: \(name): \(goQuote(name)) is an incomplete or empty template")
        }
        let collector = MissingKeyCollector()
        let execution = Execution(template: self, tree: tree, host: host, rootData: data, missingKeys: collector)
        try execution.run(data)
        return (execution.output, collector.keys)
    }

    /// Renders the template with `data` as dot, as bytes: its text as it was given, the values
    /// printed as UTF-8.
    public func render(_ data: Value, host: FunctionContext) throws -> [UInt8] {
        guard let tree = mainTree else {
            throw TemplateError("template: \(name): \(goQuote(name)) is an incomplete or empty template")
        }
        let execution = Execution(template: self, tree: tree, host: host, rootData: data)
        try execution.run(data)
        return execution.output
    }
}

/// A map key a template asked for and did not find: where (`file:line:col`), which key, and the
/// expression that asked (`.Env.DOMAIN`).
public struct MissingKey: Sendable, Equatable, CustomStringConvertible {
    public let location: String
    public let key: String
    public let expression: String

    public var description: String { "\(location): missing key \(goQuote(key)) (in \(expression))" }
}

final class MissingKeyCollector {
    private(set) var keys: [MissingKey] = []
    func record(_ key: MissingKey) { keys.append(key) }
}
