import Crypto
import Foundation

/// The state folder's record of a rebuild, rewritten atomically after every step so a killed run
/// leaves either the previous or the next complete file, never half of one.
package struct Journal: Codable, Sendable, Equatable {
    package enum State: String, Codable, Sendable { case started, finished }

    package struct Entry: Codable, Sendable, Equatable {
        package var state: State
        package var result: StepResult?
        package var startedAt: Date
        package var duration: Double?
        package var error: String?

        package init(state: State, result: StepResult?, startedAt: Date, duration: Double? = nil, error: String? = nil) {
            self.state = state; self.result = result; self.startedAt = startedAt; self.duration = duration; self.error = error
        }
    }

    package static let fileName = "rebuild-journal.json"

    package var version = 1
    /// The platform file's fingerprint: a journal of another platform file is never resumed.
    package var fingerprint: String
    package var steps: [String: Entry] = [:]

    package init(fingerprint: String) { self.fingerprint = fingerprint }

    /// The fingerprint of a platform file: `sha256:` and the hex digest of its bytes, so that any edit,
    /// even one that parses the same, refuses a resume of the old journal.
    package static func fingerprint(of bytes: Data) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// A step counts as done only when its last run finished successfully; started-not-finished is a killed run.
    package func finishedSuccessfully(_ name: String) -> Bool {
        guard let entry = steps[name], entry.state == .finished else { return false }
        return entry.result == .applied || entry.result == .doneBefore
    }

    package static func path(in stateDirectory: String) -> String {
        (stateDirectory as NSString).appendingPathComponent(fileName)
    }

    /// nil when no journal exists yet.
    package static func load(from stateDirectory: String) throws -> Journal? {
        let path = path(in: stateDirectory)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Journal.self, from: data)
        } catch {
            throw RunnerError("\(path): the journal is not valid (\(error.localizedDescription)); "
                + "move it away and run again without --resume (steps already done are detected by their checks)")
        }
    }

    package func save(to stateDirectory: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Read by people too: `chart/argo-cd` as written, so that grep finds it (not `chart\/argo-cd`).
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeAtomically(try encoder.encode(self), to: Journal.path(in: stateDirectory))
    }
}

/// A temporary file in the same folder, flushed to disk, then renamed over the target (and the folder flushed),
/// so readers see the old file or the new one whole.
func writeAtomically(_ data: Data, to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var template = Array((folder + "/.\((path as NSString).lastPathComponent).XXXXXX").utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { throw RunnerError("\(folder): cannot create a temporary file: \(String(cString: strerror(errno)))") }
    let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    var failure: String?
    data.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = "cannot write \(temporary): \(String(cString: strerror(errno)))"
                return
            }
            offset += written
        }
    }
    if failure == nil, fsync(fd) != 0 { failure = "cannot flush \(temporary): \(String(cString: strerror(errno)))" }
    close(fd)
    if failure == nil, rename(temporary, path) != 0 { failure = "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))" }
    if let failure {
        unlink(temporary)
        throw RunnerError(failure)
    }
    let folderFD = open(folder, O_RDONLY)
    if folderFD >= 0 {
        fsync(folderFD)
        close(folderFD)
    }
}
