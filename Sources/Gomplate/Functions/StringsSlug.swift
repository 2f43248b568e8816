import Foundation
import Template

/// github.com/gosimple/slug's `slug.Make` (English substitutions), which gomplate's `strings.Slug` wraps.
enum Slug {
    static func make(_ input: String) -> String {
        var text = ""
        for scalar in GoStrings.trimSpace(input).unicodeScalars {
            if let substitute = substitutions[scalar] {
                text += substitute
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        let ascii = transliterate(text).lowercased()
        var slug = ""
        for byte in ascii.utf8 {
            let authorized = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
            let character: Character = authorized ? Character(Unicode.Scalar(byte)) : "-"
            if character == "-", slug.last == "-" { continue }
            slug.append(character)
        }
        return GoStrings.trim(slug, cutset: "-_")
    }

    /// slug's `enSub` merged with its `defaultSub`, applied before transliteration.
    private static let substitutions: [Unicode.Scalar: String] = [
        "&": "and", "@": "at", "\"": "", "'": "", "\u{2019}": "",
        "\u{2012}": "-", "\u{2013}": "-", "\u{2014}": "-", "\u{2015}": "-",
    ]

    /// unidecode's job: ASCII stays, accented letters lose their marks (compatibility
    /// decomposition), and letters that do not decompose come from a table. Runes with no
    /// transliteration (CJK among them, which unidecode spells in Latin) are dropped.
    static func transliterate(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                out.unicodeScalars.append(scalar)
            } else if let spelled = latinSpelling[scalar.value] {
                out += spelled
            } else {
                for part in String(scalar).decomposedStringWithCompatibilityMapping.unicodeScalars {
                    if part.isASCII {
                        out.unicodeScalars.append(part)
                    } else if let spelled = latinSpelling[part.value] {
                        out += spelled
                    }
                }
            }
        }
        return out
    }

    private static let latinSpelling: [UInt32: String] = {
        var table: [UInt32: String] = [
            0xDF: "ss", 0xE6: "ae", 0xC6: "AE", 0xF8: "o", 0xD8: "O", 0x111: "d", 0x110: "D",
            0xF0: "d", 0xD0: "D", 0xFE: "th", 0xDE: "Th", 0x142: "l", 0x141: "L", 0x153: "oe",
            0x152: "OE", 0x131: "i", 0x127: "h", 0x126: "H", 0x14B: "ng", 0x14A: "NG", 0x167: "t",
            0x166: "T", 0x138: "q", 0x192: "f", 0x401: "Io", 0x451: "io", 0x404: "Ie", 0x454: "ie",
            0x406: "I", 0x456: "i", 0x407: "Yi", 0x457: "yi", 0x490: "G", 0x491: "g",
            0x20AC: "EU", 0xA3: "PS", 0xA5: "Y=", 0xA9: "(c)", 0xAE: "(r)", 0x2044: "/",
            0x2018: "'", 0x201C: "\"", 0x201D: "\"", 0x2026: "...", 0xAB: "<<", 0xBB: ">>",
            0xD7: "x", 0xF7: "/",
        ]
        // Greek and Russian Cyrillic, upper case then lower case, in alphabet order.
        let greek = ["A", "B", "G", "D", "E", "Z", "E", "Th", "I", "K", "L", "M", "N", "Ks", "O", "P", "R",
                     "", "S", "T", "U", "Ph", "Kh", "Ps", "O"]
        for (offset, spelling) in greek.enumerated() where !spelling.isEmpty {
            table[0x391 + UInt32(offset)] = spelling
            table[0x3B1 + UInt32(offset)] = spelling.lowercased()
        }
        table[0x3C2] = "s"
        let cyrillic = ["A", "B", "V", "G", "D", "E", "Zh", "Z", "I", "I", "K", "L", "M", "N", "O", "P", "R",
                        "S", "T", "U", "F", "Kh", "Ts", "Ch", "Sh", "Shch", "'", "Y", "'", "E", "Iu", "Ia"]
        for (offset, spelling) in cyrillic.enumerated() {
            table[0x410 + UInt32(offset)] = spelling
            table[0x430 + UInt32(offset)] = spelling.lowercased()
        }
        return table
    }()
}
