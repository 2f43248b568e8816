import Foundation

/// The bytes of the file at `path`, or why it cannot be read in the system's words
/// (`No such file or directory`, `Permission denied`, `Is a directory`).
func readFile(_ path: String) -> Result<[UInt8], ReadFailure> {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return .failure(ReadFailure(errno)) }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count == 0 { return .success(bytes) }
        if count < 0 {
            if errno == EINTR { continue }
            return .failure(ReadFailure(errno))
        }
        bytes += buffer[..<count]
    }
}

struct ReadFailure: Error, CustomStringConvertible {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { String(cString: strerror(code)) }
}
