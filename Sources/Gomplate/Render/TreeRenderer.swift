import Foundation
import Template
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One file of an input tree.
public struct TreeFile: Sendable, Equatable {
    /// The path below the input directory, `/`-separated: also the path below the output directory.
    public let relativePath: String
    /// The input directory joined with `relativePath`: the template's name in errors and `tmpl.Path`.
    public let inputPath: String
    public let outputPath: String
    /// Copied as it is, not rendered (`--exclude-processing`).
    public let verbatim: Bool
    /// Where the bytes are read: `inputPath`, or the real path of the file a link leads to.
    let readPath: String
    /// The file the listing checked: reading refuses any other found at `readPath`.
    let identity: FileIdentity

    /// The file's bytes and permission bits, from the file listed and no other.
    package func read() throws -> (bytes: [UInt8], mode: mode_t) {
        try readFileBytesAndMode(readPath, identity: identity, shownAs: inputPath)
    }
}

/// What happened, or will happen, to an output file.
public enum OutputDisposition: Sendable, Equatable {
    /// The output differs from the file on disk (or there is none): it is (to be) written.
    case changed
    /// The file on disk already holds these bytes: it is left alone, not even touched.
    case unchanged
    /// The output is only whitespace: gomplate writes nothing.
    case blank
}

/// A rendered file held in memory until every file of the tree has rendered.
public struct RenderedFile: Sendable {
    public let file: TreeFile
    /// Empty for a file the cache vouched for: it was not rendered.
    public let bytes: [UInt8]
    public let mode: mode_t
    /// `mode` is set exactly, the umask aside (`--chmod`).
    public var modeIsExact: Bool = false
    public let disposition: OutputDisposition
    /// Taken from the render cache: neither parsed nor rendered.
    public let fromCache: Bool
    /// The file's cache key and what its render read of the environment, when a cache is in use and
    /// the output may be kept in it.
    let cacheSlot: (key: Hash128, environment: EnvironmentStamp)?
    /// An unchanged output's stamp, taken when its content was compared.
    let stamp: FileStamp?
    /// A copied file that looks written for `{{ }}` (`defaultDelimiterHint`).
    var delimiterHint: String? = nil
}

/// The result of rendering a tree in memory: every output, or every error (one message per file).
public struct TreeRenderResult: Sendable {
    public let outputs: [RenderedFile]
    public let errors: [String]
}

/// Every error of a render, one message per failed file, in the files' order.
public struct RenderErrors: Error, CustomStringConvertible, Sendable {
    public let messages: [String]
    public init(messages: [String]) { self.messages = messages }
    public var description: String { messages.joined(separator: "\n") }
}

/// An output directory that overlaps the input directory: outputs would overwrite templates or
/// be rendered again as templates by the next run.
public struct DirectoryOverlapError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The result of writing a rendered tree.
public struct TreeWriteReport: Sendable, Equatable {
    public var written = 0
    public var unchanged = 0
    public var blank = 0
    /// How many of the unchanged and blank ones the render cache vouched for, unrendered.
    public var cached = 0
    public var errors: [String] = []
    /// What went wrong without failing the render (saving the cache).
    public var warnings: [String] = []

    public init(written: Int = 0, unchanged: Int = 0, blank: Int = 0, cached: Int = 0, errors: [String] = [],
                warnings: [String] = []) {
        self.written = written
        self.unchanged = unchanged
        self.blank = blank
        self.cached = cached
        self.errors = errors
        self.warnings = warnings
    }

    public var total: Int { written + unchanged + blank }

    /// `rendered 12 files: 3 written, 9 unchanged`, plus the blank ones and those the cache
    /// vouched for when there are any.
    public var summary: String {
        var text = "rendered \(total) file\(total == 1 ? "" : "s"): \(written) written, \(unchanged) unchanged"
        if blank > 0 { text += ", \(blank) empty (not written)" }
        if cached > 0 { text += "; \(cached) from the render cache" }
        return text
    }
}

/// Renders a directory tree into another, gomplate's `--input-dir`/`--output-dir`: the files left
/// after `.gomplateignore` and `--exclude` are rendered to the same relative paths, keeping their
/// modes. Everything renders in memory first, on all cores; only when every file succeeded are
/// outputs written, each atomically, and only those whose bytes changed.
public struct TreeRenderer: Sendable {
    public let inputDirectory: String
    public let outputDirectory: String
    public let excludes: [String]
    public let excludeProcessing: [String]
    /// When set, a file without this delimiter is copied instead of rendered: Go renders such a
    /// text to itself, and copying keeps bytes that are not UTF-8 (images, archives) intact.
    public let leftDelimiter: [UInt8]?
    /// gomplate's `--output-map`: each file's output path from its path below the input directory,
    /// instead of `outputDirectory` joined with it.
    public let outputMap: OutputMap?
    /// gomplate's `--chmod`: every output's permission bits, set exactly (the umask aside);
    /// without it an output takes its template's.
    public let outputMode: mode_t?

    public typealias OutputMap = @Sendable (_ relativePath: String) throws -> String

    public init(inputDirectory: String, outputDirectory: String, excludes: [String] = [],
                excludeProcessing: [String] = [], leftDelimiter: String? = nil, outputMap: OutputMap? = nil,
                outputMode: mode_t? = nil) {
        self.inputDirectory = cleanPath(inputDirectory)
        self.outputDirectory = outputDirectory
        self.excludes = excludes
        self.excludeProcessing = excludeProcessing
        self.leftDelimiter = leftDelimiter.map { Array($0.utf8) }
        self.outputMap = outputMap
        self.outputMode = outputMode
    }

    /// The files to render, in byte order of their relative paths (two names that differ only in
    /// their Unicode normalisation are two files). Only regular files are templates; a symbolic link
    /// to one is followed when its real path is inside the input directory, is no dot file and is
    /// in no dot folder, and is not left out by the ignore rules: it may lead only to another
    /// template. A selected link that leads elsewhere, a selected fifo, socket or device (or a
    /// link to one), and a selected file whose name is not UTF-8 are errors (`RenderErrors`, one
    /// message each), found before anything is read. Nothing is listed or read through a link
    /// swapped in meanwhile (`TreeListing`, `TreeFile.read`).
    public func collectFiles() throws -> [TreeFile] {
        var status = stat()
        guard stat(inputDirectory, &status) == 0 else { throw FileError("stat", inputDirectory, errno: errno) }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw FileError("open", inputDirectory, errno: ENOTDIR) }
        let listing = try TreeListing(root: inputDirectory) { path, listed in
            RenderErrors(messages: [problem(path, listed, ignored: [], realInput: "") ?? path])
        }
        let ignored = IgnoreRules.ignoredPaths(paths: listing.paths, directories: listing.directories,
                                               ignoreFiles: listing.ignoreFiles, excludes: excludes)
        let verbatim = excludeProcessing.isEmpty ? [] :
            IgnoreRules.ignoredPaths(paths: listing.paths, directories: listing.directories,
                                     ignoreFiles: listing.ignoreFiles, excludes: excludeProcessing)
        var selected = Array(listing.files.lazy.filter { !ignored.contains($0.key) })
        // Names that are not UTF-8 sort by their bytes on disk; only they need the slower comparison.
        if selected.allSatisfy({ FileName.isUTF8($0.key.path) }) {
            selected.sort { goStringLess($0.key.path, $1.key.path) }
        } else {
            selected.sort { FileName.less($0.key.path, $1.key.path) }
        }
        let realInput = selected.contains { if case .link = $0.value { return true } else { return false } }
            ? try realPath(inputDirectory) : ""
        var problems = selected.compactMap { problem($0.key.path, $0.value, ignored: ignored, realInput: realInput) }
        let outputPaths = mapOutputs(selected.map(\.key.path), problems: &problems)
        if !problems.isEmpty { throw RenderErrors(messages: problems) }
        return zip(selected, outputPaths).map { selectedFile, outputPath in
            let (key, listed) = selectedFile
            let inputPath = joinPath(inputDirectory, key.path)
            let (readPath, identity): (String, FileIdentity)
            switch listed {
            case .regular(let fileIdentity): (readPath, identity) = (inputPath, fileIdentity)
            case .link(let target, let fileIdentity): (readPath, identity) = (target, fileIdentity)
            case .escapingLink, .special: preconditionFailure("refused above")
            }
            return TreeFile(relativePath: key.path, inputPath: inputPath, outputPath: outputPath,
                            verbatim: verbatim.contains(key), readPath: readPath, identity: identity)
        }
    }

    /// This renderer with `map` naming the outputs.
    public func mappingOutputs(_ map: @escaping OutputMap) -> TreeRenderer {
        TreeRenderer(inputDirectory: inputDirectory, outputDirectory: outputDirectory, excludes: excludes,
                     excludeProcessing: excludeProcessing, leftDelimiter: leftDelimiter.map { String(decoding: $0, as: UTF8.self) },
                     outputMap: map, outputMode: outputMode)
    }

    /// Each file's output path: below the output directory, or as the output map names it. A map
    /// that fails, gives nothing, or gives two files one output adds to `problems`.
    private func mapOutputs(_ paths: [String], problems: inout [String]) -> [String] {
        guard let outputMap else { return paths.map { joinPath(outputDirectory, $0) } }
        var inputOfOutput: [String: String] = [:]
        return paths.map { path in
            let shown = FileName.display(joinPath(inputDirectory, path))
            do {
                let output = try outputMap(path)
                if output.isEmpty || output == "." {
                    problems.append("\(shown): the output map gave no output path")
                } else if let other = inputOfOutput.updateValue(shown, forKey: output) {
                    problems.append("\(shown): the output map gives it the output path \(output) of \(other) too")
                }
                return output
            } catch {
                problems.append("\(shown): --output-map: \(error)")
                return ""
            }
        }
    }

    /// Why the selected file at `path` can't be a template, or nil when it can.
    private func problem(_ path: String, _ listed: ListedFile, ignored: Set<PathKey>, realInput: String) -> String? {
        let shown = FileName.display(joinPath(inputDirectory, path))
        if !FileName.isUTF8(path) {
            return "\(shown): the file name is not valid UTF-8, which edpctl can't carry into output names: "
                + "rename the file, or leave it out (.gomplateignore)"
        }
        switch listed {
        case .regular:
            return nil
        case .escapingLink(let target):
            return "\(shown): symbolic link to \(FileName.display(target)) leaves the input directory \(inputDirectory)"
        case .special(let what):
            return "\(shown): \(what): only regular files, and links to them, can be templates"
        case .link(let target, _):
            let relative = String(decoding: target.utf8.dropFirst(realInput.utf8.count + 1), as: UTF8.self)
            let reason: String
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                reason = "names starting with '.' are not followed"
            } else if ignored.contains(PathKey(relative)) {
                reason = "the ignore rules leave it out"
            } else {
                return nil
            }
            return "\(shown): symbolic link to \(FileName.display(target)) leads to \(FileName.display(relative)), "
                + "which is not a template (\(reason))"
        }
    }

    /// Throws `DirectoryOverlapError` when the output directory is the input directory or inside it,
    /// by their real paths (links resolved, `./t` and `t/` alike). Needs no file of the tree: it can
    /// run before anything is read. A missing input directory is left to `collectFiles` to report.
    public func checkDirectoriesApart() throws {
        // Outputs an output map names are checked one by one (`checkOutputsOutsideInput`).
        guard outputMap == nil, let input = try? realPath(inputDirectory) else { return }
        let output = try realPathCreating(outputDirectory)
        if output == input {
            throw DirectoryOverlapError("the output directory \(outputDirectory) is the input directory \(inputDirectory): "
                                            + "the outputs would overwrite the templates")
        }
        if isPath(output, inside: input) {
            throw DirectoryOverlapError("the output directory \(outputDirectory) is inside the input directory "
                                            + "\(inputDirectory): every run would render the last run's outputs again")
        }
    }

    /// Throws `DirectoryOverlapError` when an output of `files` would be written into the input
    /// directory: an input directory inside the output one (`--input-dir out/t --output-dir out`
    /// with a file `t/x`), or a folder of the output tree that is a link into the input one.
    public func checkOutputsOutsideInput(_ files: [TreeFile]) throws {
        guard let input = try? realPath(inputDirectory) else { return }
        // Each folder is resolved once, from its parent's real path: the outputs share most folders.
        var resolved: [String: String] = [:]
        func realFolder(_ folder: String) throws -> String {
            if let known = resolved[folder] { return known }
            let real: String
            if let slash = folder.lastIndex(of: "/"), slash != folder.startIndex {
                real = try realPathAppending(try realFolder(String(folder[..<slash])),
                                             folder[folder.index(after: slash)...])
            } else {
                real = try realPathCreating(folder)
            }
            resolved[folder] = real
            return real
        }
        var checked: Set<String> = []
        for file in files {
            let folder = parentFolder(of: file.outputPath)
            guard checked.insert(folder).inserted else { continue }
            if isPath(try realFolder(folder), inside: input) {
                throw DirectoryOverlapError("the output of \(file.inputPath) would be written to \(file.outputPath), "
                                                + "inside the input directory \(inputDirectory)")
            }
        }
    }

    /// Collects, renders and, only if every file rendered, writes the tree. Throws `RenderErrors`
    /// with every file's error when any failed, having written nothing. `render` gets a file's bytes
    /// and returns its output's.
    public func renderAndWrite(using render: @escaping @Sendable (TreeFile, [UInt8]) throws -> [UInt8]) throws -> TreeWriteReport {
        try renderAndWrite(cache: nil) { file, input in RenderOutput(bytes: try render(file, input), isCacheable: false) }
    }

    /// `renderAndWrite` with a render cache: a file whose key and output file are as the cache
    /// recorded is neither rendered nor compared. After a run without errors the cache is saved
    /// with every cacheable output; failing to save it is a warning of the report. Before anything
    /// is read, an output directory overlapping the input is refused (`DirectoryOverlapError`);
    /// before anything is written, temporary files killed runs left in the output folders go.
    public func renderAndWrite(cache: RenderCache?,
                               using render: @escaping @Sendable (TreeFile, [UInt8]) throws -> RenderOutput) throws -> TreeWriteReport {
        try checkDirectoriesApart()
        let files = try collectFiles()
        try checkOutputsOutsideInput(files)
        removeLeftovers(besides: files)
        let result = self.render(files, cache: cache, using: render)
        if !result.errors.isEmpty { throw RenderErrors(messages: result.errors) }
        let (report, writtenStamps) = write(result, stamping: cache != nil)
        guard let cache, report.errors.isEmpty else { return report }
        var entries: [Hash128: CachedEntry] = [:]
        for (index, output) in result.outputs.enumerated() {
            guard let (key, environment) = output.cacheSlot else { continue }
            let cached: CachedOutput? = switch output.disposition {
            case .blank: .blank
            case .unchanged: output.stamp.map(CachedOutput.file)
            case .changed: writtenStamps[index].map(CachedOutput.file)
            }
            entries[key] = cached.map { CachedEntry(output: $0, environment: environment) }
        }
        var saved = report
        do {
            try cache.save(entries)
        } catch {
            saved.warnings.append("render cache not saved: \(error)")
        }
        return saved
    }

    /// Reads and renders every file, in parallel, and compares each output with the file on disk.
    /// `render` gets the file and its bytes and returns the output's; what it throws becomes that
    /// file's error message (`description` of the error).
    public func render(_ files: [TreeFile],
                       using render: @escaping @Sendable (TreeFile, [UInt8]) throws -> [UInt8]) -> TreeRenderResult {
        self.render(files, cache: nil) { file, input in RenderOutput(bytes: try render(file, input), isCacheable: false) }
    }

    /// `render` with a render cache (see `renderAndWrite(cache:using:)`).
    public func render(_ files: [TreeFile], cache: RenderCache?,
                       using render: @escaping @Sendable (TreeFile, [UInt8]) throws -> RenderOutput) -> TreeRenderResult {
        let results = parallelMap(files.count) { index in
            Result { try renderOne(files[index], cache, render) }.mapError(RenderFailure.init)
        }
        var outputs: [RenderedFile] = []
        var errors: [String] = []
        outputs.reserveCapacity(files.count)
        for result in results {
            switch result {
            case .success(let output): outputs.append(output)
            case .failure(let failure): errors.append(failure.message)
            }
        }
        return TreeRenderResult(outputs: outputs, errors: errors)
    }

    /// Writes the changed outputs, creating directories as needed (with the input directory's mode),
    /// after removing the temporary files killed runs left in the output folders.
    public func write(_ result: TreeRenderResult) -> TreeWriteReport {
        removeLeftovers(besides: result.outputs.map(\.file))
        return write(result, stamping: false).report
    }

    /// Cleans the folders of every output, not only of those about to change: a killed run may
    /// have left its temporary file next to an output that is now up to date.
    private func removeLeftovers(besides files: [TreeFile]) {
        for folder in Set(files.map { parentFolder(of: $0.outputPath) }) { removeLeftoverTemporaryFiles(in: folder) }
    }

    /// `write`, and when `stamping`, the stamp of each output written (by the outputs' index),
    /// for the render cache.
    private func write(_ result: TreeRenderResult, stamping: Bool) -> (report: TreeWriteReport, stamps: [FileStamp?]) {
        var report = TreeWriteReport()
        let changedIndices = result.outputs.indices.filter { result.outputs[$0].disposition == .changed }
        let changed = changedIndices.map { result.outputs[$0] }
        report.unchanged = result.outputs.count(where: { $0.disposition == .unchanged })
        report.blank = result.outputs.count(where: { $0.disposition == .blank })
        report.cached = result.outputs.count(where: \.fromCache)
        report.warnings = result.outputs.compactMap(\.delimiterHint)

        var directoryMode: mode_t = 0o755
        var status = stat()
        if stat(inputDirectory, &status) == 0 { directoryMode = status.st_mode & 0o7777 }
        var created: Set<String> = []
        var failedDirectories: [String: String] = [:]
        for output in changed {
            guard let slash = output.file.outputPath.lastIndex(of: "/") else { continue }
            let directory = String(output.file.outputPath[..<slash])
            if created.contains(directory) || failedDirectories[directory] != nil { continue }
            do {
                try makeDirectories(directory, mode: directoryMode)
                created.insert(directory)
            } catch {
                failedDirectories[directory] = "\(error)"
            }
        }

        // One directory's files are written by one thread: writers of the same directory would
        // only wait for each other on its lock.
        var groups: [[Int]] = []
        var groupOfDirectory: [Substring: Int] = [:]
        for (index, output) in changed.enumerated() {
            let path = output.file.outputPath
            let directory = path[..<(path.lastIndex(of: "/") ?? path.startIndex)]
            if let group = groupOfDirectory[directory] {
                groups[group].append(index)
            } else {
                groupOfDirectory[directory] = groups.count
                groups.append([index])
            }
        }
        let directoryGroups = groups
        let groupOutcomes = parallelMap(directoryGroups.count) { group in
            directoryGroups[group].map { index in (index, Self.writeOne(changed[index], stamping: stamping)) }
        }
        var outcomes = [Result<FileStamp?, RenderFailure>?](repeating: nil, count: changed.count)
        for (index, outcome) in groupOutcomes.joined() { outcomes[index] = outcome }
        var writtenStamps = [FileStamp?](repeating: nil, count: stamping ? result.outputs.count : 0)
        for (index, output) in changed.enumerated() {
            switch outcomes[index] {
            case .failure(let failure)?:
                let directory = output.file.outputPath.lastIndex(of: "/").map { String(output.file.outputPath[..<$0]) }
                report.errors.append(directory.flatMap { failedDirectories[$0] } ?? failure.message)
            case .success(let stamp)?:
                report.written += 1
                if stamping { writtenStamps[changedIndices[index]] = stamp }
            case nil:
                break
            }
        }
        return (report, writtenStamps)
    }

    /// Writes one changed output; when `stamping`, its stamp after the rename (which changes the
    /// change time), if the file is still the one written.
    private static func writeOne(_ output: RenderedFile, stamping: Bool) -> Result<FileStamp?, RenderFailure> {
        Result {
            let written = try writeFileAtomically(output.file.outputPath, output.bytes, mode: output.mode,
                                                  exactMode: output.modeIsExact)
            guard stamping, let written, let stamp = FileStamp(path: output.file.outputPath),
                  stamp.inode == written.inode, stamp.device == written.device, stamp.size == written.size,
                  stamp.modified == written.modified else { return nil }
            return stamp
        }.mapError(RenderFailure.init)
    }

    private func renderOne(_ file: TreeFile, _ cache: RenderCache?,
                           _ render: (TreeFile, [UInt8]) throws -> RenderOutput) throws -> RenderedFile {
        let (input, inputMode) = try file.read()
        let mode = outputMode ?? inputMode
        let copied = file.verbatim || leftDelimiter.map { !containsBytes(input, $0) } == true
        let hint = copied && !file.verbatim
            ? leftDelimiter.flatMap { defaultDelimiterHint(name: file.inputPath, bytes: input, leftDelimiter: String(decoding: $0, as: UTF8.self)) }
            : nil
        let key = cache?.key(for: file, input: input, mode: mode, copied: copied)
        if let key, let entry = cache?.entry(for: key) {
            switch entry.output {
            case .blank:
                return RenderedFile(file: file, bytes: [], mode: mode, disposition: .blank, fromCache: true,
                                    cacheSlot: (key, entry.environment), stamp: nil, delimiterHint: hint)
            case .file(let stamp):
                if FileStamp(path: file.outputPath) == stamp {
                    return RenderedFile(file: file, bytes: [], mode: mode, disposition: .unchanged, fromCache: true,
                                        cacheSlot: (key, entry.environment), stamp: stamp, delimiterHint: hint)
                }
            }
        }
        let bytes: [UInt8]
        var cacheable = true
        var reads = EnvironmentReads()
        if copied {
            bytes = input
        } else {
            let output = try render(file, input)
            bytes = output.bytes
            cacheable = output.isCacheable
            reads = output.environmentReads
        }
        var cacheSlot: (key: Hash128, environment: EnvironmentStamp)?
        if cacheable, let key, let environment = cache?.environmentStamp(for: reads) { cacheSlot = (key, environment) }
        let disposition: OutputDisposition
        var stamp: FileStamp?
        if isBlankOutput(bytes) {
            disposition = .blank
        } else if let matching = try matchingFileStamp(file.outputPath, bytes, mode: outputMode) {
            disposition = .unchanged
            stamp = matching
        } else {
            disposition = .changed
        }
        return RenderedFile(file: file, bytes: bytes, mode: mode, modeIsExact: outputMode != nil, disposition: disposition, fromCache: false,
                            cacheSlot: cacheSlot, stamp: stamp, delimiterHint: hint)
    }
}

/// An error of one file, kept as its message: errors cross threads, and only their text is needed.
private struct RenderFailure: Error {
    let message: String
    init(_ error: any Error) { message = "\(error)" }
}

/// Writing one output outside a tree (`-o FILE`), with the same rules as a tree's files.
public enum OutputFile {
    /// Writes `bytes` to `path` unless they are blank or already there; parent directories are
    /// created, and temporary files killed runs left next to `path` are removed.
    @discardableResult
    /// With `exactMode` (`--chmod`) the file gets `mode` whatever the umask, and a file that holds
    /// the bytes with other permission bits is written again.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, exactMode: Bool = false) throws -> OutputDisposition {
        if isBlankOutput(bytes) { return .blank }
        if try writeIntoSpecialFile(path, bytes) { return .changed }
        let folder = parentFolder(of: path)
        removeLeftoverTemporaryFiles(in: folder)
        if try matchingFileStamp(path, bytes, mode: exactMode ? mode : nil) != nil { return .unchanged }
        try makeDirectories(folder, mode: 0o755)
        try writeFileAtomically(path, bytes, mode: mode, exactMode: exactMode)
        return .changed
    }

    /// gomplate's test for an output it does not write: only space, tab, CR, LF or VT.
    public static func isBlank(_ bytes: [UInt8]) -> Bool { isBlankOutput(bytes) }

    /// The permission bits of an input file, for its output.
    public static func mode(of path: String) throws -> mode_t? { try fileMode(path) }

    /// A whole input file, byte for byte.
    public static func read(_ path: String) throws -> [UInt8] { try readFileBytes(path) }
}
