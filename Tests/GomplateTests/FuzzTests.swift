import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

private let seeds = [
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: <<< .name >>>\ndata:\n<<<- range $k, $v := .labels >>>\n  <<< $k >>>: <<< $v | printf \"%q\" >>>\n<<<- end >>>\n",
    "<<< if and .enabled (gt .replicas 1) >>>replicas: <<< .replicas >>><<< else if .enabled >>>single<<< else >>>off<<< end >>>",
    "<<< define \"item\" >>>- <<< . >>>\n<<< end >>><<< range .list >>><<< template \"item\" . >>><<< end >>>",
    "<<< with $x := index .labels \"app\" >>><<< $x >>><<< else >>>none<<< end >>>",
    "<<< range $i, $e := .list >>><<< if eq $i 1 >>><<< continue >>><<< end >>><<< $e >>><<< if ge $i 2 >>><<< break >>><<< end >>><<< end >>>",
    "<<<- /* a comment */ ->>>\n<<< printf \"%5.2f|%-4s|%x\" .ratio .name 255 >>>",
    "<<< block \"b\" .labels >>><<< len . >>><<< end >>> <<< slice .name 1 2 >>> <<< js .name >>> <<< html \"<x>\" >>>",
    "<<< $a := 1 >>><<< $a = 0x10 >>><<< $a >>> <<< 1e3 >>> <<< 'x' >>> <<< `raw` >>> <<< print nil >>>",
    "<<< (index .nested \"a\").b >>> <<< .nested.a.b >>> <<< not .enabled >>> <<< or .replicas 3 >>>",
    "<<< print 1 2.5 \"s\" true >>><<< println .list >>><<< urlquery \"a b\" >>><<< ne 1 2 >>><<< lt \"a\" \"b\" >>>",
]

private let fragments = [
    "<<<", ">>>", "<<<- ", " ->>>", "<<</*", "*/>>>", "{{", "}}", "(", ")", "|", "$", "$x", ":=", "=", ".", ".name",
    ".list", "..", "\"", "`", "'", "\\", "if", "else", "end", "range", "with", "define", "template", "block", "break",
    "continue", "nil", "true", "-", "+", "0x", "1e", "_", "index", "len", "slice", "printf", "eq", "and", "or", "not",
    " ", "\n", "\t", "é", "\u{0}", "\u{FFFD}", "%", "%d", "%!", ",", "$i, $e :=", "12345678901234567890",
]

private let sampleData: Value = .map(MapValue([
    "name": .string("edpctl"), "enabled": .bool(true), "replicas": .int(3), "ratio": .float(0.25),
    "list": .list([.string("a"), .int(2), .null, .list([.bool(false)])]),
    "labels": .map(MapValue(["app": .string("x"), "tier": .string("y")])),
    "nested": .map(MapValue(["a": .map(MapValue(["b": .string("deep")]))])),
]))

private func mutate(_ text: String, using generator: inout SplitMix64) -> String {
    var bytes = Array(text.utf8)
    let operations = Int.random(in: 1...4, using: &generator)
    for _ in 0..<operations {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &generator)
        switch Int.random(in: 0..<6, using: &generator) {
        case 0:
            bytes.insert(contentsOf: Array(fragments.randomElement(using: &generator)!.utf8), at: position)
        case 1 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...8, using: &generator))
            if position < end { bytes.removeSubrange(position..<end) }
        case 2 where !bytes.isEmpty:
            bytes = Array(bytes.prefix(position))
        case 3:
            let other = Array(seeds.randomElement(using: &generator)!.utf8)
            let cut = Int.random(in: 0...other.count, using: &generator)
            bytes.insert(contentsOf: other[cut...], at: position)
        case 4 where !bytes.isEmpty:
            bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
        default:
            var tokens = ""
            for _ in 0..<Int.random(in: 1...6, using: &generator) { tokens += fragments.randomElement(using: &generator)! }
            bytes.insert(contentsOf: Array(tokens.utf8), at: position)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Every error names the template and a line (parse) or line:column (execution).
private func hasPosition(_ message: String) -> Bool {
    message.contains(#/^template: fuzz(:\d+: |:\d+:\d+: executing "[^"]*" at <)/#)
}

private func check(_ text: String, functions: FunctionTable) -> String? {
    do {
        let template = try Template(name: "fuzz", text: text, functions: functions)
        _ = try template.execute(sampleData, host: TestHost())
        return nil
    } catch let error as TemplateError {
        if !hasPosition(error.description) { return "error without a position: \(error)" }
        return nil
    } catch {
        return "unexpected error type \(type(of: error)): \(error)"
    }
}

@Test func seedsRenderWithoutErrors() throws {
    for seed in seeds {
        let template = try Template(name: "fuzz", text: seed, functions: FunctionTable())
        #expect(throws: Never.self) { _ = try template.execute(sampleData, host: TestHost()) }
    }
}

/// Feeds 100,000 mutated and random templates to the parser and evaluator. A crash or hang fails
/// the run outright; an error that does not say where it happened is reported with its input.
@Test func randomTemplatesNeverCrashOrLosePositions() {
    var generator = SplitMix64(seed: 0xED9C_7C71)
    var problems: [String] = []
    var executed = 0
    let deadline = Date().addingTimeInterval(240)
    while executed < 100_000 && Date() < deadline {
        let base = seeds.randomElement(using: &generator)!
        let input = Int.random(in: 0..<10, using: &generator) == 0
            ? (0..<Int.random(in: 1...20, using: &generator)).map { _ in fragments.randomElement(using: &generator)! }.joined()
            : mutate(base, using: &generator)
        if let problem = check(input, functions: FunctionTable()), problems.count < 20 {
            problems.append("\(problem)\n  input: \(goQuote(input))")
        }
        executed += 1
    }
    #expect(executed == 100_000, "only \(executed) cases ran before the time bound")
    #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
}

@Test func recursionStopsWithGoMessage() throws {
    let text = "<<< define \"loop\" >>><<< template \"loop\" . >>><<< end >>><<< template \"loop\" . >>>"
    #expect(check(text, functions: FunctionTable()) == nil)
    let nested = String(repeating: "(", count: 5_000) + "1" + String(repeating: ")", count: 5_000)
    #expect(throws: TemplateError.self) { try Template(name: "fuzz", text: "<<< \(nested) >>>", functions: FunctionTable()) }
}
