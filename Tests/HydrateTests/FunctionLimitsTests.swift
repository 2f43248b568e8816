import Foundation
import Testing
@testable import Hydrate

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
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/functions.md"), encoding: .utf8)
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
        let directory = NSTemporaryDirectory() + "function-limits-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
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
                            let template = try Template(name: "sweep", text: call.source)
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

/// A small seeded generator, so that the random combinations are the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
