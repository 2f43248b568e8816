import Crypto
import CryptoExtras
import Foundation
import Template
import SwiftASN1

extension FunctionTable {
    /// gomplate's key functions of the `crypto` namespace, through swift-crypto. Keys are written as
    /// Go's crypto/x509 writes them: RSA as PKCS#1 `RSA PRIVATE KEY`, ECDSA as SEC1 `EC PRIVATE KEY`,
    /// Ed25519 as PKCS#8 `PRIVATE KEY`, public keys as PKIX `PUBLIC KEY`. Errors are gomplate's,
    /// except that no error repeats the key or seed it was given.
    mutating func addCryptoKeyFunctions() {
        add(TemplateFunction("RSAGenerateKey", atLeast: 0, reads: .randomness) { args, _ in
            guard args.count <= 1 else { throw FunctionError("wrong number of args: want 0 or 1, got \(args.count)") }
            let bits = try args.first?.mathInt("bits must be an integer") ?? 4096
            return .string(PEMBlock(type: "RSA PRIVATE KEY", bytes: try RSAKeys.generate(bits: bits)).encoded)
        }, as: "crypto.RSAGenerateKey")
        add(TemplateFunction("RSADerivePublicKey", arguments: 1, reads: []) { args, _ in
            let key = try RSAKeys.privateKey(pem: try TypedArgument.string(args[0]))
            return .string(PEMBlock(type: "PUBLIC KEY", bytes: Array(key.publicKey.derRepresentation)).encoded)
        }, as: "crypto.RSADerivePublicKey")
        add(TemplateFunction("RSAEncrypt", arguments: 2, reads: .randomness) { args, _ in
            .bytes(try RSAKeys.encrypt(try args[1].gomplateToBytes(), publicKeyPEM: try TypedArgument.string(args[0])))
        }, as: "crypto.RSAEncrypt")
        add(TemplateFunction("RSADecrypt", arguments: 2, reads: []) { args, _ in
            let plain = try RSAKeys.decrypt(try byteSliceArgument(args[1]), privateKeyPEM: try TypedArgument.string(args[0]))
            return .string(String(decoding: plain, as: UTF8.self))
        }, as: "crypto.RSADecrypt")
        add(TemplateFunction("RSADecryptBytes", arguments: 2, reads: []) { args, _ in
            .bytes(try RSAKeys.decrypt(try byteSliceArgument(args[1]), privateKeyPEM: try TypedArgument.string(args[0])))
        }, as: "crypto.RSADecryptBytes")

        add(TemplateFunction("ECDSAGenerateKey", atLeast: 0, reads: .randomness) { args, _ in
            guard args.count <= 1 else { throw FunctionError("wrong number of args: want 0 or 1, got \(args.count)") }
            var curve = NISTCurve.p256
            if let argument = args.first {
                let name = try argument.gomplateString().uppercased().replacingOccurrences(of: "-", with: "")
                guard let named = try NISTCurve(goName: name) else { throw FunctionError("unknown curve: \(name)") }
                curve = named
            }
            return .string(PEMBlock(type: "EC PRIVATE KEY", bytes: try curve.generateSEC1()).encoded)
        }, as: "crypto.ECDSAGenerateKey")
        add(TemplateFunction("ECDSADerivePublicKey", arguments: 1, reads: []) { args, _ in
            guard let block = PEMBlock.decode(try TypedArgument.string(args[0])) else {
                throw FunctionError("failed to read key: no key found")
            }
            let key = try goError("invalid private key") { try ParsedPrivateKey.sec1(block.bytes) }
            return .string(PEMBlock(type: "PUBLIC KEY", bytes: try key.publicKeyDER).encoded)
        }, as: "crypto.ECDSADerivePublicKey")

        add(TemplateFunction("Ed25519GenerateKey", arguments: 0, reads: .randomness) { _, _ in
            .string(Ed25519Keys.privateKeyPEM(Curve25519.Signing.PrivateKey()))
        }, as: "crypto.Ed25519GenerateKey")
        add(TemplateFunction("Ed25519GenerateKeyFromSeed", arguments: 2, reads: []) { args, _ in
            let encoding = try TypedArgument.string(args[0])
            let seed = try TypedArgument.string(args[1])
            return .string(try Ed25519Keys.privateKeyPEM(seed: Ed25519Keys.decodeSeed(seed, encoding: encoding)))
        }, as: "crypto.Ed25519GenerateKeyFromSeed")
        add(TemplateFunction("Ed25519DerivePublicKey", arguments: 1, reads: []) { args, _ in
            .string(try Ed25519Keys.publicKeyPEM(privateKeyPEM: try TypedArgument.string(args[0])))
        }, as: "crypto.Ed25519DerivePublicKey")

        add(TemplateFunction("DerivePublicKey", arguments: 1, reads: []) { args, _ in
            guard let block = PEMBlock.decode(try TypedArgument.string(args[0])) else {
                throw FunctionError("failed to read key: no PEM data found")
            }
            let key: ParsedPrivateKey
            switch block.type {
            case "RSA PRIVATE KEY": key = .rsa(try goError("invalid private key") { try ParsedPrivateKey.rsaKey(pkcs1: block.bytes) })
            case "EC PRIVATE KEY": key = try goError("invalid private key") { try ParsedPrivateKey.sec1(block.bytes) }
            case "PRIVATE KEY":
                key = try goError("failed to parse PKCS#8 private key") { try ParsedPrivateKey.pkcs8(block.bytes) }
            default: throw FunctionError("unsupported key type: \(block.type)")
            }
            return .string(PEMBlock(type: "PUBLIC KEY", bytes: try key.publicKeyDER).encoded)
        }, as: "crypto.DerivePublicKey")
    }
}

/// A `[]byte` parameter: Go's text/template passes bytes and nil, nothing else.
private func byteSliceArgument(_ value: Value) throws -> [UInt8] {
    switch value {
    case .bytes(let bytes): return bytes
    case .null: return []
    default: throw FunctionError("wrong type for value; expected []uint8; got \(value.goTypeName)")
    }
}

/// Runs `body`, putting `context: ` before the message of the function error it throws, as Go's
/// `fmt.Errorf("context: %w", err)` does.
private func goError<T>(_ context: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FunctionError {
        throw FunctionError("\(context): \(error.message)")
    }
}

/// Runs a swift-crypto call and reports its failure as `failure: error`; swift-crypto's errors
/// are bare enum cases that hold no key material.
func cryptoCall<T>(_ failure: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as FunctionError {
        throw error
    } catch {
        throw FunctionError("\(failure): \(error)")
    }
}

enum RSAKeys {
    /// Go's crypto/rsa draws primes of any size; BoringSSL only keys of a multiple of 128 bits.
    static let bitGranularity = 128

    /// A PKCS#1 DER private key of `bits` bits. gomplate refuses fewer than 2048 bits; the upper
    /// bound is edpctl's (WorkLimits.maxRSAKeyBits).
    static func generate(bits: Int) throws -> [UInt8] {
        guard bits >= 2048 else { throw FunctionError("RSA key size must be at least 2048 bits") }
        guard bits <= WorkLimits.maxRSAKeyBits else {
            throw FunctionError("RSA key size \(bits) exceeds the limit of \(WorkLimits.maxRSAKeyBits) bits")
        }
        guard bits % bitGranularity == 0 else {
            throw FunctionError("RSA key size must be a multiple of \(bitGranularity) bits, got \(bits)")
        }
        let key = try cryptoCall("failed to generate RSA private key") {
            try _RSA.Encryption.PrivateKey(keySize: .init(bitCount: bits))
        }
        return Array(key.derRepresentation)
    }

    /// The PKCS#1 private key in the first PEM block of `pem`, as gomplate's RSADecrypt and
    /// RSADerivePublicKey read it (the block's type is not looked at).
    static func privateKey(pem: String) throws -> _RSA.Encryption.PrivateKey {
        guard let block = PEMBlock.decode(pem) else { throw FunctionError("failed to read key: no key found") }
        return try goError("invalid private key") { try ParsedPrivateKey.rsaKey(pkcs1: block.bytes) }
    }

    /// PKCS#1 v1.5 encryption (RFC 8017, 7.2), which gomplate uses: swift-crypto offers it as
    /// `_WEAK_AND_INSECURE_PKCS_V1_5`, being open to Bleichenbacher's attack where decryption
    /// errors can be observed; gomplate's ciphertexts need it to be decrypted.
    static func encrypt(_ message: [UInt8], publicKeyPEM: String) throws -> [UInt8] {
        guard let block = PEMBlock.decode(publicKeyPEM) else { throw FunctionError("failed to read key: no key found") }
        if let algorithm = PublicKeyAlgorithm(spki: block.bytes), algorithm != .rsa {
            throw FunctionError("public key in wrong format, was \(algorithm.goTypeName)")
        }
        let key = try cryptoCall("failed to parse public key") {
            try _RSA.Encryption.PublicKey(unsafeDERRepresentation: block.bytes)
        }
        guard message.count <= key.maximumEncryptSize(with: ._WEAK_AND_INSECURE_PKCS_V1_5) else {
            throw FunctionError("crypto/rsa: message too long for RSA key size")
        }
        return Array(try cryptoCall("crypto/rsa") { try key.encrypt(message, padding: ._WEAK_AND_INSECURE_PKCS_V1_5) })
    }

    static func decrypt(_ cipher: [UInt8], privateKeyPEM: String) throws -> [UInt8] {
        let key = try privateKey(pem: privateKeyPEM)
        // Go reads the ciphertext as a number, so leading zero bytes may be missing.
        let size = (key.keySizeInBits + 7) / 8
        guard cipher.count <= size else { throw FunctionError("failed to decrypt: crypto/rsa: decryption error") }
        let padded = [UInt8](repeating: 0, count: size - cipher.count) + cipher
        do {
            return Array(try key.decrypt(padded, padding: ._WEAK_AND_INSECURE_PKCS_V1_5))
        } catch {
            throw FunctionError("failed to decrypt: crypto/rsa: decryption error")
        }
    }
}

/// The NIST curves swift-crypto has. Go also has P-224, which swift-crypto lacks.
enum NISTCurve: CaseIterable {
    case p256, p384, p521

    /// gomplate's names (`P256`); nil for an unknown name, an error for P-224.
    init?(goName: String) throws {
        switch goName {
        case "P224": throw NISTCurve.p224Unsupported
        case "P256": self = .p256
        case "P384": self = .p384
        case "P521": self = .p521
        default: return nil
        }
    }

    init(oid: ASN1ObjectIdentifier) throws {
        if oid == NISTCurve.p224OID { throw NISTCurve.p224Unsupported }
        guard let curve = NISTCurve.allCases.first(where: { $0.oid == oid }) else {
            throw FunctionError("x509: unknown elliptic curve")
        }
        self = curve
    }

    private static let p224OID: ASN1ObjectIdentifier = [1, 3, 132, 0, 33]
    private static let p224Unsupported = FunctionError("the P224 curve is not supported (use P256, P384 or P521)")

    var oid: ASN1ObjectIdentifier {
        switch self {
        case .p256: return [1, 2, 840, 10045, 3, 1, 7]
        case .p384: return [1, 3, 132, 0, 34]
        case .p521: return [1, 3, 132, 0, 35]
        }
    }

    var privateKeySize: Int {
        switch self {
        case .p256: return 32
        case .p384: return 48
        case .p521: return 66
        }
    }

    /// A new key as Go's `x509.MarshalECPrivateKey` writes it (SEC1, RFC 5915): version 1, the
    /// private scalar, the curve and the uncompressed public point.
    func generateSEC1() throws -> [UInt8] {
        let (scalar, point): (Data, Data)
        switch self {
        case .p256:
            let key = P256.Signing.PrivateKey(compactRepresentable: false)
            (scalar, point) = (key.rawRepresentation, key.publicKey.x963Representation)
        case .p384:
            let key = P384.Signing.PrivateKey(compactRepresentable: false)
            (scalar, point) = (key.rawRepresentation, key.publicKey.x963Representation)
        case .p521:
            let key = P521.Signing.PrivateKey(compactRepresentable: false)
            (scalar, point) = (key.rawRepresentation, key.publicKey.x963Representation)
        }
        return try cryptoCall("failed to marshal ECDSA private key") {
            var serializer = DER.Serializer()
            try serializer.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(1)
                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(scalar)))
                try coder.serialize(oid, explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
                try coder.serialize(ASN1BitString(bytes: ArraySlice(point)), explicitlyTaggedWithTagNumber: 1,
                                    tagClass: .contextSpecific)
            }
            return serializer.serializedBytes
        }
    }

    /// The PKIX public key of the private scalar `scalar`.
    func publicKeyDER(scalar: [UInt8]) throws -> [UInt8] {
        try cryptoCall("x509: invalid elliptic curve private key value") {
            switch self {
            case .p256: return Array(try P256.Signing.PrivateKey(rawRepresentation: scalar).publicKey.derRepresentation)
            case .p384: return Array(try P384.Signing.PrivateKey(rawRepresentation: scalar).publicKey.derRepresentation)
            case .p521: return Array(try P521.Signing.PrivateKey(rawRepresentation: scalar).publicKey.derRepresentation)
            }
        }
    }
}

enum Ed25519Keys {
    static func privateKeyPEM(_ key: Curve25519.Signing.PrivateKey) -> String {
        PEMBlock(type: "PRIVATE KEY", bytes: Array(key.derRepresentation)).encoded
    }

    static func privateKeyPEM(seed: [UInt8]) throws -> String {
        guard seed.count == 32 else {
            throw FunctionError("generateKeyFromSeed: incorrect seed size - given: \(seed.count) wanted 32")
        }
        return privateKeyPEM(try cryptoCall("generateKeyFromSeed") { try Curve25519.Signing.PrivateKey(rawRepresentation: seed) })
    }

    /// gomplate's `hex` or `base64` (standard, padded) seed text. Go's hex error names the bad
    /// character, which is part of a secret here, so this one gives its offset instead.
    static func decodeSeed(_ seed: String, encoding: String) throws -> [UInt8] {
        switch encoding {
        case "base64":
            return try goError("could not decode given seed") { try Base64Alphabet.standard.decode(Array(seed.utf8)) }
        case "hex":
            return try goError("could not decode given seed") { try decodeHex(Array(seed.utf8)) }
        default:
            throw FunctionError("invalid encoding given: \(encoding) - only 'hex' or 'base64' are valid options")
        }
    }

    /// Go's `hex.DecodeString`: a bad character is reported before an odd length.
    private static func decodeHex(_ text: [UInt8]) throws -> [UInt8] {
        func value(_ index: Int) throws -> UInt8 {
            switch text[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return text[index] - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return text[index] - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return text[index] - UInt8(ascii: "A") + 10
            default: throw FunctionError("encoding/hex: invalid byte at offset \(index)")
            }
        }
        var out: [UInt8] = []
        for index in stride(from: 1, to: text.count, by: 2) {
            out.append(try value(index - 1) << 4 | value(index))
        }
        if text.count % 2 == 1 {
            _ = try value(text.count - 1)
            throw FunctionError("encoding/hex: odd length hex string")
        }
        return out
    }

    static func publicKeyPEM(privateKeyPEM: String) throws -> String {
        let context = "ed25519DecodeFromPEM: could not decode private key"
        guard let block = PEMBlock.decode(privateKeyPEM) else { throw FunctionError("\(context): decode: failed to read key") }
        let key = try goError("\(context): parsePKCS8PrivateKey: invalid private key") {
            try ParsedPrivateKey.pkcs8(block.bytes)
        }
        guard case .ed25519 = key else {
            throw FunctionError("\(context): ed25519DecodeFromPEM: invalid ed25519 Private Key - given type: \(key.goTypeName)")
        }
        return PEMBlock(type: "PUBLIC KEY", bytes: try key.publicKeyDER).encoded
    }
}

/// A private key as Go's crypto/x509 parses it, with the error texts of its `Parse…` functions.
enum ParsedPrivateKey {
    case rsa(_RSA.Encryption.PrivateKey)
    case ecdsa(NISTCurve, scalar: [UInt8])
    case ed25519(Curve25519.Signing.PrivateKey)

    var goTypeName: String {
        switch self {
        case .rsa: return "*rsa.PrivateKey"
        case .ecdsa: return "*ecdsa.PrivateKey"
        case .ed25519: return "ed25519.PrivateKey"
        }
    }

    /// PKIX (SubjectPublicKeyInfo) DER, as Go's `x509.MarshalPKIXPublicKey` writes it.
    var publicKeyDER: [UInt8] {
        get throws {
            switch self {
            case .rsa(let key): return Array(key.publicKey.derRepresentation)
            case .ecdsa(let curve, let scalar): return try curve.publicKeyDER(scalar: scalar)
            case .ed25519(let key): return Array(key.publicKey.derRepresentation)
            }
        }
    }

    /// `x509.ParsePKCS1PrivateKey`. swift-crypto reads PKCS#8 too, so the form is checked first;
    /// like Go (since 1.24) it refuses keys under 1024 bits.
    static func rsaKey(pkcs1 der: [UInt8]) throws -> _RSA.Encryption.PrivateKey {
        switch DERForm(der) {
        case .pkcs1PrivateKey: break
        case .pkcs8: throw FunctionError("x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)")
        case .sec1: throw FunctionError("x509: failed to parse private key (use ParseECPrivateKey instead for this key format)")
        default: throw FunctionError("x509: malformed PKCS#1 private key")
        }
        return try cryptoCall("x509: invalid RSA private key") {
            try _RSA.Encryption.PrivateKey(unsafeDERRepresentation: der)
        }
    }

    /// `x509.ParseECPrivateKey`; `namedCurve` is the curve a PKCS#8 wrapper names.
    static func sec1(_ der: [UInt8], namedCurve: NISTCurve? = nil) throws -> ParsedPrivateKey {
        switch DERForm(der) {
        case .sec1: break
        case .pkcs8: throw FunctionError("x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)")
        case .pkcs1PrivateKey: throw FunctionError("x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)")
        default: throw FunctionError("x509: failed to parse EC private key: malformed SEC1 structure")
        }
        let (version, scalar, curveOID) = try malformed("x509: failed to parse EC private key") {
            try DER.sequence(try DER.parse(der), identifier: .sequence) { nodes in
                let version = try Int(derEncoded: &nodes)
                let scalar = try ASN1OctetString(derEncoded: &nodes)
                let oid = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                    try ASN1ObjectIdentifier(derEncoded: $0)
                }
                _ = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) { $0 }
                return (version, Array(scalar.bytes), oid)
            }
        }
        guard version == 1 else { throw FunctionError("x509: unknown EC private key version \(version)") }
        let curve: NISTCurve
        if let namedCurve {
            curve = namedCurve
        } else if let curveOID {
            curve = try NISTCurve(oid: curveOID)
        } else {
            throw FunctionError("x509: unknown elliptic curve")
        }
        // Go accepts a scalar whose leading zeros were dropped, as OpenSSL once wrote them.
        guard scalar.count <= curve.privateKeySize else { throw FunctionError("x509: invalid private key length") }
        let padded = [UInt8](repeating: 0, count: curve.privateKeySize - scalar.count) + scalar
        _ = try curve.publicKeyDER(scalar: padded)
        return .ecdsa(curve, scalar: padded)
    }

    /// `x509.ParsePKCS8PrivateKey` for the algorithms swift-crypto has: RSA, ECDSA on P-256,
    /// P-384 and P-521, and Ed25519.
    static func pkcs8(_ der: [UInt8]) throws -> ParsedPrivateKey {
        switch DERForm(der) {
        case .pkcs8: break
        case .pkcs1PrivateKey: throw FunctionError("x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)")
        case .sec1: throw FunctionError("x509: failed to parse private key (use ParseECPrivateKey instead for this key format)")
        default: throw FunctionError("x509: malformed PKCS#8 private key")
        }
        let (algorithm, parameters, privateKey) = try malformed("x509: malformed PKCS#8 private key") {
            try DER.sequence(try DER.parse(der), identifier: .sequence) { nodes in
                _ = try Int(derEncoded: &nodes)
                let (algorithm, parameters) = try DER.sequence(nodes.required(), identifier: .sequence) {
                    (try ASN1ObjectIdentifier(derEncoded: &$0), $0.next())
                }
                let privateKey = try ASN1OctetString(derEncoded: &nodes)
                while nodes.next() != nil {}
                return (algorithm, parameters, Array(privateKey.bytes))
            }
        }
        switch PublicKeyAlgorithm(oid: algorithm) {
        case .rsa:
            return .rsa(try goError("x509: failed to parse RSA private key embedded in PKCS#8") { try rsaKey(pkcs1: privateKey) })
        case .ecdsa:
            guard let parameters, let curveOID = try? ASN1ObjectIdentifier(derEncoded: parameters) else {
                throw FunctionError("x509: failed to parse EC private key embedded in PKCS#8: x509: unknown elliptic curve")
            }
            return try goError("x509: failed to parse EC private key embedded in PKCS#8") {
                try sec1(privateKey, namedCurve: NISTCurve(oid: curveOID))
            }
        case .ed25519:
            guard parameters == nil else { throw FunctionError("x509: invalid Ed25519 private key parameters") }
            let seed = try malformed("x509: invalid Ed25519 private key") {
                Array(try ASN1OctetString(derEncoded: try DER.parse(privateKey)).bytes)
            }
            guard seed.count == 32 else { throw FunctionError("x509: invalid Ed25519 private key length: \(seed.count)") }
            return .ed25519(try cryptoCall("x509: invalid Ed25519 private key") {
                try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            })
        case nil:
            throw FunctionError("x509: PKCS#8 wrapping contained private key with unknown algorithm: \(algorithm)")
        }
    }

    /// Runs a SwiftASN1 decoding step, reporting a malformed structure as `context` (SwiftASN1's
    /// errors quote no bytes, but name Swift types).
    private static func malformed<T>(_ context: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FunctionError {
            throw error
        } catch {
            throw FunctionError(context)
        }
    }
}

extension ASN1NodeCollection.Iterator {
    /// The next element, which the structure requires.
    fileprivate mutating func required() throws -> ASN1Node {
        guard let node = next() else { throw ASN1Error.invalidASN1Object(reason: "missing element") }
        return node
    }
}

/// The key algorithms of PKIX and PKCS#8 that the functions above know.
enum PublicKeyAlgorithm {
    case rsa, ecdsa, ed25519

    init?(oid: ASN1ObjectIdentifier) {
        switch oid {
        case [1, 2, 840, 113_549, 1, 1, 1]: self = .rsa
        case [1, 2, 840, 10045, 2, 1]: self = .ecdsa
        case [1, 3, 101, 112]: self = .ed25519
        default: return nil
        }
    }

    /// The algorithm of a SubjectPublicKeyInfo; nil when `der` is not one (a PKCS#1 public key, say).
    init?(spki der: [UInt8]) {
        guard let oid = try? DER.sequence(try DER.parse(der), identifier: .sequence, { nodes -> ASN1ObjectIdentifier in
            let oid = try DER.sequence(nodes.required(), identifier: .sequence) {
                let oid = try ASN1ObjectIdentifier(derEncoded: &$0)
                while $0.next() != nil {}
                return oid
            }
            _ = try ASN1BitString(derEncoded: &nodes)
            return oid
        }) else { return nil }
        self.init(oid: oid)
    }

    var goTypeName: String {
        switch self {
        case .rsa: return "*rsa.PublicKey"
        case .ecdsa: return "*ecdsa.PublicKey"
        case .ed25519: return "ed25519.PublicKey"
        }
    }
}

/// Which of the DER private key forms a blob has, told by the types of its first two elements,
/// as Go tells them apart to suggest the right `Parse…` function.
enum DERForm {
    /// RSAPrivateKey (RFC 8017, A.1.2): version, modulus, …
    case pkcs1PrivateKey
    /// PrivateKeyInfo (RFC 5208): version, algorithm, key
    case pkcs8
    /// ECPrivateKey (RFC 5915): version, private key octets, …
    case sec1
    case other

    init(_ der: [UInt8]) {
        guard let root = try? DER.parse(der), root.identifier == .sequence,
              case .constructed(let children) = root.content else {
            self = .other
            return
        }
        let identifiers = children.prefix(2).map(\.identifier)
        switch (identifiers.first, identifiers.dropFirst().first) {
        case (.integer?, .integer?): self = .pkcs1PrivateKey
        case (.integer?, .sequence?): self = .pkcs8
        case (.integer?, .octetString?): self = .sec1
        default: self = .other
        }
    }
}

/// A PEM block (RFC 7468) as Go's encoding/pem reads and writes it.
struct PEMBlock {
    let type: String
    let bytes: [UInt8]

    /// `pem.Encode`: base64 in lines of 64 characters, every line ending in a newline.
    var encoded: String {
        let base64 = Array(Base64Alphabet.standard.encode(bytes).utf8)
        var out = "-----BEGIN \(type)-----\n"
        for start in stride(from: 0, to: base64.count, by: 64) {
            out += String(decoding: base64[start..<min(start + 64, base64.count)], as: UTF8.self) + "\n"
        }
        return out + "-----END \(type)-----\n"
    }

    /// `pem.Decode`: the first well-formed block, skipping text before it and blocks whose END
    /// line or base64 is broken; headers (`Proc-Type: …`) are skipped.
    static func decode(_ text: String) -> PEMBlock? {
        let begin = Array("-----BEGIN ".utf8), end = Array("\n-----END ".utf8), dashes = Array("-----".utf8)
        var rest = Array(text.utf8)[...]
        while true {
            if rest.starts(with: begin) {
                rest = rest.dropFirst(begin.count)
            } else if let found = rest.firstRange(of: [UInt8(ascii: "\n")] + begin) {
                rest = rest[found.upperBound...]
            } else {
                return nil
            }
            let (typeLine, afterType) = line(rest)
            rest = afterType
            guard typeLine.count >= dashes.count, typeLine.suffix(dashes.count).elementsEqual(dashes) else { continue }
            let type = typeLine.dropLast(dashes.count)
            var hasHeaders = false
            while true {
                if rest.isEmpty { return nil }
                let (header, next) = line(rest)
                guard header.contains(UInt8(ascii: ":")) else { break }
                hasHeaders = true
                rest = next
            }
            let bodyEnd: Int, trailerStart: Int
            if !hasHeaders, rest.starts(with: end.dropFirst()) {
                (bodyEnd, trailerStart) = (rest.startIndex, rest.startIndex + end.count - 1)
            } else if let found = rest.firstRange(of: end) {
                (bodyEnd, trailerStart) = (found.lowerBound, found.upperBound)
            } else {
                continue
            }
            let trailer = rest[trailerStart...]
            let trailerLength = type.count + dashes.count
            guard trailer.count >= trailerLength,
                  trailer.prefix(trailerLength).elementsEqual(type + dashes),
                  line(trailer.dropFirst(trailerLength)).line.isEmpty else { continue }
            let body = rest[..<bodyEnd].filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            guard let bytes = try? Base64Alphabet.standard.decode(body) else { continue }
            return PEMBlock(type: String(decoding: type, as: UTF8.self), bytes: bytes)
        }
    }

    /// Go's `getLine`: up to the next newline, without a carriage return and trailing blanks.
    private static func line(_ data: ArraySlice<UInt8>) -> (line: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
        let newline = data.firstIndex(of: UInt8(ascii: "\n"))
        var line = data[..<(newline ?? data.endIndex)]
        if newline != nil, line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        while let last = line.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { line = line.dropLast() }
        return (line, newline.map { data[($0 + 1)...] } ?? data[data.endIndex...])
    }
}
