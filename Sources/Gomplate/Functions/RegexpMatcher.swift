import Foundation
import Template

/// Runs a `GoRegexpProgram` over UTF-8 text as Go's NFA machine (regexp/exec.go) does: a Pike VM,
/// every thread of the Thompson NFA advanced in lockstep one rune at a time, in priority order, so
/// the result is Go's leftmost-first match with its submatches. Each instruction holds at most one
/// thread per position, so the work is O(program size × text length) whatever the pattern.
///
/// One matcher serves one caller at a time; it keeps its queues between searches of the same text.
final class GoRegexpMatcher {
    private typealias Instruction = GoRegexpProgram.Instruction

    private let program: GoRegexpProgram
    private let code: UnsafeMutablePointer<Instruction>
    /// Per rune class, which ASCII runes it holds (two 64-bit halves), to skip the range search for them.
    private let asciiMasks: UnsafeMutableBufferPointer<(UInt64, UInt64)>
    /// Capture slots a thread carries: none when only "is there a match" is asked.
    private let slotCount: Int
    /// The threads at the current position and at the next one, kept between searches (their slot
    /// memory grows as needed, so a search hands back its copies).
    private var queues: (ThreadQueue, ThreadQueue)
    /// The work list of `add`: instruction numbers to visit, and capture slots to restore (`-slot - 1`).
    private let pending: UnsafeMutablePointer<Int>
    private let pendingValues: UnsafeMutablePointer<Int>
    private let startSlots: UnsafeMutablePointer<Int>
    private let matchSlots: UnsafeMutablePointer<Int>

    init(_ program: GoRegexpProgram, captures: Bool) {
        self.program = program
        slotCount = captures ? program.slotCount : 0
        code = .allocate(capacity: program.instructions.count)
        code.initialize(from: program.instructions, count: program.instructions.count)
        asciiMasks = .allocate(capacity: max(program.classes.count, 1))
        for (index, runes) in program.classes.enumerated() {
            var mask: (UInt64, UInt64) = (0, 0)
            for rune in UInt32(0)..<128 where runes.contains(rune) {
                if rune < 64 { mask.0 |= 1 << rune } else { mask.1 |= 1 << (rune - 64) }
            }
            asciiMasks[index] = mask
        }
        let size = program.instructions.count
        queues = (ThreadQueue(size: size, slotCount: slotCount), ThreadQueue(size: size, slotCount: slotCount))
        pending = .allocate(capacity: size + 1)
        pendingValues = .allocate(capacity: size + 1)
        startSlots = .allocate(capacity: max(slotCount, 1))
        matchSlots = .allocate(capacity: max(slotCount, 1))
    }

    deinit {
        code.deallocate()
        asciiMasks.deallocate()
        pending.deallocate()
        pendingValues.deallocate()
        startSlots.deallocate()
        matchSlots.deallocate()
        queues.0.deallocate()
        queues.1.deallocate()
    }

    /// The leftmost-first match that starts at or after byte offset `start` of `text` (which the
    /// assertions see whole: `\b` and `(?m)^` look at the rune before `start`). Its capture slots as
    /// byte offsets (-1 for a group that did not take part), empty when captures were not asked for;
    /// nil when nothing matches.
    func match(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> [Int]? {
        var matched = false
        for slot in 0..<slotCount {
            matchSlots[slot] = -1
            startSlots[slot] = -1
        }
        var runQueue = queues.0
        var nextQueue = queues.1
        defer { queues = (runQueue, nextQueue) }
        runQueue.clear()
        nextQueue.clear()
        var position = start
        var previous = Self.rune(before: position, in: text)
        var (current, width) = Self.rune(at: position, in: text)
        var (next, nextWidth) = current < 0 ? (-1, 0) : Self.rune(at: position + width, in: text)
        let prefix = program.literalPrefix
        if program.prefixIsWholeMatch {
            // A thread per start position would cost the pattern's length at every position.
            guard let found = Self.find(prefix, in: text, from: start) else { return nil }
            return slotCount == 0 ? [] : [found, found + prefix.count]
        }
        while true {
            if runQueue.count == 0 {
                if program.anchoredAtStart, position != 0 { break }
                if matched { break }
                // No thread left: skip to where a match can start.
                if !prefix.isEmpty {
                    guard let found = Self.find(prefix, in: text, from: position) else { break }
                    if found != position {
                        position = found
                        previous = Self.rune(before: position, in: text)
                        (current, width) = Self.rune(at: position, in: text)
                        (next, nextWidth) = Self.rune(at: position + width, in: text)
                    }
                } else if let startClass = program.startClass {
                    while current >= 0, !classContains(startClass, current) {
                        position += width
                        previous = current
                        (current, width) = (next, nextWidth)
                        if current >= 0 { (next, nextWidth) = Self.rune(at: position + width, in: text) }
                    }
                    if current < 0 { break }
                }
            }
            if !matched {
                if slotCount > 0 { startSlots[0] = position }
                add(&runQueue, program.start, at: position, slots: startSlots, before: previous, after: current)
            }
            step(&runQueue, into: &nextQueue, at: position, rune: current, width: width, nextRune: next, matched: &matched)
            if width == 0 { break }
            if slotCount == 0, matched { break }
            position += width
            previous = current
            (current, width) = (next, nextWidth)
            if current >= 0 { (next, nextWidth) = Self.rune(at: position + width, in: text) }
            swap(&runQueue, &nextQueue)
        }
        return matched ? Array(UnsafeBufferPointer(start: matchSlots, count: slotCount)) : nil
    }

    /// Runs each thread of `queue` over `rune` (at `position`, `width` bytes; -1 at the end of the
    /// text), in priority order, queueing the survivors in `nextQueue`. Empties `queue`.
    private func step(_ queue: inout ThreadQueue, into nextQueue: inout ThreadQueue, at position: Int, rune: Int,
                      width: Int, nextRune: Int, matched: inout Bool) {
        defer { queue.clear() }
        var entry = -1
        while entry + 1 < queue.count {
            entry += 1
            let thread = queue.threads[entry]
            if thread < 0 { continue }
            let instruction = code[queue.instructions[entry]]
            let slots = queue.slots + thread * slotCount
            let advances: Bool
            switch instruction.op {
            case .match:
                if slotCount > 0 {
                    slots[1] = position
                    matchSlots.update(from: slots, count: slotCount)
                }
                matched = true
                // Leftmost-first: the threads after this one have lower priority.
                return
            case .rune:
                advances = rune == instruction.arg
            case .runeClass:
                advances = rune >= 0 && classContains(instruction.arg, rune)
            case .anyRune:
                advances = rune >= 0
            case .anyRuneNotNewline:
                advances = rune >= 0 && rune != 0x0A
            default:
                advances = false
            }
            if advances {
                add(&nextQueue, instruction.out, at: position + width, slots: slots, before: rune, after: nextRune)
            }
        }
    }

    private func classContains(_ index: Int, _ rune: Int) -> Bool {
        if rune < 64 { return asciiMasks[index].0 & (1 << UInt64(rune)) != 0 }
        if rune < 128 { return asciiMasks[index].1 & (1 << UInt64(rune - 64)) != 0 }
        return program.classes[index].contains(UInt32(rune))
    }

    /// Queues the threads reachable from instruction `start` without consuming a rune, in priority
    /// order, each with a copy of `slots` as the captures on its way set them. Between the runes
    /// `before` and `after` (-1 at either end of the text) the zero-width assertions are decided.
    private func add(_ queue: inout ThreadQueue, _ start: Int, at position: Int, slots: UnsafeMutablePointer<Int>,
                     before: Int, after: Int) {
        // The queue's set operations are written out here: this is the innermost loop, and debug builds
        // do not inline.
        let visited = queue.sparse
        let entries = queue.instructions
        var count = queue.count
        defer { queue.count = count }
        var top = 0
        pending[0] = start
        top = 1
        while top > 0 {
            top -= 1
            let entry = pending[top]
            if entry < 0 {
                slots[-entry - 1] = pendingValues[top]
                continue
            }
            var pc = entry
            follow: while pc != 0 {
                let seen = visited[pc]
                if seen < count, entries[seen] == pc { break }
                visited[pc] = count
                entries[count] = pc
                queue.threads[count] = -1
                count += 1
                let instruction = code[pc]
                switch instruction.op {
                case .fail:
                    break follow
                case .alt:
                    pending[top] = instruction.arg
                    top += 1
                    pc = instruction.out
                case .nop:
                    pc = instruction.out
                case .emptyWidth:
                    guard Self.holds(instruction.arg, before: before, after: after) else { break follow }
                    pc = instruction.out
                case .capture:
                    if instruction.arg < slotCount {
                        pending[top] = -instruction.arg - 1
                        pendingValues[top] = slots[instruction.arg]
                        top += 1
                        slots[instruction.arg] = position
                    }
                    pc = instruction.out
                case .match, .rune, .runeClass, .anyRune, .anyRuneNotNewline:
                    queue.addThread(at: count - 1, copying: slots)
                    break follow
                }
            }
        }
    }

    /// Go's lazyFlag.match: whether the zero-width assertions `bits` hold between two runes.
    private static func holds(_ bits: Int, before: Int, after: Int) -> Bool {
        let assertions = GoRegexpProgram.EmptyWidth(rawValue: bits)
        if assertions.contains(.beginLine), before != 0x0A, before >= 0 { return false }
        if assertions.contains(.beginText), before >= 0 { return false }
        if assertions.contains(.endLine), after != 0x0A, after >= 0 { return false }
        if assertions.contains(.endText), after >= 0 { return false }
        let boundary = isWordRune(before) != isWordRune(after)
        if assertions.contains(.wordBoundary), !boundary { return false }
        if assertions.contains(.noWordBoundary), boundary { return false }
        return true
    }

    /// `[0-9A-Za-z_]`, Go's ASCII word runes for `\b`.
    private static func isWordRune(_ rune: Int) -> Bool {
        (0x30...0x39).contains(rune) || (0x41...0x5A).contains(rune) || (0x61...0x7A).contains(rune) || rune == 0x5F
    }

    // MARK: UTF-8

    /// The rune at byte offset `index` and its length in bytes; (-1, 0) at the end. Swift strings
    /// are valid UTF-8, so no error case.
    static func rune(at index: Int, in text: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        guard index < text.count else { return (-1, 0) }
        let lead = Int(text[index])
        if lead < 0x80 { return (lead, 1) }
        func continuation(_ offset: Int) -> Int { Int(text[index + offset]) & 0x3F }
        if lead < 0xE0 { return ((lead & 0x1F) << 6 | continuation(1), 2) }
        if lead < 0xF0 { return ((lead & 0x0F) << 12 | continuation(1) << 6 | continuation(2), 3) }
        return ((lead & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6 | continuation(3), 4)
    }

    private static func rune(before index: Int, in text: UnsafeBufferPointer<UInt8>) -> Int {
        guard index > 0 else { return -1 }
        var start = index - 1
        while start > 0, text[start] & 0xC0 == 0x80 { start -= 1 }
        return rune(at: start, in: text).0
    }

    private static func find(_ prefix: [UInt8], in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = text.baseAddress, start + prefix.count <= text.count else { return nil }
        var index = start
        let last = text.count - prefix.count
        while index <= last {
            guard let hit = memchr(base + index, Int32(prefix[0]), last - index + 1) else { return nil }
            index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if prefix.withUnsafeBufferPointer({ memcmp(base + index, $0.baseAddress!, prefix.count) }) == 0 { return index }
            index += 1
        }
        return nil
    }
}

/// The threads waiting at one position: a sparse set of instruction numbers in insertion (priority)
/// order (https://research.swtch.com/sparse), each with the capture slots of its thread when the
/// instruction consumes a rune or matches. A value over memory its matcher owns and frees.
private struct ThreadQueue {
    let instructions: UnsafeMutablePointer<Int>
    /// For each entry, its thread's number in `slots`, or -1 for an instruction only passed through.
    let threads: UnsafeMutablePointer<Int>
    /// Where each instruction's entry is, when it has one (the entry must point back).
    let sparse: UnsafeMutablePointer<Int>
    /// One thread's slots after another; grown by `addThread` (a copy of the queue sees the growth
    /// only when handed back, which the matcher does by keeping the queue in one place while running).
    private(set) var slots: UnsafeMutablePointer<Int>
    private var slotCapacity: Int
    private let slotCount: Int
    var count = 0
    private var threadCount = 0

    init(size: Int, slotCount: Int) {
        instructions = .allocate(capacity: size)
        threads = .allocate(capacity: size)
        sparse = .allocate(capacity: size)
        sparse.initialize(repeating: 0, count: size)
        self.slotCount = slotCount
        slotCapacity = slotCount * 8
        slots = .allocate(capacity: max(slotCapacity, 1))
    }

    func deallocate() {
        instructions.deallocate()
        threads.deallocate()
        sparse.deallocate()
        slots.deallocate()
    }

    mutating func addThread(at index: Int, copying source: UnsafeMutablePointer<Int>) {
        threads[index] = threadCount
        if slotCount > 0 {
            if (threadCount + 1) * slotCount > slotCapacity {
                slotCapacity *= 2
                let grown = UnsafeMutablePointer<Int>.allocate(capacity: slotCapacity)
                grown.initialize(from: slots, count: threadCount * slotCount)
                slots.deallocate()
                slots = grown
            }
            (slots + threadCount * slotCount).update(from: source, count: slotCount)
        }
        threadCount += 1
    }

    mutating func clear() {
        count = 0
        threadCount = 0
    }
}
