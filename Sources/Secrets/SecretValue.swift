import Foundation

/// The bytes of a Secret's key. Whatever prints it — `description`, `debugDescription`, `dump`,
/// string interpolation — gets `<redacted>`, so a value cannot reach output, a log or an error by
/// accident; only `bytes` (for the manifest sent to the API) reads it.
package struct SecretValue: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    package let bytes: [UInt8]

    package init(_ bytes: [UInt8]) { self.bytes = bytes }
    package init(_ text: String) { bytes = Array(text.utf8) }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// The value as text for a template or a check; nil when it is not UTF-8.
    var text: String? { String(bytes: bytes, encoding: .utf8) }

    /// Compares every byte whatever the first difference, so timing does not tell where it is.
    package static func == (a: SecretValue, b: SecretValue) -> Bool {
        guard a.bytes.count == b.bytes.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a.bytes, b.bytes) { difference |= x ^ y }
        return difference == 0
    }
}
