/// A port of Go's text/template parser: items in, trees out (the template itself and every
/// `define`/`block` in it). Errors are worded and positioned as Go's are:
/// `template: NAME:LINE: message`.
struct TemplateParser {
    private let source: Source
    private let items: [Item]
    private let functions: FunctionTable
    private var index = 0
    /// The furthest item read; Go reports parse errors on that item's line.
    private var furthest = 0
    private var variables: [String] = ["$"]
    private var rangeDepth = 0
    /// Nesting of parentheses, control structures and `block` bodies; bounded so a hostile template
    /// cannot exhaust the stack (Go 1.21 added the same guard for parentheses). `StackGuard` stops
    /// earlier on a thread whose stack is too small for this many levels.
    private var depth = 0
    private static let maxDepth = 1_000
    private var actionLine = 0
    private(set) var trees: [String: Tree] = [:]

    init(source: Source, leftDelim: String, rightDelim: String, functions: FunctionTable) {
        self.source = source
        self.functions = functions
        self.items = Lexer.tokenize(source.text, leftDelim: leftDelim, rightDelim: rightDelim,
                                    breakOK: !functions.contains("break"), continueOK: !functions.contains("continue"))
    }

    /// Parses the source as the template `name`; returns every tree it defines, itself included.
    static func parse(name: String, source: Source, options: TemplateOptions,
                      functions: FunctionTable) throws -> [String: Tree] {
        var parser = TemplateParser(source: source, leftDelim: options.leftDelimiter, rightDelim: options.rightDelimiter,
                            functions: functions)
        let root = try parser.parseRoot()
        try parser.add(Tree(name: name, source: source, root: root))
        return parser.trees
    }

    private func isFunction(_ name: String) -> Bool { functions.contains(name) || Builtins.names.contains(name) }

    private func isNamespace(_ name: String) -> Bool { functions.namespaces.contains(name) }

    // MARK: - Tokens

    private mutating func next() -> Item {
        let current = min(index, items.count - 1)
        index += 1
        furthest = max(furthest, current)
        return items[current]
    }

    private mutating func backup() { index -= 1 }

    private mutating func peek() -> Item {
        let current = min(index, items.count - 1)
        furthest = max(furthest, current)
        return items[current]
    }

    private mutating func nextNonSpace() -> Item {
        var item = next()
        while item.kind == .space { item = next() }
        return item
    }

    private mutating func peekNonSpace() -> Item {
        let item = nextNonSpace()
        backup()
        return item
    }

    private func text(of item: Item) -> ArraySlice<UInt8> { source.text[item.start..<item.end] }

    private func string(of item: Item) -> String { String(decoding: text(of: item), as: UTF8.self) }

    // MARK: - Errors

    private func error(_ message: String) -> TemplateError {
        let line = items[min(furthest, items.count - 1)].line
        return TemplateError(name: source.name, line: line, message: message)
    }

    private func describe(_ item: Item) -> String {
        switch item.kind {
        case .eof: return "EOF"
        case .error: return item.message
        case .block, .breakKeyword, .continueKeyword, .dot, .define, .elseKeyword, .end, .ifKeyword, .nilKeyword,
             .range, .template, .with:
            return "<\(string(of: item))>"
        default:
            let value = string(of: item)
            if value.utf8.count > 10 { return goQuote(String(value.unicodeScalars.prefix(10))) + "..." }
            return goQuote(value)
        }
    }

    private func describe(_ node: ParseNode) -> String { node.description(in: source) }

    private func unexpected(_ item: Item, _ context: String) -> TemplateError {
        if item.kind == .error {
            var extra = ""
            if actionLine != 0 && actionLine != item.line {
                extra = " in action started at \(source.name):\(actionLine)"
                if item.message.hasSuffix(" action") { extra = String(extra.dropFirst(" in action".count)) }
            }
            return error(item.message + extra)
        }
        return error("unexpected \(describe(item)) in \(context)")
    }

    private mutating func expect(_ kind: ItemKind, _ context: String) throws -> Item {
        let item = nextNonSpace()
        if item.kind != kind { throw unexpected(item, context) }
        return item
    }

    // MARK: - Structure

    private mutating func add(_ tree: Tree) throws {
        if let existing = trees[tree.name], !existing.isEmpty {
            if !tree.isEmpty { throw error("template: multiple definition of template \(goQuote(tree.name))") }
            return
        }
        trees[tree.name] = tree
    }

    private mutating func parseRoot() throws -> ListNode {
        let root = ListNode(position: peek().start)
        while peek().kind != .eof {
            if peek().kind == .leftDelim {
                let delimIndex = index
                _ = next()
                if nextNonSpace().kind == .define {
                    try parseDefinition()
                    continue
                }
                index = delimIndex
            }
            let node = try textOrAction()
            switch node {
            case .end, .elseMarker: throw error("unexpected \(describe(node))")
            default: root.nodes.append(node)
            }
        }
        return root
    }

    private mutating func parseDefinition() throws {
        let context = "define clause"
        let name = try templateName(nextNonSpace(), context: context)
        _ = try expect(.rightDelim, context)
        try parseDefinedBody(name: name, context: context)
    }

    /// The body of a `define` or `block` up to its `end`: a template of its own, with its own `$`.
    private mutating func parseDefinedBody(name: String, context: String) throws {
        depth += 1
        defer { depth -= 1 }
        if depth > TemplateParser.maxDepth { throw error("max expression depth exceeded") }
        let savedVariables = variables
        variables = ["$"]
        let (list, end) = try itemList()
        variables = savedVariables
        guard case .end = end else { throw error("unexpected \(describe(end)) in \(context)") }
        try add(Tree(name: name, source: source, root: list))
    }

    private mutating func itemList() throws -> (ListNode, ParseNode) {
        if StackGuard.isNearlyExhausted { throw error("max expression depth exceeded \(StackGuard.exhaustedStack)") }
        let list = ListNode(position: peekNonSpace().start)
        while peekNonSpace().kind != .eof {
            let node = try textOrAction()
            switch node {
            case .end, .elseMarker: return (list, node)
            default: list.nodes.append(node)
            }
        }
        throw error("unexpected EOF")
    }

    private mutating func textOrAction() throws -> ParseNode {
        let item = nextNonSpace()
        switch item.kind {
        case .text:
            return .text(position: item.start, bytes: Array(text(of: item)))
        case .leftDelim:
            actionLine = item.line
            defer { actionLine = 0 }
            return try action()
        default:
            throw unexpected(item, "input")
        }
    }

    private mutating func action() throws -> ParseNode {
        let item = nextNonSpace()
        switch item.kind {
        case .block: return try blockControl()
        case .breakKeyword: return try loopControl(item, keyword: "break")
        case .continueKeyword: return try loopControl(item, keyword: "continue")
        case .elseKeyword: return try elseControl()
        case .end:
            let end = try expect(.rightDelim, "end")
            return .end(position: end.start)
        case .ifKeyword: return .ifNode(try parseControl(context: "if"))
        case .range: return .rangeNode(try parseControl(context: "range"))
        case .template: return try templateControl()
        case .with: return .withNode(try parseControl(context: "with"))
        default: break
        }
        backup()
        let start = peek()
        return .action(position: start.start, pipe: try pipeline(context: "command", end: .rightDelim))
    }

    private mutating func loopControl(_ item: Item, keyword: String) throws -> ParseNode {
        let token = nextNonSpace()
        if token.kind != .rightDelim { throw unexpected(token, "{{\(keyword)}}") }
        if rangeDepth == 0 { throw error("{{\(keyword)}} outside {{range}}") }
        return keyword == "break" ? .breakLoop(position: item.start) : .continueLoop(position: item.start)
    }

    private mutating func elseControl() throws -> ParseNode {
        let peeked = peekNonSpace()
        if peeked.kind == .ifKeyword || peeked.kind == .with {
            return .elseMarker(position: peeked.start, line: peeked.line)
        }
        let item = try expect(.rightDelim, "else")
        return .elseMarker(position: item.start, line: item.line)
    }

    private mutating func parseControl(context: String) throws -> BranchNode {
        depth += 1
        defer { depth -= 1 }
        if depth > TemplateParser.maxDepth { throw error("max expression depth exceeded") }
        let savedVariableCount = variables.count
        defer { variables.removeSubrange(savedVariableCount...) }
        let pipe = try pipeline(context: context, end: .rightDelim)
        if context == "range" { rangeDepth += 1 }
        let (list, next) = try itemList()
        if context == "range" { rangeDepth -= 1 }
        var elseList: ListNode?
        if case .elseMarker(let position, _) = next {
            if context == "if" && peek().kind == .ifKeyword {
                _ = self.next()
                let nested = ListNode(position: position)
                nested.nodes.append(.ifNode(try parseControl(context: "if")))
                elseList = nested
            } else if context == "with" && peek().kind == .with {
                _ = self.next()
                let nested = ListNode(position: position)
                nested.nodes.append(.withNode(try parseControl(context: "with")))
                elseList = nested
            } else {
                let (list, end) = try itemList()
                guard case .end = end else { throw error("expected end; found \(describe(end))") }
                elseList = list
            }
        }
        return BranchNode(position: pipe.position, line: pipe.line, pipe: pipe, list: list, elseList: elseList)
    }

    private mutating func blockControl() throws -> ParseNode {
        let context = "block clause"
        let nameItem = nextNonSpace()
        let name = try templateName(nameItem, context: context)
        let pipe = try pipeline(context: context, end: .rightDelim)
        try parseDefinedBody(name: name, context: context)
        return .template(TemplateNode(position: nameItem.start, line: nameItem.line, name: name, pipe: pipe))
    }

    private mutating func templateControl() throws -> ParseNode {
        let context = "template clause"
        let nameItem = nextNonSpace()
        let name = try templateName(nameItem, context: context)
        var pipe: PipeNode?
        if nextNonSpace().kind != .rightDelim {
            backup()
            pipe = try pipeline(context: context, end: .rightDelim)
        }
        return .template(TemplateNode(position: nameItem.start, line: nameItem.line, name: name, pipe: pipe))
    }

    private func templateName(_ item: Item, context: String) throws -> String {
        guard item.kind == .string || item.kind == .rawString else { throw unexpected(item, context) }
        guard let name = goUnquote(text(of: item)) else { throw error("invalid syntax") }
        return name
    }

    // MARK: - Pipelines

    private mutating func pipeline(context: String, end: ItemKind) throws -> PipeNode {
        if StackGuard.isNearlyExhausted { throw error("max expression depth exceeded \(StackGuard.exhaustedStack)") }
        let first = peekNonSpace()
        let pipe = PipeNode(position: first.start, line: first.line)
        declarations: while peekNonSpace().kind == .variable {
            let variableIndex = index
            let variable = nextNonSpace()
            let following = peekNonSpace()
            if following.kind == .assign || following.kind == .declare {
                pipe.isAssign = following.kind == .assign
                _ = nextNonSpace()
                pipe.declarations.append(VariableNode(position: variable.start, identifiers: [string(of: variable)]))
                variables.append(string(of: variable))
            } else if following.kind == .char && string(of: following) == "," {
                _ = nextNonSpace()
                pipe.declarations.append(VariableNode(position: variable.start, identifiers: [string(of: variable)]))
                variables.append(string(of: variable))
                if context == "range" && pipe.declarations.count < 2 {
                    switch peekNonSpace().kind {
                    case .variable, .rightDelim, .rightParen:
                        continue declarations
                    default:
                        throw error("range can only initialize variables")
                    }
                }
                throw error("too many declarations in \(context)")
            } else {
                index = variableIndex
            }
            break
        }
        while true {
            let item = nextNonSpace()
            switch item.kind {
            case end:
                try checkPipeline(pipe, context: context)
                return pipe
            case .bool, .charConstant, .complex, .dot, .field, .identifier, .number, .nilKeyword, .rawString,
                 .string, .variable, .leftParen:
                backup()
                pipe.commands.append(try command())
            default:
                throw unexpected(item, context)
            }
        }
    }

    private func checkPipeline(_ pipe: PipeNode, context: String) throws {
        if pipe.commands.isEmpty { throw error("missing value for \(context)") }
        for (offset, command) in pipe.commands.enumerated().dropFirst() {
            switch command.arguments[0] {
            case .bool, .dot, .nilValue, .number, .string:
                throw error("non executable command in pipeline stage \(offset + 1)")
            default:
                continue
            }
        }
    }

    private mutating func command() throws -> CommandNode {
        let command = CommandNode(position: peekNonSpace().start)
        while true {
            _ = peekNonSpace()
            if let operand = try operand() { command.arguments.append(operand) }
            let item = next()
            switch item.kind {
            case .space:
                continue
            case .rightDelim, .rightParen:
                backup()
            case .pipe:
                break
            default:
                throw unexpected(item, "operand")
            }
            break
        }
        if command.arguments.isEmpty { throw error("empty command") }
        return command
    }

    private mutating func operand() throws -> Operand? {
        guard var node = try term() else { return nil }
        if peek().kind == .field {
            let chainPosition = peek().start
            var fields: [String] = []
            while peek().kind == .field { fields.append(String(string(of: next()).dropFirst())) }
            switch node {
            case .field(let field):
                node = .field(FieldNode(position: chainPosition, identifiers: field.identifiers + fields))
            case .variable(let variable):
                node = .variable(VariableNode(position: chainPosition, identifiers: variable.identifiers + fields))
            case .bool, .string, .number, .nilValue, .dot:
                throw error("unexpected . after term \(goQuote(node.description))")
            default:
                node = .chain(ChainNode(position: chainPosition, node: node, fields: fields))
            }
        }
        return node
    }

    private mutating func term() throws -> Operand? {
        let item = nextNonSpace()
        switch item.kind {
        case .identifier:
            return .identifier(try identifier(item))
        case .dot:
            return .dot(position: item.start)
        case .nilKeyword:
            return .nilValue(position: item.start)
        case .variable:
            return .variable(try useVariable(item))
        case .field:
            let name = String(string(of: item).dropFirst())
            return .field(FieldNode(position: item.start, identifiers: [name]))
        case .bool:
            return .bool(string(of: item) == "true", position: item.start)
        case .charConstant, .complex, .number:
            return .number(try number(item))
        case .leftParen:
            depth += 1
            defer { depth -= 1 }
            if depth > TemplateParser.maxDepth { throw error("max expression depth exceeded") }
            return .pipe(try pipeline(context: "parenthesized pipeline", end: .rightParen))
        case .string, .rawString:
            guard let value = goUnquote(text(of: item)) else { throw error("invalid syntax") }
            return .string(StringNode(position: item.start, quoted: string(of: item), text: value))
        default:
            backup()
            return nil
        }
    }

    /// A function name; a gomplate namespace joins the field after it (`strings.ToUpper`), which
    /// Go would resolve at run time through a namespace object.
    private mutating func identifier(_ item: Item) throws -> IdentifierNode {
        let name = string(of: item)
        if isFunction(name) { return IdentifierNode(position: item.start, name: name) }
        if isNamespace(name), peek().kind == .field {
            let qualified = name + string(of: peek())
            if isFunction(qualified) {
                _ = next()
                return IdentifierNode(position: item.start, name: qualified)
            }
            throw unknownFunction(qualified)
        }
        throw unknownFunction(name)
    }

    /// Go's `function "NAME" not defined`, unless the table's hook has better words for the name as
    /// written, with the field after it (`aws.EC2Meta`). Not inlined: `identifier` is on the path of
    /// every nested expression, and its frame stays as small as Go's error alone needs.
    @inline(never)
    private func unknownFunction(_ name: String) -> TemplateError {
        let goMessage = "function \(goQuote(name)) not defined"
        guard let hint = functions.unknownFunctionHint else { return error(goMessage) }
        // Looked at without `peek`, which would move the line Go's error names.
        let following = items[min(index, items.count - 1)]
        let written = following.kind == .field && !name.contains(".") ? name + string(of: following) : name
        return error(hint(written, Set(functions.functions.keys).union(Builtins.names)) ?? goMessage)
    }

    private mutating func useVariable(_ item: Item) throws -> VariableNode {
        let name = string(of: item)
        let node = VariableNode(position: item.start, identifiers: [name])
        let base = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        if variables.contains(base) { return node }
        throw error("undefined variable \(goQuote(base))")
    }

    private func number(_ item: Item) throws -> NumberNode {
        let text = string(of: item)
        let node = NumberNode(position: item.start, text: text)
        if item.kind == .charConstant {
            let value: UInt32
            do {
                value = try goCharValue(self.text(of: item))
            } catch CharConstantError.malformed {
                throw error("malformed character constant: \(text)")
            } catch {
                throw self.error("invalid syntax")
            }
            node.isInt = true
            node.int64 = Int64(value)
            node.isUint = true
            node.uint64 = UInt64(value)
            node.isFloat = true
            node.float64 = Double(value)
            return node
        }
        // Go reads a literal ending in `i` as complex only when the rest is a float.
        if item.kind == .complex || text.hasSuffix("i") && (try? goParseFloat(String(text.dropLast())).get()) != nil {
            throw error("complex numbers are not supported: \(goQuote(text))")
        }
        let parsedUint = try? goParseUint(text, base: 0, bitSize: 64).get()
        if let value = parsedUint {
            node.isUint = true
            node.uint64 = value
        }
        if let value = try? goParseInt(text, base: 0, bitSize: 64).get() {
            node.isInt = true
            node.int64 = Int64(value)
            if value == 0 {
                node.isUint = true
                node.uint64 = parsedUint ?? 0
            }
        }
        if node.isInt {
            node.isFloat = true
            node.float64 = Double(node.int64)
        } else if node.isUint {
            node.isFloat = true
            node.float64 = Double(node.uint64)
        } else if let value = try? goParseFloat(text).get(), value.isFinite {
            if !text.contains(where: { ".eEpP".contains($0) }) {
                throw error("integer overflow: \(goQuote(text))")
            }
            node.isFloat = true
            node.float64 = value
            // Go also records a whole float as int or uint when it fits one exactly.
            if value.rounded(.towardZero) == value {
                if value >= -0x1p63, value < 0x1p63 {
                    node.isInt = true
                    node.int64 = Int64(value)
                }
                if value >= 0, value < 0x1p64 {
                    node.isUint = true
                    node.uint64 = UInt64(value)
                }
            }
        }
        if !node.isInt && !node.isUint && !node.isFloat {
            throw error("illegal number syntax: \(goQuote(text))")
        }
        return node
    }
}
