/// Why a YAML stream was refused, and where: libyaml's problem (`mapping values are not allowed in
/// this context`) or one of this module's rules (duplicate keys, undefined aliases, nesting, alias
/// expansion). It never quotes the source, which may hold a secret; callers prefix the file name.
package struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based.
    package let line: Int
    /// 1-based, in Unicode scalars, as libyaml counts.
    package let column: Int
    package let problem: String
    /// The text of a mapping key written twice, for callers that quote or redact it their own way;
    /// nil for every other problem and for a key that is a collection.
    package let duplicateKey: String?

    package init(line: Int, column: Int, problem: String, duplicateKey: String? = nil) {
        self.line = line
        self.column = column
        self.problem = problem
        self.duplicateKey = duplicateKey
    }

    /// `LINE:COL: problem`.
    package var description: String { "\(line):\(column): \(problem)" }

    /// go-yaml's wording.
    package static let excessiveAliasing = "document contains excessive aliasing"

    static func nestedTooDeeply(line: Int, column: Int) -> YAMLError {
        YAMLError(line: line, column: column, problem: "document nests deeper than \(YAMLParser.maxNestingDepth) levels")
    }

    /// The key is a field, not part of the text: callers quote it their way (Go's `%q`) or redact it.
    static func duplicate(_ key: String?, line: Int, column: Int) -> YAMLError {
        YAMLError(line: line, column: column, problem: "mapping key already defined", duplicateKey: key)
    }
}
