import Foundation
import Testing

// Every command's --help ends its discussion with an "Examples:" section. These tests read the
// examples and the flags from the built binary's own `--experimental-dump-help` (swift-argument-parser's
// JSON of the command tree), so an example that names a flag the command does not have, or runs
// another command, fails here instead of misleading the reader of --help and the man pages.

@Suite struct HelpExamplesTests {
    /// The command tree the binary describes.
    private let root: DumpedCommand

    init() throws {
        let result = try Scratch().run("--experimental-dump-help")
        guard result.status == 0 else {
            throw Edpctl.RunError("edpctl --experimental-dump-help exited \(result.status): \(result.stderr)")
        }
        root = try JSONDecoder().decode(DumpedTool.self, from: Data(result.stdout.utf8)).command
    }

    /// Every command with its path below the root, except `help` (argument-parser's).
    private var commands: [(path: [String], command: DumpedCommand)] {
        func walk(_ command: DumpedCommand, _ path: [String]) -> [(path: [String], command: DumpedCommand)] {
            [(path, command)] + (command.subcommands ?? [])
                .filter { $0.commandName != "help" }
                .flatMap { walk($0, path + [$0.commandName]) }
        }
        return walk(root, [])
    }

    @Test func everyCommandHasExamples() {
        // The walk must reach the commands we know of, or a dump it misreads would check nothing.
        let names = Set(commands.map { (["edpctl"] + $0.path).joined(separator: " ") })
        #expect(names.isSuperset(of: ["edpctl", "edpctl render", "edpctl hydrate", "edpctl secrets", "edpctl secrets recreate",
                                      "edpctl secrets check", "edpctl secrets list", "edpctl rebuild",
                                      "edpctl version"]), "\(names.sorted())")
        for (path, command) in commands {
            #expect(!command.examples.isEmpty, "edpctl \(path.joined(separator: " ")): no Examples: section in its discussion")
        }
    }

    @Test func everyExampleRunsItsCommandWithFlagsItHas() {
        for (path, command) in commands {
            for example in command.examples {
                #expect(problems(of: example, for: path, in: root) == [], "\(example)")
            }
        }
    }

    /// Off a terminal, argument-parser wraps help at 80 columns, and a line needs its newline within
    /// them: a longer example would be broken in two, in --help and in the man pages.
    @Test func examplesShowUnbrokenInEightyColumns() throws {
        let scratch = try Scratch()
        for (path, command) in commands {
            let help = try Edpctl.run(path + ["--help"], in: scratch.path, environment: ["COLUMNS": "80"])
            let lines = Set(help.stdout.components(separatedBy: "\n"))
            for line in command.exampleLines {
                let unbroken = lines.contains(line)  // a Bool, so that a failure quotes the line, not the whole help
                #expect(unbroken, "edpctl \(path.joined(separator: " ")): \(line.count) columns: \(line)")
            }
        }
    }

    /// The check itself, on the real tree: what it must refuse, with the reason it must give.
    @Test(arguments: [
        (["render"], "edpctl render --no-such-flag", ["`--no-such-flag` is not an option of edpctl render"]),
        (["render"], "edpctl render -i x -z", ["`-z` is not an option of edpctl render"]),
        (["render"], "edpctl render -hzf app.tmpl", ["`-z` is not an option of edpctl render"]),
        (["render"], "edpctl render --left-delim", ["`--left-delim` needs a value"]),
        (["render"], "edpctl render -i 'open", ["a quote is left open"]),
        (["render"], "gomplate -i x", ["does not start with edpctl"]),
        (["secrets", "recreate"], "edpctl secrets list -f secrets.yaml", ["runs edpctl secrets list, not edpctl secrets recreate"]),
        (["secrets"], "edpctl secrets check -f secrets.yaml --dry-run",
         ["`--dry-run` is not an option of edpctl secrets check"]),
        (["hydrate"], "edpctl hydrate --instances=x --commit --pushh --check", ["`--pushh` is not an option of edpctl hydrate"]),
    ]) func refuses(path: [String], example: String, expected: [String]) {
        #expect(problems(of: example, for: path, in: root) == expected)
    }

    @Test(arguments: [
        ([], "edpctl --version"),
        ([], "edpctl secrets recreate --help"),
        (["render"], "edpctl render -f - -o app.yaml <app.tmpl  # '-' is standard input, not a flag"),
        (["render"], "edpctl render --in='<<< .x >>>' --missing-key=zero | grep -v '^$' >out # --no-such-flag"),
        (["render"], "edpctl render -i \"a \\\"b\\\" c\" --left-delim \\{\\{ --right-delim '}}'"),
        (["secrets"], "edpctl secrets recreate -ffile.yaml --rotate a/b/c -- --not-a-flag"),
        (["secrets"], "edpctl secrets list -hf secrets.yaml"),
    ]) func accepts(path: [String], example: String) {
        #expect(problems(of: example, for: path, in: root) == [])
    }
}

/// What is wrong with `example`, given in the help of the command at `path` below `root`: it must run
/// that command (or one below it) and use only the flags and options that command shows.
private func problems(of example: String, for path: [String], in root: DumpedCommand) -> [String] {
    guard let words = commandWords(example) else { return ["a quote is left open"] }
    guard words.first == "edpctl" else { return ["does not start with edpctl"] }
    var command = root
    var ran: [String] = []
    var rest = words.dropFirst()
    while let word = rest.first, let subcommand = command.subcommands?.first(where: { $0.commandName == word }) {
        command = subcommand
        ran.append(word)
        rest.removeFirst()
    }
    guard ran.starts(with: path) else {
        return ["runs \((["edpctl"] + ran).joined(separator: " ")), not \((["edpctl"] + path).joined(separator: " "))"]
    }
    let name = (["edpctl"] + ran).joined(separator: " ")
    var problems: [String] = []
    /// Checks one name; false when it is not the command's or is an option, which ends a `-abc` cluster.
    func check(_ spelled: String, valueAttached: Bool) -> Bool {
        guard let argument = command.argument(named: spelled) else {
            problems.append("`\(spelled)` is not an option of \(name)")
            return false
        }
        guard argument.kind == "option" else { return true }
        if !valueAttached && rest.popFirst() == nil { problems.append("`\(spelled)` needs a value") }
        return false
    }
    while let word = rest.popFirst(), word != "--" {
        guard word.hasPrefix("-"), word != "-" else { continue }
        if word.hasPrefix("--") || command.argument(named: word) != nil {
            // `--name`, `--name=value` or a single-dash long name.
            let spelled = String(word.prefix { $0 != "=" })
            _ = check(spelled, valueAttached: spelled != word)
        } else {
            // `-abc`: short flags, the last of which may be an option whose value is the rest of the word.
            var letters = word.dropFirst()
            while let letter = letters.popFirst(), check("-\(letter)", valueAttached: !letters.isEmpty) {}
        }
    }
    return problems
}

/// The words of an example's edpctl command, split as a shell splits a simple line: '…' and "…"
/// quote, a backslash escapes the next character; an unquoted `|`, `;`, `&`, `<` or `>`, or a `#`
/// that starts a word, ends the command. Nil when a quote is left open.
private func commandWords(_ line: String) -> [String]? {
    var words: [String] = []
    var word: String?
    var quote: Character?
    var escaped = false
    scan: for character in line {
        if escaped {
            word = (word ?? "") + String(character)
            escaped = false
        } else if let open = quote {
            if character == open {
                quote = nil
            } else if character == "\\" && open == "\"" {
                escaped = true
            } else {
                word?.append(character)
            }
        } else {
            switch character {
            case "'", "\"":
                quote = character
                word = word ?? ""
            case "\\": escaped = true
            case " ", "\t":
                if let finished = word { words.append(finished) }
                word = nil
            case "#" where word == nil: break scan
            case "|", ";", "&", "<", ">": break scan
            default: word = (word ?? "") + String(character)
            }
        }
    }
    if quote != nil { return nil }
    if let word { words.append(word) }
    return words
}

/// The parts of argument-parser's ToolInfoV0, the JSON of `--experimental-dump-help`, read here.
private struct DumpedTool: Decodable {
    let command: DumpedCommand
}

private struct DumpedCommand: Decodable {
    let commandName: String
    let discussion: String?
    let subcommands: [DumpedCommand]?
    /// Its own arguments and those of its option groups, `--help` (and at the root `--version`) included.
    let arguments: [DumpedArgument]?

    /// The lines of the discussion's "Examples:" section, indented as written; a blank or unindented
    /// line ends it.
    var exampleLines: [String] {
        let lines = (discussion ?? "").components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "Examples:" }) else {
            return []
        }
        return Array(lines[(start + 1)...].prefix { $0.hasPrefix(" ") && !$0.allSatisfy(\.isWhitespace) })
    }

    /// The examples, a line ending in `\` joined to the next as the shell would.
    var examples: [String] {
        exampleLines.map { $0.trimmingCharacters(in: .whitespaces) }
            .reduce(into: [String]()) { examples, line in
                if let last = examples.last, last.hasSuffix("\\") {
                    examples[examples.count - 1] = String(last.dropLast()) + line
                } else {
                    examples.append(line)
                }
            }
    }

    /// The argument spelled `name` (`--long`, `-s` or `-long`), if the command has one.
    func argument(named name: String) -> DumpedArgument? {
        arguments?.first { $0.names?.contains { $0.spelled == name } ?? false }
    }
}

private struct DumpedArgument: Decodable {
    struct Name: Decodable {
        let kind: String
        let name: String

        var spelled: String { (kind == "long" ? "--" : "-") + name }
    }

    /// positional, option (takes a value) or flag.
    let kind: String
    let names: [Name]?
}
