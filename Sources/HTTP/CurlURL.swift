import CCurl

/// Owns a `CURLU`, libcurl's URL parser, so URLs are read exactly as the transfer will read them.
final class CurlURL {
    private let handle: OpaquePointer

    /// nil when libcurl does not take `text` as an absolute URL. Any scheme is parsed (`socks5h`
    /// is not one libcurl's URL parser knows); callers check the scheme.
    init?(_ text: String) {
        guard let made = curl_url() else { return nil }
        handle = made
        // The deinit frees the handle on this path too.
        guard curl_url_set(handle, CURLUPART_URL, text, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK else { return nil }
    }

    deinit {
        curl_url_cleanup(handle)
    }

    /// A part as libcurl stores it, nil when absent. `CURLU_DEFAULT_PORT` gives the scheme's port.
    func part(_ part: CURLUPart, flags: UInt32 = 0) -> String? {
        var text: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &text, flags) == CURLUE_OK, let text else { return nil }
        defer { curl_free(text) }
        return String(cString: text)
    }

    func set(_ part: CURLUPart, _ value: String?) -> Bool {
        curl_url_set(handle, part, value, 0) == CURLUE_OK
    }

    var scheme: String { part(CURLUPART_SCHEME)?.lowercased() ?? "" }
    /// The host without IPv6 brackets, lower-cased.
    var host: String {
        let host = (part(CURLUPART_HOST) ?? "").lowercased()
        return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
    /// The explicit port, else the scheme's (443 for https).
    var port: Int { part(CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)).flatMap { Int($0) } ?? 0 }
    var text: String { part(CURLUPART_URL) ?? "" }

    /// `scheme://host:port/path` without userinfo, query or fragment, which may hold credentials
    /// (`?access_token=`); a text libcurl cannot parse is not shown at all.
    static func redacted(_ text: String) -> String {
        guard let url = CurlURL(text),
              url.set(CURLUPART_USER, nil), url.set(CURLUPART_PASSWORD, nil), url.set(CURLUPART_OPTIONS, nil),
              url.set(CURLUPART_QUERY, nil), url.set(CURLUPART_FRAGMENT, nil)
        else { return "<a URL that is not valid>" }
        return url.text
    }
}
