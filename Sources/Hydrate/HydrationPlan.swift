import Template
import Gomplate
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What planning decided for one produced file.
public enum FileChange: String, Sendable, Encodable {
    case create, update, unchanged
}

/// A file the hydration produces, rendered and checked.
public struct PlannedFile: Sendable {
    /// Below the instance folder, which is also the template's path below the templates directory.
    public let path: String
    public let bytes: [UInt8]
    /// The template's permission bits.
    public let mode: mode_t
    public let change: FileChange
    /// What is there now, for the diff; nil for a new file.
    let previous: [UInt8]?
}

/// A file, link or other non-folder entry of the instance folder that the hydration no longer
/// produces.
public struct PlannedRemoval: Sendable {
    /// Below the instance folder, as shown: a byte that is not UTF-8 as `\xff`.
    public var path: String { FileName.display(location) }
    /// Below the instance folder, in `FileName`'s spelling: the name removed, byte for byte.
    let location: String
    /// What is there now, for the diff (a link's target, as git shows links).
    let previous: [UInt8]?
}

/// A hydration rendered and checked in memory: what `apply` would write and remove. Planning never
/// writes, so `--check` and `--diff` are a plan and nothing else.
public struct HydrationPlan: Sendable {
    public let request: HydrationRequest
    /// `<instances>/<provider>/<domain>`.
    public let instanceDirectory: String
    /// Every produced file, by path.
    public let files: [PlannedFile]
    public let removals: [PlannedRemoval]
    /// Folders left with nothing the hydration produces, deepest first, below the instance folder
    /// (as shown: a byte that is not UTF-8 as `\xff`).
    public var removedDirectories: [String] { removedDirectoryLocations.map(FileName.display) }
    /// `removedDirectories` in `FileName`'s spelling: the names removed, byte for byte.
    let removedDirectoryLocations: [String]
    /// Files whose template opted out of the credential checks, for the record.
    public let filesAllowingSecrets: [String]
    /// Temporary files killed runs left in the instance folder, by relative path: `apply` removes
    /// them, and they are neither content nor a change.
    let leftoverTemporaryFiles: [String]

    public var hasChanges: Bool {
        !removals.isEmpty || !removedDirectoryLocations.isEmpty || files.contains { $0.change != .unchanged }
    }

    /// What `apply` reports when it writes this plan.
    public var preview: HydrationReport {
        let prefix = request.instancePath + "/"
        let paths = { (change: FileChange) in files.filter { $0.change == change }.map { prefix + $0.path } }
        return HydrationReport(
            instancePath: request.instancePath, created: paths(.create), modified: paths(.update),
            unchanged: paths(.unchanged), removed: removals.map { prefix + $0.path },
            removedDirectories: removedDirectories.map { prefix + $0 },
            filesAllowingSecrets: filesAllowingSecrets.map { prefix + $0 })
    }

    /// Every change as one git-style unified diff, paths relative to the instances directory
    /// (`a/otc/example.org/stacks/core/argocd.yaml`); empty when nothing changes.
    ///
    /// A diff goes to CI logs, so no credential shows in it. A file whose template allows secrets
    /// (`edpctl:allow-secrets`) is named without its lines: `Files a/… and b/… differ (its template
    /// allows secrets: lines not shown)`, since its old lines may hold values no variable names
    /// any more. In every other file, a line holding a credential variable's value (or its base64)
    /// is replaced by `[line not shown: it holds the value of NAME]`, as old files may predate the
    /// guard. Either way the diff is no longer one that `git apply` takes.
    public func unifiedDiff() -> String {
        var changes: [(path: String, old: [UInt8]?, new: [UInt8]?)] = []
        for file in files where file.change != .unchanged {
            changes.append((file.path, file.previous, file.bytes))
        }
        for removal in removals {
            changes.append((removal.path, removal.previous ?? [], nil))
        }
        let credentials = CredentialVariables(environment: request.environment)
        let allowingSecrets = Set(filesAllowingSecrets.map(PathKey.init))
        return changes.sorted { goStringLess($0.path, $1.path) }.map { change in
            let path = request.instancePath + "/" + change.path
            if allowingSecrets.contains(PathKey(change.path)) {
                let oldName = change.old == nil ? "/dev/null" : "a/" + path
                let newName = change.new == nil ? "/dev/null" : "b/" + path
                return "Files \(oldName) and \(newName) differ (its template allows secrets: lines not shown)\n"
            }
            return Hydrate.unifiedDiff(path: path, old: change.old, new: change.new) { line in
                credentials.credential(in: line).map { "[line not shown: it holds the value of \($0.name)]" }
            }
        }.joined()
    }
}

/// What a hydration did (or, as a plan's `preview`, would do). Paths are relative to the instances
/// directory, as git names them there.
public struct HydrationReport: Sendable, Equatable, Encodable {
    /// `otc/test-me.t09.de`.
    public let instancePath: String
    /// Files that did not exist before.
    public let created: [String]
    /// Files that existed with other bytes (or as a link or other entry, which the file replaces).
    public let modified: [String]
    /// Files that already held the rendered bytes: not touched at all.
    public let unchanged: [String]
    /// Files no longer produced (unselected stacks, templates gone).
    public let removed: [String]
    /// Folders emptied by the removals.
    public let removedDirectories: [String]
    /// Produced files whose template opted out of the credential checks (`edpctl:allow-secrets`),
    /// whatever their change: a reviewer's list of where credentials may be.
    public let filesAllowingSecrets: [String]

    /// Created or modified files, by path.
    public var written: [String] { (created + modified).sorted(by: goStringLess) }

    public var hasChanges: Bool {
        !created.isEmpty || !modified.isEmpty || !removed.isEmpty || !removedDirectories.isEmpty
    }

    /// `otc/example.org: 3 written, 20 unchanged, 2 removed`.
    public var summary: String {
        "\(instancePath): \(written.count) written, \(unchanged.count) unchanged, \(removed.count) removed"
    }

    /// What a dry run would do, never worded as done: `otc/example.org: 3 to write, 20 unchanged, 2 to remove`.
    public var planSummary: String {
        "\(instancePath): \(written.count) to write, \(unchanged.count) unchanged, \(removed.count) to remove"
    }
}
