import Hydrate

/// `edpctl hydrate --output json`: one document per run, whatever its end, on one line of standard
/// output. Its schema is docs/schemas/hydrate-output.schema.json; a change to its shape that a
/// reader of version 1 would misread is a new `schemaVersion`.
struct HydrateDocument: Encodable {
    static let schemaVersion = 1

    /// How the run ended; `exitCode` says the same as a number.
    enum Status: String, Encodable {
        /// Exit 0: done, or with `--check`/`--diff`, planned.
        case succeeded
        /// Exit 2: `--check` found that the instance folders differ from what would be written.
        case drifted
        /// Exit 1.
        case failed
        /// Exit 64: flags that go against each other, refused before anything ran.
        case usageError
    }

    /// What the flags asked for: `check` and `diff` are the dry runs.
    enum Mode: String, Encodable {
        case write, check, diff, commit, push

        var isDryRun: Bool { self == .check || self == .diff }
    }

    /// One domain's instance folder.
    struct Domain: Encodable {
        let instancePath: String
        let changed: Bool
        let files: Files
        let directories: Directories
        let filesAllowingSecrets: [String]
        /// With `--diff` only.
        let diff: String?
    }

    /// Files by action: `created`, `modified`, `removed`; in a dry run `wouldCreate`, `wouldModify`,
    /// `wouldRemove`, so that a plan never reads as done. `unchanged` either way.
    struct Files: Encodable {
        let report: HydrationReport
        let dryRun: Bool

        private enum Key: String, CodingKey {
            case created, modified, removed, unchanged, wouldCreate, wouldModify, wouldRemove
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(report.created, forKey: dryRun ? .wouldCreate : .created)
            try container.encode(report.modified, forKey: dryRun ? .wouldModify : .modified)
            try container.encode(report.removed, forKey: dryRun ? .wouldRemove : .removed)
            try container.encode(report.unchanged, forKey: .unchanged)
        }
    }

    /// Folders the removals emptied (`removed`), or would (`wouldRemove`).
    struct Directories: Encodable {
        let report: HydrationReport
        let dryRun: Bool

        private enum Key: String, CodingKey { case removed, wouldRemove }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(report.removedDirectories, forKey: dryRun ? .wouldRemove : .removed)
        }
    }

    /// What `--commit` (and `--push`) did.
    struct Git: Encodable {
        /// The commit's id; nil when nothing changed.
        let commit: String?
        let pushed: Bool
        /// How many times the folders were hydrated: 1, plus one per push lost to a concurrent one.
        let attempts: Int

        private enum Key: String, CodingKey { case commit, pushed, attempts }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(commit, forKey: .commit)
            try container.encode(pushed, forKey: .pushed)
            try container.encode(attempts, forKey: .attempts)
        }
    }

    /// Why the run failed: the message as on standard error, and the rendered files' problems.
    struct Failure: Encodable {
        let message: String
        let diagnostics: [HydrationDiagnostic]
    }

    let status: Status
    let mode: Mode
    let domains: [Domain]
    let git: Git?
    let notices: [String]
    let warnings: [String]
    let error: Failure?

    var exitCode: Int32 {
        switch status {
        case .succeeded: 0
        case .drifted: 2
        case .failed: 1
        case .usageError: 64
        }
    }

    /// A run that got to the end: its domains, and the commit when one was asked for. `drifted`:
    /// `--check` found changes.
    init(_ outcome: HydrationJob.Outcome, mode: Mode, drifted: Bool, log: EventLog) {
        status = drifted ? .drifted : .succeeded
        self.mode = mode
        domains = outcome.reports.enumerated().map { index, report in
            Domain(instancePath: report.instancePath, changed: report.hasChanges,
                   files: Files(report: report, dryRun: mode.isDryRun),
                   directories: Directories(report: report, dryRun: mode.isDryRun),
                   filesAllowingSecrets: report.filesAllowingSecrets,
                   diff: outcome.diffs.isEmpty ? nil : outcome.diffs[index])
        }
        git = mode == .commit || mode == .push
            ? Git(commit: outcome.commit?.id, pushed: outcome.pushed, attempts: outcome.attempts) : nil
        notices = log.messages("notice")
        warnings = log.messages("warning")
        error = nil
    }

    /// A run that failed (`.failed`) or was refused (`.usageError`): no domain is reported, since a
    /// failed run wrote nothing or stopped part-way, as `error.message` says.
    init(_ status: Status, mode: Mode, error: Failure, log: EventLog?) {
        self.status = status
        self.mode = mode
        domains = []
        git = nil
        notices = log?.messages("notice") ?? []
        warnings = log?.messages("warning") ?? []
        self.error = error
    }

    private enum Key: String, CodingKey {
        case schemaVersion, status, exitCode, mode, dryRun, changed, domains, git, notices, warnings, error
    }

    /// Every key always there, `git` and `error` as null when they do not apply, so that a reader
    /// can tell a missing field from a renamed one.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(Self.schemaVersion, forKey: .schemaVersion)
        try container.encode(status, forKey: .status)
        try container.encode(exitCode, forKey: .exitCode)
        try container.encode(mode, forKey: .mode)
        try container.encode(mode.isDryRun, forKey: .dryRun)
        try container.encode(domains.contains(where: \.changed), forKey: .changed)
        try container.encode(domains, forKey: .domains)
        try container.encode(git, forKey: .git)
        try container.encode(notices, forKey: .notices)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(error, forKey: .error)
    }
}
