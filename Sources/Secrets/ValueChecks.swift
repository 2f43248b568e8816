import Foundation

extension ValueChecks {
    /// What is wrong with `value`, one message each; never the value itself.
    func problems(_ value: SecretValue) -> [String] {
        var problems: [String] = []
        if let minLength, value.bytes.count < minLength {
            problems.append("the value is \(value.bytes.count) bytes long, shorter than minLength \(minLength)")
        }
        if let format, !format.accepts(value.bytes) {
            problems.append("the value is not \(format.rawValue) (\(format.explanation))")
        }
        if let pattern {
            let matches = value.text.map { text in
                (try? NSRegularExpression(pattern: pattern))?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            } ?? false
            if !matches { problems.append("the value does not match the pattern") }
        }
        return problems
    }
}

extension ValueFormat {
    var explanation: String {
        switch self {
        case .hex: "only 0-9 and a-f"
        case .base64: "standard base64 that decodes, '=' padding included"
        case .urlSafe: "only letters, digits, '-' and '_'"
        }
    }

    func accepts(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return false }
        switch self {
        case .hex:
            return bytes.allSatisfy { Generator.hex.contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
        case .urlSafe:
            return bytes.allSatisfy { Generator.urlSafe.contains($0) }
        case .base64:
            return Data(base64Encoded: Data(bytes)) != nil
        }
    }
}
