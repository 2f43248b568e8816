import Foundation
import Testing
@testable import Git
import TestSupport

/// Writes `text` to `path` below the repository's working tree and returns it as `publish`'s and
/// `commitChanges`' `update` reports a file it wrote.
func place(_ text: String, at path: String, in repository: Repository) throws -> WorkTreeFile {
    try write(text, to: repository.workDirectory + "/" + path)
    return WorkTreeFile(path: path, bytes: Array(text.utf8))
}

func read(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}

/// A bare repository on disk with one commit on `main` (README.md, instances/a/app.yaml and
/// instances/b/app.yaml), made with the git CLI.
func makeBareRepository(named name: String, in folder: TemporaryFolder) throws -> String {
    let bare = folder.child("served/\(name).git")
    let seed = folder.child("seed-\(name)")
    try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: true)
    try git("init", "--quiet", "--bare", "--initial-branch=main", in: bare)
    try FileManager.default.createDirectory(atPath: seed, withIntermediateDirectories: true)
    try git("init", "--quiet", "--initial-branch=main", in: seed)
    try write("# platform\n", to: seed + "/README.md")
    try write("name: a\n", to: seed + "/instances/a/app.yaml")
    try write("name: b\n", to: seed + "/instances/b/app.yaml")
    try git("add", "-A", in: seed)
    try git("commit", "--quiet", "-m", "seed", in: seed)
    try git("push", "--quiet", bare, "main", in: seed)
    return bare
}

/// The commits of `branch` in the bare repository, newest first, as "id summary".
func history(of bare: String, branch: String = "main") throws -> [String] {
    try git("log", "--format=%H %s", branch, in: bare).split(separator: "\n").map(String.init)
}

/// Runs `body` on a thread of its own, so blocking libgit2 calls run truly side by side and
/// never hold one of Swift concurrency's few threads.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Holds each arriving thread until `count` have arrived (or `timeout` passed, so a bug
/// cannot hang the test run).
final class Barrier: @unchecked Sendable {
    private let condition = NSCondition()
    private var waiting: Int

    init(count: Int) {
        waiting = count
    }

    func arriveAndWait(timeout: TimeInterval = 30) {
        condition.lock()
        defer { condition.unlock() }
        waiting -= 1
        if waiting == 0 {
            condition.broadcast()
            return
        }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while waiting > 0 && condition.wait(until: deadline) {}
    }
}
