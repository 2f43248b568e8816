import Foundation
import Gomplate
import Template
import TestSupport
import Testing

@Suite("Plugins: template functions that run programs")
struct PluginTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder("edpctl-plugins") }

    /// An executable shell script in the test's folder.
    private func script(_ name: String, _ body: String) throws -> String {
        let path = folder.child(name)
        try write("#!/bin/sh\n" + body + "\n", to: path)
        guard chmod(path, 0o755) == 0 else { throw SupportError("chmod \(path) failed") }
        return path
    }

    private func session(_ plugins: [Plugin], timeout: Double = Plugin.defaultTimeout) throws -> RenderSession {
        var configuration = RenderConfiguration(workingDirectory: folder.path, environment: [:])
        configuration.plugins = plugins
        configuration.pluginTimeout = timeout
        return try RenderSession(configuration)
    }

    private func render(_ session: RenderSession, _ text: String) throws -> String {
        String(decoding: try session.render(name: "t", bytes: Array(text.utf8)), as: UTF8.self)
    }

    @Test func theCallsArgumentsFollowTheConfiguredOnesAsStrings() throws {
        let words = try script("words", #"printf '[%s]' "$@""#)
        let session = try session([Plugin(name: "words", command: words, arguments: ["first"])])
        #expect(try render(session, #"<<< words "a b" 2 true >>>|<<< "piped" | words >>>"#)
                == "[first][a b][2][true]|[first][piped]")
    }

    @Test func theOutputIsTheResultUntrimmed() throws {
        let session = try session([Plugin(name: "say", command: "echo")])
        #expect(try render(session, #"<<< say "Hello" "World" >>>."#) == "Hello World\n.")
    }

    @Test func pipeSendsTheLastArgumentOnStandardInput() throws {
        let piped = try script("piped", #"printf 'args=%s;' "$@"; printf 'stdin='; cat"#)
        let session = try session([Plugin(name: "p", command: piped, arguments: ["fixed"], pipe: true)])
        #expect(try render(session, #"<<< p "x" "the input" >>>"#) == "args=fixed;args=x;stdin=the input")
        // A large input is written while the program's output is read: no deadlock on full pipes.
        let large = String(repeating: "0123456789", count: 50_000)
        #expect(try render(session, "<<< p \"\(large)\" | len >>>") == "\(large.count + "args=fixed;stdin=".count)")
    }

    @Test func aPluginThatDoesNotReadItsInputEndsNormally() throws {
        // Writing to a program that went away is EPIPE for the plugin, not SIGPIPE for edpctl.
        let session = try session([Plugin(name: "deaf", command: "echo", arguments: ["ignored"], pipe: true)])
        let large = String(repeating: "x", count: 1_000_000)
        #expect(try render(session, "<<< deaf \"\(large)\" >>>") == "ignored\n")
    }

    @Test func aSlowPluginIsKilledWithItsChildrenAtTheTimeout() throws {
        // The shell's `sleep` holds the output pipe open: only killing the group ends the wait.
        let slow = try script("slow", "echo started; sleep 30")
        let session = try session([Plugin(name: "slow", command: slow)], timeout: 0.3)
        let start = Date()
        #expect {
            try render(session, "<<< slow >>>")
        } throws: { error in
            "\(error)".contains("error calling slow: plugin \"slow\" (\(slow)) timed out after 300ms and was killed")
        }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func aPluginsOwnTimeoutWinsOverTheRenders() throws {
        let slow = try script("slow", "sleep 1; echo done")
        let session = try session([Plugin(name: "slow", command: slow, timeout: 10)], timeout: 0.1)
        #expect(try render(session, "<<< slow >>>") == "done\n")
    }

    @Test func aFailingPluginFailsTheRenderWithItsStandardErrorBounded() throws {
        let failing = try script("failing", #"echo "bad input: $1" >&2; exit 3"#)
        let noisy = try script("noisy", "head -c 100000 /dev/zero | tr '\\0' x >&2; exit 2")
        let session = try session([Plugin(name: "failing", command: failing), Plugin(name: "noisy", command: noisy)])
        #expect {
            try render(session, #"<<< failing "x" >>>"#)
        } throws: { error in
            "\(error)".hasSuffix("error calling failing: plugin \"failing\" (\(failing)) failed: exit status 3; its standard error: bad input: x")
        }
        #expect {
            try render(session, "<<< noisy >>>")
        } throws: { error in
            let text = "\(error)"
            return text.contains("failed: exit status 2; its standard error: xxxx") && text.hasSuffix("x […truncated]")
                && text.count < 4096 + 300
        }
    }

    @Test func aProgramThatCannotStartIsNamed() throws {
        let session = try session([Plugin(name: "gone", command: folder.child("no-such-program")),
                                   Plugin(name: "unknown", command: "edpctl-no-such-program")])
        #expect {
            try render(session, "<<< gone >>>")
        } throws: { error in
            "\(error)".hasSuffix("plugin \"gone\": fork/exec \(folder.child("no-such-program")): No such file or directory")
        }
        #expect {
            try render(session, "<<< unknown >>>")
        } throws: { error in
            "\(error)".hasSuffix("plugin \"unknown\": exec: \"edpctl-no-such-program\": executable file not found in $PATH")
        }
    }

    @Test func aPluginCannotReplaceAFunction() throws {
        #expect {
            try session([Plugin(name: "toUpper", command: "echo")])
        } throws: { error in
            "\(error)" == "plugin \"toUpper\": function \"toUpper\" is already bound, and can not be overridden"
        }
        // Of two plugins of one name the last wins, as in gomplate's map.
        let twice = try session([Plugin(name: "p", command: "false"), Plugin(name: "p", command: "echo")])
        #expect(try render(twice, "<<< p 1 >>>") == "1\n")
    }

    @Test func aTemplateCallingAPluginIsNeverCacheable() throws {
        let session = try session([Plugin(name: "say", command: "echo")])
        #expect(try session.renderOutput(name: "t", bytes: Array("<<< say 1 >>>".utf8)).isCacheable == false)
        #expect(try session.renderOutput(name: "t", bytes: Array("<<< if false >>><<< say 1 >>><<< end >>>".utf8))
                    .isCacheable == false)
        #expect(try session.renderOutput(name: "t", bytes: Array("<<< toUpper \"x\" >>>".utf8)).isCacheable == true)
    }

    @Test(arguments: [
        ("name=/bin/echo", "name", "/bin/echo"),
        ("name=echo=x", "name", "echo=x"),
    ])
    func theFlagsForm(argument: String, name: String, command: String) throws {
        #expect(try Plugin(argument: argument) == Plugin(name: name, command: command))
    }

    @Test(arguments: ["name", "=/bin/echo", "name="])
    func aFlagWithoutNameOrPathIsRefused(argument: String) {
        #expect(throws: FunctionError.self) { try Plugin(argument: argument) }
    }

    @Test func timeoutsAreGoDurations() throws {
        #expect(try Plugin.timeout(parsing: "500ms") == 0.5)
        #expect(try Plugin.timeout(parsing: "1m30s") == 90)
        #expect(throws: FunctionError.self) { try Plugin.timeout(parsing: "5") }
        #expect(throws: FunctionError.self) { try Plugin.timeout(parsing: "0s") }
    }
}

@Suite("--datasource-header arguments")
struct DataSourceHeaderTests {
    @Test(arguments: [
        ("api=Authorization: Bearer abc", "api", "Authorization", "Bearer abc"),
        ("api=x-api-key:   k1  ", "api", "X-Api-Key", "k1"),
        ("a.b=Accept:application/json", "a.b", "Accept", "application/json"),
        ("api=X-Empty:", "api", "X-Empty", ""),
    ])
    func parsesAndCanonicalisesLikeGomplate(argument: String, alias: String, name: String, value: String) throws {
        #expect(try DataSourceHeader(argument: argument) == DataSourceHeader(alias: alias, name: name, value: value))
    }

    @Test func theValueIsNeverShown() throws {
        let header = try DataSourceHeader(argument: "api=Authorization: Bearer s3cret-9f2e")
        #expect("\(header)" == "api=Authorization: [redacted]")
        for bad in ["api=Bad Name: s3cret-9f2e", "api s3cret-9f2e", "=Authorization: s3cret-9f2e",
                    "api=Authorization: s3cret-9f2e\r\nX-Injected: 1"] {
            #expect {
                try DataSourceHeader(argument: bad)
            } throws: { error in
                !"\(error)".contains("s3cret-9f2e")
            }
        }
    }
}

@Suite("Post-exec commands")
struct PostExecTests {
    @Test func thePipedOutputIsTheCommandsInput() throws {
        let folder = try TemporaryFolder("edpctl-post-exec")
        let target = folder.child("piped.txt")
        try PostExec(arguments: ["sh", "-c", "cat > \"$0\"", target], pipesOutput: true).run(renderedOutput: Array("rendered\n".utf8))
        #expect(try read(target) == "rendered\n")
    }

    @Test func aFailingOrMissingCommandIsAnError() {
        #expect {
            try PostExec(arguments: ["sh", "-c", "exit 5"]).run(renderedOutput: [])
        } throws: { "\($0)" == "post-exec command 'sh' failed: exit status 5" }
        #expect {
            try PostExec(arguments: ["sh", "-c", "kill -TERM $$"]).run(renderedOutput: [])
        } throws: { "\($0)" == "post-exec command 'sh' failed: killed by signal 15" }
        #expect {
            try PostExec(arguments: ["edpctl-no-such-command"]).run(renderedOutput: [])
        } throws: { "\($0)" == "post-exec command: exec: \"edpctl-no-such-command\": executable file not found in $PATH" }
    }
}
