import Bootstrap
import Foundation
import Testing
import TestSupport

/// A step over a shared in-memory "system": done once applied, with call counts and the times it ran.
final class FakeStep: Step, @unchecked Sendable {
    let name: String
    let needs: [String]
    let work: TimeInterval
    let failure: String?
    private let lock = NSLock()
    private var isDone: Bool
    private(set) var applies = 0
    private(set) var checks = 0
    private(set) var ran: (start: Date, end: Date)?

    init(_ name: String, needs: [String] = [], done: Bool = false, work: TimeInterval = 0, failure: String? = nil) {
        self.name = name; self.needs = needs; self.isDone = done; self.work = work; self.failure = failure
    }

    func check(_ context: StepContext) throws -> StepCheck {
        lock.withLock {
            checks += 1
            return isDone ? .done : .wouldApply(["create \(name)"])
        }
    }

    func apply(_ context: StepContext) throws {
        let start = Date()
        context.waiting("\(name) to settle")
        Thread.sleep(forTimeInterval: work)
        lock.withLock { applies += 1; ran = (start, Date()) }
        if let failure { throw RunnerError(failure) }
        lock.withLock { isDone = true }
    }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [RunnerEvent] = []
    func add(_ event: RunnerEvent) { lock.withLock { list.append(event) } }
    var events: [RunnerEvent] { lock.withLock { list } }
}

@Suite struct RunnerTests {
    @Test func ordersByNeedsWithTiesInDeclarationOrder() throws {
        let runner = try Runner(steps: [FakeStep("verify", needs: ["charts", "secrets"]), FakeStep("charts", needs: ["k3s"]),
                                        FakeStep("k3s"), FakeStep("secrets", needs: ["k3s"])])
        #expect(runner.order == ["k3s", "charts", "secrets", "verify"])
    }

    @Test func unknownNeedAndCycleAreRefusedBeforeAnythingRuns() {
        let a = FakeStep("a", needs: ["b"]), b = FakeStep("b", needs: ["c"]), c = FakeStep("c", needs: ["a"])
        #expect(throws: RunnerError("steps need each other in a cycle: a → b → c → a")) { try Runner(steps: [a, b, c]) }
        #expect(throws: RunnerError("step a needs nope, which is not a step (steps: a)")) { try Runner(steps: [FakeStep("a", needs: ["nope"])]) }
        #expect(a.checks + b.checks + c.checks == 0)
    }

    @Test func independentStepsOverlapAndADependentOneWaitsForBoth() throws {
        let left = FakeStep("left", work: 0.4), right = FakeStep("right", work: 0.4)
        let join = FakeStep("join", needs: ["left", "right"])
        let log = EventLog()
        let report = try Runner(steps: [left, right, join]).run(events: log.add)
        #expect(report.records.map(\.result) == [.applied, .applied, .applied])
        let l = try #require(left.ran), r = try #require(right.ran), j = try #require(join.ran)
        #expect(l.start < r.end && r.start < l.end, "left and right ran one after the other")
        #expect(j.start >= max(l.end, r.end))
        #expect(log.events.contains(.waiting(step: "left", text: "left to settle")))
        #expect(log.events.contains(.started(index: 3, total: 3, step: "join")))
        #expect(report.records.allSatisfy { ($0.duration ?? -1) >= 0 && $0.startedAt != nil })
    }

    @Test func aDoneStepIsNotApplied() throws {
        let done = FakeStep("done", done: true), todo = FakeStep("todo")
        let report = try Runner(steps: [done, todo]).run()
        #expect(report.records.map(\.result) == [.doneBefore, .applied])
        #expect(done.applies == 0 && todo.applies == 1 && todo.checks == 2)  // re-checked after apply
    }

    @Test func dryRunOnlyChecksAndSaysWhatApplyWouldDo() throws {
        let folder = try TemporaryFolder()
        let a = FakeStep("a"), b = FakeStep("b", needs: ["a"], done: true)
        let report = try Runner(steps: [a, b]).run(RunOptions(dryRun: true, stateDirectory: folder.path))
        #expect(report.records.map(\.result) == [.wouldApply, .doneBefore])
        #expect(report.records[0].changes == ["create a"])
        #expect(a.applies + b.applies == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [])
    }

    @Test func theFinishedEventCarriesWhatApplyWouldDoAndTheError() throws {
        let log = EventLog()
        _ = try Runner(steps: [FakeStep("a")]).run(RunOptions(dryRun: true), events: log.add)
        let finished = log.events.compactMap { event -> [String]? in
            guard case .finished(1, 1, "a", .wouldApply, _, let changes, nil) = event else { return nil }
            return changes
        }
        #expect(finished == [["create a"]])

        let failing = EventLog()
        _ = try Runner(steps: [FakeStep("bad", failure: "Job kube-system/helm-install-x failed")]).run(events: failing.add)
        let errors = failing.events.compactMap { event -> String? in
            guard case .finished(_, _, "bad", .failed, _, _, let error) = event else { return nil }
            return error
        }
        #expect(errors == ["bad: Job kube-system/helm-install-x failed"])
    }

    @Test func fromAndOnlySelectSteps() throws {
        let steps = [FakeStep("a"), FakeStep("b", needs: ["a"]), FakeStep("c", needs: ["b"])]
        let from = try Runner(steps: steps).run(RunOptions(from: "b"))
        #expect(from.records.map(\.result) == [.skipped, .applied, .applied])
        let others = [FakeStep("a"), FakeStep("b", needs: ["a"]), FakeStep("c", needs: ["b"])]
        let only = try Runner(steps: others).run(RunOptions(only: "b"))
        #expect(only.records.map(\.result) == [.skipped, .applied, .skipped])
        #expect(throws: RunnerError("--from z: no such step (steps: a, b, c)")) { try Runner(steps: others).run(RunOptions(from: "z")) }
    }

    @Test func aFailureStopsNewStepsButLetsRunningOnesFinish() throws {
        let bad = FakeStep("bad", work: 0.05, failure: "the Job helm-install-x failed")
        let slow = FakeStep("slow", work: 0.4), after = FakeStep("after", needs: ["slow"]), later = FakeStep("later")
        let report = try Runner(steps: [bad, slow, after, later]).run(RunOptions(maxParallel: 2))
        #expect(report.records.map(\.result) == [.failed, .applied, .skipped, .skipped])
        #expect(report.records[0].error == "bad: the Job helm-install-x failed")
        #expect(after.checks == 0 && later.checks == 0)
        #expect(report.failed)
        #expect(report.table.map { Array($0.prefix(2)) } == [["step", "result"], ["bad", "failed"], ["slow", "applied"],
                                                             ["after", "skipped"], ["later", "skipped"]])
        // Durations depend on the machine's load: measured ones are seconds with one decimal, steps not run have none.
        #expect(report.table.map(\.[2]).map { $0.firstMatch(of: /^\d+\.\ds$/) != nil ? "s" : $0 } == ["duration", "s", "s", "-", "-"])
    }
}

/// A step that passes with something for the operator to read.
struct NotingStep: Step {
    let name = "firewall"
    let needs: [String] = []
    func check(_ context: StepContext) throws -> StepCheck {
        context.note("port 6443 is open to the world; run with --apply-firewall to close it")
        return .done
    }
    func apply(_ context: StepContext) throws {}
}

@Suite struct RunnerNoteTests {
    @Test func aNoteIsAnEventAndStaysInTheStepsRecord() throws {
        let log = EventLog()
        let report = try Runner(steps: [NotingStep()]).run { log.add($0) }
        let text = "port 6443 is open to the world; run with --apply-firewall to close it"
        #expect(report.records.map(\.notes) == [[text]])
        #expect(report.records.map(\.result) == [.doneBefore])
        #expect(log.events.contains(.note(step: "firewall", text: text)))
    }
}

/// A step whose read-only check fails, as preflight does when a credential is missing.
struct FailingCheckStep: Step {
    let name: String
    let needs: [String]
    func check(_ context: StepContext) throws -> StepCheck { throw RunnerError("GITOPS_PAT is not set") }
    func apply(_ context: StepContext) throws {}
}

@Suite struct RunnerDryRunTests {
    @Test func aDryRunGoesOnPastAFailedCheckSoEveryPlanIsShown() throws {
        let later = FakeStep("chart/a", needs: ["preflight"])
        let runner = try Runner(steps: [FailingCheckStep(name: "preflight", needs: []), later])
        let report = try runner.run(RunOptions(dryRun: true))
        #expect(report.records.map(\.result) == [.failed, .wouldApply])
        #expect(report.records[1].changes == ["create chart/a"])
        #expect(report.failed)
        #expect(later.applies == 0)
    }

    @Test func aRealRunStopsAtTheFailedCheck() throws {
        let later = FakeStep("chart/a", needs: ["preflight"])
        let report = try Runner(steps: [FailingCheckStep(name: "preflight", needs: []), later]).run()
        #expect(report.records.map(\.result) == [.failed, .skipped])
        #expect(later.checks == 0)
    }
}

extension RunnerTests {
    /// A run killed right after a step's finished event resumes from a journal that has the step finished.
    @Test func theJournalHasAStepFinishedBeforeItsFinishedEventIsSent() throws {
        let folder = try TemporaryFolder("runner-journal")
        let seen = EventLog()
        _ = try Runner(steps: [FakeStep("a"), FakeStep("b", needs: ["a"])]).run(RunOptions(stateDirectory: folder.path)) { event in
            guard case .finished(_, _, let step, _, _, _, _) = event else { return }
            let journal = try? Journal.load(from: folder.path)
            if journal?.steps[step]?.state == .finished { seen.add(event) }
        }
        #expect(seen.events.count == 2)
    }
}
