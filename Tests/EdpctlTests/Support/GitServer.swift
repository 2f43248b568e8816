import Foundation

/// A real `git http-backend` behind HTTP basic auth on 127.0.0.1, run by
/// Tests/Support/git-http-server.py, serving the bare repositories under `served`.
/// (GitTests has its own; a test target can't import another's helpers.)
final class GitServer {
    let port: Int
    let user: String
    let token: String
    /// What the server printed on stderr (requests, git's messages), for failing tests.
    let logPath: String
    private let process: Process
    private let input: Pipe

    init(served: String, logPath: String, user: String = "ci-bot", token: String) throws {
        self.user = user
        self.token = token
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", try Self.script(), "--root", served, "--user", user, "--token", token]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()

        // The server prints its port first; nothing at all means it died.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw Edpctl.RunError("git-http-server.py did not start: "
                + ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""))
        }
        self.port = port
    }

    deinit {
        // The server exits when its stdin closes.
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// `http://127.0.0.1:PORT/NAME.git`, with `userinfo` when given.
    func url(_ name: String, userinfo: String? = nil) -> String {
        "http://\(userinfo.map { $0 + "@" } ?? "")127.0.0.1:\(port)/\(name).git"
    }

    /// Found from this file's place in the package, so tests run from any working directory.
    private static func script(filePath: String = #filePath) throws -> String {
        var folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("Support/git-http-server.py")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            folder.deleteLastPathComponent()
        }
        throw Edpctl.RunError("Tests/Support/git-http-server.py not found above \(filePath)")
    }
}

/// Runs the git CLI in `directory`, isolated from the machine's and user's configuration, and
/// returns its trimmed standard output; throws with its stderr when it fails.
@discardableResult
func git(_ arguments: String..., in directory: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
    environment["GIT_TERMINAL_PROMPT"] = "0"
    for role in ["AUTHOR", "COMMITTER"] {
        environment["GIT_\(role)_NAME"] = "Seed"
        environment["GIT_\(role)_EMAIL"] = "seed@example.com"
    }
    process.environment = environment
    let output = Pipe()
    // A file, not a second pipe: reading one pipe to its end while git fills the other would hang.
    let errorsPath = NSTemporaryDirectory() + "edpctl-git-stderr-" + UUID().uuidString
    guard FileManager.default.createFile(atPath: errorsPath, contents: nil) else {
        throw Edpctl.RunError("cannot create \(errorsPath)")
    }
    defer { try? FileManager.default.removeItem(atPath: errorsPath) }
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let stderr = FileManager.default.contents(atPath: errorsPath) ?? Data()
        throw Edpctl.RunError("git \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
            + String(decoding: stderr, as: UTF8.self))
    }
    return String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A bare repository `<folder>/<name>.git` on `main` with one commit holding README.md.
@discardableResult
func makeBareRepository(_ name: String, in folder: String) throws -> String {
    let bare = folder + "/" + name + ".git"
    let seed = folder + "/seed-" + name
    for path in [bare, seed] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    try git("init", "--quiet", "--bare", "--initial-branch=main", in: bare)
    try git("init", "--quiet", "--initial-branch=main", in: seed)
    try Data("# instances\n".utf8).write(to: URL(fileURLWithPath: seed + "/README.md"))
    try git("add", "-A", in: seed)
    try git("commit", "--quiet", "-m", "seed", in: seed)
    try git("push", "--quiet", bare, "main", in: seed)
    try FileManager.default.removeItem(atPath: seed)
    return bare
}
