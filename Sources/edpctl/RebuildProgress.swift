import Bootstrap
import Foundation

/// What `edpctl rebuild` shows while the Runner works, and its final word. Human form: one line per
/// start, wait, note and finish on stderr (on a terminal a spinner line redrawn in place beneath
/// them; elsewhere a "still waiting" line every 30 s instead), then the duration table. JSON form:
/// the `step-*` and `rebuild-*` events of docs/runbook.md on stdout. Events come from the Runner's
/// threads, so everything here happens under one lock.
final class RebuildProgress: @unchecked Sendable {
    enum Outcome: String {
        case succeeded
        case nothingToDo = "nothing-to-do"
        case dryRun = "dry-run"
        case failed
    }

    private struct Running {
        let index: Int
        let total: Int
        let start: ContinuousClock.Instant
        var waitingFor: String?
        var lastLine: ContinuousClock.Instant
    }

    private let output: Output
    private let spinner: Bool
    private let dryRun: Bool
    /// --from or --only: the steps run are not the whole platform.
    private let partial: Bool
    private let journal: String
    private let file: String
    private let width: Int
    private let lock = NSLock()
    private var started = ContinuousClock.now
    /// Steps in progress, in the order they started.
    private var running: [(name: String, state: Running)] = []
    private var frame = 0
    private var stopped = false
    private var signalSources: [any DispatchSourceSignal] = []

    /// How long a wait goes without a line before a log (not a terminal) hears that it goes on.
    private static let heartbeat: Duration = .seconds(30)
    private static let frames = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

    init(output: Output, terminal: Bool, file: String, dryRun: Bool, partial: Bool, journal: String) {
        self.output = output
        self.spinner = terminal && output.format == .human
        self.file = file
        self.dryRun = dryRun
        self.partial = partial
        self.journal = journal
        var size = winsize()
        let read = withUnsafeMutablePointer(to: &size) { ioctl(2, UInt(TIOCGWINSZ), $0) }
        self.width = read == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }

    /// Starts the spinner (or heartbeat) and takes over Ctrl-C and SIGTERM: from here on the
    /// journal may hold a run in progress, so an interruption says how to resume it.
    func start() {
        started = ContinuousClock.now
        if output.format == .human {
            Thread.detachNewThread { [self] in tick() }
        }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in interrupted(number) }
            source.resume()
            signalSources.append(source)
        }
    }

    /// An API `Warning:` header, written between the progress lines rather than over the spinner.
    func warning(_ text: String) {
        lock.withLock {
            if spinner && !stopped { output.status(nil) }
            output.warning(text)
            if spinner && !stopped { output.status(statusLine()) }
        }
    }

    func handle(_ event: RunnerEvent) {
        lock.withLock {
            let now = ContinuousClock.now
            switch event {
            case .started(let index, let total, let step):
                running.append((step, Running(index: index, total: total, start: now, lastLine: now)))
                line("[\(index)/\(total)] \(step) …", event: "step-started", StepEvent(step: step, index: index, total: total))
            case .waiting(let step, let text):
                guard let position = running.firstIndex(where: { $0.name == step }) else { return }
                running[position].state.waitingFor = text
                running[position].state.lastLine = now
                let state = running[position].state
                let elapsed = seconds(now - state.start)
                line("[\(state.index)/\(state.total)] \(step): waiting for \(text) (\(Self.format(elapsed)))", event: "step-waiting",
                     WaitingEvent(step: step, index: state.index, total: state.total, text: text, elapsedSeconds: elapsed))
            case .note(let step, let text):
                let state = running.first { $0.name == step }?.state
                line("[\(state?.index ?? 0)/\(state?.total ?? 0)] \(step): note: \(text)", event: "step-note",
                     NoteEvent(step: step, index: state?.index ?? 0, total: state?.total ?? 0, text: text))
            case .finished(let index, let total, let step, let result, let duration, let changes, let error):
                running.removeAll { $0.name == step }
                var text = "[\(index)/\(total)] " + verdict(step, result) + " (\(Self.format(duration)))"
                // Every line under the verdict, those of a many-line error too, so the block reads as one.
                let details = changes + (error.map { [$0] } ?? [])
                text += details.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }.map { "\n        " + $0 }.joined()
                line(text, event: "step-finished", FinishedEvent(step: step, index: index, total: total, result: result.rawValue,
                                                                 durationSeconds: duration, changes: changes, error: error))
            }
        }
    }

    /// The mark in colour on a coloured terminal: green done, yellow to do, red failed.
    private func verdict(_ step: String, _ result: StepResult) -> String {
        switch result {
        case .doneBefore: return output.label("✓", .green) + " \(step): already done, nothing changed"
        case .applied: return output.label("✓", .green) + " \(step): applied"
        case .wouldApply: return output.label("○", .yellow) + " \(step): would apply"
        case .failed: return output.label("✗", .boldRed) + " \(step): failed"
        case .skipped: return "- \(step): skipped"
        }
    }

    /// Stops the spinner (clearing its line) and the heartbeat.
    func stop() {
        lock.withLock {
            if spinner && !stopped { output.status(nil) }
            stopped = true
        }
    }

    /// The table with the measured recovery time and what the run came to; returns the outcome.
    func finish(_ report: RunReport) -> Outcome {
        let wall = seconds(ContinuousClock.now - started)
        let ran = report.records.filter { $0.result != .skipped }
        let outcome: Outcome = report.failed ? .failed
            : ran.allSatisfy({ $0.result == .doneBefore }) ? .nothingToDo
            : dryRun ? .dryRun : .succeeded
        var lines = Self.aligned(report.table)
        lines.append((dryRun ? "wall time" : "measured recovery time") + ": \(Self.format(wall)) for \(ran.count) step\(ran.count == 1 ? "" : "s")")
        let notes = report.records.flatMap { record in record.notes.map { "  \(record.name): \($0)" } }
        if !notes.isEmpty { lines += ["notes to read:"] + notes }
        switch outcome {
        case .nothingToDo:
            lines.append(partial ? "nothing to do: the steps selected are already done; nothing was changed"
                : "nothing to do: the platform is as \(file) describes; nothing was changed")
        case .dryRun: lines.append("dry run: nothing was changed; run without --dry-run to apply what is listed above")
        case .succeeded: lines.append("rebuild done: every step applied or already done, and checked again afterwards")
        case .failed: break
        }
        output.report(lines.joined(separator: "\n"), event: "rebuild-finished", FinalEvent(
            result: outcome.rawValue, dryRun: dryRun, wallSeconds: wall,
            steps: report.records.map { StepSummary(step: $0.name, result: $0.result.rawValue, durationSeconds: $0.duration,
                                                     changes: $0.changes, notes: $0.notes, error: $0.error) }))
        if outcome == .failed, let failure = report.records.first(where: { $0.result == .failed }) {
            let next = dryRun ? "fix it, then run `edpctl rebuild --dry-run` again"
                : "fix it, then run `edpctl rebuild --resume` (finished steps are checked, not repeated)"
            // The error starts with the step's name already.
            _ = output.failure(["rebuild failed: \(failure.error ?? "\(failure.name): no reason given")"], summary: next)
        }
        return outcome
    }

    /// Ctrl-C or a kill: the journal on disk is whole (written atomically after each step), so say
    /// how to continue and leave at once; a step in progress is redone by `--resume`.
    private func interrupted(_ number: Int32) {
        lock.lock()
        if spinner { output.status(nil) }
        stopped = true
        let name = number == SIGINT ? "SIGINT" : "SIGTERM"
        let inProgress = running.map(\.name)
        let text = dryRun
            ? "interrupted (\(name)): dry run, nothing was changed"
            : "interrupted (\(name))" + (inProgress.isEmpty ? "" : " during \(inProgress.joined(separator: ", "))")
                + ": the journal \(journal) keeps every finished step; run `edpctl rebuild --resume` to continue"
        if output.format == .json {
            output.report(text, event: "rebuild-interrupted",
                          InterruptedEvent(signal: name, inProgress: inProgress, journal: dryRun ? nil : journal, message: text))
        }
        // On stderr in both forms, so that a log that keeps only stderr says why the run stopped.
        _ = output.failure(text)
        // Not exit(): the Runner's threads are still in their steps, and nothing is left to flush.
        _exit(128 + number)
    }

    /// Writes a finished line (clearing and redrawing the spinner's around it).
    private func line(_ text: String, event name: String, _ fields: some Encodable) {
        if spinner && !stopped { output.status(nil) }
        output.report(text, event: name, fields)
        if spinner && !stopped { output.status(statusLine()) }
    }

    private func tick() {
        while true {
            Thread.sleep(forTimeInterval: spinner ? 0.1 : 1)
            let keepGoing: Bool = lock.withLock {
                guard !stopped else { return false }
                let now = ContinuousClock.now
                if spinner {
                    frame += 1
                    output.status(statusLine())
                } else {
                    for position in running.indices where now - running[position].state.lastLine >= Self.heartbeat {
                        running[position].state.lastLine = now
                        let (step, state) = running[position]
                        let what = state.waitingFor.map { "still waiting for \($0)" } ?? "still working"
                        let elapsed = seconds(now - state.start)
                        output.report("[\(state.index)/\(state.total)] \(step): \(what) (\(Self.format(elapsed)))", event: "step-waiting",
                                      WaitingEvent(step: step, index: state.index, total: state.total, text: what, elapsedSeconds: elapsed))
                    }
                }
                return true
            }
            if !keepGoing { return }
        }
    }

    /// `⠙ chart/a: waiting for Job kube-system/helm-install-a (12s) · chart/b (3s)`, cut to the terminal's width.
    private func statusLine() -> String {
        guard !running.isEmpty else { return "" }
        let now = ContinuousClock.now
        let parts = running.map { step, state in
            "\(step)" + (state.waitingFor.map { ": waiting for \($0)" } ?? "") + " (\(Self.format(seconds(now - state.start))))"
        }
        let text = "\(Self.frames[frame % Self.frames.count]) " + parts.joined(separator: " · ")
        return text.count < width ? text : String(text.prefix(width - 2)) + "…"
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `0.4s`, `12.0s`, `3m05s`.
    static func format(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds.rounded())
        return whole < 3600 ? String(format: "%dm%02ds", whole / 60, whole % 60)
            : String(format: "%dh%02dm%02ds", whole / 3600, whole / 60 % 60, whole % 60)
    }

    /// Rows with their columns padded to the widest cell.
    static func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}

private struct StepEvent: Encodable {
    let step: String
    let index: Int
    let total: Int
}

private struct WaitingEvent: Encodable {
    let step: String
    let index: Int
    let total: Int
    let text: String
    let elapsedSeconds: Double
}

private struct NoteEvent: Encodable {
    let step: String
    let index: Int
    let total: Int
    let text: String
}

private struct FinishedEvent: Encodable {
    let step: String
    let index: Int
    let total: Int
    let result: String
    let durationSeconds: Double
    let changes: [String]
    let error: String?
}

private struct StepSummary: Encodable {
    let step: String
    let result: String
    let durationSeconds: Double?
    let changes: [String]
    let notes: [String]
    let error: String?
}

private struct FinalEvent: Encodable {
    let result: String
    let dryRun: Bool
    let wallSeconds: Double
    let steps: [StepSummary]
}

private struct InterruptedEvent: Encodable {
    let signal: String
    let inProgress: [String]
    let journal: String?
    let message: String
}
