/// A node of a YAML document as written: its content, tag and anchor, and where it starts.
///
/// An alias is the node its anchor names, the same object: a walk that follows
/// aliases reaches it once per alias, and a node with an `anchor` met a second time is met
/// through an alias (`ObjectIdentifier` tells). Anchors stay defined from one document of a stream
/// to the next.
///
/// Sendable though `content` is a `var`: only `deinit` writes it after `init`, when no other
/// reference to the node exists.
package final class YAMLNode: @unchecked Sendable {
    package typealias Mapping = [(key: YAMLNode, value: YAMLNode)]

    package enum Content: Sendable {
        case scalar(String, style: YAMLScalarStyle)
        case sequence([YAMLNode])
        /// In document order.
        case mapping(Mapping)
    }

    package private(set) var content: Content
    /// The tag as libyaml resolves it (`!!str` is `tag:yaml.org,2002:str`, `!` stays `!`); nil
    /// when the node has none. An untagged quoted scalar has none either: its style tells.
    package let tag: String?
    package let anchor: String?
    /// Of the node's first character (its anchor or tag when it has one), 1-based.
    package let line: Int
    /// 1-based, in Unicode scalars.
    package let column: Int

    init(_ content: Content, tag: String?, anchor: String?, line: Int, column: Int) {
        self.content = content
        self.tag = tag
        self.anchor = anchor
        self.line = line
        self.column = column
    }

    /// Freeing a node frees the children it is the last owner of, recursively inside Swift's
    /// runtime, a few hundred bytes of stack a level. Nesting is limited, but through aliases a
    /// chain of owners can be far longer (33 anchors of 999 levels, each holding an alias of the
    /// one before, stay within the alias budget and make 33,000), so the children this node is the
    /// last owner of are taken apart here, with a stack on the heap.
    deinit {
        var pending = takeChildren()
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node) { pending += node.takeChildren() }
        }
    }

    private func takeChildren() -> [YAMLNode] {
        switch content {
        case .scalar:
            return []
        case .sequence(let items):
            content = .sequence([])
            return items
        case .mapping(let pairs):
            content = .mapping([])
            return pairs.flatMap { [$0.key, $0.value] }
        }
    }

    /// The text of a scalar; nil for a collection.
    package var scalar: String? {
        guard case .scalar(let text, _) = content else { return nil }
        return text
    }

    /// The style of a scalar; nil for a collection.
    package var scalarStyle: YAMLScalarStyle? {
        guard case .scalar(_, let style) = content else { return nil }
        return style
    }

    package var sequence: [YAMLNode]? {
        guard case .sequence(let items) = content else { return nil }
        return items
    }

    package var mapping: Mapping? {
        guard case .mapping(let pairs) = content else { return nil }
        return pairs
    }

    /// A plain scalar without a tag: the one kind of node whose type a schema guesses from its
    /// text (`1`, `true`, `~`, `<<`).
    package var isUntaggedPlainScalar: Bool {
        guard case .scalar(_, .plain) = content else { return false }
        return tag == nil
    }
}

/// How a scalar is written. Quoted and block scalars are strings whatever their text.
package enum YAMLScalarStyle: Sendable {
    case plain
    case singleQuoted
    case doubleQuoted
    /// `|`
    case literal
    /// `>`
    case folded
}

/// Tags of the YAML 1.1 type repository that the consumers test for.
package enum YAMLTag {
    /// `!!` expands to this prefix.
    package static let prefix = "tag:yaml.org,2002:"
    package static let string = prefix + "str"
    package static let null = prefix + "null"
    package static let binary = prefix + "binary"
    package static let merge = prefix + "merge"
}
