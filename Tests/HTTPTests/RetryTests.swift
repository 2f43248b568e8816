import Foundation
@testable import HTTP
import TestSupport
import XCTest

/// Retries, timeouts and response headers against a scripted python3 http.server.
final class RetryTests: XCTestCase {
    private var folder: TemporaryFolder!
    private var server: ScriptedServer!

    override func setUpWithError() throws {
        folder = try TemporaryFolder("http-retry")
        server = try ScriptedServer(folder: folder.path)
    }

    override func tearDown() {
        server = nil
        folder = nil
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

    func testRetryAfterInSecondsIsHonoured() throws {
        let (response, seconds) = try timed { try client().send(Request(url: server.url + "/429-seconds")) }
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.attempts, 2)
        XCTAssertGreaterThanOrEqual(seconds, 0.95)
        XCTAssertEqual(try server.count("/429-seconds"), 2)
    }

    func testRetryAfterAsAnHTTPDateIsHonoured() throws {
        let (response, seconds) = try timed { try client().send(Request(url: server.url + "/429-date")) }
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.attempts, 2)
        // The date has whole seconds and is 2 s ahead: at least 1 s is left to wait.
        XCTAssertGreaterThanOrEqual(seconds, 0.95)
        XCTAssertEqual(try server.count("/429-date"), 2)
    }

    func testARetryAfterBeyondTheTimeBoundReturnsThe429AtOnce() throws {
        let (response, seconds) = try timed { try client().send(Request(url: server.url + "/429-long")) }
        XCTAssertEqual(response.status, 429)
        XCTAssertEqual(response.attempts, 1)
        XCTAssertLessThan(seconds, 1)
    }

    func testA5xxIsRetriedUpToTheBound() throws {
        let response = try client().send(Request(url: server.url + "/503"))
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.attempts, 3)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "busy")
        XCTAssertEqual(try server.count("/503"), 3)

        let recovered = try client().send(Request(method: "PUT", url: server.url + "/500-then-ok", body: Data("{}".utf8)))
        XCTAssertEqual(recovered.status, 200)
        XCTAssertEqual(recovered.attempts, 2)
    }

    func testAPOSTIsNotRetriedUnlessMarkedIdempotent() throws {
        let response = try client().send(Request(method: "POST", url: server.url + "/503", body: Data("{}".utf8)))
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.attempts, 1)
        XCTAssertEqual(try server.count("/503"), 1)
        let marked = try client().send(Request(method: "POST", url: server.url + "/503", idempotent: true))
        XCTAssertEqual(marked.attempts, 3)
        XCTAssertEqual(try server.count("/503"), 4)
        XCTAssertEqual(try client().send(Request(method: "PATCH", url: server.url + "/503")).attempts, 1)
    }

    func testAConnectionFailureIsRetriedThenReported() throws {
        let url = "http://127.0.0.1:\(try freePort())/api"
        XCTAssertThrowsError(try client().send(Request(url: url))) { error in
            let error = error as! HTTPError
            XCTAssertEqual(error.curlCode, 7)
            XCTAssertTrue(error.isConnectionFailure)
            XCTAssertEqual(error.attempts, 3)
            XCTAssertTrue(error.description.hasPrefix("GET \(url) failed: Failed to connect to 127.0.0.1 port"), error.description)
            XCTAssertTrue(error.description.hasSuffix("(curl error 7) after 3 attempts"), error.description)
        }
        XCTAssertThrowsError(try client().send(Request(method: "POST", url: url))) { error in
            XCTAssertEqual((error as! HTTPError).attempts, 1)
        }
    }

    func testTheTotalTimeoutEndsASlowAnswer() throws {
        let start = Date()
        XCTAssertThrowsError(try client(timeout: 0.5).send(Request(url: server.url + "/slow"))) { error in
            let error = error as! HTTPError
            XCTAssertTrue(error.isTimeout, error.description)
            XCTAssertEqual(error.attempts, 1)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.5)
    }

    func testRepeatedHeadersAreAllKept() throws {
        let response = try client().send(Request(url: server.url + "/warnings"))
        XCTAssertEqual(response.headers.values("warning"), [#"299 - "first""#, #"299 - "second""#])
        XCTAssertEqual(response.headers["Content-Length"], "2")
    }

    func testBackoffDoublesWithJitterAndStopsAtTheBounds() {
        let policy = RetryPolicy(maxAttempts: 5, initialDelay: 1, maxDelay: 3, maxElapsed: 20)
        for _ in 0..<50 {
            XCTAssert((0.5...1).contains(policy.delay(after: 1, retryAfter: nil, elapsed: 0)!))
            XCTAssert((1...2).contains(policy.delay(after: 2, retryAfter: nil, elapsed: 0)!))
            XCTAssert((1.5...3).contains(policy.delay(after: 4, retryAfter: nil, elapsed: 0)!))
        }
        XCTAssertNil(policy.delay(after: 5, retryAfter: nil, elapsed: 0))
        XCTAssertNil(policy.delay(after: 1, retryAfter: "30", elapsed: 0))
        XCTAssertEqual(policy.delay(after: 1, retryAfter: "7", elapsed: 10), 7)
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // 2015-10-21 07:27:50 GMT
        XCTAssertEqual(RetryPolicy.seconds(retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT", now: now), 10)
        XCTAssertEqual(RetryPolicy.seconds(retryAfter: "Wed, 21 Oct 2015 07:00:00 GMT", now: now), 0)
        XCTAssertNil(RetryPolicy.seconds(retryAfter: "soon", now: now))
    }
}
