internal import CYAML

/// libyaml's parser over one text, event by event: the one owner of the `yaml_parser_t`, the
/// event it last produced and the copy of the text it reads. The parser and the event live on the
/// heap because libyaml keeps a pointer to the parser inside it.
final class EventReader {
    enum Kind {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias, scalar, sequenceStart, sequenceEnd, mappingStart, mappingEnd
    }

    private let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    private let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCount: Int
    private var holdsEvent = false
    /// Once libyaml fails it produces empty events; the error is given again instead.
    private var failure: YAMLError?

    init(_ text: String) {
        var text = text
        let count = text.utf8.count
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
        text.withUTF8 { utf8 in
            if let base = utf8.baseAddress { storage.initialize(from: base, count: utf8.count) }
        }
        input = storage
        inputCount = count
        parser.initialize(to: yaml_parser_t())
        event.initialize(to: yaml_event_t())
        guard yaml_parser_initialize(parser) == 1 else {
            failure = YAMLError(line: 1, column: 1, problem: "libyaml could not allocate its parser")
            return
        }
        // libyaml tells the encoding by the byte-order mark, which it then skips; in a Swift
        // string only UTF-8's can occur. (Telling it UTF-8 would count the mark as a column.)
        yaml_parser_set_input_string(parser, input, inputCount)
    }

    deinit {
        if holdsEvent { yaml_event_delete(event) }
        // yaml_parser_delete frees what yaml_parser_initialize allocated; it is safe after a
        // failed initialization too, which leaves the struct zeroed.
        yaml_parser_delete(parser)
        event.deallocate()
        parser.deallocate()
        input.deallocate()
    }

    /// Reads the next event; the accessors below describe it until the next call.
    func next() throws(YAMLError) -> Kind {
        if let failure { throw failure }
        if holdsEvent {
            yaml_event_delete(event)
            holdsEvent = false
        }
        guard yaml_parser_parse(parser, event) == 1 else {
            let error = parserError()
            failure = error
            throw error
        }
        holdsEvent = true
        switch event.pointee.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_STREAM_END_EVENT: return .streamEnd
        case YAML_DOCUMENT_START_EVENT: return .documentStart
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_ALIAS_EVENT: return .alias
        case YAML_SCALAR_EVENT: return .scalar
        case YAML_SEQUENCE_START_EVENT: return .sequenceStart
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT: return .mappingStart
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default:
            // libyaml produces no other event while it reports no error.
            let error = YAMLError(line: line, column: column, problem: "libyaml produced an unknown event")
            failure = error
            throw error
        }
    }

    /// Of the event's start, 1-based.
    var line: Int { Int(event.pointee.start_mark.line) + 1 }
    var column: Int { Int(event.pointee.start_mark.column) + 1 }

    /// The anchor of a scalar or a collection, or the name an alias refers to.
    var anchor: String? {
        let data = event.pointee.data
        switch event.pointee.type {
        case YAML_ALIAS_EVENT: return text(data.alias.anchor)
        case YAML_SCALAR_EVENT: return text(data.scalar.anchor)
        case YAML_SEQUENCE_START_EVENT: return text(data.sequence_start.anchor)
        case YAML_MAPPING_START_EVENT: return text(data.mapping_start.anchor)
        default: return nil
        }
    }

    var tag: String? {
        let data = event.pointee.data
        switch event.pointee.type {
        case YAML_SCALAR_EVENT: return text(data.scalar.tag)
        case YAML_SEQUENCE_START_EVENT: return text(data.sequence_start.tag)
        case YAML_MAPPING_START_EVENT: return text(data.mapping_start.tag)
        default: return nil
        }
    }

    /// A scalar's value, which may hold NUL characters.
    var scalarText: String {
        let scalar = event.pointee.data.scalar
        guard let value = scalar.value else { return "" }
        return String(decoding: UnsafeBufferPointer(start: value, count: scalar.length), as: UTF8.self)
    }

    var scalarStyle: YAMLScalarStyle {
        switch event.pointee.data.scalar.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    private func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(decodingCString: $0, as: UTF8.self) }
    }

    /// libyaml's problem at its position; a reader error (a control character, say) has a byte
    /// offset instead, turned into a line and column here.
    private func parserError() -> YAMLError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) }
        switch state.error {
        case YAML_READER_ERROR:
            let (line, column) = position(ofByte: state.problem_offset)
            return YAMLError(line: line, column: column, problem: problem ?? "the text could not be read")
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            return YAMLError(line: Int(state.problem_mark.line) + 1, column: Int(state.problem_mark.column) + 1,
                             problem: problem ?? "the text could not be parsed")
        case YAML_MEMORY_ERROR:
            return YAMLError(line: 1, column: 1, problem: "libyaml ran out of memory")
        default:
            return YAMLError(line: 1, column: 1, problem: problem ?? "the text could not be parsed")
        }
    }

    /// 1-based line and column (in Unicode scalars) of a byte offset of the input, a byte-order
    /// mark not counted.
    private func position(ofByte offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        let bytes = UnsafeBufferPointer(start: input, count: min(offset, inputCount))
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        for byte in bytes[start...] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
