/// How deep a value's lists and maps nest. Decoders stop at `maxDepth`; templates can nest deeper
/// one call at a time (`$x = coll.Slice $x` in a loop) without any recursion, but freeing such a
/// value recurses once per level inside Swift's runtime, where no guard can stop it: 100,000
/// levels take about 17 MB of stack. So a function's result may nest at most as deep as decoded
/// data, and every walk of a value is bounded by `maxDepth` levels.
enum ValueNesting {
    static let maxDepth = WorkLimits.maxNestingDepth

    /// How many lists and maps the quick walk looks at before it takes sharing into account.
    static let quickWalkBudget = 10_000

    /// Refuses `value` when its lists and maps nest deeper than `maxDepth`. A plain walk that stops
    /// below `maxDepth` measures a value that is a tree; one that shares lists or maps (`coll.Slice
    /// $x $x` doubles the paths, not the lists) or is very large is measured storage by storage.
    static func check(_ value: Value) throws {
        guard value.storageIdentity != nil else { return }
        var budget = quickWalkBudget
        if let height = quickHeight(of: value, depth: 1, budget: &budget) {
            if height > maxDepth { throw tooDeep }
            return
        }
        try checkEachStorageOnce(value)
    }

    /// The levels of lists and maps from `value` down, for a value `depth` levels down; nil when
    /// more than `budget` lists and maps would have to be looked at. Stops below `maxDepth`.
    private static func quickHeight(of value: Value, depth: Int, budget: inout Int) -> Int? {
        if depth > maxDepth { return 1 }
        budget -= 1
        if budget < 0 { return nil }
        var height = 0
        func measure(_ element: Value) -> Bool {
            switch element {
            case .list, .map:
                guard let child = StackGuard.continuing({ quickHeight(of: element, depth: depth + 1, budget: &budget) })
                else { return false }
                height = max(height, child)
            default:
                break
            }
            return true
        }
        switch value {
        case .list(let items):
            for item in items where !measure(item) { return nil }
        case .map(let map):
            for item in map.entries.values where !measure(item) { return nil }
        default:
            return 0
        }
        return height + 1
    }

    /// `check` linear in the value's distinct lists and maps, without recursion: each storage is
    /// measured once, however many paths lead to it.
    private static func checkEachStorageOnce(_ value: Value) throws {
        guard let root = value.storageIdentity else { return }
        // Heights of the lists and maps measured so far, by storage; the markers left on `pending`
        // (`measured: true`) are the path from the root to the list or map being opened.
        var heights: [UInt: Int] = [:]
        var pending: [(value: Value, identity: UInt, measured: Bool)] = [(value, root, false)]
        var pathLength = 0
        while let (current, identity, measured) = pending.popLast() {
            if measured {
                pathLength -= 1
                var height = 0
                current.forEachElement { height = max(height, $0.height(in: heights)) }
                heights[identity] = height + 1
                continue
            }
            if heights[identity] != nil { continue }
            pathLength += 1
            if pathLength > maxDepth { throw tooDeep }
            pending.append((current, identity, true))
            current.forEachElement { element in
                if let child = element.storageIdentity, heights[child] == nil { pending.append((element, child, false)) }
            }
        }
        if heights[root, default: 0] > maxDepth { throw tooDeep }
    }

    private static var tooDeep: FunctionError { FunctionError("the result nests deeper than \(maxDepth) levels") }
}

private extension Value {
    /// What tells a non-empty list or map from every other while the value is alive; nil for
    /// scalars and empty containers, which end a path.
    var storageIdentity: UInt? {
        switch self {
        case .list(let items): return items.storageIdentity
        case .map(let map): return map.entries.isEmpty ? nil : map.entries.storageIdentity
        default: return nil
        }
    }

    /// Levels of lists and maps in the value: 0 for a scalar, 1 for an empty container.
    func height(in measured: [UInt: Int]) -> Int {
        switch self {
        case .list, .map: return storageIdentity.flatMap { measured[$0] } ?? 1
        default: return 0
        }
    }

    func forEachElement(_ body: (Value) -> Void) {
        switch self {
        case .list(let items): items.forEach(body)
        case .map(let map): map.entries.values.forEach(body)
        default: break
        }
    }
}

private extension Array {
    /// The address of the elements, which identifies the storage while the array is alive.
    var storageIdentity: UInt? { withUnsafeBufferPointer { $0.baseAddress.map { UInt(bitPattern: $0) } } }
}

private extension Dictionary {
    /// A native dictionary is one reference to its storage; its bits identify the storage while the
    /// dictionary is alive.
    var storageIdentity: UInt { withUnsafeBytes(of: self) { $0.load(as: UInt.self) } }
}
