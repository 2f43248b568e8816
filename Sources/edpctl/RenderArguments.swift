import ArgumentParser
import Foundation
import Gomplate
import Template

/// What `edpctl render` is to do: its flags over the config file over GOMPLATE_LEFT_DELIM and
/// GOMPLATE_RIGHT_DELIM over the defaults, merged as gomplate merges them (internal/cmd/config.go
/// `loadConfig` and `applyEnvVars`; config.go `MergeFrom`), and checked before anything is read
/// or written.
struct RenderSettings {
    var input: [UInt8]?
    var inputDir: String?
    var inputFiles: [String] = []
    var outputFiles: [String] = []
    var outputDir: String?
    var outputMap: String?
    var outputMode: mode_t?
    var excludes: [String] = []
    var excludeProcessing: [String] = []
    var leftDelim = "<<<"
    var rightDelim = ">>>"
    var missingKey = MissingKeyMode.error
    var contexts: [NamedSource] = []
    var dataSources: [NamedSource] = []
    var templates: [NestedTemplateSource] = []
    var plugins: [Plugin] = []
    /// In seconds: `pluginTimeout` of the config file, else GOMPLATE_PLUGIN_TIMEOUT, else 5.
    var pluginTimeout = Plugin.defaultTimeout
    var dataSourceHeaders: [DataSourceHeader] = []
    /// The command run after a successful render, fed the output with `execPipe`.
    var postExec: [String] = []
    var execPipe = false
    /// The config file read, as named, and all it holds.
    var configPath: String?
    var config = GomplateConfig()
    /// The config file's unknown keys.
    var warnings: [String] = []
    /// How messages name a setting the config file gave: `'outputDir' (.gomplate.yaml:2:1)`.
    private var origins: [String: String] = [:]

    init(_ flags: Render, environment: [String: String] = ProcessInfo.processInfo.environment,
         workingDirectory: String = FileManager.default.currentDirectoryPath) throws {
        if let (path, config) = try GomplateConfig.load(flag: flags.config, environment: environment,
                                                        workingDirectory: workingDirectory) {
            configPath = path
            self.config = config
            warnings = config.warnings
            for (key, place) in config.positions { origins[key] = "'\(key)' (\(place))" }
            try take(config)
        }
        try merge(flags)
        if (config.pluginTimeout ?? 0) == 0, let text = environment["GOMPLATE_PLUGIN_TIMEOUT"], !text.isEmpty {
            do {
                pluginTimeout = try Plugin.timeout(parsing: text)
            } catch {
                throw ValidationError("GOMPLATE_PLUGIN_TIMEOUT set to invalid value \"\(text)\": \(error)")
            }
        }
        if leftDelimFromFile == nil && flags.leftDelim == nil, let value = environment["GOMPLATE_LEFT_DELIM"], !value.isEmpty {
            leftDelim = value
        }
        if rightDelimFromFile == nil && flags.rightDelim == nil, let value = environment["GOMPLATE_RIGHT_DELIM"], !value.isEmpty {
            rightDelim = value
        }
        try check()
    }

    private var leftDelimFromFile: String? { config.leftDelim.flatMap { $0.isEmpty ? nil : $0 } }
    private var rightDelimFromFile: String? { config.rightDelim.flatMap { $0.isEmpty ? nil : $0 } }

    /// The config file's settings, as the base the flags override. An empty string is no setting,
    /// as for gomplate (config.go `isZero`).
    private mutating func take(_ config: GomplateConfig) throws {
        func given(_ value: String?) -> String? { value?.isEmpty == false ? value : nil }
        input = given(config.input).map { Array($0.utf8) }
        inputDir = given(config.inputDir)
        inputFiles = config.inputFiles
        outputFiles = config.outputFiles
        outputDir = given(config.outputDir)
        outputMap = given(config.outputMap)
        excludes = config.excludes
        excludeProcessing = config.excludeProcessing
        if let value = leftDelimFromFile { leftDelim = value }
        if let value = rightDelimFromFile { rightDelim = value }
        if let value = config.missingKey, !value.isEmpty { missingKey = try Self.missingKey(value, named: name("missingKey")) }
        if let value = config.chmod, !value.isEmpty { outputMode = try Self.mode(value, named: name("chmod")) }
        contexts = config.contexts.map { NamedSource(alias: $0.alias, url: $0.url) }
        dataSources = config.dataSources.map { NamedSource(alias: $0.alias, url: $0.url) }
        // gomplate reads templates from file URLs or paths.
        templates = config.templates.map { NestedTemplateSource(alias: $0.alias, path: $0.url.scheme == "file" ? $0.url.path : $0.text) }
        plugins = try config.plugins.map {
            guard ($0.timeout ?? 0) >= 0 else { throw ValidationError("\(name("plugins")): the timeout of '\($0.name)' must not be negative") }
            let plugin = Plugin(name: $0.name, command: $0.command, arguments: $0.arguments,
                                timeout: $0.timeout.flatMap { $0 > 0 ? Double($0) / 1e9 : nil }, pipe: $0.pipe)
            do { try plugin.checkName() } catch { throw ValidationError("\(name("plugins")): \(error)") }
            return plugin
        }
        if let nanoseconds = config.pluginTimeout {
            guard nanoseconds >= 0 else { throw ValidationError("\(name("pluginTimeout")) must not be negative") }
            // 0 is gomplate's "not set" (ApplyDefaults): the environment's or the default applies.
            if nanoseconds > 0 { pluginTimeout = Double(nanoseconds) / 1e9 }
        }
        for (key, sources) in [("datasources", config.dataSources), ("context", config.contexts)] {
            for source in sources {
                for (header, values) in source.headers.sorted(by: { $0.key < $1.key }) {
                    for value in values {
                        do {
                            dataSourceHeaders.append(try DataSourceHeader(validating: source.alias, name: header, value: value))
                        } catch {
                            throw ValidationError("\(name(key)): \(error)")
                        }
                    }
                }
            }
        }
        postExec = config.postExec
        execPipe = config.execPipe
    }

    /// The flags given, over the config file's settings. An input flag replaces every input
    /// setting of the file, an output flag every output setting (gomplate's `MergeFrom`).
    private mutating func merge(_ flags: Render) throws {
        if let text = flags.input {
            (input, inputDir, inputFiles, outputDir) = (rawArgument(text, options: ["-i", "--in"]), nil, [], nil)
            origins["in"] = nil
        } else if let directory = flags.inputDir {
            (input, inputDir, inputFiles) = (nil, directory, [])
            origins["inputDir"] = nil
        } else if !flags.files.isEmpty {
            (input, inputDir, inputFiles, outputDir) = (nil, nil, flags.files, nil)
            origins["inputFiles"] = nil
        }
        if flags.outputMap != nil && flags.outputDir != nil {
            throw ValidationError("'--output-dir' and '--output-map' can't be used together")
        }
        if let map = flags.outputMap {
            (outputDir, outputFiles, outputMap) = (nil, [], map)
            origins["outputMap"] = nil
        }
        if let directory = flags.outputDir {
            (outputDir, outputFiles, outputMap) = (directory, [], nil)
            origins["outputDir"] = nil
        }
        if !flags.outputs.isEmpty {
            (outputDir, outputFiles, outputMap) = (nil, flags.outputs, nil)
            origins["outputFiles"] = nil
        }
        if !flags.excludes.isEmpty || !flags.includes.isEmpty {
            excludes = Self.excludes(includes: flags.includes, excludes: flags.excludes)
            origins["excludes"] = flags.includes.isEmpty ? nil : "'--include'"
        }
        if !flags.excludeProcessing.isEmpty {
            excludeProcessing = flags.excludeProcessing
            origins["excludeProcessing"] = nil
        }
        if let value = flags.chmod { outputMode = try Self.mode(value, named: "'--chmod'") }
        if let value = flags.leftDelim { leftDelim = value }
        if let value = flags.rightDelim { rightDelim = value }
        if let value = flags.missingKey { missingKey = try Self.missingKey(value, named: "'--missing-key'") }
        let flagContexts = try flags.contexts.map { try NamedSource(argument: $0, flag: "--context") }
        let flagDataSources = try flags.dataSources.map { try NamedSource(argument: $0, flag: "--datasource") }
        contexts = Self.merged(contexts, flagContexts)
        dataSources = Self.merged(dataSources, flagDataSources)
        // A flag replaces the file's source of that alias whole, as gomplate's MergeFrom does: the
        // file's headers, meant for the file's URL, are not sent to the flag's.
        let replaced = Set((flagContexts + flagDataSources).map(\.alias))
        dataSourceHeaders.removeAll { replaced.contains($0.alias) }
        let flagTemplates = flags.templates.map(NestedTemplateSource.init(argument:))
        templates = templates.filter { old in !flagTemplates.contains { $0.alias == old.alias } } + flagTemplates
        let flagPlugins = try flags.exec.plugins.map(Plugin.init(argument:))
        plugins = plugins.filter { old in !flagPlugins.contains { $0.name == old.name } } + flagPlugins
        dataSourceHeaders += try flags.exec.headers.map(DataSourceHeader.init(argument:))
        if !flags.exec.postExec.isEmpty {
            postExec = flags.exec.postExec
            origins["postExec"] = nil
        }
        if flags.exec.execPipe {
            execPipe = true
            origins["execPipe"] = nil
        }
    }

    /// gomplate's `--include`: everything is left out but what an include names, then the
    /// excludes apply (internal/cmd/config.go `processIncludes`). gomplate's ignore matcher
    /// lets `!X` bring back files in folders that `*` left out; under git's rules a folder left
    /// out is not entered, so the folders are brought back (`!*/`) for the files to be reached.
    static func excludes(includes: [String], excludes: [String]) -> [String] {
        guard !includes.isEmpty else { return excludes }
        return ["*", "!*/"] + includes.map { "!" + $0 } + excludes
    }

    /// A flag's sources replace the file's of the same name.
    private static func merged(_ base: [NamedSource], _ flags: [NamedSource]) -> [NamedSource] {
        base.filter { old in !flags.contains { $0.alias == old.alias } } + flags
    }

    /// gomplate's `--chmod`: octal digits (`strconv.ParseUint("0"+s, 8, 32)`, config.go `getMode`).
    static func mode(_ text: String, named name: String) throws -> mode_t {
        guard !text.isEmpty, text.allSatisfy({ ("0"..."7").contains($0) }), let value = UInt32(text, radix: 8),
              value <= 0o7777 else {
            throw ValidationError("\(name) must be permission bits in octal, such as 644 or 0750 (got '\(text)')")
        }
        // gomplate hands the number to os.FileMode, whose setuid, setgid and sticky bits are not
        // 04000, 02000, 01000: those digits set nothing there, and a setuid output is never wanted.
        return mode_t(value & 0o777)
    }

    static func missingKey(_ text: String, named name: String) throws -> MissingKeyMode {
        guard let mode = MissingKeyMode(flag: text) else {
            throw ValidationError("\(name) must be error, default, zero or invalid (got '\(text)')")
        }
        return mode
    }

    /// The flag, or the config file's key and where it is, for messages.
    private func name(_ key: String) -> String {
        if let origin = origins[key] { return origin }
        let flags = ["in": "--in", "inputDir": "--input-dir", "inputFiles": "--file", "outputDir": "--output-dir",
                     "outputMap": "--output-map", "outputFiles": "--out", "excludes": "--exclude",
                     "excludeProcessing": "--exclude-processing", "chmod": "--chmod", "missingKey": "--missing-key",
                     "execPipe": "--exec-pipe", "postExec": "--"]
        return "'\(flags[key] ?? key)'"
    }

    /// The rules between settings, as gomplate checks them (config.go `validate`) and as edpctl
    /// adds (each `--input-dir` setting needs it; a tree stays apart from its outputs).
    private func check() throws {
        let inputs = [input != nil ? "in" : nil, inputFiles.isEmpty ? nil : "inputFiles", inputDir != nil ? "inputDir" : nil]
            .compactMap { $0 }
        if inputs.count > 1 { throw ValidationError(inputs.map(name).joined(separator: " and ") + " can't be used together") }
        let outputs = [outputFiles.isEmpty ? nil : "outputFiles", outputDir != nil ? "outputDir" : nil,
                       outputMap != nil ? "outputMap" : nil].compactMap { $0 }
        if outputs.count > 1 { throw ValidationError(outputs.map(name).joined(separator: " and ") + " can't be used together") }
        if inputDir == nil {
            for (key, given) in [("outputDir", outputDir != nil), ("outputMap", outputMap != nil), ("excludes", !excludes.isEmpty),
                                 ("excludeProcessing", !excludeProcessing.isEmpty)] where given {
                throw ValidationError("\(name(key)) requires '--input-dir'")
            }
        } else if !outputFiles.isEmpty {
            throw ValidationError("\(name("outputFiles")) can't be used with '--input-dir'; use '--output-dir'")
        }
        if !inputFiles.isEmpty && !outputFiles.isEmpty && outputFiles.count != inputFiles.count {
            throw ValidationError("\(name("outputFiles")) must name one output for each input of \(name("inputFiles")) "
                                    + "(\(inputFiles.count) inputs, \(outputFiles.count) outputs)")
        }
        if inputFiles.isEmpty && outputFiles.count > 1 {
            throw ValidationError("only one output (\(name("outputFiles"))) can be given without '--file'")
        }
        if execPipe {
            let execPipe = name("execPipe")
            if postExec.isEmpty { throw ValidationError("\(execPipe) requires a command after '--' (edpctl render … --exec-pipe -- cmd args)") }
            if inputDir != nil { throw ValidationError("\(execPipe) can't be used with \(name("inputDir"))") }
            if outputFiles.contains(where: { $0 != "-" }) {
                throw ValidationError("\(execPipe) can't be used with \(name("outputFiles")): the output goes to the command")
            }
            if inputFiles.count > 1 { throw ValidationError("\(execPipe) takes one input, not \(inputFiles.count) '--file'") }
        }
        if let map = outputMap {
            do {
                _ = try Template(name: "<OutputMap>", bytes: Array(map.utf8), options: templateOptions, functions: .gomplate)
            } catch {
                throw ValidationError("\(name("outputMap")): \(error)")
            }
        }
    }

    /// A tree's output directory kept apart from its input, as a usage error. It lists the tree:
    /// `Render.validate` runs it once; the render checks again as it writes.
    func checkPlacement() throws {
        guard let inputDir, outputMap == nil else { return }
        do {
            try TreeRenderer(inputDirectory: inputDir, outputDirectory: outputDir ?? ".", excludes: excludes).checkPlacement()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    var templateOptions: TemplateOptions {
        TemplateOptions(leftDelimiter: leftDelim, rightDelimiter: rightDelim, missingKey: missingKey)
    }

    func jobConfiguration() throws -> RenderConfiguration {
        var configuration = RenderConfiguration(options: templateOptions, contexts: contexts, dataSources: dataSources,
                                                nestedTemplates: templates, standardInput: StandardInput())
        configuration.plugins = plugins
        configuration.pluginTimeout = pluginTimeout
        configuration.dataSourceHeaders = dataSourceHeaders
        return configuration
    }

    /// The command after `--` (or `postExec`), if any, and whether it gets the output.
    var postExecCommand: PostExec? {
        postExec.isEmpty ? nil : PostExec(arguments: postExec, pipesOutput: execPipe)
    }

    /// `--input-dir`, or the templates one by one: `--in`, each `--file`, or standard input.
    func jobInput(noCache: Bool) -> RenderJob.Input {
        if let inputDir {
            let renderer = TreeRenderer(inputDirectory: inputDir, outputDirectory: outputDir ?? ".", excludes: excludes,
                                        excludeProcessing: excludeProcessing, leftDelimiter: leftDelim,
                                        outputMode: outputMode)
            return .tree(RenderJob.Tree(renderer: renderer, usesCache: !noCache,
                                        toolVersion: RenderJob.toolIdentity(version: EdpctlVersion.current),
                                        outputMap: outputMap.map { Array($0.utf8) }))
        }
        if let input {
            return .templates([RenderJob.Template(.text(input), output: outputFiles.first ?? "-")])
        }
        if inputFiles.isEmpty { return .templates([RenderJob.Template(.standardInput, output: outputFiles.first ?? "-")]) }
        return .templates(inputFiles.enumerated().map { index, file in
            RenderJob.Template(file == "-" ? .standardInput : .file(file), output: outputFiles.isEmpty ? "-" : outputFiles[index])
        })
    }
}

extension NamedSource {
    /// A `--context` or `--datasource` value; a value that does not parse is a usage error that names the flag.
    init(argument: String, flag: String) throws {
        do {
            try self.init(argument: argument)
        } catch {
            throw ValidationError(Self.redactingPasswords("'\(flag) \(argument)': \(error)"))
        }
    }

    /// `text` with the password of every `//user:password@` in it shown as `xxxxx`, as Go's
    /// `URL.Redacted` shows it: a URL that does not parse has no URL to redact, only text.
    static func redactingPasswords(_ text: String) -> String {
        text.replacing(#/(?<user>//[^/@:\s']*):[^/@\s']*@/#) { match in "\(match.output.user):xxxxx@" }
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
