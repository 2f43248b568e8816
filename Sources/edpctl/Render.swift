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
            content would not change are left untouched. Nothing is printed on success but the \
            outputs that go to standard output (--verbose: a summary on standard error).

            Settings come, as in gomplate, from the flags, else the config file (--config, \
            $GOMPLATE_CONFIG, or .gomplate.yaml in the working directory), else GOMPLATE_LEFT_DELIM \
            and GOMPLATE_RIGHT_DELIM, else the defaults. The default delimiters are <<< and >>>, not \
            gomplate's {{ and }}.

            Examples:
              edpctl render -i 'domain: <<< .Env.DOMAIN >>>'    # a string to stdout
              edpctl render -f app.yaml.tmpl -o app.yaml        # one file into another
              edpctl render -c site=site.yaml -f app.yaml.tmpl  # site.yaml as .site
              edpctl render --input-dir stacks --output-dir out --exclude '*.md'
              edpctl render --left-delim '{{' --right-delim '}}' <app.tmpl  # gomplate's
              edpctl render --input-dir t --output-map 'out/<<< .in >>>' --chmod 640
            """
    )

    // The settings a config file or GOMPLATE_* variable may also give are optional, their default
    // in the help: gomplate's precedence (flag > config file > environment > default) needs to
    // know whether the flag was given.

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

    @Option(help: "Where the files of --input-dir are written, at the same relative paths. (default: .)")
    var outputDir: String?

    @Option(help: ArgumentHelp(
        "A template naming each --input-dir file's output path, instead of --output-dir.",
        discussion: """
            It sees the file's path below --input-dir as .in and the context as .ctx, uses the \
            delimiters of the templates, and its output is trimmed of white space: \
            --output-map 'out/<<< .in | strings.TrimSuffix ".tmpl" >>>'.
            """))
    var outputMap: String?

    @Option(help: "The outputs' permission bits, in octal (640, 0755). (default: each template file's; 644 for --in)")
    var chmod: String?

    @Option(name: .customLong("exclude"),
            help: "A .gitignore-style glob of --input-dir files not to render. Repeatable.")
    var excludes: [String] = []

    @Option(name: .customLong("include"),
            help: "A .gitignore-style glob of the only --input-dir files to render (then --exclude applies). Repeatable.")
    var includes: [String] = []

    @Option(name: .customLong("exclude-processing"),
            help: "A glob of --input-dir files to copy without rendering. Repeatable.")
    var excludeProcessing: [String] = []

    @Option(help: "The left delimiter of template actions; else the config file's leftDelim, else $GOMPLATE_LEFT_DELIM. (default: <<<)")
    var leftDelim: String?

    @Option(help: "The right delimiter of template actions; else the config file's rightDelim, else $GOMPLATE_RIGHT_DELIM. (default: >>>)")
    var rightDelim: String?

    @Option(help: "What a missing map key gives: error, default (<no value>; also 'invalid'), or zero. (default: error)")
    var missingKey: String?

    @Option(name: [.short, .customLong("context")],
            help: "NAME=FILE: a YAML or JSON document as .NAME; '.=FILE' replaces the whole context. Repeatable.")
    var contexts: [String] = []

    @Option(name: [.short, .customLong("datasource")],
            help: "NAME=URL: a data source for ds/include (a path, file://, env:, stdin:, merge:, http(s)://). Repeatable.")
    var dataSources: [String] = []

    @Option(name: [.short, .customLong("template")],
            help: "NAME=PATH: a template (or a directory of them) for <<< template \"NAME\" . >>>. Repeatable.")
    var templates: [String] = []

    @Option(help: ArgumentHelp(
        "gomplate's config file; '' for none. (default: $GOMPLATE_CONFIG, else .gomplate.yaml if present)",
        discussion: """
            Flags override the file, and the file overrides GOMPLATE_LEFT_DELIM and \
            GOMPLATE_RIGHT_DELIM, as in gomplate. A key gomplate does not know is a warning.
            """))
    var config: String?

    @Flag(help: ArgumentHelp(
        "Don't read or write the render cache of --output-dir.",
        discussion: """
            With --input-dir, edpctl remembers which outputs are already up to date (in \
            $EDPCTL_CACHE_DIR, else $XDG_CACHE_HOME/edpctl/render, else ~/.cache/edpctl/render; \
            never in the output directory), so that the next run renders only what changed. \
            Templates that read files, data sources, the clock, randomness or the network always render.
            """))
    var noCache = false

    @Flag(help: "Accepted for gomplate compatibility; edpctl's functions need no opt-in.")
    var experimental = false

    @Flag(name: [.customShort("V"), .long],
          help: "Say which config file is used and what was written (nothing is said on success otherwise).")
    var verbose = false

    @OptionGroup var colorOptions: ColorOptions

    @OptionGroup var exec: RenderExecOptions

    /// The rules between flags alone, then those between the settings merged with the config file
    /// (`RenderSettings`): all before anything is read or written.
    func validate() throws {
        let inputFlags = [input != nil ? "--in" : nil, files.isEmpty ? nil : "--file", inputDir != nil ? "--input-dir" : nil]
            .compactMap { $0 }
        if inputFlags.count > 1 {
            throw ValidationError(inputFlags.map { "'\($0)'" }.joined(separator: " and ") + " can't be used together")
        }
        if !files.isEmpty && !outputs.isEmpty && outputs.count != files.count {
            throw ValidationError("'--out' must be given once for each '--file' (\(files.count) '--file', \(outputs.count) '--out')")
        }
        if files.isEmpty && outputs.count > 1 {
            throw ValidationError("only one '--out' can be given without '--file'")
        }
        if let leftDelim, leftDelim.isEmpty { throw ValidationError("'--left-delim' can't be empty") }
        if let rightDelim, rightDelim.isEmpty { throw ValidationError("'--right-delim' can't be empty") }
        for argument in dataSources { _ = try NamedSource(argument: argument, flag: "--datasource") }
        for argument in contexts { _ = try NamedSource(argument: argument, flag: "--context") }
        for (file, output) in zip(files, outputs) where file != "-" && output != "-" && OutputFile.isSameFile(file, output) {
            throw ValidationError("'--file \(file)' and '--out \(output)' are the same file: the template would overwrite itself")
        }
        // The rules between the merged settings are usage errors too, shown with this command's
        // usage; a config file that can't be read or parsed is `run`'s to report.
        do {
            try RenderSettings(self).checkPlacement()
        } catch let error as ValidationError {
            throw error
        } catch {}
    }

    func run() throws {
        let output = Output(color: colorOptions.color)
        let settings: RenderSettings
        do {
            settings = try RenderSettings(self)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw output.failure("\(error)")
        }
        for warning in settings.warnings { output.warning(warning) }
        if verbose, let path = settings.configPath { output.notice("using config file \(path)") }
        let outcome: RenderJob.Outcome
        do {
            let configuration = try settings.jobConfiguration()
            outcome = try RenderJob(configuration: configuration, input: settings.jobInput(noCache: noCache),
                                    outputMode: settings.outputMode).run(warning: output.warning)
        } catch let errors as RenderErrors {
            throw output.failure(errors.messages)
        } catch {
            throw output.failure("\(error)")
        }
        if !settings.execPipe { output.data(outcome.standardOutput) }
        let report = outcome.report
        if !report.errors.isEmpty { throw output.failure(report.errors, summary: report.summary) }
        for warning in report.warnings { output.warning(warning) }
        // gomplate says nothing on success; its --verbose logs what it did.
        if verbose && outcome.showsSummary {
            output.report(report.summary, event: "render", ReportFields(
                written: report.written, unchanged: report.unchanged, blank: report.blank, cached: report.cached))
        }
        do {
            try settings.postExecCommand?.run(renderedOutput: outcome.standardOutput)
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
