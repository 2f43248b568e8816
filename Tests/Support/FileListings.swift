import Foundation

/// The files below `folder` (a link to a file counts as one), relative to it and sorted; the
/// folders at the relative paths in `skipping` are not entered.
public func filePaths(below folder: String, skipping: Set<String> = []) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: folder)
    var files: [String] = []
    while let path = enumerator?.nextObject() as? String {
        if skipping.contains(path) { enumerator?.skipDescendants(); continue }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files.append(path)
        }
    }
    return files.sorted()
}

/// Every entry below `path` (links not followed) with its kind, size and modification time to the
/// nanosecond: equal snapshots, nothing written.
public func snapshot(_ path: String) -> [String: String] {
    var result: [String: String] = [:]
    for entry in FileManager.default.subpaths(atPath: path) ?? [] {
        var status = stat()
        guard lstat(path + "/" + entry, &status) == 0 else { continue }
        result[entry] = "\(status.st_mode) \(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }
    return result
}
