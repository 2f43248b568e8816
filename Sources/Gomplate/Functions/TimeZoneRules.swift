import Foundation
import Template

/// A Go `*time.Location`: named zone periods from the system's TZif files (`/usr/share/zoneinfo`),
/// looked up the way Go looks them up. Foundation's `TimeZone` can't be used: it names the
/// periods before standard time `GMT+0:52` where Go says `LMT`.
final class TimeZoneRules: Sendable, CustomStringConvertible {
    struct Period: Sendable {
        let name: String
        let offset: Int
        let isDST: Bool
    }

    struct Transition: Sendable {
        let at: Int
        let period: Int
    }

    /// What `lookup` finds: the period in effect and the span of Unix seconds it covers.
    struct Lookup {
        let name: String
        let offset: Int
        let start: Int
        let end: Int
    }

    /// The name Go's `Location.String()` gives: `UTC`, `Local`, `Europe/Berlin`.
    let name: String
    let periods: [Period]
    let transitions: [Transition]

    init(name: String, periods: [Period], transitions: [Transition]) {
        self.name = name
        self.periods = periods
        self.transitions = transitions
    }

    var description: String { name }

    static let utc = TimeZoneRules(name: "UTC", periods: [], transitions: [])

    /// Go's `time.FixedZone`.
    static func fixed(name: String, offset: Int) -> TimeZoneRules {
        TimeZoneRules(name: name, periods: [Period(name: name, offset: offset, isDST: false)], transitions: [])
    }

    private static let zoneDirectories = ["/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/",
                                          "/etc/zoneinfo/"]

    /// Go's `time.LoadLocation`: "" and "UTC" are UTC, "Local" is the local zone, anything else a
    /// TZif file under the zoneinfo directories.
    static func load(_ name: String, environment: [String: String]) throws -> TimeZoneRules {
        if name.isEmpty || name == "UTC" { return .utc }
        if name == "Local" { return local(environment: environment) }
        if name.contains("..") || name.hasPrefix("/") || name.hasPrefix("\\") {
            throw FunctionError("time: invalid location name")
        }
        guard let rules = loadZoneFile(name, environment: environment) else { throw FunctionError("unknown time zone \(name)") }
        return rules
    }

    /// The TZif file `name` from `$ZONEINFO` or the system's zoneinfo directories.
    private static func loadZoneFile(_ name: String, environment: [String: String]) -> TimeZoneRules? {
        var directories = zoneDirectories
        if let custom = environment["ZONEINFO"], !custom.isEmpty { directories.insert(custom + "/", at: 0) }
        for directory in directories {
            if let bytes = try? readFileBytes(directory + name), let rules = parseTZif(bytes, name: name) { return rules }
        }
        return nil
    }

    /// Go's `time.Local` as the `TZ` variable of `environment` decides it: unset means
    /// `/etc/localtime`, empty or unloadable means UTC.
    static func local(environment: [String: String]) -> TimeZoneRules {
        guard var zone = environment["TZ"] else {
            if let bytes = try? readFileBytes("/etc/localtime"), let rules = parseTZif(bytes, name: "Local") { return rules }
            return .utc
        }
        if zone.hasPrefix(":") { zone.removeFirst() }
        if zone.hasPrefix("/") {
            if let bytes = try? readFileBytes(zone),
               let rules = parseTZif(bytes, name: zone == "/etc/localtime" ? "Local" : zone) { return rules }
        } else if !zone.isEmpty, zone != "UTC", !zone.contains(".."),
                  let rules = loadZoneFile(zone, environment: environment) {
            return rules
        }
        return .utc
    }

    /// Go's `Location.lookup`: the period in effect at `unix`.
    func lookup(_ unix: Int) -> Lookup {
        guard !periods.isEmpty else { return Lookup(name: "UTC", offset: 0, start: .min, end: .max) }
        guard let first = transitions.first, unix >= first.at else {
            let period = periods[firstPeriodIndex]
            return Lookup(name: period.name, offset: period.offset, start: .min, end: transitions.first?.at ?? .max)
        }
        var low = 0
        var high = transitions.count
        var end = Int.max
        while high - low > 1 {
            let middle = (low + high) / 2
            if unix < transitions[middle].at {
                end = transitions[middle].at
                high = middle
            } else {
                low = middle
            }
        }
        let period = periods[transitions[low].period]
        return Lookup(name: period.name, offset: period.offset, start: transitions[low].at, end: end)
    }

    /// Go's `Location.lookupName`: the offset of the period called `zoneName`, preferring one in
    /// effect around `unix`.
    func lookupName(_ zoneName: String, unix: Int) -> Int? {
        for period in periods where period.name == zoneName {
            let found = lookup(unix - period.offset)
            if found.name == period.name { return found.offset }
        }
        return periods.first { $0.name == zoneName }?.offset
    }

    /// Go's `lookupFirstZone`: the period for times before the first transition.
    private var firstPeriodIndex: Int {
        guard transitions.contains(where: { $0.period == 0 }) else { return 0 }
        if let first = transitions.first, periods[first.period].isDST {
            for index in stride(from: first.period - 1, through: 0, by: -1) where !periods[index].isDST {
                return index
            }
        }
        return periods.firstIndex { !$0.isDST } ?? 0
    }

    /// Reads a TZif file (RFC 8536), preferring the 64-bit data of version 2 and later.
    static func parseTZif(_ bytes: [UInt8], name: String) -> TimeZoneRules? {
        var reader = ByteReader(bytes: bytes)
        guard let header = reader.header() else { return nil }
        var counts = header.counts
        var timeSize = 4
        if header.version >= 2 {
            // Skip the 32-bit block to the 64-bit one that follows it.
            let v1Length = counts.timeCount * 5 + counts.typeCount * 6 + counts.charCount + counts.leapCount * 8
                + counts.standardCount + counts.utcCount
            reader.position += v1Length
            guard let second = reader.header() else { return nil }
            counts = second.counts
            timeSize = 8
        }
        var times: [Int] = []
        for _ in 0..<counts.timeCount {
            guard let time = reader.signed(size: timeSize) else { return nil }
            times.append(time)
        }
        var indices: [Int] = []
        for _ in 0..<counts.timeCount {
            guard let index = reader.byte() else { return nil }
            indices.append(Int(index))
        }
        var rawPeriods: [(offset: Int, isDST: Bool, nameIndex: Int)] = []
        for _ in 0..<counts.typeCount {
            guard let offset = reader.signed(size: 4), let dst = reader.byte(), let nameIndex = reader.byte() else { return nil }
            rawPeriods.append((offset, dst != 0, Int(nameIndex)))
        }
        guard let names = reader.take(counts.charCount) else { return nil }
        let periods = rawPeriods.map { raw -> Period in
            let tail = names.dropFirst(raw.nameIndex)
            let abbreviation = String(decoding: tail.prefix { $0 != 0 }, as: UTF8.self)
            return Period(name: abbreviation, offset: raw.offset, isDST: raw.isDST)
        }
        guard !periods.isEmpty, indices.allSatisfy({ $0 < periods.count }) else { return nil }
        let transitions = zip(times, indices).map { Transition(at: $0, period: $1) }
        return TimeZoneRules(name: name, periods: periods, transitions: transitions)
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    struct Counts {
        var utcCount = 0, standardCount = 0, leapCount = 0, timeCount = 0, typeCount = 0, charCount = 0
    }

    mutating func header() -> (version: Int, counts: Counts)? {
        guard let magic = take(4), magic.elementsEqual("TZif".utf8), let versionByte = take(1), take(15) != nil else { return nil }
        var values: [Int] = []
        for _ in 0..<6 {
            guard let value = signed(size: 4), value >= 0 else { return nil }
            values.append(value)
        }
        let version = versionByte.first == 0 ? 1 : Int(versionByte.first ?? 0) - Int(UInt8(ascii: "0"))
        return (version, Counts(utcCount: values[0], standardCount: values[1], leapCount: values[2],
                                timeCount: values[3], typeCount: values[4], charCount: values[5]))
    }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, position + count <= bytes.count else { return nil }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    mutating func byte() -> UInt8? { take(1)?.first }

    /// A big-endian two's-complement integer of 4 or 8 bytes.
    mutating func signed(size: Int) -> Int? {
        guard let raw = take(size) else { return nil }
        let unsigned = raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if size == 4 { return Int(Int32(bitPattern: UInt32(truncatingIfNeeded: unsigned))) }
        return Int(Int64(bitPattern: unsigned))
    }
}
