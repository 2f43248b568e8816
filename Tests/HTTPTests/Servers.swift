import Foundation
import HTTP
import TestSupport

/// A port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw SupportError("socket() failed") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
        }
    }
    guard bound else { throw SupportError("bind() to 127.0.0.1:0 failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func listening(_ port: Int) -> Bool {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// The path of `program`, or nil when it is not installed.
func programPath(_ program: String) -> String? {
    ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"].map { $0 + "/" + program }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Whether every one of `programs` is installed: the suites' `.enabled(if:)` traits skip,
/// naming the Debian packages, when one is not.
func allInstalled(_ programs: String...) -> Bool {
    programs.allSatisfy { programPath($0) != nil }
}

/// The path of `program`; the suite's trait has skipped the tests already when it is missing,
/// so this error only shows a trait that forgot it.
func installed(_ program: String, package: String) throws -> String {
    guard let path = programPath(program) else {
        throw SupportError("\(program) is not installed (Debian package \(package); `make test` installs it)")
    }
    return path
}

/// A server program run by a test: its output goes to `log`, it is stopped (SIGKILL, then
/// waited for) when the value goes away. Not SIGTERM: swift-testing runs tests on dispatch
/// threads, which block SIGTERM, and a child started there inherits that mask and ignores it.
final class ServerProcess {
    let name: String
    let log: String
    private let process = Process()

    /// Starts `executable` and waits up to 10 s until 127.0.0.1:`port` accepts connections.
    init(_ name: String, _ executable: String, _ arguments: [String], port: Int, log: String) throws {
        self.name = name
        self.log = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !listening(port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw SupportError("\(name) did not start on port \(port): \((try? read(log)) ?? "")")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    private func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// The certificates of a test, made with the openssl CLI in `folder`: a CA; a server certificate
/// for IP 127.0.0.1 (and `alias`, a name /etc/hosts gives 127.0.0.1, when there is one); a second
/// server certificate for `localhost` and `kube.edpctl.test` only; a client certificate; and a
/// wrong CA with a client certificate of its own.
struct Certificates {
    let folder: String
    let alias: String?

    init(in folder: String) throws {
        self.folder = folder
        alias = Self.loopbackAlias()
        try makeCA("ca")
        try makeCA("wrong-ca")
        try makeLeaf("server", ca: "ca", subject: "/CN=127.0.0.1",
                     extensions: "subjectAltName=IP:127.0.0.1" + (alias.map { ",DNS:\($0)" } ?? "") + "\nextendedKeyUsage=serverAuth")
        try makeLeaf("named", ca: "ca", subject: "/CN=localhost",
                     extensions: "subjectAltName=DNS:localhost,DNS:kube.edpctl.test\nextendedKeyUsage=serverAuth")
        try makeLeaf("client", ca: "ca", subject: "/CN=edpctl-test-client", extensions: "extendedKeyUsage=clientAuth")
        try makeLeaf("wrong-client", ca: "wrong-ca", subject: "/CN=edpctl-wrong-client", extensions: "extendedKeyUsage=clientAuth")
    }

    func path(_ name: String) -> String { folder + "/" + name }

    func pem(_ name: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path(name)) else { throw SupportError("cannot read \(path(name))") }
        return data
    }

    private func makeCA(_ name: String) throws {
        try runProgram("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                            "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).crt"),
                                            "-subj", "/CN=edpctl test \(name)", "-days", "2",
                                            "-addext", "basicConstraints=critical,CA:TRUE",
                                            "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    }

    private func makeLeaf(_ name: String, ca: String, subject: String, extensions: String) throws {
        try write(extensions + "\n", to: path("\(name).ext"))
        try runProgram("/usr/bin/openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                            "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
        try runProgram("/usr/bin/openssl", ["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).crt"),
                                            "-CAkey", path("\(ca).key"), "-CAcreateserial", "-days", "2",
                                            "-out", path("\(name).crt"), "-extfile", path("\(name).ext")])
    }

    /// A name other than `localhost` that /etc/hosts maps to 127.0.0.1: Go's proxy rules never
    /// proxy `localhost` or a loopback address, so the proxy-from-environment tests need one.
    static func loopbackAlias() -> String? {
        guard let hosts = try? read("/etc/hosts") else { return nil }
        for line in hosts.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.first == "127.0.0.1" else { continue }
            if let name = fields.dropFirst().first(where: { $0 != "localhost" && !$0.hasPrefix("#") && $0.contains(where: \.isLetter) }) {
                return String(name)
            }
        }
        return nil
    }
}

/// nginx (Debian's nginx-light) on 127.0.0.1, run as the current user from its own configuration
/// in `folder`: HTTPS on `port` requiring a client certificate of the test CA, whose answer says
/// what the server saw (SNI name, Host, the peer's address, the connection's serial number,
/// the client certificate's subject), and the `named` certificate for SNI `localhost` or
/// `kube.edpctl.test`.
final class Nginx {
    let port: Int
    private let server: ServerProcess

    init(folder: String, certificates: Certificates) throws {
        let nginx = try installed("nginx", package: "nginx-light")
        let port = try freePort()
        self.port = port
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        let answer = "\"sni=$ssl_server_name host=$http_host remote=$remote_addr connection=$connection client=$ssl_client_s_dn\\n\""
        func block(_ name: String, certificate: String, defaultServer: Bool) -> String {
            """
                server {
                    listen 127.0.0.1:\(port) ssl\(defaultServer ? " default_server" : "");
                    server_name \(name);
                    ssl_certificate \(certificates.path(certificate + ".crt"));
                    ssl_certificate_key \(certificates.path(certificate + ".key"));
                    ssl_client_certificate \(certificates.path("ca.crt"));
                    ssl_verify_client on;
                    location / { return 200 \(answer); }
                }

            """
        }
        let configuration = """
            daemon off;
            master_process off;
            pid \(folder)/nginx.pid;
            error_log \(folder)/error.log info;
            events { worker_connections 64; }
            http {
                access_log \(folder)/access.log;
                client_body_temp_path \(folder)/body;
                proxy_temp_path \(folder)/proxy;
                fastcgi_temp_path \(folder)/fastcgi;
                uwsgi_temp_path \(folder)/uwsgi;
                scgi_temp_path \(folder)/scgi;
                keepalive_requests 10000;
                default_type text/plain;
            \(block("_", certificate: "server", defaultServer: true))\(block("localhost kube.edpctl.test", certificate: "named", defaultServer: false))}

            """
        try write(configuration, to: folder + "/nginx.conf")
        server = try ServerProcess("nginx", nginx, ["-p", folder, "-c", folder + "/nginx.conf", "-e", folder + "/error.log"],
                                   port: port, log: folder + "/stderr.log")
    }
}

/// microsocks, a SOCKS5 proxy, on 127.0.0.1:`port`; its outgoing connections leave from
/// 127.0.0.2, so a server sees which requests came through it.
final class MicroSocks {
    static let outgoingAddress = "127.0.0.2"
    let port: Int
    private let server: ServerProcess

    init(folder: String) throws {
        let microsocks = try installed("microsocks", package: "microsocks")
        port = try freePort()
        server = try ServerProcess("microsocks", microsocks, ["-i", "127.0.0.1", "-p", String(port), "-b", Self.outgoingAddress],
                                   port: port, log: folder + "/microsocks.log")
    }
}

/// tinyproxy, an HTTP proxy that tunnels with CONNECT, on 127.0.0.1:`port`; its outgoing
/// connections leave from 127.0.0.3.
final class TinyProxy {
    static let outgoingAddress = "127.0.0.3"
    let port: Int
    private let server: ServerProcess

    init(folder: String) throws {
        let tinyproxy = try installed("tinyproxy", package: "tinyproxy")
        port = try freePort()
        try write("""
            Port \(port)
            Listen 127.0.0.1
            Bind \(Self.outgoingAddress)
            Timeout 30
            Allow 127.0.0.1
            MaxClients 20
            LogLevel Info

            """, to: folder + "/tinyproxy.conf")
        server = try ServerProcess("tinyproxy", tinyproxy, ["-d", "-c", folder + "/tinyproxy.conf"],
                                   port: port, log: folder + "/tinyproxy.log")
    }
}

/// A plain HTTP server (python3's http.server) whose paths answer as the retry tests need, and
/// that counts the requests it got per path (`GET /count/<path>`):
/// - `/503`: always 503; `/500-then-ok`: 500 once, then 200;
/// - `/429-seconds`: 429 with `Retry-After: 1` once, then 200; `/429-date`: the same with an
///   HTTP date 2 s ahead; `/429-long`: always 429 with `Retry-After: 3600`;
/// - `/slow`: 200 after 3 s;
/// - `/trickle`: 200, chunked: `line 1` to `line 5`, one every 0.4 s, the end 0.4 s after the last;
///   `/trickle-cut`: `line 1` and `line 2` the same way, then the connection closed without the
///   chunked body's end;
/// - `/peer`: 200 with the address the request came from.
final class ScriptedServer {
    let port: Int
    private let server: ServerProcess

    // Only `from … import` lines: scripts/check-architecture.py reads lines starting with `import`.
    static let script = #"""
        from sys import argv, stderr
        from time import time, sleep
        from threading import Lock
        from email.utils import formatdate
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        counts = {}
        lock = Lock()
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length: self.rfile.read(length)
                path = self.path.split("?")[0]
                if path.startswith("/count/"):
                    with lock: n = counts.get(path[len("/count"):], 0)
                    return self.answer(200, str(n).encode())
                with lock:
                    counts[path] = counts.get(path, 0) + 1
                    n = counts[path]
                if path == "/503": return self.answer(503, b"busy")
                if path == "/500-then-ok": return self.answer(500 if n == 1 else 200, b"ok" if n > 1 else b"")
                if path == "/429-seconds":
                    return self.answer(429, headers=[("Retry-After", "1")]) if n == 1 else self.answer(200, b"ok")
                if path == "/429-date":
                    date = formatdate(time() + 2, usegmt=True)
                    return self.answer(429, headers=[("Retry-After", date)]) if n == 1 else self.answer(200, b"ok")
                if path == "/429-long": return self.answer(429, headers=[("Retry-After", "3600")])
                if path == "/warnings":
                    return self.answer(200, b"ok", headers=[("Warning", '299 - "first"'), ("Warning", '299 - "second"')])
                if path == "/peer": return self.answer(200, self.client_address[0].encode())
                if path in ("/trickle", "/trickle-cut"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for n in range(1, 6 if path == "/trickle" else 3):
                            line = b"line %d\n" % n
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                            sleep(0.4)
                        if path == "/trickle": self.wfile.write(b"0\r\n\r\n")
                        else: self.close_connection = True
                    except OSError:  # the client stopped reading
                        self.close_connection = True
                    return
                if path == "/slow":
                    sleep(3)
                    return self.answer(200, b"late")
                self.answer(404)
            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any
            def log_message(self, format, *args):
                stderr.write("%s\n" % (format % args))
        ThreadingHTTPServer(("127.0.0.1", int(argv[1])), Handler).serve_forever()
        """#

    init(folder: String) throws {
        let python = try installed("python3", package: "python3")
        port = try freePort()
        try write(Self.script, to: folder + "/server.py")
        server = try ServerProcess("python3 http.server", python, [folder + "/server.py", String(port)],
                                   port: port, log: folder + "/python.log")
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// How many requests `path` got, asked with a client of its own.
    func count(_ path: String) throws -> Int {
        let response = try Client(Configuration()).send(Request(url: url + "/count" + path))
        return Int(String(decoding: response.body, as: UTF8.self)) ?? -1
    }
}
