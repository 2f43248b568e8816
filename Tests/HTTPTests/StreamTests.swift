import Foundation
@testable import HTTP
import TestSupport
import Testing

/// Streamed responses from the scripted python3 http.server, whose `/trickle` sends a line every
/// 0.4 s, straight and through tinyproxy. Serialized, as RetryTests: the tests bound elapsed times.
@Suite(.serialized, .enabled(if: allInstalled("python3", "tinyproxy"),
                             "python3 or tinyproxy is not installed (Debian packages python3, tinyproxy; `make test` installs them)"))
final class StreamTests {
    // Declared before the folder, so the servers stop before their folder is removed.
    private let tinyproxy: TinyProxy
    private let server: ScriptedServer
    private let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("http-stream")
        server = try ScriptedServer(folder: folder.path)
        tinyproxy = try TinyProxy(folder: folder.path)
    }

    private func client(proxy: ProxySetting = .none) throws -> Client {
        var configuration = Configuration()
        configuration.proxy = proxy
        configuration.retry = RetryPolicy(maxAttempts: 3, initialDelay: 0.05, maxDelay: 0.2, maxElapsed: 10)
        // Shorter than the stream: a stream's own timeout replaces it.
        configuration.timeout = 1
        return try Client(configuration)
    }

    /// Each piece of `/trickle`'s body with the seconds since the request started.
    private func trickle(_ client: Client) throws -> (pieces: [(text: String, at: Double)], end: StreamEnd, total: Double) {
        let start = Date()
        var pieces: [(text: String, at: Double)] = []
        let end = try client.stream(Request(url: server.url + "/trickle"), timeout: 30) { head, chunk in
            #expect(head.status == 200)
            pieces.append((String(decoding: chunk, as: UTF8.self), Date().timeIntervalSince(start)))
            return .proceed
        }
        return (pieces, end, Date().timeIntervalSince(start))
    }

    @Test func theBodyArrivesPieceByPieceAsTheServerSendsIt() throws {
        let (pieces, end, total) = try trickle(try client())
        #expect(pieces.map(\.text).joined() == "line 1\nline 2\nline 3\nline 4\nline 5\n")
        #expect(end.head.status == 200 && end.head.headers["Content-Type"] == "text/plain" && !end.stopped)
        // The first line long before the end (2 s), the others spaced as sent.
        let first = try #require(pieces.first)
        #expect(first.at < 0.3, "first piece after \(first.at) s")
        #expect(total >= 1.9, "the stream ended after \(total) s")
        #expect(pieces.count >= 4, "\(pieces.map(\.text))")
    }

    @Test func aStoppedStreamEndsAtOnceAndTheClientGoesOn() throws {
        let client = try client()
        let start = Date()
        var received = ""
        let end = try client.stream(Request(url: server.url + "/trickle"), timeout: 30) { _, chunk in
            received += String(decoding: chunk, as: UTF8.self)
            return .stop
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(end.stopped && end.head.status == 200)
        #expect(received == "line 1\n")
        #expect(elapsed < 0.3, "stopped after \(elapsed) s")
        #expect(client.connectionsOpened == 1)
        // The stopped transfer's connection is closed, not handed to the next request.
        let response = try client.send(Request(url: server.url + "/warnings"))
        #expect(response.status == 200 && String(decoding: response.body, as: UTF8.self) == "ok")
        #expect(client.connectionsOpened == 2)
        // A whole stream after it, on the same client, sees every line again.
        #expect(try trickle(client).pieces.map(\.text).joined().hasSuffix("line 5\n"))
        #expect(try server.count("/trickle") == 2)
    }

    @Test func whatTheReceiverThrowsEndsTheStreamAndIsRethrown() throws {
        struct Refused: Error {}
        let client = try client()
        let start = Date()
        #expect(throws: Refused.self) {
            try client.stream(Request(url: server.url + "/trickle"), timeout: 30) { _, _ in throw Refused() }
        }
        #expect(Date().timeIntervalSince(start) < 0.3)
        #expect(try client.send(Request(url: server.url + "/warnings")).status == 200)
    }

    @Test func aStreamCutOffIsAnErrorAndIsNotRetried() throws {
        var received = ""
        var caught: HTTPError?
        do {
            try client().stream(Request(url: server.url + "/trickle-cut?token=hidden"), timeout: 30) { _, chunk in
                received += String(decoding: chunk, as: UTF8.self)
                return .proceed
            }
        } catch let error as HTTPError {
            caught = error
        }
        let error = try #require(caught)
        #expect(received == "line 1\nline 2\n")
        // curl 18: "transfer closed with outstanding read data remaining".
        #expect(error.curlCode == 18, "\(error)")
        #expect(error.isConnectionFailure == false && error.attempts == 1)
        #expect("\(error)".hasPrefix("GET \(server.url)/trickle-cut failed: "), "\(error)")
        #expect(!"\(error)".contains("hidden"))
        #expect(try server.count("/trickle-cut") == 1)
    }

    @Test func aStreamHasItsOwnTimeoutAndIdleLimit() throws {
        let client = try client()
        // The whole stream: 2 s of lines against 0.7 s.
        let start = Date()
        var received = ""
        var caught: HTTPError?
        do {
            try client.stream(Request(url: server.url + "/trickle"), timeout: 0.7) { _, chunk in
                received += String(decoding: chunk, as: UTF8.self)
                return .proceed
            }
        } catch let error as HTTPError {
            caught = error
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(caught?.isTimeout == true, "\(String(describing: caught))")
        #expect(received == "line 1\nline 2\n")
        #expect(elapsed >= 0.65 && elapsed < 1.2, "timed out after \(elapsed) s")
        // Idle: /slow answers nothing for 3 s, more than the 1-s idle limit (libcurl averages the
        // speed over its last seconds, so it notices within about 2 s).
        let idleStart = Date()
        let idle = #expect(throws: HTTPError.self) {
            try client.stream(Request(url: server.url + "/slow"), timeout: 30, idleTimeout: 1) { _, _ in .proceed }
        }
        let idleElapsed = Date().timeIntervalSince(idleStart)
        #expect(idle?.isTimeout == true, "\(String(describing: idle))")
        #expect(idleElapsed < 2.9, "gave up after \(idleElapsed) s")
        // A stream that trickles is not idle, and outlives the configuration's 1-s timeout.
        let end = try client.stream(Request(url: server.url + "/trickle"), timeout: 30, idleTimeout: 1) { _, _ in .proceed }
        #expect(end.head.status == 200 && !end.stopped)
    }

    @Test func anErrorAnswerIsStreamedWithItsStatus() throws {
        var statuses: Set<Int> = []
        var body = Data()
        let end = try client().stream(Request(url: server.url + "/503"), timeout: 30) { head, chunk in
            statuses.insert(head.status)
            body.append(chunk)
            return .proceed
        }
        // Sent once: a stream is never retried, 5xx or not.
        #expect(end.head.status == 503 && statuses == [503] && String(decoding: body, as: UTF8.self) == "busy")
        #expect(try server.count("/503") == 1)
    }

    @Test func aStreamThroughAProxyArrivesPieceByPiece() throws {
        let client = try client(proxy: .url("http://127.0.0.1:\(tinyproxy.port)"))
        // tinyproxy connects from an address of its own.
        var peer = Data()
        try client.stream(Request(url: server.url + "/peer"), timeout: 30) { _, chunk in
            peer.append(chunk)
            return .proceed
        }
        #expect(String(decoding: peer, as: UTF8.self) == TinyProxy.outgoingAddress)
        let (pieces, end, total) = try trickle(client)
        #expect(end.head.status == 200)
        #expect(pieces.map(\.text).joined() == "line 1\nline 2\nline 3\nline 4\nline 5\n")
        let first = try #require(pieces.first)
        #expect(first.at < 0.3, "first piece after \(first.at) s")
        #expect(total >= 1.9)
        // Stopped through the proxy too, then a request through it again.
        let start = Date()
        let stopped = try client.stream(Request(url: server.url + "/trickle"), timeout: 30) { _, _ in .stop }
        #expect(stopped.stopped && Date().timeIntervalSince(start) < 0.3)
        #expect(try client.send(Request(url: server.url + "/warnings")).status == 200)
        #expect(try server.count("/trickle") == 2)
    }
}
