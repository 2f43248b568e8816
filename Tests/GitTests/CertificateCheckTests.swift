import Foundation
import Testing
@testable import Git
import TestSupport

/// The certificate callback judges SSH host keys only: for HTTPS it must leave libgit2's own TLS
/// verification in charge, or installing it would have turned every certificate valid.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
                "no /usr/bin/openssl to serve a self-signed certificate with"))
struct CertificateCheckTests {
    @Test func aSelfSignedHTTPSCertificateIsStillRefused() throws {
        let folder = try TemporaryFolder()
        try runProgram("/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                       "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                       "-keyout", folder.child("key.pem"), "-out", folder.child("cert.pem"))
        let port = try freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", folder.child("cert.pem"),
                            "-key", folder.child("key.pem"), "-www"]
        server.standardInput = Pipe()
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // SIGKILL, not `terminate()`: the child inherits the test thread's signal mask, where
            // SIGTERM is blocked, and s_server never unblocks it.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        try waitUntilListening(port: port)

        let url = "https://127.0.0.1:\(port)/platform.git"
        let error = #expect(throws: GitError.self) {
            try Repository.clone(url: url, to: folder.child("clone"),
                                 credentials: .https(username: "ci-bot", token: "tok-unused-1234"))
        }
        guard case .network(let shown, let message) = error else {
            Issue.record("expected a TLS failure, got \(String(describing: error))")
            return
        }
        #expect(shown == url)
        #expect(message.hasPrefix("the SSL certificate is invalid"), "\(message)")
    }

    /// Connects until something accepts on `port`, for up to ten seconds.
    func waitUntilListening(port: Int) throws {
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(socket)
            if connected { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw SupportError("nothing listens on 127.0.0.1:\(port)")
    }
}
