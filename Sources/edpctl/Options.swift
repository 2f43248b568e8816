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

/// `--output`, shared by the commands that report events; `Output` writes in the format chosen.
struct OutputOptions: ParsableArguments {
    @Option(help: "human: a summary on stderr; json: one JSON object per event on stdout.")
    var output: OutputFormat = .human
}

/// gomplate options `edpctl render` leaves out. They are accepted by the parser only to be refused
/// by name, which says more than "unknown option" to someone coming from gomplate.
struct UnsupportedGomplateOptions: ParsableArguments {
    @Option(name: .customLong("output-map"), help: .private) var outputMap: String?
    @Option(name: .customLong("chmod"), help: .private) var chmod: String?
    @Option(name: .customLong("include"), help: .private) var include: [String] = []
    @Option(name: .customLong("config"), help: .private) var config: String?
    @Flag(name: .customLong("verbose"), help: .private) var verbose = false

    func validate() throws {
        let given = [
            outputMap != nil ? "--output-map" : nil, chmod != nil ? "--chmod" : nil,
            include.isEmpty ? nil : "--include", config != nil ? "--config" : nil,
            verbose ? "--verbose" : nil,
        ].compactMap { $0 }
        if let first = given.first {
            throw ValidationError("'\(first)' is a gomplate option that edpctl render does not support")
        }
    }
}
