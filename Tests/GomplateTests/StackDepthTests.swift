import Foundation
import Testing
@testable import Gomplate
@testable import Template

/// Recursion that follows the input must end with a result or an error on any thread, never run
/// off the end of the stack (a crash kills the test process, which then fails). Every case runs
/// on threads with 512 KiB (a secondary thread on macOS), 1 MiB and 8 MiB (the main thread and
/// Dispatch's workers on Linux) of stack.
@Suite struct StackDepthTests {
    static let stackSizes = [512 << 10, 1 << 20, 8 << 20]

    /// A template, what it must render to when the stack holds it, and the errors allowed when it
    /// does not (none: it must render).
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let text: String
        var data: Value = .map(MapValue())
        var output: String?
        var errors: [String] = []
        var description: String { name }
    }

    static let templateDepth = "exceeded maximum template depth"
    static let templateDepthOnStack = "exceeded maximum template depth (the "
    static let expressionDepth = "max expression depth exceeded"
    static let expressionDepthOnStack = "max expression depth exceeded (the "

    static func nested(_ open: String, _ inner: String, _ close: String, _ levels: Int) -> String {
        String(repeating: open, count: levels) + inner + String(repeating: close, count: levels)
    }

    /// `[[[…]]]` and `{"a":{"a":…1}}`, 900 levels: within the decoders' 1,000.
    static let deepList = nested("[", "", "]", 900)
    static let deepMap = nested("{\"a\":", "1", "}", 900)
    static let deepData: Value = .map(MapValue(["list": .string(deepList), "map": .string(deepMap)]))

    static let cases: [Case] = [
        Case(name: "recursion through if, with, range and template (issue 10)",
             text: "<<< define \"r\" >>><<< if lt . 700 >>><<< with $x := 1 >>><<< range seq 1 >>>"
                + "<<< template \"r\" (add $ 1) >>><<< end >>><<< end >>><<< end >>><<< end >>><<< template \"r\" 0 >>>ok",
             errors: [templateDepth]),
        Case(name: "2,500 nested blocks (issue 10)",
             text: (0..<2500).map { "<<< block \"b\($0)\" . >>>" }.joined() + "x" + String(repeating: "<<< end >>>", count: 2500),
             errors: [expressionDepth]),
        Case(name: "900 nested blocks",
             text: (0..<900).map { "<<< block \"b\($0)\" . >>>" }.joined() + "x" + String(repeating: "<<< end >>>", count: 900),
             output: "x", errors: [expressionDepthOnStack, templateDepth]),
        Case(name: "990 nested parentheses",
             text: "<<< " + nested("(", "1", ")", 990) + " >>>",
             output: "1", errors: [expressionDepthOnStack, templateDepthOnStack]),
        Case(name: "1,001 nested parentheses", text: "<<< " + nested("(", "1", ")", 1001) + " >>>",
             errors: [expressionDepth]),
        Case(name: "990 nested ifs", text: nested("<<< if true >>>", "x", "<<< end >>>", 990),
             output: "x", errors: [expressionDepthOnStack, templateDepthOnStack]),
        Case(name: "990 nested withs", text: nested("<<< with 1 >>>", "<<< . >>>", "<<< end >>>", 990),
             output: "1", errors: [expressionDepthOnStack, templateDepthOnStack]),
        Case(name: "990 nested ranges", text: nested("<<< range seq 1 >>>", "<<< . >>>", "<<< end >>>", 990),
             output: "1", errors: [expressionDepthOnStack, templateDepthOnStack]),
        Case(name: "495 nested ifs, each with an else if (which nests too)",
             text: nested("<<< if false >>><<< else if true >>>", "x", "<<< end >>>", 495),
             output: "x", errors: [expressionDepthOnStack, templateDepthOnStack]),
        Case(name: "recursion through tmpl.Exec",
             text: "<<< define \"r\" >>><<< tmpl.Exec \"r\" (add . 1) >>><<< end >>><<< tmpl.Exec \"r\" 0 >>>",
             errors: [templateDepth]),
        Case(name: "recursion through template with big argument pipelines",
             text: "<<< define \"r\" >>><<< if lt .n 1000 >>><<< template \"r\" (dict \"n\" (add .n 1) \"l\" (coll.Slice 1 2 "
                + "(printf \"%d\" .n) (dict \"x\" (coll.Slice .n (add (add (add .n 1) 1) 1)))) \"d\" (data.JSON `{\"a\":[1,[2]]}`)) >>>"
                + "<<< end >>><<< end >>><<< template \"r\" (dict \"n\" 0) >>>",
             errors: [templateDepth]),
        Case(name: "recursion down to deep data, printed at the bottom",
             text: "<<< define \"r\" >>><<< if lt .n 390 >>><<< template \"r\" (dict \"n\" (add .n 1) \"x\" .x) >>>"
                + "<<< else >>><<< print .x >>><<< end >>><<< end >>><<< template \"r\" (dict \"n\" 0 \"x\" (data.JSONArray .list)) >>>",
             data: deepData, output: deepList, errors: [templateDepth]),
        Case(name: "deep data decoded and freed at every level of a recursion",
             text: "<<< define \"r\" >>><<< $d := data.JSONArray .list >>><<< template \"r\" . >>>"
                + "<<< end >>><<< template \"r\" . >>>",
             data: deepData, errors: [templateDepth]),
        Case(name: "deep data printed", text: "<<< data.JSONArray .list >>>", data: deepData, output: deepList),
        Case(name: "deep data through printf", text: "<<< printf \"%v|%#v\" (data.JSONArray .list) (coll.Slice) >>>",
             data: deepData, output: deepList + "|[]interface {}{}"),
        Case(name: "deep data to JSON", text: "<<< data.JSONArray .list | toJSON >>><<< data.JSON .map | toJSON >>>",
             data: deepData, output: deepList + deepMap),
        Case(name: "deep data to YAML and back",
             text: "<<< data.JSONArray .list | toYAML | data.YAMLArray | toJSON >>><<< data.JSON .map | toYAML | data.YAML | toJSON >>>",
             data: deepData, output: deepList + deepMap),
        Case(name: "deep data to TOML", text: "<<< data.JSON .map | toTOML | strings.Contains \"a = 1\" >>>",
             data: deepData, output: "true"),
        Case(name: "deep data compared",
             text: "<<< conv.Has (coll.Slice (data.JSONArray .list)) (data.JSONArray .list) >>> "
                + "<<< coll.Uniq (coll.Slice (data.JSON .map) (data.JSON .map)) | len >>> "
                + "<<< coll.Omit (coll.Slice (data.JSONArray .list)) (coll.Slice (data.JSONArray .list) 1) | toJSON >>>",
             data: deepData, output: "true 1 [1]"),
        Case(name: "deep data merged and flattened",
             text: "<<< coll.Merge (data.JSON .map) (data.JSON .map) | toJSON >>><<< data.JSONArray .list | coll.Flatten | toJSON >>>",
             data: deepData, output: deepMap + "[]"),
        Case(name: "deep data queried",
             text: "<<< jsonpath `$..a` (data.JSON .map) | len >>> "
                + "<<< jq \"\(String(repeating: ".a", count: 899))\" (data.JSON .map) | toJSON >>>",
             data: deepData, output: "900 {\"a\":1}"),
        Case(name: "a jq expression of more than 1,000 steps", text: "<<< jq \"\(String(repeating: ".a", count: 1100))\" 1 >>>",
             errors: ["more than 1000 steps"]),
        Case(name: "990 nested regexp groups",
             text: "<<< regexp.Match \"\(nested("(", "a", ")", 990))\" \"a\" >>>", output: "true"),
        Case(name: "a list built 2,000 levels deep",
             text: "<<< $x := coll.Slice >>><<< range seq 1 2000 >>><<< $x = coll.Slice $x >>><<< end >>>",
             errors: ["error calling Slice: the result nests deeper than 1000 levels"]),
        Case(name: "a map built 2,000 levels deep",
             text: "<<< $x := dict >>><<< range seq 1 2000 >>><<< $x = dict \"k\" $x >>><<< end >>>",
             errors: ["error calling dict: the result nests deeper than 1000 levels"]),
        Case(name: "a list built 1,000 levels deep",
             text: "<<< $x := coll.Slice >>><<< range seq 1 999 >>><<< $x = coll.Slice $x >>><<< end >>><<< toJSON $x | len >>>",
             output: "2000"),
        Case(name: "a list shared at each of 1,100 levels", text:
                "<<< $x := coll.Slice 1 >>><<< range seq 1 1100 >>><<< $x = coll.Slice $x $x >>><<< end >>>",
             errors: ["error calling Slice: the result nests deeper than 1000 levels"]),
        Case(name: "a list shared 64 times over", text:
                "<<< $x := coll.Slice 1 >>><<< range seq 1 64 >>><<< $x = coll.Slice $x $x >>><<< end >>><<< len $x >>>",
             output: "2"),
    ]

    @Test(arguments: cases, stackSizes)
    func endsWithAResultOrAnError(_ testCase: Case, stack: Int) {
        let outcome = onThread(stack: stack) {
            try Template(name: "t", text: testCase.text, functions: .gomplate).execute(testCase.data, host: TestHost())
        }
        switch outcome {
        case .success(let output):
            #expect(testCase.output != nil, "\(testCase.name) on \(stack >> 10) KiB: no error, output of \(output.utf8.count) bytes")
            if let expected = testCase.output {
                #expect(output == expected, "\(testCase.name) on \(stack >> 10) KiB: output of \(output.utf8.count) bytes")
            }
        case .failure(let error):
            let message = "\(error)"
            #expect(testCase.errors.contains { message.contains($0) },
                    "\(testCase.name) on \(stack >> 10) KiB: \(message.prefix(300))")
        }
    }

    @Test func theNumericLimitsKeepGosMessagesOnTheMainThreadsStack() {
        let outcome = onThread(stack: 8 << 20) {
            try Template(name: "t", text: "<<< define \"r\" >>><<< template \"r\" (add . 1) >>><<< end >>><<< template \"r\" 0 >>>", functions: .gomplate)
                .execute(.null, host: TestHost())
        }
        if case .failure(let error) = outcome {
            #expect("\(error)".hasSuffix("exceeded maximum template depth (400)"))
        } else {
            Issue.record("endless recursion rendered")
        }
    }

    @Test(arguments: stackSizes)
    func theGuardNamesTheThreadsStack(stack: Int) {
        let outcome = onThread(stack: stack) { () -> String in
            func recurse(_ level: Int) throws -> Int {
                if StackGuard.isNearlyExhausted { throw FunctionError("depth \(level) \(StackGuard.exhaustedStack)") }
                return try recurse(level + 1) + 1
            }
            return "\(try recurse(0))"
        }
        guard case .failure(let error) = outcome else { Issue.record("endless recursion returned"); return }
        let size = stack >= 1 << 20 ? "\(stack >> 20) MiB" : "\(stack >> 10) KiB"
        #expect("\(error)".hasSuffix("(the \(size) stack of this thread is nearly exhausted)"))
    }

    @Test func aWalkGoesOnOverAFreshStackWhereTheStackRunsLow() {
        let outcome = onThread(stack: 512 << 10) { () -> String in
            var threads = Set<ObjectIdentifier>()
            func recurse(_ level: Int) -> Int {
                threads.insert(ObjectIdentifier(Thread.current))
                return level == 20_000 ? level : StackGuard.continuing { recurse(level + 1) }
            }
            return "\(recurse(0)) levels on \(threads.count > 1 ? "several threads" : "one thread")"
        }
        #expect((try? outcome.get()) == "20000 levels on several threads")
    }

    /// Runs `body` on a new thread with exactly `stack` bytes of stack and waits for it. The stack
    /// is mapped here, with an inaccessible page below it: glibc would hand `Thread` a cached
    /// stack up to four times the size asked for, and an overflow must crash, not corrupt memory.
    private func onThread(stack: Int, _ body: @escaping @Sendable () throws -> String) -> Result<String, Error> {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let mapping = mmap(nil, stack + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapping != MAP_FAILED, mprotect(mapping, page, PROT_NONE) == 0 else {
            return .failure(FunctionError("no memory for a \(stack)-byte stack"))
        }
        defer { munmap(mapping, stack + page) }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstack(&attributes, mapping + page, stack)
        let box = ThreadOutcome(body)
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { context in
            let box = Unmanaged<ThreadOutcome>.fromOpaque(context!).takeUnretainedValue()
            box.outcome = Result { try box.body() }
            return nil
        }, Unmanaged.passUnretained(box).toOpaque())
        guard started == 0 else { return .failure(FunctionError("pthread_create failed: \(started)")) }
        pthread_join(thread, nil)
        return box.outcome!
    }
}

/// A body and its outcome, handed to a thread that `pthread_join` waits for.
private final class ThreadOutcome: @unchecked Sendable {
    let body: @Sendable () throws -> String
    var outcome: Result<String, Error>?
    init(_ body: @escaping @Sendable () throws -> String) { self.body = body }
}
