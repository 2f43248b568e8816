import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// File names as bytes, for tests of names that are not UTF-8 or that differ only in their Unicode
// normalisation: Foundation's path APIs take Strings, which can't hold the first and compare the
// second as equal.

/// `directory/name` as bytes.
public func rawPath(_ directory: String, _ name: [UInt8]...) -> [UInt8] {
    name.reduce(Array(directory.utf8)) { $0 + [UInt8(ascii: "/")] + $1 }
}

/// Creates the file at `path` (bytes) holding `bytes`; its directory must exist.
public func plantRaw(_ path: [UInt8], _ bytes: [UInt8] = Array("x".utf8)) throws {
    let path = path + [0]
    let descriptor = path.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    }
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(descriptor) }
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

/// Creates the directory at `path` (bytes).
public func makeRawDirectory(_ path: [UInt8]) throws {
    let path = path + [0]
    let result = path.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { mkdir($0.baseAddress!, 0o755) }
    }
    guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}

/// The names in `directory`, as bytes, sorted.
public func rawNames(_ directory: String) -> [[UInt8]] {
    guard let handle = opendir(directory) else { return [] }
    defer { closedir(handle) }
    var names: [[UInt8]] = []
    while let entry = readdir(handle) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            $0.withMemoryRebound(to: UInt8.self, capacity: Int(NAME_MAX) + 1) { pointer in
                Array(UnsafeBufferPointer(start: pointer, count: strlen(UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))))
            }
        }
        if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
    }
    return names.sorted { $0.lexicographicallyPrecedes($1) }
}

/// `café` with a precomposed é (NFC) and with e and a combining acute accent (NFD).
public let composedCafe = "caf\u{E9}"
public let decomposedCafe = "cafe\u{301}"
