import CCurl
import Foundation

/// Owns a `CURL` easy handle and what libcurl keeps pointers to while it is in use: the error
/// buffer, the header list, the received body and header lines (or, for a stream, the receiver
/// the body goes to as it arrives). libcurl keeps the handle's
/// connections open across transfers (and across `curl_easy_reset`), which is how a `Client`
/// reuses them.
final class EasyHandle {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The lists libcurl points at (headers, connect-to), kept until the next `reset()`.
    private var lists: [HeaderList] = []
    private var body = Data()
    private var headers = Headers()
    private var status = 0
    /// A stream's receiver, set only during `stream(…)`: it gets each piece of the body instead of
    /// `body`, and returns false to end the transfer there.
    private var receiver: ((Int, Headers, Data) -> Bool)?
    private var stopped = false

    init() throws {
        try Curl.initialize()
        guard let made = curl_easy_init() else {
            throw HTTPError(curlCode: CURLE_FAILED_INIT, message: "curl_easy_init failed", method: nil, url: "")
        }
        handle = made
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Forgets every option of the last transfer (connections stay open), then sets what every
    /// transfer of this module needs: the error buffer, the callbacks, no signals (threads).
    func reset() throws {
        curl_easy_reset(handle)
        lists = []
        body = Data()
        headers = Headers()
        status = 0
        receiver = nil
        stopped = false
        errorBuffer[0] = 0
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        let context = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_WRITEDATA, pointer: context)
        try set(CURLOPT_WRITEFUNCTION, callback: { data, size, count, context in
            let handle = Unmanaged<EasyHandle>.fromOpaque(context!).takeUnretainedValue()
            guard let data else { return size * count }
            let bytes = UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self)
            guard let receiver = handle.receiver else {
                handle.body.append(bytes, count: size * count)
                return size * count
            }
            if receiver(handle.status, handle.headers, Data(bytes: bytes, count: size * count)) { return size * count }
            // Any other count than the one given aborts the transfer with CURLE_WRITE_ERROR.
            handle.stopped = true
            return 0
        })
        try set(CURLOPT_HEADERDATA, pointer: context)
        try set(CURLOPT_HEADERFUNCTION, callback: { data, size, count, context in
            let handle = Unmanaged<EasyHandle>.fromOpaque(context!).takeUnretainedValue()
            if let data {
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                handle.received(headerLine: line)
            }
            return size * count
        })
    }

    /// A status line starts a new response (after a proxy's CONNECT answer or a 100 Continue),
    /// so only the last response's headers are kept.
    private func received(headerLine: String) {
        let line = headerLine.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers = Headers()
            status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        } else if let colon = line.firstIndex(of: ":") {
            headers.add(String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                        String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(edp_easy_setopt_long(handle, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String?) throws {
        try check(edp_easy_setopt_string(handle, option, value), option)
    }

    func set(_ option: CURLoption, bytes: Data) throws {
        try check(bytes.withUnsafeBytes { edp_easy_setopt_blob(handle, option, $0.baseAddress, $0.count) }, option)
    }

    func set(_ option: CURLoption, size: Int64) throws {
        try check(edp_easy_setopt_off_t(handle, option, curl_off_t(size)), option)
    }

    func set(_ option: CURLoption, lines: [String]) throws {
        let list = try HeaderList(lines)
        try check(edp_easy_setopt_slist(handle, option, list.list), option)
        lists.append(list)
    }

    /// For options whose data libcurl copies during the call (`CURLOPT_COPYPOSTFIELDS`) or that
    /// point at memory this object owns.
    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(edp_easy_setopt_pointer(handle, option, pointer), option)
    }

    private func set(_ option: CURLoption, callback: edp_curl_data_callback) throws {
        try check(edp_easy_setopt_callback(handle, option, callback), option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code == CURLE_OK else {
            throw HTTPError(curlCode: code, message: "curl_easy_setopt(\(option.rawValue)): \(Curl.text(of: code))",
                            method: nil, url: "")
        }
    }

    /// Runs the transfer set up since `reset()`. The error names `method` and `url` (redacted by the caller).
    func perform(method: String, url: String) throws -> (status: Int, headers: Headers, body: Data) {
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let message = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
            throw HTTPError(curlCode: code, message: message, method: method, url: url)
        }
        var response = 0
        _ = edp_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &response)
        return (response != 0 ? response : status, headers, body)
    }

    /// Runs the transfer set up since `reset()`, handing each piece of the body to `receive` as
    /// libcurl receives it, with the status and headers of the response; `receive` returning false
    /// aborts the transfer, which is then a normal end (`stopped`), not an error. libcurl closes
    /// the connection of a transfer aborted before its end (`multi_done`, "premature"), so the
    /// next transfer of this handle opens a new one.
    func stream(method: String, url: String,
                receive: (_ status: Int, _ headers: Headers, _ chunk: Data) -> Bool) throws -> (status: Int, headers: Headers, stopped: Bool) {
        try withoutActuallyEscaping(receive) { receive in
            receiver = receive
            defer { receiver = nil }
            let code = curl_easy_perform(handle)
            guard code == CURLE_OK || code == CURLE_WRITE_ERROR && stopped else {
                let message = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
                throw HTTPError(curlCode: code, message: message, method: method, url: url)
            }
            var response = 0
            _ = edp_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &response)
            return (response != 0 ? response : status, headers, stopped)
        }
    }

    /// How many connections the last transfer had to open (0 when it reused one).
    var connectionsOpened: Int {
        var count = 0
        _ = edp_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &count)
        return count
    }
}
