/// Reads a YAML stream with libyaml, one document at a time, into `YAMLNode`s that keep their
/// position. The events pass `StreamRules` (nesting, aliases, duplicate keys) as they are read, so
/// an alias bomb is stopped at the alias that tips it, before anything is built for it. Nodes are
/// built with a stack of open collections, never by recursion, so no input can exhaust the
/// thread's stack.
///
/// Documents are read lazily: whoever needs only the first one does not pay for, or fail on, the
/// rest. After an error, every call throws it again.
package final class YAMLParser {
    /// The deepest nesting of collections a document may have: libyaml's own limit in its later
    /// releases (not in Debian's 0.2.5), enforced here on the events, so whatever walks a tree
    /// recursively has a known bound.
    package static let maxNestingDepth = 1_000

    private let reader: EventReader
    private var rules = StreamRules()
    private var anchors: [String: YAMLNode] = [:]
    private var open: [OpenCollection] = []
    private var failure: YAMLError?
    private var streamEnded = false

    private struct OpenCollection {
        let isMapping: Bool
        let tag: String?
        let anchor: String?
        let line: Int
        let column: Int
        var items: [YAMLNode] = []
        var pairs: YAMLNode.Mapping = []
        var pendingKey: YAMLNode?

        mutating func append(_ node: YAMLNode) {
            guard isMapping else { return items.append(node) }
            if let key = pendingKey {
                pairs.append((key, node))
                pendingKey = nil
            } else {
                pendingKey = node
            }
        }

        var node: YAMLNode {
            YAMLNode(isMapping ? .mapping(pairs) : .sequence(items), tag: tag, anchor: anchor, line: line, column: column)
        }
    }

    package init(_ text: String) {
        reader = EventReader(text)
    }

    /// Every document of `text`.
    package static func documents(in text: String) throws(YAMLError) -> [YAMLNode] {
        try YAMLParser(text).remainingDocuments()
    }

    /// The first problem of `text`, by the same rules as the parser, from libyaml's events alone:
    /// no node is built, and only keys and anchored nodes are looked at closely.
    package static func firstError(in text: String) -> YAMLError? {
        let reader = EventReader(text)
        var rules = StreamRules()
        do throws(YAMLError) {
            while true {
                let kind = try reader.next()
                switch kind {
                case .streamEnd:
                    return nil
                case .streamStart, .documentStart, .documentEnd:
                    continue
                case .scalar:
                    try rules.scalar(anchor: reader.anchor, tag: reader.tag, text: { reader.scalarText },
                                     line: reader.line, column: reader.column)
                case .alias:
                    try rules.alias(reader.anchor ?? "", line: reader.line, column: reader.column)
                case .sequenceStart, .mappingStart:
                    try rules.startCollection(isMapping: kind == .mappingStart, anchor: reader.anchor, tag: reader.tag,
                                              line: reader.line, column: reader.column)
                case .sequenceEnd, .mappingEnd:
                    try rules.endCollection()
                }
            }
        } catch {
            return error
        }
    }

    /// The aliasing counted so far: over every document read, in full.
    package var aliasBudget: YAMLAliasBudget { rules.aliasBudget }

    /// The root of the next document; nil at the end of the stream.
    package func nextDocument() throws(YAMLError) -> YAMLNode? {
        if let failure { throw failure }
        do throws(YAMLError) {
            return try readDocument()
        } catch {
            failure = error
            throw error
        }
    }

    /// The documents not read yet.
    package func remainingDocuments() throws(YAMLError) -> [YAMLNode] {
        var documents: [YAMLNode] = []
        while let document = try nextDocument() { documents.append(document) }
        return documents
    }

    private func readDocument() throws(YAMLError) -> YAMLNode? {
        var root: YAMLNode?
        while !streamEnded {
            let kind = try reader.next()
            let node: YAMLNode
            switch kind {
            case .streamStart, .documentStart:
                continue
            case .streamEnd:
                streamEnded = true
                return nil
            case .documentEnd:
                return root
            case .scalar:
                let text = reader.scalarText
                let anchor = reader.anchor
                let tag = reader.tag
                try rules.scalar(anchor: anchor, tag: tag, text: { text }, line: reader.line, column: reader.column)
                node = YAMLNode(.scalar(text, style: reader.scalarStyle), tag: tag, anchor: anchor,
                                line: reader.line, column: reader.column)
                if let anchor { anchors[anchor] = node }
            case .alias:
                let name = reader.anchor ?? ""
                guard let anchored = anchors[name] else {
                    throw StreamRules.undefinedAlias(line: reader.line, column: reader.column)
                }
                try rules.alias(name, line: reader.line, column: reader.column)
                node = anchored
            case .sequenceStart, .mappingStart:
                let collection = OpenCollection(isMapping: kind == .mappingStart, tag: reader.tag, anchor: reader.anchor,
                                                line: reader.line, column: reader.column)
                try rules.startCollection(isMapping: collection.isMapping, anchor: collection.anchor, tag: collection.tag,
                                          line: collection.line, column: collection.column)
                open.append(collection)
                continue
            case .sequenceEnd, .mappingEnd:
                try rules.endCollection()
                guard let closed = open.popLast() else { continue }
                node = closed.node
                if let anchor = closed.anchor { anchors[anchor] = node }
            }
            if open.isEmpty {
                root = node
            } else {
                open[open.count - 1].append(node)
            }
        }
        return nil
    }
}
