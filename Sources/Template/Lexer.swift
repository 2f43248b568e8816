/// The kinds of token Go's text/template lexer emits.
enum ItemKind: Equatable {
    case error, bool, char, charConstant, complex, assign, declare, eof, field, identifier
    case leftDelim, leftParen, number, pipe, rawString, rightDelim, rightParen, space, string, text
    case variable
    // Keywords.
    case block, breakKeyword, continueKeyword, dot, define, elseKeyword, end, ifKeyword, nilKeyword
    case range, template, with
}

/// A token: its kind, its bytes in the source, and the line it starts on. Error items carry their
/// message instead of source bytes.
struct Item {
    var kind: ItemKind
    var start: Int
    var end: Int
    var line: Int
    var message: String = ""
}

/// A synchronous port of Go's text/template lexer: one state function per thing it scans, run to the
/// end (or the first error) before parsing starts. Works on UTF-8 bytes; positions are byte offsets,
/// as Go's are.
struct Lexer {
    private enum State { case text, leftDelim, comment, rightDelim, insideAction, space, identifier, field
        case variable, char, number, quote, rawQuote, done }

    let input: [UInt8]
    private let leftDelim: [UInt8]
    private let rightDelim: [UInt8]
    private let breakOK: Bool
    private let continueOK: Bool
    private var pos = 0
    private var start = 0
    private var line = 1
    private var startLine = 1
    private var parenDepth = 0
    private var atEOF = false
    private(set) var items: [Item] = []

    private static let leftComment: [UInt8] = Array("/*".utf8)
    private static let rightComment: [UInt8] = Array("*/".utf8)
    private static let keywords: [(word: [UInt8], kind: ItemKind)] = [
        (Array("block".utf8), ItemKind.block), (Array("break".utf8), .breakKeyword),
        (Array("continue".utf8), .continueKeyword), (Array("define".utf8), .define), (Array("else".utf8), .elseKeyword),
        (Array("end".utf8), .end), (Array("if".utf8), .ifKeyword), (Array("range".utf8), .range),
        (Array("nil".utf8), .nilKeyword), (Array("template".utf8), .template), (Array("with".utf8), .with),
    ]

    /// The keyword these bytes spell, compared in place: identifiers are lexed by the thousand.
    private func keyword(_ word: ArraySlice<UInt8>) -> ItemKind? {
        guard word.count >= 2, word.count <= 8 else { return nil }
        for keyword in Lexer.keywords where keyword.word.count == word.count && word.elementsEqual(keyword.word) {
            return keyword.kind
        }
        return nil
    }

    private func matches(_ word: ArraySlice<UInt8>, _ text: StaticString) -> Bool {
        word.count == text.utf8CodeUnitCount
            && word.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    init(input: [UInt8], leftDelim: String, rightDelim: String, breakOK: Bool = true, continueOK: Bool = true) {
        self.input = input
        self.leftDelim = Array((leftDelim.isEmpty ? "{{" : leftDelim).utf8)
        self.rightDelim = Array((rightDelim.isEmpty ? "}}" : rightDelim).utf8)
        self.breakOK = breakOK
        self.continueOK = continueOK
    }

    /// Scans the whole input; the items end with `.eof` or `.error`.
    static func tokenize(_ input: [UInt8], leftDelim: String, rightDelim: String,
                         breakOK: Bool = true, continueOK: Bool = true) -> [Item] {
        var lexer = Lexer(input: input, leftDelim: leftDelim, rightDelim: rightDelim,
                          breakOK: breakOK, continueOK: continueOK)
        lexer.items.reserveCapacity(input.count / 4)
        var state = State.text
        while state != .done { state = lexer.step(state) }
        return lexer.items
    }

    private mutating func step(_ state: State) -> State {
        switch state {
        case .text: return lexText()
        case .leftDelim: return lexLeftDelim()
        case .comment: return lexComment()
        case .rightDelim: return lexRightDelim()
        case .insideAction: return lexInsideAction()
        case .space: return lexSpace()
        case .identifier: return lexIdentifier()
        case .field: return lexFieldOrVariable(.field)
        case .variable: return lexVariable()
        case .char: return lexQuoted(terminator: UInt8(ascii: "'"), kind: .charConstant,
                                     error: "unterminated character constant")
        case .number: return lexNumber()
        case .quote: return lexQuoted(terminator: UInt8(ascii: "\""), kind: .string,
                                      error: "unterminated quoted string")
        case .rawQuote: return lexRawQuote()
        case .done: return .done
        }
    }

    // MARK: - Reading

    private static let eof: UInt32 = 0xFFFF_FFFF

    /// The next rune (decoded from UTF-8), or `eof`.
    private mutating func next() -> UInt32 {
        guard pos < input.count else {
            atEOF = true
            return Lexer.eof
        }
        let (rune, width) = decodeRune(at: pos)
        pos += width
        if rune == 0x0A { line += 1 }
        return rune
    }

    private mutating func peek() -> UInt32 {
        let rune = next()
        backup()
        return rune
    }

    private mutating func backup() {
        guard !atEOF, pos > 0 else { return }
        var back = pos - 1
        while back > 0, input[back] & 0xC0 == 0x80, pos - back < 4 { back -= 1 }
        if input[back] == 0x0A { line -= 1 }
        pos = back
    }

    private func decodeRune(at index: Int) -> (UInt32, Int) {
        let lead = input[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let width = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard width > 1, index + width <= input.count else { return (0xFFFD, 1) }
        var rune = UInt32(lead) & (0xFF >> (width + 1))
        for offset in 1..<width {
            let byte = input[index + offset]
            guard byte & 0xC0 == 0x80 else { return (0xFFFD, 1) }
            rune = rune << 6 | UInt32(byte & 0x3F)
        }
        return (rune, width)
    }

    private mutating func emit(_ kind: ItemKind) {
        items.append(Item(kind: kind, start: start, end: pos, line: startLine))
        start = pos
        startLine = line
    }

    private mutating func ignore() {
        line += countNewlines(start, pos)
        start = pos
        startLine = line
    }

    private mutating func errorf(_ message: String) -> State {
        items.append(Item(kind: .error, start: start, end: pos, line: startLine, message: message))
        return .done
    }

    private mutating func accept(_ valid: String) -> Bool {
        let rune = next()
        if rune != Lexer.eof, rune < 0x80, valid.utf8.contains(UInt8(rune)) { return true }
        backup()
        return false
    }

    private mutating func acceptRun(_ valid: String) {
        while true {
            let rune = next()
            if rune == Lexer.eof || rune >= 0x80 || !valid.utf8.contains(UInt8(rune)) { break }
        }
        backup()
    }

    private func countNewlines(_ from: Int, _ to: Int) -> Int {
        var count = 0
        var index = from
        while index < to {
            if input[index] == 0x0A { count += 1 }
            index += 1
        }
        return count
    }

    private func hasPrefix(_ prefix: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index + prefix.count <= input.count else { return false }
        for offset in 0..<prefix.count where input[index + offset] != prefix[offset] { return false }
        return true
    }

    private func firstIndex(of needle: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, needle.count <= input.count else { return nil }
        var index = from
        let last = input.count - needle.count
        while index <= last {
            if input[index] == first, hasPrefix(needle, at: index) { return index }
            index += 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    private static func isSpace(_ rune: UInt32) -> Bool {
        rune == 0x20 || rune == 0x09 || rune == 0x0D || rune == 0x0A
    }

    private func hasLeftTrimMarker(at index: Int) -> Bool {
        index + 1 < input.count && input[index] == UInt8(ascii: "-") && Lexer.isSpace(input[index + 1])
    }

    private func hasRightTrimMarker(at index: Int) -> Bool {
        index + 1 < input.count && Lexer.isSpace(input[index]) && input[index + 1] == UInt8(ascii: "-")
    }

    private func atRightDelim() -> (delim: Bool, trimSpaces: Bool) {
        if hasRightTrimMarker(at: pos), hasPrefix(rightDelim, at: pos + 2) { return (true, true) }
        if hasPrefix(rightDelim, at: pos) { return (true, false) }
        return (false, false)
    }

    // MARK: - States

    private mutating func lexText() -> State {
        if let found = firstIndex(of: leftDelim, from: pos) {
            pos = found
            var trimLength = 0
            if hasLeftTrimMarker(at: pos + leftDelim.count) {
                var index = pos
                while index > start, Lexer.isSpace(input[index - 1]) { index -= 1 }
                trimLength = pos - index
            }
            pos -= trimLength
            if pos > start {
                line += countNewlines(start, pos)
                emit(.text)
            }
            pos += trimLength
            ignore()
            return .leftDelim
        }
        pos = input.count
        if pos > start {
            line += countNewlines(start, pos)
            emit(.text)
        }
        emit(.eof)
        return .done
    }

    private mutating func lexLeftDelim() -> State {
        pos += leftDelim.count
        let trimSpace = hasLeftTrimMarker(at: pos)
        let afterMarker = trimSpace ? 2 : 0
        if hasPrefix(Lexer.leftComment, at: pos + afterMarker) {
            pos += afterMarker
            ignore()
            return .comment
        }
        emit(.leftDelim)
        pos += afterMarker
        ignore()
        parenDepth = 0
        return .insideAction
    }

    private mutating func lexComment() -> State {
        pos += Lexer.leftComment.count
        guard let end = firstIndex(of: Lexer.rightComment, from: pos) else { return errorf("unclosed comment") }
        pos = end + Lexer.rightComment.count
        let (delim, trimSpace) = atRightDelim()
        if !delim { return errorf("comment ends before closing delimiter") }
        if trimSpace { pos += 2 }
        pos += rightDelim.count
        if trimSpace { skipLeadingSpace() }
        ignore()
        return .text
    }

    private mutating func skipLeadingSpace() {
        while pos < input.count, Lexer.isSpace(input[pos]) { pos += 1 }
    }

    private mutating func lexRightDelim() -> State {
        let trimSpace = atRightDelim().trimSpaces
        if trimSpace {
            pos += 2
            ignore()
        }
        pos += rightDelim.count
        emit(.rightDelim)
        if trimSpace {
            skipLeadingSpace()
            ignore()
        }
        return .text
    }

    private mutating func lexInsideAction() -> State {
        let (delim, _) = atRightDelim()
        if delim {
            if parenDepth == 0 { return .rightDelim }
            return errorf("unclosed left paren")
        }
        let rune = next()
        switch rune {
        case Lexer.eof:
            return errorf("unclosed action")
        case 0x20, 0x09, 0x0D, 0x0A:
            backup()
            return .space
        case UInt32(UInt8(ascii: "=")):
            emit(.assign)
        case UInt32(UInt8(ascii: ":")):
            if next() != UInt32(UInt8(ascii: "=")) { return errorf("expected :=") }
            emit(.declare)
        case UInt32(UInt8(ascii: "|")):
            emit(.pipe)
        case UInt32(UInt8(ascii: "\"")):
            return .quote
        case UInt32(UInt8(ascii: "`")):
            return .rawQuote
        case UInt32(UInt8(ascii: "$")):
            return .variable
        case UInt32(UInt8(ascii: "'")):
            return .char
        case UInt32(UInt8(ascii: ".")):
            if pos < input.count, input[pos] < UInt8(ascii: "0") || input[pos] > UInt8(ascii: "9") {
                return .field
            }
            backup()
            return .number
        case UInt32(UInt8(ascii: "+")), UInt32(UInt8(ascii: "-")), UInt32(UInt8(ascii: "0"))...UInt32(UInt8(ascii: "9")):
            backup()
            return .number
        case UInt32(UInt8(ascii: "(")):
            emit(.leftParen)
            parenDepth += 1
        case UInt32(UInt8(ascii: ")")):
            parenDepth -= 1
            if parenDepth < 0 { return errorf("unexpected right paren") }
            emit(.rightParen)
        default:
            if isAlphaNumeric(rune) {
                backup()
                return .identifier
            }
            if rune < 0x80, rune >= 0x20, rune != 0x7F {
                emit(.char)
            } else {
                return errorf("unrecognized character in action: \(goRuneDescription(rune))")
            }
        }
        return .insideAction
    }

    private mutating func lexSpace() -> State {
        var spaces = 0
        while true {
            let rune = peek()
            if !Lexer.isSpace(rune) { break }
            _ = next()
            spaces += 1
        }
        if hasRightTrimMarker(at: pos - 1), hasPrefix(rightDelim, at: pos - 1 + 2) {
            backup()
            if spaces == 1 { return .rightDelim }
        }
        emit(.space)
        return .insideAction
    }

    private mutating func lexIdentifier() -> State {
        while true {
            let rune = next()
            if isAlphaNumeric(rune) { continue }
            backup()
            if !atTerminator() { return errorf("bad character \(goRuneDescription(rune))") }
            if let keyword = keyword(input[start..<pos]) {
                if keyword == .breakKeyword && !breakOK || keyword == .continueKeyword && !continueOK {
                    emit(.identifier)
                } else {
                    emit(keyword)
                }
            } else if input[start] == UInt8(ascii: ".") {
                emit(.field)
            } else if matches(input[start..<pos], "true") || matches(input[start..<pos], "false") {
                emit(.bool)
            } else {
                emit(.identifier)
            }
            return .insideAction
        }
    }

    private mutating func lexVariable() -> State {
        if atTerminator() {
            emit(.variable)
            return .insideAction
        }
        return lexFieldOrVariable(.variable)
    }

    private mutating func lexFieldOrVariable(_ kind: ItemKind) -> State {
        if atTerminator() {
            emit(kind == .variable ? .variable : .dot)
            return .insideAction
        }
        var rune: UInt32
        repeat { rune = next() } while isAlphaNumeric(rune)
        backup()
        if !atTerminator() { return errorf("bad character \(goRuneDescription(rune))") }
        emit(kind)
        return .insideAction
    }

    private mutating func atTerminator() -> Bool {
        let rune = peek()
        if Lexer.isSpace(rune) { return true }
        switch rune {
        case Lexer.eof, UInt32(UInt8(ascii: ".")), UInt32(UInt8(ascii: ",")), UInt32(UInt8(ascii: "|")),
             UInt32(UInt8(ascii: ":")), UInt32(UInt8(ascii: ")")), UInt32(UInt8(ascii: "(")):
            return true
        default:
            return hasPrefix(rightDelim, at: pos)
        }
    }

    private mutating func lexQuoted(terminator: UInt8, kind: ItemKind, error: String) -> State {
        while true {
            var rune = next()
            if rune == UInt32(UInt8(ascii: "\\")) {
                rune = next()
                if rune != Lexer.eof, rune != 0x0A { continue }
                return errorf(error)
            }
            if rune == Lexer.eof || rune == 0x0A { return errorf(error) }
            if rune == UInt32(terminator) { break }
        }
        emit(kind)
        return .insideAction
    }

    private mutating func lexRawQuote() -> State {
        while true {
            let rune = next()
            if rune == Lexer.eof { return errorf("unterminated raw quoted string") }
            if rune == UInt32(UInt8(ascii: "`")) { break }
        }
        emit(.rawString)
        return .insideAction
    }

    private mutating func lexNumber() -> State {
        if !scanNumber() { return errorf("bad number syntax: \(goQuote(String(decoding: input[start..<pos], as: UTF8.self)))") }
        let sign = peek()
        if sign == UInt32(UInt8(ascii: "+")) || sign == UInt32(UInt8(ascii: "-")) {
            if !scanNumber() || input[pos - 1] != UInt8(ascii: "i") {
                return errorf("bad number syntax: \(goQuote(String(decoding: input[start..<pos], as: UTF8.self)))")
            }
            emit(.complex)
        } else {
            emit(.number)
        }
        return .insideAction
    }

    private mutating func scanNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") {
                digits = "0123456789abcdefABCDEF_"
            } else if accept("oO") {
                digits = "01234567_"
            } else if accept("bB") {
                digits = "01_"
            }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.utf8.count == 11, accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.utf8.count == 23, accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if isAlphaNumeric(peek()) {
            _ = next()
            return false
        }
        return true
    }

    private func isAlphaNumeric(_ rune: UInt32) -> Bool {
        if rune == UInt32(UInt8(ascii: "_")) { return true }
        if rune < 0x80 {
            let byte = UInt8(rune)
            return (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
        }
        guard rune != Lexer.eof, let scalar = Unicode.Scalar(rune) else { return false }
        let properties = scalar.properties
        return properties.isAlphabetic && scalar.properties.generalCategory.isLetter
            || properties.numericType == .decimal
    }
}

extension Unicode.GeneralCategory {
    var isLetter: Bool {
        switch self {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }
}

/// Go's `%#U` of a rune, as lexer errors print it: `U+0023 '#'`.
func goRuneDescription(_ rune: UInt32) -> String {
    var hex = String(rune, radix: 16, uppercase: true)
    while hex.count < 4 { hex = "0" + hex }
    guard let scalar = Unicode.Scalar(rune), goIsPrint(scalar) else { return "U+\(hex)" }
    return "U+\(hex) '\(Character(scalar))'"
}
