import Foundation
@testable import HTTP
import TestSupport
import Testing

/// Retries, timeouts and response headers against a scripted python3 http.server; each test
/// starts its own (swift-testing makes a new suite value per test). Serialized: the tests bound
/// elapsed times (under 1 s, under 2.5 s), which parallel siblings on a shared machine would blur.
@Suite(.serialized, .enabled(if: allInstalled("python3"), "python3 is not installed (Debian package python3; `make test` installs it)"))
final class RetryTests {
    // Declared before the folder, so the server stops before its folder is removed.
    private let server: ScriptedServer
    private let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("http-retry")
        server = try ScriptedServer(folder: folder.path)
    }

    /// Short waits, so the tests are quick; 3 attempts within 10 s.
    private func client(timeout: Double = 10) throws -> Client {
        var configuration = Configuration()
        configuration.retry = RetryPolicy(maxAttempts: 3, initialDelay: 0.05, maxDelay: 0.2, maxElapsed: 10)
        configuration.timeout = timeout
        return try Client(configuration)
    }

    private func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = Date()
        let result = try body()
        return (result, Date().timeIntervalSince(start))
    }

    @Test func retryAfterInSecondsIsHonoured() throws {
        let (response, seconds) = try timed { try client().send(Request(url: server.url + "/429-seconds")) }
        #expect(response.status == 200)
        #expect(response.attempts == 2)
        #expect(seconds >= 0.95)
        #expect(try server.count("/429-seconds") == 2)
    }

    @Test func retryAfterAsAnHTTPDateIsHonoured() throws {
        let (response, seconds) = try timed { try client().send(Request(url: server.url + "/429-date")) }
        #expect(response.status == 200)
        #expect(response.attempts == 2)
        // The date has whole seconds and is 2 s ahead: at least 1 s is left to wait.
        #expect(seconds >= 0.95)
        #expect(try server.count("/429-date") == 2)
    }

    @Test func aRetryAfterBeyondTheTimeBoundReturnsThe429AtOnce() throws {
        let (response, seconds) = try timed { try client().send(Request(url: server.url + "/429-long")) }
        #expect(response.status == 429)
        #expect(response.attempts == 1)
        #expect(seconds < 1)
    }

    @Test func a5xxIsRetriedUpToTheBound() throws {
        let response = try client().send(Request(url: server.url + "/503"))
        #expect(response.status == 503)
        #expect(response.attempts == 3)
        #expect(String(decoding: response.body, as: UTF8.self) == "busy")
        #expect(try server.count("/503") == 3)

        let recovered = try client().send(Request(method: "PUT", url: server.url + "/500-then-ok", body: Data("{}".utf8)))
        #expect(recovered.status == 200)
        #expect(recovered.attempts == 2)
    }

    @Test func aPOSTIsNotRetriedUnlessMarkedIdempotent() throws {
        let response = try client().send(Request(method: "POST", url: server.url + "/503", body: Data("{}".utf8)))
        #expect(response.status == 503)
        #expect(response.attempts == 1)
        #expect(try server.count("/503") == 1)
        let marked = try client().send(Request(method: "POST", url: server.url + "/503", idempotent: true))
        #expect(marked.attempts == 3)
        #expect(try server.count("/503") == 4)
        #expect(try client().send(Request(method: "PATCH", url: server.url + "/503")).attempts == 1)
    }

    @Test func aConnectionFailureIsRetriedThenReported() throws {
        let url = "http://127.0.0.1:\(try freePort())/api"
        let error = try #require(#expect(throws: HTTPError.self) { try client().send(Request(url: url)) })
        #expect(error.curlCode == 7)
        #expect(error.isConnectionFailure)
        #expect(error.attempts == 3)
        #expect(error.description.hasPrefix("GET \(url) failed: Failed to connect to 127.0.0.1 port"), "\(error.description)")
        #expect(error.description.hasSuffix("(curl error 7) after 3 attempts"), "\(error.description)")
        let post = try #require(#expect(throws: HTTPError.self) { try client().send(Request(method: "POST", url: url)) })
        #expect(post.attempts == 1)
    }

    @Test func theTotalTimeoutEndsASlowAnswer() throws {
        let start = Date()
        let error = try #require(#expect(throws: HTTPError.self) { try client(timeout: 0.5).send(Request(url: server.url + "/slow")) })
        #expect(error.isTimeout, "\(error.description)")
        #expect(error.attempts == 1)
        #expect(Date().timeIntervalSince(start) < 2.5)
    }

    @Test func repeatedHeadersAreAllKept() throws {
        let response = try client().send(Request(url: server.url + "/warnings"))
        #expect(response.headers.values("warning") == [#"299 - "first""#, #"299 - "second""#])
        #expect(response.headers["Content-Length"] == "2")
    }

    @Test func backoffDoublesWithJitterAndStopsAtTheBounds() {
        let policy = RetryPolicy(maxAttempts: 5, initialDelay: 1, maxDelay: 3, maxElapsed: 20)
        for _ in 0..<50 {
            #expect((0.5...1).contains(policy.delay(after: 1, retryAfter: nil, elapsed: 0)!))
            #expect((1...2).contains(policy.delay(after: 2, retryAfter: nil, elapsed: 0)!))
            #expect((1.5...3).contains(policy.delay(after: 4, retryAfter: nil, elapsed: 0)!))
        }
        #expect(policy.delay(after: 5, retryAfter: nil, elapsed: 0) == nil)
        #expect(policy.delay(after: 1, retryAfter: "30", elapsed: 0) == nil)
        #expect(policy.delay(after: 1, retryAfter: "7", elapsed: 10) == 7)
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // 2015-10-21 07:27:50 GMT
        #expect(RetryPolicy.seconds(retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT", now: now) == 10)
        #expect(RetryPolicy.seconds(retryAfter: "Wed, 21 Oct 2015 07:00:00 GMT", now: now) == 0)
        #expect(RetryPolicy.seconds(retryAfter: "soon", now: now) == nil)
    }
}
