import Foundation

/// The variables of a hydration whose values are credentials, and every form in which such a value
/// can show up in text. The one place that says what a credential is and how it is kept out of
/// messages: every diagnostic of a plan passes `redacting` before it leaves the module.
struct CredentialVariables: Sendable {
    struct Credential: Sendable {
        let name: String
        let value: [UInt8]
        /// The long lines of a value that has several (a PEM key), which a template indents one by
        /// one into YAML, where the whole value no longer appears: lines of 16 characters or more
        /// but for the `-----BEGIN …-----` armour.
        let lines: [[UInt8]]
        /// Base64 (standard and URL-safe) of the value, also as it sits inside a longer encoded text.
        let encodings: [[UInt8]]
        /// How a message may spell the value besides itself: Go-quoted, with `\"` and `\\`.
        let quoted: [UInt8]?
    }

    let credentials: [Credential]
    /// Every piece of `fragmentLength` characters of each value and of its base64, to the
    /// credential it belongs to.
    private let fragments: [String: Int]

    /// Names are matched in upper case, with `-` and `.` read as `_` (a `--values` file may say
    /// `api-key`). A name is a credential when it contains one of `markers`, or ends in `_KEY`
    /// (`SSH_KEY`, `AWS_SECRET_ACCESS_KEY`, but not `KEYCLOAK_URL` or `MONKEY`) unless the key is
    /// a public one (`SSH_PUBLIC_KEY`).
    static let markers = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "API_KEY", "CREDENTIAL",
                          "PRIVATE"]

    /// …and the name does not end in a word that makes its value a pointer to a credential rather
    /// than the credential: `TOKEN_URL`, `CLIENT_SECRET_NAME` (of a Kubernetes Secret),
    /// `PRIVATE_KEY_FILE`, `TOKEN_TTL`.
    static let referenceSuffixes = ["_URL", "_URI", "_ENDPOINT", "_HOST", "_PORT", "_PATH", "_FILE", "_DIR",
                                    "_NAME", "_NAMESPACE", "_TTL", "_TIMEOUT", "_ENABLED"]

    static func isCredentialName(_ name: String) -> Bool {
        let upper = String(name.uppercased().map { $0 == "-" || $0 == "." ? "_" : $0 })
        if referenceSuffixes.contains(where: upper.hasSuffix) { return false }
        if markers.contains(where: upper.contains) { return true }
        return upper.hasSuffix("_KEY") && !upper.hasSuffix("PUBLIC_KEY")
    }

    /// Short values, flags and plain numbers (`AUTH_TOKEN_ENABLED=true`) would match ordinary words
    /// all over the output without protecting anything.
    static func couldBeSecret(_ value: String) -> Bool {
        guard value.count >= 4 else { return false }
        if value.allSatisfy(\.isNumber) { return false }
        return !["true", "false", "yes", "no", "on", "off", "null", "none", "enabled", "disabled"]
            .contains(value.lowercased())
    }

    init(environment: [String: String]) {
        credentials = environment.keys.sorted(by: goStringLess).compactMap { name in
            guard Self.isCredentialName(name), let value = environment[name], Self.couldBeSecret(value) else {
                return nil
            }
            let quoted = String(goQuote(value).dropFirst().dropLast())
            let lines = value.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.count >= 16 && !$0.hasPrefix("-----") }
            return Credential(name: name, value: Array(value.utf8),
                              lines: value.contains(where: \.isNewline) ? lines.map { Array($0.utf8) } : [],
                              encodings: base64Forms(of: Array(value.utf8)), quoted: quoted == value ? nil : Array(quoted.utf8))
        }
        var fragments: [String: Int] = [:]
        for (index, credential) in credentials.enumerated() {
            // A PEM key's armour (`-----BEGIN OPENSSH PRIVATE KEY-----`) is no secret, and its words are common.
            let unarmoured = credential.lines.isEmpty ? credential.value : Array(credential.lines.joined(separator: [0x0A]))
            for form in [unarmoured, credential.encodings[0]] {
                let scalars = Array(String(decoding: form, as: UTF8.self).unicodeScalars)
                guard scalars.count >= Self.fragmentLength else { continue }
                for start in 0...(scalars.count - Self.fragmentLength) {
                    let piece = String(String.UnicodeScalarView(scalars[start..<(start + Self.fragmentLength)]))
                    if fragments[piece] == nil { fragments[piece] = index }
                }
            }
        }
        self.fragments = fragments
    }

    var isEmpty: Bool { credentials.isEmpty }

    /// The credential whose value or encoded value `text` holds, if any.
    func credential(in text: some Collection<UInt8>) -> Credential? {
        let bytes = Array(text)
        return credentials.first { credential in
            ([credential.value] + credential.lines + credential.encodings).contains { !occurrences(of: $0, in: bytes).isEmpty }
        }
    }

    // MARK: Redaction

    /// A fragment of a value this long is redacted wherever it stands in a message.
    static let fragmentLength = 6
    /// A quoted text (`"…"`, `` `…` ``, `'…'`, also cut short with `...`) this long is redacted when
    /// a credential value contains it.
    static let quotedFragmentLength = 4

    /// Every problem of a hydration as it may be shown: messages redacted, file names kept.
    func redacting(_ error: HydrationError) -> HydrationError {
        guard !isEmpty else { return error }
        switch error {
        case .invalidInput(let message):
            return .invalidInput(redacting(message))
        case .rejected(let diagnostics):
            return .rejected(diagnostics.map { diagnostic in
                HydrationDiagnostic(kind: diagnostic.kind, file: diagnostic.file, line: diagnostic.line,
                                    column: diagnostic.column,
                                    message: redacting(diagnostic.message, keeping: [diagnostic.file]))
            })
        case .writeFailed(let messages):
            return .writeFailed(messages.map { redacting($0) })
        }
    }

    /// `text` with each credential value replaced by `<NAME redacted>`: the value itself, its
    /// base64 and Go-quoted forms, any piece of `fragmentLength` characters of the value or its
    /// base64, and any quoted text of `quotedFragmentLength` or more that a value contains (a
    /// parser quoting the first characters of a line). Occurrences of `keeping` (the file's own
    /// path) and of the credentials' names are left alone unless a whole value is in them.
    func redacting(_ text: String, keeping: [String] = []) -> String {
        guard !isEmpty else { return text }
        let scalars = Array(text.unicodeScalars)
        var owner = [Int?](repeating: nil, count: scalars.count)
        var kept = [Bool](repeating: false, count: scalars.count)
        for protected in keeping + credentials.map(\.name) where !protected.isEmpty {
            for start in occurrences(of: Array(protected.unicodeScalars), in: scalars) {
                for index in start..<(start + protected.unicodeScalars.count) { kept[index] = true }
            }
        }
        // Whole forms, longest first, so that a value containing another is named as itself.
        var forms: [(scalars: [Unicode.Scalar], owner: Int)] = []
        for (index, credential) in credentials.enumerated() {
            for form in [credential.value] + credential.lines + credential.encodings + [credential.quoted].compactMap({ $0 }) {
                forms.append((Array(String(decoding: form, as: UTF8.self).unicodeScalars), index))
            }
        }
        for form in forms.sorted(by: { $0.scalars.count > $1.scalars.count }) {
            for start in occurrences(of: form.scalars, in: scalars)
            where owner[start..<(start + form.scalars.count)].allSatisfy({ $0 == nil }) {
                for index in start..<(start + form.scalars.count) { owner[index] = form.owner }
            }
        }
        markFragments(in: scalars, owner: &owner, kept: kept)
        markQuotedFragments(in: scalars, owner: &owner, kept: kept)

        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard let name = owner[index].map({ credentials[$0].name }) else {
                result.append(scalars[index])
                index += 1
                continue
            }
            result.append(contentsOf: "<\(name) redacted>".unicodeScalars)
            while index < scalars.count && owner[index] != nil { index += 1 }
        }
        return String(result)
    }

    /// `message` with what YAML decoding errors quote of a scalar (`` cannot decode !!str `…` as a
    /// !!int ``) left out: for a `--values` file that did not parse, nobody knows yet which of its
    /// scalars are credentials.
    static func withoutQuotedScalars(_ message: String) -> String {
        var result = ""
        var quoted = false
        for character in message {
            if character == "`" {
                result += quoted ? "…`" : "`"
                quoted.toggle()
            } else if !quoted {
                result.append(character)
            }
        }
        return result
    }

    /// Marks every run of `fragmentLength` characters that a value (or its base64) also holds.
    private func markFragments(in scalars: [Unicode.Scalar], owner: inout [Int?], kept: [Bool]) {
        let length = Self.fragmentLength
        guard scalars.count >= length else { return }
        for start in 0...(scalars.count - length) {
            let window = start..<(start + length)
            guard !kept[window].contains(true),
                  let index = fragments[String(String.UnicodeScalarView(scalars[window]))] else { continue }
            for position in window where owner[position] == nil { owner[position] = index }
        }
    }

    /// Marks quoted texts that are a piece of a value, with or without a trailing `...`.
    private func markQuotedFragments(in scalars: [Unicode.Scalar], owner: inout [Int?], kept: [Bool]) {
        var start = 0
        while start < scalars.count {
            let quote = scalars[start]
            guard quote == "\"" || quote == "`" || quote == "'",
                  let end = scalars[(start + 1)...].firstIndex(of: quote) else {
                start += 1
                continue
            }
            var content = Array(scalars[(start + 1)..<end])
            if content.count > 3 && content.suffix(3).allSatisfy({ $0 == "." }) { content.removeLast(3) }
            let range = (start + 1)..<(start + 1 + content.count)
            if content.count >= Self.quotedFragmentLength, !kept[range].contains(true),
               let index = credentials.firstIndex(where: { credential in
                   !occurrences(of: content, in: Array(String(decoding: credential.value, as: UTF8.self).unicodeScalars))
                       .isEmpty
               }) {
                for position in range where owner[position] == nil { owner[position] = index }
            }
            start = end + 1
        }
    }
}

/// The base64 spellings of `value` worth searching for: its standard and URL-safe encodings, and
/// the characters that encode only the value when other bytes come before or after it (so
/// `base64("user:" + value)` holds one of them). Those inner forms are left out when shorter
/// than 8 characters, which ordinary text could hold by chance.
private func base64Forms(of value: [UInt8]) -> [[UInt8]] {
    var forms: [[UInt8]] = [Array(Data(value).base64EncodedString().utf8)]
    for shift in 0...2 {
        let encoded = Array(Data(Array(repeating: 0, count: shift) + value).base64EncodedString().utf8)
        let unpadded = encoded.prefix { $0 != UInt8(ascii: "=") }
        // The first characters mix in the bytes before; a last partial group mixes in the byte after.
        let leading = [0, 2, 3][shift]
        let trailing = (shift + value.count) % 3 == 0 ? 0 : 1
        let inner = Array(unpadded.dropFirst(leading).dropLast(trailing))
        if inner.count >= 8 && !forms.contains(inner) { forms.append(inner) }
    }
    for form in forms {
        let urlSafe = form.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }
        if urlSafe != form { forms.append(urlSafe) }
    }
    return forms
}

/// Offsets where `needle` starts in `haystack`, overlapping ones included.
func occurrences<Element: Equatable>(of needle: [Element], in haystack: [Element]) -> [Int] {
    guard !needle.isEmpty, haystack.count >= needle.count else { return [] }
    var offsets: [Int] = []
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<(start + needle.count)].elementsEqual(needle) { offsets.append(start) }
    }
    return offsets
}
