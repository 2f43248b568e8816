import Foundation

package struct RunnerError: Error, CustomStringConvertible, Equatable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

package enum StepResult: String, Codable, Sendable {
    case doneBefore = "done-before", applied, failed, skipped, wouldApply = "would-apply"
}

/// One line of the final summary table.
package struct StepRecord: Sendable, Equatable {
    package let name: String
    package var result: StepResult
    package var startedAt: Date?
    package var duration: Double?
    /// What apply would do (dry run) or what a failed step reported.
    package var changes: [String] = []
    package var notes: [String] = []
    package var error: String?
}

package enum RunnerEvent: Sendable, Equatable {
    case started(index: Int, total: Int, step: String)
    case waiting(step: String, text: String)
    case note(step: String, text: String)
    /// `changes`: what apply would do (dry run) or what a failed apply left; `error` names the step and the object.
    case finished(index: Int, total: Int, step: String, result: StepResult, duration: Double, changes: [String] = [], error: String? = nil)
}

package struct RunOptions: Sendable {
    package var dryRun = false
    package var from: String?
    package var only: String?
    package var resume = false
    /// nil: no journal (tests, dry runs).
    package var stateDirectory: String?
    package var fingerprint = ""
    package var maxParallel = 8

    package init(dryRun: Bool = false, from: String? = nil, only: String? = nil, resume: Bool = false,
                 stateDirectory: String? = nil, fingerprint: String = "", maxParallel: Int = 8) {
        self.dryRun = dryRun; self.from = from; self.only = only; self.resume = resume
        self.stateDirectory = stateDirectory; self.fingerprint = fingerprint; self.maxParallel = maxParallel
    }
}

package struct RunReport: Sendable {
    /// In step order.
    package let records: [StepRecord]
    package var failed: Bool { records.contains { $0.result == .failed } }

    /// The final summary (the measured recovery time per step), rows of step, result, seconds; "-" for a step that did not run.
    package var table: [[String]] {
        [["step", "result", "duration"]] + records.map { record in
            [record.name, record.result.rawValue, record.duration.map { String(format: "%.1fs", $0) } ?? "-"]
        }
    }
}

/// Orders steps by their needs and runs them: ready steps side by side on a bounded number of threads,
/// started in order so the outcome does not depend on timing; a step whose check says done is not applied.
package final class Runner: @unchecked Sendable {
    package let steps: [any Step]
    /// The steps in the order they are numbered and reported: topological, ties by declaration order.
    package let order: [String]

    package init(steps: [any Step]) throws {
        self.steps = steps
        self.order = try Runner.topologicalOrder(steps)
    }

    static func topologicalOrder(_ steps: [any Step]) throws -> [String] {
        var index: [String: Int] = [:]
        for (i, step) in steps.enumerated() {
            if index[step.name] != nil { throw RunnerError("step \(step.name) is declared twice") }
            index[step.name] = i
        }
        for step in steps {
            for need in step.needs where index[need] == nil {
                throw RunnerError("step \(step.name) needs \(need), which is not a step (steps: \(steps.map(\.name).joined(separator: ", ")))")
            }
        }
        var placed: [String] = []
        var done = Set<String>()
        while placed.count < steps.count {
            guard let next = steps.first(where: { !done.contains($0.name) && $0.needs.allSatisfy(done.contains) }) else {
                throw RunnerError("steps need each other in a cycle: \(cycle(steps, excluding: done).joined(separator: " → "))")
            }
            placed.append(next.name)
            done.insert(next.name)
        }
        return placed
    }

    /// A cycle among the steps left unplaced, for the error message.
    private static func cycle(_ steps: [any Step], excluding done: Set<String>) -> [String] {
        let needs = Dictionary(uniqueKeysWithValues: steps.map { ($0.name, $0.needs.filter { !done.contains($0) }) })
        var path: [String] = []
        var current = steps.first { !done.contains($0.name) }!.name
        while !path.contains(current) {
            path.append(current)
            current = needs[current]!.first!
        }
        return Array(path[path.firstIndex(of: current)!...]) + [current]
    }

    package func run(_ options: RunOptions = RunOptions(), events: @escaping @Sendable (RunnerEvent) -> Void = { _ in }) throws -> RunReport {
        for (flag, name) in [("--from", options.from), ("--only", options.only)] {
            if let name, !order.contains(name) {
                throw RunnerError("\(flag) \(name): no such step (steps: \(order.joined(separator: ", ")))")
            }
        }
        var selected = Set(order)
        if let from = options.from { selected = Set(order[order.firstIndex(of: from)!...]) }
        if let only = options.only { selected = [only] }

        var journal = Journal(fingerprint: options.fingerprint)
        if let folder = options.stateDirectory, !options.dryRun {
            if options.resume {
                guard let previous = try Journal.load(from: folder) else {
                    throw RunnerError("--resume: there is no journal at \(Journal.path(in: folder)); run without --resume")
                }
                guard previous.fingerprint == options.fingerprint else {
                    throw RunnerError("--resume: \(Journal.path(in: folder)) belongs to another platform file "
                        + "(fingerprint \(previous.fingerprint), this one is \(options.fingerprint)); run without --resume to start over")
                }
                journal = previous
            }
            try journal.save(to: folder)
        }
        let execution = Execution(runner: self, options: options, selected: selected, journal: journal, events: events)
        return try execution.run()
    }
}

/// The state of one run, guarded by one condition variable.
private final class Execution: @unchecked Sendable {
    let runner: Runner
    let options: RunOptions
    let selected: Set<String>
    let events: @Sendable (RunnerEvent) -> Void
    let condition = NSCondition()
    var journal: Journal
    var records: [String: StepRecord] = [:]
    var finished = Set<String>()
    var running = 0
    var stopped = false
    var journalError: Error?

    init(runner: Runner, options: RunOptions, selected: Set<String>, journal: Journal, events: @escaping @Sendable (RunnerEvent) -> Void) {
        self.runner = runner; self.options = options; self.selected = selected; self.journal = journal; self.events = events
    }

    func run() throws -> RunReport {
        let byName = Dictionary(uniqueKeysWithValues: runner.steps.map { ($0.name, $0) })
        let planned = runner.order.filter(selected.contains)
        var pending = planned
        condition.lock()
        while true {
            // Needs outside the selection are the operator's call (--from, --only): taken as met.
            while !stopped, running < max(1, options.maxParallel),
                  let next = pending.first(where: { name in byName[name]!.needs.allSatisfy { !selected.contains($0) || finished.contains($0) } }) {
                pending.removeAll { $0 == next }
                running += 1
                let step = byName[next]!
                let number = planned.firstIndex(of: next)! + 1
                Thread.detachNewThread { self.execute(step, number: number, total: planned.count) }
            }
            if running == 0 && (stopped || pending.isEmpty) { break }
            condition.wait()
        }
        condition.unlock()
        if let journalError { throw journalError }
        return RunReport(records: runner.order.map { records[$0] ?? StepRecord(name: $0, result: .skipped) })
    }

    private func execute(_ step: any Step, number: Int, total: Int) {
        let startedAt = Date()
        let clock = ContinuousClock.now
        events(.started(index: number, total: total, step: step.name))
        record(step.name, Journal.Entry(state: .started, result: nil, startedAt: startedAt))
        let name = step.name
        let sink = events
        let notes = NoteList()
        let context = StepContext(stepName: name, onWaiting: { sink(.waiting(step: name, text: $0)) },
                                  onNote: { notes.append($0); sink(.note(step: name, text: $0)) })
        var record = StepRecord(name: step.name, result: .failed, startedAt: startedAt)
        do {
            switch try step.check(context) {
            case .done:
                record.result = .doneBefore
            case .wouldApply(let changes) where options.dryRun:
                record.result = .wouldApply
                record.changes = changes
            case .wouldApply:
                try step.apply(context)
                switch try step.check(context) {
                case .done:
                    record.result = .applied
                case .wouldApply(let left):
                    record.changes = left
                    record.error = "\(step.name): apply finished but its check still finds work: \(left.joined(separator: "; "))"
                }
            }
        } catch {
            record.error = "\(step.name): \(error)"
        }
        record.notes = notes.all
        let elapsed = ContinuousClock.now - clock
        record.duration = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // Journal first: whoever reads the finished event (and then kills the run) finds the step finished on disk too.
        self.record(step.name, Journal.Entry(state: .finished, result: record.result, startedAt: startedAt,
                                             duration: record.duration, error: record.error))
        events(.finished(index: number, total: total, step: step.name, result: record.result, duration: record.duration!,
                         changes: record.changes, error: record.error))
        condition.lock()
        records[step.name] = record
        // A dry run changes nothing, so one failed check need not hide what the others would do.
        if record.result == .failed && !options.dryRun { stopped = true } else { finished.insert(step.name) }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Journal writes are serialized; a failed write stops the run, since a resume could not trust it.
    private func record(_ name: String, _ entry: Journal.Entry) {
        guard let folder = options.stateDirectory, !options.dryRun else { return }
        condition.lock()
        defer { condition.unlock() }
        journal.steps[name] = entry
        do {
            try journal.save(to: folder)
        } catch {
            journalError = journalError ?? error
            stopped = true
        }
    }
}

/// A step's notes, which its threads may add to at once.
private final class NoteList: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [String] = []
    func append(_ note: String) { lock.withLock { notes.append(note) } }
    var all: [String] { lock.withLock { notes } }
}
