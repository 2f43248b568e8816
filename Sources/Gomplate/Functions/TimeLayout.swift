import Template
/// One element of a Go time layout (`2006`, `Jan`, `-07:00`, `.000`…).
enum LayoutElement: Equatable {
    struct OffsetStyle: Equatable {
        var iso = false, colon = false, short = false, seconds = false
    }

    case year, longYear, month, longMonth, numMonth, zeroMonth, weekDay, longWeekDay
    case day, underDay, zeroDay, underYearDay, zeroYearDay
    case hour, hour12, zeroHour12, minute, zeroMinute, second, zeroSecond, pm, lowerPM
    case offset(OffsetStyle)
    case zoneName
    /// `.000` (exactly `digits` digits) or `.999` (`trim`: trailing zeros dropped), with `.` or `,`.
    case fraction(separator: UInt8, digits: Int, trim: Bool)

    var isFraction: Bool {
        if case .fraction = self { return true }
        return false
    }
}

/// Go's `nextStdChunk`: the literal text before the first layout element, the element, and the rest.
func nextLayoutChunk(_ layout: ArraySlice<UInt8>) -> (prefix: ArraySlice<UInt8>, element: LayoutElement?, suffix: ArraySlice<UInt8>) {
    let start = layout.startIndex
    func has(_ text: String, at index: Int) -> Bool {
        let pattern = Array(text.utf8)
        return layout.endIndex - index >= pattern.count && layout[index..<(index + pattern.count)].elementsEqual(pattern)
    }
    func startsWithLowerCase(_ index: Int) -> Bool {
        index < layout.endIndex && layout[index] >= UInt8(ascii: "a") && layout[index] <= UInt8(ascii: "z")
    }
    func chunk(_ index: Int, _ length: Int, _ element: LayoutElement) -> (ArraySlice<UInt8>, LayoutElement?, ArraySlice<UInt8>) {
        (layout[start..<index], element, layout[(index + length)...])
    }
    var index = start
    while index < layout.endIndex {
        switch layout[index] {
        case UInt8(ascii: "J"):
            if has("Jan", at: index) {
                if has("January", at: index) { return chunk(index, 7, .longMonth) }
                if !startsWithLowerCase(index + 3) { return chunk(index, 3, .month) }
            }
        case UInt8(ascii: "M"):
            if has("Mon", at: index) {
                if has("Monday", at: index) { return chunk(index, 6, .longWeekDay) }
                if !startsWithLowerCase(index + 3) { return chunk(index, 3, .weekDay) }
            }
            if has("MST", at: index) { return chunk(index, 3, .zoneName) }
        case UInt8(ascii: "0"):
            if index + 1 < layout.endIndex, layout[index + 1] >= UInt8(ascii: "1"), layout[index + 1] <= UInt8(ascii: "6") {
                let elements: [LayoutElement] = [.zeroMonth, .zeroDay, .zeroHour12, .zeroMinute, .zeroSecond, .year]
                return chunk(index, 2, elements[Int(layout[index + 1] - UInt8(ascii: "1"))])
            }
            if has("002", at: index) { return chunk(index, 3, .zeroYearDay) }
        case UInt8(ascii: "1"):
            if has("15", at: index) { return chunk(index, 2, .hour) }
            return chunk(index, 1, .numMonth)
        case UInt8(ascii: "2"):
            if has("2006", at: index) { return chunk(index, 4, .longYear) }
            return chunk(index, 1, .day)
        case UInt8(ascii: "_"):
            if has("_2", at: index) {
                // `_2006` is a literal underscore followed by the year.
                if has("_2006", at: index) { return (layout[start...index], .longYear, layout[(index + 5)...]) }
                return chunk(index, 2, .underDay)
            }
            if has("__2", at: index) { return chunk(index, 3, .underYearDay) }
        case UInt8(ascii: "3"): return chunk(index, 1, .hour12)
        case UInt8(ascii: "4"): return chunk(index, 1, .minute)
        case UInt8(ascii: "5"): return chunk(index, 1, .second)
        case UInt8(ascii: "P"):
            if has("PM", at: index) { return chunk(index, 2, .pm) }
        case UInt8(ascii: "p"):
            if has("pm", at: index) { return chunk(index, 2, .lowerPM) }
        case UInt8(ascii: "-"), UInt8(ascii: "Z"):
            let iso = layout[index] == UInt8(ascii: "Z")
            let lead = iso ? "Z" : "-"
            if has(lead + "070000", at: index) { return chunk(index, 7, .offset(.init(iso: iso, seconds: true))) }
            if has(lead + "07:00:00", at: index) { return chunk(index, 9, .offset(.init(iso: iso, colon: true, seconds: true))) }
            if has(lead + "0700", at: index) { return chunk(index, 5, .offset(.init(iso: iso))) }
            if has(lead + "07:00", at: index) { return chunk(index, 6, .offset(.init(iso: iso, colon: true))) }
            if has(lead + "07", at: index) { return chunk(index, 3, .offset(.init(iso: iso, short: true))) }
        case UInt8(ascii: "."), UInt8(ascii: ","):
            if index + 1 < layout.endIndex, layout[index + 1] == UInt8(ascii: "0") || layout[index + 1] == UInt8(ascii: "9") {
                let digit = layout[index + 1]
                var end = index + 1
                while end < layout.endIndex, layout[end] == digit { end += 1 }
                let followedByDigit = end < layout.endIndex && layout[end] >= UInt8(ascii: "0") && layout[end] <= UInt8(ascii: "9")
                if !followedByDigit {
                    let element = LayoutElement.fraction(separator: layout[index], digits: end - index - 1,
                                                         trim: digit == UInt8(ascii: "9"))
                    return (layout[start..<index], element, layout[end...])
                }
            }
        default:
            break
        }
        index += 1
    }
    return (layout, nil, layout[layout.endIndex...])
}

/// Go's `time.Parse` (`defaultLocation` UTC, `local` the host's zone) and `time.ParseInLocation`
/// (both the given location).
func goParseTime(layout layoutText: String, value valueText: String, defaultLocation: TimeZoneRules,
                 local: TimeZoneRules) throws -> GoTime {
    func parseError(_ layoutElement: ArraySlice<UInt8>, _ valueElement: ArraySlice<UInt8>, _ message: String = "") -> FunctionError {
        if message.isEmpty {
            return FunctionError("parsing time \(goTimeQuote(valueText)) as \(goTimeQuote(layoutText)): cannot parse "
                + "\(goTimeQuote(String(decoding: valueElement, as: UTF8.self))) as \(goTimeQuote(String(decoding: layoutElement, as: UTF8.self)))")
        }
        return FunctionError("parsing time \(goTimeQuote(valueText))\(message)")
    }
    struct Bad: Error {}

    var layout = Array(layoutText.utf8)[...]
    var value = Array(valueText.utf8)[...]
    var rangeError = ""
    var amSet = false, pmSet = false
    var year = 0, month = -1, day = -1, yearDay = -1, hour = 0, minute = 0, second = 0, nanosecond = 0
    var utc = false
    var zoneOffset: Int?
    var zoneName = ""

    while true {
        let (prefix, element, suffix) = nextLayoutChunk(layout)
        let elementText = layout[prefix.endIndex..<suffix.startIndex]
        guard let skipped = skipLiteral(value, prefix) else { throw parseError(prefix, value) }
        value = skipped
        guard let element else {
            if !value.isEmpty {
                throw parseError([], value, ": extra text: \(goTimeQuote(String(decoding: value, as: UTF8.self)))")
            }
            break
        }
        layout = suffix
        let hold = value
        do {
            switch element {
            case .year:
                guard value.count >= 2 else { throw Bad() }
                year = try plainNumber(value.prefix(2))
                value = value.dropFirst(2)
                year += year >= 69 ? 1900 : 2000
            case .longYear:
                guard value.count >= 4, isDigit(value.first) else { throw Bad() }
                year = try plainNumber(value.prefix(4))
                value = value.dropFirst(4)
            case .month, .longMonth:
                let names = longMonthNames.map { element == .month ? String($0.prefix(3)) : $0 }
                month = try lookupName(names, &value) + 1
            case .numMonth, .zeroMonth:
                month = try twoDigits(&value, fixed: element == .zeroMonth)
                if month <= 0 || month > 12 { rangeError = "month" }
            case .weekDay, .longWeekDay:
                let names = longDayNames.map { element == .weekDay ? String($0.prefix(3)) : $0 }
                _ = try lookupName(names, &value)
            case .day, .underDay, .zeroDay:
                if element == .underDay, value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                day = try twoDigits(&value, fixed: element == .zeroDay)
            case .underYearDay, .zeroYearDay:
                for _ in 0..<2 where element == .underYearDay && value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                yearDay = try threeDigits(&value, fixed: element == .zeroYearDay)
            case .hour:
                hour = try twoDigits(&value, fixed: false)
                if hour < 0 || hour >= 24 { rangeError = "hour" }
            case .hour12, .zeroHour12:
                hour = try twoDigits(&value, fixed: element == .zeroHour12)
                if hour < 0 || hour > 12 { rangeError = "hour" }
            case .minute, .zeroMinute:
                minute = try twoDigits(&value, fixed: element == .zeroMinute)
                if minute < 0 || minute >= 60 { rangeError = "minute" }
            case .second, .zeroSecond:
                second = try twoDigits(&value, fixed: element == .zeroSecond)
                if second < 0 || second >= 60 {
                    rangeError = "second"
                    break
                }
                // A fractional second in the value that the layout doesn't mention is accepted.
                if value.count >= 2, isSeparator(value.first), isDigit(value.dropFirst().first),
                   !(nextLayoutChunk(layout).element?.isFraction ?? false) {
                    var length = 2
                    while length < value.count, isDigit(value[value.startIndex + length]) { length += 1 }
                    nanosecond = try fractionNanoseconds(value.prefix(length), rangeError: &rangeError)
                    value = value.dropFirst(length)
                }
            case .pm, .lowerPM:
                guard value.count >= 2 else { throw Bad() }
                let marker = String(decoding: value.prefix(2), as: UTF8.self)
                value = value.dropFirst(2)
                switch (marker, element == .pm) {
                case ("PM", true), ("pm", false): pmSet = true
                case ("AM", true), ("am", false): amSet = true
                default: throw Bad()
                }
            case .offset(let style):
                if style.iso, value.first == UInt8(ascii: "Z") {
                    value = value.dropFirst()
                    utc = true
                    break
                }
                let fields: (sign: UInt8, hours: ArraySlice<UInt8>, minutes: ArraySlice<UInt8>, seconds: ArraySlice<UInt8>, length: Int)
                let v = Array(value)
                let zeros = Array("00".utf8)[...]
                if style.colon && !style.seconds {
                    guard v.count >= 6, v[3] == UInt8(ascii: ":") else { throw Bad() }
                    fields = (v[0], v[1..<3], v[4..<6], zeros, 6)
                } else if style.short {
                    guard v.count >= 3 else { throw Bad() }
                    fields = (v[0], v[1..<3], zeros, zeros, 3)
                } else if style.colon && style.seconds {
                    guard v.count >= 9, v[3] == UInt8(ascii: ":"), v[6] == UInt8(ascii: ":") else { throw Bad() }
                    fields = (v[0], v[1..<3], v[4..<6], v[7..<9], 9)
                } else if style.seconds {
                    guard v.count >= 7 else { throw Bad() }
                    fields = (v[0], v[1..<3], v[3..<5], v[5..<7], 7)
                } else {
                    guard v.count >= 5 else { throw Bad() }
                    fields = (v[0], v[1..<3], v[3..<5], zeros, 5)
                }
                value = value.dropFirst(fields.length)
                var hoursPart = fields.hours, minutesPart = fields.minutes, secondsPart = fields.seconds
                let hours = try twoDigits(&hoursPart, fixed: true)
                let minutes = try twoDigits(&minutesPart, fixed: true)
                let seconds = try twoDigits(&secondsPart, fixed: true)
                if hours > 24 { rangeError = "time zone offset hour" }
                if minutes > 60 { rangeError = "time zone offset minute" }
                if seconds > 60 { rangeError = "time zone offset second" }
                let offset = (hours * 60 + minutes) * 60 + seconds
                switch fields.sign {
                case UInt8(ascii: "+"): zoneOffset = offset
                case UInt8(ascii: "-"): zoneOffset = -offset
                default: throw Bad()
                }
            case .zoneName:
                if value.starts(with: Array("UTC".utf8)) {
                    utc = true
                    value = value.dropFirst(3)
                    break
                }
                guard let length = timeZoneNameLength(value) else { throw Bad() }
                zoneName = String(decoding: value.prefix(length), as: UTF8.self)
                value = value.dropFirst(length)
            case .fraction(_, let digits, let trim):
                if trim {
                    guard value.count >= 2, isSeparator(value.first), isDigit(value.dropFirst().first) else { break }
                    var length = 1
                    while length < value.count, isDigit(value[value.startIndex + length]) { length += 1 }
                    nanosecond = try fractionNanoseconds(value.prefix(length), rangeError: &rangeError)
                    value = value.dropFirst(length)
                } else {
                    guard value.count >= digits + 1 else { throw Bad() }
                    nanosecond = try fractionNanoseconds(value.prefix(digits + 1), rangeError: &rangeError)
                    value = value.dropFirst(digits + 1)
                }
            }
        } catch {
            if !rangeError.isEmpty { throw parseError(elementText, value, ": \(rangeError) out of range") }
            throw parseError(elementText, hold)
        }
        if !rangeError.isEmpty { throw parseError(elementText, value, ": \(rangeError) out of range") }
    }

    if pmSet && hour < 12 {
        hour += 12
    } else if amSet && hour == 12 {
        hour = 0
    }

    if yearDay >= 0 {
        var dayOfYear = yearDay
        var derivedMonth = 0, derivedDay = 0
        if isLeapYear(year) {
            if dayOfYear == 31 + 29 {
                derivedMonth = 2
                derivedDay = 29
            } else if dayOfYear > 31 + 29 {
                dayOfYear -= 1
            }
        }
        if dayOfYear < 1 || dayOfYear > 365 { throw parseError([], value, ": day-of-year out of range") }
        if derivedMonth == 0 {
            let daysBefore = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]
            derivedMonth = (dayOfYear - 1) / 31 + 1
            if daysBefore[derivedMonth] < dayOfYear { derivedMonth += 1 }
            derivedDay = dayOfYear - daysBefore[derivedMonth - 1]
        }
        if month >= 0 && month != derivedMonth { throw parseError([], value, ": day-of-year does not match month") }
        month = derivedMonth
        if day >= 0 && day != derivedDay { throw parseError([], value, ": day-of-year does not match day") }
        day = derivedDay
    } else {
        if month < 0 { month = 1 }
        if day < 0 { day = 1 }
    }
    if day < 1 || day > daysIn(month: month, year: year) { throw parseError([], value, ": day out of range") }

    func date(_ zone: TimeZoneRules) -> GoTime {
        GoTime.date(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                    nanosecond: nanosecond, location: zone, localZone: local)
    }
    if utc { return date(.utc) }
    if let zoneOffset {
        let instant = date(.utc)
        let shifted = instant.seconds - zoneOffset
        let found = local.lookup(shifted)
        if found.offset == zoneOffset && (zoneName.isEmpty || found.name == zoneName) {
            return GoTime(seconds: shifted, nanoseconds: instant.nanoseconds, location: local, localZone: local)
        }
        return GoTime(seconds: shifted, nanoseconds: instant.nanoseconds,
                      location: .fixed(name: zoneName, offset: zoneOffset), localZone: local)
    }
    if !zoneName.isEmpty {
        let instant = date(.utc)
        if let offset = local.lookupName(zoneName, unix: instant.seconds) {
            return GoTime(seconds: instant.seconds - offset, nanoseconds: instant.nanoseconds, location: local,
                          localZone: local)
        }
        // An unknown zone keeps its name with offset zero, or the hours of `GMT+3`.
        var offset = 0
        if zoneName.count > 3, zoneName.hasPrefix("GMT") { offset = (Int(zoneName.dropFirst(3)) ?? 0) * 3600 }
        return GoTime(seconds: instant.seconds - offset, nanoseconds: instant.nanoseconds,
                      location: .fixed(name: zoneName, offset: offset), localZone: local)
    }
    return date(defaultLocation)
}

private struct BadTimeValue: Error {}

private func isDigit(_ byte: UInt8?) -> Bool {
    guard let byte else { return false }
    return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

private func isSeparator(_ byte: UInt8?) -> Bool { byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") }

func isLeapYear(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

private func daysIn(month: Int, year: Int) -> Int {
    if month == 2 { return isLeapYear(year) ? 29 : 28 }
    return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
}

/// Go's `skip`: the layout's literal text must appear in the value; a space matches any run of spaces.
private func skipLiteral(_ input: ArraySlice<UInt8>, _ literal: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
    var value = input
    var prefix = literal
    let space = UInt8(ascii: " ")
    while let head = prefix.first {
        if head == space {
            if let first = value.first, first != space { return nil }
            prefix = prefix.drop { $0 == space }
            value = value.drop { $0 == space }
            continue
        }
        guard value.first == head else { return nil }
        prefix = prefix.dropFirst()
        value = value.dropFirst()
    }
    return value
}

/// Go's `atoi` on a field already cut to size: optional sign, then digits only.
private func plainNumber(_ digits: ArraySlice<UInt8>) throws -> Int {
    var rest = digits
    var negative = false
    if let sign = rest.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
        negative = sign == UInt8(ascii: "-")
        rest = rest.dropFirst()
    }
    guard !rest.isEmpty, rest.allSatisfy({ isDigit($0) }) else { throw BadTimeValue() }
    let magnitude = rest.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    return negative ? -magnitude : magnitude
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
private func twoDigits(_ value: inout ArraySlice<UInt8>, fixed: Bool) throws -> Int {
    guard let first = value.first, isDigit(first) else { throw BadTimeValue() }
    let second = value.dropFirst().first
    guard isDigit(second), let second else {
        if fixed { throw BadTimeValue() }
        value = value.dropFirst()
        return Int(first - UInt8(ascii: "0"))
    }
    value = value.dropFirst(2)
    return Int(first - UInt8(ascii: "0")) * 10 + Int(second - UInt8(ascii: "0"))
}

/// Go's `getnum3`: one to three digits (exactly three when `fixed`).
private func threeDigits(_ value: inout ArraySlice<UInt8>, fixed: Bool) throws -> Int {
    var number = 0
    var count = 0
    while count < 3, let next = value.first, isDigit(next) {
        number = number * 10 + Int(next - UInt8(ascii: "0"))
        value = value.dropFirst()
        count += 1
    }
    if count == 0 || (fixed && count != 3) { throw BadTimeValue() }
    return number
}

/// Go's `lookup`: the first name that starts the value, compared without ASCII case.
private func lookupName(_ names: [String], _ value: inout ArraySlice<UInt8>) throws -> Int {
    for (index, name) in names.enumerated() {
        let bytes = Array(name.utf8)
        guard value.count >= bytes.count else { continue }
        if zip(value.prefix(bytes.count), bytes).allSatisfy({ ($0 | 0x20) == ($1 | 0x20) }) {
            value = value.dropFirst(bytes.count)
            return index
        }
    }
    throw BadTimeValue()
}

/// Go's `parseNanoseconds`: a separator and up to nine significant digits.
private func fractionNanoseconds(_ field: ArraySlice<UInt8>, rangeError: inout String) throws -> Int {
    guard isSeparator(field.first) else { throw BadTimeValue() }
    let digits = field.dropFirst().prefix(9)
    guard !digits.isEmpty, digits.allSatisfy({ isDigit($0) }) else { throw BadTimeValue() }
    var nanoseconds = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    for _ in digits.count..<9 { nanoseconds *= 10 }
    return nanoseconds
}

/// Go's `parseTimeZone`: how long the zone abbreviation at the start of the value is.
private func timeZoneNameLength(_ value: ArraySlice<UInt8>) -> Int? {
    guard value.count >= 3 else { return nil }
    let text = Array(value)
    if text.count >= 4, text[0..<4].elementsEqual("ChST".utf8) || text[0..<4].elementsEqual("MeST".utf8) { return 4 }
    if text[0..<3].elementsEqual("GMT".utf8) {
        return 3 + signedOffsetLength(text[3...])
    }
    if text[0] == UInt8(ascii: "+") || text[0] == UInt8(ascii: "-") {
        let length = signedOffsetLength(text[...])
        return length > 0 ? length : nil
    }
    var upper = 0
    while upper < 6, upper < text.count, text[upper] >= UInt8(ascii: "A"), text[upper] <= UInt8(ascii: "Z") { upper += 1 }
    switch upper {
    case 3: return 3
    case 4: return text[3] == UInt8(ascii: "T") || text[0..<4].elementsEqual("WITA".utf8) ? 4 : nil
    case 5: return text[4] == UInt8(ascii: "T") ? 5 : nil
    default: return nil
    }
}

/// Go's `parseSignedOffset`: `+N`/`-N` with N at most 12, or 0 when there is none.
private func signedOffsetLength(_ value: ArraySlice<UInt8>) -> Int {
    guard let sign = value.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return 0 }
    let digits = value.dropFirst().prefix { isDigit($0) }
    guard !digits.isEmpty else { return 0 }
    let number = digits.prefix(3).reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    guard number <= 12 else { return 0 }
    return 1 + digits.count
}
