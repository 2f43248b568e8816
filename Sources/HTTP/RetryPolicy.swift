import CCurl
import Foundation

/// When and how long to wait before sending an idempotent request again: after a connection
/// failure, a 429 or a 5xx. The waits double from `initialDelay` up to `maxDelay`, each drawn at
/// random from its upper half (jitter, so clients that failed together do not return together);
/// a 429's or 503's `Retry-After` (seconds or an HTTP date) is waited instead. No retry starts
/// once `maxAttempts` were sent or would end past `maxElapsed` seconds after the first.
package struct RetryPolicy: Sendable {
    package var maxAttempts: Int
    package var initialDelay: Double
    package var maxDelay: Double
    package var maxElapsed: Double

    package init(maxAttempts: Int = 4, initialDelay: Double = 0.25, maxDelay: Double = 4, maxElapsed: Double = 30) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxElapsed = maxElapsed
    }

    /// Every request is sent once.
    package static let never = RetryPolicy(maxAttempts: 1)

    /// Whether a response with this status asks for a retry.
    static func retries(status: Int) -> Bool { status == 429 || (500...599).contains(status) && status != 501 }

    /// The wait before attempt `attempt + 1` (attempt counts from 1), or nil for no retry.
    /// `retryAfter` is the response's `Retry-After` value; `elapsed` the seconds since the first attempt.
    func delay(after attempt: Int, retryAfter: String?, elapsed: Double, now: Date = Date()) -> Double? {
        guard attempt < maxAttempts else { return nil }
        let wait: Double
        if let retryAfter, let asked = Self.seconds(retryAfter: retryAfter, now: now) {
            wait = asked
        } else {
            let ceiling = min(maxDelay, initialDelay * pow(2, Double(attempt - 1)))
            wait = Double.random(in: (ceiling / 2)...ceiling)
        }
        return elapsed + wait <= maxElapsed ? wait : nil
    }

    /// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` as seconds from `now`
    /// (0 for a date past); nil for a value that is neither.
    static func seconds(retryAfter: String, now: Date) -> Double? {
        let value = retryAfter.trimmingCharacters(in: .whitespaces)
        if let seconds = UInt(value) { return Double(seconds) }
        // curl_getdate reads the three HTTP date forms (RFC 9110 5.6.7).
        let date = curl_getdate(value, nil)
        guard date >= 0 else { return nil }
        return max(0, Double(date) - now.timeIntervalSince1970)
    }
}
