import Foundation
import Template

/// A gomplate plugin: a template function, named at render time, that runs a program with the
/// call's arguments and gives its standard output (`--plugin NAME=PATH`, or `plugins:` of the
/// config file with `args`, `pipe` and `timeout`).
package struct Plugin: Sendable, Equatable {
    /// The function's name in templates.
    package var name: String
    /// The program: a path, or a name looked up in `PATH`.
    package var command: String
    /// Arguments put before the call's own (`args:`).
    package var arguments: [String]
    /// Seconds before the program is killed; nil for the render's `pluginTimeout`.
    package var timeout: Double?
    /// Whether the call's last argument goes to the program's standard input instead (`pipe: true`).
    package var pipe: Bool

    /// gomplate's default `pluginTimeout`.
    package static let defaultTimeout = 5.0

    package init(name: String, command: String, arguments: [String] = [], timeout: Double? = nil, pipe: Bool = false) {
        self.name = name
        self.command = command
        self.arguments = arguments
        self.timeout = timeout
        self.pipe = pipe
    }

    /// `NAME=PATH`, as `--plugin` takes it.
    package init(argument: String) throws {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex,
              argument.index(after: equals) != argument.endIndex else {
            throw FunctionError("plugin requires both name and path (NAME=PATH)")
        }
        self.init(name: String(argument[..<equals]), command: String(argument[argument.index(after: equals)...]))
        try checkName()
    }

    /// A template can only call a function whose name is an identifier, as Go's `Funcs` insists:
    /// a letter or `_`, then letters, digits and `_`.
    package func checkName() throws {
        let identifier = #/[\p{L}_][\p{L}\p{Nd}_]*/#
        guard name.wholeMatch(of: identifier) != nil else {
            throw FunctionError("plugin name \(goQuote(name)) is not a valid function name (a letter or '_', then letters, digits and '_')")
        }
    }

    /// A Go duration (`500ms`, `1m30s`: `GOMPLATE_PLUGIN_TIMEOUT`, `pluginTimeout`) in seconds.
    package static func timeout(parsing text: String) throws -> Double {
        let nanoseconds = try goParseDuration(text)
        guard nanoseconds > 0 else { throw FunctionError("time: a plugin timeout must be positive: \"\(text)\"") }
        return Double(nanoseconds) / 1e9
    }

    /// The template function: runs the program each time it is called. Reads `.programs`, so no
    /// render cache ever keeps an output that called it.
    func function(defaultTimeout: Double) -> TemplateFunction {
        let plugin = self
        let timeout = self.timeout ?? defaultTimeout
        return TemplateFunction(name, atLeast: 0, reads: .programs) { arguments, _ in
            var words = plugin.arguments
            for argument in arguments { words.append(try argument.gomplateString()) }
            var input: [UInt8]?
            if plugin.pipe, let last = words.popLast() {
                input = Array(last.utf8)
            }
            return .string(try plugin.run(words, input: input, timeout: timeout))
        }
    }

    private func run(_ words: [String], input: [UInt8]?, timeout: Double) throws -> String {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.capture([command] + words, input: input, timeout: timeout)
        } catch {
            throw FunctionError("plugin \(goQuote(name)): \(error)")
        }
        if outcome.outputExceeded {
            throw FunctionError("plugin \(goQuote(name)) (\(command)) wrote more than \(WorkLimits.maxStringBytes) bytes (64 MiB) "
                                + "to its standard output and was killed")
        }
        if outcome.timedOut {
            let after = goDurationString(Int(timeout * 1e9))
            if outcome.endedBeforeTimeout {
                throw FunctionError("plugin \(goQuote(name)) (\(command)) ended, but programs it started still held its "
                                    + "output open after \(after); they were killed")
            }
            throw FunctionError("plugin \(goQuote(name)) (\(command)) timed out after \(after) and was killed")
        }
        let errorText = Self.describe(outcome.standardError, truncated: outcome.standardErrorTruncated)
        guard outcome.exitStatus == 0 else {
            let ending = outcome.exitStatus.map { "exit status \($0)" } ?? "killed by signal \(outcome.signal ?? 0)"
            throw FunctionError("plugin \(goQuote(name)) (\(command)) failed: \(ending)"
                                + (errorText.isEmpty ? "" : "; its standard error: " + errorText))
        }
        // gomplate passes a plugin's standard error through to its own.
        if !outcome.standardError.isEmpty {
            FileHandle.standardError.write(Data(outcome.standardError))
            if outcome.standardErrorTruncated { FileHandle.standardError.write(Data("[…truncated]\n".utf8)) }
        }
        return String(decoding: outcome.standardOutput, as: UTF8.self)
    }

    private static func describe(_ bytes: [UInt8], truncated: Bool) -> String {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return truncated ? text + " […truncated]" : text
    }
}

extension FunctionTable {
    /// This table with one function per plugin. A plugin may not take the name of a function the
    /// table has (gomplate: "function "x" is already bound, and can not be overridden"); of two
    /// plugins of one name the last wins, as in gomplate's map.
    package func adding(_ plugins: [Plugin], defaultTimeout: Double) throws -> FunctionTable {
        var table = self
        for plugin in plugins {
            if contains(plugin.name) {
                throw FunctionError("plugin \(goQuote(plugin.name)): function \(goQuote(plugin.name)) is already bound, and can not be overridden")
            }
            table.add(plugin.function(defaultTimeout: defaultTimeout), as: plugin.name)
        }
        return table
    }
}
