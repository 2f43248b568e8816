import ArgumentParser
import Foundation

/// `--color`: when edpctl's text carries escape codes.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never

    /// Whether what is written to `descriptor` is coloured. `auto` colours a terminal only, and not
    /// when NO_COLOR is set and non-empty (https://no-color.org) or TERM is `dumb`, as git and
    /// ripgrep do; `always` wins over both, for a pager or a log viewer that shows colour.
    func colors(_ descriptor: Int32, environment: [String: String]) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
            if environment["TERM"] == "dumb" { return false }
            return isatty(descriptor) != 0
        }
    }
}

/// `--color`, for every command that writes through `Output`.
struct ColorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Colour error and warning labels (and a diff or progress marks, where the command has them): \
        auto (on a terminal, unless $NO_COLOR is set or TERM=dumb), always or never.
        """, valueName: "when"))
    var color: ColorChoice = .auto
}

/// The escape codes edpctl writes, git's own (`git diff --color`, `error:` labels).
enum Style: String {
    case bold = "\u{1B}[1m"
    case red = "\u{1B}[31m"
    case green = "\u{1B}[32m"
    case yellow = "\u{1B}[33m"
    case cyan = "\u{1B}[36m"
    case boldRed = "\u{1B}[1;31m"
    case boldYellow = "\u{1B}[1;33m"

    func apply(_ text: some StringProtocol) -> String { rawValue + text + "\u{1B}[m" }

    /// A unified diff with git's colours: the `---`/`+++` lines bold, `@@ … @@` cyan, removed lines
    /// red, added ones green; context, `\ No newline…` and `Binary files…` as they are. A hunk is
    /// read by the counts of its header, so a removed line `-- x` (printed `--- x`) stays red.
    static func colouredDiff(_ diff: String) -> String {
        var oldLeft = 0
        var newLeft = 0
        return diff.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if oldLeft > 0 || newLeft > 0 {
                switch line.first {
                case " ": oldLeft -= 1; newLeft -= 1; return String(line)
                case "-": oldLeft -= 1; return Style.red.apply(line)
                case "+": newLeft -= 1; return Style.green.apply(line)
                case "\\": return String(line)
                default: oldLeft = 0; newLeft = 0
                }
            }
            if let header = hunkHeader(line) {
                (oldLeft, newLeft) = (header.old, header.new)
                // The text after `@@` (git's function context) stays plain, as in git.
                return Style.cyan.apply(line[..<header.end]) + line[header.end...]
            }
            if line.hasPrefix("--- ") || line.hasPrefix("+++ ") { return Style.bold.apply(line) }
            return String(line)
        }.joined(separator: "\n")
    }

    /// The line counts of `@@ -a[,b] +c[,d] @@` (a missing count is 1) and where its closing `@@`
    /// ends; nil for any other line.
    private static func hunkHeader(_ line: Substring) -> (old: Int, new: Int, end: Substring.Index)? {
        guard line.hasPrefix("@@ -"), let close = line.dropFirst(3).range(of: " @@") else { return nil }
        let ranges = line[line.index(line.startIndex, offsetBy: 3)..<close.lowerBound].split(separator: " ")
        guard ranges.count == 2, ranges[0].hasPrefix("-"), ranges[1].hasPrefix("+") else { return nil }
        func count(_ range: Substring) -> Int? {
            let parts = range.dropFirst().split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count <= 2, parts.allSatisfy({ Int($0) != nil }) else { return nil }
            return parts.count == 2 ? Int(parts[1]) : 1
        }
        guard let old = count(ranges[0]), let new = count(ranges[1]) else { return nil }
        return (old, new, close.upperBound)
    }
}
