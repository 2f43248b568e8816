import Foundation
import TestSupport

/// A TCP relay on 127.0.0.1 to another local port (python3, standard library), that cuts every
/// connection it carries when told: a network that drops a watch in the middle of its stream,
/// which the fake API server's `drop` fault (before an answer) cannot do. TLS passes through
/// untouched, so a client of the relay still verifies the server's certificate for 127.0.0.1.
final class CuttingRelay: @unchecked Sendable {
    let port: Int
    private let process = Process()
    private let input: FileHandle
    private let output: FileHandle

    // Only `from … import` lines: scripts/check-architecture.py reads lines starting with `import`.
    private static let script = #"""
        from socket import socket, create_connection, SHUT_RDWR, SOL_SOCKET, SO_REUSEADDR
        from sys import argv, stdin, stdout
        from threading import Thread, Lock
        target = int(argv[1])
        listener = socket()
        listener.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        live, lock = set(), Lock()
        def close(pair):
            for end in pair:
                try: end.shutdown(SHUT_RDWR)
                except OSError: pass
        def pump(source, sink, pair):
            try:
                while True:
                    data = source.recv(65536)
                    if not data: break
                    sink.sendall(data)
            except OSError:
                pass
            with lock: live.discard(pair)
            close(pair)
        def accept():
            while True:
                client, _ = listener.accept()
                upstream = create_connection(("127.0.0.1", target))
                pair = (client, upstream)
                with lock: live.add(pair)
                Thread(target=pump, args=(client, upstream, pair), daemon=True).start()
                Thread(target=pump, args=(upstream, client, pair), daemon=True).start()
        Thread(target=accept, daemon=True).start()
        print(listener.getsockname()[1], flush=True)
        for line in stdin:
            with lock:
                cut = list(live)
                live.clear()
            for pair in cut: close(pair)
            print(len(cut), flush=True)
        """#

    /// Relays 127.0.0.1:`port` (its own, picked by the kernel) to 127.0.0.1:`target`.
    init(to target: Int, folder: TemporaryFolder) throws {
        let script = folder.child("relay.py")
        try write(Self.script, to: script)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(target)]
        let inputPipe = Pipe(), outputPipe = Pipe()
        process.standardInput = inputPipe
        process.standardOutput = outputPipe
        input = inputPipe.fileHandleForWriting
        output = outputPipe.fileHandleForReading
        try process.run()
        guard let line = Self.line(output), let port = Int(line) else {
            throw SupportError("the relay did not start")
        }
        self.port = port
    }

    deinit {
        // The relay exits when its stdin closes.
        try? input.close()
        process.waitUntilExit()
    }

    /// Cuts every connection open now; returns how many there were.
    func cut() throws -> Int {
        try input.write(contentsOf: Data("cut\n".utf8))
        guard let line = Self.line(output), let count = Int(line) else { throw SupportError("the relay stopped answering") }
        return count
    }

    /// One line of the relay's output, read a byte at a time (it answers one short line per request).
    private static func line(_ handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while true {
            guard let byte = try? handle.read(upToCount: 1), let first = byte.first else { return nil }
            if first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(first)
        }
    }
}
