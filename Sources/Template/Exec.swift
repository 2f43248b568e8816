/// Executes parse trees with Go's text/template semantics. One `Execution` renders one template
/// call; it is also the `CallContext` that functions such as `tmpl.Exec` reach back through.
final class Execution: CallContext {
    /// A value with the one bit of Go's static typing that error messages show: whether it sits in an
    /// `interface{}` (an element of a list or of a `map[string]interface{}`).
    struct Slot {
        var value: Value
        var boxed: Bool
    }

    /// Where evaluation is, for error messages (Go's `state.node`).
    enum Location {
        case operand(Operand)
        case command(CommandNode)
        case pipe(PipeNode)
        case node(ParseNode)

        var position: Int {
            switch self {
            case .operand(let o): return o.position
            case .command(let c): return c.position
            case .pipe(let p): return p.position
            case .node(let n): return n.position
            }
        }

        func description(in source: Source) -> String {
            switch self {
            case .operand(let o): return o.description
            case .command(let c): return c.description
            case .pipe(let p): return p.description
            case .node(let n): return n.description(in: source)
            }
        }
    }

    enum Flow { case normal, breakLoop, continueLoop }

    /// Go allows 100,000 nested template calls on its growable stacks; a thread's fixed stack holds
    /// far fewer, so recursion stops earlier here, with Go's message. A plain level through
    /// `tmpl.Exec` takes about 8 KiB of stack in a debug build (measured); where levels cost more
    /// (actions nested inside each) or the thread's stack is smaller, `StackGuard` stops first.
    static let maxDepth = 400

    let template: Template
    let host: FunctionContext
    let rootData: Value
    /// When set, a missing map key is recorded here and evaluation goes on with the zero value, so
    /// that one run can name every missing key (hydrate's "all missing variables" error).
    let missingKeys: MissingKeyCollector?
    private var tree: Tree
    private var location: Location?
    private var variables: [(name: String, slot: Slot)] = []
    private var depth: Int
    /// Shared with every template this execution calls (`WorkLimits.maxExecutionSteps`).
    private let budget: ExecutionBudget
    var output: [UInt8] = []

    init(template: Template, tree: Tree, host: FunctionContext, rootData: Value, depth: Int = 0,
         missingKeys: MissingKeyCollector? = nil, budget: ExecutionBudget = ExecutionBudget()) {
        self.template = template
        self.tree = tree
        self.host = host
        self.rootData = rootData
        self.depth = depth
        self.missingKeys = missingKeys
        self.budget = budget
    }

    // MARK: - Entry points

    /// Executes the tree with `data` as dot. The outermost execution binds its budget to the
    /// thread, for the value walkers inside functions.
    func run(_ data: Value) throws {
        variables = [("$", Slot(value: data, boxed: false))]
        if ExecutionBudget.current === budget {
            _ = try walk(Slot(value: data, boxed: false), .list(tree.root))
        } else {
            _ = try ExecutionBudget.$current.withValue(budget) {
                try walk(Slot(value: data, boxed: false), .list(tree.root))
            }
        }
    }

    func executeNamedTemplate(_ name: String, data: Value) throws -> String {
        guard let target = template.tree(named: name) else {
            throw FunctionError("template \(goQuote(name)) not defined")
        }
        if depth >= Execution.maxDepth { throw FunctionError("exceeded maximum template depth (\(Execution.maxDepth))") }
        if !budget.spend() { throw FunctionError(budget.stepsMessage) }
        let nested = Execution(template: template, tree: target, host: host, rootData: rootData, depth: depth + 1,
                               missingKeys: missingKeys, budget: budget)
        try nested.run(data)
        return String(decoding: nested.output, as: UTF8.self)
    }

    func executeInline(name: String, text: String, data: Value) throws -> String {
        try template.addTemplate(name: name, text: text)
        return try executeNamedTemplate(name, data: data)
    }

    // MARK: - Errors

    private func at(_ location: Location) { self.location = location }

    /// Counts `count` steps of the execution, failing at `location` past `WorkLimits.maxExecutionSteps`.
    private func step(_ count: Int = 1, at location: Location? = nil) throws {
        if !budget.spend(count) {
            if let location { at(location) }
            throw fail(budget.stepsMessage)
        }
    }

    private func stepsExhausted(at location: Location) -> TemplateError {
        at(location)
        return fail(budget.stepsMessage)
    }

    /// Appends to the output, failing past `WorkLimits.maxOutputBytes`.
    private func write<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws {
        if !budget.write(bytes.count) { throw fail(ExecutionBudget.outputMessage) }
        output.append(contentsOf: bytes)
    }

    private func fail(_ message: String) -> TemplateError {
        guard let location else { return TemplateError(name: tree.name, message: message) }
        let (line, column) = tree.source.lineAndColumn(of: location.position)
        return TemplateError(name: tree.source.name, line: line, column: column, executing: tree.name,
                             node: location.description(in: tree.source), message: message)
    }

    // MARK: - Walking

    private func walk(_ dot: Slot, _ node: ParseNode) throws -> Flow {
        at(.node(node))
        if StackGuard.isNearlyExhausted { throw fail("exceeded maximum template depth \(StackGuard.exhaustedStack)") }
        switch node {
        case .text(_, let bytes):
            try write(bytes)
        case .action(let position, let pipe):
            let value = try evalPipeline(dot, pipe)
            if pipe.declarations.isEmpty { try printValue(.node(.action(position: position, pipe: pipe)), value) }
        case .list(let list):
            for child in list.nodes {
                let flow = try walk(dot, child)
                if flow != .normal { return flow }
            }
        case .ifNode(let branch):
            return try walkIfOrWith(isWith: false, dot, branch)
        case .withNode(let branch):
            return try walkIfOrWith(isWith: true, dot, branch)
        case .rangeNode(let branch):
            return try walkRange(dot, branch, node: node)
        case .template(let call):
            try walkTemplate(dot, call, node: node)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .comment, .end, .elseMarker:
            break
        }
        return .normal
    }

    private func walkIfOrWith(isWith: Bool, _ dot: Slot, _ branch: BranchNode) throws -> Flow {
        let mark = variables.count
        defer { variables.removeSubrange(mark...) }
        let value = try evalPipeline(dot, branch.pipe)
        if value.isTruthy {
            return try walk(isWith ? Slot(value: value, boxed: false) : dot, .list(branch.list))
        } else if let elseList = branch.elseList {
            return try walk(dot, .list(elseList))
        }
        return .normal
    }

    private func walkRange(_ dot: Slot, _ branch: BranchNode, node: ParseNode) throws -> Flow {
        at(.node(node))
        let outerMark = variables.count
        defer { variables.removeSubrange(outerMark...) }
        let value = try evalPipeline(dot, branch.pipe)
        let mark = variables.count
        let declarations = branch.pipe.declarations.count

        func iterate(_ index: Slot, _ element: Slot) throws -> Bool {
            let pipe = branch.pipe
            try step(at: .pipe(pipe))
            if pipe.isAssign {
                // `range $i, $e = …` assigns variables declared outside the range.
                if declarations > 1 {
                    try setVariable(pipe.declarations[0].identifiers[0], index)
                    try setVariable(pipe.declarations[1].identifiers[0], element)
                } else if declarations == 1 {
                    try setVariable(pipe.declarations[0].identifiers[0], element)
                }
            } else {
                if declarations > 0 { variables[variables.count - 1].slot = element }
                if declarations > 1 { variables[variables.count - 2].slot = index }
            }
            defer { variables.removeSubrange(mark...) }
            return try walk(element, .list(branch.list)) == .breakLoop
        }

        switch value {
        case .list(let list) where !list.isEmpty:
            for (offset, element) in list.enumerated() {
                if try iterate(Slot(value: .int(offset), boxed: false), Slot(value: element, boxed: true)) { break }
            }
            return .normal
        case .bytes(let bytes) where !bytes.isEmpty:
            for (offset, byte) in bytes.enumerated() {
                if try iterate(Slot(value: .int(offset), boxed: false), Slot(value: .int(Int(byte)), boxed: false)) { break }
            }
            return .normal
        case .map(let map) where !map.entries.isEmpty:
            let boxed = map.elementType == .any
            for key in map.sortedKeys {
                if try iterate(Slot(value: .string(key), boxed: false), Slot(value: map.entries[key]!, boxed: boxed)) { break }
            }
            return .normal
        case .int(let count):
            if declarations > 1 { throw fail("can't use \(count) to iterate over more than one variable") }
            if count > 0 {
                for number in 0..<count {
                    if try iterate(Slot(value: .null, boxed: false), Slot(value: .int(number), boxed: false)) { break }
                }
                return .normal
            }
        case .list, .bytes, .map, .null:
            break
        default:
            throw fail("range can't iterate over \(goPrintForMessage(value))")
        }
        if let elseList = branch.elseList { return try walk(dot, .list(elseList)) }
        return .normal
    }

    private func walkTemplate(_ dot: Slot, _ call: TemplateNode, node: ParseNode) throws {
        at(.node(node))
        guard let target = template.tree(named: call.name) else {
            throw fail("template \(goQuote(call.name)) not defined")
        }
        if depth == Execution.maxDepth { throw fail("exceeded maximum template depth (\(Execution.maxDepth))") }
        try step()
        let value = try call.pipe.map { try evalPipeline(dot, $0) } ?? .null
        let nested = Execution(template: template, tree: target, host: host, rootData: rootData, depth: depth + 1,
                               missingKeys: missingKeys, budget: budget)
        nested.output = output
        output = []
        defer { output = nested.output }
        try nested.run(value)
    }

    private func printValue(_ node: Location, _ value: Value) throws {
        at(node)
        switch value {
        case .null: try write("<no value>".utf8)
        case .string(let s): try write(s.utf8)
        default:
            let text: String
            do {
                text = try goPrint(value)
            } catch let error as FunctionError {
                at(node)
                throw fail(error.message)
            }
            try write(text.utf8)
        }
    }

    // MARK: - Pipelines and commands

    private func evalPipeline(_ dot: Slot, _ pipe: PipeNode) throws -> Value {
        at(.pipe(pipe))
        if StackGuard.isNearlyExhausted { throw fail("exceeded maximum template depth \(StackGuard.exhaustedStack)") }
        var value: Value?
        for command in pipe.commands {
            value = try evalCommand(dot, command, final: value)
        }
        let result = value ?? .null
        for declaration in pipe.declarations {
            let slot = Slot(value: result, boxed: false)
            if pipe.isAssign {
                try setVariable(declaration.identifiers[0], slot)
            } else {
                variables.append((declaration.identifiers[0], slot))
            }
        }
        return result
    }

    private func setVariable(_ name: String, _ slot: Slot) throws {
        for index in variables.indices.reversed() where variables[index].name == name {
            variables[index].slot = slot
            return
        }
        throw fail("undefined variable: \(name)")
    }

    private func variable(_ name: String) throws -> Slot {
        for index in variables.indices.reversed() where variables[index].name == name {
            return variables[index].slot
        }
        throw fail("undefined variable: \(name)")
    }

    private func notAFunction(_ arguments: [Operand], final: Value?) throws {
        if arguments.count > 1 || final != nil {
            throw fail("can't give argument to non-function \(arguments[0].description)")
        }
    }

    private func evalCommand(_ dot: Slot, _ command: CommandNode, final: Value?) throws -> Value {
        let first = command.arguments[0]
        switch first {
        case .field(let field):
            return try evalFieldNode(dot, field, arguments: command.arguments, final: final).value
        case .chain(let chain):
            return try evalChainNode(dot, chain, arguments: command.arguments, final: final).value
        case .identifier(let identifier):
            return try evalFunction(dot, identifier, command: .command(command), arguments: command.arguments,
                                    final: final)
        case .pipe(let pipe):
            try notAFunction(command.arguments, final: final)
            return try evalPipeline(dot, pipe)
        case .variable(let variable):
            return try evalVariableNode(dot, variable, arguments: command.arguments, final: final).value
        default:
            break
        }
        at(.operand(first))
        try notAFunction(command.arguments, final: final)
        switch first {
        case .bool(let value, _): return .bool(value)
        case .dot: return dot.value
        case .nilValue: throw fail("nil is not a command")
        case .number(let number): return try idealConstant(number)
        case .string(let string): return .string(string.text)
        default: throw fail("can't evaluate command \(goQuote(first.description))")
        }
    }

    private func idealConstant(_ number: NumberNode) throws -> Value {
        at(.operand(.number(number)))
        let text = number.text
        let isHexInt = text.count > 2 && text.hasPrefix("0") && (text.dropFirst().first == "x" || text.dropFirst().first == "X")
            && !text.contains(where: { $0 == "p" || $0 == "P" })
        let isRune = text.hasPrefix("'")
        if number.isFloat && !isHexInt && !isRune && text.contains(where: { ".eEpP".contains($0) }) {
            return .float(number.float64)
        }
        if number.isInt { return .int(Int(number.int64)) }
        if number.isUint { throw fail("\(text) overflows int") }
        return .null
    }

    private func evalFieldNode(_ dot: Slot, _ field: FieldNode, arguments: [Operand], final: Value?) throws -> Slot {
        at(.operand(.field(field)))
        return try evalFieldChain(dot, receiver: dot, node: .operand(.field(field)), identifiers: field.identifiers[...],
                                  arguments: arguments, final: final)
    }

    private func evalChainNode(_ dot: Slot, _ chain: ChainNode, arguments: [Operand], final: Value?) throws -> Slot {
        at(.operand(.chain(chain)))
        if case .nilValue = chain.node { throw fail("indirection through explicit nil in \(chain.description)") }
        let receiver = try evalArgSlot(dot, chain.node)
        return try evalFieldChain(dot, receiver: receiver, node: .operand(.chain(chain)), identifiers: chain.fields[...],
                                  arguments: arguments, final: final)
    }

    private func evalVariableNode(_ dot: Slot, _ node: VariableNode, arguments: [Operand], final: Value?) throws -> Slot {
        at(.operand(.variable(node)))
        let value = try variable(node.identifiers[0])
        if node.identifiers.count == 1 {
            try notAFunction(arguments, final: final)
            return value
        }
        return try evalFieldChain(dot, receiver: value, node: .operand(.variable(node)),
                                  identifiers: node.identifiers.dropFirst(), arguments: arguments, final: final)
    }

    private func evalFieldChain(_ dot: Slot, receiver: Slot, node: Location, identifiers: ArraySlice<String>,
                                arguments: [Operand], final: Value?) throws -> Slot {
        var current = receiver
        for name in identifiers.dropLast() {
            current = try evalField(dot, name, node: node, arguments: [], final: nil, receiver: current)
        }
        return try evalField(dot, identifiers.last!, node: node, arguments: arguments, final: final, receiver: current)
    }

    /// A missing receiver: Go's invalid reflect.Value, distinct from a nil inside an interface.
    private var missingKeyIsError: Bool { template.options.missingKey == .error }

    private func evalField(_ dot: Slot, _ name: String, node: Location, arguments: [Operand], final: Value?,
                           receiver: Slot) throws -> Slot {
        let hasArguments = arguments.count > 1 || final != nil
        switch receiver.value {
        case .null:
            if receiver.boxed { throw fail("nil pointer evaluating interface {}.\(name)") }
            if missingKeyIsError && missingKeys == nil { throw fail("nil data; no entry for key \(goQuote(name))") }
            return Slot(value: .null, boxed: false)
        case .map(let map):
            if hasArguments { throw fail("\(name) is not a method but has arguments") }
            if let value = map[name] { return Slot(value: value, boxed: map.elementType == .any) }
            if let missingKeys {
                let (line, column) = tree.source.lineAndColumn(of: node.position)
                missingKeys.record(MissingKey(file: tree.source.name, line: line, column: column, key: name,
                                              expression: node.description(in: tree.source)))
                return Slot(value: map.zeroElement, boxed: false)
            }
            switch template.options.missingKey {
            case .default: return Slot(value: .null, boxed: false)
            case .zero: return Slot(value: map.zeroElement, boxed: map.elementType == .any)
            case .error: throw fail("map has no entry for key \(goQuote(name))")
            }
        case .object(let object):
            var values: [Value] = []
            for argument in arguments.dropFirst() { values.append(try evalArg(dot, argument)) }
            if let final { values.append(final) }
            let result: Value?
            do {
                result = try object.member(name, arguments: values)
            } catch let error as TemplateError {
                throw error
            } catch {
                at(node)
                throw fail("error calling \(name): \(error)")
            }
            guard let result else {
                throw fail("can't evaluate field \(name) in type \(receiver.boxed ? "interface {}" : object.goTypeName)")
            }
            return Slot(value: result, boxed: false)
        default:
            let typeName = receiver.boxed ? "interface {}" : receiver.value.goTypeName
            throw fail("can't evaluate field \(name) in type \(typeName)")
        }
    }

    // MARK: - Functions

    private func evalFunction(_ dot: Slot, _ identifier: IdentifierNode, command: Location, arguments: [Operand],
                              final: Value?) throws -> Value {
        at(.operand(.identifier(identifier)))
        let name = identifier.name
        if let function = template.functions[name] {
            return try callFunction(dot, function, identifier: identifier, node: command, arguments: arguments, final: final)
        }
        if let builtin = Builtin(rawValue: name) {
            return try callBuiltin(dot, builtin, node: command, arguments: arguments, final: final)
        }
        throw fail("\(goQuote(name)) is not a defined function")
    }

    private func callFunction(_ dot: Slot, _ function: TemplateFunction, identifier: IdentifierNode, node: Location,
                              arguments: [Operand], final: Value?) throws -> Value {
        let callName = identifier.callName
        let given = arguments.count - 1 + (final == nil ? 0 : 1)
        if let maximum = function.maxArguments, function.minArguments == maximum {
            if given != maximum { throw fail("wrong number of args for \(callName): want \(maximum) got \(given)") }
        } else if given < function.minArguments {
            throw fail("wrong number of args for \(callName): want at least \(function.minArguments) got \(arguments.count - 1)")
        } else if let maximum = function.maxArguments, given > maximum {
            throw fail("wrong number of args for \(callName): want at most \(maximum) got \(given)")
        }
        var values: [Value] = []
        values.reserveCapacity(given)
        for argument in arguments.dropFirst() { values.append(try evalArg(dot, argument)) }
        if let final { values.append(final) }
        // Where a failure is told; worked out only then (the name's scan costs on every call).
        func place() -> Location { identifier.name.contains(".") ? .operand(.identifier(identifier)) : node }
        if !budget.spend(1 + values.reduce(0) { $0 + ExecutionBudget.cost(of: $1, countingContainers: false) }) {
            throw stepsExhausted(at: place())
        }
        do {
            let result = try function.body(values, self)
            if !budget.spend(ExecutionBudget.cost(of: result, countingContainers: true)) { throw stepsExhausted(at: place()) }
            try ValueNesting.check(result)
            return result
        } catch let error as TemplateError {
            throw error
        } catch {
            at(identifier.name.contains(".") ? .operand(.identifier(identifier)) : node)
            throw fail("error calling \(callName): \(error)")
        }
    }

    /// An argument as a function with an `interface{}` parameter receives it.
    func evalArg(_ dot: Slot, _ operand: Operand) throws -> Value {
        try evalArgSlot(dot, operand).value
    }

    private func evalArgSlot(_ dot: Slot, _ operand: Operand) throws -> Slot {
        at(.operand(operand))
        switch operand {
        case .dot: return dot
        case .nilValue: return Slot(value: .null, boxed: false)
        case .field(let field): return try evalFieldNode(dot, field, arguments: [operand], final: nil)
        case .variable(let variable): return try evalVariableNode(dot, variable, arguments: [], final: nil)
        case .pipe(let pipe): return Slot(value: try evalPipeline(dot, pipe), boxed: false)
        case .identifier(let identifier):
            return Slot(value: try evalFunction(dot, identifier, command: .operand(operand), arguments: [operand],
                                                final: nil), boxed: false)
        case .chain(let chain): return try evalChainNode(dot, chain, arguments: [], final: nil)
        case .bool(let value, _): return Slot(value: .bool(value), boxed: false)
        case .number(let number): return Slot(value: try idealConstant(number), boxed: false)
        case .string(let string): return Slot(value: .string(string.text), boxed: false)
        }
    }

    /// An argument for a `string` parameter (printf's format): literals must be strings.
    private func evalStringArg(_ dot: Slot, _ operand: Operand) throws -> String {
        switch operand {
        case .bool, .number:
            at(.operand(operand))
            throw fail("expected string; found \(operand.description)")
        case .nilValue:
            at(.operand(operand))
            throw fail("cannot assign nil to string")
        default:
            let value = try evalArg(dot, operand)
            guard case .string(let text) = value else {
                if value.isNull { throw fail("invalid value; expected string") }
                throw fail("wrong type for value; expected string; got \(value.goTypeName)")
            }
            return text
        }
    }

    // MARK: - Builtins

    private func callBuiltin(_ dot: Slot, _ builtin: Builtin, node: Location, arguments: [Operand],
                             final: Value?) throws -> Value {
        let name = builtin.rawValue
        let given = arguments.count - 1 + (final == nil ? 0 : 1)
        let arity = builtin.arity
        if arity.variadic {
            if given < arity.fixed {
                throw fail("wrong number of args for \(name): want at least \(arity.fixed) got \(arguments.count - 1)")
            }
        } else if given != arity.fixed {
            throw fail("wrong number of args for \(name): want \(arity.fixed) got \(given)")
        }
        let operands = arguments.dropFirst()

        if builtin == .and || builtin == .or {
            var value: Value = .null
            for operand in operands {
                value = try evalArg(dot, operand)
                if value.isTruthy == (builtin == .or) { return value }
            }
            if let final { value = final }
            return value
        }

        var values: [Value] = []
        values.reserveCapacity(given)
        // printf's format, or for `call` the callee as written (Go names it in its error).
        var format: String? = builtin == .call ? operands.first?.description : nil
        for (offset, operand) in operands.enumerated() {
            if builtin == .printf && offset == 0 {
                format = try evalStringArg(dot, operand)
            } else if builtin == .len {
                // Go's len sees a missing value (not a nil inside data) as an invalid reflect.Value.
                let slot = try evalArgSlot(dot, operand)
                if slot.value.isNull && !slot.boxed {
                    at(node)
                    throw fail("error calling len: reflect: call of reflect.Value.Type on zero Value")
                }
                values.append(slot.value)
            } else {
                values.append(try evalArg(dot, operand))
            }
        }
        if let final {
            if builtin == .printf && format == nil {
                guard case .string(let text) = final else {
                    throw fail("wrong type for value; expected string; got \(final.goTypeName)")
                }
                format = text
            } else {
                values.append(final)
            }
        }
        try step(1 + values.reduce(0) { $0 + ExecutionBudget.cost(of: $1, countingContainers: false) }, at: node)
        do {
            let result = try Builtins.call(builtin, values, format: format, execution: self)
            try step(ExecutionBudget.cost(of: result, countingContainers: true), at: node)
            return result
        } catch let error as FunctionError {
            at(node)
            throw fail("error calling \(name): \(error.message)")
        }
    }
}
