import ArgumentParser
import Foundation
import Gomplate

/// `edpctl render`'s flags that run other programs or reach other servers, as gomplate's:
/// plugins, the command after `--` (fed the output with `--exec-pipe`), and the headers of
/// http(s) data sources.
struct RenderExecOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp(
        "NAME=PATH: a template function NAME that runs PATH with the call's arguments. Repeatable.",
        discussion: """
            The program's standard output is the function's result; it runs without a shell, and is \
            killed after $GOMPLATE_PLUGIN_TIMEOUT (a Go duration; 5s when unset). A template that calls \
            a plugin is never taken from the render cache.
            """))
    var plugins: [String] = []

    @Flag(name: .customLong("exec-pipe"),
          help: "Pipe the rendered output to the command after '--' instead of writing it (one input only).")
    var execPipe = false

    @Option(name: [.customShort("H"), .customLong("datasource-header")],
            help: "ALIAS=Name: value: an HTTP header for the http(s) data source or context ALIAS. Repeatable.")
    var headers: [String] = []

    @Argument(parsing: .postTerminator,
              help: ArgumentHelp("A command to run after a successful render: edpctl render … -- cmd args (no shell).",
                                 valueName: "cmd"))
    var postExec: [String] = []

    func validate() throws {
        for argument in plugins {
            do { _ = try Plugin(argument: argument) } catch { throw ValidationError("'--plugin \(argument)': \(error)") }
        }
        for argument in headers {
            // The argument holds the header's value: only the error, which leaves it out, is shown.
            do { _ = try DataSourceHeader(argument: argument) } catch { throw ValidationError("'--datasource-header': \(error)") }
        }
        _ = try pluginTimeout()
        if execPipe && postExec.isEmpty {
            throw ValidationError("'--exec-pipe' requires a command after '--' (edpctl render … --exec-pipe -- cmd args)")
        }
    }

    /// `GOMPLATE_PLUGIN_TIMEOUT` in seconds, else gomplate's default.
    func pluginTimeout() throws -> Double {
        guard let text = ProcessInfo.processInfo.environment["GOMPLATE_PLUGIN_TIMEOUT"], !text.isEmpty else {
            return Plugin.defaultTimeout
        }
        do {
            return try Plugin.timeout(parsing: text)
        } catch {
            throw ValidationError("GOMPLATE_PLUGIN_TIMEOUT set to invalid value \"\(text)\": \(error)")
        }
    }

    /// `configuration` with the plugins and the data source headers.
    func applied(to configuration: RenderConfiguration) throws -> RenderConfiguration {
        var configuration = configuration
        configuration.plugins = try plugins.map(Plugin.init(argument:))
        configuration.pluginTimeout = try pluginTimeout()
        configuration.dataSourceHeaders = try headers.map(DataSourceHeader.init(argument:))
        return configuration
    }

    /// The command after `--`, if any, and whether it gets the output (`--exec-pipe`).
    var postExecCommand: PostExec? {
        postExec.isEmpty ? nil : PostExec(arguments: postExec, pipesOutput: execPipe)
    }
}

extension Render {
    /// The rules between `--exec-pipe` and the outputs, as gomplate's config validation has them.
    func validateExecPipe() throws {
        guard exec.execPipe else { return }
        if inputDir != nil { throw ValidationError("'--exec-pipe' can't be used with '--input-dir'") }
        if outputs.contains(where: { $0 != "-" }) {
            throw ValidationError("'--exec-pipe' can't be used with '--out': the output goes to the command")
        }
        if files.count > 1 { throw ValidationError("'--exec-pipe' takes one input, not \(files.count) '--file'") }
    }
}
