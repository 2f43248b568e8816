import Foundation

/// A value as a template sees it: the dynamic types that Go's text/template meets in gomplate
/// (`interface{}` holding string, int, float64, bool, nil, `[]interface{}`, `map[string]interface{}`).
/// The distinctions matter because Go's comparisons and `printf` verbs are strict about them.
public enum Value: Sendable {
    /// A nil interface. At the top of a pipeline Go prints it as `<no value>`, inside `print` or a
    /// container as `<nil>`.
    case null
    case bool(Bool)
    /// Go's `int`/`int64` (gomplate's integer results are either; they print alike).
    case int(Int)
    case float(Double)
    case string(String)
    /// Go's `[]byte`: prints as a list of numbers, `conv.ToString` turns it into text.
    case bytes([UInt8])
    case list([Value])
    case map(MapValue)
    /// A Go struct or pointer with fields and methods (`*url.URL`, `time.Time`, a regexp…).
    case object(any TemplateObject)

    public static let empty = Value.string("")
}

/// `map[string]interface{}` or, for `.Env`, `map[string]string`. The element type decides what a
/// missing key yields under `--missing-key zero`.
public struct MapValue: Sendable {
    public enum ElementType: Sendable { case any, string }

    private var storage: [String: Value]
    public var elementType: ElementType
    /// When set, hears of every read: a key looked up (`subscript`), or the whole map (`entries`,
    /// however it is then used). The render cache keys `.Env` this way on the variables read.
    public var readLog: ReadLog?

    public init(_ entries: [String: Value] = [:], elementType: ElementType = .any) {
        self.storage = entries
        self.elementType = elementType
    }

    /// All the entries: a read of the whole map.
    public var entries: [String: Value] {
        get {
            readLog?.readAll()
            return storage
        }
        // In place, so that `map.entries[key] = value` does not copy the dictionary.
        _modify {
            readLog?.readAll()
            yield &storage
        }
    }

    /// One entry: a read of `key` alone, present or not.
    public subscript(key: String) -> Value? {
        get {
            readLog?.read(key)
            return storage[key]
        }
        set { storage[key] = newValue }
    }

    /// Keys in Go's order for maps: byte-wise.
    public var sortedKeys: [String] {
        entries.keys.sorted(by: goStringLess)
    }

    public var zeroElement: Value {
        elementType == .string ? .string("") : .null
    }
}

/// Which keys of a map, or of the environment, one render read, or that it read all of them:
/// told by `MapValue` and by hosts (`FunctionContext.environmentVariable`). Locked, since values
/// holding it are `Sendable` and may be read on any thread.
public final class ReadLog: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: Set<String> = []
    private var all = false

    public init() {}

    public func read(_ key: String) {
        lock.lock()
        keys.insert(key)
        lock.unlock()
    }

    public func readAll() {
        lock.lock()
        all = true
        lock.unlock()
    }

    /// The keys read one by one, and whether everything was read.
    public var reads: (keys: Set<String>, all: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (keys, all)
    }
}

/// Go orders strings by their bytes; Swift's `<` compares Unicode canonically, which differs.
@inlinable
public func goStringLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// A Go value with fields and methods, reached by `.Field` or `.Method arg…` in a template.
public protocol TemplateObject: Sendable {
    /// Go's `%T` of the value, e.g. `*url.URL`; also used in error messages.
    var goTypeName: String { get }
    /// What `fmt.Print` writes for it.
    var goDescription: String { get }
    /// The field or zero-argument method result named `name`, or nil when there is none.
    func member(_ name: String, arguments: [Value]) throws -> Value?
}

extension Value {
    /// Go's name for the dynamic type, as error messages print it.
    public var goTypeName: String {
        switch self {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float64"
        case .string: return "string"
        case .bytes: return "[]uint8"
        case .list: return "[]interface {}"
        case .map(let m): return m.elementType == .string ? "map[string]string" : "map[string]interface {}"
        case .object(let o): return o.goTypeName
        }
    }

    /// Go's `truth`: false for the zero value of the type, for nil, and for empty containers.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let f): return f != 0
        case .string(let s): return !s.isEmpty
        case .bytes(let b): return !b.isEmpty
        case .list(let l): return !l.isEmpty
        case .map(let m): return !m.entries.isEmpty
        case .object: return true
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// An error a function raises; the evaluator adds the template position and the function name.
public struct FunctionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What the caller of the engine supplies: the environment, data sources and the working directory.
public protocol FunctionContext: AnyObject, Sendable {
    /// The whole environment (the `TZ` of the time functions, `env.Env`): a read of all of it.
    var environment: [String: String] { get }
    /// One variable (`env.Getenv`, `env.HasEnv`): a read of `name` alone, set or not.
    func environmentVariable(_ name: String) -> String?
    var workingDirectory: String { get }
    /// The path of the template being rendered, as given on the command line (`tmpl.Path`).
    var templatePath: String { get }
    /// The data source named `alias`, read and decoded (`ds`, `datasource`).
    func dataSource(_ alias: String, subpath: String?) throws -> Value
    /// The data source's raw text (`include`).
    func dataSourceText(_ alias: String, subpath: String?) throws -> String
    func hasDataSource(_ alias: String) -> Bool
}

extension FunctionContext {
    public func environmentVariable(_ name: String) -> String? { environment[name] }
}

/// What a function body receives besides its arguments: the host's context and a way back into the
/// engine for `tmpl.Exec` and `tmpl.Inline`.
public protocol CallContext: AnyObject {
    var host: FunctionContext { get }
    /// The data the outermost template was rendered with (gomplate's default context for `tmpl.Exec`).
    var rootData: Value { get }
    /// Renders the template `name` (defined in this set) with `data` as dot.
    func executeNamedTemplate(_ name: String, data: Value) throws -> String
    /// Parses `text` as a template named `name` with the current delimiters, adds it to the set (so a
    /// later `template "name"` finds it) and renders it.
    func executeInline(name: String, text: String, data: Value) throws -> String
}

public typealias FunctionBody = @Sendable (_ arguments: [Value], _ context: CallContext) throws -> Value

/// What a function's result may depend on besides its arguments, and what a call may change. The
/// render cache reuses an output only when everything the template's functions read is in its key;
/// a function that has not said counts as reading anything.
public struct FunctionInputs: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Environment variables (`env.Getenv`, the `TZ` of `time.Now`), read through the host: one by
    /// `environmentVariable`, all by `environment`, which the render cache tells apart.
    public static let environment = FunctionInputs(rawValue: 1 << 0)
    /// The files `NAME_FILE` variables name, read when `NAME` is empty (`getenv`).
    public static let environmentFiles = FunctionInputs(rawValue: 1 << 1)
    /// The template set and the template's path (`tmpl.Exec`, `tmpl.Path`).
    public static let templates = FunctionInputs(rawValue: 1 << 2)
    /// Files and folders, read or written (`file.Read`, `file.Write`).
    public static let files = FunctionInputs(rawValue: 1 << 3)
    /// Data sources, read or defined (`ds`, `defineDatasource`).
    public static let dataSources = FunctionInputs(rawValue: 1 << 4)
    /// The clock (`time.Now`).
    public static let clock = FunctionInputs(rawValue: 1 << 5)
    /// The system's zone database and local zone (`time.Parse`).
    public static let timeZones = FunctionInputs(rawValue: 1 << 6)
    /// Random numbers (`random.Alpha`, `uuid.V4`).
    public static let randomness = FunctionInputs(rawValue: 1 << 7)
    /// Name servers and the hosts file (`net.LookupIP`): the answer may change at any time.
    public static let network = FunctionInputs(rawValue: 1 << 8)
    /// Other programs' output (gomplate's plugins).
    public static let programs = FunctionInputs(rawValue: 1 << 9)
    /// Not said: anything, as far as anyone knows.
    public static let undeclared = FunctionInputs(rawValue: 1 << 15)
}

/// A template function: its name as Go error messages show it, how many arguments it takes, what
/// it reads besides them, and its body. Arity is checked before the body runs, with Go's wording.
public struct TemplateFunction: Sendable {
    public let name: String
    public let minArguments: Int
    /// nil: variadic.
    public let maxArguments: Int?
    /// What the result may depend on besides the arguments. `undeclared` unless the registration
    /// says, so that a function nobody classified never makes an output look reusable.
    public let reads: FunctionInputs
    public let body: FunctionBody

    /// Whether the result depends on the arguments alone.
    public var isPure: Bool { reads.isEmpty }

    public init(_ name: String, arguments: Int, reads: FunctionInputs = .undeclared, _ body: @escaping FunctionBody) {
        self.name = name
        self.minArguments = arguments
        self.maxArguments = arguments
        self.reads = reads
        self.body = body
    }

    public init(_ name: String, atLeast minimum: Int, atMost maximum: Int? = nil, reads: FunctionInputs = .undeclared,
                _ body: @escaping FunctionBody) {
        self.name = name
        self.minArguments = minimum
        self.maxArguments = maximum
        self.reads = reads
        self.body = body
    }
}

/// The functions a template may call, by the name it calls them (`strings.ToUpper`, `toUpper`).
public struct FunctionTable: Sendable {
    package typealias UnknownFunctionHint = @Sendable (_ name: String, _ known: Set<String>) -> String?

    public private(set) var functions: [String: TemplateFunction] = [:]
    /// Namespaces such as `strings`, which the parser joins with a following field. Kept up to date
    /// by `add`, since the parser asks for every identifier it meets.
    public var namespaces: Set<String> { extras.namespaces }
    /// The message for a call of a function the table lacks, in place of Go's `function "NAME" not
    /// defined`; nil keeps Go's. It hears the name as written (`strings.ToUper`, `aws.EC2Meta`, a
    /// namespace and field joined even when the namespace is unknown) and every name the parser
    /// knows. A table of gomplate's sets it (`did you mean`); plain text/template keeps Go's text.
    package var unknownFunctionHint: UnknownFunctionHint? {
        get { extras.unknownFunctionHint }
        set { extras = Extras(namespaces: extras.namespaces, unknownFunctionHint: newValue) }
    }
    /// The namespaces and the hint behind one reference, so the table stays two words wide: the
    /// parser keeps it in the frames of every nested expression, where each word more cost depth
    /// (1000 nested parentheses no longer parsed when the hint was a field of its own).
    private var extras = Extras(namespaces: [], unknownFunctionHint: nil)

    private final class Extras: Sendable {
        let namespaces: Set<String>
        let unknownFunctionHint: UnknownFunctionHint?

        init(namespaces: Set<String>, unknownFunctionHint: UnknownFunctionHint?) {
            self.namespaces = namespaces
            self.unknownFunctionHint = unknownFunctionHint
        }
    }

    public init() {}

    public mutating func add(_ function: TemplateFunction, as names: String...) {
        for name in names {
            functions[name] = function
            // A new namespace is rare (a dozen per table), so the box is replaced then.
            if let dot = name.firstIndex(of: "."), !extras.namespaces.contains(String(name[..<dot])) {
                extras = Extras(namespaces: extras.namespaces.union([String(name[..<dot])]),
                                unknownFunctionHint: extras.unknownFunctionHint)
            }
        }
    }

    public subscript(name: String) -> TemplateFunction? { functions[name] }

    public func contains(_ name: String) -> Bool { functions[name] != nil }

    /// What a call of `name` may read besides its arguments: the table's function's inputs, nothing
    /// for Go's builtins (which the table's functions override, as in `slice`), else `undeclared`.
    public func inputs(ofCalled name: String) -> FunctionInputs {
        if let function = functions[name] { return function.reads }
        return Builtin(rawValue: name) == nil ? .undeclared : []
    }
}
