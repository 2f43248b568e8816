import Foundation
import Testing
@testable import Hydrate

/// Every function of docs/functions.md, called through the template engine with extreme arguments:
/// each call must end with a result or an error, quickly, and never crash (a crash kills the test
/// process, which then fails). The functions are read from the doc, so a new function is swept
/// without touching this file.
///
/// Set `EDPCTL_SWEEP_TRACE=1` to print every call before it runs: a crash then names its call.
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

    /// A call's longest allowed run in a debug build.
    static let callTimeLimit = 5.0
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

    /// Each extreme in each position with the others neutral, every position at one extreme, and a
    /// fixed-seed random sample of the rest; the 1 MiB string at most once per call.
    static func calls(of name: String) -> [Call] {
        var generator = SplitMix64(seed: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        var seen = Set<[String]>()
        var calls: [Call] = []
        func add(_ arguments: [String]) {
            guard arguments.filter({ $0 == ".big" }).count <= 1, seen.insert(arguments).inserted else { return }
            calls.append(Call(function: name, source: "<<< " + ([name] + arguments).joined(separator: " ") + " >>>"))
        }
        for arity in arities(of: name) {
            if arity == 0 {
                add([])
                continue
            }
            for neutral in ["1", "\"x\""] {
                for position in 0..<arity {
                    for value in pool {
                        var arguments = Array(repeating: neutral, count: arity)
                        arguments[position] = value
                        add(arguments)
                    }
                }
            }
            for value in pool where value != ".big" { add(Array(repeating: value, count: arity)) }
            for _ in 0..<randomCombinations {
                add((0..<arity).map { _ in pool[Int(generator.next() % UInt64(pool.count))] })
            }
        }
        return calls
    }

    @Test func everyDocumentedFunctionSurvivesExtremeArguments() throws {
        let names = try Self.documentedFunctions()
        #expect(names.count > 200, "docs/functions.md lists \(names.count) functions")
        var calls: [Call] = []
        for name in names where Self.skipped[name] == nil {
            let found = Self.calls(of: name)
            #expect(!found.isEmpty, "\(name) is documented but neither a function nor a builtin")
            calls += found
        }
        let outcome = SweepOutcome()
        let directory = NSTemporaryDirectory() + "function-limits-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sources = DataSources(definitions: [:], workingDirectory: directory, environment: ["HOME": directory],
                                  standardInput: StandardInput { [] })
        let trace = ProcessInfo.processInfo.environment["EDPCTL_SWEEP_TRACE"] != nil
        let finished = DispatchSemaphore(value: 0)
        let started = Date()
        let sweep = calls
        // Templates render on Dispatch worker threads, whose stacks are small: sweep on one as small.
        let thread = Thread {
            for call in sweep {
                if trace { FileHandle.standardError.write(Data((call.source.prefix(200) + "\n").utf8)) }
                outcome.begin(call)
                let start = Date()
                do {
                    let template = try Template(name: "sweep", text: call.source)
                    _ = try template.render(Self.data, host: RenderHost(templatePath: "sweep", sources: sources))
                } catch {
                    outcome.failed()
                }
                outcome.end(call, seconds: Date().timeIntervalSince(start))
            }
            finished.signal()
        }
        thread.stackSize = 512 << 10
        thread.start()
        let deadline = Double(calls.count) * Self.callTimeLimit
        if finished.wait(timeout: .now() + deadline) == .timedOut {
            Issue.record("the sweep did not finish; it was running \(outcome.current ?? "nothing")")
            return
        }
        let elapsed = Date().timeIntervalSince(started)
        for (call, seconds) in outcome.slowCalls(over: Self.callTimeLimit) {
            Issue.record("\(call) took \(String(format: "%.1f", seconds)) s")
        }
        print("swept \(names.count - Self.skipped.count) functions with \(calls.count) calls "
              + "(\(outcome.errors) errors) in \(String(format: "%.1f", elapsed)) s; slowest: "
              + outcome.slowest(5).map { "\($0.0.prefix(80)) \(String(format: "%.2f", $0.1)) s" }.joined(separator: ", "))
    }
}

/// What the sweep thread reports: the call running now, the errors, and each call's time.
private final class SweepOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var running: String?
    private var times: [(String, Double)] = []
    private var errorCount = 0

    func begin(_ call: FunctionLimitsTests.Call) {
        lock.withLock { running = String(call.source.prefix(200)) }
    }

    func failed() {
        lock.withLock { errorCount += 1 }
    }

    func end(_ call: FunctionLimitsTests.Call, seconds: Double) {
        lock.withLock {
            running = nil
            times.append((String(call.source.prefix(200)), seconds))
        }
    }

    var current: String? { lock.withLock { running } }
    var errors: Int { lock.withLock { errorCount } }

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
