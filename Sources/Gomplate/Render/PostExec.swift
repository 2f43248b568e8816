/// gomplate's post-exec: the command after `--` (`postExec` in its config file), run once the
/// render succeeded, with edpctl's standard output and error; with `execPipe` the rendered output
/// is its standard input instead of being written.
package struct PostExec: Sendable, Equatable {
    /// The program and its arguments; run without a shell.
    package var arguments: [String]
    package var pipesOutput: Bool

    package init(arguments: [String], pipesOutput: Bool = false) {
        precondition(!arguments.isEmpty, "a post-exec command")
        self.arguments = arguments
        self.pipesOutput = pipesOutput
    }

    /// Runs the command to its end; one that cannot start or does not exit with 0 is an error
    /// (edpctl then fails with 1, as gomplate does, whatever the command's own status).
    package func run(renderedOutput: [UInt8]) throws {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run(arguments, input: pipesOutput ? renderedOutput : nil)
        } catch {
            throw PostExecFailure(description: "post-exec command: \(error)")
        }
        if outcome.exitStatus == 0 { return }
        let ending = outcome.exitStatus.map { "exit status \($0)" } ?? "killed by signal \(outcome.signal ?? 0)"
        throw PostExecFailure(description: "post-exec command '\(arguments[0])' failed: \(ending)")
    }
}

package struct PostExecFailure: Error, CustomStringConvertible {
    package let description: String
}
