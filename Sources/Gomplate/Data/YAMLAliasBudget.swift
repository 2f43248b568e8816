import Template
internal import CYaml

/// go-yaml's defence against alias bombs, counted on libyaml's events before anything is built:
/// how many nodes a stream stands for once every alias is expanded, and whether that is
/// "excessive aliasing" by go-yaml's rule. Yams shares an aliased subtree instead of copying it,
/// but hashes mapping keys in full and whoever walks the nodes visits every path, so a few
/// hundred bytes (`a: &a [x,x,x…]`, `b: &b [*a,*a,*a…]`, …) would stand for billions of nodes.
package struct YAMLAliasBudget {
    package init() {}

    /// Nodes of the stream, an alias counting as every node of what it names.
    package private(set) var expandedNodes = 0
    /// The part of `expandedNodes` reached through aliases.
    package private(set) var aliasedNodes = 0

    /// Where the stream first exceeds the budget, 1-based; nil when it does not. A stream that
    /// libyaml can't parse is left to the parser that follows to report.
    package static func excessiveAliasing(in text: String) -> (line: Int, column: Int)? {
        var budget = YAMLAliasBudget()
        return budget.count(text)
    }

    /// Counts `text`, returning where it stopped for excessive aliasing.
    package mutating func count(_ text: String) -> (line: Int, column: Int)? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // Anchors stay defined across the documents of a stream, as they do in Yams.
            var anchorSizes: [String: Int] = [:]
            var open: [(anchor: String?, size: Int)] = []
            func finish(_ size: Int, anchor: String?) {
                if let anchor { anchorSizes[anchor] = size }
                if !open.isEmpty { open[open.count - 1].size += size }
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    expandedNodes += 1
                    finish(1, anchor: anchorName(event.data.scalar.anchor))
                case YAML_SEQUENCE_START_EVENT:
                    expandedNodes += 1
                    open.append((anchorName(event.data.sequence_start.anchor), 1))
                case YAML_MAPPING_START_EVENT:
                    expandedNodes += 1
                    open.append((anchorName(event.data.mapping_start.anchor), 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    if let node = open.popLast() { finish(node.size, anchor: node.anchor) }
                case YAML_ALIAS_EVENT:
                    let size = anchorName(event.data.alias.anchor).flatMap { anchorSizes[$0] } ?? 1
                    expandedNodes += size
                    aliasedNodes += size
                    finish(size, anchor: nil)
                    if isExcessive {
                        return (Int(event.start_mark.line) + 1, Int(event.start_mark.column) + 1)
                    }
                default:
                    continue
                }
            }
        }
    }

    package var isExcessive: Bool { Self.isExcessive(aliasedNodes: aliasedNodes, of: expandedNodes) }

    /// go-yaml v3's rule (decode.go): past 100 aliased nodes and 1,000 nodes in all, at most 99%
    /// of the nodes may come from aliases up to 400,000 nodes, falling to 10% at 4,000,000.
    package static func isExcessive(aliasedNodes: Int, of nodes: Int) -> Bool {
        guard aliasedNodes > 100 && nodes > 1000 else { return false }
        let allowed: Double
        switch nodes {
        case ...400_000: allowed = 0.99
        case 4_000_000...: allowed = 0.10
        default: allowed = 0.99 - 0.89 * Double(nodes - 400_000) / 3_600_000
        }
        return Double(aliasedNodes) / Double(nodes) > allowed
    }
}

private func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
}
