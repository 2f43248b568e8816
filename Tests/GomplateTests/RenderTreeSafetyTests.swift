import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// A scratch `in/` (the templates), `out/` and `outside/`, removed when the test ends.
private final class SafetyFixture {
    private let folder: TemporaryFolder
    var root: String { folder.path }
    var input: String { root + "/in" }
    var output: String { root + "/out" }

    init() throws {
        folder = try TemporaryFolder("render-tree-safety")
        try FileManager.default.createDirectory(atPath: folder.child("in"), withIntermediateDirectories: true)
    }

    func write(_ relative: String, _ text: String) throws { try plant(root + "/" + relative, Array(text.utf8)) }

    func link(_ relative: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + relative, withDestinationPath: destination)
    }

    func renderer(excludes: [String] = []) -> TreeRenderer {
        TreeRenderer(inputDirectory: input, outputDirectory: output, excludes: excludes)
    }

    /// The messages `collectFiles` fails with (empty when it succeeds).
    func problems(excludes: [String] = []) -> [String] {
        do {
            _ = try renderer(excludes: excludes).collectFiles()
            return []
        } catch let errors as RenderErrors {
            return errors.messages
        } catch {
            return ["\(error)"]
        }
    }
}

@Sendable private func upper(_ file: TreeFile, _ input: [UInt8]) throws -> [UInt8] {
    Array(String(decoding: input, as: UTF8.self).uppercased().utf8)
}

@Suite("Tree rendering: links, special files and names")
struct RenderTreeSafetyTests {
    @Test func linksMayLeadOnlyToOtherTemplatesNotIntoDotFoldersOrIgnoredFiles() throws {
        let fixture = try SafetyFixture()
        try fixture.write("in/.git/config", "[remote \"origin\"]\n\turl = https://ci:TOKEN@example.org/t.git\n")
        try fixture.write("in/.env", "TOKEN=x\n")
        try fixture.write("in/stacks/.hidden/key.txt", "key\n")
        try fixture.write("in/private/secret.txt", "secret\n")
        try fixture.write("in/drafts/plan.txt", "plan\n")
        try fixture.write("in/.gomplateignore", "private\n.gomplateignore\n")
        try fixture.write("in/shared/common.txt", "common\n")
        try fixture.link("in/cfg.txt", to: ".git/config")
        try fixture.link("in/env.txt", to: "shared/../.env")
        try fixture.link("in/key.txt", to: "stacks/.hidden/key.txt")
        try fixture.link("in/secret.txt", to: "private/secret.txt")
        try fixture.link("in/plan.txt", to: "drafts/plan.txt")
        try fixture.link("in/common.txt", to: "shared/common.txt")
        let real = try realPath(fixture.input)
        let dotFile = "which is not a template (names starting with '.' are not followed)"
        let ignored = "which is not a template (the ignore rules leave it out)"
        // Dot files are rendered by gomplate, so they are selected here; links may not lead to them.
        #expect(fixture.problems(excludes: ["drafts/*", ".git/*", ".env", "stacks/.hidden/*"]) == [
            "\(fixture.input)/cfg.txt: symbolic link to \(real)/.git/config leads to .git/config, \(dotFile)",
            "\(fixture.input)/env.txt: symbolic link to \(real)/.env leads to .env, \(dotFile)",
            "\(fixture.input)/key.txt: symbolic link to \(real)/stacks/.hidden/key.txt leads to stacks/.hidden/key.txt, \(dotFile)",
            "\(fixture.input)/plan.txt: symbolic link to \(real)/drafts/plan.txt leads to drafts/plan.txt, \(ignored)",
            "\(fixture.input)/secret.txt: symbolic link to \(real)/private/secret.txt leads to private/secret.txt, \(ignored)",
        ])
        #expect(throws: RenderErrors.self) { try fixture.renderer().renderAndWrite(using: upper) }
        #expect(!FileManager.default.fileExists(atPath: fixture.output))

        // Left out themselves, the links are no error; the one to a template is followed.
        let kept = fixture.renderer(excludes: ["cfg.txt", "env.txt", "key.txt", "secret.txt", "plan.txt", ".*", "drafts/"])
        #expect(try kept.collectFiles().map(\.relativePath) == ["common.txt", "shared/common.txt"])
        _ = try kept.renderAndWrite(using: upper)
        #expect(try String(contentsOfFile: fixture.output + "/common.txt", encoding: .utf8) == "COMMON\n")
    }

    @Test func fifosSocketsAndDevicesAreRefusedAndNeverOpened() throws {
        let fixture = try SafetyFixture()
        try fixture.write("in/a.txt", "a")
        #expect(mkfifo(fixture.input + "/pipe", 0o644) == 0)
        try fixture.write("in/sub/keep.txt", "k")
        #expect(mkfifo(fixture.input + "/sub/pipe", 0o644) == 0)
        try fixture.link("in/fifo-link", to: "sub/pipe")
        try fixture.link("in/zero", to: "/dev/zero")
        let real = try realPath(fixture.input)
        // A fifo opened for reading would block this test until a writer came.
        #expect(fixture.problems() == [
            "\(fixture.input)/fifo-link: symbolic link to \(real)/sub/pipe, a named pipe (fifo): only regular files, and links to them, can be templates",
            "\(fixture.input)/pipe: a named pipe (fifo): only regular files, and links to them, can be templates",
            "\(fixture.input)/sub/pipe: a named pipe (fifo): only regular files, and links to them, can be templates",
            "\(fixture.input)/zero: symbolic link to /dev/zero leaves the input directory \(fixture.input)",
        ])
        #expect(fixture.problems(excludes: ["pipe", "fifo-link", "zero"]) == [])
    }

    @Test func anIgnoreFileThatIsSpecialOrADeviceIsRefused() throws {
        let fixture = try SafetyFixture()
        try fixture.write("in/a.txt", "a")
        try fixture.link("in/.gomplateignore", to: "/dev/zero")
        #expect(fixture.problems() == ["\(fixture.input)/.gomplateignore: symbolic link to /dev/zero leaves the input directory \(fixture.input)"])
        try FileManager.default.removeItem(atPath: fixture.input + "/.gomplateignore")
        #expect(mkfifo(fixture.input + "/.gomplateignore", 0o644) == 0)
        #expect(fixture.problems(excludes: [".gomplateignore"])
            == ["\(fixture.input)/.gomplateignore: a named pipe (fifo): only regular files, and links to them, can be templates"])
    }

    @Test func aNameThatIsNotUTF8IsRefusedNamingItEscapedUnlessLeftOut() throws {
        let fixture = try SafetyFixture()
        try fixture.write("in/a.txt", "a")
        try plantRaw(rawPath(fixture.input, Array("n".utf8) + [0xFF] + Array(".txt".utf8)))
        try makeRawDirectory(rawPath(fixture.input, [0xC3, 0x28]))
        try plantRaw(rawPath(fixture.input, [0xC3, 0x28], Array("b.txt".utf8)))
        let notUTF8 = "the file name is not valid UTF-8, which edpctl can't carry into output names: "
            + "rename the file, or leave it out (.gomplateignore)"
        // In the order of the bytes on disk, as Go sorts names.
        #expect(fixture.problems() == [
            "\(fixture.input)/n\\xff.txt: \(notUTF8)",
            "\(fixture.input)/\\xc3(/b.txt: \(notUTF8)",
        ])
        #expect(throws: RenderErrors.self) { try fixture.renderer().renderAndWrite(using: upper) }
        #expect(!FileManager.default.fileExists(atPath: fixture.output))
        #expect(try fixture.renderer(excludes: ["n*.txt", "*("]).collectFiles().map(\.relativePath) == ["a.txt"])
        // Patterns match the bytes on disk, as git's do: `?` is one byte, and an ignore file may name the bytes.
        #expect(try fixture.renderer(excludes: ["n?.txt", "?(/"]).collectFiles().map(\.relativePath) == ["a.txt"])
        try plantRaw(rawPath(fixture.input, Array(".gomplateignore".utf8)), Array("n".utf8) + [0xFF] + Array(".txt\n".utf8) + [0xC3, 0x28, 0x0A])
        #expect(try fixture.renderer().collectFiles().map(\.relativePath) == [".gomplateignore", "a.txt"])
    }

    @Test func namesDifferingOnlyInNormalisationAreTwoFiles() throws {
        let fixture = try SafetyFixture()
        try fixture.write("in/\(composedCafe).txt", "composed")
        try fixture.write("in/\(decomposedCafe).txt", "decomposed")
        try fixture.write("in/\(decomposedCafe)/x.txt", "x")
        let files = try fixture.renderer().collectFiles()
        #expect(files.map { Array($0.relativePath.utf8) } == [
            Array("\(decomposedCafe).txt".utf8), Array("\(decomposedCafe)/x.txt".utf8), Array("\(composedCafe).txt".utf8),
        ])
        _ = try fixture.renderer().renderAndWrite(using: upper)
        #expect(rawNames(fixture.output) == [Array(decomposedCafe.utf8), Array("\(decomposedCafe).txt".utf8),
                                            Array("\(composedCafe).txt".utf8)])
        #expect(try String(contentsOfFile: fixture.output + "/\(composedCafe).txt", encoding: .utf8) == "COMPOSED")

        // An ignore rule names one spelling, not the other.
        try fixture.write("in/.gomplateignore", "\(composedCafe).txt\n.gomplateignore\n")
        #expect(try fixture.renderer().collectFiles().map { Array($0.relativePath.utf8) } == [
            Array("\(decomposedCafe).txt".utf8), Array("\(decomposedCafe)/x.txt".utf8),
        ])
    }

    // MARK: Files swapped between listing and reading

    @Test func aFileSwappedForALinkAfterTheListingIsNotRead() throws {
        let fixture = try SafetyFixture()
        try fixture.write("outside/hostname", "SECRET-HOST")
        try fixture.write("in/a.txt", "a")
        let files = try fixture.renderer().collectFiles()
        try FileManager.default.removeItem(atPath: fixture.input + "/a.txt")
        try fixture.link("in/a.txt", to: fixture.root + "/outside/hostname")
        let result = fixture.renderer().render(files) { _, input in
            #expect(!String(decoding: input, as: UTF8.self).contains("SECRET"))
            return input
        }
        #expect(result.outputs.isEmpty)
        #expect(result.errors == ["read \(fixture.input)/a.txt: the file was replaced while being read (by a link or "
                                  + "another file); nothing was written, run again"])
    }

    @Test func aFolderSwappedForALinkAfterTheListingIsNotReadThrough() throws {
        let fixture = try SafetyFixture()
        try fixture.write("outside/sub/a.txt", "SECRET")
        try fixture.write("in/sub/a.txt", "a")
        let files = try fixture.renderer().collectFiles()
        try FileManager.default.moveItem(atPath: fixture.input + "/sub", toPath: fixture.root + "/moved")
        try fixture.link("in/sub", to: fixture.root + "/outside/sub")
        let result = fixture.renderer().render(files, using: upper)
        #expect(result.outputs.isEmpty)
        #expect(result.errors.count == 1 && result.errors[0].contains("the file was replaced while being read"))
    }

    @Test func theTargetOfALinkSwappedAfterTheListingIsNotRead() throws {
        let fixture = try SafetyFixture()
        try fixture.write("outside/hostname", "SECRET-HOST")
        try fixture.write("in/real/a.txt", "a")
        try fixture.link("in/l.txt", to: "real/a.txt")
        let files = try fixture.renderer().collectFiles()
        #expect(files.map(\.relativePath) == ["l.txt", "real/a.txt"])
        try FileManager.default.removeItem(atPath: fixture.input + "/real/a.txt")
        try fixture.link("in/real/a.txt", to: fixture.root + "/outside/hostname")
        let result = fixture.renderer().render(files, using: upper)
        #expect(result.outputs.isEmpty)
        #expect(result.errors.count == 2)
        #expect(result.errors.allSatisfy { $0.contains("the file was replaced while being read") })
    }

    @Test func aFileReplacedByAFifoIsNotWaitedFor() throws {
        let fixture = try SafetyFixture()
        try fixture.write("in/a.txt", "a")
        let files = try fixture.renderer().collectFiles()
        try FileManager.default.removeItem(atPath: fixture.input + "/a.txt")
        #expect(mkfifo(fixture.input + "/a.txt", 0o644) == 0)
        let result = fixture.renderer().render(files, using: upper)
        #expect(result.errors.count == 1 && result.errors[0].contains("the file was replaced while being read"))
    }
}
