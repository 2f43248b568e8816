import ArgumentParser
import Foundation

/// `--output`: how a command reports what it did.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case human, json
}

/// The one place edpctl's commands write to the terminal.
///
/// Data (rendered text, a diff) goes to standard output as it is. Everything else is an event:
/// - `human`: text on standard error; a summary as it is, a notice, warning or error with
///   `edpctl: ` (and `warning: `) in front, one line per message.
/// - `json`: one JSON object per event on its own line of standard output, its kind in `event`
///   (`{"event":"render",…}`, `{"event":"error","message":…}`), keys sorted; or, for a command
///   that sets `log` (hydrate), the events kept and one `document(_:)` per run. Notices, warnings
///   and errors are written to standard error as in `human` too, so that a log that keeps only
///   standard error still says why a run failed.
///
/// Colour (`--color`, `ColorChoice`) only adds escape codes: without them the bytes are the same
/// as on a pipe. On a coloured standard error `edpctl:` of an error is bold red, `warning:` bold
/// yellow and a message line's `PATH:LINE:COL:` bold; on a coloured standard output a diff has
/// git's colours. Standard error and standard output are judged apart (`edpctl … | less` still
/// colours the labels), and JSON is never coloured.
///
/// Under GitHub or Forgejo Actions every error and warning is also a workflow command on standard
/// error (`WorkflowCommands`). Whoever writes a message has already redacted it (hydrate's messages
/// leave `HydrationJob` redacted); neither colour nor annotations add anything to its text.
struct Output {
    let format: OutputFormat
    /// Only errors on standard error: no summary, notice or warning (JSON events are still written).
    let quiet: Bool
    /// Escape codes in the labels on standard error, and in a diff on standard output.
    private let colorsLabels: Bool
    private let colorsData: Bool
    /// Errors and warnings also as `::error …`/`::warning …` lines.
    private let annotates: Bool

    /// Set for a command that prints one JSON document per run (hydrate): its JSON events are kept
    /// here for the document, not written a line each.
    var log: EventLog?

    init(_ format: OutputFormat = .human, color: ColorChoice = .auto, quiet: Bool = false,
         environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.format = format
        self.quiet = quiet
        colorsLabels = color.colors(2, environment: environment)
        colorsData = format == .human && color.colors(1, environment: environment)
        annotates = WorkflowCommands.enabled(environment: environment)
    }

    /// Bytes for standard output, as they are.
    func data(_ bytes: [UInt8]) {
        if !bytes.isEmpty { FileHandle.standardOutput.write(Data(bytes)) }
    }

    /// A unified diff for standard output, in git's colours when standard output is coloured.
    func diff(_ text: String) {
        data(Array((colorsData ? Style.colouredDiff(text) : text).utf8))
    }

    /// What a command did: `line` on standard error, or `fields` as a `name` event.
    func report(_ line: String, event name: String, _ fields: some Encodable) {
        switch format {
        case .human: if !quiet { writeError(line) }
        case .json: writeEvent(name, fields)
        }
    }

    /// `text` for standard error, in `style` when standard error is coloured.
    func label(_ text: String, _ style: Style) -> String {
        colorsLabels ? style.apply(text) : text
    }

    /// A status line redrawn in place (a spinner), or cleared when nil. Only for a terminal in human
    /// form, which the caller checks: anywhere else a carriage return would garble the log.
    func status(_ line: String?) {
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + (line ?? "")).utf8))
    }

    /// Something the user should know while the command runs (a wait, a clean-up).
    func notice(_ message: String) {
        if !quiet { writeError("edpctl: " + message) }
        if format == .json { writeEvent("notice", MessageFields<String>(message: message, diagnostics: nil)) }
    }

    /// Something that went wrong without failing the command.
    func warning(_ message: String) {
        if !quiet {
            writeError("edpctl: " + label("warning:", .boldYellow) + " " + positionsBold(message))
            if annotates { writeError(WorkflowCommands.command("warning", message: message)) }
        }
        if format == .json { writeEvent("warning", MessageFields<String>(message: message, diagnostics: nil)) }
    }

    /// Reports every message as an error (and in human form `summary` after them), and returns
    /// the exit code to throw: 1.
    func failure(_ messages: [String], diagnostics: [some Encodable] = [String](), summary: String? = nil) -> ExitCode {
        for message in messages { writeError(label("edpctl:", .boldRed) + " " + positionsBold(message)) }
        if annotates {
            // A finding with its place is one annotation on its line; the message that lists them
            // (`hydration found 2 problems…`) is then only their header, and left out.
            let located = diagnostics.compactMap { $0 as? any Located }
            if !located.isEmpty && located.count == diagnostics.count {
                for finding in located { writeError(WorkflowCommands.command("error", finding)) }
            } else {
                for message in messages { writeError(WorkflowCommands.command("error", message: message)) }
            }
        }
        // Last, as the line a person reads first.
        if let summary { writeError(summary) }
        if format == .json {
            for message in messages {
                writeEvent("error", MessageFields(message: message, diagnostics: diagnostics.isEmpty ? nil : diagnostics))
            }
        }
        return ExitCode.failure
    }

    func failure(_ message: String) -> ExitCode {
        failure([message])
    }

    /// `value` as one JSON document on one line of standard output, like an event; for a command
    /// whose JSON form is one document per run, with what `log` kept in it.
    func document(_ value: some Encodable) {
        writeJSON(value)
    }

    private struct MessageFields<Diagnostic: Encodable>: Encodable, LoggedMessage {
        let message: String
        let diagnostics: [Diagnostic]?
    }

    /// Each line's leading `PATH:LINE[:COL]:` in bold, as compilers print a finding's place.
    private func positionsBold(_ message: String) -> String {
        guard colorsLabels else { return message }
        let position = #/[^:\n\s][^:\n]*:[0-9]+(?::[0-9]+)?:/#
        return message.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard let match = line.prefixMatch(of: position) else { return String(line) }
            return Style.bold.apply(match.output) + line[match.range.upperBound...]
        }.joined(separator: "\n")
    }

    private func writeError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func writeEvent(_ name: String, _ fields: some Encodable) {
        if let log {
            if let fields = fields as? any LoggedMessage { log.append(kind: name, message: fields.message) }
            return
        }
        writeJSON(Event(name: name, fields: fields))
    }

    private func writeJSON(_ value: some Encodable) {
        let encoder = JSONEncoder()
        // Paths read as `otc/a.example.org`, not `otc\/a.example.org`; JSON allows both.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers and arrays of them: nothing here can fail to encode.
        guard let data = try? encoder.encode(value) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// An event's fields with its kind beside them, as one object.
private struct Event<Fields: Encodable>: Encodable {
    let name: String
    let fields: Fields

    private enum Key: String, CodingKey {
        case event
    }

    func encode(to encoder: Encoder) throws {
        try fields.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(name, forKey: .event)
    }
}

/// An event that is a message (a notice, warning or error), as `EventLog` keeps it.
private protocol LoggedMessage {
    var message: String { get }
}

/// The messages of the events a command said while it ran, in order, for its one JSON document.
/// Locked: a message may come from any thread.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [(kind: String, message: String)] = []

    func append(kind: String, message: String) {
        lock.withLock { events.append((kind, message)) }
    }

    /// The messages of the events of one kind (`notice`, `warning`, `error`).
    func messages(_ kind: String) -> [String] {
        lock.withLock { events.filter { $0.kind == kind }.map(\.message) }
    }
}
