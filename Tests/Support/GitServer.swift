import Foundation

/// A real `git http-backend` behind HTTP basic auth on 127.0.0.1, run by
/// Tests/Support/git-http-server.py, serving the bare repositories under `<root>/served`.
public final class GitServer {
    public var port: Int { server.port }
    public let user: String
    public let token: String
    /// What the server printed on stderr (requests, git's messages), for failing tests.
    public let logPath: String
    private let server: PortServer

    public init(root: String, user: String = "ci-bot", token: String) throws {
        self.user = user
        self.token = token
        logPath = root + "/server.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let logPath = self.logPath
        server = try PortServer(["python3", try Self.script(), "--root", root + "/served", "--user", user, "--token", token],
                                standardError: try FileHandle(forWritingTo: URL(fileURLWithPath: logPath)),
                                name: "git-http-server.py") { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
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
