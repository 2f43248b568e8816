import Foundation
import Template

extension FunctionTable {
    /// gomplate's `time` namespace: `time.Time` values with Go's layouts, durations, zones from the
    /// system's zoneinfo, the local zone from the host environment's `TZ`.
    mutating func addTimeFunctions() {
        let layouts: [(String, String)] = [
            ("ANSIC", "Mon Jan _2 15:04:05 2006"), ("UnixDate", "Mon Jan _2 15:04:05 MST 2006"),
            ("RubyDate", "Mon Jan 02 15:04:05 -0700 2006"), ("RFC822", "02 Jan 06 15:04 MST"),
            ("RFC822Z", "02 Jan 06 15:04 -0700"), ("RFC850", "Monday, 02-Jan-06 15:04:05 MST"),
            ("RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"), ("RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"),
            ("RFC3339", "2006-01-02T15:04:05Z07:00"), ("RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"),
            ("Kitchen", "3:04PM"), ("Stamp", "Jan _2 15:04:05"), ("StampMilli", "Jan _2 15:04:05.000"),
            ("StampMicro", "Jan _2 15:04:05.000000"), ("StampNano", "Jan _2 15:04:05.000000000"),
        ]
        for (name, layout) in layouts {
            add(TemplateFunction(name, arguments: 0, reads: []) { _, _ in .string(layout) }, as: "time.\(name)")
        }

        add(TemplateFunction("Now", arguments: 0, reads: [.clock, .environment, .timeZones]) { _, context in
            .object(currentTime(host: context.host))
        }, as: "time.Now")

        add(TemplateFunction("ZoneName", arguments: 0, reads: [.clock, .environment, .timeZones]) { _, context in
            .string(currentTime(host: context.host).clock.zoneName)
        }, as: "time.ZoneName")
        add(TemplateFunction("ZoneOffset", arguments: 0, reads: [.clock, .environment, .timeZones]) { _, context in
            .int(currentTime(host: context.host).clock.offset)
        }, as: "time.ZoneOffset")

        add(TemplateFunction("Parse", arguments: 2, reads: [.environment, .timeZones]) { args, context in
            let local = TimeZoneRules.local(environment: context.host.environment)
            return .object(try goParseTime(layout: try layoutArgument(args[0]), value: try args[1].gomplateString(),
                                           defaultLocation: .utc, local: local))
        }, as: "time.Parse")

        add(TemplateFunction("ParseInLocation", arguments: 3, reads: [.environment, .timeZones]) { args, context in
            guard case .string(let locationName) = args[1] else {
                throw FunctionError("wrong type for value; expected string; got \(args[1].goTypeName)")
            }
            return .object(try parseInLocation(layout: layoutArgument(args[0]), locationName: locationName,
                                               value: try args[2].gomplateString(), host: context.host))
        }, as: "time.ParseInLocation")

        add(TemplateFunction("ParseLocal", arguments: 2, reads: [.environment, .environmentFiles, .timeZones]) { args, context in
            // gomplate reads TZ through its env.Getenv, so TZ_FILE works too.
            var zone = gomplateGetenv("TZ", host: context.host)
            if zone.isEmpty { zone = "Local" }
            return .object(try parseInLocation(layout: layoutArgument(args[0]), locationName: zone,
                                               value: try args[1].gomplateString(), host: context.host))
        }, as: "time.ParseLocal")

        add(TemplateFunction("Unix", arguments: 1, reads: [.environment, .timeZones]) { args, context in
            let (seconds, nanoseconds) = try unixArgument(args[0])
            return .object(GoTime(seconds: seconds, nanoseconds: nanoseconds,
                                  location: TimeZoneRules.local(environment: context.host.environment),
                                  localZone: TimeZoneRules.local(environment: context.host.environment)))
        }, as: "time.Unix")

        let units: [(String, Int)] = [
            ("Nanosecond", 1), ("Microsecond", 1000), ("Millisecond", 1_000_000), ("Second", 1_000_000_000),
            ("Minute", 60_000_000_000), ("Hour", 3_600_000_000_000),
        ]
        for (name, scale) in units {
            add(TemplateFunction(name, arguments: 1, reads: []) { args, _ in
                .object(GoDuration(nanoseconds: try args[0].mathInt("expected a number") &* scale))
            }, as: "time.\(name)")
        }

        add(TemplateFunction("ParseDuration", arguments: 1, reads: []) { args, _ in
            .object(GoDuration(nanoseconds: try goParseDuration(try args[0].gomplateString())))
        }, as: "time.ParseDuration")

        add(TemplateFunction("Since", arguments: 1, reads: .clock) { args, context in
            let now = currentTime(host: context.host)
            let then = try timeArgument(args[0])
            return .object(GoDuration(nanoseconds: now.subtracting(then)))
        }, as: "time.Since")
        add(TemplateFunction("Until", arguments: 1, reads: .clock) { args, context in
            let now = currentTime(host: context.host)
            let then = try timeArgument(args[0])
            return .object(GoDuration(nanoseconds: then.subtracting(now)))
        }, as: "time.Until")
    }
}

private func currentTime(host: FunctionContext) -> GoTime {
    let start = processStartMonotonic
    var wall = timespec()
    clock_gettime(CLOCK_REALTIME, &wall)
    let local = TimeZoneRules.local(environment: host.environment)
    return GoTime(seconds: Int(wall.tv_sec), nanoseconds: Int(wall.tv_nsec), location: local, localZone: local,
                  monotonic: monotonicNanoseconds() - start)
}

private func monotonicNanoseconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int(spec.tv_sec) * 1_000_000_000 + Int(spec.tv_nsec)
}

/// Go counts its monotonic readings from process start; this is taken when the time functions
/// are first used, which is close to it.
private let processStartMonotonic = monotonicNanoseconds()

private func layoutArgument(_ value: Value) throws -> String {
    guard case .string(let layout) = value else {
        throw FunctionError("wrong type for value; expected string; got \(value.goTypeName)")
    }
    return layout
}

private func timeArgument(_ value: Value) throws -> GoTime {
    guard case .object(let object) = value, let time = object as? GoTime else {
        throw FunctionError("wrong type for value; expected time.Time; got \(value.goTypeName)")
    }
    return time
}

private func parseInLocation(layout: String, locationName: String, value: String, host: FunctionContext) throws -> GoTime {
    let zone = try TimeZoneRules.load(locationName, environment: host.environment)
    return try goParseTime(layout: layout, value: value, defaultLocation: zone, local: zone)
}

/// gomplate's `parseNum` for `time.Unix`: whole seconds from an integer or a string, with the
/// digits after a `.` padded to nanoseconds (and parsed as Go's ParseInt with base 0 parses them).
private func unixArgument(_ value: Value) throws -> (Int, Int) {
    switch value {
    case .string(let text):
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count > 2 { throw FunctionError("can not parse '\(text)' as a number - too many decimal points") }
        let seconds = try goParseInt(String(parts[0]), base: 0, bitSize: 64).get()
        guard parts.count == 2 else { return (seconds, 0) }
        let padded = String((parts[1] + String(repeating: "0", count: 9)).prefix(9))
        return (seconds, try goParseInt(padded, base: 0, bitSize: 64).get())
    case .int(let seconds):
        return (seconds, 0)
    case .float(let number):
        throw FunctionError("can not parse floating point number (\(String(format: "%f", number))) - use a string instead")
    case .object(let object):
        return try unixArgument(.string(object.goDescription))
    default:
        return (0, 0)
    }
}
