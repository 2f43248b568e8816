import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// A scratch directory with `in/` and `out/`, removed when the test ends.
private final class TreeFixture {
    private let folder: TemporaryFolder
    var root: String { folder.path }
    var input: String { root + "/in" }
    var output: String { root + "/out" }

    init() throws {
        folder = try TemporaryFolder("render-tree")
        try FileManager.default.createDirectory(atPath: folder.child("in"), withIntermediateDirectories: true)
    }

    func write(_ relative: String, _ text: String, mode: Int = 0o644, under base: String? = nil) throws {
        let path = (base ?? input) + "/" + relative
        try plant(path, Array(text.utf8))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    func read(_ relative: String) throws -> String { try TestSupport.read(output + "/" + relative) }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: output + "/" + relative) }

    func status(_ relative: String) -> stat {
        var status = stat()
        _ = stat(output + "/" + relative, &status)
        return status
    }

    /// Every file below `out/`, relative, sorted.
    func outputFiles() -> [String] { filePaths(below: output) }

    func renderer(excludes: [String] = [], excludeProcessing: [String] = []) -> TreeRenderer {
        TreeRenderer(inputDirectory: input, outputDirectory: output, excludes: excludes, excludeProcessing: excludeProcessing)
    }

    /// The relative paths the tree would render, given `.gomplateignore` (root) and excludes.
    func selected(ignore: String?, excludes: [String] = []) throws -> [String] {
        if let ignore { try write(".gomplateignore", ignore) }
        return try renderer(excludes: excludes).collectFiles().map(\.relativePath)
    }
}

/// The process's umask, which applies to new files as it does for gomplate (read from /proc, since
/// umask(2) can only be read by setting it).
private let processUmask: mode_t = {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
          let value = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) else {
        return 0o022
    }
    return value
}()

/// A stand-in for the template engine: upper-cases the text, fails on "FAIL".
@Sendable private func shout(_ file: TreeFile, _ input: [UInt8]) throws -> [UInt8] {
    let text = String(decoding: input, as: UTF8.self)
    if text.contains("FAIL") { throw TemplateError(name: file.inputPath, line: 1, message: "unexpected FAIL") }
    return Array(text.uppercased().utf8)
}

@Suite("Tree rendering: which files")
struct TreeSelectionTests {
    // The cases of gomplate's integration tests (internal/tests/integration/gomplateignore_test.go).

    @Test func ignoreDotFilesAndLogs() throws {
        let tree = try TreeFixture()
        try tree.write("empty.log", "")
        try tree.write("rain.txt", "")
        #expect(try tree.selected(ignore: "# all dot files\n.*\n*.log") == ["rain.txt"])
    }

    @Test func aFolderLeftOutKeepsWhatIsInsideOut() throws {
        let tree = try TreeFixture()
        for path in ["foo/bar/tool/lex.txt", "foo/bar/1.txt", "foo/tar/2.txt"] { try tree.write(path, "") }
        // As in git, and unlike gomplate's xignore: nothing below a folder left out comes back.
        #expect(try tree.selected(ignore: ".gomplateignore\nf[o]o/bar\n!foo/bar/tool") == ["foo/tar/2.txt"])
        #expect(try tree.selected(ignore: ".gomplateignore\nfoo/bar/*\n!foo/bar/tool") == ["foo/bar/tool/lex.txt", "foo/tar/2.txt"])
    }

    @Test func aTrailingSlashMatchesFoldersOnly() throws {
        let tree = try TreeFixture()
        for path in ["sub/a.txt", "sub/deep/b.txt", "other/sub/c.txt", "docs/sub", "top.txt"] { try tree.write(path, "") }
        #expect(try tree.selected(ignore: nil, excludes: ["sub/"]) == ["docs/sub", "top.txt"])
        #expect(try tree.selected(ignore: ".gomplateignore\nsub/\n") == ["docs/sub", "top.txt"])
        #expect(try tree.selected(ignore: ".gomplateignore\n/sub/\n") == ["docs/sub", "other/sub/c.txt", "top.txt"])
        #expect(try tree.selected(ignore: ".gomplateignore\nsub\n") == ["top.txt"])
    }

    @Test func leadingSlashAnchorsToTheIgnoreFilesDirectory() throws {
        let tree = try TreeFixture()
        for path in ["sub/1.txt", "sub/2.txt", "1.txt"] { try tree.write(path, "") }
        #expect(try tree.selected(ignore: ".gomplateignore\n/1.txt") == ["sub/1.txt", "sub/2.txt"])
    }

    @Test func exclusionsAndALoneBang() throws {
        let tree = try TreeFixture()
        for path in ["!", "e1.txt", "e2.txt", "e3.txt", "en/e1.txt", "en/e2.txt", "en/e3.txt"] { try tree.write(path, "") }
        #expect(try tree.selected(ignore: ".gomplateignore\n/e*.txt\n!/e2.txt\nen/e3.txt\n!")
            == ["!", "e2.txt", "en/e1.txt", "en/e2.txt"])
    }

    @Test func nestedIgnoreFilesOverrideShallowerOnes() throws {
        let tree = try TreeFixture()
        try tree.write("inner/inner2/.gomplateignore", "moss.ini\n!/jess.ini")
        try tree.write("inner/inner2/jess.ini", "")
        try tree.write("inner/inner2/moss.ini", "")
        try tree.write("inner/.gomplateignore", "*.lst\njess.ini")
        try tree.write("inner/2.lst", "")
        try tree.write("inner/foo.md", "")
        try tree.write("1.txt", "")
        #expect(try tree.selected(ignore: "inner/foo.md")
            == [".gomplateignore", "1.txt", "inner/.gomplateignore", "inner/inner2/.gomplateignore", "inner/inner2/jess.ini"])
    }

    @Test func aNameWithoutSlashMatchesAtAnyDepth() throws {
        let tree = try TreeFixture()
        for directory in ["aa/a1/a2/", "aa/a1/", "aa/", "bb/", ""] {
            try tree.write(directory + "hello.txt", "")
            try tree.write(directory + "world.txt", "")
        }
        #expect(try tree.selected(ignore: ".gomplateignore\nworld.txt")
            == ["aa/a1/a2/hello.txt", "aa/a1/hello.txt", "aa/hello.txt", "bb/hello.txt", "hello.txt"])
    }

    @Test func aNameMatchesFilesAndFoldersAlike() throws {
        let tree = try TreeFixture()
        for path in ["loss.txt/1.log", "loss.txt/2.log", "foo/loss.txt", "foo/bare.txt"] { try tree.write(path, "") }
        #expect(try tree.selected(ignore: ".gomplateignore\nloss.txt\n!2.log\n") == ["foo/bare.txt"])
    }

    @Test func leadingSpacesArePartOfTheName() throws {
        let tree = try TreeFixture()
        for path in ["inner/  what.txt", "inner/  dart.log", "inner2/  what.txt", "  what.txt"] { try tree.write(path, "") }
        #expect(try tree.selected(ignore: ".gomplateignore\n  what.txt\n!inner/  what.txt\n*.log\n!  dart.log\n")
            == ["inner/  dart.log", "inner/  what.txt"])
    }

    @Test func excludesApplyAfterTheIgnoreFile() throws {
        let tree = try TreeFixture()
        for path in ["logs/archive.zip", "logs/engine.log", "logs/skills.log", "rules/index.csv", "rules/fire.txt",
                     "rules/earth.txt", "sprites/human.csv", "sprites/demon.xml", "sprites/alien.ini",
                     "manifest.json", "crash.bin"] {
            try tree.write(path, "")
        }
        #expect(try tree.selected(ignore: ".gomplateignore\n*.log\n", excludes: ["crash.bin", "rules/*.txt", "sprites/*.ini"])
            == ["logs/archive.zip", "manifest.json", "rules/index.csv", "sprites/demon.xml", "sprites/human.csv"])
    }

    @Test func doubleStarCrossesDirectories() throws {
        let tree = try TreeFixture()
        for path in ["a/b/c/x.yaml", "a/x.yaml", "x.yaml", "a/b/keep.txt"] { try tree.write(path, "") }
        #expect(try tree.selected(ignore: nil, excludes: ["a/**/x.yaml"]) == ["a/b/keep.txt", "x.yaml"])
        #expect(try tree.selected(ignore: nil, excludes: ["a/**"]) == ["x.yaml"])
    }

    @Test func filesComeInByteOrderWithNamesAsGiven() throws {
        let tree = try TreeFixture()
        for path in ["b.txt", "B.txt", "a/z.txt", "a.txt"] { try tree.write(path, "") }
        let files = try TreeRenderer(inputDirectory: tree.input + "/./", outputDirectory: "out").collectFiles()
        #expect(files.map(\.relativePath) == ["B.txt", "a.txt", "a/z.txt", "b.txt"])
        #expect(files.first?.inputPath == tree.input + "/B.txt")
        #expect(files.first?.outputPath == "out/B.txt")
    }

    @Test func aMissingInputDirectoryIsAnError() throws {
        let tree = try TreeFixture()
        #expect(throws: FileError.self) {
            _ = try TreeRenderer(inputDirectory: tree.root + "/nope", outputDirectory: tree.output).collectFiles()
        }
    }
}

@Suite("Tree rendering: writing")
struct TreeWritingTests {
    @Test func rendersEveryFileToTheSameRelativePath() throws {
        let tree = try TreeFixture()
        try tree.write("a.yaml", "one")
        try tree.write("deep/er/b.yaml", "two")
        let report = try tree.renderer().renderAndWrite(using: shout)
        #expect(try tree.read("a.yaml") == "ONE")
        #expect(try tree.read("deep/er/b.yaml") == "TWO")
        #expect(report == TreeWriteReport(written: 2, unchanged: 0, blank: 0, errors: []))
        #expect(report.summary == "rendered 2 files: 2 written, 0 unchanged")
    }

    @Test func whitespaceOnlyOutputsAreNotWritten() throws {
        let tree = try TreeFixture()
        try tree.write("blank.yaml", " \t\r\n\u{0B}\n")
        try tree.write("empty.yaml", "")
        try tree.write("full.yaml", " x ")
        let report = try tree.renderer().renderAndWrite(using: shout)
        #expect(tree.outputFiles() == ["full.yaml"])
        #expect(report.blank == 2)
        #expect(report.summary == "rendered 3 files: 1 written, 0 unchanged, 2 empty (not written)")
    }

    @Test func unchangedOutputsAreNotTouched() throws {
        let tree = try TreeFixture()
        try tree.write("same.yaml", "same")
        try tree.write("changes.yaml", "old")
        _ = try tree.renderer().renderAndWrite(using: shout)
        let before = tree.status("same.yaml")
        let changedBefore = tree.status("changes.yaml")
        // Make any rewrite visible in the modification time.
        usleep(20_000)
        try tree.write("changes.yaml", "new")
        let report = try tree.renderer().renderAndWrite(using: shout)
        let after = tree.status("same.yaml")
        #expect(after.st_ino == before.st_ino)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        #expect(after.st_ctim.tv_nsec == before.st_ctim.tv_nsec)
        #expect(tree.status("changes.yaml").st_ino != changedBefore.st_ino)
        #expect(try tree.read("changes.yaml") == "NEW")
        #expect(report == TreeWriteReport(written: 1, unchanged: 1, blank: 0, errors: []))
    }

    @Test func writesAreAtomicAndLeaveNoTemporaryFiles() throws {
        let tree = try TreeFixture()
        for index in 0..<50 { try tree.write("dir\(index % 3)/file\(index).txt", "content \(index)") }
        _ = try tree.renderer().renderAndWrite(using: shout)
        try tree.write("dir0/file0.txt", "changed")
        _ = try tree.renderer().renderAndWrite(using: shout)
        let files = tree.outputFiles()
        #expect(files.count == 50)
        #expect(files.allSatisfy { !$0.contains(".edpctl-") })
        #expect(try tree.read("dir0/file0.txt") == "CHANGED")
    }

    @Test func modesOfTheInputsAreKept() throws {
        let tree = try TreeFixture()
        try tree.write("eins.txt", "eins", mode: 0o644)
        try tree.write("inner/deux.txt", "deux", mode: 0o444)
        try tree.write("drei.sh", "#!/bin/sh\n", mode: 0o755)
        try tree.write("vier.txt", "vier", mode: 0o544)
        _ = try tree.renderer().renderAndWrite(using: shout)
        #expect(tree.status("eins.txt").st_mode & 0o7777 == 0o644 & ~processUmask)
        #expect(tree.status("inner/deux.txt").st_mode & 0o7777 == 0o444 & ~processUmask)
        #expect(tree.status("drei.sh").st_mode & 0o7777 == 0o755 & ~processUmask)
        #expect(tree.status("vier.txt").st_mode & 0o7777 == 0o544 & ~processUmask)
        // A read-only output is replaced all the same: rename needs only the directory.
        try tree.write("inner/deux.txt", "zwei", mode: 0o444)
        _ = try tree.renderer().renderAndWrite(using: shout)
        #expect(try tree.read("inner/deux.txt") == "ZWEI")
    }

    @Test func oneFailingFileMeansNothingIsWrittenAndEveryErrorIsReported() throws {
        let tree = try TreeFixture()
        try tree.write("a.yaml", "fine")
        try tree.write("b.yaml", "FAIL here")
        try tree.write("c/d.yaml", "FAIL too")
        let renderer = tree.renderer()
        do {
            _ = try renderer.renderAndWrite(using: shout)
            Issue.record("expected the render to fail")
        } catch let errors as RenderErrors {
            #expect(errors.messages == [
                "template: \(tree.input)/b.yaml:1: unexpected FAIL",
                "template: \(tree.input)/c/d.yaml:1: unexpected FAIL",
            ])
        }
        #expect(!FileManager.default.fileExists(atPath: tree.output))
    }

    @Test func anUnreadableInputIsAnErrorNamingTheFile() throws {
        guard getuid() != 0 else { return }  // root reads everything
        let tree = try TreeFixture()
        try tree.write("secret.yaml", "x", mode: 0o000)
        let result = tree.renderer().render(try tree.renderer().collectFiles(), using: shout)
        #expect(result.errors == ["open \(tree.input)/secret.yaml: permission denied"])
    }

    @Test func excludeProcessingCopiesVerbatim() throws {
        let tree = try TreeFixture()
        try tree.write("raw/keep.txt", "FAIL would fail if rendered")
        try tree.write("render.txt", "x")
        _ = try tree.renderer(excludeProcessing: ["raw/*"]).renderAndWrite(using: shout)
        #expect(try tree.read("raw/keep.txt") == "FAIL would fail if rendered")
        #expect(try tree.read("render.txt") == "X")
    }

    @Test func filesWithoutTheDelimiterAreCopiedByteForByte() throws {
        let tree = try TreeFixture()
        let binary: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0xFF, 0xFE, 0x00, 0x0A, 0xC3]
        try Data(binary).write(to: URL(fileURLWithPath: tree.input + "/logo.png"))
        try tree.write("t.yaml", "a: <<< x >>>")
        let renderer = TreeRenderer(inputDirectory: tree.input, outputDirectory: tree.output, leftDelimiter: "<<<")
        _ = try renderer.renderAndWrite { file, input in
            #expect(file.relativePath == "t.yaml", "only files with the delimiter reach the engine")
            return Array(String(decoding: input, as: UTF8.self).uppercased().utf8)
        }
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: tree.output + "/logo.png"))) == binary)
        #expect(try tree.read("t.yaml") == "A: <<< X >>>")
    }

    @Test func symbolicLinksToFilesAreRenderedLinksToDirectoriesAreNot() throws {
        let tree = try TreeFixture()
        try tree.write("real/a.txt", "a")
        try FileManager.default.createSymbolicLink(atPath: tree.input + "/link.txt", withDestinationPath: "real/a.txt")
        try FileManager.default.createSymbolicLink(atPath: tree.input + "/loop", withDestinationPath: ".")
        #expect(try tree.renderer().collectFiles().map(\.relativePath) == ["link.txt", "real/a.txt"])
    }

    @Test func byteSearch() {
        #expect(containsBytes(Array("ab<<<c".utf8), Array("<<<".utf8)))
        #expect(containsBytes(Array("<<<".utf8), Array("<<<".utf8)))
        #expect(!containsBytes(Array("<<x<<".utf8), Array("<<<".utf8)))
        #expect(!containsBytes(Array("<<".utf8), Array("<<<".utf8)))
        #expect(containsBytes([0xFF, 0x3C, 0x3C, 0x3C], Array("<<<".utf8)))
    }

    @Test func renderingRunsInParallelAndKeepsTheOrder() throws {
        let tree = try TreeFixture()
        for index in 0..<200 { try tree.write(String(format: "f%03d.txt", index), "n\(index)") }
        let result = tree.renderer().render(try tree.renderer().collectFiles(), using: shout)
        #expect(result.errors.isEmpty)
        #expect(result.outputs.map(\.file.relativePath) == (0..<200).map { String(format: "f%03d.txt", $0) })
        #expect(result.outputs.map { String(decoding: $0.bytes, as: UTF8.self) } == (0..<200).map { "N\($0)" })
    }

    @Test func outputFileWriteFollowsTheSameRules() throws {
        let tree = try TreeFixture()
        let path = tree.output + "/new/dir/out.txt"
        #expect(try OutputFile.write(Array("  \n".utf8), to: path, mode: 0o600) == .blank)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try OutputFile.write(Array("hello".utf8), to: path, mode: 0o600) == .changed)
        #expect(try OutputFile.write(Array("hello".utf8), to: path, mode: 0o600) == .unchanged)
        #expect(try tree.read("new/dir/out.txt") == "hello")
        #expect(tree.status("new/dir/out.txt").st_mode & 0o7777 == 0o600 & ~processUmask)
    }
}

@Suite("Ignore patterns")
struct IgnorePatternTests {
    /// Whether `pattern` matches `path` (relative to the ignore file's folder), a file unless it ends in `/`.
    private func matches(_ pattern: String, _ path: String) -> Bool? {
        let isDirectory = path.hasSuffix("/")
        let bytes = Array((isDirectory ? String(path.dropLast()) : path).utf8)
        let nameStart = (bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
        return IgnorePattern(pattern.utf8)?.matches(bytes[...], nameStart: nameStart, isDirectory: isDirectory)
    }

    @Test(arguments: [
        ("*.log", "a.log", true), ("*.log", "x/y/a.log", true), ("*.log", "a.log.txt", false),
        ("/a.txt", "a.txt", true), ("/a.txt", "b/a.txt", false),
        ("a/b", "a/b", true), ("a/b", "x/a/b", false), ("a/b/", "a/b", false), ("a/b/", "a/b/", true),
        ("a/*", "a/b", true), ("a/*", "a/b/c", false), ("*/", "x/", true), ("*/", "x", false),
        ("**/c", "a/b/c", true), ("**/c", "c", true), ("**/c", "xc", false),
        ("a/**", "a/b/c", true), ("a/**", "a/", false), ("a/**/d", "a/d", true), ("a/**/d", "a/b/c/d", true),
        ("a/**/d", "a/bd", false), ("a**/d", "ab/x/d", true), ("fo**/d", "foo/d", true), ("**", "x/y", true),
        ("x**y", "x/y", false), ("x**y", "xaby", true),
        ("?.txt", "a.txt", true), ("?.txt", "ab.txt", false), ("?.txt", "é.txt", false), ("??.txt", "é.txt", true),
        ("[ab].txt", "b.txt", true), ("[!ab].txt", "b.txt", false), ("[^ab].txt", "c.txt", true), ("[a-c]x", "cx", true),
        ("[]]x", "]x", true), ("[a-]", "-", true), ("[[:digit:]]*", "7up", true), ("[[:digit:]]*", "up", false),
        ("a[/]b", "a/b", false), ("a[!x]b", "a/b", false), ("a?b", "a/b", false),
        ("\\*.txt", "*.txt", true), ("\\*.txt", "a.txt", false), ("\\!x", "!x", true), ("\\#x", "#x", true),
    ])
    func matches(pattern: String, path: String, expected: Bool) {
        #expect(matches(pattern, path) == expected)
    }

    @Test func patternsThatCanMatchNothingAreDropped() {
        for pattern in ["", "!", "/", "[ab", "x[[:nope:]]", "x\\"] { #expect(IgnorePattern(pattern.utf8) == nil, "\(pattern)") }
        #expect(IgnorePattern("!x".utf8)?.negated == true)
        #expect(IgnorePattern("\\!x".utf8)?.negated == false)
    }

    @Test func ignoreFileLines() {
        let lines = { (text: String) in IgnorePattern.lines(of: Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) } }
        #expect(lines("\u{FEFF}a\r\n\n# note\n \\#b\n\\#c  \nd\\ \ne \\  \n  \nf\\") == ["a", " \\#b", "\\#c", "d\\ ", "e \\ ", "", "f\\"])
    }
}

@Suite("Tree rendering: temporary files of killed runs")
struct TreeLeftoverTests {
    @Test func theSchemeIsReadExactly() throws {
        #expect(TemporaryFileName.process(of: ".a.yaml.edpctl-123-4") == 123)
        #expect(TemporaryFileName.process(of: ".a.edpctl-1.edpctl-77-1") == 77)
        #expect(TemporaryFileName.process(of: TemporaryFileName.make(file: "x y", process: 9, number: 2)) == 9)
        for name in ["a.yaml.edpctl-123-4", ".edpctl-123-4", ".a.edpctl-123", ".a.edpctl-123-", ".a.edpctl--4",
                     ".a.edpctl-0123-4", ".a.edpctl-123-04", ".a.edpctl-0-4", ".a.edpctl-123-0", ".a.edpctl-12a-4",
                     ".a.edpctl-123-4.bak", ".a.edpctl-123-4-5", ".a.edpctl-99999999999-1", ".a.yaml", ".a.EDPCTL-1-1"] {
            #expect(TemporaryFileName.process(of: name) == nil, "\(name)")
        }
    }

    @Test func leftoversOfDeadRunsAreRemovedAndNothingElse() throws {
        let tree = try TreeFixture()
        try tree.write("a.txt", "a")
        try tree.write("sub/b.txt", "b")
        _ = try tree.renderer().renderAndWrite(using: shout)
        let dead = try deadProcessID()
        let leftovers = [".a.txt.edpctl-\(dead)-1", "sub/.b.txt.edpctl-\(dead)-12", "sub/.gone.txt.edpctl-\(dead)-3"]
        for leftover in leftovers { try plant(tree.output + "/" + leftover, Array("partial".utf8)) }
        let kept = [".a.txt.edpctl-\(getpid())-1", ".a.txt.edpctl-0\(dead)-1", "a.txt.edpctl-\(dead)-1",
                    ".a.txt.edpctl-\(dead)-1.bak", ".a.txt.edpctl-\(dead)", "notes.txt"]
        for name in kept { try plant(tree.output + "/" + name) }
        try FileManager.default.createDirectory(atPath: tree.output + "/.d.edpctl-\(dead)-1", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tree.output + "/.l.edpctl-\(dead)-1", withDestinationPath: "a.txt")

        // Both outputs are up to date: their folders are cleaned all the same.
        let report = try tree.renderer().renderAndWrite(using: shout)
        #expect(report.unchanged == 2)
        for leftover in leftovers { #expect(!FileManager.default.fileExists(atPath: tree.output + "/" + leftover)) }
        for name in kept { #expect(FileManager.default.fileExists(atPath: tree.output + "/" + name), "\(name)") }
        #expect(FileManager.default.fileExists(atPath: tree.output + "/.d.edpctl-\(dead)-1"))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: tree.output + "/.l.edpctl-\(dead)-1")) == "a.txt")
    }

    @Test func aFailedRenderStillCleansAndWritesNothing() throws {
        let tree = try TreeFixture()
        try tree.write("a.txt", "FAIL")
        let leftover = tree.output + "/.a.txt.edpctl-\(try deadProcessID())-1"
        try plant(leftover)
        #expect(throws: RenderErrors.self) { try tree.renderer().renderAndWrite(using: shout) }
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(tree.outputFiles().isEmpty)
    }

    @Test func aSingleOutputFileCleansItsFolder() throws {
        let tree = try TreeFixture()
        let dead = try deadProcessID()
        try plant(tree.output + "/.out.txt.edpctl-\(dead)-1")
        try plant(tree.output + "/.other.edpctl-\(dead)-2")
        #expect(try OutputFile.write(Array("x".utf8), to: tree.output + "/out.txt", mode: 0o644) == .changed)
        #expect(tree.outputFiles() == ["out.txt"])
    }

    @Test func theRenderCacheFolderIsCleaned() throws {
        let tree = try TreeFixture()
        let folder = tree.root + "/cache"
        let leftover = folder + "/.x.cache.edpctl-\(try deadProcessID())-1"
        try plant(leftover, [1, 2, 3])
        let cache = RenderCache(path: folder + "/x.cache", salt: Hash128(high: 1, low: 2))
        let entry = CachedEntry(output: .blank, environment: try #require(cache.environmentStamp(for: EnvironmentReads())))
        try cache.save([Hash128(high: 3, low: 4): entry])
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(RenderCache(path: folder + "/x.cache", salt: Hash128(high: 1, low: 2)).entries == [Hash128(high: 3, low: 4): entry])
    }
}

@Suite("Tree rendering: symbolic links and overlapping folders")
struct TreeContainmentTests {
    @Test func aLinkLeavingTheInputIsRefusedNamingLinkAndTarget() throws {
        let tree = try TreeFixture()
        try tree.write("a.yaml", "a")
        try plant(tree.root + "/secret/hostname", Array("host".utf8))
        let secret = try realPath(tree.root + "/secret/hostname")
        try FileManager.default.createDirectory(atPath: tree.input + "/stacks", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tree.input + "/stacks/x.yaml", withDestinationPath: secret)
        try FileManager.default.createSymbolicLink(atPath: tree.input + "/stacks/y.yaml",
                                                   withDestinationPath: "../../secret/hostname")
        do {
            _ = try tree.renderer().renderAndWrite(using: shout)
            Issue.record("rendered through links leaving the tree")
        } catch let errors as RenderErrors {
            #expect(errors.messages == [
                "\(tree.input)/stacks/x.yaml: symbolic link to \(secret) leaves the input directory \(tree.input)",
                "\(tree.input)/stacks/y.yaml: symbolic link to \(secret) leaves the input directory \(tree.input)",
            ])
        }
        #expect(!FileManager.default.fileExists(atPath: tree.output))
        // An excluded link is never read, so it is no error.
        #expect(try tree.renderer(excludes: ["stacks/*"]).collectFiles().map(\.relativePath) == ["a.yaml"])
    }

    @Test func linksInsideTheTreeAreFollowedEvenThroughALinkedInputFolder() throws {
        let tree = try TreeFixture()
        try tree.write("real/a.txt", "a")
        try FileManager.default.createSymbolicLink(atPath: tree.input + "/b.txt", withDestinationPath: "real/../real/a.txt")
        try FileManager.default.createSymbolicLink(atPath: tree.input + "/outside", withDestinationPath: "/etc")
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/linked-in", withDestinationPath: "in")
        let renderer = TreeRenderer(inputDirectory: tree.root + "/linked-in/", outputDirectory: tree.output)
        #expect(try renderer.collectFiles().map(\.relativePath) == ["b.txt", "real/a.txt"])
        _ = try renderer.renderAndWrite(using: shout)
        #expect(try tree.read("b.txt") == "A")
    }

    @Test func anIgnoreFileLeavingTheTreeIsRefused() throws {
        let tree = try TreeFixture()
        try plant(tree.root + "/rules", Array("*".utf8))
        try FileManager.default.createSymbolicLink(atPath: tree.input + "/.gomplateignore", withDestinationPath: "../rules")
        let target = try realPath(tree.root + "/rules")
        #expect(errorText { try tree.renderer().collectFiles() }
            == "\(tree.input)/.gomplateignore: symbolic link to \(target) leaves the input directory \(tree.input)")
    }

    @Test(arguments: [
        ("in", "in", "is the input directory"), ("in", "./in/", "is the input directory"),
        ("./in//", "in", "is the input directory"), ("in", "linked-in", "is the input directory"),
        ("linked-in", "in/", "is the input directory"), ("in", "in/out", "is inside the input directory"),
        ("in", "linked-in/new/deeper", "is inside the input directory"),
    ])
    func anOutputFolderOnOrInsideTheInputIsRefused(_ testCase: (String, String, String)) throws {
        let tree = try TreeFixture()
        try tree.write("a.txt", "a")
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/linked-in", withDestinationPath: "in")
        let (input, output, problem) = testCase
        let renderer = TreeRenderer(inputDirectory: tree.root + "/" + input, outputDirectory: tree.root + "/" + output)
        do {
            try renderer.checkDirectoriesApart()
            Issue.record("\(output) was accepted beside \(input)")
        } catch let error as DirectoryOverlapError {
            #expect(error.description.contains("the output directory \(tree.root)/\(output) \(problem) \(renderer.inputDirectory)"))
        }
        #expect(throws: DirectoryOverlapError.self) { try renderer.renderAndWrite(using: shout) }
        #expect(try String(contentsOfFile: tree.input + "/a.txt", encoding: .utf8) == "a")
    }

    @Test func anInputInsideTheOutputIsRefusedOnlyWhenAnOutputWouldLandInIt() throws {
        let tree = try TreeFixture()
        try tree.write("x.txt", "x")
        // Rendering `in` into its parent writes the parent's x.txt, beside the input folder.
        let beside = TreeRenderer(inputDirectory: tree.input, outputDirectory: tree.root)
        try beside.checkDirectoriesApart()
        try beside.checkOutputsOutsideInput(try beside.collectFiles())
        // A file `in/y.txt` of the tree would be written to root/in/y.txt: into the input.
        try tree.write("in/y.txt", "y")
        #expect(errorText { try beside.renderAndWrite(using: shout) }
            == "the output of \(tree.input)/in/y.txt would be written to \(tree.root)/in/y.txt, "
            + "inside the input directory \(tree.input)")
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/x.txt"))
    }

    @Test func anOutputFolderLinkedIntoTheInputIsRefused() throws {
        let tree = try TreeFixture()
        try tree.write("sub/a.txt", "a")
        try FileManager.default.createDirectory(atPath: tree.output, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tree.output + "/sub", withDestinationPath: tree.input)
        // out/sub/a.txt would be in/a.txt.
        #expect(throws: DirectoryOverlapError.self) { try tree.renderer().renderAndWrite(using: shout) }
        #expect(!FileManager.default.fileExists(atPath: tree.input + "/a.txt"))
    }
}

@Suite("Tree rendering: bytes")
struct TreeBytesTests {
    private func session(in directory: String) throws -> RenderSession {
        try RenderSession(RenderConfiguration(workingDirectory: directory, environment: [:]))
    }

    @Test func templatesThatAreNotUTF8KeepTheirBytes() throws {
        let tree = try TreeFixture()
        var generator = SystemRandomNumberGenerator()
        let binary = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }.map { $0 == 0x3C ? 0x3D : $0 }
        let files: [String: [UInt8]] = [
            "invalid.txt": [0xFF, 0xFE] + Array("<<< 1 >>>".utf8) + [0xFE, 0xFF, 0x00, 0x0D, 0x0A],
            "binary.bin": binary,
            "raw/binary.bin": binary + Array("<<< not rendered".utf8),
        ]
        for (path, bytes) in files { try plant(tree.input + "/" + path, bytes) }
        let session = try session(in: tree.root)
        let expected: [String: [UInt8]] = [
            "invalid.txt": [0xFF, 0xFE, 0x31, 0xFE, 0xFF, 0x00, 0x0D, 0x0A], "binary.bin": binary,
            "raw/binary.bin": files["raw/binary.bin"]!,
        ]
        // Without a delimiter to look for, every file goes through the engine, the binary too.
        for delimiter in [nil, "<<<"] as [String?] {
            try? FileManager.default.removeItem(atPath: tree.output)
            let renderer = TreeRenderer(inputDirectory: tree.input, outputDirectory: tree.output,
                                        excludeProcessing: ["raw/*"], leftDelimiter: delimiter)
            let report = try renderer.renderAndWrite { file, input in try session.render(name: file.inputPath, bytes: input) }
            #expect(report.written == 3)
            for (path, bytes) in expected {
                #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: tree.output + "/" + path))) == bytes, "\(path)")
            }
        }
    }
}
