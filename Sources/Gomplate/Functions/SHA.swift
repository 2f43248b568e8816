import Crypto
import CryptoExtras
import Foundation
import Template

/// The SHA-1 and SHA-2 hashes gomplate's `crypto` functions name, computed by swift-crypto,
/// except SHA-224 and SHA-512/224, which it does not offer (`SHA224` and `SHA512_224` below).
enum SHAAlgorithm: Sendable, CaseIterable {
    case sha1, sha224, sha256, sha384, sha512, sha512_224, sha512_256

    /// Go's `crypto.StrToHash` names, as `crypto.PBKDF2`'s `hashfunc` argument takes them.
    init?(goName: String) {
        switch goName {
        case "SHA1", "SHA-1": self = .sha1
        case "SHA224", "SHA-224": self = .sha224
        case "SHA256", "SHA-256": self = .sha256
        case "SHA384", "SHA-384": self = .sha384
        case "SHA512", "SHA-512": self = .sha512
        case "SHA512_224", "SHA512/224", "SHA-512_224", "SHA-512/224": self = .sha512_224
        case "SHA512_256", "SHA512/256", "SHA-512_256", "SHA-512/256": self = .sha512_256
        default: return nil
        }
    }

    var digestSize: Int {
        switch self {
        case .sha1: return Insecure.SHA1.Digest.byteCount
        case .sha224: return SHA224.Digest.byteCount
        case .sha256: return SHA256.Digest.byteCount
        case .sha384: return SHA384.Digest.byteCount
        case .sha512: return SHA512.Digest.byteCount
        case .sha512_224: return SHA512_224.Digest.byteCount
        case .sha512_256: return SHA512256.Digest.byteCount
        }
    }

    func hash(_ message: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: return Array(Insecure.SHA1.hash(data: message))
        case .sha224: return Array(SHA224.hash(data: message))
        case .sha256: return Array(SHA256.hash(data: message))
        case .sha384: return Array(SHA384.hash(data: message))
        case .sha512: return Array(SHA512.hash(data: message))
        case .sha512_224: return Array(SHA512_224.hash(data: message))
        case .sha512_256: return Array(SHA512256.hash(data: message))
        }
    }

    /// PBKDF2 (RFC 8018, section 5.2) with HMAC over this hash; fewer than one iteration counts
    /// as one, as in Go.
    func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int, keyLength: Int) throws -> [UInt8] {
        guard keyLength > 0 else { return [] }
        let rounds = max(iterations, 1)
        let function: KDF.Insecure.PBKDF2.HashFunction
        switch self {
        case .sha1: function = .insecureSHA1
        case .sha224: function = .insecureSHA224
        case .sha256: function = .sha256
        case .sha384: function = .sha384
        case .sha512: function = .sha512
        // swift-crypto's PBKDF2 has no SHA-512/t; its HMAC takes any hash.
        case .sha512_224:
            return Self.pbkdf2(SHA512_224.self, password: password, salt: salt, rounds: rounds, keyLength: keyLength)
        case .sha512_256:
            return Self.pbkdf2(SHA512256.self, password: password, salt: salt, rounds: rounds, keyLength: keyLength)
        }
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: password, salt: salt, using: function,
                                                    outputByteCount: keyLength, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func pbkdf2<H: HashFunction>(_: H.Type, password: [UInt8], salt: [UInt8], rounds: Int,
                                                keyLength: Int) -> [UInt8] {
        let keyed = HMAC<H>(key: SymmetricKey(data: password))
        func authenticate(_ message: [UInt8]) -> [UInt8] {
            var mac = keyed
            mac.update(data: message)
            return Array(mac.finalize())
        }
        var derived: [UInt8] = []
        var blockIndex: UInt32 = 1
        while derived.count < keyLength {
            var u = authenticate(salt + withUnsafeBytes(of: blockIndex.bigEndian) { Array($0) })
            var t = u
            for _ in 1..<rounds {
                u = authenticate(u)
                for i in t.indices { t[i] ^= u[i] }
            }
            derived += t
            blockIndex += 1
        }
        return Array(derived.prefix(keyLength))
    }
}

/// SHA-224 (FIPS 180-4, 5.3.2), which swift-crypto does not offer.
struct SHA224: HashFunction {
    static let blockByteCount = 64
    private var message: [UInt8] = []

    init() {}

    mutating func update(bufferPointer: UnsafeRawBufferPointer) { message += bufferPointer }

    func finalize() -> Digest224 {
        Digest224(bytes: sha256(message, initial: [
            0xc105_9ed8, 0x367c_d507, 0x3070_dd17, 0xf70e_5939, 0xffc0_0b31, 0x6858_1511, 0x64f9_8fa7, 0xbefa_4fa4,
        ] as [UInt32]))
    }
}

/// SHA-512/224 (FIPS 180-4, 5.3.6.1), which swift-crypto does not offer.
struct SHA512_224: HashFunction {
    static let blockByteCount = 128
    private var message: [UInt8] = []

    init() {}

    mutating func update(bufferPointer: UnsafeRawBufferPointer) { message += bufferPointer }

    func finalize() -> Digest224 {
        Digest224(bytes: sha512(message, initial: [
            0x8c3d_37c8_1954_4da2, 0x73e1_9966_89dc_d4d6, 0x1dfa_b7ae_32ff_9c82, 0x679d_d514_582f_9fcf,
            0x0f6d_2b69_7bd4_4da8, 0x77e3_6f73_04c4_8942, 0x3f9d_85a8_6a1d_36c8, 0x1112_e6ad_91d6_92a1,
        ] as [UInt64]))
    }
}

/// The first 224 bits of a SHA-256 or SHA-512 state.
struct Digest224: Digest {
    static let byteCount = 28
    fileprivate let bytes: [UInt8]

    fileprivate init(bytes: [UInt8]) { self.bytes = Array(bytes.prefix(Self.byteCount)) }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    var description: String { "224-bit SHA-2 digest: \(lowercaseHex(bytes))" }
}

/// SHA-256's and SHA-512's padding: a 1 bit, zeros, and the bit length as a big-endian integer
/// filling the block's last `lengthBytes` bytes.
private func sha2Padded(_ message: [UInt8], blockSize: Int, lengthBytes: Int) -> [UInt8] {
    var padded = message + [0x80]
    padded += [UInt8](repeating: 0, count: (blockSize - (padded.count + lengthBytes) % blockSize) % blockSize)
    padded += [UInt8](repeating: 0, count: lengthBytes - 8)
    padded += withUnsafeBytes(of: (UInt64(message.count) &* 8).bigEndian) { Array($0) }
    return padded
}

/// The SHA-256 compression function (FIPS 180-4, 6.2.2) over `message`, from `initial`. Written
/// out for `UInt32` and again for `UInt64` below: generic code runs many times slower unoptimized.
private func sha256(_ message: [UInt8], initial: [UInt32]) -> [UInt8] {
    let padded = sha2Padded(message, blockSize: 64, lengthBytes: 8)
    let k = sha256RoundConstants
    var h = initial
    var w = [UInt32](repeating: 0, count: 64)
    for start in stride(from: 0, to: padded.count, by: 64) {
        for i in 0..<16 {
            let p = start + 4 * i
            w[i] = UInt32(padded[p]) << 24 | UInt32(padded[p + 1]) << 16 | UInt32(padded[p + 2]) << 8
                | UInt32(padded[p + 3])
        }
        for i in 16..<64 {
            let s0 = w[i - 15].rotatedRight(7) ^ w[i - 15].rotatedRight(18) ^ (w[i - 15] >> 3)
            let s1 = w[i - 2].rotatedRight(17) ^ w[i - 2].rotatedRight(19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for i in 0..<64 {
            let t1 = hh &+ (e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)) &+ ((e & f) ^ (~e & g))
                &+ k[i] &+ w[i]
            let t2 = (a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)) &+ ((a & b) ^ (a & c) ^ (b & c))
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
    }
    return h.flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> $0) } }
}

/// The SHA-512 compression function (FIPS 180-4, 6.4.2) over `message`, from `initial`.
private func sha512(_ message: [UInt8], initial: [UInt64]) -> [UInt8] {
    let padded = sha2Padded(message, blockSize: 128, lengthBytes: 16)
    let k = sha512RoundConstants
    var h = initial
    var w = [UInt64](repeating: 0, count: 80)
    for start in stride(from: 0, to: padded.count, by: 128) {
        for i in 0..<16 {
            var word: UInt64 = 0
            for p in (start + 8 * i)..<(start + 8 * i + 8) { word = word << 8 | UInt64(padded[p]) }
            w[i] = word
        }
        for i in 16..<80 {
            let s0 = w[i - 15].rotatedRight(1) ^ w[i - 15].rotatedRight(8) ^ (w[i - 15] >> 7)
            let s1 = w[i - 2].rotatedRight(19) ^ w[i - 2].rotatedRight(61) ^ (w[i - 2] >> 6)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for i in 0..<80 {
            let t1 = hh &+ (e.rotatedRight(14) ^ e.rotatedRight(18) ^ e.rotatedRight(41)) &+ ((e & f) ^ (~e & g))
                &+ k[i] &+ w[i]
            let t2 = (a.rotatedRight(28) ^ a.rotatedRight(34) ^ a.rotatedRight(39)) &+ ((a & b) ^ (a & c) ^ (b & c))
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
    }
    return h.flatMap { word in [56, 48, 40, 32, 24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> $0) } }
}

extension UInt32 {
    fileprivate func rotatedRight(_ count: Int) -> UInt32 { self >> count | self << (32 - count) }
}

extension UInt64 {
    fileprivate func rotatedRight(_ count: Int) -> UInt64 { self >> count | self << (64 - count) }
}

private let sha512RoundConstants: [UInt64] = [
        0x428a_2f98_d728_ae22, 0x7137_4491_23ef_65cd, 0xb5c0_fbcf_ec4d_3b2f, 0xe9b5_dba5_8189_dbbc,
        0x3956_c25b_f348_b538, 0x59f1_11f1_b605_d019, 0x923f_82a4_af19_4f9b, 0xab1c_5ed5_da6d_8118,
        0xd807_aa98_a303_0242, 0x1283_5b01_4570_6fbe, 0x2431_85be_4ee4_b28c, 0x550c_7dc3_d5ff_b4e2,
        0x72be_5d74_f27b_896f, 0x80de_b1fe_3b16_96b1, 0x9bdc_06a7_25c7_1235, 0xc19b_f174_cf69_2694,
        0xe49b_69c1_9ef1_4ad2, 0xefbe_4786_384f_25e3, 0x0fc1_9dc6_8b8c_d5b5, 0x240c_a1cc_77ac_9c65,
        0x2de9_2c6f_592b_0275, 0x4a74_84aa_6ea6_e483, 0x5cb0_a9dc_bd41_fbd4, 0x76f9_88da_8311_53b5,
        0x983e_5152_ee66_dfab, 0xa831_c66d_2db4_3210, 0xb003_27c8_98fb_213f, 0xbf59_7fc7_beef_0ee4,
        0xc6e0_0bf3_3da8_8fc2, 0xd5a7_9147_930a_a725, 0x06ca_6351_e003_826f, 0x1429_2967_0a0e_6e70,
        0x27b7_0a85_46d2_2ffc, 0x2e1b_2138_5c26_c926, 0x4d2c_6dfc_5ac4_2aed, 0x5338_0d13_9d95_b3df,
        0x650a_7354_8baf_63de, 0x766a_0abb_3c77_b2a8, 0x81c2_c92e_47ed_aee6, 0x9272_2c85_1482_353b,
        0xa2bf_e8a1_4cf1_0364, 0xa81a_664b_bc42_3001, 0xc24b_8b70_d0f8_9791, 0xc76c_51a3_0654_be30,
        0xd192_e819_d6ef_5218, 0xd699_0624_5565_a910, 0xf40e_3585_5771_202a, 0x106a_a070_32bb_d1b8,
        0x19a4_c116_b8d2_d0c8, 0x1e37_6c08_5141_ab53, 0x2748_774c_df8e_eb99, 0x34b0_bcb5_e19b_48a8,
        0x391c_0cb3_c5c9_5a63, 0x4ed8_aa4a_e341_8acb, 0x5b9c_ca4f_7763_e373, 0x682e_6ff3_d6b2_b8a3,
        0x748f_82ee_5def_b2fc, 0x78a5_636f_4317_2f60, 0x84c8_7814_a1f0_ab72, 0x8cc7_0208_1a64_39ec,
        0x90be_fffa_2363_1e28, 0xa450_6ceb_de82_bde9, 0xbef9_a3f7_b2c6_7915, 0xc671_78f2_e372_532b,
        0xca27_3ece_ea26_619c, 0xd186_b8c7_21c0_c207, 0xeada_7dd6_cde0_eb1e, 0xf57d_4f7f_ee6e_d178,
        0x06f0_67aa_7217_6fba, 0x0a63_7dc5_a2c8_98a6, 0x113f_9804_bef9_0dae, 0x1b71_0b35_131c_471b,
        0x28db_77f5_2304_7d84, 0x32ca_ab7b_40c7_2493, 0x3c9e_be0a_15c9_bebc, 0x431d_67c4_9c10_0d4c,
        0x4cc5_d4be_cb3e_42b6, 0x597f_299c_fc65_7e2a, 0x5fcb_6fab_3ad6_faec, 0x6c44_198c_4a47_5817,
]

/// SHA-256's constants are the first 32 bits of SHA-512's first 64 (both are the fractional parts
/// of the cube roots of the first primes).
private let sha256RoundConstants: [UInt32] = sha512RoundConstants.prefix(64).map { UInt32($0 >> 32) }

/// Lowercase hex of bytes, as Go's `fmt.Sprintf("%02x", bytes)`.
func lowercaseHex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
