import CCurl

/// Owns a `curl_slist` of header lines. The easy handle that is given it keeps only the pointer,
/// so `EasyHandle` holds this object for as long as the list is set.
final class HeaderList {
    private(set) var list: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) throws {
        for line in lines {
            // curl_slist_append copies the string; on failure it leaves the old list alone.
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw HTTPError(curlCode: CURLE_OUT_OF_MEMORY, message: "curl_slist_append failed", method: nil, url: "")
            }
            list = appended
        }
    }

    deinit {
        curl_slist_free_all(list)
    }
}
