import Foundation
import Testing
import TestSupport
@testable import Gomplate
@testable import Template

/// Every function of docs/functions.md, called through the template engine with extreme arguments:
/// each call must end with a result or an error, quickly, and never crash (a crash kills the test
/// process, which then fails). The functions are read from the doc, so a new function is swept
/// without touching this file.
///
/// Set `EDPCTL_SWEEP_TRACE=1` to print every call before it runs, and again with its time after:
/// a crash then names its call (the last one printed once).
@Suite struct FunctionLimitsTests {
    /// Functions not swept, and why.
    static let skipped: [String: String] = [
        "file.Write": "writes files",
        // A name that is not in the hosts file goes to the name servers: traffic off this machine.
        "net.LookupIP": "asks name servers",
        "net.LookupIPs": "asks name servers",
        "net.LookupCNAME": "asks name servers",
        "net.LookupSRV": "asks name servers",
        "net.LookupSRVs": "asks name servers",
        "net.LookupTXT": "asks name servers",
    ]

    /// What the arguments are drawn from: template source for each value.
    static let pool: [String] = [
        "0", "-1", "1", "-9223372036854775808", "9223372036854775807", "2147483648", "4294967296", "-2147483648",
        "1e300", "-1e300", "\"\"", "\"NaN\"", "\"-Inf\"", "\"1e400\"", "\"9223372036854775807\"",
        "\"-9223372036854775808\"", "\"4294967296\"", "\"2562047h47m16.854775807s\"", "\"9999999999h\"",
        ".maxDuration", ".minDuration", ".farFuture", ".farPast", ".big",
    ]

    /// A call's longest allowed run in a debug build (AES over the 1 MiB string takes 5 s).
    static let callTimeLimit = 10.0
    /// Seconds one function's calls may take together; the calls are ordered so that the ones cut
    /// off by it (counted in the summary) matter least. It only bites where every call does the
    /// same slow work whatever the arguments (`crypto.WPAPSK`: 4096 PBKDF2 rounds).
    static let functionTimeBudget = 4.0
    /// Combinations drawn at random (from a fixed seed) per function and arity, beside the
    /// one-extreme-at-a-time ones.
    static let randomCombinations = 24

    /// The data dot holds: the extreme durations and times, and a 1 MiB string of short words and lines.
    static let data: Value = {
        let line = "word another x\n"
        let big = String(repeating: line, count: (1 << 20) / line.utf8.count)
        let utc = TimeZoneRules.utc
        return .map(MapValue([
            "maxDuration": .object(GoDuration(nanoseconds: .max)),
            "minDuration": .object(GoDuration(nanoseconds: .min)),
            "farFuture": .object(GoTime(seconds: .max, nanoseconds: 999_999_999, location: utc, localZone: utc)),
            "farPast": .object(GoTime(seconds: .min, nanoseconds: 0, location: utc, localZone: utc)),
            "big": .string(big),
        ]))
    }()

    struct Call: Sendable {
        let function: String
        let source: String
    }

    /// The names docs/functions.md lists in its tables' first column.
    static func documentedFunctions() throws -> [String] {
        let text = try read(packageRoot + "/docs/functions.md")
        var names: [String] = []
        for line in text.components(separatedBy: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3)
            guard let end = cell.firstIndex(of: "`") else { continue }
            names.append(String(cell[..<end]))
        }
        return names
    }

    /// The numbers of arguments `name` accepts, up to three more than its minimum when variadic.
    static func arities(of name: String) -> [Int] {
        if let function = FunctionTable.gomplate[name] {
            let maximum = function.maxArguments ?? function.minArguments + 3
            return Array(function.minArguments...min(maximum, function.minArguments + 3))
        }
        if let builtin = Builtin(rawValue: name) {
            let arity = builtin.arity
            return arity.variadic ? Array(arity.fixed...(arity.fixed + 3)) : [arity.fixed]
        }
        return []
    }

    /// Each extreme in each position with the others `1` (in the order of the pool, every arity
    /// in turn), then with the others `"x"`, every position at one extreme, and a fixed-seed
    /// random sample of the rest. The 1 MiB string, slow to handle in a debug build, only goes into
    /// the first round, once per position.
    static func calls(of name: String) -> [Call] {
        var generator = SplitMix64(seed: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        var seen = Set<[String]>()
        var calls: [Call] = []
        func add(_ arguments: [String]) {
            guard arguments.filter({ $0 == ".big" }).count <= 1, seen.insert(arguments).inserted else { return }
            calls.append(Call(function: name, source: "<<< " + ([name] + arguments).joined(separator: " ") + " >>>"))
        }
        let arities = arities(of: name)
        if arities.contains(0) { add([]) }
        for neutral in ["1", "\"x\""] {
            for value in pool where neutral == "1" || value != ".big" {
                for arity in arities {
                    for position in 0..<arity {
                        var arguments = Array(repeating: neutral, count: arity)
                        arguments[position] = value
                        add(arguments)
                    }
                }
            }
        }
        let small = pool.filter { $0 != ".big" }
        for arity in arities where arity > 1 {
            for value in small { add(Array(repeating: value, count: arity)) }
        }
        for arity in arities where arity > 0 {
            for _ in 0..<randomCombinations {
                add((0..<arity).map { _ in small[Int(generator.next() % UInt64(small.count))] })
            }
        }
        return calls
    }

    @Test func everyDocumentedFunctionSurvivesExtremeArguments() throws {
        let names = try Self.documentedFunctions()
        #expect(names.count > 200, "docs/functions.md lists \(names.count) functions")
        var groups: [[Call]] = []
        for name in names where Self.skipped[name] == nil {
            let found = Self.calls(of: name)
            #expect(!found.isEmpty, "\(name) is documented but neither a function nor a builtin")
            groups.append(found)
        }
        let outcome = SweepOutcome(groups: groups)
        // The working directory of the sweep's threads: kept until the test returns.
        let scratch = try TemporaryFolder("function-limits")
        defer { withExtendedLifetime(scratch) {} }
        let directory = scratch.path
        let sources = DataSources(definitions: [:], workingDirectory: directory, environment: ["HOME": directory],
                                  standardInput: StandardInput { [] })
        let trace = ProcessInfo.processInfo.environment["EDPCTL_SWEEP_TRACE"] != nil
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let finished = DispatchSemaphore(value: 0)
        let started = Date()
        for _ in 0..<threads {
            // Templates render on Dispatch worker threads, whose stacks are small: sweep on ones as small.
            let thread = Thread {
                while let group = outcome.nextGroup() {
                    var spent = 0.0
                    for (index, call) in group.enumerated() {
                        if spent > Self.functionTimeBudget {
                            outcome.skip(call.function, group.count - index)
                            break
                        }
                        if trace { FileHandle.standardError.write(Data((call.source.prefix(200) + "\n").utf8)) }
                        outcome.begin(call)
                        let start = Date()
                        do {
                            let template = try Template(name: "sweep", text: call.source, functions: .gomplate)
                            _ = try template.render(Self.data, host: RenderHost(templatePath: "sweep", sources: sources))
                        } catch {
                            outcome.failed()
                        }
                        let seconds = Date().timeIntervalSince(start)
                        spent += seconds
                        if trace {
                            FileHandle.standardError.write(Data((call.source.prefix(200) + String(format: " %.3f s\n", seconds)).utf8))
                        }
                        outcome.end(call, seconds: seconds)
                    }
                }
                finished.signal()
            }
            thread.stackSize = 512 << 10
            thread.start()
        }
        let deadline = DispatchTime.now() + Double(outcome.callCount) * Self.callTimeLimit
        for _ in 0..<threads where finished.wait(timeout: deadline) == .timedOut {
            Issue.record("the sweep did not finish; it was running \(outcome.running)")
            return
        }
        let elapsed = Date().timeIntervalSince(started)
        for (call, seconds) in outcome.slowCalls(over: Self.callTimeLimit) {
            Issue.record("\(call) took \(String(format: "%.1f", seconds)) s")
        }
        print("swept \(groups.count) functions with \(outcome.callsMade) calls (\(outcome.errors) errors) on \(threads) threads "
              + "in \(String(format: "%.1f", elapsed)) s; calls cut by the time budget: \(outcome.skippedSummary); slowest: "
              + outcome.slowest(5).map { "\($0.0.prefix(80)) \(String(format: "%.2f", $0.1)) s" }.joined(separator: ", "))
    }
}

/// The limits themselves: their error texts, and that what they let through fits a worker
/// thread's stack.
@Suite struct WorkLimitsTests {
    /// A quarter of the 8 MiB stack Dispatch gives its worker threads on Linux, where hydrate
    /// renders: the rest is margin for the frames below the render.
    static let workerStackShare = 2 << 20

    /// Renders `text` on a thread with `stack` bytes of stack.
    private func renderOnWorkerStack(_ text: String, data: Value = .map(MapValue()),
                                     stack: Int = workerStackShare) -> Result<String, Error> {
        onThread(stackSize: stack) { try Template(name: "t", text: text, functions: .gomplate).execute(data, host: TestHost()) }
    }

    private func errorText(_ text: String, stack: Int = workerStackShare) -> String {
        switch renderOnWorkerStack(text, stack: stack) {
        case .success(let output): return "no error, output of \(output.utf8.count) bytes"
        case .failure(let error): return "\(error)"
        }
    }

    @Test func sizesOverTheLimitsAreRefusedWithTheirNumbers() {
        let cases: [(String, String)] = [
            ("<<< seq 4294967296 >>>", "sequence from 1 to 4294967296 by 1 exceeds the limit of 10000000 numbers"),
            ("<<< seq -9223372036854775808 9223372036854775807 -1 >>>",
             "sequence from -9223372036854775808 to 9223372036854775807 by -1 exceeds the limit of 10000000 numbers"),
            ("<<< strings.Repeat 4294967296 \"ab\" >>>", "result of 8589934592 bytes exceeds the limit of 67108864 bytes (64 MiB)"),
            ("<<< strings.Repeat 9223372036854775807 \"ab\" >>>", "count 9223372036854775807 too long: causes overflow"),
            ("<<< strings.Indent 9223372036854775807 \"x\" >>>", "result exceeds the limit of 67108864 bytes (64 MiB)"),
            ("<<< random.String 4294967296 >>>", "result of 4294967296 bytes exceeds the limit of 67108864 bytes (64 MiB)"),
            ("<<< random.AlphaNum 4294967296 >>>", "result of 4294967296 bytes exceeds the limit of 67108864 bytes (64 MiB)"),
            ("<<< strings.ReplaceAll \"\" (strings.Repeat 100000 \"x\") (strings.Repeat 1000 \"y\") >>>",
             "result of 100101000 bytes exceeds the limit of 67108864 bytes (64 MiB)"),
            ("<<< strings.WordWrap 1 (strings.Repeat 100000 \"x\") (strings.Repeat 1000 \"y \") >>>",
             "exceeds the limit of 67108864 bytes (64 MiB)"),
            ("<<< crypto.PBKDF2 \"p\" \"s\" 2147483648 32 >>>",
             "iter 2147483648 for 2 key blocks exceeds the limit of 10000000 HMAC computations"),
            ("<<< crypto.PBKDF2 \"p\" \"s\" 1 9223372036854775807 >>>", "exceeds the limit of 10000000 HMAC computations"),
            ("<<< crypto.EncryptAES \"k\" 9223372036854775807 \"x\" >>>", "runtime error: makeslice: len out of range"),
            ("<<< crypto.EncryptAES \"k\" 2147483648 \"x\" >>>", "crypto/aes: invalid key size 268435456"),
            ("<<< random.Number -9223372036854775808 -9223372036854775808 >>>", "invalid argument to Int63n"),
        ]
        for (template, message) in cases {
            let text = errorText(template)
            #expect(text.contains(message), "\(template): \(text)")
        }
    }

    @Test func extremesThatGoAcceptsGiveGosResults() throws {
        let cases: [(String, String)] = [
            ("<<< strings.SkipLines 9223372036854775807 \"a\\nb\" >>>", ""),
            ("<<< strings.Abbrev -9223372036854775808 7 \"abcdefghij\" >>>", "...ghij"),
            ("<<< coll.Flatten -9223372036854775808 (coll.Slice 1 (coll.Slice 2)) >>>", "[1 2]"),
            ("<<< (time.Unix \"9223372036854775807\").UTC >>>", "292277026596-12-04 15:30:07 +0000 UTC"),
            ("<<< (time.Unix 0).UTC.Add 9223372036854775807 >>>", "2262-04-11 23:47:16.854775807 +0000 UTC"),
            ("<<< (time.Unix 0).UTC.AddDate 9223372036854775807 0 0 >>>", "1969-01-01 13:26:24 +0000 UTC"),
            ("<<< ((time.Unix \"9223372036854775807\").Sub (time.Unix \"-9223372036854775808\")) >>>", "-1s"),
            ("<<< (time.Nanosecond 9223372036854775807).Round 3600000000000 >>>", "2562047h47m16.854775807s"),
            ("<<< seq 9223372036854775805 9223372036854775807 >>>", "[9223372036854775805 9223372036854775806 9223372036854775807]"),
            ("<<< seq 5 1 -9223372036854775808 >>>", "[5]"),
        ]
        for (template, expected) in cases {
            #expect(try renderOnWorkerStack(template).get() == expected, "\(template)")
        }
    }

    @Test func dataAtTheNestingLimitFitsAWorkerStack() throws {
        // One level less than the limit: the template wraps it in a map once more.
        var deep = Value.string("x")
        for _ in 1..<WorkLimits.maxNestingDepth { deep = .list([deep]) }
        let data = Value.map(MapValue(["deep": deep]))
        let template = """
            <<< .deep >>><<< toJSON .deep >>><<< toJSONPretty "  " .deep >>><<< toYAML .deep >>>\
            <<< toTOML (dict "a" .deep) >>><<< coll.Flatten .deep >>><<< data.JSON (toJSON (dict "a" .deep)) >>>\
            <<< coll.Merge (dict "a" .deep) (dict "b" .deep) >>>\
            <<< printf "%v %#v" .deep .deep >>><<< coll.Has (coll.Slice .deep) "x" >>>
            """
        switch renderOnWorkerStack(template, data: data) {
        case .success(let output): #expect(output.contains("[[[[x]]]]"))
        case .failure(let error): Issue.record("\(error)")
        }
    }

    @Test func tomlNestingIsBounded() throws {
        let deepArray = "a = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let deepKey = (0..<2_000).map { "k\($0)" }.joined(separator: ".") + " = 1"
        let deepTable = "[" + (0..<600).map { "t\($0)" }.joined(separator: ".") + "]\n"
        for text in [deepArray, deepKey, deepTable] {
            let error = #expect(throws: FunctionError.self) { try decodeTOML(text) }
            #expect(error?.message == "toml: line 1: nested deeper than 1000 levels")
        }
    }

    /// Recursion takes up to half of a worker's stack, leaving the rest for data walked at its
    /// deepest level.
    @Test func templateRecursionStopsWithGosErrorWithinAWorkerStack() {
        let halfAWorkerStack = 4 << 20
        let text = errorText(#"<<< define "r" >>><<< template "r" . >>><<< end >>><<< template "r" . >>>"#,
                             stack: halfAWorkerStack)
        #expect(text.contains("exceeded maximum template depth (\(Execution.maxDepth))"), "\(text)")
        let inline = errorText(#"<<< define "r" >>><<< tmpl.Exec "r" . >>><<< end >>><<< template "r" . >>>"#,
                               stack: halfAWorkerStack)
        #expect(inline.contains("exceeded maximum template depth (\(Execution.maxDepth))"), "\(inline)")
    }
}

/// What the sweep threads share: the functions still to sweep, the calls running now, the errors,
/// each call's time and the calls the time budget cut off.
private final class SweepOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var groups: [[FunctionLimitsTests.Call]]
    let callCount: Int
    private var runningCalls: [ObjectIdentifier: String] = [:]
    private var times: [(String, Double)] = []
    private var errorCount = 0
    private var skipped: [(String, Int)] = []

    init(groups: [[FunctionLimitsTests.Call]]) {
        self.groups = groups.reversed()
        callCount = groups.reduce(0) { $0 + $1.count }
    }

    func nextGroup() -> [FunctionLimitsTests.Call]? {
        lock.withLock { groups.popLast() }
    }

    func begin(_ call: FunctionLimitsTests.Call) {
        lock.withLock { runningCalls[ObjectIdentifier(Thread.current)] = String(call.source.prefix(200)) }
    }

    func failed() {
        lock.withLock { errorCount += 1 }
    }

    func end(_ call: FunctionLimitsTests.Call, seconds: Double) {
        lock.withLock {
            runningCalls[ObjectIdentifier(Thread.current)] = nil
            times.append((String(call.source.prefix(200)), seconds))
        }
    }

    func skip(_ function: String, _ count: Int) {
        lock.withLock { skipped.append((function, count)) }
    }

    var running: String { lock.withLock { runningCalls.values.sorted().joined(separator: "; ") } }
    var errors: Int { lock.withLock { errorCount } }
    var callsMade: Int { lock.withLock { times.count } }
    var skippedSummary: String {
        lock.withLock { skipped.isEmpty ? "none" : skipped.map { "\($0.0) \($0.1)" }.joined(separator: ", ") }
    }

    func slowCalls(over limit: Double) -> [(String, Double)] {
        lock.withLock { times.filter { $0.1 > limit } }
    }

    func slowest(_ count: Int) -> [(String, Double)] {
        lock.withLock { Array(times.sorted { $0.1 > $1.1 }.prefix(count)) }
    }
}

