import Foundation

/// Runs `body` on a thread of its own, so blocking calls (libgit2, a child process waited for) run
/// truly side by side and never hold one of Swift concurrency's few threads.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
