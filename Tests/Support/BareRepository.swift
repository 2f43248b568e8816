import Foundation

/// A bare repository `<folder>/<name>.git` on `main` with one commit, "seed", holding `files`
/// (relative path: text; by default an instances repository's README.md), made with the git CLI;
/// returns its path. The commit is made in a repository at `seed`, which stays for later commits
/// to push; without one, in a temporary folder removed on return.
@discardableResult
public func makeBareRepository(_ name: String, in folder: String,
                               files: [String: String] = ["README.md": "# instances\n"], seed: String? = nil) throws -> String {
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

/// Installs `script` as the pre-receive hook of the bare repository at `bare`.
public func installPreReceiveHook(_ script: String, in bare: String) throws {
    let hook = bare + "/hooks/pre-receive"
    try write(script, to: hook)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
}

/// Installs a pre-receive hook in `bare` that holds each push until two have arrived (or about 30
/// seconds passed, so a bug cannot hang the run): two pushes started at once are then both built
/// on the same tip, and one loses. Each push leaves a file in `arrivals`, made here.
public func installPushBarrier(in bare: String, arrivals: String) throws {
    try FileManager.default.createDirectory(atPath: arrivals, withIntermediateDirectories: true)
    try installPreReceiveHook("""
        #!/bin/sh
        cat >/dev/null
        mktemp "\(arrivals)/push.XXXXXX" >/dev/null
        i=0
        while [ "$(ls "\(arrivals)" | wc -l)" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done

        """, in: bare)
}
