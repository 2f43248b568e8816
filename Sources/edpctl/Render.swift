import ArgumentParser
import Foundation
import Hydrate
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
            help: "NAME=URL: a data source for ds/include (a path, file://, env:, stdin:, merge:). Repeatable.")
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
        for argument in dataSources { _ = try parseSource(argument, flag: "--datasource") }
        for argument in contexts { _ = try parseSource(argument, flag: "--context") }
        if let inputDir {
            // Before any template is read. The listing is taken again to render: an input folder
            // inside the output one is only wrong when one of its files would land in it.
            let tree = TreeRenderer(inputDirectory: inputDir, outputDirectory: outputDir, excludes: excludes)
            do {
                try tree.checkDirectoriesApart()
                if let files = try? tree.collectFiles() { try tree.checkOutputsOutsideInput(files) }
            } catch {
                throw ValidationError("\(error)")
            }
        }
        for (file, output) in zip(files, outputs) where file != "-" && output != "-" && isSameFile(file, output) {
            throw ValidationError("'--file \(file)' and '--out \(output)' are the same file: the template would overwrite itself")
        }
    }

    /// Whether both paths name one existing file (through links, or as hard links of each other).
    private func isSameFile(_ first: String, _ second: String) -> Bool {
        var (a, b) = (stat(), stat())
        return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    func run() throws {
        let standardInput = StandardInput()
        let configuration = RenderConfiguration(
            options: TemplateOptions(leftDelimiter: delimiters.leftDelim, rightDelimiter: delimiters.rightDelim,
                                     missingKey: MissingKeyMode(flag: missingKey) ?? .error),
            contexts: try contexts.map { try parseSource($0, flag: "--context") },
            dataSources: try dataSources.map { try parseSource($0, flag: "--datasource") },
            nestedTemplates: templates.map(NestedTemplateSource.init(argument:)),
            standardInput: standardInput)

        let session: RenderSession
        do {
            session = try RenderSession(configuration)
        } catch {
            fail(["\(error)"])
        }
        if let inputDir {
            renderTree(inputDir, session: session, environment: configuration.environment,
                       workingDirectory: configuration.workingDirectory)
        } else {
            renderFiles(session: session, standardInput: standardInput)
        }
    }

    /// `--input-dir`: everything renders in memory first; nothing is written unless all succeeded.
    private func renderTree(_ inputDir: String, session: RenderSession, environment: [String: String],
                            workingDirectory: String) {
        let renderer = TreeRenderer(inputDirectory: inputDir, outputDirectory: outputDir, excludes: excludes,
                                    excludeProcessing: excludeProcessing, leftDelimiter: delimiters.leftDelim)
        var cache: RenderCache?
        if !noCache {
            do {
                cache = try RenderCache.location(outputDirectory: outputDir, inputDirectory: inputDir,
                                                 workingDirectory: workingDirectory, environment: environment)
                    .map { RenderCache(path: $0, session: session, toolVersion: Self.toolVersion) }
            } catch {
                printError("edpctl: warning: not using the render cache: \(error)")
            }
        }
        let report: TreeWriteReport
        do {
            report = try renderer.renderAndWrite(cache: cache) { file, input in
                try session.renderOutput(name: file.inputPath, bytes: input)
            }
        } catch let errors as RenderErrors {
            fail(errors.messages)
        } catch {
            fail(["\(error)"])
        }
        if !report.errors.isEmpty { fail(report.errors, summary: report.summary) }
        for warning in report.warnings { printError("edpctl: warning: " + warning) }
        printError(report.summary)
    }

    /// edpctl's version and the identity of its binary: a rebuild that keeps the version may
    /// render differently, and must not trust what the cache learnt from the old one.
    private static let toolVersion: String = {
        guard let executable = Bundle.main.executablePath,
              let attributes = try? FileManager.default.attributesOfItem(atPath: executable) else {
            return EdpctlVersion.current
        }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(EdpctlVersion.current) \(attributes[.size] ?? "") \(modified) \(attributes[.systemFileNumber] ?? "")"
    }()

    /// `--in`, `--file` or standard input: each template renders to its `--out` (or standard output).
    private func renderFiles(session: RenderSession, standardInput: StandardInput) {
        struct Job {
            let name: String
            let output: String
            let mode: mode_t
            let bytes: () throws -> [UInt8]
        }
        var jobs: [Job] = []
        if let input {
            let bytes = Self.rawArgument(input, options: ["-i", "--in"])
            jobs.append(Job(name: "<arg>", output: outputs.first ?? "-", mode: 0o644) { bytes })
        } else if files.isEmpty {
            jobs.append(Job(name: "-", output: outputs.first ?? "-", mode: 0o644) { standardInput.bytes })
        } else {
            for (index, file) in files.enumerated() {
                let output = outputs.isEmpty ? "-" : outputs[index]
                if file == "-" {
                    jobs.append(Job(name: file, output: output, mode: 0o644) { standardInput.bytes })
                } else {
                    let mode = (try? OutputFile.mode(of: file)).flatMap { $0 } ?? 0o644
                    jobs.append(Job(name: file, output: output, mode: mode) { try OutputFile.read(file) })
                }
            }
        }

        var rendered: [[UInt8]] = []
        var errors: [String] = []
        for job in jobs {
            do {
                rendered.append(try session.render(name: job.name, bytes: try job.bytes()))
            } catch {
                errors.append("\(error)")
            }
        }
        if !errors.isEmpty { fail(errors) }

        var report = TreeWriteReport()
        var standardOutput: [UInt8] = []
        for (job, bytes) in zip(jobs, rendered) {
            if job.output == "-" {
                // Each template's output is skipped on its own when blank, as gomplate does.
                if !OutputFile.isBlank(bytes) { standardOutput += bytes }
                continue
            }
            do {
                switch try OutputFile.write(bytes, to: job.output, mode: job.mode) {
                case .changed: report.written += 1
                case .unchanged: report.unchanged += 1
                case .blank: report.blank += 1
                }
            } catch {
                report.errors.append("\(error)")
            }
        }
        if !standardOutput.isEmpty { FileHandle.standardOutput.write(Data(standardOutput)) }
        if !report.errors.isEmpty { fail(report.errors, summary: report.summary) }
        if report.total > 0 { printError(report.summary) }
    }

    /// The bytes the shell passed for an option's value: Swift's arguments are Strings, in which
    /// bytes that are not UTF-8 are already replaced, and a template's text must keep them. The
    /// last `-i VALUE`, `--in VALUE` or `--in=VALUE` that reads as `value` is it.
    private static func rawArgument(_ value: String, options: [String]) -> [UInt8] {
        let arguments = (1..<Int(CommandLine.argc)).compactMap { index in
            CommandLine.unsafeArgv[index].map { [UInt8](UnsafeRawBufferPointer(start: $0, count: strlen($0))) }
        }
        var found = Array(value.utf8)
        for (index, argument) in arguments.enumerated() {
            var candidate: ArraySlice<UInt8>?
            if index > 0, options.contains(String(decoding: arguments[index - 1], as: UTF8.self)) {
                candidate = argument[...]
            } else if let long = options.first(where: { $0.hasPrefix("--") }),
                      argument.starts(with: Array((long + "=").utf8)) {
                candidate = argument[(long.utf8.count + 1)...]
            }
            if let candidate, String(decoding: candidate, as: UTF8.self) == value { found = Array(candidate) }
        }
        return found
    }

    private func parseSource(_ argument: String, flag: String) throws -> NamedSource {
        do {
            return try NamedSource(argument: argument)
        } catch {
            throw ValidationError("'\(flag) \(argument)': \(error)")
        }
    }

    /// Prints every message, one per line, and exits with status 1.
    private func fail(_ messages: [String], summary: String? = nil) -> Never {
        for message in messages { printError("edpctl: " + message) }
        if let summary { printError(summary) }
        Render.exit(withError: ExitCode.failure)
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension MissingKeyMode {
    /// gomplate's values for `--missing-key`; `invalid` is Go's other name for `default`.
    init?(flag: String) {
        if flag == "invalid" {
            self = .default
        } else {
            self.init(rawValue: flag)
        }
    }
}
