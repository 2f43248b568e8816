import ArgumentParser
import Foundation
import Gomplate
import Template

/// What `edpctl render`'s flags ask of the render job: its configuration and its templates.
extension Render {
    func jobConfiguration() throws -> RenderConfiguration {
        RenderConfiguration(
            options: TemplateOptions(leftDelimiter: delimiters.leftDelim, rightDelimiter: delimiters.rightDelim,
                                     missingKey: MissingKeyMode(flag: missingKey) ?? .error),
            contexts: try contexts.map { try NamedSource(argument: $0, flag: "--context") },
            dataSources: try dataSources.map { try NamedSource(argument: $0, flag: "--datasource") },
            nestedTemplates: templates.map(NestedTemplateSource.init(argument:)),
            standardInput: StandardInput())
    }

    /// `--input-dir`, or the templates one by one: `--in`, each `--file`, or standard input.
    func jobInput() -> RenderJob.Input {
        if let inputDir {
            let renderer = TreeRenderer(inputDirectory: inputDir, outputDirectory: outputDir, excludes: excludes,
                                        excludeProcessing: excludeProcessing, leftDelimiter: delimiters.leftDelim)
            return .tree(RenderJob.Tree(renderer: renderer, usesCache: !noCache,
                                        toolVersion: RenderJob.toolIdentity(version: EdpctlVersion.current)))
        }
        if let input {
            return .templates([RenderJob.Template(.text(rawArgument(input, options: ["-i", "--in"])),
                                                  output: outputs.first ?? "-")])
        }
        if files.isEmpty { return .templates([RenderJob.Template(.standardInput, output: outputs.first ?? "-")]) }
        return .templates(files.enumerated().map { index, file in
            RenderJob.Template(file == "-" ? .standardInput : .file(file), output: outputs.isEmpty ? "-" : outputs[index])
        })
    }
}

extension NamedSource {
    /// A `--context` or `--datasource` value; a value that does not parse is a usage error that names the flag.
    init(argument: String, flag: String) throws {
        do {
            try self.init(argument: argument)
        } catch {
            throw ValidationError("'\(flag) \(argument)': \(error)")
        }
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

/// The bytes the shell passed for an option's value: Swift's arguments are Strings, in which
/// bytes that are not UTF-8 are already replaced, and a template's text must keep them. The
/// last `-i VALUE`, `--in VALUE` or `--in=VALUE` that reads as `value` is it.
func rawArgument(_ value: String, options: [String]) -> [UInt8] {
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
