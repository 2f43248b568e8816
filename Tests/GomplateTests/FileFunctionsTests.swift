import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// Each test works in `work/` of its own temporary folder, the host's working directory; what
/// stands beside `work/` is outside it.
@Suite final class FileFunctionsTests {
    private let scratch: TemporaryFolder
    private let folder: String
    private let host: TestHost

    init() throws {
        scratch = try TemporaryFolder("h3-file")
        folder = scratch.child("work")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        host = TestHost(workingDirectory: folder)
    }

    private func write(_ relativePath: String, _ content: String) throws {
        try plant(folder + "/" + relativePath, Array(content.utf8))
    }

    private func run(_ name: String, _ arguments: Value...) throws -> Value {
        guard let function = FunctionTable.gomplate[name] else { throw FunctionError("no \(name)") }
        return try function.body(arguments, TestCall(host: host))
    }

    @Test func existsAndIsDir() throws {
        try write("foo", "")
        try write("dir/x", "")
        func flag(_ name: String, _ path: String) throws -> Bool? {
            if case .bool(let result) = try run(name, .string(path)) { return result }
            return nil
        }
        #expect(try flag("file.Exists", "foo") == true)
        #expect(try flag("file.Exists", "nope") == false)
        #expect(try flag("file.Exists", folder + "/foo") == true)
        #expect(try flag("file.IsDir", "foo") == false)
        #expect(try flag("file.IsDir", "dir") == true)
        #expect(try flag("file.IsDir", "nope") == false)
    }

    @Test func readGivesTheContentOrGoError() throws {
        try write("hi", "hello world\n")
        if case .string(let content) = try run("file.Read", .string("hi")) {
            #expect(content == "hello world\n")
        } else {
            Issue.record("file.Read did not give a string")
        }
        do {
            _ = try run("file.Read", .string("missing"))
            Issue.record("reading a missing file succeeded")
        } catch let error as FunctionError {
            #expect(error.message == "open missing: no such file or directory")
        }
        #expect(throws: FunctionError.self) { try run("file.Read", .string(".")) }
    }

    @Test func readDirIsSortedByName() throws {
        for name in ["foo/c", "foo/a", "foo/B", "foo/d/x", "foo/b"] { try write(name, "") }
        let result = try run("file.ReadDir", .string("foo"))
        guard case .list(let names) = result else { Issue.record("ReadDir gave \(result)"); return }
        #expect(names.compactMap { if case .string(let s) = $0 { s } else { nil } } == ["B", "a", "b", "c", "d"])
        #expect(throws: FunctionError.self) { try run("file.ReadDir", .string("nope")) }
    }

    @Test func walkListsTheRootAndEverythingBelowInOrder() throws {
        for name in ["foo/one", "foo/sub/one", "foo/sub/two", "foo/three", "foo/two"] { try write(name, "") }
        let result = try run("file.Walk", .string("foo"))
        guard case .list(let paths) = result else { Issue.record("Walk gave \(result)"); return }
        #expect(paths.compactMap { if case .string(let s) = $0 { s } else { nil } }
            == ["foo", "foo/one", "foo/sub", "foo/sub/one", "foo/sub/two", "foo/three", "foo/two"])
        do {
            _ = try run("file.Walk", .string("nope"))
            Issue.record("walking a missing folder succeeded")
        } catch let error as FunctionError {
            #expect(error.message == "stat nope: no such file or directory")
        }
    }

    @Test func statHasGoFileInfoMembers() throws {
        try write("foo", "hello world\n")
        let result = try run("file.Stat", .string("foo"))
        guard case .object(let info) = result else { Issue.record("Stat gave \(result)"); return }
        if case .int(let size) = try info.member("Size", arguments: []) { #expect(size == 12) } else { Issue.record("Size") }
        if case .string(let name) = try info.member("Name", arguments: []) { #expect(name == "foo") } else { Issue.record("Name") }
        if case .bool(let isDir) = try info.member("IsDir", arguments: []) { #expect(!isDir) } else { Issue.record("IsDir") }
        if case .object(let mode) = try info.member("Mode", arguments: []) {
            #expect(mode.goDescription.hasPrefix("-rw"))
            #expect(mode.goDescription.count == 10)
        } else {
            Issue.record("Mode")
        }
        if case .object(let modified) = try info.member("ModTime", arguments: []) {
            #expect(modified.goTypeName == "time.Time")
        } else {
            Issue.record("ModTime")
        }
        #expect(FileMode(bits: 1 << 31 | 0o755).description == "drwxr-xr-x")
        #expect(FileMode(bits: 1 << 27 | 0o777).description == "Lrwxrwxrwx")
    }

    @Test func writeCreatesParentsAndReturnsNothing() throws {
        // The corpus: file.Write "foo" "hello world" and "hello world" | file.Write "./out".
        #expect(try run("file.Write", .string("foo"), .string("hello world")).isEmptyString)
        #expect(try run("file.Write", .string("./out"), .string("hello world")).isEmptyString)
        #expect(try run("file.Write", .string("deep/er/file"), .bytes([104, 105])).isEmptyString)
        #expect(try run("file.Write", .string("number"), .int(42)).isEmptyString)
        #expect(try String(contentsOfFile: folder + "/foo", encoding: .utf8) == "hello world")
        #expect(try String(contentsOfFile: folder + "/out", encoding: .utf8) == "hello world")
        #expect(try String(contentsOfFile: folder + "/deep/er/file", encoding: .utf8) == "hi")
        #expect(try String(contentsOfFile: folder + "/number", encoding: .utf8) == "42")
        // Overwriting truncates.
        _ = try run("file.Write", .string("foo"), .string("x"))
        #expect(try String(contentsOfFile: folder + "/foo", encoding: .utf8) == "x")
    }

    @Test func writeStaysInsideTheWorkingDirectory() throws {
        do {
            _ = try run("file.Write", .string("../escape"), .string("x"))
            Issue.record("wrote outside the working directory")
        } catch let error as FunctionError {
            #expect(error.message.hasPrefix("failed to open ../escape: path ../escape not contained by working directory"))
        }
        #expect(!FileManager.default.fileExists(atPath: (folder as NSString).deletingLastPathComponent + "/escape"))
        // As gomplate: an absolute path is judged by the same rule.
        do {
            _ = try run("file.Write", .string("/tmp/foo"), .string("x"))
            Issue.record("wrote /tmp/foo")
        } catch let error as FunctionError {
            #expect(error.message == "failed to open /tmp/foo: path /tmp/foo not contained by working directory \(folder) (rel: \(try GoPath.relative(base: folder, target: "/tmp/foo")))")
        }
        _ = try run("file.Write", .string(folder + "/inside"), .string("in"))
        #expect(try String(contentsOfFile: folder + "/inside", encoding: .utf8) == "in")
    }

    @Test func writeNeverGoesThroughALinkLeavingTheWorkingDirectory() throws {
        let outside = folder + "-outside"
        try FileManager.default.createDirectory(atPath: outside + "/deep", withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/file"))
        let realOutside = try realPath(outside)
        try FileManager.default.createSymbolicLink(atPath: folder + "/out", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: folder + "/file", withDestinationPath: outside + "/file")
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling", withDestinationPath: outside + "/nothing")
        try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: true)
        for (path, target) in [("out/x", "/x"), ("out/deep/x", "/deep/x"), ("out/new/dirs/x", "/new/dirs/x"),
                               ("in/../out/x", "/x"), ("./out/deep/../x", "/x"), ("file", "/file")] {
            do {
                _ = try run("file.Write", .string(path), .string("x"))
                Issue.record("wrote through a link: \(path)")
            } catch let error as FunctionError {
                #expect(error.message == "failed to open \(path): path \(path) leads through a symbolic link to "
                    + "\(realOutside)\(target), not contained by working directory \(folder)")
            }
        }
        #expect(throws: FunctionError.self) { try run("file.Write", .string("dangling"), .string("x")) }
        #expect(try String(contentsOfFile: outside + "/file", encoding: .utf8) == "keep")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: outside).sorted() == ["deep", "file"])
        #expect(!FileManager.default.fileExists(atPath: outside + "/nothing"))
    }

    @Test func writeFollowsLinksThatStayInside() throws {
        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        try write("real/target", "old")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder + "/real/target")
        try FileManager.default.createSymbolicLink(atPath: folder + "/alias", withDestinationPath: "real")
        try FileManager.default.createSymbolicLink(atPath: folder + "/pointer", withDestinationPath: "real/target")
        _ = try run("file.Write", .string("alias/new/file"), .string("a"))
        _ = try run("file.Write", .string("pointer"), .string("new"))
        #expect(try String(contentsOfFile: folder + "/real/new/file", encoding: .utf8) == "a")
        // The link stays a link; the file it points at gets the content and keeps its mode.
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/pointer") == "real/target")
        #expect(try String(contentsOfFile: folder + "/real/target", encoding: .utf8) == "new")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/real/target")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func writeIsAtomicAndCleansUpAfterKilledRuns() throws {
        let leftover = folder + "/atomic/.f.edpctl-\(try deadProcessID())-1"
        try plant(leftover, Array("half".utf8))
        _ = try run("file.Write", .string("atomic/f"), .string("whole"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/atomic") == ["f"])
        #expect(try String(contentsOfFile: folder + "/atomic/f", encoding: .utf8) == "whole")
    }
}

private extension Value {
    var isEmptyString: Bool {
        if case .string(let text) = self { return text.isEmpty }
        return false
    }
}
