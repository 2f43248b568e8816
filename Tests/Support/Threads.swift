import Foundation

/// Runs `body` on a thread of its own, so blocking calls (libgit2, a child process waited for) run
/// truly side by side and never hold one of Swift concurrency's few threads.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// `body`'s outcome, computed on a new thread with a stack of `stackSize` bytes (glibc may hand
/// out a larger cached one) and waited for.
public func onThread<T>(stackSize: Int, _ body: @escaping @Sendable () throws -> T) -> Result<T, Error> {
    let slot = ResultSlot<T>()
    let thread = Thread {
        slot.result = Result { try body() }
        slot.done.signal()
    }
    thread.stackSize = stackSize
    thread.start()
    slot.done.wait()
    return slot.result!
}

/// Written by one thread before it signals, read by the one that waited for the signal.
private final class ResultSlot<T>: @unchecked Sendable {
    var result: Result<T, Error>?
    let done = DispatchSemaphore(value: 0)
}
