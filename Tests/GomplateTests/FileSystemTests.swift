import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// The file system's one home for whole-file reads and directory listings, and the functions,
/// data sources and tree walks that read through it.
@Suite("File system: reads and listings")
struct FileSystemTests {
    private func read(_ function: String, _ path: String, in folder: TemporaryFolder) throws -> Value {
        guard let body = FunctionTable.gomplate[function]?.body else { throw FunctionError("no \(function)") }
        return try body([.string(path)], TestCall(host: TestHost(workingDirectory: folder.path)))
    }

    @Test func aFileWhoseSizeSaysNothingIsReadToItsEnd() throws {
        let folder = try TemporaryFolder()
        let pipe = folder.child("pipe")
        #expect(mkfifo(pipe, 0o600) == 0)
        let text = String(repeating: "0123456789abcdef", count: 10_000)
        let writer = Thread {
            let descriptor = open(pipe, O_WRONLY | O_CLOEXEC)
            _ = Array(text.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
        }
        writer.start()
        #expect(try readFileBytes(pipe) == Array(text.utf8))
    }

    @Test func aFileWithoutEndIsRefusedPastTheStringLimit() {
        #expect(errorText { try readFileBytes("/dev/zero") }
            == "read /dev/zero: more than 67108864 bytes (64 MiB) from a file whose size is not known in advance (a pipe or a device)")
    }

    @Test func aRegularFileIsReadWhole() throws {
        let folder = try TemporaryFolder()
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder.child("data.bin")))
        #expect(chmod(folder.child("data.bin"), 0o640) == 0)
        let (read, mode) = try readFileBytesAndMode(folder.child("data.bin"))
        #expect(read == bytes)
        #expect(mode == 0o640)
    }

    /// `file.Read` reads through `readFileBytes`: the same bytes, the same Go-worded errors, naming
    /// the path as the template gave it.
    @Test func fileReadAndTheRenderReadAgree() throws {
        let folder = try TemporaryFolder()
        try write("hello\n", to: folder.child("dir/hi.txt"))
        #expect(try goPrint(read("file.Read", "dir/hi.txt", in: folder)) == "hello\n")
        #expect(errorText { try read("file.Read", "dir", in: folder) } == "read dir: is a directory")
        #expect(errorText { try readFileBytes(folder.child("dir"), shownAs: "dir") } == "read dir: is a directory")
        #expect(errorText { try read("file.Read", "dir/none", in: folder) } == "open dir/none: no such file or directory")
        #expect(errorText { try readFileBytes(folder.child("dir/none")) }
            == "open \(folder.child("dir/none")): no such file or directory")
    }

    @Test func aCheckedReadRefusesAnotherFileAndALink() throws {
        let folder = try TemporaryFolder()
        try write("one", to: folder.child("one"))
        try write("two", to: folder.child("two"))
        var status = stat()
        #expect(stat(folder.child("one"), &status) == 0)
        let identity = FileIdentity(status)
        #expect(try readFileBytesAndMode(folder.child("one"), identity: identity, shownAs: "one").bytes == Array("one".utf8))
        let replaced = "read one: the file was replaced while being read (by a link or another file); nothing was written, run again"
        #expect(errorText { try readFileBytesAndMode(folder.child("two"), identity: identity, shownAs: "one") } == replaced)
        #expect(symlink(folder.child("one"), folder.child("link")) == 0)
        #expect(errorText { try readFileBytesAndMode(folder.child("link"), identity: identity, shownAs: "one") } == replaced)
    }

    @Test func listingsLeaveOutDotsAndKeepNamesAsTheCallerDecodesThem() throws {
        let folder = try TemporaryFolder()
        try plantRaw(rawPath(folder.path, Array("b".utf8)))
        try plantRaw(rawPath(folder.path, [UInt8(ascii: "n"), 0xFF]))
        try makeRawDirectory(rawPath(folder.path, Array("a".utf8)))
        var names: [String] = []
        try forEachEntry(inDirectory: folder.path) { name, _ in names.append(FileName.decode(name)) }
        #expect(names.sorted(by: FileName.less) == ["a", "b", FileName.spelling(of: [UInt8(ascii: "n"), 0xFF])])
        #expect(try listDirectory(folder.path).filter { $0.kind == .directory }.map(\.name) == ["a"])
        #expect(try goPrint(read("file.ReadDir", ".", in: folder)) == "[a b n\u{FFFD}]")
        #expect(errorText { try forEachEntry(inDirectory: folder.child("none"), shownAs: "none") { _, _ in } }
            == "open none: no such file or directory")
        #expect(errorText { try read("file.ReadDir", "none", in: folder) } == "open none: no such file or directory")
    }
}
