import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Recursion here follows the input: templates call templates, actions and parentheses nest, data
/// nests. Go's stacks grow to 1 GB; a thread's stack is fixed (`ulimit -s`, 8 MiB by default, on
/// the main thread and on Dispatch's workers on Linux, which render `--input-dir` and hydrate;
/// 512 KiB on secondary threads on macOS; whatever a caller chose),
/// and running off its end kills the process. The numeric limits (template depth, expression
/// depth, data nesting) give Go's messages in ordinary cases; this guard is the safety net below
/// them: every recursive step compares the address of a local with the low end of the current
/// thread's stack, read once per thread.
///
/// Two ways out when the stack runs low:
/// - recursion that the input can make unbounded (the parser, the executor, nested queries)
///   fails with its own error, worded with `exhaustedStack`;
/// - recursion over something already accepted (a value, at most `ValueNesting.maxDepth` deep; a
///   parsed tree; a pattern) goes on over a fresh stack (`continuing`), so deep but legal data
///   prints and encodes as Go's would, and error messages can describe any node.
package enum StackGuard {
    /// What stays free below the deepest checked frame, for the work done between two checks:
    /// freeing a value nested `ValueNesting.maxDepth` levels deep takes up to 170 KiB (about
    /// 170 bytes a level in a debug build, measured with lists and maps), plus Foundation's and
    /// libyaml's own frames at the leaves.
    package static let reserve = 320 << 10

    /// The stack a walk continues on when the current one runs low: room for every level of the
    /// deepest value several times over, so one switch is enough.
    package static let continuationStackSize = 16 << 20

    /// True when fewer than `reserve` bytes of the current thread's stack are left below the caller.
    @inline(__always)
    package static var isNearlyExhausted: Bool {
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        return here < currentThreadLimit()
    }

    /// Runs `body`, which recurses once over a value's level, here while the stack has room and on
    /// a fresh stack when it runs low. Call it at each level of a walk; the fast path is one
    /// comparison.
    @inline(__always)
    package static func continuing<Output, Failure: Error>(_ body: () throws(Failure) -> Output) throws(Failure) -> Output {
        if isNearlyExhausted { return try onFreshStack(size: continuationStackSize, body) }
        return try body()
    }

    /// The end of a depth error raised by the guard: `(the 512 KiB stack of this thread is nearly
    /// exhausted)`.
    package static var exhaustedStack: String {
        // glibc reports the main thread's stack a page or two short of its limit (`ulimit -s`).
        let granule = 64 << 10
        let size = ((currentThreadStack()?.size ?? 0) + granule - 1) / granule * granule
        let text = size % (1 << 20) == 0 ? "\(size >> 20) MiB" : "\(size >> 10) KiB"
        return "(the \(text) stack of this thread is nearly exhausted)"
    }

    // MARK: - The thread's stack

    /// The lowest address recursion may reach on this thread (stack low end + reserve), cached in
    /// thread-local storage. 1 when the bounds are unknown, which disables the guard.
    private static func currentThreadLimit() -> UInt {
        if let cached = pthread_getspecific(stackLimitKey) { return UInt(bitPattern: cached) }
        var limit: UInt = 1
        if let stack = currentThreadStack() { limit = max(1, stack.low + UInt(reserve)) }
        pthread_setspecific(stackLimitKey, UnsafeRawPointer(bitPattern: limit))
        return limit
    }

    /// The current thread's stack: its lowest address and its size.
    private static func currentThreadStack() -> (low: UInt, size: Int)? {
        #if canImport(Darwin)
        let thread = pthread_self()
        let size = pthread_get_stacksize_np(thread)
        return (UInt(bitPattern: pthread_get_stackaddr_np(thread)) - UInt(size), size)
        #else
        var attributes = pthread_attr_t()
        guard let getAttributes = pthreadGetattrNP, getAttributes(pthread_self(), &attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attributes, &address, &size) == 0, let address else { return nil }
        return (UInt(bitPattern: address), size)
        #endif
    }

    // MARK: - Continuing on a fresh stack

    /// Runs `body` on a new thread with a `size`-byte stack; the caller waits for it.
    package static func onFreshStack<Output, Failure: Error>(size: Int = continuationStackSize,
                                                     _ body: () throws(Failure) -> Output)
        throws(Failure) -> Output {
        let outcome: Result<Output, Failure> = withoutActuallyEscaping(body) { escapable in
            let run = FreshStackRun(escapable)
            let thread = Thread { run.start() }
            thread.stackSize = size
            thread.start()
            run.finished.wait()
            return run.outcome!
        }
        return try outcome.get()
    }
}

/// One call on a fresh thread; the caller waits on `finished`, so the closure never outlives the
/// call that passed it and the outcome is read after it was written. The closure is dropped before
/// the caller wakes: `withoutActuallyEscaping` checks that nothing holds it any more, and the
/// thread object may outlive the call.
private final class FreshStackRun<Output, Failure: Error>: @unchecked Sendable {
    private var body: (() throws(Failure) -> Output)?
    private(set) var outcome: Result<Output, Failure>?
    let finished = DispatchSemaphore(value: 0)

    init(_ body: @escaping () throws(Failure) -> Output) { self.body = body }

    func start() {
        do throws(Failure) {
            outcome = .success(try body!())
        } catch {
            outcome = .failure(error)
        }
        body = nil
        finished.signal()
    }
}

private let stackLimitKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

#if !canImport(Darwin)
/// glibc's and musl's `pthread_getattr_np`, which the C module hides behind `_GNU_SOURCE`; looked up
/// once, and called with C's calling convention.
private let pthreadGetattrNP: (@convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32)? = {
    guard let symbol = dlsym(nil, "pthread_getattr_np") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32).self)
}()
#endif
