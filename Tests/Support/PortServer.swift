import Foundation

/// A test server program that prints the port it listens on as the first line of its standard
/// output and stops when its standard input closes (the Python servers of the tests).
public final class PortServer {
    public let port: Int
    private let process = Process()
    private let input = Pipe()

    /// `arguments` run through `/usr/bin/env`; `failure` is added to the error when no port came (a log's content).
    public init(_ arguments: [String], directory: String? = nil, standardError: FileHandle? = nil,
                name: String, failure: () -> String = { "" }) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        if let standardError { process.standardError = standardError }
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw SupportError("\(name) did not start" + { $0.isEmpty ? "" : ": " + $0 }(failure()))
        }
        self.port = port
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
