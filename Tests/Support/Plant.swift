import Foundation

/// Writes `bytes` to `path`, creating its folder: a stand-in for what a run left behind.
public func plant(_ path: String, _ bytes: [UInt8] = []) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
