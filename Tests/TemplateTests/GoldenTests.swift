import Foundation
import Testing
@testable import Template
import TestSupport

/// One case of the golden corpus: a template, its data, and what Go's text/template made of it.
/// Tests/TemplateTests/Fixtures/golden/cases.jsonl holds the inputs; tools/golden/regenerate.sh runs
/// them through Go and writes golden.jsonl, which this file reads.
struct GoldenCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Define: Decodable, Sendable {
        let name: String
        let text: String
    }

    let name: String
    let template: String
    /// The data as flow YAML (JSON with spaces after colons and commas, numbers as written).
    let dataText: String?
    let left: String?
    let right: String?
    let missingkey: String?
    let defines: [Define]?
    let output: String?
    let error: String?
    /// "parse" or "exec": where Go reported the error.
    let phase: String?

    var testDescription: String { name }

    var expected: GoldenOutcome {
        if let error { return .failed(phase: phase ?? "?", message: error) }
        return .rendered(output ?? "")
    }
}

/// What rendering a case gave: text, or an error and the step that raised it.
enum GoldenOutcome: Equatable, CustomStringConvertible {
    case rendered(String)
    case failed(phase: String, message: String)

    var description: String {
        switch self {
        case .rendered(let text): return "output \(String(reflecting: text))"
        case .failed(let phase, let message): return "\(phase) error \(String(reflecting: message))"
        }
    }
}

enum GoldenCorpus {
    static func load() throws -> [GoldenCase] {
        try decodeJSONLines(GoldenCase.self, fixture: "Fixtures/golden/golden.jsonl", in: .module)
    }

    /// Loaded once for the parameterized test; a load failure leaves it empty, which
    /// `corpusLoads` reports.
    static let cases: [GoldenCase] = (try? load()) ?? []
}

/// Renders a case with Go's builtins only, as the Go program that recorded it did.
func renderGolden(_ golden: GoldenCase, data: Value) -> GoldenOutcome {
    let missingKey = golden.missingkey.flatMap(MissingKeyMode.init(rawValue:)) ?? .error
    let options = TemplateOptions(leftDelimiter: golden.left ?? "<<<", rightDelimiter: golden.right ?? ">>>",
                                  missingKey: missingKey)
    let template: Template
    do {
        template = try Template(name: golden.name, text: golden.template, options: options, functions: FunctionTable())
        for define in golden.defines ?? [] {
            try template.addTemplate(name: define.name, text: define.text)
        }
    } catch {
        return .failed(phase: "parse", message: String(describing: error))
    }
    do {
        return .rendered(try template.execute(data, host: TestHost()))
    } catch {
        return .failed(phase: "exec", message: String(describing: error))
    }
}

@Suite struct GoldenTests {
    @Test func corpusLoads() throws {
        let cases = try GoldenCorpus.load()
        #expect(cases.count >= 300, "the golden corpus has only \(cases.count) cases")
        #expect(Set(cases.map(\.name)).count == cases.count, "case names must be unique")
        for golden in cases {
            #expect((golden.output == nil) != (golden.error == nil), "\(golden.name): needs exactly one of output and error")
            if golden.error != nil {
                #expect(golden.phase == "parse" || golden.phase == "exec", "\(golden.name): phase \(golden.phase ?? "nil")")
            }
            if let missingKey = golden.missingkey {
                #expect(MissingKeyMode(rawValue: missingKey) != nil, "\(golden.name): missingkey \(missingKey)")
            }
        }
    }

    /// Cases where edpctl differs from Go on purpose; each is listed in docs/gomplate.md. They must
    /// keep failing: a known issue that stops occurring fails the test, so the list stays true.
    static let knownDifferences: [String: String] = [
        "builtins/index-string.yaml": "Go's index on a string yields a uint8; edpctl has one integer type",
        "compare/eq-uint8-float.yaml": "Go's index on a string yields a uint8; edpctl has one integer type",
        "compare/eq-uint8-string.yaml": "Go's index on a string yields a uint8; edpctl has one integer type",
        "depth/infinite-recursion.yaml": "template recursion stops at 400 levels (Go: 100,000) to stay within a thread's stack",
    ]

    @Test(arguments: GoldenCorpus.cases)
    func matchesGo(_ golden: GoldenCase) throws {
        let data = try golden.dataText.map { try templateData(fromJSON: $0) } ?? .null
        let actual = renderGolden(golden, data: data)
        if let reason = GoldenTests.knownDifferences[golden.name] {
            withKnownIssue(Comment(rawValue: reason)) {
                #expect(actual == golden.expected)
            }
            return
        }
        #expect(actual == golden.expected, "template \(String(reflecting: golden.template))")
    }
}
