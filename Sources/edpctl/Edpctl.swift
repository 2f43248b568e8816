import ArgumentParser
import Foundation
import Template

@main
struct Edpctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edpctl",
        abstract: "Rebuild a GitOps platform after a disaster and keep its configuration hydrated.",
        discussion: """
            Examples:
              edpctl render -i 'domain: <<< .Env.DOMAIN >>>'  # render a template string
              edpctl hydrate --instances ../instances --env-file env --commit
              edpctl secrets check -f secrets.yaml           # are the Secrets all there?
              edpctl rebuild --dry-run                       # what a rebuild would change
              edpctl hydrate --help                          # one command's flags
            """,
        version: EdpctlVersion.current,
        subcommands: [Render.self, HydrateCommand.self, SecretsCommand.self, Rebuild.self, Version.self]
    )

    /// Swift's runtime reads the command line from /proc/self/cmdline. In a chroot without /proc
    /// it gets no argument at all, not even the program's name, and edpctl would print its help
    /// and exit 0 in place of the command that was asked for: a `hydrate --push` that did nothing.
    static func main() {
        guard CommandLine.argc > 0 else {
            FileHandle.standardError.write(Data("""
                edpctl: cannot read the command line: /proc is not mounted (Swift's runtime reads it \
                from /proc/self/cmdline); mount it, e.g. `mount -t proc proc /proc` in a chroot

                """.utf8))
            // 71, EX_OSERR of sysexits.h: the system could not give edpctl what it needs to start.
            Foundation.exit(71)
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "help", let problem = unknownHelpTopic(Array(arguments.dropFirst())) {
            FileHandle.standardError.write(Data("edpctl: \(problem)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // An ExitCode was thrown by a command that has already said why, through `Output`.
            guard code == .validationFailure, !(error is ExitCode) else { exit(withError: error) }
            let parserText = withoutFarSuggestion(fullMessage(for: error)) ?? fullMessage(for: error)
            let text = parserText.contains("Unknown option") ? parserText : unknownLongOption(in: arguments) ?? parserText
            FileHandle.standardError.write(Data((text + "\n").utf8))
            annotateUsageError(text)
            Foundation.exit(code.rawValue)
        }
    }

    /// Under GitHub or Forgejo Actions a usage error (argument-parser's `Error: …`) is an
    /// annotation too, after its text, as `Output` writes every other error.
    static func annotateUsageError(_ text: String) {
        guard WorkflowCommands.enabled(environment: ProcessInfo.processInfo.environment),
              let first = text.split(separator: "\n").first else { return }
        let message = first.hasPrefix("Error: ") ? String(first.dropFirst("Error: ".count)) : String(first)
        FileHandle.standardError.write(Data((WorkflowCommands.command("error", message: message) + "\n").utf8))
    }

    /// argument-parser runs a command's `validate` before it reports an unknown option, so
    /// `hydrate --instancs dir` heard "give the instances repository…" and never of its typo. The
    /// first `--name` the command does not have (values of its options and what follows `--`
    /// skipped), as argument-parser words it, with a suggestion only when close.
    static func unknownLongOption(in arguments: [String]) -> String? {
        var command: ParsableCommand.Type = Edpctl.self
        var path = ["edpctl"]
        var rest = arguments[...]
        while let first = rest.first, let next = command.configuration.subcommands.first(where: { $0._commandName == first }) {
            command = next
            path.append(first)
            rest = rest.dropFirst()
        }
        guard let help = try? JSONDecoder().decode(DumpedHelp.self, from: Data(command._dumpHelp().utf8)) else { return nil }
        var longNames: Set<String> = ["help", "version"]
        var takingValues: Set<String> = []
        for argument in help.command.arguments ?? [] {
            for name in argument.names ?? [] {
                let spelled = (name.kind == "long" ? "--" : "-") + name.name
                if name.kind == "long" { longNames.insert(name.name) }
                if argument.kind == "option" { takingValues.insert(spelled) }
            }
        }
        var valueFollows = false
        for token in rest {
            if valueFollows {
                valueFollows = false
                continue
            }
            if token == "--" { break }
            if token.hasPrefix("--") {
                let name = String(token.dropFirst(2).prefix { $0 != "=" })
                guard longNames.contains(name) else {
                    let guess = closestName(to: name, among: Array(longNames)).map { ". Did you mean '--\($0)'?" } ?? ""
                    return "Error: Unknown option '--\(name)'\(guess)\n  See '\(path.joined(separator: " ")) --help' for more information."
                }
                valueFollows = takingValues.contains("--" + name) && !token.contains("=")
            } else if token.hasPrefix("-") && token.count == 2 {
                valueFollows = takingValues.contains(token)
            }
        }
        return nil
    }

    /// The part of argument-parser's `--experimental-dump-help` document read here.
    private struct DumpedHelp: Decodable {
        struct Command: Decodable {
            let arguments: [Argument]?
        }
        struct Argument: Decodable {
            let kind: String
            let names: [Name]?
        }
        struct Name: Decodable {
            let kind: String
            let name: String
        }
        let command: Command
    }

    /// argument-parser suggests the option within 3 edits of an unknown one, so `--bogus` hears
    /// "Did you mean '--out'?"; that suggestion is dropped unless it is close, as `closestName`
    /// judges (`--ot` keeps `--out`). nil when `text` has no suggestion to drop.
    static func withoutFarSuggestion(_ text: String) -> String? {
        guard let match = text.firstMatch(of: #/Unknown option '([^']*)'(\. Did you mean '([^']*)'\?)/#),
              closestName(to: String(match.output.1), among: [String(match.output.3)]) == nil else { return nil }
        var reduced = text
        reduced.removeSubrange(match.output.2.startIndex..<match.output.2.endIndex)
        return reduced
    }

    /// argument-parser answers `help` with a name it does not know by printing edpctl's own help
    /// and exiting 0, which hides a typo; an unknown name is a usage error (64) here.
    static func unknownHelpTopic(_ topics: [String]) -> String? {
        var command: ParsableCommand.Type = Edpctl.self
        var path = "edpctl"
        for topic in topics where !topic.hasPrefix("-") {
            let names = command.configuration.subcommands.map { $0._commandName }.filter { $0 != "help" }
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == topic }) else {
                let guess = closestName(to: topic, among: names).map { "; did you mean '\($0)'?" } ?? ""
                let known = names.isEmpty ? "it has none" : names.joined(separator: ", ")
                return "'\(path)' has no command '\(topic)'\(guess) (commands: \(known))"
            }
            command = next
            path += " " + topic
        }
        return nil
    }
}
