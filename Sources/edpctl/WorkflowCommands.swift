import Foundation
import Hydrate
import Template

/// A finding with a place in a file; its place becomes an annotation's `file`, `line` and `col`.
protocol Located {
    var file: String { get }
    var line: Int? { get }
    var column: Int? { get }
    var message: String { get }
}

extension Diagnostic: Located {}
extension HydrationDiagnostic: Located {}

/// GitHub's and Forgejo's workflow commands: under `GITHUB_ACTIONS=true` or `FORGEJO_ACTIONS=true`
/// each error is also written as `::error file=…,line=…,col=…::message` (a warning as
/// `::warning …`), which the CI shows on the file's line. Both runners read workflow commands from
/// standard error as well as standard output (actions/runner's ScriptHandler hands both streams to
/// its command manager; act, under Forgejo's runner, gives both to one log writer), so they go to
/// standard error and `--output json` keeps standard output to its JSON. They carry nothing but a
/// message's own text and place, which its writer has already redacted.
struct WorkflowCommands {
    static func enabled(environment: [String: String]) -> Bool {
        environment["GITHUB_ACTIONS"] == "true" || environment["FORGEJO_ACTIONS"] == "true"
    }

    /// `message` as one command: placed when its first line starts `PATH:LINE[:COL]: ` (hydrate's
    /// findings and the loaders' diagnostics), that prefix then left out of the text, or is Go's
    /// `template: NAME:LINE[:COL]: …` (render's errors, NAME the path as given); else bare.
    static func command(_ name: String, message: String) -> String {
        // A path without a colon or a line break, not starting with a blank.
        let position = #/([^:\n\s][^:\n]*):([0-9]+)(?::([0-9]+))?: /#
        if let match = message.prefixMatch(of: position) {
            return command(name, String(match.1), Int(match.2), match.3.flatMap { Int($0) },
                           String(message[match.range.upperBound...]))
        }
        // Go's column counts from 0, an annotation's from 1; `<arg>` (--in) and `<stdin>` are no
        // file. The text stays as Go wrote it, as on standard error.
        let template = #/template: ([^<:\n\s][^:\n]*):([0-9]+)(?::([0-9]+))?: /#
        if let match = message.prefixMatch(of: template) {
            return command(name, String(match.1), Int(match.2), match.3.flatMap { Int($0) }.map { $0 + 1 }, message)
        }
        return command(name, nil, nil, nil, message)
    }

    static func command(_ name: String, _ finding: some Located) -> String {
        command(name, finding.file, finding.line, finding.column, finding.message)
    }

    private static func command(_ name: String, _ file: String?, _ line: Int?, _ column: Int?, _ text: String) -> String {
        let properties = [file.map { "file=" + escapeProperty($0) }, line.map { "line=\($0)" }, column.map { "col=\($0)" }]
            .compactMap { $0 }.joined(separator: ",")
        return "::\(name)\(properties.isEmpty ? "" : " " + properties)::\(escapeData(text))"
    }

    /// The runner reads `%25`, `%0D` and `%0A` back as `%`, CR and LF, so a message of several
    /// lines stays one annotation (@actions/core's `escapeData`).
    private static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// In a property `:` and `,` are separators too (@actions/core's `escapeProperty`).
    private static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
