import Foundation
import Testing
@testable import Gomplate
@testable import Template

/// A few hundred bytes of template must neither hang nor fill memory: values shared 2^64 times,
/// loops and recursion that never end, output without end, and values nested without end all
/// stop with an error naming the limit (`WorkLimits`), quickly. Each case runs on a thread with
/// the stack of a Dispatch worker, where renders run.
@Suite struct ExecutionBudgetTests {
    /// A list that prints as 2^64 numbers, built in 64 steps by sharing.
    static let sharedList = "<<< $x := coll.Slice 1 2 >>><<< range seq 1 64 >>><<< $x = coll.Slice $x $x >>><<< end >>>"
    /// The same with maps.
    static let sharedMap = "<<< $m := dict \"k\" 1 >>><<< range seq 1 64 >>><<< $m = dict \"a\" $m \"b\" $m >>><<< end >>>"

    /// The stack Dispatch gives its worker threads on Linux.
    static let workerStack = 8 << 20

    /// A lower step limit for the cases that show a mechanism rather than the limit's number,
    /// so that a debug build runs them in a second or two.
    static let smallStepLimit = 200_000

    /// Seconds a case may take; a runaway takes hours.
    static let timeLimit = 60.0

    final class Outcome: @unchecked Sendable {
        var result: Result<String, Error>?
    }

    /// Renders `text` on a worker-sized thread within `stepLimit` steps: the output, or the error's text.
    static func render(_ text: String, data: Value = .map(MapValue()),
                       stepLimit: Int = WorkLimits.maxExecutionSteps) throws -> (output: String?, error: String?, seconds: Double) {
        let template = try Template(name: "t", text: text, functions: .gomplate)
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let start = Date()
        let thread = Thread {
            outcome.result = Result {
                let execution = Execution(template: template, tree: template.tree(named: "t")!, host: TestHost(),
                                          rootData: data, budget: ExecutionBudget(stepLimit: stepLimit))
                try execution.run(data)
                return String(decoding: execution.output, as: UTF8.self)
            }
            done.signal()
        }
        thread.stackSize = workerStack
        thread.start()
        guard done.wait(timeout: .now() + timeLimit) == .success else {
            Issue.record("still running after \(timeLimit) s: \(text.prefix(200))")
            return (nil, nil, timeLimit)
        }
        let seconds = Date().timeIntervalSince(start)
        switch outcome.result! {
        case .success(let output): return (output, nil, seconds)
        case .failure(let error): return (nil, "\(error)", seconds)
        }
    }

    static let walkLimit = "walking the value exceeded the limit of 10000000 nodes"
    static let smallStepsLimit = "exceeded maximum execution steps (\(smallStepLimit))"

    /// Every walker over a value shared 2^64 times stops, with its function named and the limit
    /// it met. Under a small step limit the walk stops at the steps left.
    @Test(arguments: [
        "$x", "print $x", "println $x", "printf \"%v\" $x", "printf \"%#v\" $x", "printf \"%d\" $x", "toJSON $x",
        "toJSONPretty \"  \" $x", "toYAML $x", "data.ToTOML (dict \"a\" $x)", "toCSV (coll.Slice $x)",
        "coll.Flatten $x", "len (toJSON $x)", "conv.Join $x \",\"", "conv.ToString $x", "conv.ToStrings $x",
        "strings.ToUpper $x", "strings.Contains \"a\" $x", "strings.Sort $x", "strings.ShellQuote $x",
        "strings.RuneCount $x", "base64.Encode $x", "crypto.SHA256 $x", "filepath.Join $x", "regexp.Match \"a\" $x",
        "coll.Uniq $x", "coll.Omit $x (coll.Slice $x)", "html $x", "js $x", "urlquery $x", "tmpl.Inline \"<<< . >>>\" $x",
        "tmpl.Exec \"p\" $x", "coll.JQ \".[][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]\" $x",
        "jsonpath \"$[*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*][*]\" $x",
        "jsonpath \"$..k\" $m", "coll.Merge $m $m", "toJSON $m", "toYAML $m", "print $m", "data.ToTOML $m",
        "coll.Uniq (coll.Slice $m $m)",
    ])
    func sharedValuesStopWalking(_ call: String) throws {
        let text = "<<< define \"p\" >>><<< . >>><<< end >>>" + Self.sharedList + Self.sharedMap + "<<< " + call + " >>>"
        let (output, error, seconds) = try Self.render(text, stepLimit: Self.smallStepLimit)
        #expect(output == nil, "\(call) gave \(output?.utf8.count ?? 0) bytes")
        let message = try #require(error)
        #expect(message.hasPrefix("template: "), "\(message.prefix(300))")
        #expect(message.contains(Self.smallStepsLimit) || message.contains("exceeds the limit of 67108864 bytes"),
                "\(call): \(message.prefix(300))")
        #expect(seconds < Self.timeLimit)
    }

    /// With the real limits the walk stops at its own limit, before the execution's.
    @Test(arguments: ["toJSON $x", "print $x", "coll.Flatten $x", "coll.Merge $m $m", "eq (toJSON $x) \"\""])
    func aWalkStopsAtTenMillionNodes(_ call: String) throws {
        let (_, error, _) = try Self.render(Self.sharedList + Self.sharedMap + "<<< " + call + " >>>")
        #expect(error?.contains(Self.walkLimit) == true, "\(error ?? "no error")")
    }

    /// Functions that look at the top of a shared value only answer at once.
    @Test func topLevelLooksAtASharedValueAnswer() throws {
        let text = Self.sharedList + Self.sharedMap
            + "<<< len $x >>> <<< test.IsKind \"slice\" $x >>> <<< has $x \"a\" >>> <<< len (index $x 1 0 1 0 1) >>>"
            + " <<< coll.Sort $x | len >>> <<< keys $m >>> <<< coll.Has $m \"a\" >>> <<< test.Kind $m >>>"
        let (output, error, _) = try Self.render(text)
        #expect(error == nil)
        #expect(output == "2 true false 2 2 [a b] true map")
    }

    /// Go's comparison error quotes the value; for a shared value the quote is cut short.
    @Test func comparingSharedValuesFailsWithAShortMessage() throws {
        let (_, error, _) = try Self.render(Self.sharedList + "<<< eq $x $x >>>")
        let message = try #require(error)
        #expect(message.contains("error calling eq: non-comparable type [[[["))
        #expect(message.hasSuffix("...: []interface {}"))
        #expect(message.utf8.count < 5_000)
    }

    /// Runaway loops and recursion stop at the step limit, with Go's wording and position.
    @Test(arguments: [
        ("<<< range seq 1 10000000 >>><<< range seq 1 10000000 >>><<< end >>><<< end >>>",
         "template: t:1:10: executing \"t\" at <seq 1 10000000>: exceeded maximum execution steps (200000)"),
        ("<<< range 10000000 >>><<< range 10000000 >>><<< end >>><<< end >>>",
         "template: t:1:32: executing \"t\" at <10000000>: exceeded maximum execution steps (200000)"),
        ("<<< define \"r\" >>><<< if lt (len .) 300 >>><<< template \"r\" (print . \"x\") >>><<< template \"r\" (print . \"y\") >>><<< end >>><<< end >>><<< template \"r\" \"\" >>>",
         "executing \"r\" at <"),
        ("<<< define \"r\" >>><<< if lt (len .) 300 >>><<< tmpl.Exec \"r\" (print . \"x\") >>><<< tmpl.Exec \"r\" (print . \"y\") >>><<< end >>><<< end >>><<< template \"r\" \"\" >>>",
         "executing \"r\" at <"),
        ("<<< define \"w\" >>><<< range . >>><<< template \"w\" . >>><<< end >>><<< end >>>" + sharedMap + "<<< template \"w\" $m >>>",
         "executing \"w\" at <"),
        ("<<< define \"w\" >>><<< range . >>><<< template \"w\" . >>><<< end >>><<< end >>>" + sharedList + "<<< template \"w\" $x >>>",
         "executing \"w\" at <"),
        ("<<< range seq 1 10000000 >>><<< $s := seq 1 10000000 >>><<< end >>>", "exceeded maximum execution steps (200000)"),
        ("<<< $s := strings.Repeat 60000000 \"x\" >>><<< range seq 1 10000000 >>><<< if strings.Contains \"y\" $s >>>y<<< end >>><<< end >>>",
         "exceeded maximum execution steps (200000)"),
        ("<<< $l := coll.Slice >>><<< range seq 1 10000000 >>><<< $l = append . $l >>><<< end >>>",
         "exceeded maximum execution steps (200000)"),
        (sharedList + "<<< range 10000000 >>><<< $j := toJSON (index $x 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0) >>><<< end >>>",
         "error calling toJSON: exceeded maximum execution steps (200000)"),
    ])
    func runawaysStopAtTheStepLimit(_ text: String, _ expected: String) throws {
        let (output, error, seconds) = try Self.render(text, stepLimit: Self.smallStepLimit)
        #expect(output == nil)
        let message = try #require(error)
        #expect(message.hasPrefix("template: t:1:"), "\(message.prefix(300))")
        #expect(message.contains(expected), "\(message.prefix(300))")
        #expect(message.hasSuffix(Self.smallStepsLimit), "\(message.prefix(300))")
        #expect(seconds < Self.timeLimit)
    }

    /// The real limit: nested loops over `seq` stop at 10,000,000 steps.
    @Test func nestedLoopsStopAtTenMillionSteps() throws {
        let (_, error, _) = try Self.render("<<< range seq 1 10000000 >>><<< range seq 1 10000000 >>><<< end >>><<< end >>>")
        #expect(error == "template: t:1:38: executing \"t\" at <seq 1 10000000>: exceeded maximum execution steps (10000000)")
    }

    /// Output stops at 256 MiB, with the template's name and the action that passed it.
    @Test func outputStopsAt256MiB() throws {
        let text = "<<< $s := strings.Repeat 60000000 \"x\" >>><<< range seq 1 10 >>><<< $s >>><<< end >>>"
        let (output, error, _) = try Self.render(text)
        #expect(output == nil)
        #expect(error == "template: t:1:67: executing \"t\" at <<<<$s>>>>: output exceeds the limit of 268435456 bytes (256 MiB)")
    }

    /// Values built deeper than 1,000 levels are refused where they are built: walking or even
    /// releasing a value a million levels deep overflows the stack.
    @Test(arguments: [
        "<<< $x := coll.Slice >>><<< range seq 1 1000000 >>><<< $x = coll.Slice $x >>><<< end >>>",
        "<<< $x := dict >>><<< range seq 1 1000000 >>><<< $x = dict \"a\" $x >>><<< end >>>",
        "<<< $x := coll.Slice >>><<< range seq 1 1000000 >>><<< $x = append $x (coll.Slice) >>><<< end >>>",
        "<<< $x := coll.Slice >>><<< range seq 1 1000000 >>><<< $x = prepend $x (coll.Slice) >>><<< end >>>",
        "<<< $x := dict >>><<< range seq 1 1000000 >>><<< $x = coll.Set \"a\" $x (dict) >>><<< end >>>",
        "<<< $x := coll.Slice >>><<< range seq 1 1000000 >>><<< $x = jsonpath \"$\" (coll.Slice $x $x) >>><<< end >>>",
    ])
    func deepNestingIsRefusedWhereItIsBuilt(_ text: String) throws {
        let (output, error, _) = try Self.render(text)
        #expect(output == nil)
        #expect(error?.hasSuffix("the result nests deeper than 1000 levels") == true, "\(error ?? "no error")")
    }

    /// Shared values are measured once per distinct list or map: 64 levels of sharing nest fine.
    @Test func sharedNestingIsMeasuredOnce() throws {
        let (output, error, seconds) = try Self.render(Self.sharedList + Self.sharedMap + "<<< len $x >>><<< len $m >>>")
        #expect(error == nil)
        #expect(output == "22")
        #expect(seconds < 5)
    }

    // MARK: - Large but legitimate work

    @Test func aMillionLoopIterationsPass() throws {
        let (output, error, _) = try Self.render("<<< $n := 0 >>><<< range $i := seq 1 1000000 >>><<< $n = $i >>><<< end >>><<< $n >>>")
        #expect(error == nil)
        #expect(output == "1000000")
    }

    @Test func largeValuesAreEncodedAndPrinted() throws {
        let list = Value.list((0..<100_000).map { .int($0) })
        let map = Value.map(MapValue(Dictionary(uniqueKeysWithValues: (0..<10_000).map { ("key\($0)", Value.list([.int($0), .string("v")])) })))
        let data = Value.map(MapValue(["list": list, "map": map]))
        let text = "<<< len (toJSON .list) >>> <<< len (toYAML .list) >>> <<< len (print .list) >>> "
            + "<<< len (toJSON .map) >>> <<< len (coll.Flatten (coll.Values .map)) >>> <<< len (conv.Join .list \",\") >>> "
            + "<<< len (jsonpath \"$[*]\" .list) >>> <<< len (coll.Merge .map .map) >>>"
        let (output, error, _) = try Self.render(text, data: data)
        #expect(error == nil)
        let digits = (0..<100_000).reduce(0) { $0 + String($1).utf8.count }
        let expected = [digits + 99_999 + 2, digits + 100_000 * 3, digits + 99_999 + 2]
        let printed = output?.split(separator: " ").map(String.init) ?? []
        #expect(printed.count == 8)
        #expect(Array(printed.prefix(3)) == expected.map(String.init))
        #expect(Array(printed.suffix(4)) == ["20000", String(digits + 99_999), "100000", "10000"])
    }

    /// A walk outside any execution (hydrate encoding data) has the per-call limit only.
    @Test func walksOutsideAnExecutionHaveTheirOwnLimit() throws {
        var value = Value.list([.int(1), .int(2)])
        for _ in 0..<64 { value = .list([value, value]) }
        #expect(throws: FunctionError.self) { try encodeJSON(value) }
        #expect(throws: FunctionError.self) { try goPrint(value) }
        #expect(try encodeJSON(.list([.int(1)])) == "[1]")
    }
}
