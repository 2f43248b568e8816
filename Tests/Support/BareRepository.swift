import Foundation

/// A bare repository `<folder>/<name>.git` on `main` with one commit, "seed", holding `files`
/// (relative path: text), made with the git CLI; returns its path. The commit is made in a
/// repository at `seed`, which stays for later commits to push; without one, in a temporary
/// folder removed on return.
@discardableResult
public func makeBareRepository(_ name: String, in folder: String, files: [String: String],
                               seed: String? = nil) throws -> String {
    guard let seed else {
        let temporary = try TemporaryFolder("seed")
        return try withExtendedLifetime(temporary) {
            try makeBareRepository(name, in: folder, files: files, seed: temporary.child(name))
        }
    }
    let bare = folder + "/" + name + ".git"
    for path in [bare, seed] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    try git("init", "--quiet", "--bare", "--initial-branch=main", in: bare)
    try git("init", "--quiet", "--initial-branch=main", in: seed)
    for (path, text) in files { try plant(seed + "/" + path, Array(text.utf8)) }
    try git("add", "-A", in: seed)
    try git("commit", "--quiet", "-m", "seed", in: seed)
    try git("push", "--quiet", bare, "main", in: seed)
    return bare
}
