import Foundation
import Testing
import TestSupport
@testable import Gomplate

/// The tree every case runs on: files at several depths, names with spaces (leading and
/// trailing), dots, brackets, `#`, `!`, `*` and a two-byte letter; a file and folders all named
/// `sub`.
private let treeFiles = [
    "a.txt", "a.log", "b.md", "x.txt", "[x].txt", "x y.txt", " lead.txt", "trail", "trail ", ".hidden", ".env.local",
    "#hash.txt", "!bang.txt", "*star.txt", "café.txt", "7up.txt", "README", "top.yaml",
    "sub/a.txt", "sub/b.md", "sub/.dot", "sub/deep/a.txt", "sub/deep/c.log", "sub/deep/deeper/a.txt", "sub/deep/deeper/z.yaml",
    "other/sub/a.txt", "other/sub/keep.md", "other/x.yaml", "other/[x].txt",
    "docs/a.md", "docs/sub", "docs/guide/b.md", "docs/guide/img/pic.png", "docs/guide/img/pic.md",
    "build/out.o", "build/keep/me.txt", "build/logs/x.log",
    "dir with space/file one.txt", "dir.d/conf.yaml", "a/b.txt", "a/b/c/d.txt", "a/x/b/y.txt", "a/x/y.txt",
    "foo/bar/baz/q.txt", "foo/q.txt", "abc/def.txt",
]

/// One set of rules: the ignore files by folder ("" for the input directory), and `--exclude`s.
struct IgnoreCase: CustomTestStringConvertible, Sendable {
    let files: [String: String]
    let excludes: [String]
    var testDescription: String {
        (files.sorted { $0.key < $1.key }.map { "\($0.key.isEmpty ? "." : $0.key): \($0.value.debugDescription)" }
            + excludes.map { "--exclude \($0.debugDescription)" }).joined(separator: "; ")
    }

    init(_ root: String, nested: [String: String] = [:], excludes: [String] = []) {
        files = root.isEmpty ? nested : nested.merging(["": root]) { a, _ in a }
        self.excludes = excludes
    }
}

/// A table covering each rule of gitignore(5).
private let ignoreFileCases: [IgnoreCase] = [
    // A trailing `/` matches folders only; without it, files and folders.
    IgnoreCase("sub/"), IgnoreCase("sub"), IgnoreCase("sub/*"), IgnoreCase("/sub/"), IgnoreCase("*/"), IgnoreCase("docs/sub/"),
    IgnoreCase("a/b"), IgnoreCase("a/b/"), IgnoreCase("/"),
    // A leading or middle `/` anchors to the ignore file's folder; none: the name at any depth.
    IgnoreCase("/a.txt"), IgnoreCase("a.txt"), IgnoreCase("sub/a.txt"), IgnoreCase("deep/a.txt"), IgnoreCase("/*"),
    IgnoreCase("other/[x].txt"), IgnoreCase("Sub/"),
    // Wildcards: `*`, `?`, `[…]`, none crossing `/`; bytes, not letters.
    IgnoreCase("*.log"), IgnoreCase("*.txt"), IgnoreCase("?.txt"), IgnoreCase("caf?.txt"), IgnoreCase("caf??.txt"),
    IgnoreCase("[ab].txt"), IgnoreCase("[!a].txt"), IgnoreCase("[^a-c].*"), IgnoreCase("[x].txt"), IgnoreCase("\\[x\\].txt"),
    IgnoreCase("[[:digit:]]*"), IgnoreCase("[[:space:]]*"), IgnoreCase("[]x]*"), IgnoreCase("[a-"), IgnoreCase("a/*/y.txt"),
    IgnoreCase("a*/b*"), IgnoreCase("*/*/*.txt"),
    // `**`: leading, trailing, middle; as a part of a name it is `*`.
    IgnoreCase("**/a.txt"), IgnoreCase("**/deep"), IgnoreCase("sub/**"), IgnoreCase("sub/**/a.txt"), IgnoreCase("a/**/y.txt"),
    IgnoreCase("**"), IgnoreCase("**/"), IgnoreCase("a/**/"), IgnoreCase("fo**/q.txt"), IgnoreCase("a**.txt"),
    IgnoreCase("**/b/**"),
    // `!` re-includes, but nothing below a folder left out.
    IgnoreCase("*.log\n!sub/deep/c.log"), IgnoreCase("sub/\n!sub/a.txt"), IgnoreCase("sub/*\n!sub/deep/"),
    IgnoreCase("sub/deep/\n!sub/deep/deeper/"), IgnoreCase("*\n!*/\n!*.md"), IgnoreCase("*.txt\n!a.txt"),
    IgnoreCase("!*.md"), IgnoreCase("!a.txt\na.txt"), IgnoreCase(".*\n!.env.local"), IgnoreCase("docs/guide/img/\n!docs/guide/img/pic.png"),
    // Comments, blank lines, escapes, trailing spaces, CRLF, a byte order mark.
    IgnoreCase("#hash.txt"), IgnoreCase("\\#hash.txt"), IgnoreCase("!bang.txt"), IgnoreCase("\\!bang.txt"),
    IgnoreCase("\\*star.txt"), IgnoreCase("trail   "), IgnoreCase("trail\\ "), IgnoreCase("trail\\  "), IgnoreCase(" lead.txt"),
    IgnoreCase("x y.txt"), IgnoreCase("dir with space/"), IgnoreCase("d\\ir with space/file one.txt"),
    IgnoreCase("\n# a comment\n\n*.md\n   \n"), IgnoreCase("*.log\r\nsub/\r\n"), IgnoreCase("\u{FEFF}*.md\n"),
    IgnoreCase("a.txt\\"), IgnoreCase("dir.d"), IgnoreCase("*.d/"),
    // Nested ignore files: relative to their folder, deeper ones winning; none read in a folder left out.
    IgnoreCase("*.md", nested: ["docs": "!*.md", "docs/guide": "b.md"]),
    IgnoreCase("", nested: ["sub": "/a.txt\ndeep/a.txt"]),
    IgnoreCase("build/", nested: ["build": "!out.o\n!keep/"]),
    IgnoreCase("build/*", nested: ["build": "!out.o"]),
    IgnoreCase("*.yaml", nested: ["sub/deep": "!*.yaml", "other": "x.yaml"]),
    IgnoreCase("sub/deep/", nested: ["sub": "!deep/"]),
    IgnoreCase("", nested: ["sub": "deep\n", "sub/deep": "!deeper\n"]),
    IgnoreCase("", nested: ["other": "sub/\n!sub/keep.md", "other/sub": "!a.txt"]),
    IgnoreCase("", nested: ["a": "**/y.txt\n/b/", "a/x": "!y.txt"]),
]

/// `--exclude` cases: applied first, relative to the input directory, as git's command-line patterns.
private let excludeCases: [IgnoreCase] = [
    IgnoreCase("", excludes: ["sub/"]),
    IgnoreCase("", excludes: ["*.md", "!docs/a.md"]),
    IgnoreCase("docs/", excludes: ["!docs/a.md"]),
    IgnoreCase("sub/*", excludes: ["!sub/a.txt"]),
    IgnoreCase("!*.log", excludes: ["*.log"]),
    IgnoreCase("*.log", nested: ["sub": "!*.log"], excludes: ["sub/deep/c.log"]),
    IgnoreCase("", excludes: ["*", "!*/", "!*.md"]),
    IgnoreCase("", nested: ["sub": "*.txt"], excludes: ["!a.txt"]),
    IgnoreCase("", excludes: ["/a.txt", "deep/", "other/**"]),
]

private func plantTree(_ root: String, _ rules: IgnoreCase) throws {
    for path in treeFiles { try plant(root + "/" + path, Array("x".utf8)) }
    for (folder, text) in rules.files {
        let prefix = folder.isEmpty ? root + "/" : root + "/" + folder + "/"
        try plant(prefix + ".gitignore", Array(text.utf8))
        try plant(prefix + IgnoreRules.fileName, Array(text.utf8))
    }
}

/// Runs git with no configuration but its own, the repository kept outside the tree (so that the
/// tree holds nothing but the case); `input` on its standard input. Returns
/// the NUL-separated fields of its output. `git check-ignore` exits 1 when it ignores nothing.
private func gitInTree(_ root: String, _ meta: String, _ arguments: [String], input: [String] = []) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "--git-dir=\(meta)/repo.git", "--work-tree=\(root)"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: root)
    process.environment = ["HOME": meta, "XDG_CONFIG_HOME": meta, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
                           "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
    let (stdin, stdout) = (Pipe(), Pipe())
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    // Small enough for the pipe's buffer: written whole before the output is read.
    stdin.fileHandleForWriting.write(Data(input.map { $0 + "\0" }.joined().utf8))
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 || process.terminationStatus == 1 && arguments.first == "check-ignore" else {
        throw SupportError("git \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return String(decoding: output, as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
}

private func initRepository(_ meta: String, _ root: String) throws {
    _ = try gitInTree(root, meta, ["init", "--quiet"])
}

/// Every file and folder of the tree but the ignore files themselves, as the listing has them.
private func edpctlVerdicts(_ root: String, excludes: [String]) throws -> (paths: [String], ignored: Set<PathKey>, directories: Set<PathKey>) {
    let listing = try TreeListing(root: root) { path, _ in SupportError("refused \(path)") }
    let ignored = IgnoreRules.ignoredPaths(paths: listing.paths, directories: listing.directories,
                                           ignoreFiles: listing.ignoreFiles, excludes: excludes)
    let paths = listing.paths.filter { path in
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name != ".gitignore" && name != IgnoreRules.fileName
    }
    return (paths.sorted(), ignored, listing.directories)
}

private let gitInstalled = (try? runProgram("/usr/bin/env", ["git", "--version"])) != nil

@Suite("Ignore rules against git", .enabled(if: gitInstalled, "git is not installed (make test installs it)"))
struct IgnoreRulesGitTests {
    /// Every file and folder gets the verdict `git check-ignore` gives it with the same patterns
    /// written as `.gitignore`.
    @Test(arguments: ignoreFileCases)
    func sameVerdictAsGitCheckIgnore(_ rules: IgnoreCase) throws {
        let folder = try TemporaryFolder("ignore-git")
        let root = folder.child("tree")
        try plantTree(root, rules)
        try initRepository(folder.path, root)
        let (paths, ignored, _) = try edpctlVerdicts(root, excludes: [])
        // -v -n: one record for every path, matched or not, with the deciding pattern.
        let fields = try gitInTree(root, folder.path, ["check-ignore", "--no-index", "-v", "-n", "-z", "--stdin"], input: paths)
        try #require(fields.count >= 4 * paths.count, "git check-ignore: \(fields)")
        var mismatches: [String] = []
        for index in paths.indices {
            let (pattern, path) = (fields[4 * index + 2], fields[4 * index + 3])
            try #require(path == paths[index])
            let gitIgnores = !pattern.isEmpty && !pattern.hasPrefix("!")
            if gitIgnores != ignored.contains(PathKey(path)) {
                mismatches.append("\(path): git \(gitIgnores ? "ignores" : "keeps") it (\(pattern.isEmpty ? "no pattern" : pattern)), "
                    + "edpctl \(gitIgnores ? "keeps" : "ignores") it")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(paths.count > treeFiles.count, "the folders are compared too")
    }

    /// `--exclude` is git's command-line exclude: `git ls-files --others --ignored --exclude=…
    /// --exclude-per-directory=.gitignore` lists the same files.
    @Test(arguments: excludeCases + Array(ignoreFileCases.prefix(12)))
    func sameFilesAsGitLsFilesWithExcludes(_ rules: IgnoreCase) throws {
        let folder = try TemporaryFolder("ignore-git")
        let root = folder.child("tree")
        try plantTree(root, rules)
        try initRepository(folder.path, root)
        let (paths, ignored, directories) = try edpctlVerdicts(root, excludes: rules.excludes)
        let listed = try gitInTree(root, folder.path, ["ls-files", "--others", "--ignored", "-z", "--exclude-per-directory=.gitignore"]
                                   + rules.excludes.map { "--exclude=\($0)" })
        let gitIgnored = Set(listed.filter { !$0.isEmpty && !$0.hasSuffix(".gitignore") && !$0.hasSuffix(IgnoreRules.fileName) })
        let edpctlIgnored = Set(paths.filter { !directories.contains(PathKey($0)) && ignored.contains(PathKey($0)) })
        #expect(edpctlIgnored.subtracting(gitIgnored).sorted() == [], "edpctl ignores, git keeps")
        #expect(gitIgnored.subtracting(edpctlIgnored).sorted() == [], "git ignores, edpctl keeps")
    }
}
