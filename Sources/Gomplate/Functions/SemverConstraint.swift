import Template

/// A Masterminds/semver v3 constraint: alternatives separated by `||`, each a list of comparisons
/// joined by commas or spaces (all must hold). A comparison is an operator (`=`, `!=`, `>`, `<`,
/// `>=`, `<=`, `~`, `~>`, `^`, or none) and a version in which `x`, `X` or `*` (or a missing part)
/// is a wildcard; `A - B` is a range. The syntax is matched with Go's regular expression semantics
/// (edpctl's `GoRegexp`), since which texts the library accepts and how it splits them follows
/// from its expressions' leftmost-first matching.
struct VersionConstraint {
    private struct Comparison {
        let operation: String
        let version: SemanticVersion
        /// A wildcard somewhere: in the major part (`*`), the minor part (`1.x`, `1`) or the patch.
        let anyMajor: Bool
        let anyMinor: Bool
        let anyPatch: Bool
        var hasWildcard: Bool { anyMajor || anyMinor || anyPatch }
    }

    private let alternatives: [[Comparison]]

    /// A version with wildcards; 9 groups: major, `.minor`, `.patch`, `-prerelease` (3), `+metadata` (3).
    /// `|` inside the number classes is part of the library's syntax (a quirk kept on purpose).
    private static let version = #"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"#
        + #"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"#
    /// The empty operator comes second, so that `=` wins where both fit.
    private static let operators = #"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"#
    private static let range = #"\s*("# + version + #")\s+-\s+("# + version + #")\s*"#
    private static let comparison = "(" + operators + #")\s*("# + version + ")"
    private static let anchoredComparison = #"^\s*("# + operators + #")\s*("# + version + #")\s*$"#
    private static let alternative = #"^(\s*("# + operators + #")\s*("# + version + #")\s*)((?:\s+|,\s*)("#
        + operators + #")\s*("# + version + #")\s*)*$"#

    /// The library's `NewConstraint`, with its error messages.
    init(parsing text: String) throws {
        let rewritten = try Self.rewritingRanges(text)
        let validator = try GoRegexp.compiled(Self.alternative)
        let finder = try GoRegexp.compiled(Self.comparison)
        alternatives = try rewritten.components(separatedBy: "||").map { alternative in
            guard validator.isMatch(alternative) else {
                throw FunctionError("improper constraint: \(goQuote(alternative))")
            }
            let found = finder.matches(in: alternative, limit: -1).map { String(alternative[$0.range]) }
            return try (found.isEmpty ? [alternative] : found).map(Self.comparison(parsing:))
        }
    }

    /// `A - B` becomes `>= A, <= B ` (each match replaced where it first occurs, as the library does).
    private static func rewritingRanges(_ text: String) throws -> String {
        var result = text
        for match in try GoRegexp.compiled(range).matches(in: text, limit: -1, groups: true) {
            guard let from = match.groups[1], let to = match.groups[11],
                  let place = result.range(of: String(text[match.range])) else { continue }
            result.replaceSubrange(place, with: ">= \(text[from]), <= \(text[to]) ")
        }
        return result
    }

    private static func comparison(parsing text: String) throws -> Comparison {
        guard let match = try GoRegexp.compiled(anchoredComparison).matches(in: text, limit: 1, groups: true).first else {
            throw FunctionError("improper constraint: \(goQuote(text))")
        }
        func group(_ index: Int) -> String { match.groups[index].map { String(text[$0]) } ?? "" }
        func isWildcard(_ part: String) -> Bool { ["x", "X", "*"].contains(part) }
        let major = group(3)
        let minor = group(4)
        let patch = group(5)
        let prerelease = group(6)
        var versionText = group(2)
        var (anyMajor, anyMinor, anyPatch) = (false, false, false)
        if isWildcard(major) || major.isEmpty {
            versionText = "0.0.0" + prerelease
            anyMajor = true
        } else if isWildcard(String(minor.dropFirst())) || minor.isEmpty {
            versionText = major + ".0.0" + prerelease
            anyMinor = true
        } else if isWildcard(String(patch.dropFirst())) || patch.isEmpty {
            versionText = major + minor + ".0" + prerelease
            anyPatch = true
        }
        guard let version = try? SemanticVersion(parsing: versionText) else {
            throw FunctionError("constraint parser error")
        }
        return Comparison(operation: group(1), version: version, anyMajor: anyMajor, anyMinor: anyMinor, anyPatch: anyPatch)
    }

    /// Whether some alternative holds entirely. A prerelease version satisfies an alternative only
    /// when one of its comparisons names a prerelease.
    func isSatisfied(by version: SemanticVersion) -> Bool {
        alternatives.contains { comparisons in
            let allowsPrerelease = comparisons.contains { !$0.version.prerelease.isEmpty }
            if !version.prerelease.isEmpty && !allowsPrerelease { return false }
            return comparisons.allSatisfy { Self.holds($0, for: version) }
        }
    }

    private static func holds(_ c: Comparison, for v: SemanticVersion) -> Bool {
        let bound = c.version
        switch c.operation {
        case "", "=":
            return c.hasWildcard ? tilde(c, v) : v.compare(bound) == 0
        case "!=":
            if c.hasWildcard {
                if bound.major != v.major { return true }
                if c.anyMinor { return false }
                if bound.minor != v.minor { return true }
                if c.anyPatch {
                    return comparePrerelease(v.prerelease, bound.prerelease) != 0
                }
                if bound.patch != v.patch { return true }
            }
            return v.compare(bound) != 0
        case ">":
            guard c.hasWildcard, !c.anyMajor else { return v.compare(bound) > 0 }
            if v.major != bound.major { return v.major > bound.major }
            if c.anyMinor { return false }
            return v.minor > bound.minor
        case "<":
            return v.compare(bound) < 0
        case ">=", "=>":
            return v.compare(bound) >= 0
        case "<=", "=<":
            guard c.hasWildcard else { return v.compare(bound) <= 0 }
            if v.major > bound.major { return false }
            return !(v.major == bound.major && v.minor > bound.minor && !c.anyMinor)
        case "~", "~>":
            return tilde(c, v)
        default: // "^"
            if v.compare(bound) < 0 { return false }
            if bound.major > 0 || c.anyMinor { return v.major == bound.major }
            if v.major > 0 { return false }
            if bound.minor > 0 || c.anyPatch { return v.minor == bound.minor }
            if v.minor > 0 { return false }
            return v.patch == bound.patch
        }
    }

    /// `~1.2.3` is `>= 1.2.3, < 1.3.0`; `~1` is `>= 1, < 2`; `~0`… `~*` admit everything from 0.0.0.
    private static func tilde(_ c: Comparison, _ v: SemanticVersion) -> Bool {
        let bound = c.version
        if v.compare(bound) < 0 { return false }
        if bound.major == 0 && bound.minor == 0 && bound.patch == 0 && !c.anyMinor && !c.anyPatch { return true }
        if v.major != bound.major { return false }
        return v.minor == bound.minor || c.anyMinor
    }
}
