import Foundation
import Testing

/// Deep recursion ends the process with exit 1 and the error, never with a signal: on the main
/// thread (`-i`, `-f`) and on Dispatch's workers (`--input-dir`), whose stacks follow `ulimit -s`.
@Suite("edpctl render, recursion too deep for the stack")
struct StackDepthCommandTests {
    /// Each level costs an if, a with, a range and a template call (issue 10: Signal 11).
    static let recursion = "<<< define \"r\" >>><<< if lt . 700 >>><<< with $x := 1 >>><<< range seq 1 >>>"
        + "<<< template \"r\" (add $ 1) >>><<< end >>><<< end >>><<< end >>><<< end >>><<< template \"r\" 0 >>>ok"
    /// Nested blocks, which the parser's nesting limit did not count (issue 10: Signal 11 at parse).
    static let blocks = (0..<2500).map { "<<< block \"b\($0)\" . >>>" }.joined() + "x"
        + String(repeating: "<<< end >>>", count: 2500)
    /// Thirty nested ifs a level: the stack runs out long before 400 levels.
    static let heavyRecursion = "<<< define \"r\" >>>" + String(repeating: "<<< if true >>>", count: 30)
        + "<<< template \"r\" (add . 1) >>>" + String(repeating: "<<< end >>>", count: 30) + "<<< end >>><<< template \"r\" 0 >>>"

    @Test(arguments: [0, 512, 1024])
    func aRecursionTooDeepIsAnError(stackKiB: Int) throws {
        let scratch = try Scratch(["b.t": Self.blocks, "in/r.t": Self.recursion, "in/b.t": Self.blocks,
                                   "in/heavy.t": Self.heavyRecursion])
        let recursion = try run(scratch, stackKiB: stackKiB, "render", "-i", Self.recursion)
        #expect(recursion.status == 1)
        #expect(recursion.stderr.contains("executing \"r\" at <"))
        #expect(recursion.stderr.contains(": exceeded maximum template depth ("))

        let blocks = try run(scratch, stackKiB: stackKiB, "render", "-f", "b.t")
        #expect(blocks.status == 1)
        #expect(blocks.stderr.contains("template: b.t:1: max expression depth exceeded"))

        let tree = try run(scratch, stackKiB: stackKiB, "render", "--input-dir", "in", "--output-dir", "out")
        #expect(tree.status == 1)
        #expect(tree.stderr.contains("template: in/b.t:1: max expression depth exceeded"))
        for file in ["in/r.t", "in/heavy.t"] {
            #expect(tree.stderr.contains("template: \(file):1:"))
        }
        #expect(tree.stderr.components(separatedBy: ": exceeded maximum template depth (").count == 3)
        if stackKiB > 0 {
            #expect(tree.stderr.contains("(the \(stackKiB) KiB stack of this thread is nearly exhausted)")
                || tree.stderr.contains("(the \(stackKiB >> 10) MiB stack of this thread is nearly exhausted)"))
        }
    }

    /// `edpctl arguments…` under `ulimit -s stackKiB` (0: the environment's own limit); the shell
    /// execs edpctl, so a signal would be the status of edpctl itself.
    private func run(_ scratch: Scratch, stackKiB: Int, _ arguments: String...) throws -> Edpctl.Result {
        guard let binary = Edpctl.binary else { throw Edpctl.RunError("edpctl was not found beside the test bundle") }
        let limit = stackKiB > 0 ? "ulimit -s \(stackKiB) && " : ""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", limit + "exec \"$0\" \"$@\" >stdout.txt 2>stderr.txt </dev/null", binary.path] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        try process.run()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Edpctl.Result(status: status, stdout: try scratch.read("stdout.txt"), stderr: try scratch.read("stderr.txt"))
    }
}
