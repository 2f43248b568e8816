import Template

extension FunctionTable {
    /// gomplate's `semver` namespace (internal/funcs/semver.go), with the semantics of the
    /// library it uses, Masterminds/semver v3: lenient parsing (`v1`, `1.2`, leading zeros) and
    /// its constraint language.
    mutating func addSemverFunctions() {
        add(TemplateFunction("Semver", arguments: 1, reads: []) { args, _ in
            .object(try SemanticVersion(parsing: stringArgument(args[0])))
        }, as: "semver.Semver")
        add(TemplateFunction("CheckConstraint", arguments: 2, reads: []) { args, _ in
            let constraint = try VersionConstraint(parsing: stringArgument(args[0]))
            return .bool(constraint.isSatisfied(by: try SemanticVersion(parsing: stringArgument(args[1]))))
        }, as: "semver.CheckConstraint")
    }
}

/// gomplate's semver functions take Go strings: anything else is refused as Go's templates refuse it.
private func stringArgument(_ value: Value) throws -> String {
    guard case .string(let text) = value else {
        throw FunctionError("wrong type for value; expected string; got \(value.goTypeName)")
    }
    return text
}

/// Masterminds/semver's `Version`. `semver.Semver` gives a pointer (`*semver.Version`), whose
/// comparison methods templates may call; `IncMajor`, `SetPrerelease`… give plain values, on
/// which Go's templates can call only the value methods.
struct SemanticVersion: TemplateObject, Equatable {
    var major: UInt64
    var minor: UInt64
    var patch: UInt64
    var prerelease: String
    var metadata: String
    var original: String
    var isPointer = true

    /// The library's `NewVersion`, lenient as v3.4+ is by default: an optional `v`, one to three
    /// numbers (leading zeros allowed), then `-prerelease` and `+metadata` of `[0-9A-Za-z-]`
    /// dot-separated identifiers.
    init(parsing text: String) throws {
        var rest = Substring(text)
        if rest.first == "v" { rest = rest.dropFirst() }
        func number() -> Substring? {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return nil }
            rest = rest.dropFirst(digits.count)
            return digits
        }
        func identifiers() -> Substring? {
            let end = rest.firstIndex { !(isIdentifierCharacter($0) || $0 == ".") } ?? rest.endIndex
            let run = rest[..<end]
            // The grammar wants non-empty identifiers; an empty one means the text does not match.
            guard !run.isEmpty, !run.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                return nil
            }
            rest = rest[end...]
            return run
        }
        guard let majorText = number() else { throw FunctionError(SemverError.invalid) }
        var numbers = [majorText]
        while numbers.count < 3, rest.first == "." {
            rest = rest.dropFirst()
            guard let next = number() else { throw FunctionError(SemverError.invalid) }
            numbers.append(next)
        }
        var prerelease: Substring = ""
        var metadata: Substring = ""
        if rest.first == "-" {
            rest = rest.dropFirst()
            guard let run = identifiers() else { throw FunctionError(SemverError.invalid) }
            prerelease = run
        }
        if rest.first == "+" {
            rest = rest.dropFirst()
            guard let run = identifiers() else { throw FunctionError(SemverError.invalid) }
            metadata = run
        }
        guard rest.isEmpty else { throw FunctionError(SemverError.invalid) }
        let values = try numbers.map { digits -> UInt64 in
            guard let value = UInt64(digits) else {
                throw FunctionError("error parsing version segment: strconv.ParseUint: parsing \(goQuote(String(digits))): value out of range")
            }
            return value
        }
        major = values[0]
        minor = values.count > 1 ? values[1] : 0
        patch = values.count > 2 ? values[2] : 0
        if !prerelease.isEmpty { try Self.validatePrerelease(prerelease) }
        self.prerelease = String(prerelease)
        self.metadata = String(metadata)
        original = text
    }

    /// Numeric prerelease identifiers may not start with 0; others may hold `[0-9A-Za-z-]`.
    static func validatePrerelease(_ text: Substring) throws {
        for identifier in text.split(separator: ".", omittingEmptySubsequences: false) {
            if identifier.isEmpty { throw FunctionError(SemverError.invalidPrerelease) }
            if identifier.allSatisfy({ $0.isASCII && $0.isNumber }) {
                if identifier.count > 1 && identifier.first == "0" { throw FunctionError(SemverError.leadingZero) }
            } else if !identifier.allSatisfy(isIdentifierCharacter) {
                throw FunctionError(SemverError.invalidPrerelease)
            }
        }
    }

    static func validateMetadata(_ text: Substring) throws {
        for identifier in text.split(separator: ".", omittingEmptySubsequences: false)
        where identifier.isEmpty || !identifier.allSatisfy(isIdentifierCharacter) {
            throw FunctionError(SemverError.invalidMetadata)
        }
    }

    var goTypeName: String { isPointer ? "*semver.Version" : "semver.Version" }

    var goDescription: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-\(prerelease)") + (metadata.isEmpty ? "" : "+\(metadata)")
    }

    /// The library's `Compare`: numbers, then a release above its prereleases, then the
    /// prerelease identifiers one by one (numbers below words, shorter lists first).
    func compare(_ other: SemanticVersion) -> Int {
        for (a, b) in [(major, other.major), (minor, other.minor), (patch, other.patch)] where a != b {
            return a < b ? -1 : 1
        }
        if prerelease == other.prerelease { return 0 }
        if prerelease.isEmpty { return 1 }
        if other.prerelease.isEmpty { return -1 }
        return comparePrerelease(prerelease, other.prerelease)
    }

    /// A copy whose `original` keeps a leading `v` of this one, as the library's setters do.
    private func derived(_ change: (inout SemanticVersion) -> Void) -> SemanticVersion {
        var next = self
        change(&next)
        next.isPointer = false
        next.original = (original.hasPrefix("v") ? "v" : "") + next.goDescription
        return next
    }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        func argument() throws -> Value {
            guard let first = arguments.first else { throw FunctionError("wrong number of args for \(name): want 1 got 0") }
            return first
        }
        func other() throws -> SemanticVersion {
            let value = try argument()
            guard case .object(let object) = value, let version = object as? SemanticVersion, version.isPointer else {
                throw FunctionError("wrong type for value; expected *semver.Version; got \(value.goTypeName)")
            }
            return version
        }
        switch name {
        case "Major": return uintValue(major)
        case "Minor": return uintValue(minor)
        case "Patch": return uintValue(patch)
        case "Prerelease": return .string(prerelease)
        case "Metadata": return .string(metadata)
        case "String": return .string(goDescription)
        case "MarshalText", "MarshalJSON":
            return .bytes(Array((name == "MarshalJSON" ? goQuote(goDescription) : goDescription).utf8))
        case "IncPatch":
            if prerelease.isEmpty && patch == .max { throw FunctionError("patch version increment would overflow uint64") }
            return .object(derived {
                if $0.prerelease.isEmpty { $0.patch += 1 }
                $0.prerelease = ""
                $0.metadata = ""
            })
        case "IncMinor":
            if minor == .max { throw FunctionError("minor version increment would overflow uint64") }
            return .object(derived { $0 = $0.with(minor: $0.minor + 1, patch: 0) })
        case "IncMajor":
            if major == .max { throw FunctionError("major version increment would overflow uint64") }
            return .object(derived { $0 = $0.with(major: $0.major + 1, minor: 0, patch: 0) })
        case "SetPrerelease", "SetMetadata":
            guard case .string(let text) = try argument() else {
                throw FunctionError("wrong type for value; expected string; got \(arguments[0].goTypeName)")
            }
            if !text.isEmpty {
                if name == "SetPrerelease" { try Self.validatePrerelease(Substring(text)) } else { try Self.validateMetadata(Substring(text)) }
            }
            return .object(derived { if name == "SetPrerelease" { $0.prerelease = text } else { $0.metadata = text } })
        default:
            // Pointer methods: Go's templates cannot call them on a plain value.
            guard isPointer else { return nil }
            switch name {
            case "Original": return .string(original)
            case "Compare": return .int(compare(try other()))
            case "Equal": return .bool(compare(try other()) == 0)
            case "LessThan": return .bool(compare(try other()) < 0)
            case "LessThanEqual": return .bool(compare(try other()) <= 0)
            case "GreaterThan": return .bool(compare(try other()) > 0)
            case "GreaterThanEqual": return .bool(compare(try other()) >= 0)
            default: return nil
            }
        }
    }

    private func with(major: UInt64? = nil, minor: UInt64, patch: UInt64) -> SemanticVersion {
        var next = self
        next.major = major ?? self.major
        next.minor = minor
        next.patch = patch
        next.prerelease = ""
        next.metadata = ""
        return next
    }
}

/// The library's error texts.
private enum SemverError {
    static let invalid = "invalid semantic version"
    static let invalidPrerelease = "invalid prerelease string"
    static let invalidMetadata = "invalid metadata string"
    static let leadingZero = "version segment starts with 0"
}

private func isIdentifierCharacter(_ character: Character) -> Bool {
    character.isASCII && (character.isLetter || character.isNumber || character == "-")
}

/// A `uint64` as a template sees it: an int, or its digits above Int.max (edpctl has no unsigned
/// numbers; `conv.ParseUint` does the same).
private func uintValue(_ value: UInt64) -> Value {
    value <= UInt64(Int.max) ? .int(Int(value)) : .string(String(value))
}

/// Prerelease identifiers compared one by one; a missing identifier sorts first, numbers sort
/// before words, numbers by value, words by their bytes.
func comparePrerelease(_ a: String, _ b: String) -> Int {
    let left = a.split(separator: ".", omittingEmptySubsequences: false)
    let right = b.split(separator: ".", omittingEmptySubsequences: false)
    for index in 0..<max(left.count, right.count) {
        let x = index < left.count ? String(left[index]) : ""
        let y = index < right.count ? String(right[index]) : ""
        if x == y { continue }
        if x.isEmpty { return -1 }
        if y.isEmpty { return 1 }
        switch (UInt64(x), UInt64(y)) {
        case let (p?, q?): return p > q ? 1 : -1
        case (nil, nil): return goStringLess(y, x) ? 1 : -1
        case (nil, _?): return 1
        case (_?, nil): return -1
        }
    }
    return 0
}
