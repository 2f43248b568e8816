import Template
/// Case mapping as golang.org/x/text/cases does it for the undetermined language, which is what
/// gomplate's `strings.Title`, `ToUpper`, `ToLower` and `CamelCase` use.
enum TextCases {
    static func upper(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for scalar in s.unicodeScalars {
            out += scalar.properties.uppercaseMapping
        }
        return out
    }

    static func lower(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        var out = ""
        for index in scalars.indices {
            out += lowercase(scalars, at: index)
        }
        return out
    }

    /// `cases.Title`: the first cased letter of each word is title-cased, the rest lower-cased
    /// unless `lowerRest` is false (`cases.NoLower`). Words break at runes whose Unicode word-break
    /// class is not a letter, digit, mark or "mid" punctuation; two mid runes in a row also break.
    static func title(_ s: String, lowerRest: Bool) -> String {
        let scalars = Array(s.unicodeScalars)
        var out = ""
        var isMidWord = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let wasMid = isMid(scalar)
            if scalar.properties.isCased {
                if !isMidWord {
                    out += scalar.properties.titlecaseMapping
                    isMidWord = true
                } else if lowerRest {
                    out += lowercase(scalars, at: index)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            } else {
                out.unicodeScalars.append(scalar)
                if isBreak(scalar) { isMidWord = false }
            }
            index += 1
            if index < scalars.count, wasMid, isMid(scalars[index]) { isMidWord = false }
        }
        return out
    }

    /// The full lower-case mapping, with Greek final sigma (Σ ending a word becomes ς).
    private static func lowercase(_ scalars: [Unicode.Scalar], at index: Int) -> String {
        let scalar = scalars[index]
        guard scalar == "\u{03A3}" else { return scalar.properties.lowercaseMapping }
        return isFinalSigma(scalars, at: index) ? "\u{03C2}" : "\u{03C3}"
    }

    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }

    /// Word-break MidLetter, MidNumLet and Single_Quote runes: they join letters on both sides.
    private static func isMid(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027,
             0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
            return true
        default:
            return false
        }
    }

    /// Runes whose word-break class is none of ALetter, Hebrew_Letter, Numeric, Extend,
    /// ExtendNumLet, Format, ZWJ or a mid class end a word.
    private static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
        if isMid(scalar) { return false }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation, .format:
            return false
        default:
            break
        }
        if scalar.value == 0x202F { return false }
        guard properties.isAlphabetic else { return true }
        // Kana, ideographs and the South-East Asian scripts have their own word-break classes.
        if properties.isIdeographic { return true }
        switch scalar.value {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF, 0x1950...0x19DF, 0x1A20...0x1AAF,
             0x3040...0x30FF, 0x31F0...0x31FF, 0xA9E0...0xA9FF, 0xAA60...0xAADF, 0xFF66...0xFF9F:
            return true
        default:
            return false
        }
    }
}

/// gomplate's own case helpers (strings/strings.go): CamelCase, SnakeCase, KebabCase.
enum GomplateCase {
    static func camel(_ input: String) throws -> String {
        let trimmed = GoStrings.trimSpace(input)
        var s = TextCases.title(trimmed, lowerRest: true)
        s = try keepingFirstByte(of: trimmed, in: s)
        return replacingNonAlphanumeric(s, with: "")
    }

    static func snake(_ input: String) throws -> String {
        GoStrings.replaceAll(try prepare(input), " ", with: "_")
    }

    static func kebab(_ input: String) throws -> String {
        GoStrings.replaceAll(try prepare(input), " ", with: "-")
    }

    private static func prepare(_ input: String) throws -> String {
        let trimmed = GoStrings.trimSpace(input)
        var s = simpleLower(trimmed)
        s = try keepingFirstByte(of: trimmed, in: s)
        s = replacingNonAlphanumeric(s, with: " ")
        return GoStrings.trimSpace(s)
    }

    /// Go's `strings.ToLower`: the simple (one rune to one rune) mapping. U+0130 is the one rune
    /// whose full lower-case mapping is longer than its simple one.
    private static func simpleLower(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            let mapped = scalar.properties.lowercaseMapping.unicodeScalars
            if scalar == "\u{0130}" {
                out.append("i")
            } else if mapped.count == 1, let only = mapped.first {
                out.append(only)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// `strings.Replace(s, string(s[0]), string(in[0]), 1)`: Go converts each first *byte* to
    /// the rune of that number, so this only does what it means for ASCII first letters.
    private static func keepingFirstByte(of original: String, in s: String) throws -> String {
        guard let sByte = s.utf8.first, let inByte = original.utf8.first else {
            throw FunctionError("runtime error: index out of range [0] with length 0")
        }
        let old = String(Character(Unicode.Scalar(sByte)))
        let new = String(Character(Unicode.Scalar(inByte)))
        let pieces = GoStrings.split(s, separator: old, limit: 2)
        return pieces.count == 2 ? pieces[0] + new + pieces[1] : s
    }

    /// `regexp.MustCompile("[^\pL\pN]+").ReplaceAllString(s, with)`.
    private static func replacingNonAlphanumeric(_ s: String, with replacement: String) -> String {
        var out = ""
        var inRun = false
        for scalar in s.unicodeScalars {
            if isLetterOrNumber(scalar) {
                out.unicodeScalars.append(scalar)
                inRun = false
            } else if !inRun {
                out += replacement
                inRun = true
            }
        }
        return out
    }

    private static func isLetterOrNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
