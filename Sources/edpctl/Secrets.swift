import ArgumentParser
import Foundation
import Secrets

/// `edpctl secrets recreate | check | list`: the out-of-band Secrets of a `secrets.yaml`.
struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Recreate, check or list the Secrets a secrets.yaml declares.",
        discussion: """
            Examples:
              edpctl secrets list -f secrets.yaml                # Secrets, keys, sources
              edpctl secrets check -f secrets.yaml               # exit 2 on drift
              edpctl secrets recreate -f secrets.yaml --dry-run  # the plan; sends nothing
              edpctl secrets recreate -f secrets.yaml            # create what is missing
            """,
        subcommands: [SecretsRecreate.self, SecretsCheck.self, SecretsList.self])
}

/// The options every `secrets` subcommand takes.
struct SecretsOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .long], help: "The secrets.yaml to read.")
    var file: String

    @Option(help: "The kubeconfig file (else KUBECONFIG, ~/.kube/config, as kubectl).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context (else its current context).")
    var context: String?

    @Option(help: "The namespace of Secrets that name none (else the context's).")
    var namespace: String?

    @OptionGroup var outputOptions: OutputOptions

    var output: Output { Output(outputOptions.output, color: outputOptions.colorOptions.color) }

    /// The cluster and the file, or the exit code after reporting why not.
    func open() throws -> (KubeSecretStore, SecretsFile) {
        let output = self.output
        let store: KubeSecretStore
        do {
            store = try KubeSecretStore.connect(kubeconfig: kubeconfig, context: context,
                                                userAgent: "edpctl/\(EdpctlVersion.current)") { output.warning($0) }
        } catch {
            throw output.failure("\(error)")
        }
        do {
            return (store, try SecretsLoader(path: file, defaultNamespace: namespace ?? store.defaultNamespace).load())
        } catch {
            throw output.failure(error.diagnostics.map(\.description))
        }
    }

    /// The plan: every source resolved and every check run before anything is written.
    func plan(_ options: PlanOptions = PlanOptions()) throws -> (KubeSecretStore, SecretsPlan) {
        let (store, file) = try open()
        do {
            return (store, try SecretsPlanner(file: file, store: store, options: options).plan())
        } catch {
            // One error (event) per problem, each naming its file, line and column.
            throw output.failure(error.diagnostics.map(\.description), summary: "nothing was applied")
        }
    }

    /// `text` on standard output in human form (it is the command's answer), else a `name` event.
    func show(_ text: String, event name: String, _ fields: some Encodable) {
        if output.format == .human { output.data(Array((text + "\n").utf8)) } else { output.report(text, event: name, fields) }
    }
}

struct SecretsRecreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recreate", abstract: "Create the Secrets that are missing; keep, update or rotate the others.",
        discussion: """
            Examples:
              edpctl secrets recreate -f secrets.yaml --dry-run  # the plan; sends nothing
              edpctl secrets recreate -f secrets.yaml            # create what is missing
              edpctl secrets recreate -f secrets.yaml --update   # also fix what differs
              edpctl secrets recreate -f secrets.yaml --rotate apps/api-db/session-key
            """)

    @OptionGroup var options: SecretsOptions

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Flag(help: "Replace values that differ from their source.")
    var update = false

    @Option(help: ArgumentHelp("Make a generated key anew (repeatable).", valueName: "NAMESPACE/NAME/KEY"))
    var rotate: [String] = []

    func validate() throws {
        for target in rotate where RotateTarget(target) == nil {
            throw ValidationError("'--rotate \(target)': expected NAMESPACE/NAME/KEY")
        }
    }

    func run() throws {
        let output = options.output
        let (store, plan) = try options.plan(PlanOptions(update: update, rotate: rotate.compactMap(RotateTarget.init)))
        if dryRun { return options.show(plan.description, event: "plan", plan) }
        output.report(plan.description, event: "plan", plan)
        var result = RecreateResult()
        for entry in plan.entries where entry.manifest != nil {
            do {
                try store.apply(entry)
                result.done.append(entry.secret)
            } catch {
                result.failed = entry.secret
                result.notAttempted = plan.entries.filter { $0.manifest != nil }.map(\.secret)
                    .drop(while: { $0 != entry.secret }).dropFirst().map { $0 }
                output.report(result.description, event: "result", result)
                throw output.failure(["\(entry.secret): \(error)"], summary: "a re-run applies the rest and keeps what was done")
            }
        }
        output.report(result.description, event: "result", result)
    }
}

/// What `recreate` wrote: the Secrets done, the one that failed and those not tried after it.
struct RecreateResult: Encodable, CustomStringConvertible {
    var done: [String] = []
    var failed: String?
    var notAttempted: [String] = []

    var description: String {
        var lines = done.isEmpty && failed == nil ? ["no changes"] : done.map { "done  \($0)" }
        if let failed { lines.append("failed  \(failed)") }
        lines += notAttempted.map { "not attempted  \($0)" }
        return lines.joined(separator: "\n")
    }
}

struct SecretsCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Exit 2 and list the Secrets missing or differing from their sources; 0 when none.",
        discussion: """
            Examples:
              edpctl secrets check -f secrets.yaml               # exit 2 on drift
              edpctl secrets check -f secrets.yaml --context ultron --namespace apps
              edpctl secrets check -f secrets.yaml --output json | jq -c .missing
            """)

    @OptionGroup var options: SecretsOptions

    func run() throws {
        let (_, plan) = try options.plan()
        let drifted = plan.entries.filter { $0.action == .create || $0.differs }
        let lines = drifted.map { "\($0.action == .create ? "missing" : "differs")  \($0.secret)" }
        options.show(lines.isEmpty ? "all Secrets are as their sources say" : lines.joined(separator: "\n"), event: "check",
                     CheckResult(missing: drifted.filter { $0.action == .create }.map(\.secret),
                                 differs: drifted.filter { $0.action != .create }.map(\.secret)))
        if plan.hasDrift { throw ExitCode(2) }
    }
}

struct CheckResult: Encodable {
    let missing: [String]
    let differs: [String]
}

struct SecretsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the file's Secrets, their keys and sources, and whether each exists.",
        discussion: """
            Examples:
              edpctl secrets list -f secrets.yaml                # resolves no value
              edpctl secrets list -f secrets.yaml --kubeconfig /etc/rancher/k3s/k3s.yaml
              edpctl secrets list -f secrets.yaml --output json | jq -r '.secrets[].secret'
            """)

    @OptionGroup var options: SecretsOptions

    func run() throws {
        let (store, file) = try options.open()
        var lines: [String] = []
        var entries: [ListedSecret] = []
        for secret in file.secrets {
            let exists: Bool
            do {
                exists = try store.secret(namespace: secret.namespace, name: secret.name) != nil
            } catch {
                throw options.output.failure("\(secret.reference): \(error)")
            }
            let keys = secret.keys.map { ListedKey(name: $0.name, source: $0.source.source.kind) }
            lines.append("\(secret.reference)  \(secret.type.rawValue)  \(exists ? "exists" : "missing")")
            lines += keys.map { "  \($0.name)  \($0.source)" }
            entries.append(ListedSecret(secret: secret.reference, type: secret.type.rawValue, exists: exists, keys: keys))
        }
        options.show(lines.joined(separator: "\n"), event: "list", ["secrets": entries])
    }
}

struct ListedSecret: Encodable {
    let secret: String
    let type: String
    let exists: Bool
    let keys: [ListedKey]
}

struct ListedKey: Encodable {
    let name: String
    let source: String
}
