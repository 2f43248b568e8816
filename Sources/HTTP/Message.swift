import Foundation

/// Header fields in order, names compared without regard to case; a name may repeat
/// (`Warning`, `Set-Cookie`).
package struct Headers: Sendable, Equatable {
    package struct Field: Sendable, Equatable {
        package var name: String
        package var value: String
        package init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    package var fields: [Field]

    package init(_ fields: [Field] = []) { self.fields = fields }

    /// Every value of `name`, in the order received.
    package func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// The first value of `name`.
    package subscript(name: String) -> String? { values(name).first }

    package mutating func add(_ name: String, _ value: String) { fields.append(Field(name, value)) }
}

package struct Request: Sendable {
    package var method: String
    package var url: String
    /// Sent as given, after the client's own (`Authorization` from its credentials).
    package var headers: Headers
    package var body: Data?
    /// Whether sending twice does what sending once does. GET, HEAD, PUT, DELETE and OPTIONS are;
    /// a POST or PATCH is only when the caller says so here (a create that fails with
    /// AlreadyExists the second time is still safe to retry, for one).
    package var idempotent: Bool

    package init(method: String = "GET", url: String, headers: Headers = Headers(), body: Data? = nil,
                 idempotent: Bool? = nil) {
        self.method = method.uppercased()
        self.url = url
        self.headers = headers
        self.body = body
        self.idempotent = idempotent ?? ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(self.method)
    }
}

package struct Response: Sendable {
    package var status: Int
    /// The headers of the final response (not of a proxy's CONNECT answer or a `100 Continue`).
    package var headers: Headers
    package var body: Data
    /// How many times the request was sent (more than 1 after retries).
    package var attempts: Int
}

/// The status and headers of a streamed response, given with each piece of its body.
package struct ResponseHead: Sendable {
    package var status: Int
    /// The headers of the final response, as `Response.headers`.
    package var headers: Headers
}

/// What a stream's receiver asks of the transfer after a piece of the body.
package enum StreamControl: Sendable {
    case proceed
    /// End the transfer now; the connection is closed, not reused.
    case stop
}

/// How a stream ended: the server finished the body, or the receiver stopped it.
package struct StreamEnd: Sendable {
    package var head: ResponseHead
    package var stopped: Bool
}
