/// The parse tree. Every node keeps its byte position in the source, and prints itself back as Go
/// prints it, so that execution errors can say where they happened (`at <.Env.DOMAIN>`).

/// A source text shared by the nodes parsed from it, for turning positions into line:column.
final class Source: Sendable {
    /// The name errors show (Go's ParseName: the file the text came from, even inside a define).
    let name: String
    let text: [UInt8]
    /// The delimiters the text was parsed with; nodes print themselves back with them, as Go does.
    let leftDelim: String
    let rightDelim: String

    init(name: String, text: [UInt8], leftDelim: String, rightDelim: String) {
        self.name = name
        self.text = text
        self.leftDelim = leftDelim
        self.rightDelim = rightDelim
    }

    /// The line and column of a byte position, both 1-based; the column counts bytes (Go's
    /// `ErrorContext` prints it less one).
    func lineAndColumn(of position: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = -1
        var index = 0
        let end = min(position, text.count)
        while index < end {
            if text[index] == 0x0A {
                line += 1
                lineStart = index
            }
            index += 1
        }
        return (line, position - lineStart)
    }
}

/// An operand of a command: what may stand in an argument position.
indirect enum Operand {
    case field(FieldNode)
    case variable(VariableNode)
    case identifier(IdentifierNode)
    case chain(ChainNode)
    case pipe(PipeNode)
    case dot(position: Int)
    case nilValue(position: Int)
    case bool(Bool, position: Int)
    case number(NumberNode)
    case string(StringNode)

    var position: Int {
        switch self {
        case .field(let n): return n.position
        case .variable(let n): return n.position
        case .identifier(let n): return n.position
        case .chain(let n): return n.position
        case .pipe(let n): return n.position
        case .dot(let p), .nilValue(let p), .bool(_, let p): return p
        case .number(let n): return n.position
        case .string(let n): return n.position
        }
    }

    var description: String {
        switch self {
        case .field(let n): return n.description
        case .variable(let n): return n.description
        case .identifier(let n): return n.name
        case .chain(let n): return n.description
        case .pipe(let n): return n.description
        case .dot: return "."
        case .nilValue: return "nil"
        case .bool(let b, _): return b ? "true" : "false"
        case .number(let n): return n.text
        case .string(let n): return n.quoted
        }
    }
}

final class FieldNode {
    let position: Int
    let identifiers: [String]
    init(position: Int, identifiers: [String]) {
        self.position = position
        self.identifiers = identifiers
    }
    var description: String { identifiers.map { "." + $0 }.joined() }
}

final class VariableNode {
    let position: Int
    /// The variable's name (`$x`) followed by any fields.
    let identifiers: [String]
    init(position: Int, identifiers: [String]) {
        self.position = position
        self.identifiers = identifiers
    }
    var description: String { identifiers.joined(separator: ".") }
}

final class IdentifierNode {
    let position: Int
    /// The name the template calls, e.g. `toUpper` or `strings.ToUpper`.
    let name: String
    /// What Go's error messages call it: the identifier, or the method name of a namespaced call.
    let callName: String
    init(position: Int, name: String) {
        self.position = position
        self.name = name
        self.callName = name.split(separator: ".").last.map(String.init) ?? name
    }
}

final class ChainNode {
    let position: Int
    let node: Operand
    let fields: [String]
    init(position: Int, node: Operand, fields: [String]) {
        self.position = position
        self.node = node
        self.fields = fields
    }
    var description: String {
        var out: String
        if case .pipe(let pipe) = node { out = "(" + pipe.description + ")" } else { out = node.description }
        for field in fields { out += "." + field }
        return out
    }
}

final class NumberNode {
    let position: Int
    let text: String
    var isInt = false
    var isUint = false
    var isFloat = false
    var isComplex = false
    var int64: Int64 = 0
    var uint64: UInt64 = 0
    var float64: Double = 0
    init(position: Int, text: String) {
        self.position = position
        self.text = text
    }
}

final class StringNode {
    let position: Int
    let quoted: String
    let text: String
    init(position: Int, quoted: String, text: String) {
        self.position = position
        self.quoted = quoted
        self.text = text
    }
}

final class CommandNode {
    let position: Int
    var arguments: [Operand] = []
    init(position: Int) { self.position = position }
    var description: String {
        arguments.map { argument in
            if case .pipe(let pipe) = argument { return "(" + pipe.description + ")" }
            return argument.description
        }.joined(separator: " ")
    }
}

final class PipeNode {
    let position: Int
    let line: Int
    var isAssign = false
    var declarations: [VariableNode] = []
    var commands: [CommandNode] = []
    init(position: Int, line: Int) {
        self.position = position
        self.line = line
    }
    var description: String {
        var out = ""
        if !declarations.isEmpty {
            out = declarations.map(\.description).joined(separator: ", ") + (isAssign ? " = " : " := ")
        }
        // Nested parentheses recurse here, up to the parser's limit, on any stack an error is raised on.
        out += commands.map { command in StackGuard.continuing { command.description } }.joined(separator: " | ")
        return out
    }
}

final class ListNode {
    let position: Int
    var nodes: [ParseNode] = []
    init(position: Int) { self.position = position }
    func description(in source: Source) -> String { nodes.map { $0.description(in: source) }.joined() }
}

final class BranchNode {
    let position: Int
    let line: Int
    let pipe: PipeNode
    let list: ListNode
    let elseList: ListNode?
    init(position: Int, line: Int, pipe: PipeNode, list: ListNode, elseList: ListNode?) {
        self.position = position
        self.line = line
        self.pipe = pipe
        self.list = list
        self.elseList = elseList
    }
    func description(keyword: String, in source: Source) -> String {
        let (left, right) = (source.leftDelim, source.rightDelim)
        var out = left + keyword + " " + pipe.description + right + list.description(in: source)
        if let elseList { out += left + "else" + right + elseList.description(in: source) }
        return out + left + "end" + right
    }
}

final class TemplateNode {
    let position: Int
    let line: Int
    let name: String
    let pipe: PipeNode?
    init(position: Int, line: Int, name: String, pipe: PipeNode?) {
        self.position = position
        self.line = line
        self.name = name
        self.pipe = pipe
    }
    func description(in source: Source) -> String {
        source.leftDelim + "template " + goQuote(name) + (pipe.map { " " + $0.description } ?? "") + source.rightDelim
    }
}

enum ParseNode {
    case text(position: Int, bytes: [UInt8])
    case action(position: Int, pipe: PipeNode)
    case comment(position: Int, text: String)
    case ifNode(BranchNode)
    case rangeNode(BranchNode)
    case withNode(BranchNode)
    case template(TemplateNode)
    case breakLoop(position: Int)
    case continueLoop(position: Int)
    case list(ListNode)
    /// Parser-only markers for `{{end}}` and `{{else}}`; they never reach a finished tree.
    case end(position: Int)
    case elseMarker(position: Int, line: Int)

    func description(in source: Source) -> String {
        let (left, right) = (source.leftDelim, source.rightDelim)
        switch self {
        case .text(_, let bytes): return String(decoding: bytes, as: UTF8.self)
        case .action(_, let pipe): return left + pipe.description + right
        case .comment(_, let text): return left + text + right
        case .ifNode(let b): return StackGuard.continuing { b.description(keyword: "if", in: source) }
        case .rangeNode(let b): return StackGuard.continuing { b.description(keyword: "range", in: source) }
        case .withNode(let b): return StackGuard.continuing { b.description(keyword: "with", in: source) }
        case .template(let t): return t.description(in: source)
        case .breakLoop: return left + "break" + right
        case .continueLoop: return left + "continue" + right
        case .list(let l): return l.description(in: source)
        case .end: return left + "end" + right
        case .elseMarker: return left + "else" + right
        }
    }

    var position: Int {
        switch self {
        case .text(let p, _), .action(let p, _), .comment(let p, _), .breakLoop(let p), .continueLoop(let p),
             .end(let p), .elseMarker(let p, _):
            return p
        case .ifNode(let b), .rangeNode(let b), .withNode(let b): return b.position
        case .template(let t): return t.position
        case .list(let l): return l.position
        }
    }
}

/// One parsed template: its name, its root, and the source its positions refer to.
final class Tree {
    let name: String
    let source: Source
    var root: ListNode

    init(name: String, source: Source, root: ListNode) {
        self.name = name
        self.source = source
        self.root = root
    }

    /// Go's `IsEmptyTree`: only whitespace text and comments.
    var isEmpty: Bool { Tree.isEmpty(.list(root)) }

    private static func isEmpty(_ node: ParseNode) -> Bool {
        switch node {
        case .comment: return true
        case .list(let list): return list.nodes.allSatisfy(isEmpty)
        case .text(_, let bytes): return bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0B || $0 == 0x0C }
        default: return false
        }
    }
}

// MARK: - Called functions

extension ListNode {
    /// Adds the name of every function called below this list (`printf`, `strings.ToUpper`).
    func collectFunctionNames(into names: inout Set<String>) {
        for node in nodes { node.collectFunctionNames(into: &names) }
    }
}

extension ParseNode {
    func collectFunctionNames(into names: inout Set<String>) {
        switch self {
        case .action(_, let pipe):
            pipe.collectFunctionNames(into: &names)
        case .ifNode(let branch), .rangeNode(let branch), .withNode(let branch):
            StackGuard.continuing {
                branch.pipe.collectFunctionNames(into: &names)
                branch.list.collectFunctionNames(into: &names)
                branch.elseList?.collectFunctionNames(into: &names)
            }
        case .template(let node):
            node.pipe?.collectFunctionNames(into: &names)
        case .list(let list):
            list.collectFunctionNames(into: &names)
        case .text, .comment, .breakLoop, .continueLoop, .end, .elseMarker:
            break
        }
    }
}

extension PipeNode {
    func collectFunctionNames(into names: inout Set<String>) {
        for command in commands {
            for argument in command.arguments { argument.collectFunctionNames(into: &names) }
        }
    }
}

extension Operand {
    func collectFunctionNames(into names: inout Set<String>) {
        switch self {
        case .identifier(let identifier): names.insert(identifier.name)
        case .chain(let chain): chain.node.collectFunctionNames(into: &names)
        case .pipe(let pipe): StackGuard.continuing { pipe.collectFunctionNames(into: &names) }
        case .field, .variable, .dot, .nilValue, .bool, .number, .string: break
        }
    }
}
