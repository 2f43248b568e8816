import CLibgit2

/// The linked libgit2's version, e.g. `1.5.1`.
public var libgit2Version: String {
    var major: Int32 = 0
    var minor: Int32 = 0
    var revision: Int32 = 0
    git_libgit2_version(&major, &minor, &revision)
    return "\(major).\(minor).\(revision)"
}
