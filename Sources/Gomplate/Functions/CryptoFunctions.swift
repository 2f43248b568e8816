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
            add(TemplateFunction(name, arguments: 1) { args, _ in
                .string(lowercaseHex(algorithm.hash(try args[0].gomplateToBytes())))
            }, as: "crypto.\(name)")
            add(TemplateFunction("\(name)Bytes", arguments: 1) { args, _ in
                .bytes(algorithm.hash(try args[0].gomplateToBytes()))
            }, as: "crypto.\(name)Bytes")
        }

        add(TemplateFunction("PBKDF2", atLeast: 4) { args, _ in
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

        add(TemplateFunction("PBKDF2MCF", atLeast: 4) { args, _ in
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
            let key = algorithm.pbkdf2(password: try args[0].gomplateToBytes(), salt: salt, iterations: iterations,
                                       keyLength: length)
            return .string("$pbkdf2-\(algorithm.mcfName)$\(iterations)$\(modularCryptBase64(salt))$\(modularCryptBase64(key))")
        }, as: "crypto.PBKDF2MCF")

        add(TemplateFunction("WPAPSK", arguments: 2) { args, _ in
            .string(try pbkdf2Hex(password: args[1], salt: args[0], iterations: .int(4096), keyLength: .int(32),
                                  algorithm: .sha1))
        }, as: "crypto.WPAPSK")

        // gomplate v5 names these AESEncrypt…; the older EncryptAES… names stay as aliases.
        add(TemplateFunction("AESEncrypt", atLeast: 2, atMost: 3) { args, _ in
            let (key, message) = try aesArguments(args)
            return .bytes(try AESCipher(key: key).encryptCBC(message))
        }, as: "crypto.AESEncrypt", "crypto.EncryptAES")
        add(TemplateFunction("AESDecrypt", atLeast: 2, atMost: 3) { args, _ in
            let (key, message) = try aesArguments(args)
            return .string(String(decoding: try AESCipher(key: key).decryptCBC(message), as: UTF8.self))
        }, as: "crypto.AESDecrypt", "crypto.DecryptAES")
        add(TemplateFunction("AESDecryptBytes", atLeast: 2, atMost: 3) { args, _ in
            let (key, message) = try aesArguments(args)
            return .bytes(try AESCipher(key: key).decryptCBC(message))
        }, as: "crypto.AESDecryptBytes", "crypto.DecryptAESBytes")
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
        case .sha512_224: return "sha512_224"
        case .sha512_256: return "sha512_256"
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
    return lowercaseHex(algorithm.pbkdf2(password: try password.gomplateToBytes(), salt: try salt.gomplateToBytes(),
                                         iterations: iterationCount, keyLength: length))
}

/// Refuses a PBKDF2 call over `WorkLimits.maxPBKDF2Work` HMAC computations (Go would run it
/// for as long as it takes).
private func checkPBKDF2Work(iterations: Int, keyLength: Int, algorithm: SHAAlgorithm) throws {
    let blocks = keyLength / algorithm.digestSize + (keyLength % algorithm.digestSize == 0 ? 0 : 1)
    guard let work = WorkLimits.product(max(iterations, 1), blocks), work <= WorkLimits.maxPBKDF2Work else {
        throw FunctionError("iter \(iterations) for \(blocks) key blocks exceeds the limit of \(WorkLimits.maxPBKDF2Work) HMAC computations")
    }
}

/// AES (FIPS 197) with 128-, 192- or 256-bit keys, in gomplate's CBC framing: a random IV block
/// first, PKCS#7 padding (a whole block when the input is already aligned), empty input untouched.
struct AESCipher {
    private let roundKeys: [[UInt8]]

    init(key: [UInt8]) throws {
        guard [16, 24, 32].contains(key.count) else { throw FunctionError("crypto/aes: invalid key size \(key.count)") }
        roundKeys = Self.expand(key)
    }

    func encryptCBC(_ plain: [UInt8]) throws -> [UInt8] {
        guard !plain.isEmpty else { return plain }
        let padding = 16 - plain.count % 16
        let padded = plain + [UInt8](repeating: UInt8(padding), count: padding)
        var generator = SystemRandomNumberGenerator()
        var previous = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        var out = previous
        for start in stride(from: 0, to: padded.count, by: 16) {
            var block = Array(padded[start..<(start + 16)])
            for i in 0..<16 { block[i] ^= previous[i] }
            previous = encryptBlock(block)
            out += previous
        }
        return out
    }

    func decryptCBC(_ cipher: [UInt8]) throws -> [UInt8] {
        guard !cipher.isEmpty else { return [] }
        // Go panics on these; text/template reports the panic as the error.
        guard cipher.count >= 16 else { throw FunctionError("runtime error: slice bounds out of range [:16] with capacity \(cipher.count)") }
        guard cipher.count % 16 == 0 else { throw FunctionError("crypto/cipher: input not full blocks") }
        var previous = Array(cipher[0..<16])
        var out: [UInt8] = []
        for start in stride(from: 16, to: cipher.count, by: 16) {
            let block = Array(cipher[start..<(start + 16)])
            var plain = decryptBlock(block)
            for i in 0..<16 { plain[i] ^= previous[i] }
            out += plain
            previous = block
        }
        guard let padding = out.last else { throw FunctionError("runtime error: index out of range [-1]") }
        guard Int(padding) <= out.count else {
            throw FunctionError("runtime error: slice bounds out of range [:\(out.count - Int(padding))]")
        }
        return Array(out.dropLast(Int(padding)))
    }

    func encryptBlock(_ input: [UInt8]) -> [UInt8] {
        var state = input
        addRoundKey(&state, 0)
        let rounds = roundKeys.count - 1
        for round in 1..<rounds {
            state = state.map { Self.sbox[Int($0)] }
            Self.shiftRows(&state, inverse: false)
            Self.mixColumns(&state, inverse: false)
            addRoundKey(&state, round)
        }
        state = state.map { Self.sbox[Int($0)] }
        Self.shiftRows(&state, inverse: false)
        addRoundKey(&state, rounds)
        return state
    }

    func decryptBlock(_ input: [UInt8]) -> [UInt8] {
        var state = input
        let rounds = roundKeys.count - 1
        addRoundKey(&state, rounds)
        for round in stride(from: rounds - 1, through: 1, by: -1) {
            Self.shiftRows(&state, inverse: true)
            state = state.map { Self.inverseSbox[Int($0)] }
            addRoundKey(&state, round)
            Self.mixColumns(&state, inverse: true)
        }
        Self.shiftRows(&state, inverse: true)
        state = state.map { Self.inverseSbox[Int($0)] }
        addRoundKey(&state, 0)
        return state
    }

    private func addRoundKey(_ state: inout [UInt8], _ round: Int) {
        for i in 0..<16 { state[i] ^= roundKeys[round][i] }
    }

    /// The state is column-major: byte `row + 4 * column`; row r rotates left by r.
    private static func shiftRows(_ state: inout [UInt8], inverse: Bool) {
        let original = state
        for row in 1..<4 {
            for column in 0..<4 {
                let source = inverse ? (column - row + 4) % 4 : (column + row) % 4
                state[row + 4 * column] = original[row + 4 * source]
            }
        }
    }

    private static func mixColumns(_ state: inout [UInt8], inverse: Bool) {
        let factors: [UInt8] = inverse ? [14, 11, 13, 9] : [2, 3, 1, 1]
        for column in 0..<4 {
            let a = Array(state[(4 * column)..<(4 * column + 4)])
            for row in 0..<4 {
                var value: UInt8 = 0
                for k in 0..<4 { value ^= multiply(a[(row + k) % 4], factors[k]) }
                state[4 * column + row] = value
            }
        }
    }

    /// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
    private static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var result: UInt8 = 0
        var a = a
        var b = b
        while b != 0 {
            if b & 1 != 0 { result ^= a }
            a = (a << 1) ^ (a & 0x80 != 0 ? 0x1b : 0)
            b >>= 1
        }
        return result
    }

    private static func expand(_ key: [UInt8]) -> [[UInt8]] {
        let keyWords = key.count / 4
        let rounds = keyWords + 6
        var words: [[UInt8]] = stride(from: 0, to: key.count, by: 4).map { Array(key[$0..<($0 + 4)]) }
        var roundConstant: UInt8 = 1
        for index in keyWords..<(4 * (rounds + 1)) {
            var word = words[index - 1]
            if index % keyWords == 0 {
                word = [word[1], word[2], word[3], word[0]].map { sbox[Int($0)] }
                word[0] ^= roundConstant
                roundConstant = multiply(roundConstant, 2)
            } else if keyWords > 6 && index % keyWords == 4 {
                word = word.map { sbox[Int($0)] }
            }
            words.append(zip(words[index - keyWords], word).map { $0 ^ $1 })
        }
        return (0...rounds).map { round in Array(words[(4 * round)..<(4 * round + 4)].joined()) }
    }

    /// The S-box computed from its definition (multiplicative inverse, then the affine map).
    static let sbox: [UInt8] = {
        var box = [UInt8](repeating: 0, count: 256)
        var p: UInt8 = 1
        var q: UInt8 = 1
        repeat {
            p = p ^ (p << 1) ^ (p & 0x80 != 0 ? 0x1b : 0)
            q ^= q << 1
            q ^= q << 2
            q ^= q << 4
            if q & 0x80 != 0 { q ^= 0x09 }
            let affine = q ^ q.rotatedLeft(1) ^ q.rotatedLeft(2) ^ q.rotatedLeft(3) ^ q.rotatedLeft(4)
            box[Int(p)] = affine ^ 0x63
        } while p != 1
        box[0] = 0x63
        return box
    }()

    static let inverseSbox: [UInt8] = {
        var inverse = [UInt8](repeating: 0, count: 256)
        for (index, value) in sbox.enumerated() { inverse[Int(value)] = UInt8(index) }
        return inverse
    }()
}

extension UInt8 {
    fileprivate func rotatedLeft(_ count: Int) -> UInt8 { (self << count) | (self >> (8 - count)) }
}
