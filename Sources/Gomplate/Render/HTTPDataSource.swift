import Foundation
import HTTP
import Template

/// A header sent with the http(s) data sources of an alias: gomplate's `--datasource-header`
/// (`-H`) `ALIAS=Name: value`. The value is often a token: it is never printed, not even by
/// `description`.
package struct DataSourceHeader: Sendable, Equatable, CustomStringConvertible {
    package var alias: String
    package var name: String
    package var value: String

    package init(alias: String, name: String, value: String) {
        self.alias = alias
        self.name = name
        self.value = value
    }

    /// `ALIAS=Name: value`, as `-H` takes it. Errors name the alias and header at most, never
    /// the value; an alias that looks like a header (`-H 'Authorization: Bearer …='`, the alias
    /// left out and the token holding `=`) is not named either.
    package init(argument: String) throws {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
            throw FunctionError("invalid datasource-header option: expected ALIAS=Name: value")
        }
        let alias = String(argument[..<equals])
        guard !alias.contains(where: { $0 == ":" || $0.isWhitespace }) else {
            throw FunctionError("invalid datasource-header option: expected ALIAS=Name: value (the alias is missing)")
        }
        let header = argument[argument.index(after: equals)...]
        guard let colon = header.firstIndex(of: ":") else {
            throw FunctionError("invalid HTTP header for datasource '\(alias)': expected Name: value")
        }
        try self.init(validating: alias, name: String(header[..<colon]),
                      value: header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    /// A header as the config file gives it (`header: {Name: [values]}`), checked as `-H`'s: the
    /// name canonicalised as Go's `http.CanonicalHeaderKey` does, a token of RFC 9110; the value
    /// without a line break or NUL, which would put another header on the wire.
    package init(validating alias: String, name written: String, value: String) throws {
        let name = Self.canonical(Substring(written))
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_!#$%&'*+.^`|~".unicodeScalars.contains($0))
        }) else {
            throw FunctionError("invalid HTTP header name for datasource '\(alias)': \(goQuote(written))")
        }
        guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
            throw FunctionError("invalid HTTP header value for datasource '\(alias)', header \(name): it holds a line break or NUL")
        }
        self.init(alias: alias, name: name, value: value)
    }

    package var description: String { "\(alias)=\(name): [redacted]" }

    /// `content-type` → `Content-Type`.
    private static func canonical(_ name: Substring) -> String {
        name.split(separator: "-", omittingEmptySubsequences: false)
            .map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
            .joined(separator: "-")
    }
}

/// Reads http(s) data sources: a GET with the alias's headers over the project's libcurl client,
/// made when first needed and shared by every template of the render.
final class HTTPDataSourceReader: @unchecked Sendable {
    private let headers: [String: [DataSourceHeader]]
    private let environment: [String: String]
    private let lock = NSLock()
    private var client: Client?

    init(headers: [DataSourceHeader], environment: [String: String]) {
        self.headers = Dictionary(grouping: headers, by: \.alias)
        self.environment = environment
    }

    /// Whether requests for `alias` carry headers (so its reads are cached apart from other aliases').
    func hasHeaders(for alias: String) -> Bool { headers[alias] != nil }

    /// The body of `url` and its media type: `?type=` (which is not sent), else the response's
    /// `Content-Type`, else the path's extension, else text/plain, as gomplate decides it.
    func read(_ url: SourceURL, alias: String, typeParameter: String?) throws -> DataSourceContent {
        var target = url
        target.rawQuery = url.rawQuery.split(separator: "&")
            .filter { $0.split(separator: "=", maxSplits: 1).first != "type" }.joined(separator: "&")
        var fields = Headers()
        for header in headers[alias] ?? [] { fields.add(header.name, header.value) }
        // Streamed, to stop at the limit every read of unknown size has (a file, a pipe).
        var body = Data()
        let response: StreamEnd
        do {
            let client = try sharedClient()
            response = try client.stream(Request(url: target.description, headers: fields),
                                         timeout: client.configuration.timeout) { head, chunk in
                guard (200..<300).contains(head.status) else { return .stop }
                body.append(chunk)
                if body.count > WorkLimits.maxStringBytes {
                    throw DataSourceReadError("GET \(target.redacted): more than \(WorkLimits.maxStringBytes) bytes (64 MiB)")
                }
                return .proceed
            }
        } catch let error as HTTPError {
            // HTTPError holds no header values; its URL is redacted.
            throw DataSourceReadError("\(error)")
        }
        let status = response.head.status
        guard (200..<300).contains(status) else {
            // The body is left out: a server may echo the request, token included.
            throw DataSourceReadError("GET \(target.redacted) answered HTTP \(status)"
                                      + (hasHeaders(for: alias) ? " (sent with the datasource's headers, not shown)" : ""))
        }
        let contentType = response.head.headers["Content-Type"]
            .map { String($0.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased() }
            .flatMap { $0.isEmpty ? nil : $0 }
        let type = typeParameter ?? contentType ?? DataType.forFileName(url.path) ?? DataType.text
        return .raw(type: type, text: String(decoding: body, as: UTF8.self))
    }

    private func sharedClient() throws -> Client {
        try lock.withLock {
            if let client { return client }
            var configuration = Configuration()
            // Go's default transport: the proxy variables of the environment.
            configuration.proxy = .environment(environment)
            // gomplate reads a source once; a 5xx is the template's error, not a reason to wait.
            configuration.retry = .never
            let made = try Client(configuration)
            client = made
            return made
        }
    }
}

extension SourceURL {
    /// Go's `URL.Redacted`: the URL with a password in it shown as `xxxxx`, for errors.
    var redacted: String {
        guard let at = host.lastIndex(of: "@"), let colon = host[..<at].firstIndex(of: ":") else { return description }
        var copy = self
        copy.host = String(host[...colon]) + "xxxxx" + String(host[at...])
        return copy.description
    }
}
