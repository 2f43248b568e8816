import Foundation

/// Go's `time.Time`: an instant (Unix seconds plus nanoseconds) seen in a location.
struct GoTime: TemplateObject {
    let seconds: Int
    let nanoseconds: Int
    let location: TimeZoneRules
    /// The host's local zone, for the `Local` method.
    let localZone: TimeZoneRules
    /// `time.Now`'s monotonic clock reading (nanoseconds since the process started), which Go
    /// prints as ` m=+0.000123456` and drops when the time is moved to another zone or rounded.
    let monotonic: Int?

    init(seconds: Int, nanoseconds: Int, location: TimeZoneRules, localZone: TimeZoneRules, monotonic: Int? = nil) {
        // Keep nanoseconds in 0..<1e9, carrying into the seconds.
        let carry = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        self.seconds = seconds + carry
        self.nanoseconds = nanoseconds - carry * 1_000_000_000
        self.location = location
        self.localZone = localZone
        self.monotonic = monotonic
    }

    /// Go's `time.Date`: fields may overflow (month 13, day 0…) and are normalised; the offset is
    /// found the way Go finds it around transitions.
    static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int,
                     location: TimeZoneRules, localZone: TimeZoneRules) -> GoTime {
        let monthIndex = month - 1
        let yearCarry = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let normalizedMonth = monthIndex - yearCarry * 12 + 1
        let days = daysFromCivil(year: year + yearCarry, month: normalizedMonth, day: 1) + day - 1
        var unix = days * 86400 + hour * 3600 + minute * 60 + second
        let nanoCarry = nanosecond >= 0 ? nanosecond / 1_000_000_000 : (nanosecond - 999_999_999) / 1_000_000_000
        unix += nanoCarry
        let found = location.lookup(unix)
        var offset = found.offset
        if offset != 0 {
            let utc = unix - offset
            if utc < found.start || utc >= found.end { offset = location.lookup(utc).offset }
            unix -= offset
        }
        return GoTime(seconds: unix, nanoseconds: nanosecond - nanoCarry * 1_000_000_000, location: location,
                      localZone: localZone)
    }

    func `in`(_ zone: TimeZoneRules) -> GoTime {
        GoTime(seconds: seconds, nanoseconds: nanoseconds, location: zone, localZone: localZone)
    }

    /// The wall clock in this time's location.
    var clock: Clock { Clock(time: self) }

    struct Clock {
        let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
        let weekday: Int, yearDay: Int
        let zoneName: String, offset: Int

        init(time: GoTime) {
            let zone = time.location.lookup(time.seconds)
            zoneName = zone.name
            offset = zone.offset
            let local = time.seconds + zone.offset
            let days = floorDivide(local, 86400)
            let secondOfDay = local - days * 86400
            (year, month, day) = civilFromDays(days)
            hour = secondOfDay / 3600
            minute = secondOfDay / 60 % 60
            second = secondOfDay % 60
            weekday = ((days + 4) % 7 + 7) % 7
            yearDay = days - daysFromCivil(year: year, month: 1, day: 1) + 1
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
        case "IsZero": return .bool(seconds == zeroTimeSeconds && nanoseconds == 0)
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
            default:
                return .object(GoDuration(nanoseconds: (seconds - other.seconds) &* 1_000_000_000 &+ (nanoseconds - other.nanoseconds)))
            }
        case "Add":
            let duration = try durationNanoseconds(argument(0))
            return .object(GoTime(seconds: seconds + duration / 1_000_000_000,
                                  nanoseconds: nanoseconds + duration % 1_000_000_000, location: location,
                                  localZone: localZone, monotonic: monotonic.map { $0 &+ duration }))
        case "AddDate":
            let years = try argument(0).mathInt("expected a number")
            let months = try argument(1).mathInt("expected a number")
            let days = try argument(2).mathInt("expected a number")
            return .object(GoTime.date(year: c.year + years, month: c.month + months, day: c.day + days, hour: c.hour,
                                       minute: c.minute, second: c.second, nanosecond: nanoseconds, location: location,
                                       localZone: localZone))
        case "Truncate", "Round":
            let step = try durationNanoseconds(argument(0))
            guard step > 0 else { return .object(self) }
            // Go measures from the zero time (year 1), which is a whole number of days before 1970.
            let sinceZero = (seconds - zeroTimeSeconds).multipliedFullWidth(by: 1_000_000_000)
            let total = Int(truncatingIfNeeded: sinceZero.low) &+ nanoseconds
            var remainder = total % step
            if remainder < 0 { remainder += step }
            var adjustment = -remainder
            if name == "Round", remainder + remainder >= step { adjustment = step - remainder }
            return .object(GoTime(seconds: seconds + adjustment / 1_000_000_000,
                                  nanoseconds: nanoseconds + adjustment % 1_000_000_000, location: location,
                                  localZone: localZone))
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

/// Go's zero `time.Time` (January 1, year 1, UTC) in Unix seconds.
private let zeroTimeSeconds = daysFromCivil(year: 1, month: 1, day: 1) * 86400

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
            var result = nanoseconds - nanoseconds % step
            if name == "Round" {
                let remainder = abs(nanoseconds % step)
                if remainder + remainder >= step { result += nanoseconds < 0 ? -step : step }
            }
            return .object(GoDuration(nanoseconds: result))
        default:
            return nil
        }
    }
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
        total += value
        guard total <= limit else { throw invalid }
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

func floorDivide(_ a: Int, _ b: Int) -> Int {
    let quotient = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = floorDivide(y, 400)
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
}

func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = floorDivide(z, 146_097)
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

/// Go's `appendInt(b, x, width)`: decimal, zero-padded to `width`, sign first.
private func zeroPadded(_ value: Int, width: Int) -> [UInt8] {
    let digits = Array(String(value.magnitude).utf8)
    var out: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
    if digits.count < width { out += [UInt8](repeating: UInt8(ascii: "0"), count: width - digits.count) }
    return out + digits
}
