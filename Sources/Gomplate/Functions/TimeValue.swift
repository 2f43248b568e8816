import Foundation
import Template

/// Go's `time.Time`: an instant (Unix seconds plus nanoseconds) seen in a location. Arithmetic
/// wraps or saturates exactly where Go's does, so that no argument can trap: Go keeps seconds since
/// year 1 in an int64 and reads dates from them as an unsigned count since its "absolute" epoch.
struct GoTime: TemplateObject {
    let seconds: Int
    let nanoseconds: Int
    let location: TimeZoneRules
    /// The host's local zone, for the `Local` method.
    let localZone: TimeZoneRules
    /// `time.Now`'s monotonic clock reading (nanoseconds since the process started), which Go
    /// prints as ` m=+0.000123456` and drops when the time is moved to another zone or rounded.
    let monotonic: Int?

    /// Go's `time.Unix(sec, nsec)`: nanoseconds outside 0..<1e9 carry into the seconds, wrapping.
    init(seconds: Int, nanoseconds: Int, location: TimeZoneRules, localZone: TimeZoneRules, monotonic: Int? = nil) {
        var seconds = seconds
        var nanoseconds = nanoseconds
        if nanoseconds < 0 || nanoseconds >= 1_000_000_000 {
            let carry = nanoseconds / 1_000_000_000
            seconds = seconds &+ carry
            nanoseconds -= carry * 1_000_000_000
            if nanoseconds < 0 {
                nanoseconds += 1_000_000_000
                seconds = seconds &- 1
            }
        }
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.location = location
        self.localZone = localZone
        self.monotonic = monotonic
    }

    /// Go's `time.Date`: fields may overflow (month 13, day 0…) and are normalised; the offset is
    /// found the way Go finds it around transitions.
    static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int,
                     location: TimeZoneRules, localZone: TimeZoneRules) -> GoTime {
        let (year, monthIndex) = goNorm(year, month &- 1, 12)
        let (carriedSecond, nanosecond) = goNorm(second, nanosecond, 1_000_000_000)
        var second = carriedSecond
        var minute = minute
        var hour = hour
        var day = day
        (minute, second) = goNorm(minute, second, 60)
        (hour, minute) = goNorm(hour, minute, 60)
        (day, hour) = goNorm(day, hour, 24)
        var days = daysSinceAbsoluteEpoch(year: year) &+ UInt64(daysBeforeMonth[monthIndex])
        if isLeapYear(year) && monthIndex >= 2 { days &+= 1 }
        days &+= UInt64(bitPattern: Int64(day &- 1))
        let absolute = days &* 86400 &+ UInt64(hour * 3600 + minute * 60 + second)
        var unix = Int(Int64(bitPattern: absolute)) &+ absoluteToUnix
        let found = location.lookup(unix)
        var offset = found.offset
        if offset != 0 {
            let utc = unix &- offset
            if utc < found.start || utc >= found.end { offset = location.lookup(utc).offset }
            unix = unix &- offset
        }
        return GoTime(seconds: unix, nanoseconds: nanosecond, location: location, localZone: localZone)
    }

    func `in`(_ zone: TimeZoneRules) -> GoTime {
        GoTime(seconds: seconds, nanoseconds: nanoseconds, location: zone, localZone: localZone)
    }

    /// Go's `Time.Add`: the seconds saturate at the ends of Go's range, and a monotonic reading that
    /// would overflow is dropped.
    func adding(_ duration: Int) -> GoTime {
        var addedSeconds = duration / 1_000_000_000
        var nanosecond = nanoseconds + duration % 1_000_000_000
        if nanosecond >= 1_000_000_000 {
            addedSeconds += 1
            nanosecond -= 1_000_000_000
        } else if nanosecond < 0 {
            addedSeconds -= 1
            nanosecond += 1_000_000_000
        }
        let sinceYearOne = seconds &+ unixToInternal
        let sum = sinceYearOne &+ addedSeconds
        let saturated = (sum > sinceYearOne) == (addedSeconds > 0) ? sum : addedSeconds > 0 ? Int.max : -Int.max
        var reading = monotonic
        if let monotonic {
            let (moved, overflow) = monotonic.addingReportingOverflow(duration)
            reading = overflow ? nil : moved
        }
        return GoTime(seconds: saturated &- unixToInternal, nanoseconds: nanosecond, location: location,
                      localZone: localZone, monotonic: reading)
    }

    /// Go's `Time.Sub`: by the monotonic readings when both have one, else by the wall clock; a
    /// difference beyond a Duration's range saturates.
    func subtracting(_ other: GoTime) -> Int {
        if let mine = monotonic, let theirs = other.monotonic {
            let (difference, overflow) = mine.subtractingReportingOverflow(theirs)
            if !overflow { return difference }
            return mine > theirs ? .max : .min
        }
        let difference = (seconds &- other.seconds) &* 1_000_000_000 &+ (nanoseconds - other.nanoseconds)
        let back = other.adding(difference)
        if back.seconds == seconds && back.nanoseconds == nanoseconds { return difference }
        return (seconds, nanoseconds) < (other.seconds, other.nanoseconds) ? .min : .max
    }

    /// Go's `div(t, d)`: the remainder of the time since year 1 divided by `step` (> 0).
    func remainder(dividingBy step: Int) -> Int {
        var negative = false
        var nanosecond = nanoseconds
        var second = seconds &+ unixToInternal
        if second < 0 {
            negative = true
            second = 0 &- second
            nanosecond = -nanosecond
            if nanosecond < 0 {
                nanosecond += 1_000_000_000
                second = second &- 1
            }
        }
        var remainder: Int
        if step < 1_000_000_000 && 1_000_000_000 % (step + step) == 0 {
            remainder = nanosecond % step
        } else if step % 1_000_000_000 == 0 {
            let stepSeconds = step / 1_000_000_000
            remainder = (second % stepSeconds) * 1_000_000_000 + nanosecond
        } else {
            // The time in nanoseconds as a 128-bit number, reduced by step << k for decreasing k.
            let wide = UInt64(bitPattern: Int64(second)).multipliedFullWidth(by: 1_000_000_000)
            var (high, low) = (wide.high, wide.low)
            let (sum, carry) = low.addingReportingOverflow(UInt64(nanosecond))
            low = sum
            if carry { high &+= 1 }
            var divisorHigh = UInt64(step)
            while divisorHigh >> 63 != 1 { divisorHigh <<= 1 }
            var divisorLow: UInt64 = 0
            while true {
                if high > divisorHigh || (high == divisorHigh && low >= divisorLow) {
                    let (difference, borrow) = low.subtractingReportingOverflow(divisorLow)
                    low = difference
                    if borrow { high &-= 1 }
                    high &-= divisorHigh
                }
                if divisorHigh == 0 && divisorLow == UInt64(step) { break }
                divisorLow >>= 1
                divisorLow |= (divisorHigh & 1) << 63
                divisorHigh >>= 1
            }
            remainder = Int(bitPattern: UInt(low))
        }
        if negative && remainder != 0 { remainder = step - remainder }
        return remainder
    }

    /// The wall clock in this time's location.
    var clock: Clock { Clock(time: self) }

    struct Clock {
        let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
        let weekday: Int, yearDay: Int
        let zoneName: String, offset: Int

        /// Go's `absDate` and `absClock` on the time's absolute seconds, which wrap as Go's do.
        init(time: GoTime) {
            let zone = time.location.lookup(time.seconds)
            zoneName = zone.name
            offset = zone.offset
            let absolute = UInt64(bitPattern: Int64(time.seconds &+ offset &+ unixToAbsolute))
            let secondOfDay = Int(absolute % 86400)
            hour = secondOfDay / 3600
            minute = secondOfDay / 60 % 60
            second = secondOfDay % 60
            weekday = Int((absolute &+ 86400) % (7 * 86400)) / 86400
            var days = absolute / 86400
            var n = days / 146_097
            var years = 400 * n
            days -= 146_097 * n
            n = days / 36524
            n -= n >> 2
            years += 100 * n
            days -= 36524 * n
            n = days / 1461
            years += 4 * n
            days -= 1461 * n
            n = days / 365
            n -= n >> 2
            years += n
            days -= 365 * n
            year = Int(Int64(bitPattern: years) &+ absoluteZeroYear)
            yearDay = Int(days) + 1
            var dayOfYear = Int(days)
            if isLeapYear(year) {
                if dayOfYear == 31 + 29 - 1 {
                    (month, day) = (2, 29)
                    return
                }
                if dayOfYear > 31 + 29 - 1 { dayOfYear -= 1 }
            }
            var monthIndex = dayOfYear / 31
            let end = daysBeforeMonth[monthIndex + 1]
            let begin: Int
            if dayOfYear >= end {
                monthIndex += 1
                begin = end
            } else {
                begin = daysBeforeMonth[monthIndex]
            }
            month = monthIndex + 1
            day = dayOfYear - begin + 1
        }
    }

    var goTypeName: String { "time.Time" }

    /// Go's `Time.String()`.
    var goDescription: String {
        let text = format("2006-01-02 15:04:05.999999999 -0700 MST")
        guard let monotonic else { return text }
        let magnitude = monotonic.magnitude
        return text + " m=" + (monotonic < 0 ? "-" : "+") + String(magnitude / 1_000_000_000) + "."
            + String(String(magnitude % 1_000_000_000 + 1_000_000_000).dropFirst())
    }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        func argument(_ index: Int) throws -> Value {
            guard index < arguments.count else {
                throw FunctionError("wrong number of args for \(name): want \(index + 1) got \(arguments.count)")
            }
            return arguments[index]
        }
        let c = clock
        switch name {
        case "Format":
            guard case .string(let layout) = try argument(0) else {
                throw FunctionError("wrong type for value; expected string; got \(arguments[0].goTypeName)")
            }
            return .string(format(layout))
        case "String": return .string(goDescription)
        case "UTC": return .object(self.in(.utc))
        case "Local": return .object(self.in(localZone))
        case "Location": return .object(GoLocation(zone: location))
        case "Unix": return .int(seconds)
        case "UnixMilli": return .int(seconds &* 1000 &+ nanoseconds / 1_000_000)
        case "UnixMicro": return .int(seconds &* 1_000_000 &+ nanoseconds / 1000)
        case "UnixNano": return .int(seconds &* 1_000_000_000 &+ nanoseconds)
        case "Year": return .int(c.year)
        case "Month": return .string(longMonthNames[c.month - 1])
        case "Day": return .int(c.day)
        case "Hour": return .int(c.hour)
        case "Minute": return .int(c.minute)
        case "Second": return .int(c.second)
        case "Nanosecond": return .int(nanoseconds)
        case "YearDay": return .int(c.yearDay)
        case "Weekday": return .string(longDayNames[c.weekday])
        case "IsZero": return .bool(seconds == -unixToInternal && nanoseconds == 0)
        case "IsDST": return .bool(location.periods.first { $0.name == c.zoneName && $0.offset == c.offset }?.isDST ?? false)
        case "Before", "After", "Equal", "Compare", "Sub":
            guard case .object(let object) = try argument(0), let other = object as? GoTime else {
                throw FunctionError("wrong type for value; expected time.Time; got \(arguments[0].goTypeName)")
            }
            let order = (seconds, nanoseconds) < (other.seconds, other.nanoseconds) ? -1
                : (seconds, nanoseconds) == (other.seconds, other.nanoseconds) ? 0 : 1
            switch name {
            case "Before": return .bool(order < 0)
            case "After": return .bool(order > 0)
            case "Equal": return .bool(order == 0)
            case "Compare": return .int(order)
            default: return .object(GoDuration(nanoseconds: subtracting(other)))
            }
        case "Add":
            return .object(adding(try durationNanoseconds(argument(0))))
        case "AddDate":
            let years = try argument(0).mathInt("expected a number")
            let months = try argument(1).mathInt("expected a number")
            let days = try argument(2).mathInt("expected a number")
            return .object(GoTime.date(year: c.year &+ years, month: c.month &+ months, day: c.day &+ days, hour: c.hour,
                                       minute: c.minute, second: c.second, nanosecond: nanoseconds, location: location,
                                       localZone: localZone))
        case "Truncate", "Round":
            let step = try durationNanoseconds(argument(0))
            let wallOnly = GoTime(seconds: seconds, nanoseconds: nanoseconds, location: location, localZone: localZone)
            guard step > 0 else { return .object(wallOnly) }
            let remainder = remainder(dividingBy: step)
            if name == "Round", !goLessThanHalf(remainder, step) { return .object(wallOnly.adding(step - remainder)) }
            return .object(wallOnly.adding(-remainder))
        default:
            return nil
        }
    }

    /// Go's `Time.Format`.
    func format(_ layout: String) -> String {
        let c = clock
        var out: [UInt8] = []
        var rest = Array(layout.utf8)[...]
        while !rest.isEmpty {
            let chunk = nextLayoutChunk(rest)
            out += chunk.prefix
            rest = chunk.suffix
            guard let element = chunk.element else { break }
            switch element {
            case .year: out += zeroPadded(((c.year % 100) + 100) % 100, width: 2)
            case .longYear: out += zeroPadded(c.year, width: 4)
            case .month: out += Array(longMonthNames[c.month - 1].prefix(3).utf8)
            case .longMonth: out += Array(longMonthNames[c.month - 1].utf8)
            case .numMonth: out += zeroPadded(c.month, width: 0)
            case .zeroMonth: out += zeroPadded(c.month, width: 2)
            case .weekDay: out += Array(longDayNames[c.weekday].prefix(3).utf8)
            case .longWeekDay: out += Array(longDayNames[c.weekday].utf8)
            case .day: out += zeroPadded(c.day, width: 0)
            case .underDay:
                if c.day < 10 { out.append(UInt8(ascii: " ")) }
                out += zeroPadded(c.day, width: 0)
            case .zeroDay: out += zeroPadded(c.day, width: 2)
            case .underYearDay:
                if c.yearDay < 100 { out.append(UInt8(ascii: " ")) }
                if c.yearDay < 10 { out.append(UInt8(ascii: " ")) }
                out += zeroPadded(c.yearDay, width: 0)
            case .zeroYearDay: out += zeroPadded(c.yearDay, width: 3)
            case .hour: out += zeroPadded(c.hour, width: 2)
            case .hour12: out += zeroPadded(c.hour % 12 == 0 ? 12 : c.hour % 12, width: 0)
            case .zeroHour12: out += zeroPadded(c.hour % 12 == 0 ? 12 : c.hour % 12, width: 2)
            case .minute: out += zeroPadded(c.minute, width: 0)
            case .zeroMinute: out += zeroPadded(c.minute, width: 2)
            case .second: out += zeroPadded(c.second, width: 0)
            case .zeroSecond: out += zeroPadded(c.second, width: 2)
            case .pm: out += Array((c.hour >= 12 ? "PM" : "AM").utf8)
            case .lowerPM: out += Array((c.hour >= 12 ? "pm" : "am").utf8)
            case .offset(let style):
                if style.iso, c.offset == 0 {
                    out.append(UInt8(ascii: "Z"))
                    break
                }
                var minutes = c.offset / 60
                var absolute = c.offset
                if minutes < 0 {
                    out.append(UInt8(ascii: "-"))
                    minutes = -minutes
                    absolute = -absolute
                } else {
                    out.append(UInt8(ascii: "+"))
                }
                out += zeroPadded(minutes / 60, width: 2)
                if style.colon { out.append(UInt8(ascii: ":")) }
                if !style.short { out += zeroPadded(minutes % 60, width: 2) }
                if style.seconds {
                    if style.colon { out.append(UInt8(ascii: ":")) }
                    out += zeroPadded(absolute % 60, width: 2)
                }
            case .zoneName:
                if !c.zoneName.isEmpty {
                    out += Array(c.zoneName.utf8)
                    break
                }
                var minutes = c.offset / 60
                if minutes < 0 {
                    out.append(UInt8(ascii: "-"))
                    minutes = -minutes
                } else {
                    out.append(UInt8(ascii: "+"))
                }
                out += zeroPadded(minutes / 60, width: 2)
                out += zeroPadded(minutes % 60, width: 2)
            case .fraction(let separator, let digits, let trim):
                var fraction = Array(zeroPadded(nanoseconds, width: 9).prefix(digits))
                if trim {
                    while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
                    if fraction.isEmpty { break }
                }
                out.append(separator)
                out += fraction
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Go's constants for its calendar: seconds since year 1 ("internal") and since the absolute
/// epoch, year -292277022399, from which dates are read as unsigned numbers.
private let absoluteZeroYear: Int64 = -292_277_022_399
private let absoluteToInternal = Int(absoluteZeroYear - 1) * 31_556_952
private let unixToInternal = (1969 * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400) * 86400
private let unixToAbsolute = unixToInternal - absoluteToInternal
private let absoluteToUnix = absoluteToInternal - unixToInternal
private let daysBeforeMonth = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]

/// Go's `norm`: `hi*base + lo` with `lo` brought into 0..<base, wrapping as Go's ints do.
private func goNorm(_ hi: Int, _ lo: Int, _ base: Int) -> (Int, Int) {
    var (hi, lo) = (hi, lo)
    if lo < 0 {
        let n = ((0 &- lo) &- 1) / base + 1
        hi = hi &- n
        lo = lo &+ n &* base
    }
    if lo >= base {
        let n = lo / base
        hi = hi &+ n
        lo = lo &- n &* base
    }
    return (hi, lo)
}

/// Go's `daysSinceEpoch`: days from the absolute epoch to January 1 of `year`.
private func daysSinceAbsoluteEpoch(year: Int) -> UInt64 {
    var years = UInt64(bitPattern: Int64(year) &- absoluteZeroYear)
    var n = years / 400
    years -= 400 * n
    var days = 146_097 &* n
    n = years / 100
    years -= 100 * n
    days &+= 36524 * n
    n = years / 4
    years -= 4 * n
    days &+= 1461 * n
    return days &+ 365 * years
}

/// Go's `lessThanHalf` for durations.
func goLessThanHalf(_ x: Int, _ y: Int) -> Bool {
    UInt64(bitPattern: Int64(x)) &+ UInt64(bitPattern: Int64(x)) < UInt64(bitPattern: Int64(y))
}

/// What a `*time.Location` prints: its name.
struct GoLocation: TemplateObject {
    let zone: TimeZoneRules
    var goTypeName: String { "*time.Location" }
    var goDescription: String { zone.name }
    func member(_ name: String, arguments: [Value]) throws -> Value? {
        name == "String" ? .string(zone.name) : nil
    }
}

/// Go's `time.Duration`: nanoseconds, printed as `1h2m3.5s`.
struct GoDuration: TemplateObject {
    let nanoseconds: Int

    var goTypeName: String { "time.Duration" }
    var goDescription: String { goDurationString(nanoseconds) }

    func member(_ name: String, arguments: [Value]) throws -> Value? {
        switch name {
        case "String": return .string(goDescription)
        case "Nanoseconds": return .int(nanoseconds)
        case "Microseconds": return .int(nanoseconds / 1000)
        case "Milliseconds": return .int(nanoseconds / 1_000_000)
        case "Seconds": return .float(Double(nanoseconds / 1_000_000_000) + Double(nanoseconds % 1_000_000_000) / 1e9)
        case "Minutes": return .float(Double(nanoseconds / 60_000_000_000) + Double(nanoseconds % 60_000_000_000) / 6e10)
        case "Hours": return .float(Double(nanoseconds / 3_600_000_000_000) + Double(nanoseconds % 3_600_000_000_000) / 3.6e12)
        case "Abs": return .object(GoDuration(nanoseconds: nanoseconds == .min ? .max : abs(nanoseconds)))
        case "Truncate", "Round":
            guard let first = arguments.first else {
                throw FunctionError("wrong number of args for \(name): want 1 got 0")
            }
            let step = try durationNanoseconds(first)
            guard step > 0 else { return .object(self) }
            if name == "Truncate" { return .object(GoDuration(nanoseconds: nanoseconds - nanoseconds % step)) }
            return .object(GoDuration(nanoseconds: goRound(nanoseconds, to: step)))
        default:
            return nil
        }
    }
}

/// Go's `Duration.Round` (m > 0): halves away from zero, saturating at the ends of the range.
private func goRound(_ duration: Int, to m: Int) -> Int {
    var remainder = duration % m
    if duration < 0 {
        remainder = -remainder
        if goLessThanHalf(remainder, m) { return duration + remainder }
        let rounded = duration &- m &+ remainder
        return rounded < duration ? rounded : .min
    }
    if goLessThanHalf(remainder, m) { return duration - remainder }
    let rounded = duration &+ m &- remainder
    return rounded > duration ? rounded : .max
}

/// A duration argument: a `time.Duration`, or an integer count of nanoseconds (Go converts
/// integer constants to `Duration`).
func durationNanoseconds(_ value: Value) throws -> Int {
    switch value {
    case .object(let object as GoDuration): return object.nanoseconds
    case .int(let count): return count
    default: throw FunctionError("wrong type for value; expected time.Duration; got \(value.goTypeName)")
    }
}

/// Go's `Duration.String`.
func goDurationString(_ duration: Int) -> String {
    let negative = duration < 0
    var magnitude = duration.magnitude
    var text: String
    if magnitude < 1_000_000_000 {
        let unit: String
        let precision: Int
        switch magnitude {
        case 0: return "0s"
        case ..<1000: unit = "ns"; precision = 0
        case ..<1_000_000: unit = "µs"; precision = 3
        default: unit = "ms"; precision = 6
        }
        let (fraction, whole) = durationFraction(magnitude, precision: precision)
        text = String(whole) + fraction + unit
    } else {
        let (fraction, wholeSeconds) = durationFraction(magnitude, precision: 9)
        magnitude = wholeSeconds
        text = String(magnitude % 60) + fraction + "s"
        magnitude /= 60
        if magnitude > 0 {
            text = String(magnitude % 60) + "m" + text
            magnitude /= 60
            if magnitude > 0 { text = String(magnitude) + "h" + text }
        }
    }
    return negative ? "-" + text : text
}

/// Go's `fmtFrac`: `.digits` without trailing zeros (nothing when they are all zero), and the
/// integer part that remains.
private func durationFraction(_ value: UInt, precision: Int) -> (String, UInt) {
    var value = value
    var digits: [Character] = []
    var printing = false
    for _ in 0..<precision {
        let digit = value % 10
        printing = printing || digit != 0
        if printing { digits.insert(Character(String(digit)), at: 0) }
        value /= 10
    }
    return (digits.isEmpty ? "" : "." + String(digits), value)
}

/// Go's `time.ParseDuration`: integer arithmetic on nanoseconds, a float only to scale fractions.
func goParseDuration(_ text: String) throws -> Int {
    let invalid = FunctionError("time: invalid duration \(goTimeQuote(text))")
    let limit: UInt64 = 1 << 63
    var rest = Array(text.utf8)[...]
    var negative = false
    if let sign = rest.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
        negative = sign == UInt8(ascii: "-")
        rest = rest.dropFirst()
    }
    if rest.elementsEqual("0".utf8) { return 0 }
    guard !rest.isEmpty else { throw invalid }
    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    let units: [String: UInt64] = [
        "ns": 1, "us": 1000, "µs": 1000, "μs": 1000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]
    var total: UInt64 = 0
    while let head = rest.first {
        guard head == UInt8(ascii: ".") || isDigit(head) else { throw invalid }
        var whole: UInt64 = 0
        let wholeDigits = rest.prefix(while: isDigit)
        for digit in wholeDigits {
            guard whole <= (limit - 1) / 10 else { throw invalid }
            whole = whole * 10 + UInt64(digit - UInt8(ascii: "0"))
            guard whole <= limit else { throw invalid }
        }
        rest = rest.dropFirst(wholeDigits.count)
        var fraction: UInt64 = 0
        var scale = 1.0
        var fractionDigits = 0
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            var overflow = false
            for digit in rest.prefix(while: isDigit) {
                fractionDigits += 1
                if overflow { continue }
                if fraction > (limit - 1) / 10 {
                    overflow = true
                    continue
                }
                fraction = fraction * 10 + UInt64(digit - UInt8(ascii: "0"))
                scale *= 10
            }
            rest = rest.dropFirst(fractionDigits)
        }
        guard !wholeDigits.isEmpty || fractionDigits > 0 else { throw invalid }
        let unitBytes = rest.prefix { $0 != UInt8(ascii: ".") && !isDigit($0) }
        guard !unitBytes.isEmpty else { throw FunctionError("time: missing unit in duration \(goTimeQuote(text))") }
        rest = rest.dropFirst(unitBytes.count)
        let unitName = String(decoding: unitBytes, as: UTF8.self)
        guard let unit = units[unitName] else {
            throw FunctionError("time: unknown unit \(goTimeQuote(unitName)) in duration \(goTimeQuote(text))")
        }
        guard whole <= limit / unit else { throw invalid }
        var value = whole * unit
        if fraction > 0 {
            value += UInt64(Double(fraction) * (Double(unit) / scale))
            guard value <= limit else { throw invalid }
        }
        let (sum, overflow) = total.addingReportingOverflow(value)
        guard !overflow, sum <= limit else { throw invalid }
        total = sum
    }
    if negative { return total == limit ? Int.min : -Int(total) }
    guard total <= limit - 1 else { throw invalid }
    return Int(total)
}

/// The `quote` of Go's `time` package: double quotes, `\"` and `\\` escaped, bytes of control and
/// non-ASCII characters as `\xNN`.
func goTimeQuote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        if scalar.value >= 0x80 || scalar.value < 0x20 {
            for byte in String(Character(scalar)).utf8 { out += "\\x" + lowercaseHex([byte]) }
        } else {
            if scalar == "\"" || scalar == "\\" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

let longMonthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                      "November", "December"]
let longDayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

/// Go's `appendInt(b, x, width)`: decimal, zero-padded to `width`, sign first.
private func zeroPadded(_ value: Int, width: Int) -> [UInt8] {
    let digits = Array(String(value.magnitude).utf8)
    var out: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
    if digits.count < width { out += [UInt8](repeating: UInt8(ascii: "0"), count: width - digits.count) }
    return out + digits
}
