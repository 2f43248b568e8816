/// Why a template that renders to itself may not mean to: it holds no action in the delimiters it
/// is rendered with (edpctl's `<<< >>>`) but does hold `{{ … }}`, gomplate's and Go's default, so
/// it was most likely written for those. The warning names the flags that would render it.
/// Nil when the delimiters are `{{` already or the text has an action of its own.
package func defaultDelimiterHint(name: String, bytes: [UInt8], leftDelimiter: String) -> String? {
    let brace = UInt8(ascii: "{")
    guard leftDelimiter != "{{", !containsBytes(bytes, Array(leftDelimiter.utf8)),
          let open = bytes.indices.dropLast().first(where: { bytes[$0] == brace && bytes[$0 + 1] == brace }),
          containsBytes(Array(bytes[(open + 2)...]), Array("}}".utf8)) else { return nil }
    return "\(name): has {{ }} actions but no \(leftDelimiter) one, so it was copied as it is; "
        + "to render gomplate's delimiters: --left-delim '{{' --right-delim '}}'"
}
