import Template
/// A set of Unicode scalar values kept as Go's regexp/syntax keeps a character class: sorted,
/// disjoint closed ranges. Classes are built by appending ranges and then `cleaned()`.
struct GoRuneClass: Equatable, Sendable {
    static let maxRune: UInt32 = 0x10FFFF

    /// Alternating low and high bounds.
    private(set) var bounds: [UInt32] = []

    var rangeCount: Int { bounds.count / 2 }

    init() {}

    init(_ ranges: [ClosedRange<UInt32>]) {
        for range in ranges { append(range.lowerBound, range.upperBound) }
        self = cleaned()
    }

    mutating func append(_ low: UInt32, _ high: UInt32) {
        // Merge with the last range when they touch, as Go's appendRange does, so runs of single runes stay small.
        if let last = bounds.last, bounds[bounds.count - 2] <= high &+ 1, low <= last &+ 1 {
            bounds[bounds.count - 2] = min(bounds[bounds.count - 2], low)
            bounds[bounds.count - 1] = max(last, high)
            return
        }
        bounds.append(low)
        bounds.append(high)
    }

    mutating func append(_ other: GoRuneClass) {
        for index in stride(from: 0, to: other.bounds.count, by: 2) { append(other.bounds[index], other.bounds[index + 1]) }
    }

    /// The range `low...high` together with every rune that folds onto one of its runes (Go's appendFoldedRange).
    mutating func appendFolded(_ low: UInt32, _ high: UInt32) {
        append(low, high)
        let folding = GoCaseFolding.shared
        var index = folding.firstFoldable(atOrAbove: low)
        while index < folding.foldable.count, folding.foldable[index] <= high {
            for rune in folding.orbit(of: folding.foldable[index]) { append(rune, rune) }
            index += 1
        }
    }

    mutating func appendFolded(_ other: GoRuneClass) {
        for index in stride(from: 0, to: other.bounds.count, by: 2) { appendFolded(other.bounds[index], other.bounds[index + 1]) }
    }

    mutating func appendNegated(_ other: GoRuneClass) {
        append(other.negated())
    }

    /// Sorted and merged.
    func cleaned() -> GoRuneClass {
        var pairs: [(UInt32, UInt32)] = []
        pairs.reserveCapacity(rangeCount)
        for index in stride(from: 0, to: bounds.count, by: 2) { pairs.append((bounds[index], bounds[index + 1])) }
        pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) }
        var result = GoRuneClass()
        for (low, high) in pairs { result.append(low, high) }
        return result
    }

    /// Every rune not in this (cleaned) class.
    func negated() -> GoRuneClass {
        var result = GoRuneClass()
        var next: UInt32 = 0
        for index in stride(from: 0, to: bounds.count, by: 2) {
            if bounds[index] > next { result.append(next, bounds[index] - 1) }
            next = bounds[index + 1] &+ 1
        }
        if next <= Self.maxRune { result.append(next, Self.maxRune) }
        return result
    }

    func contains(_ rune: UInt32) -> Bool {
        var low = 0
        var high = rangeCount
        while low < high {
            let middle = (low + high) / 2
            if bounds[2 * middle + 1] < rune {
                low = middle + 1
            } else if bounds[2 * middle] > rune {
                high = middle
            } else {
                return true
            }
        }
        return false
    }

    var singleRune: UInt32? { bounds.count == 2 && bounds[0] == bounds[1] ? bounds[0] : nil }

    // MARK: Go's named classes

    /// `\d`, `\s`, `\w`: ASCII only, as in Go.
    static let perlDigit = GoRuneClass([0x30...0x39])
    static let perlSpace = GoRuneClass([0x09...0x0A, 0x0C...0x0D, 0x20...0x20])
    static let perlWord = GoRuneClass([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])

    /// `[[:name:]]`: ASCII only, as in Go.
    static let posix: [String: GoRuneClass] = [
        "alnum": GoRuneClass([0x30...0x39, 0x41...0x5A, 0x61...0x7A]),
        "alpha": GoRuneClass([0x41...0x5A, 0x61...0x7A]),
        "ascii": GoRuneClass([0x00...0x7F]),
        "blank": GoRuneClass([0x09...0x09, 0x20...0x20]),
        "cntrl": GoRuneClass([0x00...0x1F, 0x7F...0x7F]),
        "digit": GoRuneClass([0x30...0x39]),
        "graph": GoRuneClass([0x21...0x7E]),
        "lower": GoRuneClass([0x61...0x7A]),
        "print": GoRuneClass([0x20...0x7E]),
        "punct": GoRuneClass([0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E]),
        "space": GoRuneClass([0x09...0x0D, 0x20...0x20]),
        "upper": GoRuneClass([0x41...0x5A]),
        "word": GoRuneClass([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]),
        "xdigit": GoRuneClass([0x30...0x39, 0x41...0x46, 0x61...0x66]),
    ]
}

/// Go's simple case folding (`unicode.SimpleFold`), from the orbits in `GoUnicodeTables`.
final class GoCaseFolding: Sendable {
    static let shared = GoCaseFolding()

    /// Every rune that has another rune in its orbit, ascending.
    let foldable: [UInt32]
    /// For each rune of `foldable`, the index of its orbit in `orbits`.
    private let orbitIndex: [Int]
    private let orbits: [[UInt32]]

    private init() {
        var orbits: [[UInt32]] = []
        var members: [(UInt32, Int)] = []
        for item in GoUnicodeTables.foldOrbits.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let orbit = item.split(separator: ",").compactMap { UInt32($0, radix: 16) }
            for rune in orbit { members.append((rune, orbits.count)) }
            orbits.append(orbit)
        }
        members.sort { $0.0 < $1.0 }
        foldable = members.map(\.0)
        orbitIndex = members.map(\.1)
        self.orbits = orbits
    }

    func firstFoldable(atOrAbove rune: UInt32) -> Int {
        var low = 0
        var high = foldable.count
        while low < high {
            let middle = (low + high) / 2
            if foldable[middle] < rune { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The runes equal to `rune` under case folding, itself included.
    func orbit(of rune: UInt32) -> [UInt32] {
        let index = firstFoldable(atOrAbove: rune)
        guard index < foldable.count, foldable[index] == rune else { return [rune] }
        return orbits[orbitIndex[index]]
    }
}

/// `\p{…}` names as Go's regexp/syntax resolves them: general categories (from Swift's Unicode
/// properties, which agree with Go's tables), scripts and category aliases (from Go's tables).
enum GoUnicodeClasses {
    /// The class named `name` and whether it is to be inverted; nil when Go knows no such name.
    static func lookup(_ name: String) -> (class: GoRuneClass, inverted: Bool)? {
        let canonical = canonicalName(name)
        switch canonical {
        case "Any": return (GoRuneClass([0...GoRuneClass.maxRune]), false)
        case "Assigned": return (categories(["Cn"]), true)
        case "Ascii": return (GoRuneClass([0...0x7F]), false)
        case "Lc": return (categories(["LC"]), false)
        default: break
        }
        if categoryNames.contains(canonical) { return (categories([canonical]), false) }
        if let ranges = GoUnicodeTables.scripts[canonical] { return (scriptClass(ranges), false) }
        if let category = canonicalAliases[canonical] { return (categories([category]), false) }
        if let script = canonicalScripts[canonical], let ranges = GoUnicodeTables.scripts[script] {
            return (scriptClass(ranges), false)
        }
        return nil
    }

    /// Go's canonical lookup name: first letter upper case, the rest lower case, no `_`, `-` or space.
    static func canonicalName(_ name: String) -> String {
        var result = ""
        var first = true
        for scalar in name.unicodeScalars {
            if scalar == "_" || scalar == "-" || scalar == " " { continue }
            if scalar.isASCII {
                let text = String(scalar)
                result += first ? text.uppercased() : text.lowercased()
            } else {
                result.unicodeScalars.append(scalar)
            }
            first = false
        }
        return result
    }

    private static let categoryNames: Set<String> = [
        "C", "Cc", "Cf", "Cn", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd",
        "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs",
    ]

    private static let canonicalAliases: [String: String] = Dictionary(
        GoUnicodeTables.categoryAliases.map { (canonicalName($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })

    private static let canonicalScripts: [String: String] = Dictionary(
        GoUnicodeTables.scripts.keys.map { (canonicalName($0), $0) }, uniquingKeysWith: { first, _ in first })

    private static func scriptClass(_ ranges: String) -> GoRuneClass {
        var result = GoRuneClass()
        for item in ranges.split(separator: " ") {
            let ends = item.split(separator: "-").compactMap { UInt32($0, radix: 16) }
            if let low = ends.first, let high = ends.last { result.append(low, high) }
        }
        return result
    }

    /// The union of general categories given by Go's names ("L" is every "L?", "LC" is Lu, Ll, Lt).
    private static func categories(_ names: [String]) -> GoRuneClass {
        let table = GeneralCategoryTable.shared
        var result = GoRuneClass()
        for name in names {
            for (code, ranges) in table.ranges where code == name || (name.count == 1 && code.hasPrefix(name))
                || (name == "LC" && ["Lu", "Ll", "Lt"].contains(code)) {
                result.append(ranges)
            }
        }
        return result.cleaned()
    }
}

/// The runes of each two-letter general category, read from Swift's Unicode properties once.
private final class GeneralCategoryTable: Sendable {
    static let shared = GeneralCategoryTable()

    let ranges: [String: GoRuneClass]

    private static let codes = [
        "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
        "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn",
    ]

    private init() {
        var classes = Array(repeating: GoRuneClass(), count: Self.codes.count)
        var runStart: UInt32 = 0
        var runCode = Self.index(of: .control)
        for value in UInt32(1)...GoRuneClass.maxRune {
            // Surrogates are no scalars; Go files them under Cs.
            let code = Self.index(of: Unicode.Scalar(value)?.properties.generalCategory ?? .surrogate)
            if code != runCode {
                classes[runCode].append(runStart, value - 1)
                runStart = value
                runCode = code
            }
        }
        classes[runCode].append(runStart, GoRuneClass.maxRune)
        ranges = Dictionary(uniqueKeysWithValues: zip(Self.codes, classes))
    }

    private static func index(of category: Unicode.GeneralCategory) -> Int {
        switch category {
        case .uppercaseLetter: 0
        case .lowercaseLetter: 1
        case .titlecaseLetter: 2
        case .modifierLetter: 3
        case .otherLetter: 4
        case .nonspacingMark: 5
        case .spacingMark: 6
        case .enclosingMark: 7
        case .decimalNumber: 8
        case .letterNumber: 9
        case .otherNumber: 10
        case .connectorPunctuation: 11
        case .dashPunctuation: 12
        case .openPunctuation: 13
        case .closePunctuation: 14
        case .initialPunctuation: 15
        case .finalPunctuation: 16
        case .otherPunctuation: 17
        case .mathSymbol: 18
        case .currencySymbol: 19
        case .modifierSymbol: 20
        case .otherSymbol: 21
        case .spaceSeparator: 22
        case .lineSeparator: 23
        case .paragraphSeparator: 24
        case .control: 25
        case .format: 26
        case .surrogate: 27
        case .privateUse: 28
        case .unassigned: 29
        @unknown default: 29
        }
    }
}
