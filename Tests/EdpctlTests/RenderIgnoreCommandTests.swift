import Foundation
import Testing
import TestSupport

private let gitInstalled = (try? runProgram("/usr/bin/env", ["git", "--version"])) != nil

/// A tree of templates with `.gomplateignore` files, and a `git init`ed copy of it with the same
/// patterns as `.gitignore`.
private struct IgnoreTree {
    static let files = ["a.txt", "b.md", "x y.txt", "[x].txt", ".env", "sub/a.txt", "sub/b.md", "sub/deep/c.log",
                        "sub/deep/keep.txt", "docs/sub", "docs/a.md", "docs/guide/b.md", "other/sub/a.txt", "build/out.o",
                        "build/keep/me.txt", "dir.d/conf.yaml"]
    let scratch: Scratch

    init(ignoreFiles: [String: String]) throws {
        scratch = try Scratch()
        for path in Self.files {
            try scratch.write("in/" + path, "<<< print \"rendered\" >>> " + path + "\n")
            try scratch.write("git/" + path, "")
        }
        for (folder, text) in ignoreFiles {
            try scratch.write("in/" + (folder.isEmpty ? "" : folder + "/") + ".gomplateignore", text)
            try scratch.write("git/" + (folder.isEmpty ? "" : folder + "/") + ".gitignore", text)
        }
        try git("init", "--quiet", in: scratch.path + "/git")
    }

    /// The templates git keeps with these patterns and `excludes` as its command-line excludes.
    func keptByGit(excludes: [String]) throws -> [String] {
        let arguments = ["ls-files", "--others", "--ignored", "-z", "--exclude-per-directory=.gitignore"]
            + excludes.map { "--exclude=" + $0 }
        let ignored = try runProgram("/usr/bin/env", ["git"] + arguments, in: scratch.path + "/git",
                                     environment: ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
                                                   "HOME": scratch.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
            .split(separator: "\0").map(String.init)
        return Self.files.filter { !ignored.contains($0) }.sorted()
    }

    /// What `edpctl render` wrote, without the ignore files (rendered too, as gomplate does).
    func rendered() -> [String] {
        filePaths(below: scratch.path + "/out").filter { !$0.hasSuffix(".gomplateignore") }
    }
}

@Suite("edpctl render: ignore rules, end to end", .enabled(if: gitInstalled, "git is not installed (make test installs it)"))
struct RenderIgnoreCommandTests {
    @Test(arguments: [
        ([:], ["sub/"]),
        (["": "sub/\n"], []),
        (["": "*.md\n!docs/**\n", "docs": "guide/\n"], ["!docs/guide/b.md"]),
        (["": "build/\n", "build": "!out.o\n"], ["*.log"]),
        (["": "*\n!*/\n!*.txt\n", "sub": "!*.md\n"], []),
        (["sub": "/a.txt\ndeep/*\n!deep/keep.txt\n"], ["[[]x].txt", ".*"]),
    ] as [([String: String], [String])])
    func rendersWhatGitWouldKeep(ignoreFiles: [String: String], excludes: [String]) throws {
        let tree = try IgnoreTree(ignoreFiles: ignoreFiles)
        let result = try tree.scratch.run(["render", "--input-dir", "in", "--output-dir", "out"] + excludes.flatMap { ["--exclude", $0] })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(tree.rendered() == (try tree.keptByGit(excludes: excludes)))
        for path in tree.rendered() {
            #expect(try tree.scratch.read("out/" + path) == "rendered \(path)\n")
        }
    }

    /// The report of issue 14: `sub/` left out nothing.
    @Test func aTrailingSlashLeavesOutTheFolders() throws {
        let tree = try IgnoreTree(ignoreFiles: [:])
        let result = try tree.scratch.run(["render", "--input-dir", "in", "--output-dir", "out", "--exclude", "sub/"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(tree.rendered() == [".env", "[x].txt", "a.txt", "b.md", "build/keep/me.txt", "build/out.o", "dir.d/conf.yaml",
                                    "docs/a.md", "docs/guide/b.md", "docs/sub", "x y.txt"])
    }
}

private extension Scratch {
    func run(_ arguments: [String]) throws -> Edpctl.Result { try Edpctl.run(arguments, in: path) }
}
