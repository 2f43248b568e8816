/// go-yaml's defence against alias bombs: how many nodes a stream stands for once every alias is
/// expanded, and whether that is "excessive aliasing" by go-yaml's rule. An alias shares the
/// anchored node instead of copying it, but whoever walks the nodes visits every path, so a few
/// hundred bytes (`a: &a [x,x,x…]`, `b: &b [*a,*a,*a…]`, …) would stand for billions of nodes.
/// `YAMLParser` counts it on the events it reads, and stops at the alias that tips it.
package struct YAMLAliasBudget: Sendable {
    /// Nodes of the stream so far, an alias counting as every node of what it names.
    package private(set) var expandedNodes = 0
    /// The part of `expandedNodes` reached through aliases.
    package private(set) var aliasedNodes = 0

    mutating func countNode() {
        expandedNodes += 1
    }

    /// An alias of a node that stands for `size` nodes.
    mutating func countAlias(of size: Int) {
        expandedNodes += size
        aliasedNodes += size
    }

    var isExcessive: Bool { Self.isExcessive(aliasedNodes: aliasedNodes, of: expandedNodes) }

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
