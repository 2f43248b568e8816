import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// Inputs and their digests, computed once with Python's `hashlib` (`hashlib.new(name, input).hexdigest()`).
private let digestTable: [(input: String, function: String, hex: String)] = [
    ("", "SHA1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("", "SHA224", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"),
    ("", "SHA256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("", "SHA384", "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"),
    ("", "SHA512", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
    ("", "SHA512_224", "6ed0dd02806fa89e25de060c19d3ac86cabb87d6a0ddd05c333b84f4"),
    ("", "SHA512_256", "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"),
    ("foo", "SHA1", "0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33"),
    ("foo", "SHA224", "0808f64e60d58979fcb676c96ec938270dea42445aeefcd3a4e6f8db"),
    ("foo", "SHA256", "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"),
    ("foo", "SHA384", "98c11ffdfdd540676b1a137cb1a22b2a70350c9a44171d6b1180c6be5cbb2ee3f79d532c8a1dd9ef2e8e08e752a3babb"),
    ("foo", "SHA512", "f7fbba6e0636f890e56fbbf3283e524c6fa3204ae298382d624741d0dc6638326e282c41be5e4254d8820772c5518a2c5a8c0c7f7eda19594a7eb539453e1ed7"),
    ("foo", "SHA512_224", "d68f258d37d670cfc1ec1001a0394784233f88f056994f9a7e5e99be"),
    ("foo", "SHA512_256", "d58042e6aa5a335e03ad576c6a9e43b41591bfd2077f72dec9df7930e492055d"),
    ("The quick brown fox jumps over the lazy dog", "SHA1", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ("The quick brown fox jumps over the lazy dog", "SHA256", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"),
    ("The quick brown fox jumps over the lazy dog", "SHA512", "07e547d9586f6a73f73fbac0435ed76951218fb7d0c8d788a309d785436bbb642e93a252a954f23912547d1e8a3b5ed6e1bfd7097821233fa0538f3db854fee6"),
    // 200 bytes: several blocks for both block sizes, and padding that spills into an extra block.
    (String(repeating: "a", count: 200), "SHA1", "e61cfffe0d9195a525fc6cf06ca2d77119c24a40"),
    (String(repeating: "a", count: 200), "SHA224", "2559984fd15e055f0d84c346483508242f02653ab7956401e551511c"),
    (String(repeating: "a", count: 200), "SHA256", "c2a908d98f5df987ade41b5fce213067efbcc21ef2240212a41e54b5e7c28ae5"),
    (String(repeating: "a", count: 200), "SHA384", "0691b6e978614b67d60557b2a2cddd53406508522efa21c624dbbfa8ab6e726d5c586b489c7c09f24109a64c10211d48"),
    (String(repeating: "a", count: 200), "SHA512", "4b11459c33f52a22ee8236782714c150a3b2c60994e9acee17fe68947a3e6789f31e7668394592da7bef827cddca88c4e6f86e4df7ed1ae6cba71f3e98faee9f"),
    ("héllo wörld ✓", "SHA256", "c2a59c71097b678dc5af2eb1f98ddc575b63948b0fa6740071a945673aaada4d"),
    ("héllo wörld ✓", "SHA512_256", "c6ad5f303b5e0130de1ae20099021a62b277eef737a10333b251fb393d538d3e"),
    // The corpus: crypto.SHA512 "bar".
    ("bar", "SHA512", "d82c4eb5261cb9c8aa9855edd67d1bd10482f41529858d925094d173fa662aa91ff39bc5b188615273484021dfb16fd8284cf684ccf0fc795be3aa2fc1e6c181"),
]

@Suite struct EncodingFunctionsTests {
    @Test(arguments: digestTable.indices)
    func digestMatchesHashlib(_ index: Int) throws {
        let row = digestTable[index]
        let result = try call("crypto.\(row.function)", .string(row.input))
        guard case .string(let hex) = result else { Issue.record("\(row.function) gave \(result)"); return }
        #expect(hex == row.hex, "\(row.function)(\(row.input.prefix(12)))")
        let bytes = try call("crypto.\(row.function)Bytes", .string(row.input))
        guard case .bytes(let raw) = bytes else { Issue.record("\(row.function)Bytes gave \(bytes)"); return }
        #expect(lowercaseHex(raw) == row.hex)
    }

    @Test func digestsHashBytesAndStringifyOtherValues() throws {
        let fooBytes = try call("crypto.SHA1", .bytes(Array("foo".utf8)))
        #expect(fooBytes.textIfString == "0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33")
        // gomplate's toBytes turns nil into no bytes at all (not "nil").
        let ofNil = try call("crypto.SHA256", .null)
        #expect(ofNil.textIfString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func sha256BytesThroughBase64MatchesCorpus() throws {
        let digest = try call("crypto.SHA256Bytes", .string("foo"))
        let encoded = try call("base64.Encode", digest)
        #expect(encoded.textIfString == "LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=")
    }

    @Test func pbkdf2MatchesHashlib() throws {
        // hashlib.pbkdf2_hmac('sha1', b'foo', b'bar', 1024, 8)
        #expect(try call("crypto.PBKDF2", .string("foo"), .string("bar"), .int(1024), .int(8)).textIfString
            == "32c4907c3c80792b")
        // hashlib.pbkdf2_hmac('sha256', b'password', b'salt', 2, 40): a key longer than one digest.
        #expect(try call("crypto.PBKDF2", .string("password"), .string("salt"), .string("2"), .int(40),
                         .string("SHA-256")).textIfString
            == "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43830651afcb5c862f")
        // hashlib.pbkdf2_hmac('sha512', b'k'*200, b'salt', 3, 70): a password longer than the block.
        #expect(try call("crypto.PBKDF2", .string(String(repeating: "k", count: 200)), .string("salt"), .int(3),
                         .int(70), .string("SHA512")).textIfString
            == "35af7cebd2e1c297550a8cdeae79788b876bbd859d95d49da98b89812d99542e35fe4c71ab53970bf637721774594169913c31b29e3a1f03b3d601d30215647f3598fddd65d8")
        // The hashes swift-crypto's PBKDF2 lacks (SHA-512/t) or calls insecure (SHA-224):
        // hashlib.pbkdf2_hmac('sha512_224', b'foo', b'bar', 1024, 8), ('sha512_256', …, 1024, 40), ('sha224', …, 3, 70).
        #expect(try call("crypto.PBKDF2", .string("foo"), .string("bar"), .int(1024), .int(8),
                         .string("SHA512_224")).textIfString == "7afb2f29bc96b274")
        #expect(try call("crypto.PBKDF2", .string("foo"), .string("bar"), .int(1024), .int(40),
                         .string("SHA-512/256")).textIfString
            == "86475e8898a2ddd4a5250c33e623d125f3427fba867b5c25ee8ed9fc5fc7b3fe7c7eb6c06b4ec529")
        #expect(try call("crypto.PBKDF2", .string("foo"), .string("bar"), .int(3), .int(70),
                         .string("SHA224")).textIfString
            == "60a0293e3c1cc58dd3065372be5ab10088187246c16af8d8795ba58409b696d7fb5d96b3010afc2e5b9aa537d412b5ffd6598eeb59be6106b5ded47396b8bc1ec70b41f649ac")
    }

    @Test func pbkdf2RejectsUnknownHashAndBadNumbers() throws {
        #expect(throws: FunctionError.self) {
            try call("crypto.PBKDF2", .string("foo"), .string("bar"), .int(1), .int(8), .string("MD5"))
        }
        do {
            _ = try call("crypto.PBKDF2", .string("foo"), .string("bar"), .string("many"), .int(8))
            Issue.record("a non-numeric iteration count was accepted")
        } catch let error as FunctionError {
            #expect(error.message.hasPrefix("iter must be an integer: could not convert"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func wpaPSKMatchesCorpus() throws {
        // The corpus: crypto.WPAPSK "mynet" "abcd1234" = pbkdf2_hmac('sha1', password, ssid, 4096, 32).
        #expect(try call("crypto.WPAPSK", .string("mynet"), .string("abcd1234")).textIfString
            == "2c201d66f01237d17d4a7788051191f31706844ac3ffe7547a66c902f2900d34")
    }

    @Test func pbkdf2InModularCryptFormat() throws {
        // The corpus: crypto.PBKDF2MCF "foo" "bar" 1024 8 (with --experimental in gomplate).
        #expect(try call("crypto.PBKDF2MCF", .string("foo"), .string("bar"), .int(1024), .int(8)).textIfString
            == "$pbkdf2-sha1$1024$YmFy$MsSQfDyAeSs")
        // gomplate's hashToMCFName: SHA-512/t with a dash. hashlib.pbkdf2_hmac('sha512_224', b'foo', b'bar', 1024, 8).
        #expect(try call("crypto.PBKDF2MCF", .string("foo"), .string("bar"), .int(1024), .int(8),
                         .string("SHA512_224")).textIfString == "$pbkdf2-sha512-224$1024$YmFy$evsvKbyWsnQ")
    }

    @Test(arguments: [
        // FIPS 197, appendix C: one block under 128-, 192- and 256-bit keys.
        ("000102030405060708090a0b0c0d0e0f", "69c4e0d86a7b0430d8cdb78070b4c55a"),
        ("000102030405060708090a0b0c0d0e0f1011121314151617", "dda97ca4864cdfe06eaf70a0ec0d7191"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "8ea2b7ca516745bfeafc49904b496089"),
    ])
    func aesBlockMatchesFIPS197(_ keyHex: String, _ cipherHex: String) throws {
        // Under a zero IV, CBC's first block is the bare cipher; a padding block follows.
        let key = bytes(fromHex: keyHex)
        let plain = bytes(fromHex: "00112233445566778899aabbccddeeff")
        let framed = try AESCBC.encrypt(plain, key: key, iv: [UInt8](repeating: 0, count: 16))
        #expect(framed.count == 48)
        #expect(framed.prefix(16).allSatisfy { $0 == 0 })
        #expect(lowercaseHex(Array(framed[16..<32])) == cipherHex)
        #expect(try AESCBC.decrypt(framed, key: key) == plain)
    }

    @Test func aesDecryptMatchesCorpus() throws {
        // The corpus: base64.Decode "Gp2WG/…" | crypto.AESDecrypt "swordfish" 128 = "hello world".
        let cipher = try call("base64.Decode", .string("Gp2WG/fKOUsVlhcpr3oqgR+fRUNBcO1eZJ9CW+gDI18="))
        guard case .bytes = cipher else { Issue.record("binary base64 output should stay bytes: \(cipher)"); return }
        #expect(try call("crypto.AESDecrypt", .string("swordfish"), .int(128), cipher).textIfString == "hello world")
        let raw = try call("crypto.AESDecryptBytes", .string("swordfish"), .int(128), cipher)
        guard case .bytes(let plain) = raw else { Issue.record("AESDecryptBytes gave \(raw)"); return }
        #expect(plain == Array("hello world".utf8))
    }

    /// Ciphertexts made with Python's `cryptography` (AES-CBC, IV 00…0f, PKCS#7 padding) for
    /// "hello world, this is sixteen+ bytes" under "swordfish" zero-padded to each key size.
    @Test(arguments: [
        (128, "AAECAwQFBgcICQoLDA0OD6Bis1MmZYFqKQfTkqLSfbhVQXNi605hi0w88X41NtFtOCn1AHz0j8ctJ0ZrdgKGaQ=="),
        (192, "AAECAwQFBgcICQoLDA0OD7wnlKi3oqJcWTuX7CTUxYIJgVLMssTa9qe1adTejgzG5ylEnR1kVhn3nfnmA6JvRw=="),
        (256, "AAECAwQFBgcICQoLDA0OD45bLorDbBFhO0zntZ0BmeFaut316UyOD4fZfY9UAS9lFDSmymIhXt8tUaiNBDcnlQ=="),
    ])
    func aesDecryptsPythonCiphertext(_ bits: Int, _ encoded: String) throws {
        let cipher = try call("base64.DecodeBytes", .string(encoded))
        let arguments: [Value] = bits == 256 ? [.string("swordfish"), cipher] : [.string("swordfish"), .int(bits), cipher]
        guard let decrypt = FunctionTable.gomplate["crypto.AESDecrypt"] else { Issue.record("no AESDecrypt"); return }
        #expect(try decrypt.body(arguments, TestCall()).textIfString == "hello world, this is sixteen+ bytes")
    }

    @Test func aesRoundTripUsesAFreshIVAndPadsAlignedInput() throws {
        let first = try call("crypto.AESEncrypt", .string("swordfish"), .int(128), .string("0123456789abcdef"))
        let second = try call("crypto.EncryptAES", .string("swordfish"), .int(128), .string("0123456789abcdef"))
        guard case .bytes(let one) = first, case .bytes(let two) = second else { Issue.record("not bytes"); return }
        // IV plus the block plus a whole block of padding.
        #expect(one.count == 48)
        #expect(one != two)
        #expect(try call("crypto.AESDecrypt", .string("swordfish"), .int(128), first).textIfString == "0123456789abcdef")
        #expect(try call("crypto.AESEncrypt", .string("k"), .string("")) .isEmptyBytesOrString)
    }

    @Test func aesRejectsBadKeysAndCiphertext() throws {
        #expect(throws: FunctionError.self) { try call("crypto.AESEncrypt", .string("k"), .int(100), .string("x")) }
        #expect(throws: FunctionError.self) { try call("crypto.AESDecrypt", .string("k"), .bytes([1, 2, 3])) }
        #expect(throws: FunctionError.self) { try call("crypto.AESDecrypt", .string("k"), .bytes(Array(repeating: 1, count: 20))) }
    }

    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"), ("hello world", "aGVsbG8gd29ybGQ="),
    ])
    func base64RoundTrip(_ plain: String, _ encoded: String) throws {
        #expect(try call("base64.Encode", .string(plain)).textIfString == encoded)
        #expect(try call("base64.Decode", .string(encoded)).textIfString == plain)
        let bytes = try call("base64.DecodeBytes", .string(encoded))
        guard case .bytes(let raw) = bytes else { Issue.record("DecodeBytes gave \(bytes)"); return }
        #expect(raw == Array(plain.utf8))
    }

    @Test func base64HandlesBinaryURLAlphabetAndNewlines() throws {
        #expect(try call("base64.Encode", .bytes([0x03, 0xe0, 0x7f])).textIfString == "A+B/")
        let standard = try call("base64.DecodeBytes", .string("A+B/"))
        let urlSafe = try call("base64.DecodeBytes", .string("A-B_"))
        guard case .bytes(let fromStandard) = standard, case .bytes(let fromURL) = urlSafe else {
            Issue.record("DecodeBytes did not return bytes"); return
        }
        #expect(fromStandard == [0x03, 0xe0, 0x7f])
        #expect(fromURL == [0x03, 0xe0, 0x7f])
        #expect(try call("base64.Decode", .string("aGVsbG8g\nd29ybGQ=\r\n")).textIfString == "hello world")
    }

    @Test(arguments: [
        ("b.o.g.u.s", "illegal base64 data at input byte 1"),
        ("Zm9", "illegal base64 data at input byte 0"),
        ("Z===", "illegal base64 data at input byte 1"),
        ("Zg==Zg==", "illegal base64 data at input byte 4"),
    ])
    func base64DecodeErrorsAsGo(_ input: String, _ message: String) {
        do {
            _ = try call("base64.Decode", .string(input))
            Issue.record("\(input) decoded")
        } catch let error as FunctionError {
            #expect(error.message == message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

private extension Value {
    var isEmptyBytesOrString: Bool {
        switch self {
        case .bytes(let bytes): return bytes.isEmpty
        case .string(let text): return text.isEmpty
        default: return false
        }
    }
}
