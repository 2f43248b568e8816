import Foundation
import TestSupport

/// A bare repository `<folder>/<name>.git` on `main` with one commit holding README.md.
@discardableResult
func makeBareRepository(_ name: String, in folder: String) throws -> String {
    let bare = folder + "/" + name + ".git"
    let seed = folder + "/seed-" + name
    for path in [bare, seed] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    try git("init", "--quiet", "--bare", "--initial-branch=main", in: bare)
    try git("init", "--quiet", "--initial-branch=main", in: seed)
    try Data("# instances\n".utf8).write(to: URL(fileURLWithPath: seed + "/README.md"))
    try git("add", "-A", in: seed)
    try git("commit", "--quiet", "-m", "seed", in: seed)
    try git("push", "--quiet", bare, "main", in: seed)
    try FileManager.default.removeItem(atPath: seed)
    return bare
}
