/// Random values from the system's CSPRNG (`SystemRandomNumberGenerator`: getrandom(2) on Linux,
/// arc4random on Darwin), each character drawn uniformly from its alphabet.
enum Generator {
    static let alphanumeric = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    static let hex = Array("0123456789abcdef".utf8)
    static let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let urlSafe = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func value(_ spec: GenerateSpec) -> SecretValue {
        var random = SystemRandomNumberGenerator()
        let characters: [UInt8]
        switch spec.alphabet {
        case .alphanumeric: characters = alphanumeric
        case .hex: characters = hex
        // `length / 4 * 3` random bytes in base64: every character uniform, and the value decodes.
        case .base64: characters = base64
        case .urlSafe: characters = urlSafe
        }
        // `Int.random(in:using:)` rejects the biased tail, so each character is uniform.
        return SecretValue((0..<spec.length).map { _ in characters[Int.random(in: 0..<characters.count, using: &random)] })
    }
}
