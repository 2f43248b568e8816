import Crypto
import CryptoExtras
import Template

extension FunctionTable {
    /// gomplate's `crypto` namespace: the SHA-1/SHA-2 digests (hex strings, or bytes from the
    /// `…Bytes` variants), PBKDF2 (plain and in Modular Crypt Format), WPA-PSK and AES-CBC.
    mutating func addCryptoFunctions() {
        let digests: [(String, SHAAlgorithm)] = [
            ("SHA1", .sha1), ("SHA224", .sha224), ("SHA256", .sha256), ("SHA384", .sha384), ("SHA512", .sha512),
            ("SHA512_224", .sha512_224), ("SHA512_256", .sha512_256),
        ]
        for (name, algorithm) in digests {
            add(TemplateFunction(name, arguments: 1, reads: []) { args, _ in
                .string(lowercaseHex(algorithm.hash(try args[0].gomplateToBytes())))
            }, as: "crypto.\(name)")
            add(TemplateFunction("\(name)Bytes", arguments: 1, reads: []) { args, _ in
                .bytes(algorithm.hash(try args[0].gomplateToBytes()))
            }, as: "crypto.\(name)Bytes")
        }

        add(TemplateFunction("PBKDF2", atLeast: 4, reads: []) { args, _ in
            var algorithm = SHAAlgorithm.sha1
            if args.count > 4 {
                guard case .string(let name) = args[4] else {
                    throw FunctionError("wrong type for value; expected string; got \(args[4].goTypeName)")
                }
                guard let named = SHAAlgorithm(goName: name) else { throw FunctionError("no such hash \(name)") }
                algorithm = named
            }
            return .string(try pbkdf2Hex(password: args[0], salt: args[1], iterations: args[2], keyLength: args[3],
                                         algorithm: algorithm))
        }, as: "crypto.PBKDF2")

        add(TemplateFunction("PBKDF2MCF", atLeast: 4, reads: []) { args, _ in
            var algorithm = SHAAlgorithm.sha1
            if args.count > 4 {
                guard case .string(let name) = args[4] else {
                    throw FunctionError("wrong type for value; expected string; got \(args[4].goTypeName)")
                }
                guard let named = SHAAlgorithm(goName: name) else { throw FunctionError("no such hash \(name)") }
                algorithm = named
            }
            let iterations = try args[2].mathInt("iter must be an integer")
            let length = try args[3].mathInt("keylen must be an integer")
            guard length >= 0 else { throw FunctionError("keylen must be a non-negative integer, got \(length)") }
            try checkPBKDF2Work(iterations: iterations, keyLength: length, algorithm: algorithm)
            let salt = try args[1].gomplateToBytes()
            let key = try algorithm.pbkdf2(password: try args[0].gomplateToBytes(), salt: salt,
                                           iterations: iterations, keyLength: length)
            return .string("$pbkdf2-\(algorithm.mcfName)$\(iterations)$\(modularCryptBase64(salt))$\(modularCryptBase64(key))")
        }, as: "crypto.PBKDF2MCF")

        add(TemplateFunction("WPAPSK", arguments: 2, reads: []) { args, _ in
            .string(try pbkdf2Hex(password: args[1], salt: args[0], iterations: .int(4096), keyLength: .int(32),
                                  algorithm: .sha1))
        }, as: "crypto.WPAPSK")

        // gomplate v5 names these AESEncrypt…; the older EncryptAES… names stay as aliases.
        add(TemplateFunction("AESEncrypt", atLeast: 2, atMost: 3, reads: .randomness) { args, _ in
            let (key, message) = try aesArguments(args)
            return .bytes(try AESCBC.encrypt(message, key: key))
        }, as: "crypto.AESEncrypt", "crypto.EncryptAES")
        add(TemplateFunction("AESDecrypt", atLeast: 2, atMost: 3, reads: []) { args, _ in
            let (key, message) = try aesArguments(args)
            return .string(String(decoding: try AESCBC.decrypt(message, key: key), as: UTF8.self))
        }, as: "crypto.AESDecrypt", "crypto.DecryptAES")
        add(TemplateFunction("AESDecryptBytes", atLeast: 2, atMost: 3, reads: []) { args, _ in
            let (key, message) = try aesArguments(args)
            return .bytes(try AESCBC.decrypt(message, key: key))
        }, as: "crypto.AESDecryptBytes", "crypto.DecryptAESBytes")

        addCryptoKeyFunctions()
    }
}

extension SHAAlgorithm {
    /// The hash's name in a `$pbkdf2-NAME$` string.
    fileprivate var mcfName: String {
        switch self {
        case .sha1: return "sha1"
        case .sha224: return "sha224"
        case .sha256: return "sha256"
        case .sha384: return "sha384"
        case .sha512: return "sha512"
        case .sha512_224: return "sha512-224"
        case .sha512_256: return "sha512-256"
        }
    }
}

/// The Modular Crypt Format's base64: unpadded, `.` in place of `+` (passlib's "ab64").
private func modularCryptBase64(_ bytes: [UInt8]) -> String {
    var text = Base64Alphabet.standard.encode(bytes)
    while text.hasSuffix("=") { text.removeLast() }
    return text.replacingOccurrences(of: "+", with: ".")
}

/// gomplate's `parseAESArgs`: `key [keyBits] input`; the key is cut or zero-padded to keyBits/8
/// bytes (256 bits unless given).
private func aesArguments(_ args: [Value]) throws -> ([UInt8], [UInt8]) {
    guard case .string(let key) = args[0] else {
        throw FunctionError("wrong type for value; expected string; got \(args[0].goTypeName)")
    }
    var keyBits = 256
    if args.count == 3 { keyBits = try args[1].mathInt("keyBits must be an integer") }
    // Go makes a key of keyBits/8 bytes before AES checks its size: a negative or an enormous one
    // panics, any other wrong size is refused by AES (and is not allocated here).
    guard keyBits >= 0, keyBits / 8 < 1 << 48 else { throw FunctionError("runtime error: makeslice: len out of range") }
    guard [16, 24, 32].contains(keyBits / 8) else { throw FunctionError("crypto/aes: invalid key size \(keyBits / 8)") }
    var keyBytes = Array(key.utf8.prefix(keyBits / 8))
    keyBytes += [UInt8](repeating: 0, count: keyBits / 8 - keyBytes.count)
    return (keyBytes, try args[args.count - 1].gomplateToBytes())
}

private func pbkdf2Hex(password: Value, salt: Value, iterations: Value, keyLength: Value,
                       algorithm: SHAAlgorithm) throws -> String {
    let iterationCount = try iterations.mathInt("iter must be an integer")
    let length = try keyLength.mathInt("keylen must be an integer")
    guard length >= 0 else { throw FunctionError("keylen must be a non-negative integer, got \(length)") }
    try checkPBKDF2Work(iterations: iterationCount, keyLength: length, algorithm: algorithm)
    return lowercaseHex(try algorithm.pbkdf2(password: try password.gomplateToBytes(),
                                             salt: try salt.gomplateToBytes(), iterations: iterationCount,
                                             keyLength: length))
}

/// Refuses a PBKDF2 call over `WorkLimits.maxPBKDF2Work` HMAC computations (Go would run it
/// for as long as it takes).
private func checkPBKDF2Work(iterations: Int, keyLength: Int, algorithm: SHAAlgorithm) throws {
    let blocks = keyLength / algorithm.digestSize + (keyLength % algorithm.digestSize == 0 ? 0 : 1)
    guard let work = WorkLimits.product(max(iterations, 1), blocks), work <= WorkLimits.maxPBKDF2Work else {
        throw FunctionError("iter \(iterations) for \(blocks) key blocks exceeds the limit of \(WorkLimits.maxPBKDF2Work) HMAC computations")
    }
}

/// gomplate's AES-CBC framing over swift-crypto's AES-CBC: a random IV block first, PKCS#7
/// padding (a whole block when the input is already aligned), empty input untouched.
enum AESCBC {
    /// `iv`: 16 bytes, random unless given.
    static func encrypt(_ plain: [UInt8], key: [UInt8], iv: [UInt8] = Array(AES._CBC.IV())) throws -> [UInt8] {
        guard !plain.isEmpty else { return plain }
        let cipher = try cryptoCall("crypto/aes") {
            try AES._CBC.encrypt(plain, using: SymmetricKey(data: key), iv: try AES._CBC.IV(ivBytes: iv))
        }
        return iv + Array(cipher)
    }

    /// Unpads as gomplate does, by the last byte alone, so any input Go decrypts gives Go's result.
    static func decrypt(_ cipher: [UInt8], key: [UInt8]) throws -> [UInt8] {
        guard !cipher.isEmpty else { return [] }
        // Go panics on these; text/template reports the panic as the error.
        guard cipher.count >= 16 else { throw FunctionError("runtime error: slice bounds out of range [:16] with capacity \(cipher.count)") }
        guard cipher.count % 16 == 0 else { throw FunctionError("crypto/cipher: input not full blocks") }
        guard cipher.count > 16 else { throw FunctionError("runtime error: index out of range [-1]") }
        let out = Array(try cryptoCall("crypto/aes") {
            try AES._CBC.decrypt(cipher[16...], using: SymmetricKey(data: key),
                                 iv: try AES._CBC.IV(ivBytes: cipher[0..<16]), noPadding: true)
        })
        let padding = Int(out[out.count - 1])
        guard padding <= out.count else {
            throw FunctionError("runtime error: slice bounds out of range [:\(out.count - padding)]")
        }
        return Array(out.dropLast(padding))
    }
}

/// The crypto functions' own bounds, beside the engine's (`WorkLimits` in Template).
extension WorkLimits {
    /// The most HMAC computations one PBKDF2 call makes (iterations × output blocks): 10,000,000,
    /// ten times OWASP's recommended 600,000 iterations for a one-block key, a few seconds of work.
    static let maxPBKDF2Work = 10_000_000

    /// The largest RSA key `crypto.RSAGenerateKey` makes: 8,192 bits. Finding the primes takes
    /// time growing with about the fourth power of the size, and luck: 0.4 to 1.5 s for 4,096 bits
    /// (gomplate's default), 4 to 11 s for 8,192 (measured, debug build), minutes for 16,384.
    static let maxRSAKeyBits = 8192
}
