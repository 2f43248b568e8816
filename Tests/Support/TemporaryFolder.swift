import Foundation

/// A temporary folder for one test (made with mkdtemp), removed with everything in it when the
/// value goes away.
public final class TemporaryFolder: @unchecked Sendable {
    public let path: String

    public init(_ prefix: String = "edpctl-tests") throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix).XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw SupportError("mkdtemp failed for \(template)") }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `path/name`.
    public func child(_ name: String) -> String { path + "/" + name }
}

/// Writes `text` to `path`, creating its folder.
public func write(_ text: String, to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// The text of the file at `path`, as UTF-8.
public func read(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}
