import Foundation
import YAML

/// A problem in a manifest or values file: `cluster-issuers.yaml:3:1: …`. Never quotes a value.
package struct ManifestError: Error, Sendable, CustomStringConvertible, LocalizedError {
    package let description: String
    package init(_ description: String) { self.description = description }
    package var errorDescription: String? { description }
}

/// YAML as Kubernetes reads it (sigs.k8s.io/yaml over go-yaml, YAML 1.1 scalars): documents to JSON
/// objects, and values written back as YAML with every scalar keeping its type.
package enum ManifestYAML {
    /// The objects of a multi-document file (empty documents skipped, `kind: List` expanded), each
    /// with the line and column where it starts.
    package static func objects(inFile path: String) throws -> [(object: [String: Any], line: Int, column: Int)] {
        let name = (path as NSString).lastPathComponent
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ManifestError("\(path): cannot be read (\((error as NSError).localizedFailureReason ?? "no such file or not UTF-8"))")
        }
        return try objects(in: text, file: name)
    }

    /// The objects of `text`, a file's content; `name` names the file in errors.
    package static func objects(in text: String, file name: String) throws -> [(object: [String: Any], line: Int, column: Int)] {
        let documents: [YAMLNode]
        do {
            documents = try YAMLParser.documents(in: text)
        } catch {
            throw ManifestError("\(name):\(error.line):\(error.column): \(error.problem)")
        }
        var objects: [(object: [String: Any], line: Int, column: Int)] = []
        for document in documents {
            let value = try json(document, file: name)
            if value is NSNull { continue }
            guard let object = value as? [String: Any] else {
                throw ManifestError("\(name):\(document.line):\(document.column): expected a Kubernetes object (a mapping)")
            }
            if object["kind"] as? String == "List", let items = object["items"] as? [[String: Any]] {
                objects += items.map { (object: $0, line: document.line, column: document.column) }
                continue
            }
            let metadata = object["metadata"] as? [String: Any]
            guard object["apiVersion"] is String, object["kind"] is String, metadata?["name"] is String else {
                throw ManifestError("\(name):\(document.line):\(document.column): an object needs apiVersion, kind and metadata.name")
            }
            objects.append((object: object, line: document.line, column: document.column))
        }
        return objects
    }

    /// The node as JSONSerialization would read its JSON: maps, arrays, String, Int, Double, Bool, NSNull.
    package static func json(_ node: YAMLNode, file: String) throws -> Any {
        switch node.content {
        case .scalar(let text, let style):
            return scalar(text, style: style, tag: node.tag)
        case .sequence(let items):
            return try items.map { try json($0, file: file) }
        case .mapping(let pairs):
            var object: [String: Any] = [:]
            var merged: [String: Any] = [:]
            for (key, value) in pairs {
                guard let keyText = key.scalar else {
                    throw ManifestError("\(file):\(key.line):\(key.column): a mapping key must be a scalar")
                }
                // `<<: *base` merges the keys the mapping does not set itself.
                if keyText == "<<", key.isUntaggedPlainScalar || key.tag == YAMLTag.merge {
                    let sources = value.sequence ?? [value]
                    for source in sources.reversed() {
                        guard let entries = try json(source, file: file) as? [String: Any] else {
                            throw ManifestError("\(file):\(source.line):\(source.column): a merge key needs a mapping")
                        }
                        merged.merge(entries) { $1 }
                    }
                    continue
                }
                object[keyText] = try json(value, file: file)
            }
            return object.merging(merged) { own, _ in own }
        }
    }

    /// go-yaml v2's resolution of a scalar: quoted and block scalars and `!!str` are strings.
    static func scalar(_ text: String, style: YAMLScalarStyle, tag: String?) -> Any {
        switch tag {
        case YAMLTag.string?, "!"?: return text
        case YAMLTag.null?: return NSNull()
        case (YAMLTag.prefix + "bool")?: return bool(text) ?? text
        case (YAMLTag.prefix + "int")?: return int(text) ?? text
        case (YAMLTag.prefix + "float")?:
            if let value = double(text) ?? int(text).map(Double.init) { return value }
            return text
        case nil: break
        default: return text
        }
        guard style == .plain else { return text }
        if ["", "~", "null", "Null", "NULL"].contains(text) { return NSNull() }
        if let value = bool(text) { return value }
        if let value = int(text) { return value }
        if let value = double(text) { return value }
        return text
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return true
        case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// Decimal, 0x hex, 0b binary, and 0-prefixed octal (`0644` is 420, as go-yaml v2 reads it).
    static func int(_ text: String) -> Int? {
        var digits = text.replacingOccurrences(of: "_", with: "")
        var sign = 1
        if digits.hasPrefix("-") { sign = -1; digits.removeFirst() } else if digits.hasPrefix("+") { digits.removeFirst() }
        guard !digits.isEmpty, digits.first!.isNumber else { return nil }
        let value: Int?
        if digits.hasPrefix("0x") { value = Int(digits.dropFirst(2), radix: 16) }
        else if digits.hasPrefix("0b") { value = Int(digits.dropFirst(2), radix: 2) }
        else if digits.count > 1, digits.hasPrefix("0") { value = Int(digits.dropFirst(), radix: 8) }
        else { value = Int(digits, radix: 10) }
        return value.map { $0 * sign }
    }

    static func double(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let pattern = #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#
        guard text.range(of: pattern, options: .regularExpression) != nil else { return nil }
        return Double(text)
    }

    // MARK: Writing values back

    /// `node` (a mapping) as block YAML. Plain scalars stay plain, so the chart's YAML reader gives
    /// them the type it would have given them in platform.yaml (`true` a boolean, `8080` a number);
    /// quoted and block scalars are written double-quoted, so `"644"` stays a string.
    package static func text(of node: YAMLNode, file: String) throws -> String {
        try lines(node, indent: 0, file: file).map { $0 + "\n" }.joined()
    }

    private static func lines(_ node: YAMLNode, indent: Int, file: String) throws -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch node.content {
        case .scalar:
            return [pad + scalarText(node)]
        case .mapping(let pairs):
            if pairs.isEmpty { return [pad + "{}"] }
            var result: [String] = []
            for (key, value) in pairs {
                guard key.scalar != nil else {
                    throw ManifestError("\(file):\(key.line):\(key.column): a values key must be a scalar")
                }
                result += try entry(pad + scalarText(key) + ":", value, indent: indent, file: file)
            }
            return result
        case .sequence(let items):
            if items.isEmpty { return [pad + "[]"] }
            var result: [String] = []
            for item in items {
                if item.scalar != nil {
                    result.append(pad + "- " + scalarText(item))
                    continue
                }
                // The item's first line shares the dash's line: `- name: x`.
                var nested = try lines(item, indent: indent + 2, file: file)
                nested[0] = pad + "- " + nested[0].dropFirst(indent + 2)
                result += nested
            }
            return result
        }
    }

    private static func entry(_ head: String, _ value: YAMLNode, indent: Int, file: String) throws -> [String] {
        switch value.content {
        case .scalar: return [head + " " + scalarText(value)]
        case .mapping(let pairs) where pairs.isEmpty: return [head + " {}"]
        case .sequence(let items) where items.isEmpty: return [head + " []"]
        case .mapping: return [head] + (try lines(value, indent: indent + 2, file: file))
        case .sequence: return [head] + (try lines(value, indent: indent, file: file))
        }
    }

    private static func scalarText(_ node: YAMLNode) -> String {
        guard case .scalar(let text, let style) = node.content else { return "" }
        switch node.tag {
        case nil:
            if style != .plain { return quoted(text) }
            if text.isEmpty { return "null" }
            return isSafePlain(text) ? text : quoted(text)
        case YAMLTag.string?, "!"?:
            return quoted(text)
        case let tag?:
            return "!<\(tag)> " + quoted(text)
        }
    }

    /// Text that reads back as the same plain scalar in block context.
    private static func isSafePlain(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last, first != " ", last != " ", last != ":" else { return false }
        if text.contains(": ") || text.contains(" #") || text.contains(where: { $0.isNewline || $0 == "\t" }) { return false }
        if "-?:".contains(first) { return text.count > 1 && text.dropFirst().first != " " }
        return !",[]{}#&*!|>'\"%@`".contains(first)
    }

    /// A YAML double-quoted scalar; JSON's string escapes are YAML's too.
    private static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
