import Foundation
import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `gomplate` run (`edpctl render`): templates given one by one (`--in`, `--file`, standard
/// input), each to its own output, or a whole tree (`--input-dir`). Every template renders before
/// anything is written, and nothing is written unless all rendered.
public struct RenderJob: Sendable {
    /// A template given on its own, and where its output goes (`-`: standard output).
    public struct Template: Sendable {
        public enum Source: Sendable {
            /// The template's text itself (`--in`), named `<arg>` in errors.
            case text([UInt8])
            /// Standard input, named `-`.
            case standardInput
            /// A file, named by its path; the output keeps its permission bits.
            case file(String)
        }

        public let source: Source
        public let output: String

        public init(_ source: Source, output: String) {
            self.source = source
            self.output = output
        }
    }

    /// The tree of `--input-dir`, and how it is rendered.
    public struct Tree: Sendable {
        public var renderer: TreeRenderer
        /// Whether the render cache of the output directory is read and written.
        public var usesCache: Bool
        /// What must change the cache's keys whenever rendering may change: the tool's version and
        /// build (`RenderJob.toolIdentity`).
        public var toolVersion: String
        /// gomplate's `--output-map` template (`RenderSession.outputPath`), rendered for each file.
        public var outputMap: [UInt8]?

        public init(renderer: TreeRenderer, usesCache: Bool, toolVersion: String, outputMap: [UInt8]? = nil) {
            self.renderer = renderer
            self.usesCache = usesCache
            self.toolVersion = toolVersion
            self.outputMap = outputMap
        }
    }

    public enum Input: Sendable {
        case templates([Template])
        case tree(Tree)
    }

    /// What a run did. Write failures are the report's `errors`.
    public struct Outcome: Sendable {
        /// What goes to standard output, in the templates' order.
        public var standardOutput: [UInt8] = []
        public var report = TreeWriteReport()
        /// Whether the report's summary is worth showing: always for a tree, and for templates when
        /// one of them went to a file.
        public var showsSummary = false
    }

    public let configuration: RenderConfiguration
    public let input: Input
    /// gomplate's `--chmod` for the outputs of `templates` (a tree's is its renderer's).
    public let outputMode: mode_t?

    public init(configuration: RenderConfiguration, input: Input, outputMode: mode_t? = nil) {
        self.configuration = configuration
        self.input = input
        self.outputMode = outputMode
    }

    /// Renders, then writes. `warning` hears at once why the render cache is not used, if it is not.
    /// - Throws: `RenderErrors` with every template's error when any failed, having written nothing;
    ///   a data source or context that cannot be set up; for a tree, what `TreeRenderer` refuses.
    public func run(warning: (String) -> Void) throws -> Outcome {
        let session = try RenderSession(configuration)
        switch input {
        case .templates(let templates): return try render(templates, session: session)
        case .tree(let tree): return try render(tree, session: session, warning: warning)
        }
    }

    private func render(_ templates: [Template], session: RenderSession) throws -> Outcome {
        // Taken before any output is written: an output may be another template's file.
        let modes = templates.map { outputMode ?? $0.mode }
        var rendered: [[UInt8]] = []
        var errors: [String] = []
        var hints: [String] = []
        for template in templates {
            do {
                let bytes = try read(template)
                rendered.append(try session.render(name: template.name, bytes: bytes))
                if let hint = defaultDelimiterHint(name: template.name, bytes: bytes,
                                                   leftDelimiter: configuration.options.leftDelimiter) {
                    hints.append(hint)
                }
            } catch {
                errors.append("\(error)")
            }
        }
        if !errors.isEmpty { throw RenderErrors(messages: errors) }

        var outcome = Outcome()
        outcome.report.warnings = hints
        for (index, (template, bytes)) in zip(templates, rendered).enumerated() {
            if template.output == "-" {
                // Each template's output is skipped on its own when blank, as gomplate does.
                if !OutputFile.isBlank(bytes) { outcome.standardOutput += bytes }
                continue
            }
            do {
                switch try OutputFile.write(bytes, to: template.output, mode: modes[index], exactMode: outputMode != nil) {
                case .changed: outcome.report.written += 1
                case .unchanged: outcome.report.unchanged += 1
                case .blank: outcome.report.blank += 1
                }
            } catch {
                outcome.report.errors.append("\(error)")
            }
        }
        outcome.showsSummary = outcome.report.total > 0
        return outcome
    }

    private func read(_ template: Template) throws -> [UInt8] {
        switch template.source {
        case .text(let bytes): bytes
        case .standardInput: configuration.standardInput.bytes
        case .file(let path): try OutputFile.read(path)
        }
    }

    private func render(_ tree: Tree, session: RenderSession, warning: (String) -> Void) throws -> Outcome {
        var tree = tree
        if let map = tree.outputMap {
            tree.renderer = tree.renderer.mappingOutputs { try session.outputPath(map: map, relativePath: $0) }
        }
        var outcome = Outcome()
        var cache: RenderCache?
        if tree.usesCache {
            do {
                cache = try RenderCache.location(
                    outputDirectory: tree.renderer.outputDirectory, inputDirectory: tree.renderer.inputDirectory,
                    workingDirectory: configuration.workingDirectory, environment: configuration.environment,
                    outputMap: tree.outputMap
                ).map { RenderCache(path: $0, session: session, toolVersion: tree.toolVersion) }
            } catch {
                warning("not using the render cache: \(error)")
            }
        }
        outcome.report = try tree.renderer.renderAndWrite(cache: cache) { file, input in
            try session.renderOutput(name: file.inputPath, bytes: input)
        }
        outcome.showsSummary = true
        return outcome
    }

    /// A tool's version and the identity of its binary (size, modification time, inode): a rebuild
    /// that keeps the version may render differently, and must not trust what the render cache
    /// learnt from the old one.
    public static func toolIdentity(version: String) -> String {
        guard let executable = Bundle.main.executablePath,
              let attributes = try? FileManager.default.attributesOfItem(atPath: executable) else {
            return version
        }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(version) \(attributes[.size] ?? "") \(modified) \(attributes[.systemFileNumber] ?? "")"
    }
}

extension RenderJob.Template {
    /// The template's name in errors and `tmpl.Path`.
    var name: String {
        switch source {
        case .text: "<arg>"
        case .standardInput: "-"
        case .file(let path): path
        }
    }

    /// The output's permission bits: the template file's, else 0644.
    var mode: mode_t {
        guard case .file(let path) = source else { return 0o644 }
        return (try? OutputFile.mode(of: path)).flatMap { $0 } ?? 0o644
    }
}

extension TreeRenderer {
    /// Every check of the two directories that needs no template read: run before rendering, so a
    /// bad pair is a usage error. The listing is taken again to render: an input folder inside the
    /// output one is only wrong when one of its files would land in it.
    public func checkPlacement() throws {
        try checkDirectoriesApart()
        if let files = try? collectFiles() { try checkOutputsOutsideInput(files) }
    }
}

extension OutputFile {
    /// Whether both paths name one existing file (through links, or as hard links of each other).
    public static func isSameFile(_ first: String, _ second: String) -> Bool {
        var (a, b) = (stat(), stat())
        return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}
