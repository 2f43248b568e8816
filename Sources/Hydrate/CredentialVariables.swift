import Template
import Gomplate
import Foundation

/// The variables of a hydration whose values are credentials, and every form in which such a value
/// can show up in text. The one place that says what a credential is and how it is kept out of
/// messages: every diagnostic of a plan passes `redacting` before it leaves the module.
///
/// Text is compared case-folded (`CaseFolding`): `strings.ToUpper` of a token is as good as the
/// token (hex and base32 tokens work in any case), so neither the guard nor redaction may care.
struct CredentialVariables: Sendable {
    /// How a credential's text was changed on its way into an output, as a finding says it.
    enum Encoding: String, Sendable {
        case none = ""
        case escaped = " escaped (quoted, JSON, HTML or JavaScript)"
        case percentEncoded = " percent-encoded"
        case hex = " hex-encoded"
        case base32 = " base32-encoded"
        case base64 = " base64-encoded"
    }

    struct Spelling: Sendable {
        let text: [UInt32]
        let encoding: Encoding
        let isURLPassword: Bool
    }

    struct Credential: Sendable {
        let name: String
        /// What is secret: the value of a credential variable, and the password in the userinfo of
        /// any URL in a variable's value (`postgres://u:PASSWORD@db/x`), decoded and as written.
        let secrets: [String]
        /// Every spelling of the secrets worth searching for, case-folded, each once, and whether
        /// it spells a URL's password (else the variable's value).
        let forms: [Spelling]
    }

    let credentials: [Credential]
    /// Every form of every credential, to the credential and form it belongs to.
    private let matcher: FormMatcher
    private let formOwners: [(credential: Int, form: Int)]
    /// The secrets case-folded, for quoted texts that are a piece of one.
    private let foldedSecrets: [[[UInt32]]]
    /// Every piece of `fragmentLength` characters of each secret and of its base64, case-folded,
    /// to the credential it belongs to.
    private let fragments: [[UInt32]: Int]

    // MARK: Names

    /// Names are matched in upper case, with `-` and `.` read as `_` (a `--values` file may say
    /// `api-key`), and split into words at `_`. A name is a credential when:
    /// - it contains one of `markers` (`DB_PASSWORD`, `GITHUB_TOKEN`, `OIDC_CLIENT_SECRET`);
    /// - one of its words is one of `credentialWords` (`DB_PASS`, `GITHUB_PAT`, `ADMIN_PW`), or is
    ///   or ends in `PWD` (`MYSQL_PWD`, `DBPWD`), but for the shell's `PWD` and `OLDPWD`;
    /// - its last word is one of `lastWords` (`NPM_AUTH`, `BASIC_AUTH`, `RABBITMQ_ERLANG_COOKIE`,
    ///   `PKCS11_PIN`), or a longer word ending in `AUTH` but `OAUTH` (`BASICAUTH`): first or
    ///   inside a name these words are mostly settings (`AUTH_TYPE`, `COOKIE_SAMESITE`, `PIN_VERSION`);
    /// - or it ends in `_KEY` (`SSH_KEY`, `AWS_SECRET_ACCESS_KEY`, but not `KEYCLOAK_URL` or
    ///   `MONKEY`) unless the key is a public one (`SSH_PUBLIC_KEY`).
    static let markers = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "API_KEY", "CREDENTIAL",
                          "PRIVATE"]
    /// Whole words only: `PATH`, `PATCH`, `BYPASS` and `PASSAGE` are no credentials.
    static let credentialWords: Set<Substring> = ["PASS", "PW", "PAT"]
    static let lastWords: Set<Substring> = ["AUTH", "COOKIE", "PIN"]
    /// The shell's working folders, which a `*PWD*` rule would otherwise take for passwords.
    static let shellVariables: Set<String> = ["PWD", "OLDPWD"]

    /// …and the name does not end in a word that makes its value a pointer to a credential or a
    /// setting about it rather than the credential: `TOKEN_URL`, `CLIENT_SECRET_NAME` (of a
    /// Kubernetes Secret), `PRIVATE_KEY_FILE`, `TOKEN_TTL`, `TOKEN_TYPE`, `DB_PASS_USER`.
    static let referenceSuffixes = ["_URL", "_URI", "_ENDPOINT", "_HOST", "_PORT", "_PATH", "_FILE", "_DIR",
                                    "_NAME", "_NAMESPACE", "_TTL", "_TIMEOUT", "_ENABLED", "_TYPE", "_METHOD",
                                    "_DOMAIN", "_USER", "_USERNAME"]

    static func isCredentialName(_ name: String) -> Bool {
        let upper = String(name.uppercased().map { $0 == "-" || $0 == "." ? "_" : $0 })
        if shellVariables.contains(upper) || referenceSuffixes.contains(where: upper.hasSuffix) { return false }
        if markers.contains(where: upper.contains) { return true }
        let words = upper.split(separator: "_")
        if words.contains(where: { credentialWords.contains($0) || $0.hasSuffix("PWD") }) { return true }
        if let last = words.last, lastWords.contains(last) || (last.hasSuffix("AUTH") && last != "OAUTH") {
            return true
        }
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

    /// The password of every `scheme://user:password@host` in `value` (a DSN, a proxy, a list of
    /// brokers), as written and percent-decoded. The rest of a URL is no secret.
    static func userinfoPasswords(in value: String) -> [String] {
        let scalars = Array(value.unicodeScalars)
        var passwords: [String] = []
        for separator in occurrences(of: Array("://".unicodeScalars), in: scalars) {
            let scheme = scalars[..<separator].reversed().prefix(while: isSchemeScalar)
            guard let first = scheme.last, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { continue }
            let authority = scalars[(separator + 3)...].prefix { !"/?#".unicodeScalars.contains($0) && !$0.properties.isWhitespace }
            guard let at = authority.lastIndex(of: "@"),
                  let colon = authority[..<at].firstIndex(of: ":") else { continue }
            let password = String(String.UnicodeScalarView(authority[(colon + 1)..<at]))
            for form in [password, password.removingPercentEncoding].compactMap({ $0 })
            where couldBeSecret(form) && !passwords.contains(form) {
                passwords.append(form)
            }
        }
        return passwords
    }

    private static func isSchemeScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "+-.".unicodeScalars.contains(scalar))
    }

    // MARK: Building

    init(environment: [String: String]) {
        var credentials: [Credential] = []
        for name in environment.keys.sorted(by: goStringLess) {
            let value = environment[name] ?? ""
            let whole = Self.isCredentialName(name) && Self.couldBeSecret(value) ? [value] : []
            let passwords = Self.userinfoPasswords(in: value).filter { !whole.contains($0) }
            guard !whole.isEmpty || !passwords.isEmpty else { continue }
            var seen: Set<[UInt32]> = []
            let forms = spellings(of: whole, isURLPassword: false, seen: &seen)
                + spellings(of: passwords, isURLPassword: true, seen: &seen)
            credentials.append(Credential(name: name, secrets: whole + passwords, forms: forms))
        }
        self.credentials = credentials

        var patterns: [[UInt32]] = []
        var owners: [(credential: Int, form: Int)] = []
        var fragments: [[UInt32]: Int] = [:]
        for (index, credential) in credentials.enumerated() {
            for (formIndex, form) in credential.forms.enumerated() {
                patterns.append(form.text)
                owners.append((index, formIndex))
            }
            for secret in credential.secrets {
                // A PEM key's armour (`-----BEGIN OPENSSH PRIVATE KEY-----`) is no secret, and its words are common.
                let lines = longLines(of: secret)
                let unarmoured = lines.isEmpty ? secret : lines.joined(separator: "\n")
                for form in [unarmoured, Data(secret.utf8).base64EncodedString()] {
                    let folded = CaseFolding.fold(form)
                    guard folded.count >= Self.fragmentLength else { continue }
                    for start in 0...(folded.count - Self.fragmentLength) {
                        let piece = Array(folded[start..<(start + Self.fragmentLength)])
                        if fragments[piece] == nil { fragments[piece] = index }
                    }
                }
            }
        }
        matcher = FormMatcher(patterns)
        formOwners = owners
        foldedSecrets = credentials.map { $0.secrets.map(CaseFolding.fold) }
        self.fragments = fragments
    }

    var isEmpty: Bool { credentials.isEmpty }

    // MARK: Searching

    /// Where a form of a credential starts in some case-folded text.
    struct Match {
        let credential: Int
        let encoding: Encoding
        let isURLPassword: Bool
        let start: Int
        let length: Int
    }

    /// Every form of every credential in `text` (case-folded), overlapping ones included.
    func matches(in text: [UInt32]) -> [Match] {
        var found: [Match] = []
        matcher.forEachMatch(in: text) { start, pattern in
            let (credential, form) = formOwners[pattern]
            let spelling = credentials[credential].forms[form]
            found.append(Match(credential: credential, encoding: spelling.encoding, isURLPassword: spelling.isURLPassword,
                               start: start, length: spelling.text.count))
        }
        return found
    }

    /// The credential whose value, in any of its forms, `text` holds, if any.
    func credential(in text: some Collection<UInt8>) -> Credential? {
        guard !isEmpty else { return nil }
        let owner = matches(in: CaseFolding.fold(bytes: Array(text)).units).map(\.credential).min()
        return owner.map { credentials[$0] }
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
                                    message: redacting(diagnostic.message, keeping: [diagnostic.file]),
                                    subject: diagnostic.diagnostic.subject.map { redacting($0) })
            })
        case .writeFailed(let messages):
            return .writeFailed(messages.map { redacting($0) })
        }
    }

    /// `text` with each credential replaced by `<NAME redacted>`: every form the guard looks for
    /// (the value, its lines, its escaped, percent-, hex-, base32- and base64-encoded forms), any
    /// piece of `fragmentLength` characters of the value or its base64, and any quoted text of
    /// `quotedFragmentLength` or more that a value contains (a parser quoting the first
    /// characters of a line), all in any case. Occurrences of `keeping` (the file's own path) and
    /// of the credentials' names are left alone unless a whole form is in them.
    func redacting(_ text: String, keeping: [String] = []) -> String {
        guard !isEmpty else { return text }
        let scalars = Array(text.unicodeScalars)
        let folded = scalars.map(CaseFolding.fold)
        var owner = [Int?](repeating: nil, count: scalars.count)
        var kept = [Bool](repeating: false, count: scalars.count)
        for protected in keeping + credentials.map(\.name) where !protected.isEmpty {
            let needle = CaseFolding.fold(protected)
            for start in occurrences(of: needle, in: folded) {
                for index in start..<(start + needle.count) { kept[index] = true }
            }
        }
        // Whole forms, longest first, so that a value containing another is named as itself.
        for match in matches(in: folded).sorted(by: { $0.length > $1.length }) {
            let range = match.start..<(match.start + match.length)
            guard owner[range].allSatisfy({ $0 == nil }) else { continue }
            for index in range { owner[index] = match.credential }
        }
        markFragments(in: folded, owner: &owner, kept: kept)
        markQuotedFragments(in: folded, owner: &owner, kept: kept)

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

    /// `message` with what YAML decoding errors quote of the document left out: a scalar
    /// (`` cannot decode !!str `…` as a !!int ``) and a duplicate key (`mapping key "…" already
    /// defined`). For a `--values` file that did not parse, nobody knows yet which of its
    /// scalars are credentials, and a key may be one too.
    static func withoutQuotedScalars(_ message: String) -> String {
        var result = ""
        var quoted = false
        for character in withoutDuplicateKey(message) {
            if character == "`" {
                result += quoted ? "…`" : "`"
                quoted.toggle()
            } else if !quoted {
                result.append(character)
            }
        }
        return result
    }

    /// `mapping key "<Go-quoted key>"` as `mapping key "…"`, escapes and all.
    private static func withoutDuplicateKey(_ message: String) -> String {
        let opening = "mapping key \""
        guard let start = message.range(of: opening) else { return message }
        var index = start.upperBound
        while index < message.endIndex && message[index] != "\"" {
            if message[index] == "\\" { index = message.index(after: index) }
            guard index < message.endIndex else { return message }
            index = message.index(after: index)
        }
        guard index < message.endIndex else { return message }
        return String(message[..<start.upperBound]) + "…" + message[index...]
    }

    /// Marks every run of `fragmentLength` characters that a value (or its base64) also holds.
    private func markFragments(in folded: [UInt32], owner: inout [Int?], kept: [Bool]) {
        let length = Self.fragmentLength
        guard folded.count >= length else { return }
        for start in 0...(folded.count - length) {
            let window = start..<(start + length)
            guard !kept[window].contains(true), let index = fragments[Array(folded[window])] else { continue }
            for position in window where owner[position] == nil { owner[position] = index }
        }
    }

    /// Marks quoted texts that are a piece of a value, with or without a trailing `...`.
    private func markQuotedFragments(in folded: [UInt32], owner: inout [Int?], kept: [Bool]) {
        let quotes: [UInt32] = [UInt32(UInt8(ascii: "\"")), UInt32(UInt8(ascii: "`")), UInt32(UInt8(ascii: "'"))]
        let dot = UInt32(UInt8(ascii: "."))
        var start = 0
        while start < folded.count {
            let quote = folded[start]
            guard quotes.contains(quote), let end = folded[(start + 1)...].firstIndex(of: quote) else {
                start += 1
                continue
            }
            var content = Array(folded[(start + 1)..<end])
            if content.count > 3 && content.suffix(3).allSatisfy({ $0 == dot }) { content.removeLast(3) }
            let range = (start + 1)..<(start + 1 + content.count)
            if content.count >= Self.quotedFragmentLength, !kept[range].contains(true),
               let index = foldedSecrets.firstIndex(where: { secrets in
                   secrets.contains { !occurrences(of: content, in: $0).isEmpty }
               }) {
                for position in range where owner[position] == nil { owner[position] = index }
            }
            start = end + 1
        }
    }
}

// MARK: - Spellings

/// Every spelling of `secrets` that gives the secret back as easily as base64 does, case-folded and
/// each once (the first encoding that yields a text names it): the text itself in upper and lower
/// case (which case folding alone misses for `ß` → `SS`) and, for a multi-line value, each long
/// line; Go-, JSON-, HTML-, JavaScript-, shell- and YAML-single-quoted escapes; `urlquery`'s,
/// `url.PathEscape`'s and full percent-encoding; hex; base32 and base64 (standard and URL-safe),
/// also as they sit inside a longer encoded text.
private func spellings(of secrets: [String], isURLPassword: Bool,
                       seen: inout Set<[UInt32]>) -> [CredentialVariables.Spelling] {
    var forms: [CredentialVariables.Spelling] = []
    func add(_ text: String, _ encoding: CredentialVariables.Encoding) {
        let folded = CaseFolding.fold(text)
        if folded.count >= 2 && seen.insert(folded).inserted {
            forms.append(CredentialVariables.Spelling(text: folded, encoding: encoding, isURLPassword: isURLPassword))
        }
    }
    for secret in secrets {
        for text in [secret, secret.uppercased(), secret.lowercased()] + longLines(of: secret) { add(text, .none) }
        var json: [UInt8] = []
        appendJSONString(secret, to: &json)
        let jsonText = String(decoding: json.dropFirst().dropLast(), as: UTF8.self)
        for text in [String(goQuote(secret).dropFirst().dropLast()), String(goQuote(secret, asciiOnly: true).dropFirst().dropLast()),
                     jsonText, jsonText.replacingOccurrences(of: "/", with: "\\/"),
                     Builtins.htmlEscape(secret), Builtins.jsEscape(secret),
                     secret.replacingOccurrences(of: "'", with: "''"), secret.replacingOccurrences(of: "'", with: "'\"'\"'")] {
            add(text, .escaped)
        }
        let bytes = Array(secret.utf8)
        for text in [Builtins.queryEscape(secret), percentEncoded(bytes, keeping: pathSafe),
                     percentEncoded(bytes, keeping: [])] {
            add(text, .percentEncoded)
        }
        add(bytes.map { String(format: "%02x", $0) }.joined(), .hex)
        for text in radixForms(of: bytes, bitsPerCharacter: 5) { add(text, .base32) }
        for text in radixForms(of: bytes, bitsPerCharacter: 6) { add(text, .base64) }
    }
    return forms
}

/// Lines of 16 characters or more of a value that has several (a PEM key, which a template indents
/// one by one into YAML, where the whole value no longer appears), but for the `-----BEGIN …-----`
/// armour.
private func longLines(of value: String) -> [String] {
    guard value.contains(where: \.isNewline) else { return [] }
    return value.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { $0.count >= 16 && !$0.hasPrefix("-----") }
}

/// What `url.PathEscape` leaves as it is besides letters, digits and `-_.~`.
private let pathSafe = Set("$&+,/:;=@".utf8)

/// Every byte but letters, digits, `-_.~` and `keeping` as `%XX`.
private func percentEncoded(_ bytes: [UInt8], keeping: Set<UInt8>) -> String {
    var out = ""
    for byte in bytes {
        let scalar = Unicode.Scalar(byte)
        if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.~".unicodeScalars.contains(scalar))
            || keeping.contains(byte) {
            out.unicodeScalars.append(scalar)
        } else {
            out += String(format: "%%%02X", byte)
        }
    }
    return out
}

/// The base32 (5 bits a character) or base64 (6 bits) spellings of `value`: its whole encoding,
/// padded and not (base64 also URL-safe), and the characters that encode only the value when other bytes come
/// before or after it (so `base64("user:" + value)` holds one of them). Those inner forms are left
/// out when shorter than 8 characters, which ordinary text could hold by chance.
private func radixForms(of value: [UInt8], bitsPerCharacter: Int) -> [String] {
    let groupBytes = bitsPerCharacter == 6 ? 3 : 5
    func encode(_ bytes: [UInt8]) -> String {
        bitsPerCharacter == 6 ? Data(bytes).base64EncodedString() : base32Encoded(bytes)
    }
    let whole = encode(value)
    // Unpadded too, as base64url in a JWT and base32 in an OTP secret are written.
    var forms = [whole, String(whole.prefix { $0 != "=" })]
    for shift in 0..<groupBytes {
        let unpadded = Array(encode(Array(repeating: 0, count: shift) + value).prefix { $0 != "=" })
        // The first characters mix in the bytes before; a last partial character mixes in the byte after.
        let leading = shift * 8 / bitsPerCharacter + (shift * 8 % bitsPerCharacter == 0 ? 0 : 1)
        let trailing = (shift + value.count) * 8 % bitsPerCharacter == 0 ? 0 : 1
        let inner = String(unpadded.dropFirst(leading).dropLast(trailing))
        if inner.count >= 8 && !forms.contains(inner) { forms.append(inner) }
    }
    if bitsPerCharacter == 6 {
        for form in forms {
            let urlSafe = String(form.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
            if urlSafe != form { forms.append(urlSafe) }
        }
    }
    return forms
}

/// RFC 4648 base32, padded, as Go's `base32.StdEncoding`.
private func base32Encoded(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    var out = ""
    var buffer = 0
    var bits = 0
    for byte in bytes {
        buffer = buffer << 8 | Int(byte)
        bits += 8
        while bits >= 5 {
            out.append(alphabet[(buffer >> (bits - 5)) & 31])
            bits -= 5
        }
        buffer &= (1 << bits) - 1
    }
    if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
    while out.count % 8 != 0 { out.append("=") }
    return out
}

// MARK: - Case folding and search

/// Text compared without regard to case: each Unicode scalar as its simple lower-case mapping
/// (ASCII at once; others when their lower case is a single scalar), and a byte that is not part
/// of valid UTF-8 as a unit of its own that no scalar equals.
enum CaseFolding {
    static func fold(_ scalar: Unicode.Scalar) -> UInt32 {
        if scalar.isASCII {
            return ("A"..."Z").contains(scalar) ? scalar.value + 32 : scalar.value
        }
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first!.value : scalar.value
    }

    static func fold(_ text: String) -> [UInt32] { text.unicodeScalars.map(fold) }

    /// Folded units and the byte offset each starts at.
    static func fold(bytes: [UInt8]) -> (units: [UInt32], offsets: [Int]) {
        var units: [UInt32] = []
        var offsets: [Int] = []
        units.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            offsets.append(index)
            let byte = bytes[index]
            if byte < 0x80 {
                units.append(byte >= 0x41 && byte <= 0x5A ? UInt32(byte) + 32 : UInt32(byte))
                index += 1
                continue
            }
            let (scalar, width) = decodeUTF8(bytes, index)
            units.append(scalar.map(fold) ?? 0x11_0000 + UInt32(byte))
            index += scalar == nil ? 1 : width
        }
        return (units, offsets)
    }
}

/// Finds many patterns in one pass over a text: each position is looked up by its first two units,
/// behind a bit table that turns away almost every position at the cost of one load.
private struct FormMatcher: Sendable {
    private let patterns: [[UInt32]]
    private let byPrefix: [UInt64: [Int]]
    private let filter: [UInt64]

    init(_ patterns: [[UInt32]]) {
        self.patterns = patterns
        var byPrefix: [UInt64: [Int]] = [:]
        var filter = [UInt64](repeating: 0, count: 1024)
        for (index, pattern) in patterns.enumerated() where pattern.count >= 2 {
            byPrefix[Self.key(pattern[0], pattern[1]), default: []].append(index)
            let slot = Self.slot(pattern[0], pattern[1])
            filter[slot >> 6] |= 1 << UInt64(slot & 63)
        }
        self.byPrefix = byPrefix
        self.filter = filter
    }

    private static func key(_ first: UInt32, _ second: UInt32) -> UInt64 { UInt64(first) << 32 | UInt64(second) }
    private static func slot(_ first: UInt32, _ second: UInt32) -> Int { Int((first &* 40503 ^ second) & 0xFFFF) }

    func forEachMatch(in text: [UInt32], _ body: (_ start: Int, _ pattern: Int) -> Void) {
        guard text.count >= 2, !byPrefix.isEmpty else { return }
        for start in 0..<(text.count - 1) {
            let slot = Self.slot(text[start], text[start + 1])
            guard filter[slot >> 6] & (1 << UInt64(slot & 63)) != 0,
                  let candidates = byPrefix[Self.key(text[start], text[start + 1])] else { continue }
            for index in candidates {
                let pattern = patterns[index]
                if start + pattern.count <= text.count && text[start..<(start + pattern.count)].elementsEqual(pattern) {
                    body(start, index)
                }
            }
        }
    }
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
