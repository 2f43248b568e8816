/// The steps and output bytes of one template execution, shared by the templates it calls, and
/// bound to the executing thread so that value walkers deep inside functions draw from it too.
/// Only the thread that executes the template touches it.
package final class ExecutionBudget: @unchecked Sendable {
    /// The budget of the execution running on this thread, if any.
    @TaskLocal package static var current: ExecutionBudget?

    private(set) var steps = 0
    private(set) var outputBytes = 0
    /// `WorkLimits.maxExecutionSteps`; tests set a lower one.
    package let stepLimit: Int

    package init(stepLimit: Int = WorkLimits.maxExecutionSteps) {
        self.stepLimit = stepLimit
    }

    package var stepsMessage: String { "exceeded maximum execution steps (\(stepLimit))" }
    package static let outputMessage = "output exceeds the limit of \(WorkLimits.maxOutputBytes) bytes (256 MiB)"

    package var remainingSteps: Int { max(stepLimit - steps, 0) }

    /// Nodes walked, or elements built, per step: a loop iteration takes about as long as
    /// walking four nodes or building four list elements (measured in a release build).
    package static let nodesPerStep = 4

    /// Counts `count` steps; false once the execution has taken more than its limit. Stays false
    /// from then on, so an error that something swallowed (`try?`) is met again at the next step.
    package func spend(_ count: Int = 1) -> Bool {
        steps = steps &+ count
        return steps <= stepLimit
    }

    /// Counts `count` bytes written; false when they would pass the output limit.
    package func write(_ count: Int) -> Bool {
        guard count <= WorkLimits.maxOutputBytes - outputBytes else { return false }
        outputBytes += count
        return true
    }

    /// The steps a function call costs beyond the call itself: 1 per 256 bytes of text and 1 per
    /// `nodesPerStep` elements of a list or map, about what a loop iteration costs (measured in a
    /// release build). Counting a value's top level is O(1).
    package static func cost(of value: Value, countingContainers: Bool) -> Int {
        switch value {
        case .string(let s): return s.utf8.count >> 8
        case .bytes(let b): return b.count >> 8
        case .list(let l) where countingContainers: return l.count / nodesPerStep
        case .map(let m) where countingContainers: return m.entries.count / nodesPerStep
        default: return 0
        }
    }
}

/// The work of one walk over a value (printing, encoding, comparing, flattening, merging): at
/// most `WorkLimits.maxWalkNodes` nodes, and for walks that build text, at most
/// `WorkLimits.maxStringBytes` of it. Lists and maps are shared, so a small value can hold more
/// nodes than memory; every walker counts each node it visits here and stops with an error.
/// Within a template execution the nodes also count as steps (`ExecutionBudget.nodesPerStep` to a step).
package struct ValueWalk {
    private var nodes = 0
    /// The walk's own limit, and the lower one the execution's remaining steps allow.
    private let ownNodeLimit: Int
    private let nodeLimit: Int
    private let byteLimit: Int
    private let execution: ExecutionBudget?

    private init(nodeLimit: Int, byteLimit: Int, execution: ExecutionBudget?) {
        self.ownNodeLimit = nodeLimit
        self.byteLimit = byteLimit
        self.execution = execution
        let (allowed, overflow) = (execution?.remainingSteps ?? 0)
            .multipliedReportingOverflow(by: ExecutionBudget.nodesPerStep)
        self.nodeLimit = execution == nil || overflow ? nodeLimit : min(nodeLimit, allowed)
    }

    /// Runs `body` with a fresh walk, charging the nodes it visited to the current execution.
    package static func run<Result>(_ body: (inout ValueWalk) throws -> Result) throws -> Result {
        var walk = ValueWalk(nodeLimit: WorkLimits.maxWalkNodes, byteLimit: WorkLimits.maxStringBytes,
                             execution: ExecutionBudget.current)
        defer { _ = walk.execution?.spend(walk.nodes / ExecutionBudget.nodesPerStep) }
        return try body(&walk)
    }

    /// A walk for printing a value into an error message: small, not charged to the execution,
    /// and cut short rather than failing (see `goPrintForMessage`).
    package static func forMessage() -> ValueWalk {
        ValueWalk(nodeLimit: 10_000, byteLimit: 4 << 10, execution: nil)
    }

    /// Counts one node.
    package mutating func visit() throws {
        try visit(nodes: 1)
    }

    /// Counts `count` nodes.
    package mutating func visit(nodes count: Int) throws {
        nodes += count
        if nodes > nodeLimit {
            if let execution, nodes <= ownNodeLimit { throw FunctionError(execution.stepsMessage) }
            throw FunctionError("walking the value exceeded the limit of \(ownNodeLimit) nodes")
        }
    }

    /// Counts one node of a walk that has built `bytes` bytes of text so far.
    package mutating func visit(producing bytes: Int) throws {
        try visit()
        try checkProduced(bytes)
    }

    /// Refuses text past the walk's limit: the 64 MiB of any string a function builds.
    package func checkProduced(_ bytes: Int) throws {
        if bytes > byteLimit {
            throw FunctionError("result exceeds the limit of \(byteLimit) bytes (\(byteLimit >> 20) MiB)")
        }
    }
}
