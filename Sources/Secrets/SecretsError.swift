import Template

/// Every problem found at once (loading, resolving or planning), one diagnostic each, in file
/// order: `secrets.yaml:12:7: what is wrong`. No diagnostic carries a value or a source line.
package struct SecretsError: Error, Sendable, CustomStringConvertible {
    package let diagnostics: [Diagnostic]

    package init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    package var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
