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

/// A parse or execution error: where it happened, as fields, and Go's message. `description` is Go's
/// text byte for byte: `template: NAME:LINE: MESSAGE` from the parser, `template: NAME:LINE:COL:
/// executing "TEMPLATE" at <NODE>: MESSAGE` while executing (COL 0-based there, as Go prints it).
public struct TemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The source the error is in: the file's name, even inside a `define` (Go's ParseName).
    public var name: String { fields.name }
    /// 1-based; nil when Go names no line (an empty template, a failure before the first node).
    public var line: Int? { fields.line }
    /// 1-based, in bytes; nil for parse errors, which Go places by line only.
    public var column: Int? { fields.column }
    /// The template that was executing (a `define`d name, or the file's); nil for parse errors.
    public var executing: String? { fields.executing }
    /// The node execution was at (`.Env.DOMAIN`, `printf "%d" .x`); nil for parse errors.
    public var node: String? { fields.node }
    /// Go's message after the position: `function "foo" not defined`, `map has no entry for key "X"`.
    public var message: String { fields.message }

    /// One reference wide: the parser and the evaluator hold an error at every throw site, and a
    /// debug build keeps each in the frame, so a wider value costs nesting depth on the stack.
    private let fields: Fields

    private final class Fields: Sendable {
        let name: String
        let line: Int?
        let column: Int?
        let executing: String?
        let node: String?
        let message: String

        init(name: String, line: Int?, column: Int?, executing: String?, node: String?, message: String) {
            self.name = name
            self.line = line
            self.column = column
            self.executing = executing
            self.node = node
            self.message = message
        }
    }

    /// A parse error, or an error Go places by the template's name alone.
    public init(name: String, line: Int? = nil, message: String) {
        fields = Fields(name: name, line: line, column: nil, executing: nil, node: nil, message: message)
    }

    /// An execution error at `node`, which starts at `line`:`column` of `name`.
    public init(name: String, line: Int, column: Int, executing: String, node: String, message: String) {
        fields = Fields(name: name, line: line, column: column, executing: executing, node: node, message: message)
    }

    public static func == (a: TemplateError, b: TemplateError) -> Bool {
        a.name == b.name && a.line == b.line && a.column == b.column && a.executing == b.executing
            && a.node == b.node && a.message == b.message
    }

    public var description: String {
        guard let line else { return "template: \(name): \(message)" }
        guard let column, let executing, let node else { return "template: \(name):\(line): \(message)" }
        return "template: \(name):\(line):\(column - 1): executing \(goQuote(executing)) at <\(node)>: \(message)"
    }

    /// The error as a `Diagnostic` about its node: `name:line:col: message`, the column 1-based.
    public var diagnostic: Diagnostic {
        Diagnostic(file: name, line: line, column: column, message: message, subject: node)
    }
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
            throw TemplateError(name: name, message: "\(goQuote(name)) is an incomplete or empty template")
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
            throw TemplateError(name: name, message: "\(goQuote(name)) is an incomplete or empty template")
        }
        let execution = Execution(template: self, tree: tree, host: host, rootData: data)
        try execution.run(data)
        return execution.output
    }
}

/// A map key a template asked for and did not find: which key, the expression that asked
/// (`.Env.DOMAIN`), and where, as a diagnostic about the key (`file:line:col: missing key …`).
public struct MissingKey: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let expression: String
    public let diagnostic: Diagnostic

    /// `column` 1-based, in bytes.
    public init(file: String, line: Int, column: Int, key: String, expression: String) {
        self.key = key
        self.expression = expression
        diagnostic = Diagnostic(file: file, line: line, column: column,
                                message: "missing key \(goQuote(key)) (in \(expression))", subject: key)
    }

    public var description: String { diagnostic.description }
}

final class MissingKeyCollector {
    private(set) var keys: [MissingKey] = []
    func record(_ key: MissingKey) { keys.append(key) }
}
