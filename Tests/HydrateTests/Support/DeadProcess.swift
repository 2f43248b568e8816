import Foundation

/// The pid of a process that has exited and been reaped: the pid of a killed run, as its
/// temporary files record it. (A pid is reused only after the kernel has cycled through the rest.)
func deadProcessID() throws -> pid_t {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

/// Writes `bytes` to `path`, creating its folder: a stand-in for what a run left behind.
func plant(_ path: String, _ bytes: [UInt8] = []) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
