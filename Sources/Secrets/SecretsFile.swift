/// A `secrets.yaml` as loaded: every Secret with where each of its keys' values comes from. Holds
/// no value except `literal`s, which the file itself shows.
package struct SecretsFile: Sendable {
    /// As given to the loader; every diagnostic starts with it.
    package let path: String
    package let secrets: [SecretSpec]
}

/// Where a node of the file starts, 1-based (the column in Unicode scalars, as the YAML module counts).
package struct Mark: Sendable, Hashable {
    package let line: Int
    package let column: Int

    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

package struct SecretSpec: Sendable {
    package let name: String
    package let namespace: String
    package let type: SecretType
    package let labels: [String: String]
    package let annotations: [String: String]
    /// Create the namespace when it does not exist (else a missing namespace is an error).
    package let createNamespace: Bool
    /// In file order.
    package let keys: [KeySpec]
    package let mark: Mark

    /// `namespace/name`, as plans and errors name a Secret.
    package var reference: String { "\(namespace)/\(name)" }
}

package enum SecretType: String, Sendable, CaseIterable {
    case opaque = "Opaque"
    case basicAuth = "kubernetes.io/basic-auth"
    case dockerConfigJSON = "kubernetes.io/dockerconfigjson"
    case tls = "kubernetes.io/tls"

    /// The keys Kubernetes requires of a Secret of this type.
    var requiredKeys: [String] {
        switch self {
        case .opaque: []
        case .basicAuth: ["username", "password"]
        case .dockerConfigJSON: [".dockerconfigjson"]
        case .tls: ["tls.crt", "tls.key"]
        }
    }
}

package struct KeySpec: Sendable {
    package let name: String
    package let source: SourceSpec
    package let checks: ValueChecks
    package let mark: Mark
}

/// A source and where it is written: the mapping holding it (a key's, or one part of a
/// `dockerconfigjson`'s).
package struct SourceSpec: Sendable {
    package let source: ValueSource
    package let mark: Mark
}

package indirect enum ValueSource: Sendable {
    /// An environment variable's name.
    case env(String)
    /// `path` as written, and resolved against the secrets file's folder.
    case file(written: String, path: String)
    case generate(GenerateSpec)
    case fromSecret(SecretKeyReference)
    /// The template's text; the key's value is it rendered with the Secret's other keys.
    case template(String)
    /// A value the file shows, for what is not secret (a user name, a URL).
    case literal(String)
    case dockerConfigJSON(registry: SourceSpec, username: SourceSpec, password: SourceSpec)

    /// The source's field name, as plans list it.
    package var kind: String {
        switch self {
        case .env: "env"
        case .file: "file"
        case .generate: "generate"
        case .fromSecret: "fromSecret"
        case .template: "template"
        case .literal: "literal"
        case .dockerConfigJSON: "dockerconfigjson"
        }
    }
}

package struct GenerateSpec: Sendable, Equatable {
    package let length: Int
    package let alphabet: Alphabet

    package init(length: Int, alphabet: Alphabet) {
        self.length = length
        self.alphabet = alphabet
    }
}

package enum Alphabet: String, Sendable, CaseIterable {
    case alphanumeric
    case hex
    /// `length` characters of standard padded-free base64: `length / 4 * 3` random bytes encoded.
    case base64
    case urlSafe = "url-safe"
}

package struct SecretKeyReference: Sendable, Hashable {
    /// Empty for the referring Secret's own namespace.
    package let namespace: String
    package let name: String
    package let key: String

    package init(namespace: String, name: String, key: String) {
        self.namespace = namespace
        self.name = name
        self.key = key
    }
}

/// Checks run on a key's resolved value before anything is applied.
package struct ValueChecks: Sendable {
    package var format: ValueFormat?
    package var minLength: Int?
    /// The pattern's text, compiled when loading; it must match somewhere in the value.
    package var pattern: String?
}

package enum ValueFormat: String, Sendable, CaseIterable {
    /// Only `0-9a-fA-F`.
    case hex
    /// Standard base64 (RFC 4648 §4) that decodes, `=` padding included.
    case base64
    /// Only `A-Za-z0-9-_`.
    case urlSafe = "url-safe"
}
