import Testing
@testable import Gomplate
@testable import Template

@Suite struct TimeFunctionsTests {
    private func host(_ environment: [String: String] = ["TZ": "UTC"]) -> TestHost { TestHost(environment: environment) }

    private func time(_ name: String, _ arguments: Value..., environment: [String: String] = ["TZ": "UTC"]) throws -> GoTime {
        guard let function = FunctionTable.gomplate[name] else { throw FunctionError("no \(name)") }
        let result = try function.body(arguments, TestCall(host: host(environment)))
        guard case .object(let object) = result, let value = object as? GoTime else {
            throw FunctionError("\(name) gave \(result)")
        }
        return value
    }

    private func member(_ time: GoTime, _ name: String, _ arguments: Value...) throws -> Value? {
        try time.member(name, arguments: arguments)
    }

    private func formatted(_ time: GoTime, _ layout: String) throws -> String? {
        if case .string(let text) = try time.member("Format", arguments: [.string(layout)]) { return text }
        return nil
    }

    @Test func corpusExamples() throws {
        // (time.Parse "2006-01-02" "1993-10-23").Format "Monday January 2, 2006 MST"
        let parsed = try time("time.Parse", .string("2006-01-02"), .string("1993-10-23"))
        #expect(try formatted(parsed, "Monday January 2, 2006 MST") == "Saturday October 23, 1993 UTC")
        // (time.Parse "Mon Jan 02 15:04:05 MST 2006" "Fri Feb 13 23:31:30 UTC 2009").Format "2006-01-02 15 -0700"
        let stamped = try time("time.Parse", .string("Mon Jan 02 15:04:05 MST 2006"), .string("Fri Feb 13 23:31:30 UTC 2009"))
        #expect(try formatted(stamped, "2006-01-02 15 -0700") == "2009-02-13 23 +0000")
        // (time.Unix 42).UTC.Format time.Stamp, (time.Unix "123456.789").UTC.Format time.StampMilli
        guard case .object(let utc42 as GoTime) = try member(try time("time.Unix", .int(42)), "UTC") else {
            Issue.record("UTC"); return
        }
        #expect(try formatted(utc42, "Jan _2 15:04:05") == "Jan  1 00:00:42")
        let fractional = try time("time.Unix", .string("123456.789"))
        #expect(try formatted(fractional, "Jan _2 15:04:05.000") == "Jan  2 10:17:36.789")
        #expect(try formatted(try time("time.Unix", .string("1234567890")), "2006-01-02 15 -0700") == "2009-02-13 23 +0000")
    }

    @Test func zoneBeforeStandardTimeIsLocalMeanTime() throws {
        // The corpus: (time.ParseInLocation time.Kitchen "Africa/Luanda" "6:00AM").Format "15:04 MST" = "06:00 LMT",
        // and the same through time.ParseLocal with TZ=Africa/Luanda.
        let luanda = try time("time.ParseInLocation", .string("3:04PM"), .string("Africa/Luanda"), .string("6:00AM"))
        #expect(try formatted(luanda, "15:04 MST") == "06:00 LMT")
        let local = try time("time.ParseLocal", .string("3:04PM"), .string("6:00AM"), environment: ["TZ": "Africa/Luanda"])
        #expect(try formatted(local, "15:04 MST") == "06:00 LMT")
        #expect(throws: FunctionError.self) {
            try time("time.ParseInLocation", .string("15:04"), .string("Nowhere/Special"), .string("06:00"))
        }
    }

    @Test func localZoneComesFromTheHostEnvironment() throws {
        let environment = ["TZ": "America/New_York"]
        let instant = try time("time.Unix", .int(1_234_567_890), environment: environment)
        #expect(try formatted(instant, "Mon Jan _2 15:04:05 MST 2006") == "Fri Feb 13 18:31:30 EST 2009")
        let summer = try time("time.Unix", .int(1_625_140_800), environment: environment)
        #expect(try formatted(summer, "2006-01-02T15:04:05Z07:00") == "2021-07-01T08:00:00-04:00")
        #expect(try call("time.ZoneName", host: host()).textIfString == "UTC")
        if case .int(let offset) = try call("time.ZoneOffset", host: host()) { #expect(offset == 0) } else { Issue.record("offset") }
        let name = try call("time.ZoneName", host: host(["TZ": "Asia/Kolkata"]))
        #expect(name.textIfString == "IST")
    }

    @Test(arguments: [
        ("2006-01-02T15:04:05Z07:00", "2009-11-10T23:00:00Z"),
        ("2006-01-02T15:04:05.999999999Z07:00", "2009-11-10T23:00:00.1234Z"),
        ("Mon Jan _2 15:04:05 2006", "Tue Nov 10 23:00:00 2009"),
        ("02 Jan 06 15:04 -0700", "10 Nov 09 23:00 +0000"),
        ("Monday, 02-Jan-06 15:04:05 MST", "Tuesday, 10-Nov-09 23:00:00 UTC"),
        ("3:04PM", "11:00PM"), ("3:04pm", "11:00pm"), ("03:04:05.000000", "11:00:00.123400"),
        ("2006-002 __2", "2009-314 314"), ("Z07:00:00 -07 -070000", "Z +00 +000000"), ("Jan 2, 06", "Nov 10, 09"),
        ("_2006", "_2009"), ("2006-01-02 15:04:05,000", "2009-11-10 23:00:00,123"), ("January Monday", "November Tuesday"),
        ("15h04m05.9s", "23h00m00.1s"), ("Janet", "Janet"),
    ])
    func formatLayouts(_ layout: String, _ expected: String) throws {
        // 2009-11-10 23:00:00.1234 UTC, Go's playground time.
        let instant = GoTime(seconds: 1_257_894_000, nanoseconds: 123_400_000, location: .utc, localZone: .utc)
        #expect(instant.format(layout) == expected)
    }

    @Test func formatOffsetsAndYearsAsGo() throws {
        let berlin = try TimeZoneRules.load("Europe/Berlin", environment: [:])
        let summer = GoTime(seconds: 1_625_140_800, nanoseconds: 0, location: berlin, localZone: .utc)
        #expect(summer.format("2006-01-02 15:04:05 -0700 MST") == "2021-07-01 14:00:00 +0200 CEST")
        #expect(summer.format("Z0700 Z07:00:00 -07:00") == "+0200 +02:00:00 +02:00")
        let unnamed = GoTime(seconds: 0, nanoseconds: 0, location: .fixed(name: "", offset: -(3 * 3600 + 1800)), localZone: .utc)
        #expect(unnamed.goDescription == "1969-12-31 20:30:00 -0330 -0330")
        let ancient = try time("time.Parse", .string("2006-01-02"), .string("0001-01-01"))
        if case .bool(let isZero) = try member(ancient, "IsZero") { #expect(isZero) } else { Issue.record("IsZero") }
        #expect(ancient.format("2006-01-02 Mon") == "0001-01-01 Mon")
    }

    @Test func parseWithOffsetsAndZones() throws {
        let withOffset = try time("time.Parse", .string("2006-01-02T15:04:05Z07:00"), .string("2021-07-01T14:00:00+02:00"))
        if case .int(let unix) = try member(withOffset, "Unix") { #expect(unix == 1_625_140_800) } else { Issue.record("Unix") }
        #expect(withOffset.goDescription == "2021-07-01 14:00:00 +0200 +0200")
        let named = try time("time.ParseInLocation", .string("2006-01-02 15:04 MST"), .string("Europe/Berlin"),
                             .string("2021-07-01 14:00 CEST"))
        #expect(named.seconds == 1_625_140_800)
        #expect(named.goDescription == "2021-07-01 14:00:00 +0200 CEST")
        let unknown = try time("time.Parse", .string("15:04 MST"), .string("10:00 PDT"))
        #expect(unknown.goDescription == "0000-01-01 10:00:00 +0000 PDT")
        let fraction = try time("time.Parse", .string("15:04:05"), .string("10:00:01.25"))
        if case .int(let nanoseconds) = try member(fraction, "Nanosecond") { #expect(nanoseconds == 250_000_000) }
        let pm = try time("time.Parse", .string("3:04PM Jan 2 2006"), .string("12:30AM Feb 29 2024"))
        #expect(pm.format("2006-01-02 15:04") == "2024-02-29 00:30")
    }

    @Test(arguments: [
        ("2006-01-02", "2021-02-30", "parsing time \"2021-02-30\": day out of range"),
        ("2006-01-02", "2021-13-01", "parsing time \"2021-13-01\": month out of range"),
        ("2006-01-02", "21-01-01", "parsing time \"21-01-01\" as \"2006-01-02\": cannot parse \"21-01-01\" as \"2006\""),
        ("2006-01-02", "2021-01-01x", "parsing time \"2021-01-01x\": extra text: \"x\""),
        ("Jan 2", "Foo 2", "parsing time \"Foo 2\" as \"Jan 2\": cannot parse \"Foo 2\" as \"Jan\""),
    ])
    func parseErrorsWordedAsGo(_ layout: String, _ value: String, _ message: String) throws {
        do {
            _ = try call("time.Parse", .string(layout), .string(value), host: host())
            Issue.record("\(value) parsed")
        } catch let error as FunctionError {
            #expect(error.message == message)
        }
    }

    @Test func durations() throws {
        func text(_ value: Value) -> String? {
            if case .object(let object) = value { return object.goDescription }
            return nil
        }
        #expect(text(try call("time.Hour", .int(2))) == "2h0m0s")
        #expect(text(try call("time.Minute", .string("90"))) == "1h30m0s")
        #expect(text(try call("time.Millisecond", .int(1500))) == "1.5s")
        #expect(text(try call("time.Microsecond", .int(1))) == "1µs")
        #expect(text(try call("time.Nanosecond", .int(-1))) == "-1ns")
        #expect(text(try call("time.Second", .int(0))) == "0s")
        #expect(text(try call("time.ParseDuration", .string("1h15m30.918273645s"))) == "1h15m30.918273645s")
        #expect(text(try call("time.ParseDuration", .string("-1.5h"))) == "-1h30m0s")
        #expect(text(try call("time.ParseDuration", .string("300ms"))) == "300ms")
        #expect(throws: FunctionError.self) { try call("time.ParseDuration", .string("1")) }
        #expect(throws: FunctionError.self) { try call("time.ParseDuration", .string("1x")) }
        let start = try time("time.Unix", .int(0))
        guard case .object(let later as GoTime) = try member(start, "Add", try call("time.Hour", .int(25))) else {
            Issue.record("Add"); return
        }
        #expect(later.format("2006-01-02 15:04") == "1970-01-02 01:00")
        if case .object(let difference) = try member(later, "Sub", .object(start)) {
            #expect(difference.goDescription == "25h0m0s")
        }
        if case .bool(let before) = try member(start, "Before", .object(later)) { #expect(before) }
    }

    @Test func unixArgumentsAsGomplate() throws {
        #expect(try time("time.Unix", .string("0x10")).seconds == 16)
        #expect(throws: FunctionError.self) { try time("time.Unix", .float(1.5)) }
        #expect(throws: FunctionError.self) { try time("time.Unix", .string("1.2.3")) }
        #expect(try time("time.Unix", .null).seconds == 0)
    }

    @Test func layoutConstants() throws {
        #expect(try call("time.RFC3339").textIfString == "2006-01-02T15:04:05Z07:00")
        #expect(try call("time.Kitchen").textIfString == "3:04PM")
        #expect(try call("time.StampMilli").textIfString == "Jan _2 15:04:05.000")
    }

    @Test func nowIsNowInTheLocalZone() throws {
        let now = try time("time.Now", environment: ["TZ": "Europe/Berlin"])
        #expect(now.location.name == "Europe/Berlin")
        if case .int(let year) = try member(now, "Year") { #expect(year >= 2024) } else { Issue.record("Year") }
        // Go prints time.Now with its monotonic reading, and drops it once the zone changes.
        #expect(now.goDescription.contains(#/ m=\+\d+\.\d{9}$/#))
        if case .object(let utc) = try member(now, "UTC") { #expect(!utc.goDescription.contains(" m=")) }
    }
}
