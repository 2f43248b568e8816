import CCurl

/// Swift runs a global's initializer once, even when threads race for it: the "once, before any
/// other call" that `curl_global_init` asks for. `curl_global_cleanup` is never called, since a
/// handle may be freed at any moment up to the process's exit; exiting releases what init took.
private let curlGlobalInitialization: CURLcode = edp_curl_global_init()

enum Curl {
    /// Every place that creates a curl handle calls this first.
    static func initialize() throws {
        if curlGlobalInitialization != CURLE_OK {
            throw HTTPError(curlCode: curlGlobalInitialization, message: "curl_global_init failed", method: nil, url: "")
        }
    }

    /// curl's fixed text for a code, e.g. "Couldn't connect to server".
    static func text(of code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }
}

/// The linked libcurl's version, e.g. `7.88.1`.
package var libcurlVersion: String {
    String(cString: edp_curl_version_info().pointee.version)
}

/// The TLS library the linked libcurl uses, e.g. `OpenSSL/3.0.15`; nil for a build without TLS.
package var libcurlTLSVersion: String? {
    edp_curl_version_info().pointee.ssl_version.map { String(cString: $0) }
}
