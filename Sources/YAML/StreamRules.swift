/// The rules every event of a stream passes, whether a tree is built or not, so that
/// `YAMLParser.firstError(in:)` and `YAMLParser` refuse the same texts at the same place:
/// - collections nest at most `YAMLParser.maxNestingDepth` levels;
/// - an alias names an anchor defined before it (an anchor is defined once its node ends, so
///   `&a [*a]` is refused);
/// - go-yaml's alias budget (`YAMLAliasBudget`), checked at every alias;
/// - no mapping has the same key twice. Keys are compared as go-yaml compares them: a
///   scalar by its text and tag, untagged ones being strings (`1`, `"1"` and `!!str 1` are one
///   key); an alias as the node it names; a collection by its content, through a hash of it.
struct StreamRules {
    private(set) var aliasBudget = YAMLAliasBudget()
    private var anchors: [String: Anchored] = [:]
    private var open: [OpenCollection] = []

    private struct Anchored {
        /// Nodes it stands for, aliases inside it expanded.
        let size: Int
        let identity: KeyIdentity
    }

    private enum KeyIdentity: Hashable {
        /// The tag is nil for a string.
        case scalar(tag: String?, text: String)
        case collection(hash: Int)
    }

    private struct OpenCollection {
        let isMapping: Bool
        let anchor: String?
        let line: Int
        let column: Int
        var size = 1
        /// In a mapping, whether the next node is a key.
        var expectsKey = true
        /// Of the content so far, while the collection's identity is wanted: it is a key, has an
        /// anchor (an alias of it may become a key), or is inside such a node.
        var identity: Hasher?
        /// The keys of a mapping so far, each with where it first appeared.
        var keys: [KeyIdentity: (line: Int, column: Int)] = [:]
    }

    mutating func scalar(anchor: String?, tag: String?, text: () -> String, line: Int, column: Int) throws(YAMLError) {
        aliasBudget.countNode()
        let identity = wantsIdentity(anchor: anchor) ? KeyIdentity.scalar(tag: Self.stringTagAsNil(tag), text: text()) : nil
        try finish(size: 1, identity: identity, anchor: anchor, line: line, column: column)
    }

    mutating func alias(_ name: String, line: Int, column: Int) throws(YAMLError) {
        guard let anchored = anchors[name] else { throw Self.undefinedAlias(line: line, column: column) }
        aliasBudget.countAlias(of: anchored.size)
        if aliasBudget.isExcessive {
            throw YAMLError(line: line, column: column, problem: YAMLError.excessiveAliasing)
        }
        try finish(size: anchored.size, identity: anchored.identity, anchor: nil, line: line, column: column)
    }

    mutating func startCollection(isMapping: Bool, anchor: String?, tag: String?, line: Int, column: Int) throws(YAMLError) {
        guard open.count < YAMLParser.maxNestingDepth else { throw .nestedTooDeeply(line: line, column: column) }
        aliasBudget.countNode()
        var identity: Hasher?
        if wantsIdentity(anchor: anchor) {
            var hasher = Hasher()
            hasher.combine(isMapping)
            let defaultTag = isMapping ? YAMLTag.prefix + "map" : YAMLTag.prefix + "seq"
            hasher.combine(tag == "!" || tag == defaultTag ? nil : tag)
            identity = hasher
        }
        open.append(OpenCollection(isMapping: isMapping, anchor: anchor, line: line, column: column, identity: identity))
    }

    mutating func endCollection() throws(YAMLError) {
        guard let closed = open.popLast() else { return }
        try finish(size: closed.size, identity: closed.identity.map { .collection(hash: $0.finalize()) },
                   anchor: closed.anchor, line: closed.line, column: closed.column)
    }

    static func undefinedAlias(line: Int, column: Int) -> YAMLError {
        YAMLError(line: line, column: column, problem: "found undefined alias")
    }

    private func wantsIdentity(anchor: String?) -> Bool {
        guard let parent = open.last else { return anchor != nil }
        return anchor != nil || parent.identity != nil || parent.isMapping && parent.expectsKey
    }

    /// A node has ended: it counts in its parent, and as a key it must be new there.
    private mutating func finish(size: Int, identity: KeyIdentity?, anchor: String?, line: Int, column: Int)
        throws(YAMLError) {
        if let anchor, let identity { anchors[anchor] = Anchored(size: size, identity: identity) }
        guard !open.isEmpty else { return }
        let parent = open.count - 1
        open[parent].size += size
        if let identity { open[parent].identity?.combine(identity) }
        guard open[parent].isMapping else { return }
        open[parent].expectsKey.toggle()
        guard !open[parent].expectsKey, let identity else { return }
        if let first = open[parent].keys.updateValue((line, column), forKey: identity) {
            guard case .scalar(_, let text) = identity else {
                throw .duplicate(nil, line: first.line, column: first.column)
            }
            throw .duplicate(text, line: first.line, column: first.column)
        }
    }

    /// Untagged, non-specific (`!`) and `!!str` scalars are all strings.
    private static func stringTagAsNil(_ tag: String?) -> String? {
        tag == "!" || tag == YAMLTag.string ? nil : tag
    }
}
