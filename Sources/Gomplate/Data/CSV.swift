import Foundation
import Template

// Go's encoding/csv reader and writer (default settings: no lazy quotes, every record with the
// first record's field count, CRLF folded to LF), and gomplate's CSV helpers on top of them.

/// Go's `csv.Reader.ReadAll` with `Comma` set to `comma`.
func readCSV(_ text: String, comma: UInt8) throws -> [[String]] {
    var reader = CSVReader(bytes: Array(text.utf8), comma: comma)
    var records: [[String]] = []
    var fieldCount: Int?
    while let (record, startLine) = try reader.readRecord() {
        if let fieldCount {
            if record.count != fieldCount {
                throw FunctionError("record on line \(startLine): wrong number of fields")
            }
        } else {
            fieldCount = record.count
        }
        records.append(record)
    }
    return records
}

private struct CSVReader {
    let bytes: [UInt8]
    let comma: UInt8
    var offset = 0
    var lineNumber = 0

    init(bytes: [UInt8], comma: UInt8) {
        self.bytes = bytes
        self.comma = comma
    }

    /// The next line with its newline, "\r\n" folded to "\n"; nil at the end.
    private mutating func readLine() -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        var end = offset
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var line: [UInt8]
        if end < bytes.count {
            line = Array(bytes[offset...end])
            offset = end + 1
        } else {
            line = Array(bytes[offset..<end])
            offset = end
            // Go drops a trailing \r before the end of the input.
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
        }
        lineNumber += 1
        let n = line.count
        if n >= 2 && line[n - 2] == UInt8(ascii: "\r") && line[n - 1] == UInt8(ascii: "\n") {
            line.removeLast()
            line[n - 2] = UInt8(ascii: "\n")
        }
        return line
    }

    private func newlineLength(_ line: ArraySlice<UInt8>) -> Int {
        line.last == UInt8(ascii: "\n") ? 1 : 0
    }

    mutating func readRecord() throws -> ([String], Int)? {
        var line: [UInt8]
        repeat {
            guard let next = readLine() else { return nil }
            line = next
        } while line.count == newlineLength(line[...])  // empty lines are skipped

        let recordLine = lineNumber
        var rest = line[...]
        var column = 1
        var fields: [String] = []
        var field: [UInt8] = []

        fieldLoop: while true {
            if rest.first != UInt8(ascii: "\"") {
                // An unquoted field runs to the next comma or the end of the line.
                let commaIndex = rest.firstIndex(of: comma)
                let value = commaIndex.map { rest[rest.startIndex..<$0] } ?? rest.dropLast(newlineLength(rest))
                if let quote = value.firstIndex(of: UInt8(ascii: "\"")) {
                    let quoteColumn = column + (quote - value.startIndex)
                    throw FunctionError(parseErrorMessage(recordLine, lineNumber, quoteColumn, "bare \" in non-quoted-field"))
                }
                fields.append(String(decoding: value, as: UTF8.self))
                if let commaIndex {
                    column += commaIndex - rest.startIndex + 1
                    rest = rest[(commaIndex + 1)...]
                    continue fieldLoop
                }
                break fieldLoop
            }
            // A quoted field may span lines; "" is a quote.
            rest = rest.dropFirst()
            column += 1
            field.removeAll(keepingCapacity: true)
            while true {
                if let quote = rest.firstIndex(of: UInt8(ascii: "\"")) {
                    field.append(contentsOf: rest[rest.startIndex..<quote])
                    column += quote - rest.startIndex + 1
                    rest = rest[(quote + 1)...]
                    if rest.first == UInt8(ascii: "\"") {
                        field.append(UInt8(ascii: "\""))
                        rest = rest.dropFirst()
                        column += 1
                    } else if rest.first == comma {
                        rest = rest.dropFirst()
                        column += 1
                        fields.append(String(decoding: field, as: UTF8.self))
                        continue fieldLoop
                    } else if newlineLength(rest) == rest.count {
                        fields.append(String(decoding: field, as: UTF8.self))
                        break fieldLoop
                    } else {
                        throw FunctionError(parseErrorMessage(recordLine, lineNumber, column - 1,
                                                              "extraneous or missing \" in quoted-field"))
                    }
                } else if !rest.isEmpty {
                    field.append(contentsOf: rest)
                    guard let next = readLine() else {
                        throw FunctionError(parseErrorMessage(recordLine, lineNumber, column + rest.count,
                                                              "extraneous or missing \" in quoted-field"))
                    }
                    rest = next[...]
                    column = 1
                } else {
                    throw FunctionError(parseErrorMessage(recordLine, lineNumber, column,
                                                          "extraneous or missing \" in quoted-field"))
                }
            }
        }
        return (fields, recordLine)
    }

    private func parseErrorMessage(_ startLine: Int, _ line: Int, _ column: Int, _ reason: String) -> String {
        if startLine != line {
            return "record on line \(startLine); parse error on line \(line), column \(column): \(reason)"
        }
        return "parse error on line \(line), column \(column): \(reason)"
    }
}

/// Go's `csv.Writer` with `UseCRLF`, as gomplate's `data.ToCSV` configures it.
func writeCSV(_ records: [[String]], comma: UInt8) -> String {
    var out: [UInt8] = []
    for record in records {
        for (index, field) in record.enumerated() {
            if index > 0 { out.append(comma) }
            let bytes = Array(field.utf8)
            guard csvFieldNeedsQuotes(field, bytes, comma: comma) else {
                out.append(contentsOf: bytes)
                continue
            }
            out.append(UInt8(ascii: "\""))
            var i = 0
            while i < bytes.count {
                let c = bytes[i]
                switch c {
                case UInt8(ascii: "\""): out.append(contentsOf: "\"\"".utf8)
                case UInt8(ascii: "\r"):
                    break  // with CRLF output a lone CR is dropped; CRLF becomes the "\n" case
                case UInt8(ascii: "\n"): out.append(contentsOf: "\r\n".utf8)
                default: out.append(c)
                }
                i += 1
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: "\r\n".utf8)
    }
    return String(decoding: out, as: UTF8.self)
}

private func csvFieldNeedsQuotes(_ field: String, _ bytes: [UInt8], comma: UInt8) -> Bool {
    if bytes.isEmpty { return false }
    if field == "\\." { return true }
    for c in bytes where c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\"") || c == comma {
        return true
    }
    guard let first = field.unicodeScalars.first else { return false }
    return first.properties.isWhitespace
}

// MARK: - gomplate's parsers

/// gomplate's `csvParseArgs`: (in), (delim or header, in), (delim, header, in).
private func csvArguments(_ args: [String]) -> (input: String, comma: String, header: [String]?) {
    var comma = ","
    var header: [String]?
    var input = ""
    switch args.count {
    case 1:
        input = args[0]
    case 2:
        input = args[1]
        switch args[0].utf8.count {
        case 1: comma = args[0]
        case 0: header = []
        default: header = args[0].components(separatedBy: comma)
        }
    case 3:
        comma = args[0]
        header = args[1].components(separatedBy: comma)
        input = args[2]
    default:
        break
    }
    return (input, comma, header)
}

/// gomplate's `autoIndex`: A…Z, then AA, BB…
private func autoIndex(_ i: Int) -> String {
    let letter = String(UnicodeScalar(UInt8(65 + i % 26)))
    return String(repeating: letter, count: i / 26 + 1)
}

private func parseCSV(_ args: [String]) throws -> (records: [[String]], header: [String]?) {
    let (input, comma, requestedHeader) = csvArguments(args)
    var records = try readCSV(input, comma: comma.utf8.first ?? UInt8(ascii: ","))
    var header = requestedHeader
    if let first = records.first {
        if header == nil {
            header = first
            records.removeFirst()
        } else if header?.isEmpty == true {
            header = (0..<first.count).map(autoIndex)
        }
    }
    return (records, header)
}

/// gomplate's `data.CSV`: the header row, then the records.
func gomplateCSV(_ args: [String]) throws -> Value {
    let (records, header) = try parseCSV(args)
    let rows = [header ?? []] + records
    return .list(rows.map { .list($0.map(Value.string)) })
}

/// gomplate's `data.CSVByRow`: one `map[string]string` per record, keyed by the header.
func gomplateCSVByRow(_ args: [String]) throws -> Value {
    let (records, header) = try parseCSV(args)
    let names = header ?? []
    var rows: [Value] = []
    for record in records {
        var row: [String: Value] = [:]
        for (index, cell) in record.enumerated() {
            guard index < names.count else { throw indexOutOfRange(index, names.count) }
            row[names[index]] = .string(cell)
        }
        rows.append(.map(MapValue(row, elementType: .string)))
    }
    return .list(rows)
}

/// gomplate's `data.CSVByColumn`: a list of cells per header name.
func gomplateCSVByColumn(_ args: [String]) throws -> Value {
    let (records, header) = try parseCSV(args)
    let names = header ?? []
    var columns: [String: [Value]] = [:]
    for record in records {
        for (index, cell) in record.enumerated() {
            guard index < names.count else { throw indexOutOfRange(index, names.count) }
            columns[names[index], default: []].append(.string(cell))
        }
    }
    return .map(MapValue(columns.mapValues { .list($0) }))
}

/// The panic Go raises (and text/template reports) when a record is longer than the header.
private func indexOutOfRange(_ index: Int, _ length: Int) -> FunctionError {
    FunctionError("runtime error: index out of range [\(index)] with length \(length)")
}

/// gomplate's `data.ToCSV`: `([delim], rows)`, rows a list of lists.
func gomplateToCSV(_ args: [Value]) throws -> String {
    var comma = ","
    var arguments = args[...]
    if arguments.count == 2 {
        guard case .string(let delimiter) = arguments.first! else {
            let first = arguments.first!
            throw FunctionError("can't parse ToCSV delimiter (\(goPrintForMessage(first))) - must be string (is a \(first.goTypeName))")
        }
        comma = delimiter
        arguments = arguments.dropFirst()
    }
    var rows: [[String]] = []
    if let input = arguments.first {
        guard case .list(let items) = input else {
            throw FunctionError("can't parse ToCSV input - must be a two-dimensional array (like [][]string or [][]interface{}) (was \(input.goTypeName))")
        }
        for item in items {
            guard case .list(let cells) = item else {
                throw FunctionError("can't parse ToCSV input - must be a two-dimensional array (like [][]string or [][]interface{}) (was \(input.goTypeName))")
            }
            rows.append(try gomplateStrings(cells))
        }
    }
    return writeCSV(rows, comma: comma.utf8.first ?? UInt8(ascii: ","))
}
