import Foundation

/// The text of a `Warning:` header as Kubernetes sends it (RFC 7234's form: `299 - "text"`, the
/// text a quoted string with `\` escapes); a value not in that form is given back whole.
func warningText(_ value: String) -> String {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
    guard parts.count == 3, parts[0].count == 3, parts[0].allSatisfy(\.isNumber), parts[2].first == "\"" else {
        return trimmed
    }
    var text = ""
    var escaped = false
    for letter in parts[2].dropFirst() {
        if escaped {
            text.append(letter)
            escaped = false
        } else if letter == "\\" {
            escaped = true
        } else if letter == "\"" {
            return text  // a date may follow the closing quote
        } else {
            text.append(letter)
        }
    }
    return trimmed
}
