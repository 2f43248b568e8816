import ArgumentParser
import Gomplate
import Template

/// `edpctl render`: gomplate's command line on edpctl's engine.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render templates, gomplate-compatible.",
        discussion: """
            Renders a template given with --in, one or more --file (each paired with an --out), or \
            every file below --input-dir into --output-dir. Without an input, the template is read \
            from standard input. Outputs that are only whitespace are not written, and files whose \
            content would not change are left untouched.

            Examples:
              edpctl render -i 'domain: <<< .Env.DOMAIN >>>'    # a string to stdout
              edpctl render -f app.yaml.tmpl -o app.yaml        # one file into another
              edpctl render -c site=site.yaml -f app.yaml.tmpl  # site.yaml as .site
              edpctl render --input-dir stacks --output-dir out --exclude '*.md'
              edpctl render --left-delim '{{' --right-delim '}}' <app.tmpl  # gomplate's
            """
    )

    @Option(name: [.short, .customLong("in")], help: "Template text to render (named <arg> in errors).")
    var input: String?

    @Option(name: [.short, .customLong("file")],
            help: "A template file to render ('-' for standard input). Repeatable, paired with --out.")
    var files: [String] = []

    @Option(name: [.short, .customLong("out")],
            help: "Where to write the output ('-' for standard output). One per --file; standard output when absent.")
    var outputs: [String] = []

    @Option(help: "Render every file below this directory.")
    var inputDir: String?

    @Option(help: "Where the files of --input-dir are written, at the same relative paths.")
    var outputDir = "."

    @Option(name: .customLong("exclude"),
            help: "A .gitignore-style glob of --input-dir files not to render. Repeatable.")
    var excludes: [String] = []

    @Option(name: .customLong("exclude-processing"),
            help: "A glob of --input-dir files to copy without rendering. Repeatable.")
    var excludeProcessing: [String] = []

    @OptionGroup var delimiters: DelimiterOptions

    @Option(help: "What a missing map key gives: error, default (<no value>; also 'invalid'), or zero.")
    var missingKey = "error"

    @Option(name: [.short, .customLong("context")],
            help: "NAME=FILE: a YAML or JSON document as .NAME; '.=FILE' replaces the whole context. Repeatable.")
    var contexts: [String] = []

    @Option(name: [.short, .customLong("datasource")],
            help: "NAME=URL: a data source for ds/include (a path, file://, env:, stdin:, merge:, http(s)://). Repeatable.")
    var dataSources: [String] = []

    @Option(name: [.short, .customLong("template")],
            help: "NAME=PATH: a template (or a directory of them) for <<< template \"NAME\" . >>>. Repeatable.")
    var templates: [String] = []

    @Flag(help: ArgumentHelp(
        "Don't read or write the render cache of --output-dir.",
        discussion: """
            With --input-dir, edpctl remembers which outputs are already up to date (in \
            $EDPCTL_CACHE_DIR, else $XDG_CACHE_HOME/edpctl/render, else ~/.cache/edpctl/render; \
            never in the output directory), so that the next run renders only what changed. \
            Templates that read files, data sources, the clock or randomness always render.
            """))
    var noCache = false

    @Flag(help: "Accepted for gomplate compatibility; edpctl's functions need no opt-in.")
    var experimental = false

    @OptionGroup var exec: RenderExecOptions

    @OptionGroup var unsupported: UnsupportedGomplateOptions

    func validate() throws {
        let inputFlags = [input != nil ? "--in" : nil, files.isEmpty ? nil : "--file", inputDir != nil ? "--input-dir" : nil]
            .compactMap { $0 }
        if inputFlags.count > 1 {
            throw ValidationError(inputFlags.map { "'\($0)'" }.joined(separator: " and ") + " can't be used together")
        }
        if inputDir != nil && !outputs.isEmpty {
            throw ValidationError("'--out' can't be used with '--input-dir'; use '--output-dir'")
        }
        if inputDir == nil {
            if outputDir != "." { throw ValidationError("'--output-dir' requires '--input-dir'") }
            if !excludes.isEmpty { throw ValidationError("'--exclude' requires '--input-dir'") }
            if !excludeProcessing.isEmpty { throw ValidationError("'--exclude-processing' requires '--input-dir'") }
        }
        if !files.isEmpty && !outputs.isEmpty && outputs.count != files.count {
            throw ValidationError("'--out' must be given once for each '--file' (\(files.count) '--file', \(outputs.count) '--out')")
        }
        if files.isEmpty && outputs.count > 1 {
            throw ValidationError("only one '--out' can be given without '--file'")
        }
        if MissingKeyMode(flag: missingKey) == nil {
            throw ValidationError("'--missing-key' must be error, default, zero or invalid (got '\(missingKey)')")
        }
        try validateExecPipe()
        for argument in dataSources { _ = try NamedSource(argument: argument, flag: "--datasource") }
        for argument in contexts { _ = try NamedSource(argument: argument, flag: "--context") }
        if let inputDir {
            do {
                try TreeRenderer(inputDirectory: inputDir, outputDirectory: outputDir, excludes: excludes).checkPlacement()
            } catch {
                throw ValidationError("\(error)")
            }
        }
        for (file, output) in zip(files, outputs) where file != "-" && output != "-" && OutputFile.isSameFile(file, output) {
            throw ValidationError("'--file \(file)' and '--out \(output)' are the same file: the template would overwrite itself")
        }
    }

    func run() throws {
        let output = Output()
        let configuration = try exec.applied(to: jobConfiguration())
        let outcome: RenderJob.Outcome
        do {
            outcome = try RenderJob(configuration: configuration, input: jobInput()).run(warning: output.warning)
        } catch let errors as RenderErrors {
            throw output.failure(errors.messages)
        } catch {
            throw output.failure("\(error)")
        }
        if !exec.execPipe { output.data(outcome.standardOutput) }
        let report = outcome.report
        if !report.errors.isEmpty { throw output.failure(report.errors, summary: report.summary) }
        for warning in report.warnings { output.warning(warning) }
        if outcome.showsSummary {
            output.report(report.summary, event: "render", ReportFields(
                written: report.written, unchanged: report.unchanged, blank: report.blank, cached: report.cached))
        }
        do {
            try exec.postExecCommand?.run(renderedOutput: outcome.standardOutput)
        } catch {
            throw output.failure("\(error)")
        }
    }

    /// The counts of the summary, as a JSON event gives them.
    private struct ReportFields: Encodable {
        let written: Int
        let unchanged: Int
        let blank: Int
        let cached: Int
    }
}
