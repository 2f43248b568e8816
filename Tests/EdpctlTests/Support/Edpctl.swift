import Foundation
import TestSupport

/// Runs the built `edpctl` binary, as a user would.
enum Edpctl {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `edpctl` SwiftPM built beside this test bundle. SwiftPM puts products and the test
    /// bundle in the same folder of whatever scratch path is in use (on macOS the bundle is a
    /// directory, so its parents are searched too). `EDPCTL_BINARY` overrides the search.
    static let binary: URL? = {
        if let override = ProcessInfo.processInfo.environment["EDPCTL_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable) }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]))
        for start in candidates {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                let binary = directory.appendingPathComponent("edpctl")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }()

    /// Starts `edpctl arguments…` in `directory` (only `environment` and PATH set, output
    /// discarded) and returns once `file` there holds a whole line, which the test's program
    /// writes when it runs: the process, and that line.
    static func start(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                      waitingFor file: String) throws -> (Process, String) {
        guard let binary else { throw RunError("edpctl was not found beside the test bundle") }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while true {
            if let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8), text.hasSuffix("\n") {
                return (process, text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            guard Date() < deadline else {
                process.terminate()
                throw RunError("\(file) was not written within 20 s")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Whether process `pid` has ended (or is a zombie waiting for its parent), after at most 5 s.
    static func ends(_ pid: pid_t) -> Bool {
        for _ in 0..<100 {
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
                .split(separator: ")").last?.split(separator: " ").first
            if state == nil || state == "Z" { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Runs `edpctl arguments…` in `directory`, with only `environment` (plus PATH) set and
    /// `stdin` as standard input.
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                    stdin: String = "") throws -> Result {
        guard let binary else {
            throw RunError("edpctl was not found beside the test bundle; build it first (swift build) or set EDPCTL_BINARY")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var fullEnvironment = environment
        fullEnvironment["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = fullEnvironment
        let input = Pipe()
        let output = Pipe()
        let error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let errorData = ReadAll(error.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outputData, as: UTF8.self),
                      stderr: String(decoding: errorData.wait(), as: UTF8.self))
    }

    struct RunError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Reads a file handle to its end on another thread.
private final class ReadAll: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

/// A temporary working directory with files in it, removed at the end.
final class Scratch {
    private let folder: TemporaryFolder
    var path: String { folder.path }

    init(_ files: [String: String] = [:]) throws {
        folder = try TemporaryFolder("edpctl-e2e")
        for (relative, text) in files { try write(relative, text) }
    }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
        let full = folder.child(relative)
        try plant(full, Array(text.utf8))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
    }

    func read(_ relative: String) throws -> String {
        try TestSupport.read(folder.child(relative))
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + relative) }

    func run(_ arguments: String..., environment: [String: String] = [:], stdin: String = "") throws -> Edpctl.Result {
        try Edpctl.run(arguments, in: path, environment: environment, stdin: stdin)
    }

    /// Runs `script` with /bin/sh in this folder, the built binary as `$EDPCTL` and HOME a folder in
    /// here; what it prints goes to stdout.log and stderr.log here and is read back. A shell, not
    /// Process arguments, for names and bytes that are not UTF-8 (Swift Strings can't hold them).
    func shell(_ script: String) throws -> Edpctl.Result {
        guard let binary = Edpctl.binary else { throw Edpctl.RunError("edpctl was not found beside the test bundle") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec >stdout.log 2>stderr.log\n" + script]
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(atPath: folder.child("home"), withIntermediateDirectories: true)
        process.environment = ["EDPCTL": binary.path, "HOME": folder.child("home"),
                               "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        try process.run()
        process.waitUntilExit()
        return Edpctl.Result(status: process.terminationStatus, stdout: (try? read("stdout.log")) ?? "",
                             stderr: (try? read("stderr.log")) ?? "")
    }
}
