import Foundation
import Testing
import TestSupport

@Suite("edpctl render: plugins, post-exec and --exec-pipe")
struct RenderExecCommandTests {
    // MARK: --plugin

    @Test func aPluginIsAFunctionThatGivesTheProgramsOutput() throws {
        let scratch = try Scratch()
        try scratch.write("join.sh", "#!/bin/sh\nprintf '%s|' \"$@\"\n", mode: 0o755)
        let result = try scratch.run("render", "--plugin", "words=./join.sh", "--plugin", "say=echo",
                                     "-i", #"<<< words "a" "b c" 3 >>>/<<< say "Hello" "World" >>>"#)
        #expect(result.stderr == "")
        #expect(result.stdout == "a|b c|3|/Hello World\n")
        #expect(result.status == 0)
    }

    @Test func aPluginsStandardErrorIsPassedThrough() throws {
        let scratch = try Scratch()
        try scratch.write("warn.sh", "#!/bin/sh\necho 'plugin says hi' >&2\necho out\n", mode: 0o755)
        let result = try scratch.run("render", "--plugin", "warn=./warn.sh", "-i", "<<< warn >>>")
        #expect(result.status == 0)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "plugin says hi\n")
    }

    @Test func aSlowPluginIsKilledAfterGomplatesPluginTimeout() throws {
        let scratch = try Scratch()
        try scratch.write("slow.sh", "#!/bin/sh\nsleep 20\necho late\n", mode: 0o755)
        let start = Date()
        let result = try scratch.run("render", "--plugin", "slow=./slow.sh", "-i", "a<<< slow >>>",
                                     environment: ["GOMPLATE_PLUGIN_TIMEOUT": "400ms"])
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr.contains(#"error calling slow: plugin "slow" (./slow.sh) timed out after 400ms and was killed"#))

        let patient = try scratch.run("render", "--plugin", "slow=./slow.sh", "-i", "<<< slow >>>",
                                      environment: ["GOMPLATE_PLUGIN_TIMEOUT": "soon"])
        #expect(patient.status == 64)
        #expect(patient.stderr.contains(#"GOMPLATE_PLUGIN_TIMEOUT set to invalid value "soon""#))
    }

    @Test func aFailingPluginFailsTheRenderWithItsStandardError() throws {
        let scratch = try Scratch()
        try scratch.write("check.sh", "#!/bin/sh\necho \"no such user: $1\" >&2\nexit 3\n", mode: 0o755)
        let result = try scratch.run("render", "--plugin", "check=./check.sh", "-i", #"<<< check "ada" >>>"#, "-o", "out.txt")
        #expect(result.status == 1)
        #expect(result.stderr.contains(
            #"error calling check: plugin "check" (./check.sh) failed: exit status 3; its standard error: no such user: ada"#))
        #expect(!scratch.exists("out.txt"))
    }

    @Test func aSignalToEdpctlReachesTheRunningPlugin() throws {
        let scratch = try Scratch()
        try scratch.write("long.sh", "#!/bin/sh\necho $$ > plugin.pid\nexec sleep 30\n", mode: 0o755)
        let (process, pid) = try Edpctl.start(["render", "--plugin", "long=./long.sh", "-i", "<<< long >>>"], in: scratch.path,
                                              environment: ["GOMPLATE_PLUGIN_TIMEOUT": "60s"], waitingFor: "plugin.pid")
        let plugin = try #require(pid_t(pid))
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGTERM)
        // The plugin's group got the signal too.
        #expect(Edpctl.ends(plugin), "plugin \(plugin) still runs")
    }

    @Test(arguments: [
        (["--plugin", "nopath", "-i", "x"], "'--plugin nopath': plugin requires both name and path (NAME=PATH)"),
        (["--plugin", "toUpper=echo", "-i", "x"], #"function "toUpper" is already bound, and can not be overridden"#),
    ])
    func badPlugins(arguments: [String], message: String) throws {
        let result = try Scratch().run(["render"] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message))
    }

    @Test func theRenderCacheNeverKeepsAnOutputThatCalledAPlugin() throws {
        let scratch = try Scratch(["in/counted.txt": "run <<< count >>>", "in/pure.txt": "<<< \"x\" | toUpper >>>"])
        // Counts its own runs in a file: a cached output would repeat the old count.
        try scratch.write("count.sh", "#!/bin/sh\nn=$(cat runs 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > runs\nprintf %s $n\n",
                          mode: 0o755)
        let environment = ["EDPCTL_CACHE_DIR": "cache"]
        let arguments = ["render", "--verbose", "--plugin", "count=./count.sh", "--input-dir", "in", "--output-dir", "out"]
        let first = try scratch.run(arguments, environment: environment)
        #expect(first.status == 0)
        #expect(first.stderr == "rendered 2 files: 2 written, 0 unchanged\n")
        #expect(try scratch.read("out/counted.txt") == "run 1")
        let second = try scratch.run(arguments, environment: environment)
        #expect(second.stderr == "rendered 2 files: 1 written, 1 unchanged; 1 from the render cache\n")
        #expect(try scratch.read("out/counted.txt") == "run 2")
        #expect(try scratch.read("out/pure.txt") == "X")
    }

    // MARK: -- cmd args, --exec-pipe

    @Test func theCommandAfterTheDashesRunsAfterRendering() throws {
        let scratch = try Scratch()
        let result = try scratch.run("render", "-i", "hello world", "-o", "out.txt", "--", "cat", "out.txt")
        #expect(result.status == 0)
        #expect(result.stdout == "hello world")
        #expect(try scratch.read("out.txt") == "hello world")
    }

    @Test func execPipeFeedsTheOutputToTheCommandInsteadOfStandardOutput() throws {
        let scratch = try Scratch()
        let upper = try scratch.run("render", "-i", "hello <<< .Env.WHO >>>", "--exec-pipe", "--", "tr", "a-z", "A-Z",
                                    environment: ["WHO": "world"])
        #expect(upper.status == 0)
        #expect(upper.stdout == "HELLO WORLD")
        #expect(upper.stderr == "")

        try scratch.write("t.tmpl", "name: <<< .Env.WHO >>>\n")
        let toFile = try scratch.run("render", "-f", "t.tmpl", "--exec-pipe", "--", "sh", "-c", "cat > piped.txt",
                                     environment: ["WHO": "ada"])
        #expect(toFile.status == 0)
        #expect(toFile.stdout == "")
        #expect(try scratch.read("piped.txt") == "name: ada\n")
    }

    @Test func aFailingCommandFailsEdpctlAsGomplate() throws {
        let scratch = try Scratch()
        let failing = try scratch.run("render", "-i", "x", "--exec-pipe", "--", "sh", "-c", "cat; echo oops >&2; exit 3")
        #expect(failing.status == 1)
        #expect(failing.stdout == "x")
        #expect(failing.stderr == "oops\nedpctl: post-exec command 'sh' failed: exit status 3\n")

        // The output was written before the command ran, and stays.
        let written = try scratch.run("render", "-i", "x", "-o", "out.txt", "--", "sh", "-c", "exit 4")
        #expect(written.status == 1)
        #expect(written.stderr.hasSuffix("edpctl: post-exec command 'sh' failed: exit status 4\n"))
        #expect(try scratch.read("out.txt") == "x")

        let missing = try scratch.run("render", "-i", "x", "--exec-pipe", "--", "edpctl-no-such-command")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains(#"post-exec command: exec: "edpctl-no-such-command": executable file not found in $PATH"#))

        let succeeding = try scratch.run("render", "-i", "x", "--exec-pipe", "--", "sh", "-c", "cat >/dev/null; exit 0")
        #expect(succeeding.status == 0)
    }

    @Test func aCommandThatDoesNotReadThePipedOutputIsNoFailure() throws {
        let result = try Scratch().run("render", "-i", #"<<< strings.Repeat 1000000 "x" >>>"#, "--exec-pipe", "--", "true")
        #expect(result.status == 0)
        #expect(result.stderr == "")
    }

    @Test func theCommandDoesNotRunWhenTheRenderFails() throws {
        let scratch = try Scratch()
        let result = try scratch.run("render", "-i", "<<< .Nope >>>", "--", "touch", "ran")
        #expect(result.status == 1)
        #expect(!scratch.exists("ran"))
    }

    @Test(arguments: [
        (["--exec-pipe", "-i", "x"], "'--exec-pipe' requires a command after '--'"),
        (["--exec-pipe", "-i", "x", "-o", "f", "--", "cat"], "'--exec-pipe' can't be used with '--out'"),
        (["--exec-pipe", "--input-dir", "in", "--", "cat"], "'--exec-pipe' can't be used with '--input-dir'"),
        (["--exec-pipe", "-f", "a", "-f", "b", "--", "cat"], "'--exec-pipe' takes one input, not 2 '--file'"),
    ])
    func execPipeUsageErrors(arguments: [String], message: String) throws {
        let scratch = try Scratch(["in/a": "a", "a": "a", "b": "b"])
        let result = try scratch.run(["render"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message))
    }

    // MARK: http(s) data sources and --datasource-header

    @Test func anHTTPDataSourceIsReadWithItsAliasHeaders() throws {
        let scratch = try Scratch()
        let server = try HeaderCheckingServer(scratch)
        let base = "http://127.0.0.1:\(server.port)"
        let token = ["-H", "api=authorization: Bearer \(HeaderCheckingServer.token)"]
        let json = try scratch.run(["render", "-d", "api=\(base)/user.json"] + token + ["-i", #"<<< (ds "api").name >>>"#])
        #expect(json.stderr == "")
        #expect(json.stdout == "ada")
        #expect(json.status == 0)

        // The Content-Type decides the format; ?type= overrides it and is not sent.
        let yaml = try scratch.run(["render", "-c", "api=\(base)/config"] + token + ["-i", "<<< .api.name >>>"])
        #expect(yaml.stdout == "bob")
        let typed = try scratch.run(["render", "-d", "api=\(base)/text?type=application/json"] + token
                                    + ["-i", #"<<< (ds "api").answer >>>"#])
        #expect(typed.stderr == "")
        #expect(typed.stdout == "42")

        // Another alias of the same server gets no headers.
        let other = try scratch.run(["render", "-d", "api=\(base)/user.json", "-d", "open=\(base)/user.json"] + token
                                    + ["-i", #"<<< (ds "api").name >>>/<<< (ds "open").name >>>"#])
        #expect(other.status == 1)
        #expect(other.stderr.contains("couldn't read datasource 'open'"))
        #expect(other.stderr.contains("answered HTTP 401"))
    }

    @Test func headerValuesNeverAppearInErrors() throws {
        let scratch = try Scratch()
        let server = try HeaderCheckingServer(scratch)
        let base = "http://127.0.0.1:\(server.port)"
        let wrong = "wrong-token-5be1c0"
        let refused = try scratch.run("render", "-d", "api=\(base)/user.json", "-H", "api=Authorization: Bearer \(wrong)",
                                      "-i", #"<<< (ds "api").name >>>"#)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("GET \(base)/user.json answered HTTP 401 (sent with the datasource's headers, not shown)"))
        #expect(!refused.stderr.contains(wrong))

        // The server echoes the request's headers in its 500 body: the body is not shown either.
        let failed = try scratch.run("render", "-d", "api=\(base)/fail", "-H", "api=Authorization: Bearer \(HeaderCheckingServer.token)",
                                     "-i", #"<<< (ds "api").name >>>"#)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("answered HTTP 500"))
        #expect(!failed.stderr.contains(HeaderCheckingServer.token))

        // A password in the URL (sent as basic auth) is redacted as Go's URL.Redacted does.
        let userinfo = try scratch.run("render", "-d", "api=http://ada:pw-\(wrong)@127.0.0.1:\(server.port)/user.json",
                                       "-i", #"<<< (ds "api").name >>>"#)
        #expect(userinfo.status == 1)
        #expect(userinfo.stderr.contains("couldn't read datasource 'api' (http://ada:xxxxx@127.0.0.1:\(server.port)/user.json): GET http://ada:xxxxx@127.0.0.1:\(server.port)/user.json answered HTTP 401\n"))
        #expect(!userinfo.stderr.contains(wrong))

        let badHeader = try scratch.run("render", "-d", "api=\(base)/user.json", "-H", "api=Bad Header: \(wrong)", "-i", "x")
        #expect(badHeader.status == 64)
        #expect(badHeader.stderr.contains("invalid HTTP header name for datasource 'api'"))
        #expect(!badHeader.stderr.contains(wrong))
    }

    @Test func aBodyOverTheReadLimitIsRefused() throws {
        let scratch = try Scratch()
        let server = try HeaderCheckingServer(scratch)
        let result = try scratch.run("render", "-d", "big=http://127.0.0.1:\(server.port)/huge", "-i", #"<<< include "big" | len >>>"#)
        #expect(result.status == 1)
        #expect(result.stderr.contains("GET http://127.0.0.1:\(server.port)/huge: more than 67108864 bytes (64 MiB)"))
    }

    @Test func aServerThatIsNotThereIsNamed() throws {
        let scratch = try Scratch()
        let port = try HeaderCheckingServer(scratch).port  // stopped at once: nothing listens there now
        let result = try scratch.run("render", "-d", "api=http://127.0.0.1:\(port)/x.json",
                                     "-H", "api=Authorization: Bearer \(HeaderCheckingServer.token)", "-i", #"<<< ds "api" >>>"#)
        #expect(result.status == 1)
        #expect(result.stderr.contains("couldn't read datasource 'api' (http://127.0.0.1:\(port)/x.json): GET http://127.0.0.1:\(port)/x.json failed"))
        #expect(!result.stderr.contains(HeaderCheckingServer.token))
    }
}

fileprivate extension Scratch {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Edpctl.Result {
        try Edpctl.run(arguments, in: path, environment: environment)
    }
}

/// A real HTTP server on 127.0.0.1 (Python's http.server) that answers only requests with
/// `Authorization: Bearer <token>`: 401 otherwise. `/user.json` is JSON, `/config` YAML by its
/// Content-Type, `/text` text/plain holding JSON (400 if a `type` parameter reaches it), and
/// `/fail` a 500 whose body echoes the request's headers; `/huge` (no token needed) 65 MiB.
final class HeaderCheckingServer {
    static let token = "s3cret-token-a71f"
    let port: Int
    private let server: PortServer

    init(_ scratch: Scratch) throws {
        try scratch.write("server.py", """
            from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
            from sys import stdin
            from threading import Thread
            TOKEN = "Bearer \(Self.token)"
            class Handler(BaseHTTPRequestHandler):
                def log_message(self, *args):
                    pass
                def answer(self, status, kind, body):
                    data = body.encode()
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                def do_GET(self):
                    if self.path == "/huge":
                        self.send_response(200)
                        self.send_header("Content-Type", "text/plain")
                        self.send_header("Content-Length", str(65 << 20))
                        self.end_headers()
                        try:
                            for _ in range(65):
                                self.wfile.write(b"x" * (1 << 20))
                        except OSError:
                            pass
                        return
                    if self.path.startswith("/fail"):
                        return self.answer(500, "text/plain", "failed for " + str(self.headers))
                    if self.headers.get("Authorization") != TOKEN:
                        return self.answer(401, "text/plain", "who are you? " + str(self.headers))
                    if self.path == "/user.json":
                        return self.answer(200, "application/json; charset=utf-8", '{"name": "ada"}')
                    if self.path == "/config":
                        return self.answer(200, "application/yaml", "name: bob\\n")
                    if self.path == "/text":
                        return self.answer(200, "text/plain", '{"answer": 42}')
                    self.answer(400, "text/plain", "unexpected " + self.path)
            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            print(server.server_address[1], flush=True)
            Thread(target=server.serve_forever, daemon=True).start()
            stdin.read()
            server.shutdown()
            """)
        server = try PortServer(["python3", "server.py"], directory: scratch.path, name: "the HTTP test server")
        port = server.port
    }
}
