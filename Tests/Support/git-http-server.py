#!/usr/bin/env python3
"""A git smart-HTTP server for tests: `git http-backend` as CGI behind HTTP basic auth.

    git-http-server.py --root DIR --user NAME --token SECRET

Serves every repository under DIR on 127.0.0.1, on a port the kernel picks, and prints
that port as the first line of stdout. Every request must carry `Authorization: Basic`
with NAME:SECRET, otherwise the answer is 401 (a private repository, as CI sees one).
Exits when stdin reaches end of file, so a test process that dies takes its server with it.
Standard library only.
"""

import argparse
import base64
import hmac
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def git_http_backend():
    exec_path = subprocess.run(["git", "--exec-path"], check=True, capture_output=True, text=True).stdout.strip()
    return os.path.join(exec_path, "git-http-backend")


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections open, as real git hosts do; every answer carries a Content-Length.
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def serve(self):
        body = self.read_body()
        if not self.authorized():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.server.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            # The body is passed de-chunked, so its length is always known.
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": self.server.user,
            "REMOTE_ADDR": self.client_address[0],
        }
        for header in ("Content-Encoding", "Git-Protocol"):
            if header in self.headers:
                env["HTTP_" + header.upper().replace("-", "_")] = self.headers[header]
        result = subprocess.run([self.server.backend], input=body, env=env, capture_output=True)
        if result.stderr:
            sys.stderr.buffer.write(result.stderr)
            sys.stderr.flush()
        self.send_cgi_output(result.stdout)

    def read_body(self):
        chunked = self.headers.get("Transfer-Encoding", "").lower() == "chunked"
        body = self.read_chunked() if chunked else self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if body:
            self.log_message("body of %s: %d bytes%s", self.path, len(body), ", chunked" if chunked else "")
        return body

    def read_chunked(self):
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                # Skip trailers up to the blank line that ends the body.
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def authorized(self):
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            return False
        expected = f"{self.server.user}:{self.server.token}".encode()
        return hmac.compare_digest(given, expected)

    def send_cgi_output(self, output):
        header_end = output.find(b"\r\n\r\n")
        separator = 4
        if header_end < 0:
            header_end, separator = output.find(b"\n\n"), 2
        if header_end < 0:
            self.send_error(502, "git http-backend wrote no CGI headers")
            return
        status, headers = 200, []
        for line in output[:header_end].decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            else:
                headers.append((name, value.strip()))
        body = output[header_end + separator:]
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="folder holding the bare repositories")
    parser.add_argument("--user", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root = os.path.abspath(args.root)
    server.user = args.user
    server.token = args.token
    server.backend = git_http_backend()

    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
