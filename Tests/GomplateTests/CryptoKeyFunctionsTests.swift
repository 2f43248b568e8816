import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

private let openssl = "/usr/bin/openssl"
private let hasOpenSSL = FileManager.default.isExecutableFile(atPath: openssl)

/// The text of a string result, or a recorded issue.
private func text(_ value: Value) -> String {
    guard case .string(let text) = value else {
        Issue.record("expected a string, got \(value)")
        return ""
    }
    return text
}

private func bytes(_ value: Value) -> [UInt8] {
    guard case .bytes(let bytes) = value else {
        Issue.record("expected bytes, got \(value)")
        return []
    }
    return bytes
}

/// The message of the function error `body` throws, or a recorded issue.
private func failure(_ body: () throws -> Value) -> String {
    do {
        let value = try body()
        Issue.record("expected an error, got \(value)")
        return ""
    } catch let error as FunctionError {
        return error.message
    } catch {
        Issue.record("expected a FunctionError, got \(error)")
        return ""
    }
}

/// What Go's `pem.Encode` writes for `der`.
private func pem(_ type: String, hex: String) -> String {
    let base64 = Data(bytes(fromHex: hex)).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
    return "-----BEGIN \(type)-----\n\(base64)\n-----END \(type)-----\n"
}

@Suite struct CryptoKeyFunctionsTests {
    /// One key for the tests that only need some RSA key (making one takes a moment).
    static let rsaKey: String = (try? call("crypto.RSAGenerateKey", .int(2048))).map(text) ?? ""

    // MARK: RSA

    @Test func rsaRoundTripsThroughItsDerivedPublicKey() throws {
        let key = Self.rsaKey
        #expect(key.hasPrefix("-----BEGIN RSA PRIVATE KEY-----\n"))
        #expect(key.hasSuffix("\n-----END RSA PRIVATE KEY-----\n"))
        let publicKey = text(try call("crypto.RSADerivePublicKey", .string(key)))
        #expect(publicKey.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(text(try call("crypto.DerivePublicKey", .string(key))) == publicKey)

        let first = try call("crypto.RSAEncrypt", .string(publicKey), .string("hello"))
        let second = try call("crypto.RSAEncrypt", .string(publicKey), .bytes(Array("hello".utf8)))
        #expect(bytes(first).count == 256)
        // PKCS#1 v1.5 pads with random bytes, so the same message encrypts differently.
        #expect(bytes(first) != bytes(second))
        #expect(text(try call("crypto.RSADecrypt", .string(key), first)) == "hello")
        #expect(bytes(try call("crypto.RSADecryptBytes", .string(key), second)) == Array("hello".utf8))
    }

    @Test func rsaGenerateKeyDefaultsTo4096Bits() throws {
        let key = text(try call("crypto.RSAGenerateKey"))
        let publicKey = text(try call("crypto.RSADerivePublicKey", .string(key)))
        let ciphertext = bytes(try call("crypto.RSAEncrypt", .string(publicKey), .string("x")))
        #expect(ciphertext.count == 512)
    }

    @Test(.enabled(if: hasOpenSSL)) func opensslAcceptsTheKeysAndAgreesOnThePublicKey() throws {
        let folder = try TemporaryFolder("crypto-keys")
        let keyFile = folder.child("key.pem")
        try write(Self.rsaKey, to: keyFile)
        #expect(try runProgram(openssl, "rsa", "-check", "-noout", "-in", keyFile).contains("RSA key ok"))
        let derived = text(try call("crypto.RSADerivePublicKey", .string(Self.rsaKey)))
        #expect(try runProgram(openssl, "rsa", "-in", keyFile, "-pubout") == derived)
        let publicFile = folder.child("public.pem")
        try write(derived, to: publicFile)
        try runProgram(openssl, "pkey", "-pubin", "-in", publicFile, "-noout")
    }

    @Test(.enabled(if: hasOpenSSL)) func rsaEncryptionInteroperatesWithOpenSSL() throws {
        let folder = try TemporaryFolder("crypto-keys")
        let keyFile = folder.child("key.pem")
        try write(Self.rsaKey, to: keyFile)
        let publicFile = folder.child("public.pem")
        try write(text(try call("crypto.RSADerivePublicKey", .string(Self.rsaKey))), to: publicFile)

        let ours = bytes(try call("crypto.RSAEncrypt", .string(try String(contentsOfFile: publicFile, encoding: .utf8)),
                                  .string("from edpctl")))
        let oursFile = folder.child("ours.bin")
        try plant(oursFile, ours)
        #expect(try runProgram(openssl, "pkeyutl", "-decrypt", "-inkey", keyFile, "-pkeyopt", "rsa_padding_mode:pkcs1",
                               "-in", oursFile) == "from edpctl")

        let plainFile = folder.child("plain.txt")
        try write("from openssl", to: plainFile)
        try runProgram(openssl, "pkeyutl", "-encrypt", "-pubin", "-inkey", publicFile, "-pkeyopt",
                       "rsa_padding_mode:pkcs1", "-in", plainFile, "-out", folder.child("theirs.bin"))
        let theirs = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.child("theirs.bin"))))
        #expect(text(try call("crypto.RSADecrypt", .string(Self.rsaKey), .bytes(theirs))) == "from openssl")
    }

    @Test(.enabled(if: hasOpenSSL)) func pkcs8RSAKeysAreForDerivePublicKeyOnly() throws {
        let folder = try TemporaryFolder("crypto-keys")
        try runProgram(openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                       folder.child("key.pem"))
        let key = try read(folder.child("key.pem"))
        #expect(key.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let expected = try runProgram(openssl, "pkey", "-in", folder.child("key.pem"), "-pubout")
        #expect(text(try call("crypto.DerivePublicKey", .string(key))) == expected)
        // gomplate's RSA functions read PKCS#1 only, as Go's x509.ParsePKCS1PrivateKey does.
        #expect(failure { try call("crypto.RSADerivePublicKey", .string(key)) }
            == "invalid private key: x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)")
        #expect(failure { try call("crypto.RSADecrypt", .string(key), .bytes([1])) }.hasPrefix("invalid private key: "))
        // An Ed25519 function is told what it got instead.
        #expect(failure { try call("crypto.Ed25519DerivePublicKey", .string(key)) }
            == "ed25519DecodeFromPEM: could not decode private key: ed25519DecodeFromPEM: invalid ed25519 Private Key - given type: *rsa.PrivateKey")
    }

    @Test(arguments: [
        (Value.int(1024), "RSA key size must be at least 2048 bits"),
        (.int(-1), "RSA key size must be at least 2048 bits"),
        (.int(16384), "RSA key size 16384 exceeds the limit of 8192 bits"),
        (.int(Int.max), "RSA key size \(Int.max) exceeds the limit of 8192 bits"),
        (.int(2049), "RSA key size must be a multiple of 128 bits, got 2049"),
    ])
    func rsaGenerateKeyRefusesSizes(_ bits: Value, _ message: String) {
        #expect(failure { try call("crypto.RSAGenerateKey", bits) } == message)
    }

    @Test func rsaGenerateKeyChecksItsArguments() {
        #expect(failure { try call("crypto.RSAGenerateKey", .string("many")) }.hasPrefix("bits must be an integer: "))
        #expect(failure { try call("crypto.RSAGenerateKey", .int(2048), .int(2048)) }
            == "wrong number of args: want 0 or 1, got 2")
    }

    @Test func rsaEncryptAndDecryptRefuseWhatGoRefuses() throws {
        let publicKey = text(try call("crypto.RSADerivePublicKey", .string(Self.rsaKey)))
        // 2048 bits hold 256 - 11 bytes of message.
        #expect(bytes(try call("crypto.RSAEncrypt", .string(publicKey), .string(String(repeating: "m", count: 245)))).count == 256)
        #expect(failure { try call("crypto.RSAEncrypt", .string(publicKey), .string(String(repeating: "m", count: 246))) }
            == "crypto/rsa: message too long for RSA key size")

        let ecPublic = text(try call("crypto.DerivePublicKey", try call("crypto.ECDSAGenerateKey")))
        #expect(failure { try call("crypto.RSAEncrypt", .string(ecPublic), .string("x")) }
            == "public key in wrong format, was *ecdsa.PublicKey")

        let ciphertext = bytes(try call("crypto.RSAEncrypt", .string(publicKey), .string("x")))
        var tampered = ciphertext
        tampered[100] ^= 1
        #expect(failure { try call("crypto.RSADecrypt", .string(Self.rsaKey), .bytes(tampered)) }
            == "failed to decrypt: crypto/rsa: decryption error")
        #expect(failure { try call("crypto.RSADecrypt", .string(Self.rsaKey), .bytes(ciphertext + [0])) }
            == "failed to decrypt: crypto/rsa: decryption error")
        #expect(failure { try call("crypto.RSADecrypt", .string(Self.rsaKey), .string("not bytes")) }
            == "wrong type for value; expected []uint8; got string")
    }

    @Test func noErrorRepeatsTheKeyItWasGiven() throws {
        let secret = "MIIEpAIBAAKCAQEAsecretsecretsecret"
        for function in ["crypto.RSADecrypt", "crypto.RSADecryptBytes"] {
            let message = failure { try call(function, .string(secret), .bytes([1, 2])) }
            #expect(message == "failed to read key: no key found")
        }
        #expect(failure { try call("crypto.RSAEncrypt", .string(secret), .string("x")) } == "failed to read key: no key found")
        for function in ["crypto.RSADerivePublicKey", "crypto.ECDSADerivePublicKey"] {
            #expect(failure { try call(function, .string(secret)) } == "failed to read key: no key found")
        }
        #expect(failure { try call("crypto.DerivePublicKey", .string(secret)) } == "failed to read key: no PEM data found")
        let broken = "-----BEGIN RSA PRIVATE KEY-----\n\(secret)\n-----END RSA PRIVATE KEY-----\n"
        let message = failure { try call("crypto.RSADerivePublicKey", .string(broken)) }
        #expect(!message.contains("secret"), "\(message)")
    }

    // MARK: ECDSA

    @Test(arguments: [("P256", 32), ("p-384", 48), ("P521", 66)])
    func ecdsaKeysAreSEC1OnTheirCurve(_ curve: String, _ scalarSize: Int) throws {
        let key = text(try call("crypto.ECDSAGenerateKey", .string(curve)))
        let block = try #require(PEMBlock.decode(key))
        #expect(block.type == "EC PRIVATE KEY")
        #expect(DERForm(block.bytes) == .sec1)
        guard case .ecdsa(let parsed, let scalar) = try ParsedPrivateKey.sec1(block.bytes) else {
            Issue.record("not an ECDSA key")
            return
        }
        #expect(parsed.privateKeySize == scalarSize)
        #expect(scalar.count == scalarSize)
        let derived = text(try call("crypto.ECDSADerivePublicKey", .string(key)))
        #expect(text(try call("crypto.DerivePublicKey", .string(key))) == derived)
        if hasOpenSSL {
            let folder = try TemporaryFolder("crypto-keys")
            let file = folder.child("key.pem")
            try write(key, to: file)
            try runProgram(openssl, "ec", "-check", "-noout", "-in", file)
            #expect(try runProgram(openssl, "ec", "-in", file, "-pubout") == derived)
        }
    }

    @Test func ecdsaGenerateKeyNamesCurvesAsGomplateDoes() throws {
        #expect(PEMBlock.decode(text(try call("crypto.ECDSAGenerateKey")))?.type == "EC PRIVATE KEY")
        #expect(failure { try call("crypto.ECDSAGenerateKey", .string("p-999")) } == "unknown curve: P999")
        #expect(failure { try call("crypto.ECDSAGenerateKey", .string("P224")) }
            == "the P224 curve is not supported (use P256, P384 or P521)")
        #expect(failure { try call("crypto.ECDSAGenerateKey", .string("P256"), .string("P384")) }
            == "wrong number of args: want 0 or 1, got 2")
    }

    @Test(.enabled(if: hasOpenSSL)) func opensslECKeysInBothForms() throws {
        let folder = try TemporaryFolder("crypto-keys")
        try runProgram(openssl, "ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", folder.child("sec1.pem"))
        let sec1 = try read(folder.child("sec1.pem"))
        let expected = try runProgram(openssl, "ec", "-in", folder.child("sec1.pem"), "-pubout")
        #expect(text(try call("crypto.ECDSADerivePublicKey", .string(sec1))) == expected)

        try runProgram(openssl, "pkcs8", "-topk8", "-nocrypt", "-in", folder.child("sec1.pem"), "-out",
                       folder.child("pkcs8.pem"))
        let pkcs8 = try read(folder.child("pkcs8.pem"))
        #expect(text(try call("crypto.DerivePublicKey", .string(pkcs8))) == expected)
        #expect(failure { try call("crypto.ECDSADerivePublicKey", .string(pkcs8)) }
            == "invalid private key: x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)")
        #expect(failure { try call("crypto.Ed25519DerivePublicKey", .string(sec1)) }
            == "ed25519DecodeFromPEM: could not decode private key: parsePKCS8PrivateKey: invalid private key: x509: failed to parse private key (use ParseECPrivateKey instead for this key format)")

        try runProgram(openssl, "ecparam", "-name", "secp224r1", "-genkey", "-noout", "-out", folder.child("p224.pem"))
        let p224 = try read(folder.child("p224.pem"))
        #expect(failure { try call("crypto.ECDSADerivePublicKey", .string(p224)) }
            == "invalid private key: the P224 curve is not supported (use P256, P384 or P521)")
    }

    // MARK: Ed25519

    /// RFC 8032, section 7.1, tests 1 to 3: secret key (the seed) and public key.
    @Test(arguments: [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
        ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
    ])
    func ed25519KeysFromRFC8032Seeds(_ seed: String, _ publicKey: String) throws {
        // PKCS#8 and PKIX around the raw keys, as Go's x509 marshals them (RFC 8410).
        let expectedPrivate = pem("PRIVATE KEY", hex: "302e020100300506032b657004220420" + seed)
        let expectedPublic = pem("PUBLIC KEY", hex: "302a300506032b6570032100" + publicKey)
        let fromHex = text(try call("crypto.Ed25519GenerateKeyFromSeed", .string("hex"), .string(seed)))
        #expect(fromHex == expectedPrivate)
        let base64Seed = Data(bytes(fromHex: seed)).base64EncodedString()
        #expect(text(try call("crypto.Ed25519GenerateKeyFromSeed", .string("base64"), .string(base64Seed))) == fromHex)
        #expect(text(try call("crypto.Ed25519DerivePublicKey", .string(fromHex))) == expectedPublic)
        #expect(text(try call("crypto.DerivePublicKey", .string(fromHex))) == expectedPublic)
    }

    @Test func ed25519GenerateKeyMakesFreshPKCS8Keys() throws {
        let first = text(try call("crypto.Ed25519GenerateKey"))
        let second = text(try call("crypto.Ed25519GenerateKey"))
        #expect(first != second)
        let block = try #require(PEMBlock.decode(first))
        #expect(block.type == "PRIVATE KEY")
        #expect(block.bytes.count == 48)
        if hasOpenSSL {
            let folder = try TemporaryFolder("crypto-keys")
            let file = folder.child("key.pem")
            try write(first, to: file)
            #expect(try runProgram(openssl, "pkey", "-in", file, "-pubout")
                == text(try call("crypto.Ed25519DerivePublicKey", .string(first))))
        }
    }

    @Test func ed25519SeedsAreCheckedWithoutEchoingThem() {
        let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f"
        #expect(failure { try call("crypto.Ed25519GenerateKeyFromSeed", .string("hex"), .string(seed)) }
            == "generateKeyFromSeed: incorrect seed size - given: 31 wanted 32")
        #expect(failure { try call("crypto.Ed25519GenerateKeyFromSeed", .string("hex"), .string(seed + "6")) }
            == "could not decode given seed: encoding/hex: odd length hex string")
        let wrongDigit = failure { try call("crypto.Ed25519GenerateKeyFromSeed", .string("hex"), .string("zz" + seed)) }
        #expect(wrongDigit == "could not decode given seed: encoding/hex: invalid byte at offset 0")
        #expect(failure { try call("crypto.Ed25519GenerateKeyFromSeed", .string("base64"), .string("nWGx!")) }
            == "could not decode given seed: illegal base64 data at input byte 4")
        #expect(failure { try call("crypto.Ed25519GenerateKeyFromSeed", .string("base32"), .string(seed)) }
            == "invalid encoding given: base32 - only 'hex' or 'base64' are valid options")
        #expect(failure { try call("crypto.Ed25519GenerateKeyFromSeed", .string("hex"), .int(1)) }
            == "wrong type for value; expected string; got int")
    }

    // MARK: PEM and key forms

    @Test func derivePublicKeyGoesByThePEMType() throws {
        let certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        #expect(failure { try call("crypto.DerivePublicKey", .string(certificate)) } == "unsupported key type: CERTIFICATE")
        // The RSA functions look at the bytes only, as gomplate's do.
        let block = try #require(PEMBlock.decode(Self.rsaKey))
        let relabelled = PEMBlock(type: "SOMETHING", bytes: block.bytes).encoded
        #expect(text(try call("crypto.RSADerivePublicKey", .string(relabelled)))
            == text(try call("crypto.RSADerivePublicKey", .string(Self.rsaKey))))
    }

    @Test func pemDecodingSkipsWhatGoSkips() throws {
        let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
        let key = text(try call("crypto.Ed25519GenerateKeyFromSeed", .string("hex"), .string(seed)))
        let expected = text(try call("crypto.Ed25519DerivePublicKey", .string(key)))
        let lines = key.split(separator: "\n").map(String.init)
        let (begin, body, end) = (lines[0], lines[1], lines[2])
        let variants: [String] = [
            "some text first\n" + key,
            key.replacingOccurrences(of: "\n", with: "\r\n"),
            "\(begin)   \n\(body)\n\(end)",
            "\(begin)\nProc-Type: 4,ENCRYPTED\n\n\(body)\n\(end)\n",
            // A broken block first: Go moves on to the next one.
            "-----BEGIN PRIVATE KEY-----\n%%%\n-----END PRIVATE KEY-----\n" + key,
        ]
        for variant in variants {
            #expect(text(try call("crypto.Ed25519DerivePublicKey", .string(variant))) == expected, "\(variant)")
        }
        #expect(PEMBlock.decode("\(begin)\n\(body)\n-----END PUBLIC KEY-----\n") == nil)
        #expect(PEMBlock.decode(String(key.dropLast(6))) == nil)
    }

    @Test func pemEncodingWrapsAt64Columns() {
        let block = PEMBlock(type: "TEST", bytes: Array(0..<100))
        let lines = block.encoded.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.map(\.count) == [20, 64, 64, 8, 18, 0])
        #expect(PEMBlock.decode(block.encoded)?.bytes == Array(0..<100))
    }
}
