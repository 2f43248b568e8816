"""The fake API server (Tests/Support/fake-kube-apiserver.py) outside of `swift test`, for the benchmarks.

    from fakekube import FakeKube
    fake = FakeKube(folder)          # openssl-made CA, server and client certificates in folder; the fake started
    fake.kubeconfig                  # a kubeconfig for edpctl (client certificate, the CA)
    fake.control({"op": "counters"}) # the control channel (see the fake's docstring)
    fake.api("DELETE", "/api/v1/namespaces/bench")   # a request as the client edpctl is
    fake.stop()

Python 3 and openssl are all it needs.
"""
import base64, http.client, json, os, ssl, subprocess, threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "Tests/Support/fake-kube-apiserver.py")


def openssl(args, cwd):
    subprocess.run(["openssl"] + args, cwd=cwd, check=True, capture_output=True)


def tls_material(folder):
    """ca.pem, server.pem (for 127.0.0.1), client.pem (system:masters) and their keys, once per folder."""
    if os.path.exists(f"{folder}/client.pem"):
        return
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
    openssl(["req", "-x509"] + ec + ["-keyout", "ca-key.pem", "-subj", "/CN=bench-ca", "-out", "ca.pem"], folder)
    openssl(["req", "-new"] + ec + ["-keyout", "server-key.pem", "-subj", "/CN=fake", "-addext",
             "subjectAltName=IP:127.0.0.1", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-out", "server.pem"], folder)
    openssl(["req", "-new"] + ec + ["-keyout", "client-key.pem", "-subj", "/O=system:masters/CN=admin", "-addext",
             "extendedKeyUsage=clientAuth", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-out", "client.pem"], folder)


class FakeKube:
    def __init__(self, folder, kubeconfig="kubeconfig"):
        self.folder = folder
        tls_material(folder)
        self.process = subprocess.Popen(
            ["python3", SERVER, "--cert", f"{folder}/server.pem", "--key", f"{folder}/server-key.pem",
             "--client-ca", f"{folder}/ca.pem"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.process.stdout.readline())
        # The control channel is one pipe: requests from several threads take turns.
        self.lock = threading.Lock()
        self.kubeconfig = os.path.join(folder, kubeconfig)
        with open(self.kubeconfig, "w") as out:
            out.write(self.kubeconfig_text())

    def kubeconfig_text(self):
        b64 = lambda name: base64.b64encode(open(f"{self.folder}/{name}", "rb").read()).decode()
        return f"""apiVersion: v1
kind: Config
clusters: [{{name: fake, cluster: {{server: "https://127.0.0.1:{self.port}", certificate-authority-data: {b64("ca.pem")}}}}}]
users: [{{name: fake, user: {{client-certificate-data: {b64("client.pem")}, client-key-data: {b64("client-key.pem")}}}}}]
contexts: [{{name: fake, context: {{cluster: fake, user: fake}}}}]
current-context: fake
"""

    def control(self, request):
        with self.lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline())
        if not answer.get("ok"):
            raise RuntimeError(f"the fake refused {request.get('op')}: {answer.get('error')}")
        return answer

    def api(self, method, path, body=None):
        """One request with the client certificate (`body` sent as JSON); the status code."""
        tls = ssl.create_default_context(cafile=f"{self.folder}/ca.pem")
        tls.load_cert_chain(f"{self.folder}/client.pem", f"{self.folder}/client-key.pem")
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=tls)
        if body is None:
            connection.request(method, path)
        else:
            connection.request(method, path, json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status

    def stop(self):
        self.process.stdin.close()
        self.process.wait()
