import Foundation
import HTTP

/// Every failure of a `KubeClient` request: an API error decoded from the server's `Status`
/// (the HTTP code first, then its `reason`), a kind no discovery document serves, or a transport
/// failure wrapping the `HTTPError`. Its text is the server's message prefixed with the reason in
/// lower-case words, as kubectl's `Error from server (Forbidden): …` names it; it never holds a
/// request body, a header value, a token or a Secret's value, none of which is ever given to it.
package struct KubeAPIError: Error, Sendable, CustomStringConvertible, LocalizedError {
    package enum Kind: Sendable, Equatable {
        case badRequest, unauthorized, forbidden, notFound, alreadyExists, conflict, invalid, tooManyRequests
        /// 5xx.
        case serverError
        /// Any other status.
        case other
        /// Discovery has no resource for the kind.
        case unknownKind
        /// No HTTP response: see `transport`.
        case transport
    }

    package let kind: Kind
    /// The HTTP status; 0 when there was no response.
    package let code: Int
    /// The Status's `reason` (`Forbidden`), "" when it had none.
    package let reason: String
    /// The server's own message (or ours for `unknownKind` and `transport`).
    package let message: String
    /// The Status's `details.causes` messages (an Invalid object's fields).
    package let causes: [String]
    package let method: String
    /// The API path, without the query.
    package let path: String
    package let transport: HTTPError?
    /// The causes the message does not quote.
    private let untold: [String]

    /// Decodes a non-2xx answer. The body is read only as a `Status`; anything else is never quoted.
    init(status code: Int, body: Data, method: String, path: String) {
        let status = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let isStatus = status?["kind"] as? String == "Status"
        reason = isStatus ? status?["reason"] as? String ?? "" : ""
        message = isStatus ? status?["message"] as? String ?? "" : ""
        let details = isStatus ? status?["details"] as? [String: Any] : nil
        let listed = details?["causes"] as? [[String: Any]] ?? []
        causes = listed.compactMap { cause in
            let text = cause["message"] as? String
            guard let field = cause["field"] as? String, !field.isEmpty, let text else { return text }
            return "\(field): \(text)"
        }
        // An Invalid or Conflict message usually quotes its causes already.
        let message = self.message
        untold = zip(listed, causes).filter { !message.contains($0.0["message"] as? String ?? "") }.map(\.1)
        self.code = code
        self.method = method
        self.path = path
        transport = nil
        kind = Self.kind(code: code, reason: reason)
    }

    init(kind: Kind, message: String, method: String, path: String, transport: HTTPError? = nil) {
        self.kind = kind
        self.code = 0
        self.reason = ""
        self.message = message
        self.causes = []
        self.untold = []
        self.method = method
        self.path = path
        self.transport = transport
    }

    /// The HTTP code decides; the reason only refines a code several reasons share.
    private static func kind(code: Int, reason: String) -> Kind {
        switch code {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 409: return reason == "AlreadyExists" ? .alreadyExists : .conflict
        case 422: return .invalid
        case 429: return .tooManyRequests
        case 500...599: return .serverError
        default: return .other
        }
    }

    /// kubectl's words for the reason: `NotFound` → `not found`.
    private var words: String {
        if !reason.isEmpty {
            return reason.reduce(into: "") { text, letter in
                if letter.isUppercase && !text.isEmpty { text += " " }
                text += letter.lowercased()
            }
        }
        return "HTTP \(code)"
    }

    package var description: String {
        switch kind {
        case .transport:
            return transport.map { "\($0)" } ?? message
        case .unknownKind:
            return message
        default:
            let text = message.isEmpty ? "the server answered HTTP \(code) to \(method) \(path)" : message
            var shown = "\(words): \(text)"
            if !untold.isEmpty { shown += " (" + untold.joined(separator: "; ") + ")" }
            return shown
        }
    }

    package var errorDescription: String? { description }
}
