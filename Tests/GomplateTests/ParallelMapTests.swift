import Foundation
import Testing
@testable import Gomplate

@Suite("Parallel map")
struct ParallelMapTests {
    @Test func everyIndexOnceAndTheResultsInOrder() {
        let calls = ResultBox()
        let results = parallelMap(5_000) { index -> String in
            calls.append(String(index))
            return "file-\(index)"
        }
        #expect(results == (0..<5_000).map { "file-\($0)" })
        #expect(calls.values.sorted() == (0..<5_000).map(String.init).sorted())
    }

    @Test func nothingToDoGivesNothing() {
        #expect(parallelMap(0) { index in index }.isEmpty)
    }
}
