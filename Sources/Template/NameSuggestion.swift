/// The known name a mistyped one most likely meant, for "did you mean" hints: within one edit for
/// a word of up to five characters and two for a longer one (a third of its length at most, so
/// `nope` never suggests `not`, nor `eq` `ne`), or the same name in another case (`strings.toupper`). The closest wins; among equals, the first in byte order, so the hint is
/// the same on every run.
package func closestName(to word: String, among names: some Sequence<String>) -> String? {
    let wordCharacters = Array(word)
    let lowered = word.lowercased()
    var best: (name: String, distance: Int)?
    for name in names where name != word && abs(name.count - wordCharacters.count) <= 2 {
        // A case-only difference counts as one edit, however many letters differ in case.
        let distance = name.lowercased() == lowered ? 1 : editDistance(wordCharacters, Array(name))
        guard name.lowercased() == lowered || distance <= min(2, word.count / 3) else { continue }
        if let current = best, current.distance < distance || (current.distance == distance && !(name < current.name)) {
            continue
        }
        best = (name, distance)
    }
    return best?.name
}

/// Levenshtein distance: insertions, deletions and substitutions of characters.
package func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1]
        for (j, y) in b.enumerated() {
            current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}
