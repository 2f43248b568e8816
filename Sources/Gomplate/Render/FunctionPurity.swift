import Template
/// Which template functions are pure for the render cache: their result depends only on their
/// arguments and on what every cache key holds (the environment, the contexts, the nested
/// templates, the template's path). A function not listed here is impure, so a function added to
/// the table later keeps its templates out of the cache until it is classified here.
enum FunctionPurity {
    /// Namespaces whose every function is pure. `env` reads the environment and the `NAME_FILE`
    /// files `getenv` falls back on; `tmpl` the template set and its path; all are in the key.
    static let pureNamespaces: Set<String> = [
        "base64", "coll", "conv", "data", "env", "filepath", "math", "path", "regexp", "strings", "test", "tmpl",
    ]

    /// The pure functions of the other namespaces, and the pure names without a namespace.
    static let pureFunctions: Set<String> = {
        var names: Set<String> = [
            // Go's builtins.
            "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
            "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
            // gomplate's short names of pure functions.
            "dict", "jsonpath", "jq", "append", "prepend", "uniq", "reverse", "sort", "flatten", "keys", "values",
            "merge", "set", "unset", "default", "join", "has", "urlParse", "json", "jsonArray", "yaml", "yamlArray",
            "toml", "csv", "csvByRow", "csvByColumn", "toJSON", "toJSONPretty", "toYAML", "toTOML", "toCSV", "add",
            "mul", "sub", "div", "rem", "pow", "seq", "replaceAll", "trimSpace", "title", "toUpper", "toLower",
            "quote", "squote", "shellQuote", "indent", "getenv", "tpl", "assert", "fail", "required", "ternary",
            "kind", "isKind", "contains", "hasPrefix", "hasSuffix", "split", "splitN", "trim",
            // AES and RSA encryption and key generation draw random bytes; decryption, deriving a
            // public key, a key from a seed and the digests are pure.
            "crypto.PBKDF2", "crypto.PBKDF2MCF", "crypto.WPAPSK", "crypto.AESDecrypt", "crypto.DecryptAES",
            "crypto.AESDecryptBytes", "crypto.DecryptAESBytes", "crypto.RSADecrypt", "crypto.RSADecryptBytes",
            "crypto.RSADerivePublicKey", "crypto.ECDSADerivePublicKey", "crypto.Ed25519DerivePublicKey",
            "crypto.Ed25519GenerateKeyFromSeed", "crypto.DerivePublicKey",
            "uuid.Nil", "uuid.IsValid", "uuid.Parse",
            // The rest of `time` reads the clock or the system's zone files.
            "time.ParseDuration",
        ]
        for digest in ["SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "SHA512_224", "SHA512_256"] {
            names.insert("crypto." + digest)
            names.insert("crypto." + digest + "Bytes")
        }
        for constant in ["ANSIC", "UnixDate", "RubyDate", "RFC822", "RFC822Z", "RFC850", "RFC1123", "RFC1123Z",
                         "RFC3339", "RFC3339Nano", "Kitchen", "Stamp", "StampMilli", "StampMicro", "StampNano",
                         "Nanosecond", "Microsecond", "Millisecond", "Second", "Minute", "Hour"] {
            names.insert("time." + constant)
        }
        return names
    }()

    /// The functions that read the file `NAME_FILE` names when `NAME` is empty.
    static let environmentFileReaders: Set<String> = ["env.Getenv", "getenv", "env.ExpandEnv"]

    static func isPure(_ name: String) -> Bool {
        if pureFunctions.contains(name) { return true }
        guard let dot = name.firstIndex(of: ".") else { return false }
        return pureNamespaces.contains(String(name[..<dot]))
    }
}
