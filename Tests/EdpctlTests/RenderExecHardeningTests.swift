import Foundation
import Testing
import TestSupport

/// What an outside review of render's plugins, post-exec command, headers and config file found,
/// each held to its fix.
@Suite("edpctl render: plugins, headers and the config file at their edges")
struct RenderExecHardeningTests {
    private func run(_ scratch: Scratch, _ arguments: [String], environment: [String: String] = [:]) throws -> Edpctl.Result {
        try Edpctl.run(arguments, in: scratch.path, environment: environment)
    }

    /// `-H` with the alias left out and a token holding `=`: the text before `=` is no alias, and
    /// it is not echoed.
    @Test func aHeaderWithoutItsAliasIsRefusedWithoutShowingIt() throws {
        let scratch = try Scratch()
        let result = try run(scratch, ["render", "-i", "x", "-H", "Authorization: Bearer dG9rZW4="])
        #expect(result.status == 64)
        #expect(result.stderr.contains("expected ALIAS=Name: value (the alias is missing)"), "\(result.stderr)")
        #expect(!result.stderr.contains("dG9rZW4"))
    }

    /// The config file's headers are checked as `-H`'s: a line break would put another header on the wire.
    @Test func aConfigHeaderWithALineBreakIsRefusedWithoutItsValue() throws {
        let scratch = try Scratch([".gomplate.yaml": """
            in: x
            datasources:
              api:
                url: http://127.0.0.1:1/a.json
                header:
                  Authorization: ["Bearer s3cret\\r\\nX-Evil: 1"]

            """])
        let result = try run(scratch, ["render"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("'datasources' (.gomplate.yaml:2:1): invalid HTTP header value for datasource 'api', header Authorization: it holds a line break or NUL"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("s3cret"))
    }

    /// A `-d` of the config's alias replaces the source whole: the config's header, meant for its
    /// URL, is not sent to the flag's.
    @Test func aFlagReplacingAConfigSourceDropsTheConfigsHeaders() throws {
        let scratch = try Scratch()
        let server = try HeaderCheckingServer(scratch)
        let url = "http://127.0.0.1:\(server.port)/user.json"
        try scratch.write(".gomplate.yaml", """
            datasources:
              api:
                url: \(url)
                header:
                  Authorization: ["Bearer \(HeaderCheckingServer.token)"]

            """)
        let fromFile = try run(scratch, ["render", "-i", #"<<< (ds "api").name >>>"#])
        #expect(fromFile.stdout == "ada", "\(fromFile.stderr)")
        let replaced = try run(scratch, ["render", "-d", "api=\(url)", "-i", #"<<< (ds "api").name >>>"#])
        #expect(replaced.status == 1)
        #expect(replaced.stderr.contains("answered HTTP 401"), "\(replaced.stderr)")
    }

    /// An explicit `-f -` is an input flag like any other: it replaces the config file's input.
    @Test func fileDashReplacesTheConfigFilesInput() throws {
        let scratch = try Scratch([".gomplate.yaml": "in: from config\n"])
        let result = try Edpctl.run(["render", "-f", "-"], in: scratch.path, stdin: "from stdin")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "from stdin")
    }

    @Test func chmodSetsPermissionBitsOnly() throws {
        let scratch = try Scratch()
        let result = try run(scratch, ["render", "--chmod", "4755", "-i", "x", "-o", "out.txt"])
        #expect(result.status == 0, "\(result.stderr)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: scratch.path + "/out.txt")[.posixPermissions] as? Int)
        #expect(mode == 0o755)
    }

    @Test func outputDirAndOutputMapTogetherAreRefused() throws {
        let scratch = try Scratch(["in/a.txt": "a"])
        for order in [["--output-dir", "o", "--output-map", "m/<<< .in >>>"], ["--output-map", "m/<<< .in >>>", "--output-dir", "o"]] {
            let result = try run(scratch, ["render", "--input-dir", "in"] + order)
            #expect(result.status == 64)
            #expect(result.stderr.contains("'--output-dir' and '--output-map' can't be used together"), "\(result.stderr)")
        }
        #expect(!scratch.exists("o") && !scratch.exists("m"))
    }

    /// `pluginTimeout: 0s` is gomplate's "not set": the default applies; a negative one is refused.
    @Test func aZeroPluginTimeoutInTheConfigFileIsTheDefault() throws {
        let scratch = try Scratch([".gomplate.yaml": "pluginTimeout: 0s\n"])
        let zero = try run(scratch, ["render", "--plugin", "p=echo", "-i", #"<<< p "ok" >>>"#])
        #expect(zero.status == 0, "\(zero.stderr)")
        #expect(zero.stdout == "ok\n")
        try scratch.write(".gomplate.yaml", "pluginTimeout: -1s\n")
        let negative = try run(scratch, ["render", "--plugin", "p=echo", "-i", #"<<< p "ok" >>>"#])
        #expect(negative.status == 64)
        #expect(negative.stderr.contains("'pluginTimeout' (.gomplate.yaml:1:1) must not be negative"), "\(negative.stderr)")
    }

    @Test(arguments: ["a b=/bin/echo", "1x=/bin/echo", "a-b=/bin/echo"])
    func aPluginNameNoTemplateCanCallIsRefused(argument: String) throws {
        let scratch = try Scratch()
        let result = try run(scratch, ["render", "--plugin", argument, "-i", "x"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("is not a valid function name"), "\(result.stderr)")
    }

    /// A URL that does not parse still has its password hidden.
    @Test func aPasswordInADataSourceThatDoesNotParseIsHidden() throws {
        let scratch = try Scratch()
        let result = try run(scratch, ["render", "-i", "a", "-d", "x=ht tp://user:pw-5be1c0@host/a"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("user:xxxxx@host"), "\(result.stderr)")
        #expect(!result.stderr.contains("pw-5be1c0"))
    }

    /// A context or data source file that does not parse is named by its path, not its alias, so
    /// that the place (and a CI annotation) leads to the file.
    @Test func aDataFileThatDoesNotParseIsNamedByItsPath() throws {
        let scratch = try Scratch(["values/bad.yaml": "a: [1, 2\nb: 3\n"])
        let context = try run(scratch, ["render", "-c", "v=values/bad.yaml", "-i", "<<< .v >>>"],
                              environment: ["GITHUB_ACTIONS": "true"])
        #expect(context.status == 1)
        #expect(context.stderr.contains("edpctl: values/bad.yaml:2:2: did not find expected ',' or ']'"), "\(context.stderr)")
        #expect(context.stderr.contains("::error file=values/bad.yaml,line=2,col=2::did not find expected"), "\(context.stderr)")
        let dataSource = try run(scratch, ["render", "-d", "v=values/bad.yaml", "-i", #"<<< ds "v" >>>"#])
        #expect(dataSource.stderr.contains("error calling ds: values/bad.yaml:2:2: did not find expected"), "\(dataSource.stderr)")
    }

    /// A plugin that writes without end is stopped at 64 MiB, as every read of unknown size.
    @Test func aPluginsOutputIsBounded() throws {
        let scratch = try Scratch()
        let result = try run(scratch, ["render", "--plugin", "y=yes", "-i", "<<< y | len >>>"],
                             environment: ["GOMPLATE_PLUGIN_TIMEOUT": "60s"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(#"plugin "y" (yes) wrote more than 67108864 bytes (64 MiB) to its standard output and was killed"#),
                "\(result.stderr)")
    }

    /// Started with SIGHUP ignored (`nohup`), edpctl keeps ignoring it while a plugin runs.
    @Test func anIgnoredHangupStaysIgnored() throws {
        let scratch = try Scratch()
        try scratch.write("slow.sh", "#!/bin/sh\nsleep 1\nprintf ok\n", mode: 0o755)
        let result = try scratch.shell("""
            trap '' HUP
            "$EDPCTL" render --plugin s=./slow.sh -i '<<< s >>>' > out.txt &
            child=$!
            sleep 0.4
            kill -HUP $child
            wait $child
            echo "status $?"
            """)
        #expect(result.stdout == "status 0\n", "\(result.stderr)")
        #expect(try scratch.read("out.txt") == "ok")
    }

    /// Ctrl-C ends a plugin's whole group, its background jobs (which ignore SIGINT) included.
    @Test func anInterruptEndsThePluginsBackgroundJobsToo() throws {
        let scratch = try Scratch()
        try scratch.write("bg.sh", "#!/bin/sh\nsleep 30 &\necho $! > bg.pid\nwait\n", mode: 0o755)
        let (process, pid) = try Edpctl.start(["render", "--plugin", "bg=./bg.sh", "-i", "<<< bg >>>"], in: scratch.path,
                                              environment: ["GOMPLATE_PLUGIN_TIMEOUT": "60s"], waitingFor: "bg.pid")
        let job = try #require(pid_t(pid))
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGINT)
        let ended = Edpctl.ends(job)
        if !ended { kill(job, SIGKILL) }
        #expect(ended, "the plugin's background job \(job) still runs")
    }
}
