import Template
import Gomplate
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `edpctl hydrate` without the git: renders the stacks templates for one environment into
/// `<instances>/<provider>/<domain>/`. `plan` renders and checks everything in memory; `apply`
/// writes what a plan decided. Nothing is written unless every file rendered, every variable was
/// set, every YAML output parses and no output carries a credential.
public enum Hydrator {
    /// The stacks a template tree offers: one per `registry/<stack>.yaml`.
    public static func availableStacks(templatesDirectory: String) throws -> [String] {
        let registry = joinPath(cleanPath(templatesDirectory), "registry")
        guard try instanceEntryKind(registry) != nil else { return [] }
        return try listDirectory(registry).filter { $0.kind == .file }.compactMap { registryStack($0.name) }
            .sorted(by: goStringLess)
    }

    public static func plan(_ request: HydrationRequest) throws -> HydrationPlan {
        try validate(request)
        let sources = try selectedTemplates(request)
        let instanceDirectory = try checkedInstanceDirectory(request)
        let outcomes = try render(sources, request)
        let existing = try instanceEntryKind(instanceDirectory) == .directory
            ? try InstanceContents(scanning: instanceDirectory) : InstanceContents()

        var files: [PlannedFile] = []
        for (source, outcome) in zip(sources, outcomes) {
            guard let bytes = outcome.output else { continue }
            files.append(try plannedFile(source.path, bytes, mode: source.mode, in: instanceDirectory, existing: existing))
        }
        let leftovers = existing.leftovers(besides: files.map(\.path))
        let removals = try leftovers.entries.map { path, entry in
            PlannedRemoval(location: path, previous: try existing.contents(of: entry, at: instanceDirectory + "/" + path))
        }
        return HydrationPlan(request: request, instanceDirectory: instanceDirectory, files: files, removals: removals,
                             removedDirectoryLocations: leftovers.directories,
                             filesAllowingSecrets: zip(sources, outcomes).filter { $0.1.allowsSecrets }.map(\.0.path),
                             leftoverTemporaryFiles: existing.leftoverTemporaryFiles)
    }

    /// Removes what the plan removes (and the temporary files of killed runs), then writes created
    /// and changed files, each atomically. Unchanged files are not touched. Every failure is
    /// collected and thrown together at the end.
    public static func apply(_ plan: HydrationPlan) throws -> HydrationReport {
        let request = plan.request
        var failures: [String] = []
        do {
            try makeInstanceDirectories(root: cleanPath(request.instancesDirectory), relative: request.instancePath)
        } catch {
            throw HydrationError.writeFailed(["\(error)"])
        }
        // By the names' bytes (`FileName`): a leftover whose name is not UTF-8 goes too.
        for location in plan.leftoverTemporaryFiles + plan.removals.map(\.location) {
            let path = plan.instanceDirectory + "/" + location
            if FileName.withCString(path, unlink) != 0 && errno != ENOENT {
                failures.append("\(FileError("remove", FileName.display(path), errno: errno))")
            }
        }
        for directory in plan.removedDirectoryLocations {
            let path = plan.instanceDirectory + "/" + directory
            if FileName.withCString(path, rmdir) != 0 && errno != ENOENT {
                failures.append("\(FileError("remove", FileName.display(path), errno: errno))")
            }
        }
        for file in plan.files where file.change != .unchanged {
            do {
                if let slash = file.path.lastIndex(of: "/") {
                    try makeInstanceDirectories(root: plan.instanceDirectory, relative: String(file.path[..<slash]))
                }
                try writeFileAtomically(plan.instanceDirectory + "/" + file.path, file.bytes, mode: file.mode)
            } catch {
                failures.append("\(error)")
            }
        }
        if !failures.isEmpty {
            throw CredentialVariables(environment: request.environment).redacting(.writeFailed(failures))
        }
        return plan.preview
    }

    private static func validate(_ request: HydrationRequest) throws {
        try request.validate()
        var status = stat()
        guard stat(request.instancesDirectory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw HydrationError.invalidInput(
                "the instances directory \(request.instancesDirectory) does not exist or is not a directory")
        }
        try checkTemplatesApart(request)
    }

    /// The template files of the selected stacks and the common ones, read, in path order.
    private static func selectedTemplates(_ request: HydrationRequest) throws -> [TemplateSource] {
        let templates = cleanPath(request.templatesDirectory)
        let available = Set(try availableStacks(templatesDirectory: templates))
        let selected = Set(request.stacks)
        // Dot files (.git, editor droppings, .gomplateignore) are not part of any stack.
        let collected: [TreeFile]
        do {
            collected = try TreeRenderer(inputDirectory: templates, outputDirectory: "", excludes: [".*"]).collectFiles()
        } catch {
            throw HydrationError.invalidInput("\(error)")
        }
        let files = collected.filter { owningStack(of: $0.relativePath, available: available).map(selected.contains) ?? true }
        return try files.map { file in
            do {
                let (bytes, mode) = try file.read()
                return TemplateSource(path: file.relativePath, bytes: bytes, mode: mode)
            } catch {
                throw HydrationError.invalidInput("\(error)")
            }
        }
    }

    /// Every file rendered and checked, on all cores; every problem of every file thrown together.
    private static func render(_ sources: [TemplateSource], _ request: HydrationRequest) throws -> [FileOutcome] {
        let environment = request.environment
        let outputGuard = try OutputGuard(environment: environment, leftDelimiter: request.leftDelimiter,
                                          rightDelimiter: request.rightDelimiter)
        let renderer = FileRenderer(request: request, environment: environment, outputGuard: outputGuard)
        let outcomes = parallelMap(sources.count) { index in renderer.render(sources[index].path, sources[index].bytes) }
        let diagnostics = outcomes.flatMap(\.diagnostics)
        if !diagnostics.isEmpty {
            throw outputGuard.credentials.redacting(.rejected(HydrationDiagnostic.sortedByPosition(diagnostics)))
        }
        return outcomes
    }

    /// `<instances>/<provider>/<domain>`, refusing a provider or domain entry that is a link or a file:
    /// hydration writes only into real folders below the instances directory.
    private static func checkedInstanceDirectory(_ request: HydrationRequest) throws -> String {
        var path = cleanPath(request.instancesDirectory)
        for component in [request.provider, request.domain] {
            path += "/" + component
            switch try instanceEntryKind(path) {
            case .directory?, nil:
                continue
            case .symbolicLink?:
                throw HydrationError.invalidInput("\(path) is a symbolic link; hydration does not write through links")
            case .file?, .other?:
                throw HydrationError.invalidInput("\(path) is not a directory")
            }
        }
        return path
    }

    private static func plannedFile(_ path: String, _ bytes: [UInt8], mode: mode_t, in instanceDirectory: String,
                                    existing: InstanceContents) throws -> PlannedFile {
        guard let entry = existing.entries[PathKey(path)] else {
            return PlannedFile(path: path, bytes: bytes, mode: mode, change: .create, previous: nil)
        }
        // Renaming the new file over a link or other entry replaces the entry itself, never a link's target.
        let previous = try existing.contents(of: entry, at: instanceDirectory + "/" + path)
        let unchanged = entry.kind == .file && previous == bytes
        return PlannedFile(path: path, bytes: bytes, mode: mode, change: unchanged ? .unchanged : .update,
                           previous: unchanged ? nil : previous)
    }

    /// `registry/core.yaml` belongs to `core`, and so does everything below `stacks/core/`; other
    /// files (`edfbuilder.yaml`) belong to every hydration. A `stacks/<name>/` without a registry
    /// entry belongs to a stack nobody can select, so it is never hydrated.
    static func owningStack(of path: String, available: Set<String>) -> String? {
        let components = path.split(separator: "/", maxSplits: 2).map(String.init)
        if components.count == 2, components[0] == "registry", let stack = registryStack(components[1]),
           available.contains(stack) {
            return stack
        }
        if components.count == 3, components[0] == "stacks" { return components[1] }
        return nil
    }

    private static func registryStack(_ fileName: String) -> String? {
        for suffix in [".yaml", ".yml"] where fileName.hasSuffix(suffix) && fileName.count > suffix.count {
            return String(fileName.dropLast(suffix.count))
        }
        return nil
    }

}

/// A template file as read: its path below the templates directory, bytes and permission bits.
private struct TemplateSource: Sendable {
    let path: String
    let bytes: [UInt8]
    let mode: mode_t
}

/// One template's result: its output (nil when blank, which is not written), or its problems.
private struct FileOutcome: Sendable {
    var output: [UInt8]?
    var diagnostics: [HydrationDiagnostic] = []
    var allowsSecrets = false
}

/// Renders and checks one file; shared read-only by the threads of a plan.
private struct FileRenderer: Sendable {
    let options: TemplateOptions
    let leftDelimiter: [UInt8]
    let data: Value
    let sources: DataSources
    let templatesDirectory: String
    let outputGuard: OutputGuard

    init(request: HydrationRequest, environment: [String: String], outputGuard: OutputGuard) {
        options = TemplateOptions(leftDelimiter: request.leftDelimiter, rightDelimiter: request.rightDelimiter,
                                  missingKey: .error)
        leftDelimiter = Array(request.leftDelimiter.utf8)
        var root = MapValue()
        root["Env"] = .map(MapValue(environment.mapValues { .string($0) }, elementType: .string))
        root["Values"] = request.values ?? .map(MapValue())
        data = .map(root)
        sources = DataSources(definitions: [:], workingDirectory: FileManager.default.currentDirectoryPath,
                              environment: environment)
        templatesDirectory = cleanPath(request.templatesDirectory)
        self.outputGuard = outputGuard
    }

    func render(_ path: String, _ input: [UInt8]) -> FileOutcome {
        var outcome = FileOutcome()
        var output = input
        // A file without the delimiter renders to itself; copying it keeps bytes that are not UTF-8.
        if containsBytes(input, leftDelimiter) {
            outcome.allowsSecrets = outputGuard.allowsSecrets(templateText: String(decoding: input, as: UTF8.self))
            do {
                let template = try Template(name: path, bytes: input, options: options, functions: .gomplate)
                let host = RenderHost(templatePath: joinPath(templatesDirectory, path), sources: sources)
                let result = try template.renderReportingMissingKeys(data, host: host)
                if !result.missing.isEmpty {
                    outcome.diagnostics = missingKeyDiagnostics(result.missing, file: path)
                    return outcome
                }
                output = result.output
            } catch let error as TemplateError {
                outcome.diagnostics = [HydrationDiagnostic(kind: .template, file: path, line: error.line,
                                                           column: error.column, message: "\(error)",
                                                           subject: error.node)]
                return outcome
            } catch {
                outcome.diagnostics = [HydrationDiagnostic(kind: .template, file: path, line: nil, column: nil,
                                                           message: "\(error)")]
                return outcome
            }
        }
        if isBlankOutput(output) { return outcome }
        outcome.output = output
        if let format = OutputGuard.manifestFormat(of: path) {
            outcome.diagnostics += outputGuard.manifestDiagnostics(file: path, output: output, format: format,
                                                                   checkSecrets: !outcome.allowsSecrets)
        }
        if !outcome.allowsSecrets {
            outcome.diagnostics += outputGuard.credentialDiagnostics(file: path, output: output)
                + outputGuard.otherFileDiagnostics(file: path, output: output)
        }
        return outcome
    }

    /// The missing keys of `file`, once per place and key.
    private func missingKeyDiagnostics(_ missing: [MissingKey], file: String) -> [HydrationDiagnostic] {
        var seen: Set<Diagnostic> = []
        return missing.compactMap { key in
            let found = key.diagnostic
            guard seen.insert(found).inserted else { return nil }
            return HydrationDiagnostic(kind: .missingKey, file: file, line: found.line, column: found.column,
                                       message: found.message, subject: found.subject)
        }
    }
}
