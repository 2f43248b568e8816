import ArgumentParser
import Foundation
import Gomplate

/// `edpctl render`'s flags that run other programs or reach other servers, as gomplate's:
/// plugins, the command after `--` (fed the output with `--exec-pipe`), and the headers of
/// http(s) data sources. `RenderSettings` merges them with the config file's.
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
    }
}
