import Foundation

/// A test fixture that could not be set up (a server that did not start, a tool that failed).
public struct SupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a program with no shell between, and returns its standard output; throws with its
/// standard error when it fails. `environment` nil: this process's.
@discardableResult
public func runProgram(_ executable: String, _ arguments: [String], in directory: String? = nil,
                       environment: [String: String]? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment { process.environment = environment }
    let output = Pipe()
    // A file, not a second pipe: reading one pipe to its end while the program fills the other would hang.
    let errors = try TemporaryFolder("run-stderr")
    defer { withExtendedLifetime(errors) {} }
    let errorsPath = errors.child("stderr")
    guard FileManager.default.createFile(atPath: errorsPath, contents: nil) else {
        throw SupportError("cannot create \(errorsPath)")
    }
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let stderr = FileManager.default.contents(atPath: errorsPath) ?? Data()
        throw SupportError("\(([executable] + arguments).joined(separator: " ")) exited \(process.terminationStatus): "
            + String(decoding: stderr, as: UTF8.self))
    }
    return String(decoding: stdout, as: UTF8.self)
}

@discardableResult
public func runProgram(_ executable: String, _ arguments: String...) throws -> String {
    try runProgram(executable, arguments)
}

/// Runs the git CLI in `directory`, isolated from the machine's and user's configuration, and
/// returns its standard output without the surrounding whitespace.
@discardableResult
public func git(_ arguments: String..., in directory: String) throws -> String {
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
    environment["GIT_TERMINAL_PROMPT"] = "0"
    for role in ["AUTHOR", "COMMITTER"] {
        environment["GIT_\(role)_NAME"] = "Seed"
        environment["GIT_\(role)_EMAIL"] = "seed@example.com"
    }
    return try runProgram("/usr/bin/env", ["git"] + arguments, in: directory, environment: environment)
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The pid of a process that has exited and been reaped: the pid of a killed run, as its
/// temporary files record it. (A pid is reused only after the kernel has cycled through the rest.)
public func deadProcessID() throws -> pid_t {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

/// Starts flock(1) holding the lock on `path` for `seconds`, as a concurrent edpctl would, and
/// returns once it has taken it (its lock file exists, and a moment has passed). Wait for the
/// returned process before the test ends.
public func holdLock(on path: String, seconds: Int) throws -> Process {
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
    holder.arguments = [path, "sleep", String(seconds)]
    try holder.run()
    while !FileManager.default.fileExists(atPath: path) { usleep(10_000) }
    usleep(200_000)
    return holder
}
