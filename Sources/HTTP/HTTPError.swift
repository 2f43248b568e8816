import CCurl
import Foundation

/// Every failure of the `HTTP` module: a transfer that got no HTTP response, or a request that
/// could not be made. (A response with any status, 4xx and 5xx included, is not an error here.)
///
/// It holds curl's code and its error buffer's text, the method and the URL without userinfo,
/// query or fragment: never a body, a header value, a token, a password or a key, since none of
/// them is ever passed to it.
package struct HTTPError: LocalizedError, Sendable, CustomStringConvertible {
    /// curl's `CURLcode` (e.g. 7 couldn't connect, 28 timeout, 60 untrusted server certificate).
    package let curlCode: Int
    /// curl's error buffer for this transfer, else curl's fixed text for the code.
    package let message: String
    package let method: String?
    /// Redacted: `https://host:port/path`.
    package let url: String
    /// How many times the request was sent (more than 1 after retries).
    package internal(set) var attempts = 1
    /// The proxy the request went through, redacted like `url`.
    package internal(set) var proxy: String?

    init(curlCode: CURLcode, message: String, method: String?, url: String) {
        self.curlCode = Int(curlCode.rawValue)
        let fixed = Curl.text(of: curlCode)
        self.message = message.isEmpty ? fixed : message
        self.method = method
        self.url = url
    }

    /// A request that libcurl was never given (a URL or proxy it cannot parse).
    static func invalid(_ message: String, method: String?, url: String) -> HTTPError {
        HTTPError(curlCode: CURLE_URL_MALFORMAT, message: message, method: method,
                  url: url.isEmpty ? "" : CurlURL.redacted(url))
    }

    package var isTimeout: Bool { curlCode == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }

    /// No connection to the server or the proxy could be made, or it closed before answering:
    /// the failures worth a retry.
    package var isConnectionFailure: Bool {
        [CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_GOT_NOTHING,
         CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PROXY].contains { Int($0.rawValue) == curlCode }
            && !isTLSFailure
    }

    /// The TLS handshake failed on either side.
    package var isTLSFailure: Bool { tlsHint != nil }

    /// What a person can do about a TLS failure; nil for other failures.
    private var tlsHint: String? {
        let lower = message.lowercased()
        switch curlCode {
        case Int(CURLE_PEER_FAILED_VERIFICATION.rawValue):
            return "the server's certificate is not trusted: it is not signed by the configured certificate "
                + "authority, or does not name the host (see certificate-authority and tls-server-name)"
        case Int(CURLE_SSL_CACERT_BADFILE.rawValue):
            return "the certificate authority could not be read: it is not a PEM certificate"
        case Int(CURLE_SSL_CERTPROBLEM.rawValue) where lower.contains("private key"):
            return "the client key could not be used: it is not a PEM key, or not the certificate's key"
        case Int(CURLE_SSL_CERTPROBLEM.rawValue):
            return "the client certificate could not be used: it is not a PEM certificate"
        case Int(CURLE_SSL_CONNECT_ERROR.rawValue), Int(CURLE_RECV_ERROR.rawValue), Int(CURLE_SEND_ERROR.rawValue):
            if ["alert unknown ca", "alert bad certificate", "alert certificate required", "alert certificate unknown",
                "alert handshake failure"].contains(where: lower.contains) {
                return "the server refused the TLS handshake: it does not accept the client certificate "
                    + "(or needs one and none was configured)"
            }
            return curlCode == Int(CURLE_SSL_CONNECT_ERROR.rawValue) ? "the TLS handshake failed" : nil
        default:
            return nil
        }
    }

    package var description: String {
        let subject = [method ?? "", url].filter { !$0.isEmpty }.joined(separator: " ")
        var text = (subject.isEmpty ? "" : subject + " failed: ") + "\(message) (curl error \(curlCode))"
        if let tlsHint { text += ": \(tlsHint)" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        if let proxy { text += " through proxy \(proxy)" }
        return text
    }

    package var errorDescription: String? { description }
}
