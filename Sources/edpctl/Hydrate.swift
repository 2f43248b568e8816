import ArgumentParser
import Foundation
import Git
import Hydrate
import Gomplate
import Template

/// `edpctl hydrate`: the EDP's CI hydration job — stack templates into the instances repository at
/// `<provider>/<domain>/`, then (optionally) one commit and a push.
struct HydrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hydrate",
        abstract: "Hydrate the stack templates for one environment into the instances repository.",
        discussion: """
            Renders edfbuilder.yaml, registry/<stack>.yaml and stacks/<stack>/ of the templates for the \
            selected stacks into <instances>/<provider>/<domain>/, removing files no longer produced. \
            Values come from --values (lowest), --env-file, then the environment (highest); PROVIDER, \
            DOMAIN and STACKS may come from any of them, and the flags win over all three.

            Git credentials come from the environment, never from flags: GIT_USERNAME with GIT_TOKEN (or \
            GIT_PASSWORD) over HTTPS, where a user name in --instances-url (https://user@host/…) serves \
            when GIT_USERNAME is unset and a URL with a password is refused; the SSH agent, or --ssh-key \
            with GIT_SSH_PASSPHRASE, over SSH, where the server's host key must be in \
            GIT_SSH_KNOWN_HOSTS (default ~/.ssh/known_hosts). \
            The author is GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL unless --author-name/--author-email are given.

            Exit codes: 0 done (or, with --check, nothing would change); 1 failure; 2 with --check when \
            the instance folder differs from what would be written.
            """
    )

    @Option(help: ArgumentHelp("The stack templates.", valueName: "dir"))
    var templates = "templates"

    @Option(help: ArgumentHelp("A local clone of the instances repository.", valueName: "dir"))
    var instances: String?

    @Option(help: ArgumentHelp("""
        Clone the instances repository from this URL into --work-dir instead. A URL with a password \
        (https://user:token@host/…) is refused: the token goes in $GIT_TOKEN. So is an http(s) URL \
        with a query or a fragment.
        """, valueName: "url"))
    var instancesURL: String?

    @Option(help: ArgumentHelp("""
        Where --instances-url is cloned; reused only while its origin is that URL, one run at a time \
        (default: .edpctl/instances/<host-and-path>-<hash>, a folder per URL).
        """, valueName: "dir"))
    var workDir: String?

    @Option(help: ArgumentHelp("How long to wait while another run uses the --work-dir.", valueName: "seconds"))
    var lockTimeout = 300

    @Option(help: "The branch to clone, commit to and push.")
    var branch = "main"

    @Option(help: "The cloud provider: the first folder level (default: $PROVIDER).")
    var provider: String?

    @Option(help: ArgumentHelp("""
        The environment's domain: the second folder level (default: $DOMAIN). Several, comma-separated, \
        are hydrated one after another with the same values and committed together.
        """, valueName: "domain"))
    var domain: String?

    @Option(help: ArgumentHelp("The stacks to hydrate, comma-separated (default: $STACKS).", valueName: "a,b"))
    var stacks: String?

    @Option(help: ArgumentHelp("KEY=VALUE lines, over --values and under the environment.", valueName: "file"))
    var envFile: String?

    @Option(help: ArgumentHelp("A YAML document: its top-level scalars are variables, the whole of it is .Values.",
                               valueName: "file"))
    var values: String?

    @OptionGroup var delimiters: DelimiterOptions

    @Flag(help: "Write nothing; exit 2 when the instance folder differs from what would be written.")
    var check = false

    @Flag(help: "Write nothing; print a unified diff of what would change.")
    var diff = false

    @Flag(help: "Commit the instance folder's changes (no commit when nothing changed).")
    var commit = false

    @Flag(help: "Push the commit; a push lost to a concurrent one is rebuilt on the new tip and retried.")
    var push = false

    @Option(help: "How many times to try a push that loses to concurrent ones.")
    var maxAttempts = 5

    @Option(help: ArgumentHelp("The commit's author name (default: $GIT_AUTHOR_NAME).", valueName: "name"))
    var authorName: String?

    @Option(help: ArgumentHelp("The commit's author email (default: $GIT_AUTHOR_EMAIL).", valueName: "email"))
    var authorEmail: String?

    @Option(help: ArgumentHelp("A private key file for SSH remotes; its passphrase comes from $GIT_SSH_PASSPHRASE.",
                               valueName: "file"))
    var sshKey: String?

    @Option(help: "human: a summary on stderr; json: one JSON object on stdout.")
    var output: OutputFormat = .human

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case human, json
    }

    func validate() throws {
        if instances == nil && instancesURL == nil {
            throw ValidationError("give the instances repository with '--instances DIR' or '--instances-url URL'")
        }
        if instances != nil && instancesURL != nil {
            throw ValidationError("'--instances' and '--instances-url' exclude each other")
        }
        if workDir != nil && instancesURL == nil { throw ValidationError("'--work-dir' goes with '--instances-url'") }
        if lockTimeout < 0 { throw ValidationError("'--lock-timeout' must be 0 or more") }
        if push && !commit { throw ValidationError("'--push' requires '--commit'") }
        if (check || diff) && commit { throw ValidationError("'--check' and '--diff' write nothing, so not with '--commit'") }
        if maxAttempts < 1 { throw ValidationError("'--max-attempts' must be at least 1") }
        // Checked here, as git checks it: inside a refspec, `*` or `a:b` would name other branches.
        if !Repository.isValidBranchName(branch) {
            throw ValidationError("'--branch' \(goQuote(branch)) is not a valid branch name")
        }
    }

    func run() throws {
        // Flags show in `ps`, shell histories and CI logs, so no credential is taken from one.
        if instancesURL.map({ RemoteURL($0).password != nil }) == true {
            fail("'--instances-url' carries a password: credentials are never taken from flags; put the token "
                + "in GIT_TOKEN (and the user in GIT_USERNAME), and give the URL without it")
        }
        if instancesURL.map({ RemoteURL($0).hasQueryOrFragment }) == true {
            fail("'--instances-url' has a query ('?…') or a fragment ('#…'): a git remote over HTTP(S) takes neither, "
                + "and credentials are never taken from flags; give the URL without it (a token goes in GIT_TOKEN)")
        }
        let environment = ProcessInfo.processInfo.environment
        do {
            let author = commit ? signature(environment) : nil
            let inputs = try HydrationInputs.load(valuesFile: values, envFile: envFile, environment: environment)
            let remote = instancesURL.map { RemoteURL($0) }
            let credentials = gitCredentials(environment, remote: remote)
            let instancesDirectory = instances ?? workDir ?? remote.map { ".edpctl/instances/" + $0.folderName } ?? "."
            let domains: [String?] = try domain.map { try HydrationRequest.parseDomainList($0) } ?? [nil]
            let requests = try domains.map { domain in
                try inputs.request(
                    templatesDirectory: templates, instancesDirectory: instancesDirectory, provider: provider,
                    domain: domain, stacks: stacks.map(HydrationRequest.parseStackList),
                    leftDelimiter: delimiters.leftDelim, rightDelimiter: delimiters.rightDelim)
            }
            // Every request is checked before the first clone, fetch or write.
            for request in requests {
                try request.validate()
                try Hydrator.checkTemplatesApart(request)
            }
            let workFolder = try prepareInstances(instancesDirectory, remote: remote, credentials: credentials)
            try withExtendedLifetime(workFolder) {
                try hydrate(requests, instancesDirectory: instancesDirectory, credentials: credentials, author: author)
            }
        } catch let error as HydrationError {
            fail(error.description)
        } catch let error as GitError {
            fail(describe(error))
        } catch let error as UnsafeCloneError {
            fail(error.description)
        } catch let error as WorkFolderError {
            fail(describe(error))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // Whatever else a module throws (a FileError of the templates folder, say) reads as
            // every other error of edpctl does, not as ArgumentParser's `Error: `.
            fail(Self.message(for: error))
        }
    }

    /// A Swift error's own text; Foundation's errors print their NSError dump, so their localized
    /// text instead.
    private static func message(for error: Error) -> String {
        if error is CustomNSError || type(of: error) is NSError.Type { return error.localizedDescription }
        return String(describing: error)
    }

    /// Plans every request before applying any, so that one that fails to render writes nothing.
    private func hydrate(_ requests: [HydrationRequest], instancesDirectory: String, credentials: Credentials?,
                         author: Signature?) throws {
        if check || diff {
            var changed = false
            for request in requests {
                let plan = try Hydrator.plan(request)
                if diff { print(plan.unifiedDiff(), terminator: "") }
                report(plan.preview, commit: nil, pushed: false, attempts: 0, dryRun: true)
                changed = changed || plan.hasChanges
            }
            if check && changed { throw ExitCode(2) }
            return
        }
        if !commit {
            let plans = try requests.map(Hydrator.plan)
            for plan in plans { report(try Hydrator.apply(plan), commit: nil, pushed: false, attempts: 0) }
            return
        }
        guard let author else { return }
        try commitAndPush(requests, instancesDirectory: instancesDirectory, credentials: credentials, author: author)
    }

    private func commitAndPush(_ requests: [HydrationRequest], instancesDirectory: String, credentials: Credentials?,
                               author: Signature) throws {
        let repository = try Repository.open(at: instancesDirectory)
        let folders = requests.map { request in
            repository.relativePath(of: instancesDirectory + "/" + request.instancePath) ?? request.instancePath
        }
        let message = commitMessage(for: requests)
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
        let commit: Commit?
        var pushed = false
        var attempts = 1
        if push {
            let result = try publish(repository: repository, changesUnderEach: folders, branch: branch,
                                     credentials: credentials, maxAttempts: maxAttempts, commitMessage: message,
                                     author: author, update: update)
            (commit, pushed, attempts) = (result.commit, result.pushed, result.attempts)
        } else {
            commit = try commitChanges(repository: repository, underEach: folders, commitMessage: message,
                                       author: author, update: update)
        }
        for report in reports { self.report(report, commit: commit, pushed: pushed, attempts: attempts) }
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
        if let source = Repository.describeCheckout(containing: templates) {
            message += "\nTemplates: \(source.id) (\(source.summary))\n"
        }
        return message
    }

    /// Makes `directory` ready before anything is written: the work folder of `remote`, locked for
    /// this run (the value returned holds the lock), cloned or updated to the remote tip; or, for a
    /// commit in the user's own clone, a check that no git lock file is in the way.
    private func prepareInstances(_ directory: String, remote: RemoteURL?, credentials: Credentials?) throws -> WorkFolder? {
        guard let remote else {
            // A missing folder is the plan's to report, in its words.
            if commit && FileManager.default.fileExists(atPath: directory) {
                try Repository.open(at: directory).ensureNoLockFiles()
            }
            return nil
        }
        let folder = try WorkFolder(path: directory, timeout: Double(lockTimeout)) { printError("edpctl: " + $0) }
        try folder.update(from: remote, branch: branch, credentials: credentials) { printError("edpctl: " + $0) }
        return folder
    }

    /// GIT_TOKEN (or GIT_PASSWORD) with GIT_USERNAME, or else the URL's user name. A URL with a
    /// password never gets here.
    private func gitCredentials(_ environment: [String: String], remote: RemoteURL?) -> Credentials? {
        if let sshKey {
            return .sshKey(privateKey: sshKey, passphrase: environment["GIT_SSH_PASSPHRASE"],
                           knownHostsFile: environment["GIT_SSH_KNOWN_HOSTS"])
        }
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        if let secret = nonEmpty(environment["GIT_TOKEN"]) ?? nonEmpty(environment["GIT_PASSWORD"]) {
            let username = nonEmpty(environment["GIT_USERNAME"]) ?? nonEmpty(remote?.username) ?? "git"
            return .https(username: username, token: secret)
        }
        if let url = remote?.location, !url.hasPrefix("http://"), !url.hasPrefix("https://"), !url.hasPrefix("file:"),
           !url.hasPrefix("/") {
            return .sshAgent(knownHostsFile: environment["GIT_SSH_KNOWN_HOSTS"])
        }
        return nil
    }

    private func signature(_ environment: [String: String]) -> Signature {
        let name = authorName ?? environment["GIT_AUTHOR_NAME"] ?? ""
        let email = authorEmail ?? environment["GIT_AUTHOR_EMAIL"] ?? ""
        if name.isEmpty || email.isEmpty {
            fail("a commit needs an author: set GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL, or give '--author-name' and '--author-email'")
        }
        return Signature(name: name, email: email)
    }

    /// GitError's text plus what to check, for the mistakes CI jobs make most.
    private func describe(_ error: GitError) -> String {
        switch error {
        case .authenticationFailed where !(instancesURL.flatMap { RemoteURL($0).username } ?? "").isEmpty:
            return "\(error): check GIT_USERNAME (or else the user name in '--instances-url') and GIT_TOKEN "
                + "(or GIT_PASSWORD), or the SSH key"
        case .authenticationFailed:
            return "\(error): check GIT_USERNAME and GIT_TOKEN (or GIT_PASSWORD), or the SSH key"
        case .nonFastForward:
            return "\(error); gave up after \(maxAttempts) attempts (raise '--max-attempts')"
        case .missingBranch:
            return "\(error): edpctl creates no branch; push one there first, or name another with '--branch'"
        default:
            return error.description
        }
    }

    /// WorkFolderError's text plus the flag that helps.
    private func describe(_ error: WorkFolderError) -> String {
        switch error {
        case .busy:
            return "\(error); run again later, or raise '--lock-timeout'"
        case .otherRepository:
            return "\(error) (without '--work-dir', each URL has a folder of its own under .edpctl/instances)"
        default:
            return error.description
        }
    }

    private struct JSONReport: Encodable {
        let instancePath: String
        let written: [String]
        let unchanged: [String]
        let removed: [String]
        let changed: Bool
        let dryRun: Bool
        let commit: String?
        let pushed: Bool
        let attempts: Int
    }

    private func report(_ report: HydrationReport?, commit: Commit?, pushed: Bool, attempts: Int, dryRun: Bool = false) {
        guard let report else { return }
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let value = JSONReport(instancePath: report.instancePath, written: report.written,
                                   unchanged: report.unchanged, removed: report.removed, changed: report.hasChanges,
                                   dryRun: dryRun, commit: commit?.id, pushed: pushed, attempts: attempts)
            if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
        case .human:
            var line = (dryRun ? "plan: " : "") + report.summary
            if let commit { line += "; committed \(commit.id.prefix(12))" }
            if pushed { line += attempts > 1 ? "; pushed after \(attempts) attempts" : "; pushed" }
            if commit == nil && self.commit && !dryRun { line += "; nothing to commit" }
            printError(line)
        }
    }

    private func fail(_ message: String) -> Never {
        printError("edpctl: " + message)
        Self.exit(withError: ExitCode.failure)
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
