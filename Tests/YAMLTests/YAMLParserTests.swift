import Testing
import YAML

@Suite struct YAMLParserTests {
    @Test func nodesKeepTheirPosition() throws {
        let document = try #require(try YAMLParser.documents(in: "a: 1\nb:\n  - x\n").first)
        let pairs = try #require(document.mapping)
        #expect(pairs.map { "\($0.key.line):\($0.key.column)" } == ["1:1", "2:1"])
        let item = try #require(pairs[1].value.sequence?.first)
        #expect((item.line, item.column, item.scalar) == (3, 5, "x"))
    }
}
