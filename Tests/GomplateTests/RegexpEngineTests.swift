import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// One regular expression case and what Go's regexp made of it. Fixtures/regexp/cases.jsonl holds the
/// inputs (many from Go's own src/regexp/find_test.go); tools/regexp/regenerate.sh runs them through
/// Go and writes golden.jsonl, which this file reads.
struct RegexpGoldenCase: Decodable, Sendable, CustomTestStringConvertible {
    let pattern: String
    let text: String
    let n: Int?
    let replace: String?
    let error: String?
    /// Go's FindAllStringSubmatchIndex: per match, byte offsets of the match and each group (-1: none).
    let matches: [[Int]]?
    let split: [String]?
    let replaced: String?

    var testDescription: String {
        let shown = pattern.count > 40 ? String(pattern.prefix(40)) + "…" : pattern
        return "\(String(reflecting: shown)) on \(String(reflecting: text.prefix(40)))"
    }

    static let all: [RegexpGoldenCase] = (try? load()) ?? []

    static func load() throws -> [RegexpGoldenCase] {
        try decodeJSONLines(Self.self, fixture: "Fixtures/regexp/golden.jsonl", in: .module)
    }
}

@Suite struct RegexpEngineTests {
    @Test func goldenCasesLoad() {
        #expect(RegexpGoldenCase.all.count > 200)
    }

    @Test(arguments: RegexpGoldenCase.all)
    func behavesAsGo(_ golden: RegexpGoldenCase) throws {
        let regexp: GoRegexp
        do {
            regexp = try GoRegexp.compiled(golden.pattern)
        } catch {
            #expect("\(error)" == golden.error)
            return
        }
        #expect(golden.error == nil)
        let text = golden.text
        let utf8 = text.utf8
        func offset(_ index: String.Index?) -> Int { index.map { utf8.distance(from: utf8.startIndex, to: $0) } ?? -1 }
        let matches = regexp.matches(in: text, limit: golden.n ?? -1, groups: true)
        let found = matches.map { match in match.groups.flatMap { [offset($0?.lowerBound), offset($0?.upperBound)] } }
        // Go's encoder leaves out empty lists.
        let expected = golden.matches ?? []
        #expect(found == expected)
        #expect(matches.map { [offset($0.range.lowerBound), offset($0.range.upperBound)] } == expected.map { Array($0.prefix(2)) })
        if golden.n == nil { #expect(regexp.isMatch(text) == !expected.isEmpty) }
        #expect(regexp.split(text, limit: golden.n ?? -1, patternIsEmpty: golden.pattern.isEmpty) == golden.split ?? [])
        if let template = golden.replace {
            #expect(regexp.replaceAll(in: text, groups: true) { regexp.expand(template, $0, in: $1) } == golden.replaced)
        }
    }

    /// Patterns that make a backtracking engine take exponential time, on inputs where they fail
    /// late. Each must finish in well under a second; the bound is loose so a busy machine does not fail it.
    @Test(arguments: [
        ("(x+x+)+y", String(repeating: "x", count: 10_000)),
        ("(a*)*b", String(repeating: "a", count: 10_000)),
        ("(a|a)*b", String(repeating: "a", count: 10_000)),
        ("(a|aa)+$", String(repeating: "a", count: 10_000) + "!"),
        ("^(\\w+\\s?)*$", String(repeating: "word ", count: 2_000) + "!"),
        ("((a{1,10}){1,10}){1,10}b", String(repeating: "a", count: 5_000)),
        ("(.*a){20}", String(repeating: "a", count: 19) + String(repeating: "b", count: 5_000)),
        ("(?i)(k+k+)+z", String(repeating: "\u{212A}k", count: 5_000)),
    ])
    func pathologicalPatternsRunInLinearTime(_ pattern: String, _ text: String) throws {
        let regexp = try GoRegexp.compiled(pattern)
        let clock = ContinuousClock()
        var matched = true
        var found: [GoRegexp.Match] = [GoRegexp.Match(range: text.startIndex..<text.startIndex, groups: [])]
        let elapsed = clock.measure {
            matched = regexp.isMatch(text)
            found = regexp.matches(in: text, limit: -1, groups: true)
        }
        #expect(!matched)
        #expect(found.isEmpty)
        #expect(elapsed < .seconds(5), "\(pattern) took \(elapsed)")
    }

    @Test func theIssueExampleFinishes() throws {
        let text = String(repeating: "x", count: 43)
        #expect(try printedResult("regexp.Match", [.string("(x+x+)+y"), .string(text)]) == "false")
        #expect(try printedResult("regexp.Match", [.string("(x+x+)+y"), .string(text + "y")]) == "true")
    }

    /// Time grows with the text, not faster: ten times the text takes nowhere near a hundred times as long.
    @Test func matchingTimeGrowsLinearly() throws {
        let regexp = try GoRegexp.compiled("(x+x+)+y")
        let clock = ContinuousClock()
        let short = clock.measure { _ = regexp.isMatch(String(repeating: "x", count: 2_000)) }
        let long = clock.measure { _ = regexp.isMatch(String(repeating: "x", count: 20_000)) }
        #expect(long < short * 40 + .milliseconds(200), "2,000: \(short); 20,000: \(long)")
    }

    @Test func largePrograms() throws {
        // 1000 copies of a four-instruction piece fit; the product of counts is Go's limit, 1000.
        #expect(throws: Never.self) { try GoRegexp.compiled("(?:[a-z]{4}){0,250}") }
        let tooLarge = String(repeating: "(xx?){1000}", count: 60)
        #expect(failureMessage("regexp.Find", [.string(tooLarge), .string("x")])
                == "error parsing regexp: expression too large: `\(tooLarge)`")
        let manyClasses = String(repeating: "\\pL", count: 2_000)
        #expect(failureMessage("regexp.Match", [.string(manyClasses), .string("x")])
                == "error compiling expression: error parsing regexp: expression too large: `\(manyClasses)`")
    }

    @Test func aLongLiteralParsesInLinearTime() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let literal = String(repeating: "x", count: 200_000)
        #expect(failureMessage("regexp.Find", [.string(literal), .string("x")])
                == "error parsing regexp: expression too large: `\(literal)`")
        let half = String(literal.prefix(50_000))
        #expect(try GoRegexp.compiled(half).isMatch(half))
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    @Test func deepNestingFailsWithoutCrashing() {
        let deep = String(repeating: "(", count: 100_000) + String(repeating: ")", count: 100_000)
        #expect(failureMessage("regexp.Find", [.string(deep), .string("x")])
                == "error parsing regexp: expression nests too deeply: `\(deep)`")
    }

    @Test func matchesSplitGraphemesAndKeepByteOffsets() throws {
        let regexp = try GoRegexp.compiled("\\n")
        let text = "é\r\nü"
        let found = regexp.matches(in: text, limit: -1)
        #expect(found.count == 1)
        #expect(found.first.map { text.utf8.distance(from: text.utf8.startIndex, to: $0.range.lowerBound) } == 3)
    }

    /// A normal pattern over a megabyte, as templates meet it in generated manifests.
    @Test func aMegabyteOfText() throws {
        let line = "name: service-42.example.com port: 8080 user: alice@example.com\n"
        let text = String(repeating: line, count: 1_048_576 / line.utf8.count)
        let regexp = try GoRegexp.compiled("[a-z]+@example\\.com")
        let clock = ContinuousClock()
        var count = 0
        let elapsed = clock.measure { count = regexp.matches(in: text, limit: -1).count }
        #expect(count == 1_048_576 / line.utf8.count)
        #expect(elapsed < .seconds(30), "took \(elapsed)")
    }
}
