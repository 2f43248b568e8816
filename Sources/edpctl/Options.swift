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
    @Option(help: "human: a summary on stderr; json: on stdout, one document per run (hydrate) or one object per event.")
    var output: OutputFormat = .human

    @OptionGroup var colorOptions: ColorOptions
}
