import Foundation

/// A real `git http-backend` behind HTTP basic auth on 127.0.0.1, run by
/// Tests/Support/git-http-server.py, serving the bare repositories under `<root>/served`.
public final class GitServer {
    public let port: Int
    public let user: String
    public let token: String
    /// What the server printed on stderr (requests, git's messages), for failing tests.
    public let logPath: String
    private let process: Process
    private let input: Pipe

    public init(root: String, user: String = "ci-bot", token: String) throws {
        self.user = user
        self.token = token
        logPath = root + "/server.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", try Self.script(), "--root", root + "/served", "--user", user, "--token", token]
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
            throw SupportError("git-http-server.py did not start: "
                + ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""))
        }
        self.port = port
    }

    deinit {
        // The server exits when its stdin closes.
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The server's log lines about requests so far, such as
    /// `127.0.0.1 "GET /x.git/info/refs?… HTTP/1.1" 401 -` and
    /// `127.0.0.1 body of /x.git/git-receive-pack: 812 bytes, chunked`.
    public func requests() throws -> [String] {
        try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("127.0.0.1 ") }
    }

    /// The URL of a served repository, `http://127.0.0.1:PORT/NAME.git`, with `userinfo` when given.
    public func url(_ name: String, userinfo: String? = nil) -> String {
        "http://\(userinfo.map { $0 + "@" } ?? "")127.0.0.1:\(port)/\(name).git"
    }

    /// Found from this file's place in the package, so tests run from any working directory.
    private static func script(filePath: String = #filePath) throws -> String {
        let script = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("git-http-server.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw SupportError("\(script.path) not found")
        }
        return script.path
    }
}
