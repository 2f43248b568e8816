import Template
import Gomplate
/// A unified diff of one file as git prints it (three lines of context, `/dev/null` for a created
/// or deleted side, `\ No newline at end of file`), so that `git apply` takes it from the root of
/// the instances checkout. A line for which `masking` returns a text is printed as that text
/// (after its `+`, `-` or blank), which `git apply` then no longer takes.
func unifiedDiff(path: String, old: [UInt8]?, new: [UInt8]?, context: Int = 3,
                 masking: (ArraySlice<UInt8>) -> String? = { _ in nil }) -> String {
    let oldName = old == nil ? "/dev/null" : "a/" + path
    let newName = new == nil ? "/dev/null" : "b/" + path
    let oldBytes = old ?? []
    let newBytes = new ?? []
    guard let oldLines = textLines(oldBytes), let newLines = textLines(newBytes) else {
        return "Binary files \(oldName) and \(newName) differ\n"
    }
    let operations = editScript(from: oldLines, to: newLines)
    var text = "--- \(oldName)\n+++ \(newName)\n"
    for hunk in hunks(of: operations, context: context) {
        text += hunkHeader(operations, hunk)
        for operation in operations[hunk] {
            switch operation {
            case .keep(let index, _): text += diffLine(" ", oldLines[index], masking)
            case .delete(let index): text += diffLine("-", oldLines[index], masking)
            case .insert(let index): text += diffLine("+", newLines[index], masking)
            }
        }
    }
    return text
}

private enum EditOperation {
    case keep(old: Int, new: Int)
    case delete(old: Int)
    case insert(new: Int)

    var isKeep: Bool {
        if case .keep = self { return true }
        return false
    }
}

/// Lines with their line feed, so that a last line without one differs from the same line with one;
/// nil for text that is not UTF-8 or holds NUL bytes, which git calls binary.
private func textLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>]? {
    if bytes.contains(0) || String(validating: bytes, as: UTF8.self) == nil { return nil }
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    for index in bytes.indices where bytes[index] == 0x0A {
        lines.append(bytes[start...index])
        start = index + 1
    }
    if start < bytes.count { lines.append(bytes[start...]) }
    return lines
}

/// The lines kept, deleted and inserted, deletions before insertions within a change as git has them.
private func editScript(from old: [ArraySlice<UInt8>], to new: [ArraySlice<UInt8>]) -> [EditOperation] {
    var removed: Set<Int> = []
    var inserted: Set<Int> = []
    for change in new.difference(from: old) {
        switch change {
        case .remove(let offset, _, _): removed.insert(offset)
        case .insert(let offset, _, _): inserted.insert(offset)
        }
    }
    var operations: [EditOperation] = []
    var oldIndex = 0
    var newIndex = 0
    while oldIndex < old.count || newIndex < new.count {
        if oldIndex < old.count && removed.contains(oldIndex) {
            operations.append(.delete(old: oldIndex))
            oldIndex += 1
        } else if newIndex < new.count && inserted.contains(newIndex) {
            operations.append(.insert(new: newIndex))
            newIndex += 1
        } else {
            operations.append(.keep(old: oldIndex, new: newIndex))
            oldIndex += 1
            newIndex += 1
        }
    }
    return operations
}

/// Ranges of operations around the changes; changes closer than twice the context share a hunk.
private func hunks(of operations: [EditOperation], context: Int) -> [Range<Int>] {
    let changes = operations.indices.filter { !operations[$0].isKeep }
    var ranges: [Range<Int>] = []
    var index = 0
    while index < changes.count {
        let start = max(0, changes[index] - context)
        var last = changes[index]
        while index + 1 < changes.count && changes[index + 1] - last - 1 <= 2 * context {
            index += 1
            last = changes[index]
        }
        ranges.append(start..<min(operations.count, last + context + 1))
        index += 1
    }
    return ranges
}

/// `@@ -start,count +start,count @@`: a count of 1 is left out, and an empty side names the line
/// before it.
private func hunkHeader(_ operations: [EditOperation], _ hunk: Range<Int>) -> String {
    var oldBefore = 0
    var newBefore = 0
    for operation in operations[..<hunk.lowerBound] {
        switch operation {
        case .keep: oldBefore += 1; newBefore += 1
        case .delete: oldBefore += 1
        case .insert: newBefore += 1
        }
    }
    var oldCount = 0
    var newCount = 0
    for operation in operations[hunk] {
        switch operation {
        case .keep: oldCount += 1; newCount += 1
        case .delete: oldCount += 1
        case .insert: newCount += 1
        }
    }
    func range(_ before: Int, _ count: Int) -> String {
        let start = count == 0 ? before : before + 1
        return count == 1 ? "\(start)" : "\(start),\(count)"
    }
    return "@@ -\(range(oldBefore, oldCount)) +\(range(newBefore, newCount)) @@\n"
}

private func diffLine(_ marker: String, _ line: ArraySlice<UInt8>,
                      _ masking: (ArraySlice<UInt8>) -> String?) -> String {
    if let mask = masking(line) { return marker + mask + "\n" }
    let text = marker + String(decoding: line, as: UTF8.self)
    return line.last == 0x0A ? text : text + "\n\\ No newline at end of file\n"
}
