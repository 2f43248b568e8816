import Testing
@testable import Template

@Test func mapKeysSortByteWise() {
    let map = MapValue(["b": .int(1), "B": .int(2), "é": .int(3), "a": .int(4)])
    #expect(map.sortedKeys == ["B", "a", "b", "é"])
}
