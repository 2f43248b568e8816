import Foundation
import Git
import Gomplate
import Template

/// `edpctl hydrate` as a whole, the EDP's CI hydration job: the requests built from the inputs
/// and checked, the instances repository made ready (a remote's work folder cloned or fetched,
/// once), every request planned, then written, committed and published as asked.
///
/// Everything it says leaves it redacted (`CredentialVariables`): the notices it passes out while
/// it runs, and the message and diagnostics of the `HydrationJob.Failure` it throws for every
/// failure, whatever module it came from.
public struct HydrationJob: Sendable {
    /// Where the instances repository is.
    public enum Instances: Sendable {
        /// A folder of the user's: a clone of the repository when committing.
        case folder(String)
        /// A remote, cloned into a work folder that edpctl keeps and fetched there on later runs;
        /// `workDirectory` nil: `.edpctl/instances/<host-and-path>-<hash>`, a folder per URL.
        case remote(RemoteURL, workDirectory: String?)
    }

    /// How far the job goes.
    public enum Action: Sendable, Equatable {
        /// Plans and writes nothing (`--check`, or `--diff` when `diff`: with each plan's diff).
        case plan(diff: Bool)
        /// Writes the instance folders.
        case write
        /// Writes them and commits their changes in one commit.
        case commit
        /// Writes, commits and pushes; a push lost to a concurrent one is rebuilt on the new tip.
        case push
    }

    public struct Configuration: Sendable {
        public var templatesDirectory: String
        public var instances: Instances
        /// Each wins over PROVIDER, DOMAIN (a comma-separated list) and STACKS among the variables.
        public var provider: String?
        public var domains: String?
        public var stacks: [String]?
        /// `--values` and `--env-file`, under `environment`.
        public var valuesFile: String?
        public var envFile: String?
        public var environment: [String: String]
        public var leftDelimiter: String
        public var rightDelimiter: String
        public var action: Action
        public var branch: String
        public var maxAttempts: Int
        /// Seconds to wait for another run holding the work folder.
        public var lockTimeout: Double
        /// The author's name and email as given (`--author-name`, `--author-email`); what is nil is
        /// looked up as git does (`CommitIdentity.resolve`), in `environment` and git's configuration.
        public var author: PartialSignature
        public var credentials: Credentials?

        public init(templatesDirectory: String, instances: Instances, provider: String? = nil, domains: String? = nil,
                    stacks: [String]? = nil, valuesFile: String? = nil, envFile: String? = nil,
                    environment: [String: String], leftDelimiter: String = "<<<", rightDelimiter: String = ">>>",
                    action: Action, branch: String = "main", maxAttempts: Int = 5, lockTimeout: Double = 300,
                    author: PartialSignature = PartialSignature(), credentials: Credentials? = nil) {
            self.templatesDirectory = templatesDirectory
            self.instances = instances
            self.provider = provider
            self.domains = domains
            self.stacks = stacks
            self.valuesFile = valuesFile
            self.envFile = envFile
            self.environment = environment
            self.leftDelimiter = leftDelimiter
            self.rightDelimiter = rightDelimiter
            self.action = action
            self.branch = branch
            self.maxAttempts = maxAttempts
            self.lockTimeout = lockTimeout
            self.author = author
            self.credentials = credentials
        }

        /// The instances directory as given, or the remote's work folder.
        public var instancesDirectory: String {
            switch instances {
            case .folder(let path): path
            case .remote(let url, let workDirectory): workDirectory ?? ".edpctl/instances/" + url.folderName
            }
        }
    }

    /// What the job did, or with `.plan`, would do.
    public struct Outcome: Sendable {
        /// One per domain, in the order given.
        public let reports: [HydrationReport]
        /// With `.plan(diff: true)`, each domain's unified diff (redacted as `HydrationPlan.unifiedDiff`
        /// says); else empty.
        public let diffs: [String]
        /// The commit made; nil when nothing changed, or nothing was to be committed.
        public let commit: Commit?
        public let pushed: Bool
        /// How many times the folders were hydrated for a commit: 1, plus one per push lost to a
        /// concurrent one; 0 without a commit.
        public let attempts: Int

        public var hasChanges: Bool { reports.contains(where: \.hasChanges) }
    }

    /// Every failure of the job, as it may be shown: no credential of the variables in it.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, with what to do about it where that is known; may span lines.
        public let message: String
        /// The problems of the rendered files, when that is what stopped the job.
        public let diagnostics: [HydrationDiagnostic]

        public var description: String { message }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the job. `notice` hears what the user should know meanwhile (a wait for the work
    /// folder's lock, what an interrupted run left and was removed, the work folder's pack files
    /// consolidated).
    /// - Throws: `Failure`, and nothing else.
    public func run(notice: (String) -> Void) throws -> Outcome {
        var redaction = CredentialVariables(environment: configuration.environment)
        do {
            try checkRemoteURL()
            let identity = commits ? try commitIdentity() : nil
            let inputs = try HydrationInputs.load(valuesFile: configuration.valuesFile, envFile: configuration.envFile,
                                                  environment: configuration.environment)
            redaction = CredentialVariables(environment: inputs.variables)
            let requests = try makeRequests(inputs)
            let redactingNotices = redaction
            let (workFolder, repository) = try prepareInstances { notice(redactingNotices.redacting($0)) }
            return try withExtendedLifetime(workFolder) {
                let outcome = if let repository, let identity {
                    try commit(requests, in: repository, fetched: workFolder != nil, identity: identity)
                } else {
                    try hydrate(requests)
                }
                if let workFolder { consolidatePacks(of: workFolder) { notice(redactingNotices.redacting($0)) } }
                return outcome
            }
        } catch {
            throw describe(error, redactedBy: redaction)
        }
    }

    private var commits: Bool { configuration.action == .commit || configuration.action == .push }

    // MARK: Steps

    /// Flags show in `ps`, shell histories and CI logs, so no credential is taken from one.
    private func checkRemoteURL() throws {
        guard case .remote(let url, _) = configuration.instances else { return }
        if url.password != nil {
            throw HydrationError.invalidInput("'--instances-url' carries a password: credentials are never taken from "
                + "flags; put the token in GIT_TOKEN (and the user in GIT_USERNAME), and give the URL without it")
        }
        if url.hasQueryOrFragment {
            throw HydrationError.invalidInput("'--instances-url' has a query ('?…') or a fragment ('#…'): a git remote "
                + "over HTTP(S) takes neither, and credentials are never taken from flags; give the URL without it "
                + "(a token goes in GIT_TOKEN)")
        }
    }

    /// A request per domain, every one checked before the first clone, fetch or write.
    private func makeRequests(_ inputs: HydrationInputs) throws -> [HydrationRequest] {
        let domains: [String?] = try configuration.domains.map { try HydrationRequest.parseDomainList($0) } ?? [nil]
        let requests = try domains.map { domain in
            try inputs.request(
                templatesDirectory: configuration.templatesDirectory,
                instancesDirectory: configuration.instancesDirectory, provider: configuration.provider, domain: domain,
                stacks: configuration.stacks, leftDelimiter: configuration.leftDelimiter,
                rightDelimiter: configuration.rightDelimiter)
        }
        for request in requests {
            try request.validate()
            try Hydrator.checkTemplatesApart(request)
        }
        return requests
    }

    /// The commit's author and committer, before the first clone or fetch, from the instances
    /// repository's configuration too when it is there: the user's clone, or the work folder of an
    /// earlier run (a new clone has no identity of its own).
    private func commitIdentity() throws -> CommitIdentity {
        let directory = configuration.instancesDirectory
        var repository: Repository?
        if FileManager.default.fileExists(atPath: directory) {
            if case .folder = configuration.instances {
                repository = try Repository.open(at: directory)
            } else {
                // A work folder that is no clone is refused later, in its own words.
                repository = try? Repository.open(at: directory, searchingParents: false)
            }
        }
        return try CommitIdentity.resolve(author: configuration.author, environment: configuration.environment,
                                          repository: repository)
    }

    /// Makes the instances directory ready before anything is written, and opens its repository
    /// once when committing: a remote's work folder locked for this run (the folder returned holds
    /// the lock), cloned or fetched and checked out at the remote's tip; or, for a commit in the
    /// user's own clone, a check that no git lock file is in the way.
    private func prepareInstances(notice: (String) -> Void) throws -> (WorkFolder?, Repository?) {
        let directory = configuration.instancesDirectory
        guard case .remote(let url, _) = configuration.instances else {
            // A missing folder is the plan's to report, in its words.
            guard commits, FileManager.default.fileExists(atPath: directory) else { return (nil, nil) }
            let repository = try Repository.open(at: directory)
            try repository.ensureNoLockFiles()
            return (nil, repository)
        }
        let folder = try WorkFolder(path: directory, timeout: configuration.lockTimeout, waiting: notice)
        let repository = try folder.update(from: url, branch: configuration.branch,
                                           credentials: configuration.credentials, notice: notice)
        return (folder, commits ? repository : nil)
    }

    /// Housekeeping once the run's work is done (and pushed): a failure is said, and the run
    /// still succeeds, as when `git gc --auto` fails after a commit.
    private func consolidatePacks(of workFolder: WorkFolder, notice: (String) -> Void) {
        do {
            if let done = try workFolder.consolidatePacks() {
                notice("consolidated the \(done.packs) pack files of \(workFolder.path) into one "
                    + "(\(done.objects) objects, \(String(format: "%.1f", done.seconds)) s)")
            }
        } catch {
            notice("could not consolidate the pack files of \(workFolder.path): \(error)")
        }
    }

    /// `.plan` and `.write`: every request planned before any is applied, so that one that fails to
    /// render writes nothing.
    private func hydrate(_ requests: [HydrationRequest]) throws -> Outcome {
        let plans = try requests.map(Hydrator.plan)
        if case .plan(let diff) = configuration.action {
            return Outcome(reports: plans.map(\.preview), diffs: diff ? plans.map { $0.unifiedDiff() } : [],
                           commit: nil, pushed: false, attempts: 0)
        }
        return Outcome(reports: try plans.map(Hydrator.apply), diffs: [], commit: nil, pushed: false, attempts: 0)
    }

    /// `.commit` and `.push`. `fetched`: the repository was fetched and checked out at the
    /// remote's tip just now (a work folder), so publishing starts from there without a second fetch.
    private func commit(_ requests: [HydrationRequest], in repository: Repository, fetched: Bool,
                        identity: CommitIdentity) throws -> Outcome {
        let directory = configuration.instancesDirectory
        let folders = requests.map { request in
            repository.relativePath(of: directory + "/" + request.instancePath) ?? request.instancePath
        }
        var reports: [HydrationReport] = []
        // Runs again after a lost push, on the new tip: the reports are those of the last run. A
        // hydration leaves exactly its planned files in its folder, so those are what git stages.
        let update = {
            let plans = try requests.map(Hydrator.plan)
            reports = try plans.map(Hydrator.apply)
            return zip(plans, folders).flatMap { plan, folder in
                plan.files.map { WorkTreeFile(path: folder + "/" + $0.path, bytes: $0.bytes) }
            }
        }
        let message = commitMessage(for: requests)
        guard configuration.action == .push else {
            let commit = try commitChanges(repository: repository, underEach: folders, commitMessage: message,
                                           author: identity.author, committer: identity.committer, update: update)
            return Outcome(reports: reports, diffs: [], commit: commit, pushed: false, attempts: 1)
        }
        let result = try publish(repository: repository, changesUnderEach: folders, branch: configuration.branch,
                                 credentials: configuration.credentials, fetchingFirst: !fetched,
                                 maxAttempts: configuration.maxAttempts, commitMessage: message, author: identity.author,
                                 committer: identity.committer, update: update)
        return Outcome(reports: reports, diffs: [], commit: result.commit, pushed: result.pushed,
                       attempts: result.attempts)
    }

    /// Names provider, domains and stacks, and the templates' own commit when they are a checkout, so
    /// the instances history says where every change came from.
    private func commitMessage(for requests: [HydrationRequest]) -> String {
        let stacks = requests.first?.stacks.joined(separator: ", ") ?? ""
        let paths = requests.map(\.instancePath)
        let target = paths.count <= 3 ? paths.joined(separator: ", ")
            : "\(paths.count) domains (\(paths.prefix(3).joined(separator: ", ")) and \(paths.count - 3) more)"
        var message = "hydrate \(target): \(stacks)\n"
        if paths.count > 3 { message += "\n" + paths.joined(separator: "\n") + "\n" }
        if let source = Repository.describeCheckout(containing: configuration.templatesDirectory) {
            message += "\nTemplates: \(source.id) (\(source.summary))\n"
        }
        return message
    }

    // MARK: Errors

    /// `error` as the user reads it, redacted; a `HydrationError` is so already (its diagnostics
    /// keep their file names, which a second pass over the whole text might not).
    private func describe(_ error: Error, redactedBy redaction: CredentialVariables) -> Failure {
        switch error {
        case let error as HydrationError:
            guard case .rejected(let diagnostics) = error else { return Failure(message: error.description, diagnostics: []) }
            let located = HydrationDiagnostic.mergingMissingVariables(diagnostics)
                .map { $0.located(at: displayPath(ofTemplate: $0.file)) }
            return Failure(message: HydrationError.rejected(located).description, diagnostics: located)
        case let error as GitError:
            return Failure(message: redaction.redacting(describe(error)), diagnostics: [])
        default:
            return Failure(message: redaction.redacting(Self.message(for: error)), diagnostics: [])
        }
    }

    /// A template's path (below the templates directory) as the user reads it where the command
    /// ran: relative to the working directory (`templates/stacks/core/app.yaml`, `../t/…`), or
    /// absolute when the two share nothing but the root.
    private func displayPath(ofTemplate file: String) -> String {
        let path = cleanPath(joinPath(configuration.templatesDirectory, file))
        guard path.hasPrefix("/") else { return path }
        return Self.relativePath(of: path, from: cleanPath(FileManager.default.currentDirectoryPath)) ?? path
    }

    /// `path` relative to `directory`, both absolute and clean; nil when they share only the root.
    static func relativePath(of path: String, from directory: String) -> String? {
        let target = path.split(separator: "/")
        let base = directory.split(separator: "/")
        let shared = zip(target, base).prefix { $0 == $1 }.count
        guard shared > 0 else { return nil }
        let parts = Array(repeating: "..", count: base.count - shared) + target[shared...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// GitError's text plus what to check, for the mistakes CI jobs make most.
    private func describe(_ error: GitError) -> String {
        let urlUser: String? = if case .remote(let url, _) = configuration.instances { url.username } else { nil }
        switch error {
        case .authenticationFailed where !(urlUser ?? "").isEmpty:
            return "\(error): check GIT_USERNAME (or else the user name in '--instances-url') and GIT_TOKEN "
                + "(or GIT_PASSWORD), or the SSH key"
        case .authenticationFailed:
            return "\(error): check GIT_USERNAME and GIT_TOKEN (or GIT_PASSWORD), or the SSH key"
        case .nonFastForward:
            return "\(error); gave up after \(configuration.maxAttempts) attempts (raise '--max-attempts')"
        case .missingBranch:
            return "\(error): edpctl creates no branch; push one there first, or name another with '--branch'"
        case .workFolderBusy:
            return "\(error); run again later, or raise '--lock-timeout'"
        case .unknownIdentity(let missing):
            return "\(error); or give " + missing.map { "'--author-\($0)'" }.joined(separator: " and ")
        case .workFolderOfOtherRepository:
            return "\(error) (without '--work-dir', each URL has a folder of its own under .edpctl/instances)"
        default:
            return error.description
        }
    }

    /// A Swift error's own text; Foundation's errors print their NSError dump, so their localized
    /// text instead.
    private static func message(for error: Error) -> String {
        if error is CustomNSError || type(of: error) is NSError.Type { return error.localizedDescription }
        return String(describing: error)
    }
}
