import ArgumentParser
import Foundation
import Git
import Hydrate
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
            The author is --author-name/--author-email, else found as git finds it: GIT_AUTHOR_NAME and \
            GIT_AUTHOR_EMAIL, then user.name and user.email of git's configuration (the instances \
            repository's, the global and the system one), then EMAIL; the committer likewise, from \
            GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL and the configuration, else the author.

            Examples:
              edpctl hydrate --instances ../instances --env-file env --commit  # and commit
              edpctl hydrate --instances ../instances --check   # exit 2 if it would change
              edpctl hydrate --instances ../instances --check -q  # the exit code alone
              edpctl hydrate --instances ../instances --diff    # print what would change
              edpctl hydrate --instances-url https://git.example.org/org/instances.git \\
                --domain a.example.org,b.example.org --env-file env --commit --push

            With --output json, standard output is one JSON document per run, on success and on failure \
            alike: docs/hydrate.md describes it, docs/schemas/hydrate-output.schema.json is its schema.

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

    @Option(help: ArgumentHelp("The commit's author name (default: $GIT_AUTHOR_NAME, then git's user.name).",
                               valueName: "name"))
    var authorName: String?

    @Option(help: ArgumentHelp("The commit's author email (default: $GIT_AUTHOR_EMAIL, then git's user.email).",
                               valueName: "email"))
    var authorEmail: String?

    @Option(help: ArgumentHelp("A private key file for SSH remotes; its passphrase comes from $GIT_SSH_PASSPHRASE.",
                               valueName: "file"))
    var sshKey: String?

    @OptionGroup var outputOptions: OutputOptions

    @Flag(name: [.customShort("q"), .long], help: "Print only errors: no summary, notice or warning (--diff's diff still).")
    var quiet = false

    func validate() throws {
        do {
            try validateFlags()
        } catch let error as ValidationError {
            // argument-parser prints the message on standard error and exits 64; a CI job reading
            // standard output gets the one document it was promised all the same.
            if outputOptions.output == .json {
                Output(.json).document(HydrateDocument(.usageError, mode: mode,
                                                       error: .init(message: error.message, diagnostics: []), log: nil))
            }
            throw error
        }
    }

    private func validateFlags() throws {
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
        if authorName?.isEmpty == true || authorEmail?.isEmpty == true {
            throw ValidationError("'--author-name' and '--author-email' must not be empty")
        }
        if maxAttempts < 1 { throw ValidationError("'--max-attempts' must be at least 1") }
        // Checked here, as git checks it: inside a refspec, `*` or `a:b` would name other branches.
        if !Repository.isValidBranchName(branch) {
            throw ValidationError("'--branch' \(goQuote(branch)) is not a valid branch name")
        }
    }

    /// What the flags ask for; `--diff` wins over `--check` (both plan, and `--check` still sets the exit code).
    private var mode: HydrateDocument.Mode {
        diff ? .diff : check ? .check : push ? .push : commit ? .commit : .write
    }

    func run() throws {
        var output = Output(outputOptions.output, color: outputOptions.colorOptions.color, quiet: quiet)
        // In JSON, what is said while the job runs goes into the one document, not onto lines of its own.
        let log = EventLog()
        if output.format == .json { output.log = log }
        let environment = ProcessInfo.processInfo.environment
        let remote = instancesURL.map { RemoteURL($0) }
        let job = HydrationJob(HydrationJob.Configuration(
            templatesDirectory: templates,
            instances: remote.map { .remote($0, workDirectory: workDir) } ?? .folder(instances ?? "."),
            provider: provider, domains: domain, stacks: stacks.map(HydrationRequest.parseStackList),
            valuesFile: values, envFile: envFile, environment: environment,
            leftDelimiter: delimiters.leftDelim, rightDelimiter: delimiters.rightDelim,
            action: check || diff ? .plan(diff: diff) : push ? .push : commit ? .commit : .write,
            branch: branch, maxAttempts: maxAttempts, lockTimeout: Double(lockTimeout),
            author: PartialSignature(name: authorName, email: authorEmail),
            credentials: Credentials(environment: environment, remote: remote, sshKey: sshKey)))
        let outcome: HydrationJob.Outcome
        do {
            outcome = try job.run(notice: output.notice)
        } catch let failure as HydrationJob.Failure {
            let exit = output.failure([failure.message], diagnostics: failure.diagnostics)
            if output.format == .json {
                output.document(HydrateDocument(.failed, mode: mode, error: .init(message: failure.message,
                                                                                   diagnostics: failure.diagnostics),
                                                log: log))
            }
            throw exit
        }
        let drifted = check && outcome.hasChanges
        switch output.format {
        case .human:
            for diff in outcome.diffs { output.diff(diff) }
            for report in outcome.reports { self.report(report, outcome, to: output) }
        case .json:
            output.document(HydrateDocument(outcome, mode: mode, drifted: drifted, log: log))
        }
        if drifted { throw ExitCode(2) }
    }

    /// A domain's summary line on standard error (human form only: JSON has the document).
    private func report(_ report: HydrationReport, _ outcome: HydrationJob.Outcome, to output: Output) {
        var line = check || diff ? "plan: " + report.planSummary : report.summary
        if let commit = outcome.commit { line += "; committed \(commit.id.prefix(12))" }
        if outcome.pushed { line += outcome.attempts > 1 ? "; pushed after \(outcome.attempts) attempts" : "; pushed" }
        if outcome.commit == nil && commit { line += "; nothing to commit" }
        output.report(line, event: "hydration", report)
    }
}
