import Foundation
import Template

// gomplate's `toJSON` encodes with ugorji's codec (JsonHandle, Canonical): map keys sorted
// byte-wise, `<`, `>` and `&` escaped as \u003c…, invalid UTF-8 as \ufffd, U+2028/U+2029 escaped,
// whole floats written with ".0", NaN and infinities as null, []byte as base64.
// `toJSONPretty` re-indents that output with Go's json.Indent.

/// gomplate's `data.ToJSON`.
public func encodeJSON(_ value: Value) throws -> String {
    try ValueWalk.run { walk in
        var out: [UInt8] = []
        out.reserveCapacity(128)
        try appendJSON(value, to: &out, indent: nil, depth: 0, walk: &walk)
        try walk.checkProduced(out.count)
        return String(decoding: out, as: UTF8.self)
    }
}

/// gomplate's `data.ToJSONPretty`: one `indent` per level, `": "` after keys, empty containers
/// kept as `{}` and `[]`.
public func encodeJSONPretty(_ value: Value, indent: String) throws -> String {
    try ValueWalk.run { walk in
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try appendJSON(value, to: &out, indent: Array(indent.utf8), depth: 0, walk: &walk)
        try walk.checkProduced(out.count)
        return String(decoding: out, as: UTF8.self)
    }
}

private func appendNewline(_ out: inout [UInt8], indent: [UInt8], depth: Int) {
    out.append(UInt8(ascii: "\n"))
    for _ in 0..<depth { out.append(contentsOf: indent) }
}

private func appendJSON(_ value: Value, to out: inout [UInt8], indent: [UInt8]?, depth: Int,
                        walk: inout ValueWalk) throws {
    try walk.visit(producing: out.count)
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .int(let i): out.append(contentsOf: String(i).utf8)
    case .float(let f): appendJSONFloat(f, to: &out)
    case .string(let s): appendJSONString(s, to: &out)
    case .bytes(let bytes): appendJSONString(Data(bytes).base64EncodedString(), to: &out)
    case .object(let o): appendJSONString(o.goDescription, to: &out)
    case .list(let items):
        out.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if let indent { appendNewline(&out, indent: indent, depth: depth + 1) }
            try StackGuard.continuing { try appendJSON(item, to: &out, indent: indent, depth: depth + 1, walk: &walk) }
        }
        if let indent, !items.isEmpty { appendNewline(&out, indent: indent, depth: depth) }
        out.append(UInt8(ascii: "]"))
    case .map(let map):
        out.append(UInt8(ascii: "{"))
        for (index, key) in map.sortedKeys.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if let indent { appendNewline(&out, indent: indent, depth: depth + 1) }
            appendJSONString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            if indent != nil { out.append(UInt8(ascii: " ")) }
            try StackGuard.continuing {
                try appendJSON(map.entries[key] ?? .null, to: &out, indent: indent, depth: depth + 1, walk: &walk)
            }
        }
        if let indent, !map.entries.isEmpty { appendNewline(&out, indent: indent, depth: depth) }
        out.append(UInt8(ascii: "}"))
    }
}

/// ugorji's float format: 'f' shortest, ".0" on whole numbers, 'e' below 1e-6 or from 1e21.
private func appendJSONFloat(_ f: Double, to out: inout [UInt8]) {
    if f.isNaN || f.isInfinite {
        out.append(contentsOf: "null".utf8)
        return
    }
    let magnitude = f.magnitude
    let text: String
    if magnitude == 0 || magnitude == 1 {
        text = goFormatFloat(f, format: "f", precision: 1)
    } else if magnitude < 1e-6 || magnitude >= 1e21 {
        text = goFormatFloat(f, format: "e", precision: -1)
    } else if f == f.rounded(.towardZero) {
        text = goFormatFloat(f, format: "f", precision: 1)
    } else {
        text = goFormatFloat(f, format: "f", precision: -1)
    }
    out.append(contentsOf: text.utf8)
}

private let jsonHexDigits = Array("0123456789abcdef".utf8)

/// `s` as a JSON string, escaped as Go's encoding/json and ugorji's codec escape it (`<`, `>` and
/// `&` too). The one JSON string escaper: directory data sources and hydrate's credential scan call it.
package func appendJSONString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    let utf8 = Array(s.utf8)
    var i = 0
    while i < utf8.count {
        let c = utf8[i]
        if c < 0x80 {
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(c)
            case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                out.append(contentsOf: "\\u00".utf8)
                out.append(jsonHexDigits[Int(c >> 4)])
                out.append(jsonHexDigits[Int(c & 0xF)])
            default:
                if c < 0x20 {
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(jsonHexDigits[Int(c >> 4)])
                    out.append(jsonHexDigits[Int(c & 0xF)])
                } else {
                    out.append(c)
                }
            }
            i += 1
            continue
        }
        let (scalar, width) = decodeUTF8(utf8, i)
        guard let scalar else {
            out.append(contentsOf: "\\ufffd".utf8)
            i += 1
            continue
        }
        if scalar.value == 0x2028 || scalar.value == 0x2029 {
            out.append(contentsOf: "\\u202".utf8)
            out.append(jsonHexDigits[Int(scalar.value & 0xF)])
        } else {
            out.append(contentsOf: utf8[i..<(i + width)])
        }
        i += width
    }
    out.append(UInt8(ascii: "\""))
}
