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

/// A bare repository `served/<name>.git` in `folder` with one commit on `main` (README.md,
/// instances/a/app.yaml and instances/b/app.yaml), made with the git CLI from `seed-<name>`, which
/// stays for later commits.
func makeBareRepository(named name: String, in folder: TemporaryFolder) throws -> String {
    let files = ["README.md": "# platform\n", "instances/a/app.yaml": "name: a\n", "instances/b/app.yaml": "name: b\n"]
    return try TestSupport.makeBareRepository(name, in: folder.child("served"), files: files,
                                              seed: folder.child("seed-\(name)"))
}

/// The commits of `branch` in the bare repository, newest first, as "id summary".
func history(of bare: String, branch: String = "main") throws -> [String] {
    try git("log", "--format=%H %s", branch, in: bare).split(separator: "\n").map(String.init)
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
