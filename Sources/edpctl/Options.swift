import ArgumentParser

/// The delimiters around template actions, shared by the commands that render templates.
struct DelimiterOptions: ParsableArguments {
    @Option(help: "The left delimiter of template actions.")
    var leftDelim = "<<<"

    @Option(help: "The right delimiter of template actions.")
    var rightDelim = ">>>"

    func validate() throws {
        if leftDelim.isEmpty { throw ValidationError("'--left-delim' can't be empty") }
        if rightDelim.isEmpty { throw ValidationError("'--right-delim' can't be empty") }
    }
}

/// `--output` and `--color`, shared by the commands that report events; `Output` writes in the
/// format chosen.
struct OutputOptions: ParsableArguments {
    @Option(help: "human: a summary on stderr; json: one JSON object per event on stdout.")
    var output: OutputFormat = .human

    @OptionGroup var colorOptions: ColorOptions
}

/// gomplate options `edpctl render` leaves out. They are accepted by the parser only to be refused
/// by name, which says more than "unknown option" to someone coming from gomplate.
struct UnsupportedGomplateOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: .private) var plugins: [String] = []
    @Option(name: [.customShort("H"), .customLong("datasource-header")], help: .private) var headers: [String] = []
    @Flag(name: .customLong("exec-pipe"), help: .private) var execPipe = false

    func validate() throws {
        let given = [
            plugins.isEmpty ? nil : "--plugin", headers.isEmpty ? nil : "--datasource-header",
            execPipe ? "--exec-pipe" : nil,
        ].compactMap { $0 }
        if let first = given.first {
            throw ValidationError("'\(first)' is a gomplate option that edpctl render does not support")
        }
    }
}
