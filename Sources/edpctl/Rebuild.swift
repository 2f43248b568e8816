import ArgumentParser
import Bootstrap
import Foundation

/// `edpctl rebuild`: the disaster-recovery sequence of a `platform.yaml`, step by step, resumable.
/// The file is loaded whole before anything runs; the steps and their order are Bootstrap's.
struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the platform a platform.yaml describes: k3s, charts, GitOps, Secrets, realm, proof.",
        discussion: """
            Each step is checked first and applied only when its check finds work, then checked again; \
            a journal in --state-dir records every step, so an interrupted or failed run continues with \
            --resume. Credentials are read from the environment variables and files platform.yaml names, \
            never from flags. Progress goes to stderr; see docs/runbook.md.

            Examples:
              edpctl rebuild --dry-run             # what would change
              edpctl rebuild                       # rebuild and prove it
              edpctl rebuild --resume              # after a failure or Ctrl-C
              edpctl rebuild --only chart/argo-cd  # one step
              edpctl rebuild --output json >events.jsonl

            Exit codes: 0 done (also a dry run with no failed check); 1 a step (or a dry run's check) failed; 64 usage (an unknown step, a journal \
            that cannot be resumed); 65 platform.yaml is not valid (nothing ran); 130 or 143 interrupted \
            (the journal is kept).
            """
    )

    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("The platform file.", valueName: "file"))
    var file = "platform.yaml"

    @Option(help: ArgumentHelp("Where the journal lives (default: /var/lib/edpctl under --root).", valueName: "dir"))
    var stateDir: String?

    @Flag(help: "Continue from the journal: re-check every step and skip what is done.")
    var resume = false

    @Option(help: ArgumentHelp("Start at this step (the ones before it are taken as done).", valueName: "step"))
    var from: String?

    @Option(help: ArgumentHelp("Run this step only.", valueName: "step"))
    var only: String?

    @Flag(help: "Run every check and print what apply would do; change nothing and write no journal.")
    var dryRun = false

    @Flag(help: "Let the firewall step change rules (else it reads them and reports).")
    var applyFirewall = false

    @Option(help: ArgumentHelp("The cluster's kubeconfig (default: the one k3s writes, /etc/rancher/k3s/k3s.yaml).",
                               valueName: "file"))
    var kubeconfig: String?

    @Option(help: "The kubeconfig context (else its current context).")
    var context: String?

    @Option(help: ArgumentHelp("Where the node's paths (/etc/rancher, /var/lib, /usr/local/bin) live: for tests and chroots.",
                               valueName: "dir"))
    var root = "/"

    @Option(help: "How many independent steps may run side by side.")
    var maxParallel = 8

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if maxParallel < 1 { throw ValidationError("'--max-parallel' must be at least 1") }
        if from != nil && only != nil { throw ValidationError("'--from' and '--only' can't be used together") }
    }

    func run() throws {
        let output = Output(outputOptions.output, color: outputOptions.colorOptions.color)
        let platform: PlatformFile
        let bytes: Data
        do {
            platform = try PlatformLoader(path: file).load()
            bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch let error as PlatformError {
            // Every problem, one line each with its position; the last line says nothing ran.
            for (index, diagnostic) in error.diagnostics.enumerated() {
                _ = output.failure([diagnostic.description], diagnostics: [diagnostic],
                                   summary: index == error.diagnostics.count - 1
                                       ? "nothing was run: fix \(file), then run edpctl rebuild again" : nil)
            }
            throw ExitCode(65)
        } catch {
            _ = output.failure("\(file): cannot read the file: \(error.localizedDescription)")
            throw ExitCode(65)
        }

        let host = HostPaths(root: root)
        let stateDirectory = stateDir ?? host.stateDirectory
        let progress = RebuildProgress(output: output, terminal: isatty(2) != 0, file: file, dryRun: dryRun,
                                       partial: from != nil || only != nil, journal: Journal.path(in: stateDirectory))
        let context = RebuildContext(
            platform: platform, host: host, environment: ProcessInfo.processInfo.environment,
            options: RebuildOptions(applyFirewall: applyFirewall, kubeconfig: kubeconfig, context: self.context),
            userAgent: "edpctl/\(EdpctlVersion.current)", warning: { progress.warning($0) })
        let runner: Runner
        do {
            runner = try Runner(steps: try RebuildSteps.make(context))
        } catch {
            throw output.failure("\(file): \(error)")
        }
        for (flag, name) in [("--from", from), ("--only", only)] {
            if let name, !runner.order.contains(name) {
                let steps = runner.order.isEmpty ? "this platform.yaml has no steps" : "the steps are " + runner.order.joined(separator: ", ")
                _ = output.failure("'\(flag) \(name)': no such step; \(steps)")
                throw ExitCode(64)
            }
        }
        if resume && !dryRun {
            // Refused before anything runs, with the way out: the Runner would say the same, after starting.
            do {
                guard let journal = try Journal.load(from: stateDirectory) else {
                    _ = output.failure("--resume: there is no journal at \(Journal.path(in: stateDirectory)) "
                        + "(was --state-dir or --root different?); run without --resume to start, steps already done are detected")
                    throw ExitCode(64)
                }
                if journal.fingerprint != Journal.fingerprint(of: bytes) {
                    _ = output.failure("--resume: the journal at \(Journal.path(in: stateDirectory)) belongs to another "
                        + "version of \(file) (it changed since); run without --resume to start over, steps already done are detected")
                    throw ExitCode(64)
                }
            } catch let error as RunnerError {
                throw output.failure(error.description)
            }
        }

        let options = RunOptions(dryRun: dryRun, from: from, only: only, resume: resume,
                                 stateDirectory: stateDirectory, fingerprint: Journal.fingerprint(of: bytes),
                                 maxParallel: maxParallel)
        progress.start()
        let report: RunReport
        do {
            report = try runner.run(options) { progress.handle($0) }
        } catch {
            progress.stop()
            throw output.failure("\(error)")
        }
        progress.stop()
        if progress.finish(report) == .failed { throw ExitCode.failure }
    }
}
