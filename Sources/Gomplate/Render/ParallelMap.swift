import Foundation

/// `transform` of every index of `0..<count`, run on all cores, the results in index order. Every
/// parallel loop of rendering and hydration goes through here.
package func parallelMap<Element: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> Element) -> [Element] {
    [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
        // Each index is written by exactly one iteration and read only after all have finished,
        // so the slots need no lock; writes go through the base pointer, which is not
        // exclusivity-checked the way a captured array is, and distinct indices never overlap.
        nonisolated(unsafe) let base = buffer.baseAddress
        DispatchQueue.concurrentPerform(iterations: count) { index in
            (base! + index).initialize(to: transform(index))
        }
        initialized = count
    }
}
