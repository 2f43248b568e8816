import Foundation
import TestSupport

/// Everything `edpctl rebuild` reaches, on this machine: the fake API server with its simulated
/// helm-controller, node and Argo CD; this fixture's own controllers for what the gitops
/// repository would install (CloudNativePG's database Secret, the Keycloak operator and its
/// imports); the gitops repository on the real `git http-backend` behind a PAT; an HTTP server
/// serving the k3s installer (a stub that records its environment and arguments and writes the
/// fake's kubeconfig where k3s writes its own) and answering the probes; and a folder with a
/// platform.yaml modelled on examples/ultron (local URLs, air-gapped: the k3s binary and an image
/// tarball are files here) and its secrets.yaml, realm import and ClusterIssuers. The node's paths
/// are under `root`. The credentials are given to the child process only (`environment`), never
/// set in this process.
final class RebuildFixture: @unchecked Sendable {
    static let credentials = [
        "GITOPS_USERNAME": "webb1es",
        "GITOPS_PAT": "ghp_E2eRepoTokenValue0123456789abcdefXYZ",
        "PENVOICE_API_KC_SECRET": "Kc0123456789abcdefghijKLMNOPQRSTUVwxyz",
        "OCI_S3_ACCESS_KEY": "0123456789abcdef0123456789abcdef01234567",
        "OCI_S3_SECRET_KEY": "yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err",
        "GHCR_USERNAME": "webb1es",
        "GHCR_TOKEN": "ghp_GhcrTokenValue0123456789abcdefghij",
    ]
    /// The charts of the ultron runbook, in platform.yaml's order.
    static let charts = ["cert-manager", "kube-prometheus-stack", "argo-cd", "argo-rollouts", "argo-workflows", "argo-events"]
    /// The Applications the root app creates once synced (the gitops repository's apps/).
    static let children = ["cnpg-operator", "keycloak-operator", "penvoice", "keycloak-test"]
    /// Install delays short enough for a quick suite, long enough that the charts overlap.
    static let delays: [String: Double] = ["cert-manager": 0.5, "kube-prometheus-stack": 1.2, "argo-cd": 0.6,
                                           "argo-rollouts": 0.3, "argo-workflows": 0.3, "argo-events": 0.3]

    let scratch: Scratch
    let server: FakeKubeServer
    let git: GitServer
    let site: LocalSite
    /// Where the stub installer records each run: `run-N.env` (INSTALL_K3S_* and K3S_*), `run-N.args`,
    /// `run-N.names` (the names of every variable it was given, no value).
    let installerRecords: String
    private let controllers: ClusterControllers
    /// The servers' files: the bare repository, the installer served, its records.
    private let folder: TemporaryFolder

    var root: String { scratch.path + "/node" }
    var journal: String { root + "/var/lib/edpctl/rebuild-journal.json" }

    /// `delays` and `installs` say how each chart's install goes; `probePath` and `probeTimeout`
    /// are the first probe's, `chartTimeouts` the charts' `timeout` (by name).
    init(delays: [String: Double] = RebuildFixture.delays, installs: [String: FakeKubeServer.ChartInstall] = [:],
         probePath: String = "/", probeTimeout: String = "30s", chartTimeouts: [String: String] = [:]) throws {
        scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/node", withIntermediateDirectories: true)
        server = try FakeKubeServer()
        try server.serveHelmCharts()
        for chart in Self.charts {
            var install = installs[chart] ?? FakeKubeServer.ChartInstall(delay: delays[chart] ?? 0.3)
            // What the real charts install: cert-manager's CRDs (crds.enabled), Argo CD's.
            if chart == "cert-manager" { install.crds += ["cert-manager.io_ClusterIssuer.yaml"] }
            if chart == "argo-cd" { install.crds += ["argoproj.io_Application.yaml", "argoproj.io_AppProject.yaml"] }
            try server.simulateChart(chart, install)
        }
        try server.simulateApplication("*", delay: 0.3)
        try server.simulateApplication("root", delay: 0.3, creates: Self.children)
        // keycloak-test is made Healthy by ClusterControllers, after the realm import.
        try server.simulateApplication("keycloak-test", delay: 3600)

        folder = try TemporaryFolder("e2e-servers")
        try makeBareRepository("gitops", in: folder.child("git/served"), files: [
            "bootstrap/root-app.yaml": Self.rootApp(repository: "https://github.com/webb1es/gitops.git"),
            "README.md": "# gitops\n",
        ])
        git = try GitServer(root: folder.child("git"), user: Self.credentials["GITOPS_USERNAME"]!, token: Self.credentials["GITOPS_PAT"]!)
        installerRecords = folder.child("installer-runs")
        try FileManager.default.createDirectory(atPath: installerRecords, withIntermediateDirectories: true)
        let siteFolder = folder.child("site")
        try write(Self.installer(records: installerRecords, kubeconfig: server.kubeconfigPath), to: siteFolder + "/install.sh")
        site = try LocalSite(folder: siteFolder)
        controllers = ClusterControllers(server, kubeconfig: scratch.path + "/node/etc/rancher/k3s/k3s.yaml")

        let ultron = Self.packageRoot + "/examples/ultron"
        try scratch.write("cluster-issuers.yaml", try read(ultron + "/cluster-issuers.yaml"))
        try scratch.write("keycloak/penvoice-realm.yaml", try read(ultron + "/keycloak/penvoice-realm.yaml"))
        try scratch.write("secrets.yaml", Self.secrets(repository: git.url("gitops")))
        try scratch.write("airgap/k3s", "#!/bin/sh\necho 'k3s version v1.31.4+k3s1 (stub)'\n", mode: 0o755)
        try scratch.write("airgap/k3s-airgap-images-amd64.tar.zst", "not really zstd: the images k3s imports at start\n")
        // The host's OS, as preflight reads it under the root.
        try scratch.write("node/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")
        try scratch.write("platform.yaml", platform(probePath: probePath, probeTimeout: probeTimeout, chartTimeouts: chartTimeouts))
    }

    deinit { controllers.stop() }

    /// The package's folder, found from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// ultron's platform.yaml with this machine's installer, repositories, probes and timeouts.
    /// Chart repositories are addresses (nothing fetches them here; preflight resolves names).
    func platform(probePath: String, probeTimeout: String, chartTimeouts: [String: String]) -> String {
        func timeout(_ chart: String, _ otherwise: String) -> String { chartTimeouts[chart] ?? otherwise }
        return """
            # ultron, as examples/ultron/platform.yaml, against the test's servers.
            k3s:
              version: v1.31.4+k3s1
              installer:
                url: \(site.url)/install.sh
                sha256: \(installerSHA256)
              exec: [--write-kubeconfig-mode, "644", --tls-san, 100.101.102.103, --tls-san, ultron]
              images: [airgap/k3s-airgap-images-amd64.tar.zst]
              binary: airgap/k3s

            firewall:
              open: [80, 443]
              private: [6443]

            charts:
              - name: cert-manager
                repo: \(Self.chartRepository("jetstack"))
                chart: cert-manager
                version: v1.16.2
                namespace: cert-manager
                values:
                  crds: {enabled: true}
                timeout: \(timeout("cert-manager", "1m"))
              - name: kube-prometheus-stack
                repo: \(Self.chartRepository("prometheus-community"))
                chart: kube-prometheus-stack
                version: 66.3.1
                namespace: monitoring
                timeout: \(timeout("kube-prometheus-stack", "1m"))
              - name: argo-cd
                repo: \(Self.chartRepository("argo-helm"))
                chart: argo-cd
                version: 7.7.10
                namespace: argocd
                needs: [cert-manager]
                values:
                  configs:
                    params:
                      server.insecure: true
                  server:
                    ingress:
                      enabled: true
                      ingressClassName: traefik
                      hostname: argocd.webbies.dev
                      tls: true
                      annotations:
                        cert-manager.io/cluster-issuer: letsencrypt-prod
                timeout: \(timeout("argo-cd", "1m"))
              - name: argo-rollouts
                repo: \(Self.chartRepository("argo-helm"))
                chart: argo-rollouts
                version: 2.38.0
                namespace: argo-rollouts
                timeout: \(timeout("argo-rollouts", "1m"))
              - name: argo-workflows
                repo: \(Self.chartRepository("argo-helm"))
                chart: argo-workflows
                version: 0.45.1
                namespace: argo
                timeout: \(timeout("argo-workflows", "1m"))
              - name: argo-events
                repo: \(Self.chartRepository("argo-helm"))
                chart: argo-events
                version: 2.4.9
                namespace: argo-events
                timeout: \(timeout("argo-events", "1m"))

            manifests:
              - files: [cluster-issuers.yaml]
                needs: [cert-manager]

            gitops:
              url: \(git.url("gitops"))
              username: {env: GITOPS_USERNAME}
              password: {env: GITOPS_PAT}
              rootApp: {path: bootstrap/root-app.yaml}

            secrets: secrets.yaml

            keycloak:
              realmImport: keycloak/penvoice-realm.yaml

            verify:
              applications:
                namespace: argocd
                names: [root, \(Self.children.joined(separator: ", "))]
              probes:
                - url: \(site.url)\(probePath)
                  accept: "^(200|301|302|307|308)$"
                  timeout: \(probeTimeout)
                - url: \(site.url)/
                  host: argocd.webbies.dev
                  accept: [200, 307]
                  timeout: 30s

            """
    }

    /// A chart repository by address: the HelmChart carries it, the fake's helm-controller never fetches it.
    static func chartRepository(_ name: String) -> String { "https://192.0.2.10/\(name)" }

    /// The node name k3s registers (K3S_NODE_NAME in the run's environment, as for a renamed host).
    static let nodeName = "ultron"

    /// lower-case hex SHA-256 of the served installer.
    var installerSHA256: String {
        (try? runProgram("/usr/bin/sha256sum", [site.folder + "/install.sh"]).split(separator: " ").first.map(String.init)) ?? "?"
    }

    /// The stand-in for get.k3s.io.
    static func installer(records: String, kubeconfig: String) -> String {
        """
        #!/bin/sh
        # A stand-in for https://get.k3s.io: records what it was run with (variable names, the
        # INSTALL_K3S_* and K3S_* values, arguments), then leaves what k3s's start leaves for
        # edpctl: a kubeconfig, here the fake API server's, where K3S_KUBECONFIG_OUTPUT says.
        set -e
        records='\(records)'
        n=$(( $(ls "$records" | wc -l) / 3 + 1 ))
        env | cut -d= -f1 | sort > "$records/run-$n.names"
        env | grep -E '^(INSTALL_K3S_|K3S_)' | sort > "$records/run-$n.env"
        printf '%s\\n' "$@" > "$records/run-$n.args"
        mkdir -p "$(dirname "$K3S_KUBECONFIG_OUTPUT")"
        cp '\(kubeconfig)' "$K3S_KUBECONFIG_OUTPUT"
        echo "[INFO]  k3s stub installed $INSTALL_K3S_VERSION"

        """
    }

    /// The runs of the stub installer so far: each run's INSTALL_K3S_*/K3S_* variables.
    func installerRuns() throws -> [[String: String]] {
        let files = try FileManager.default.contentsOfDirectory(atPath: installerRecords).filter { $0.hasSuffix(".env") }.sorted()
        return try files.map { file in
            var variables: [String: String] = [:]
            for line in try read(installerRecords + "/" + file).split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                variables[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            return variables
        }
    }

    static func rootApp(repository: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: root
          namespace: argocd
        spec:
          project: default
          source:
            repoURL: \(repository)
            targetRevision: main
            path: apps
          destination:
            server: https://kubernetes.default.svc
            namespace: argocd
          syncPolicy:
            automated: {prune: true, selfHeal: true}

        """
    }

    /// examples/ultron/secrets.yaml with the test's repository URL.
    static func secrets(repository: String) -> String {
        """
        secrets:
          - name: penvoice-api-kc
            namespace: penvoice
            createNamespace: true
            keys:
              client-id:
                literal: penvoice-api
              client-secret:
                env: PENVOICE_API_KC_SECRET
                minLength: 32
          - name: penvoice-pg-backup-creds
            namespace: penvoice
            createNamespace: true
            keys:
              ACCESS_KEY_ID:
                env: OCI_S3_ACCESS_KEY
                format: hex
                minLength: 40
              ACCESS_SECRET_KEY:
                env: OCI_S3_SECRET_KEY
                format: base64
                minLength: 40
          - name: keycloak-pg-backup-creds
            namespace: keycloak
            createNamespace: true
            keys:
              ACCESS_KEY_ID:
                fromSecret: {namespace: penvoice, name: penvoice-pg-backup-creds, key: ACCESS_KEY_ID}
                format: hex
              ACCESS_SECRET_KEY:
                fromSecret: {namespace: penvoice, name: penvoice-pg-backup-creds, key: ACCESS_SECRET_KEY}
                format: base64
          - name: penvoice-api-db
            namespace: penvoice
            keys:
              password:
                fromSecret: {name: penvoice-db-app, key: password}
              uri:
                template: "postgresql://penvoice:<<< key \\"password\\" | urlencode >>>@penvoice-db-rw.penvoice.svc:5432/penvoice"
              session-key:
                generate: {length: 64, alphabet: url-safe}
          - name: ghcr-pull
            namespace: penvoice
            type: kubernetes.io/dockerconfigjson
            keys:
              .dockerconfigjson:
                dockerconfigjson:
                  registry: ghcr.io
                  username: {env: GHCR_USERNAME}
                  password: {env: GHCR_TOKEN}
          - name: repo-gitops
            namespace: argocd
            labels:
              argocd.argoproj.io/secret-type: repository
            keys:
              type:
                literal: git
              url:
                literal: \(repository)
              username:
                literal: webb1es
              password:
                env: GITOPS_PAT
                pattern: "^(ghp_|github_pat_)"

        """
    }

    // MARK: Running edpctl

    /// `edpctl rebuild --root ROOT arguments…`: the cluster is found where k3s writes its kubeconfig under the root.
    func arguments(_ extra: [String]) -> [String] {
        ["rebuild", "--root", root] + extra
    }

    /// The credentials (less `without`), the node's name, HOME in the scratch folder.
    func environment(without: [String] = []) -> [String: String] {
        var environment = Self.credentials
        for name in without { environment[name] = nil }
        environment["HOME"] = scratch.path
        environment["K3S_NODE_NAME"] = Self.nodeName
        return environment
    }

    /// The run, waited for; killed after `RunningEdpctl.limit` seconds so that a regression that
    /// hangs a wait fails the test instead of stalling the suite.
    func rebuild(_ extra: String..., without: [String] = []) throws -> Edpctl.Result {
        try RunningEdpctl(arguments(extra), in: scratch.path, environment: environment(without: without)).finish()
    }

    /// The run started, not waited for: its JSON events are read as they come.
    func start(_ extra: String...) throws -> RunningEdpctl {
        try RunningEdpctl(arguments(extra), in: scratch.path, environment: environment())
    }

    // MARK: What the fake holds

    /// Requests that change something (create, update, patch — server-side apply too —, delete) since the last reset.
    func writes() throws -> [String: Int] {
        try server.counters().requests.filter { ["create", "update", "patch", "delete"].contains($0.key) && $0.value > 0 }
    }
}

/// One JSON event a line.
func jsonEvents(_ stdout: String) throws -> [[String: Any]] {
    try stdout.split(separator: "\n").map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw Edpctl.RunError("not a JSON object: \(line)")
        }
        return object
    }
}

/// The steps of a `rebuild-finished` event, by name: their results.
func stepResults(_ events: [[String: Any]]) -> [String: String] {
    let steps = events.last { $0["event"] as? String == "rebuild-finished" }?["steps"] as? [[String: Any]] ?? []
    return Dictionary(uniqueKeysWithValues: steps.map { ($0["step"] as? String ?? "?", $0["result"] as? String ?? "?") })
}

/// `edpctl` running in the background: its stdout read line by line as it comes (JSON events),
/// stderr kept whole, a signal sent when the test says.
final class RunningEdpctl: @unchecked Sendable {
    private let process = Process()
    private let condition = NSCondition()
    private var lines: [String] = []
    private var errorData = Data()
    private var outputDone = false
    private var errorDone = false

    init(_ arguments: [String], in directory: String, environment: [String: String]) throws {
        guard let binary = Edpctl.binary else { throw Edpctl.RunError("edpctl was not found beside the test bundle") }
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var full = environment
        full["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = full
        let output = Pipe(), error = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        try process.run()
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
                    pending = Data(pending[(end + 1)...])
                    condition.withLock { lines.append(line); condition.broadcast() }
                }
            }
            condition.withLock { outputDone = true; condition.broadcast() }
        }
        Thread.detachNewThread { [self] in
            let data = error.fileHandleForReading.readDataToEndOfFile()
            condition.withLock { errorData = data; errorDone = true; condition.broadcast() }
        }
    }

    /// Waits (at most `timeout` seconds) for an event `matching`; returns the events so far.
    @discardableResult
    func waitForEvent(timeout: Double = 60, _ matching: ([String: Any]) -> Bool) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let events = try jsonEvents(lines.joined(separator: "\n"))
            if events.contains(where: matching) { return events }
            if outputDone || !condition.wait(until: deadline) {
                throw Edpctl.RunError("the awaited event did not come; events so far:\n" + lines.joined(separator: "\n")
                    + "\nstderr: " + String(decoding: errorData, as: UTF8.self))
            }
        }
    }

    /// Sends `number` (SIGKILL, SIGINT) and waits for the end.
    func finishNow(signal number: Int32) -> Edpctl.Result {
        kill(process.processIdentifier, number)
        return finish()
    }

    deinit {
        // A test that failed before waiting for the run leaves nothing behind.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Seconds a run may take: every run here takes well under a minute.
    static let limit = 120.0

    /// Waits for the end: the exit status (128 + the signal for a killed process), stdout and stderr.
    /// A run still going after `limit` seconds is killed, and says so on stderr.
    func finish() -> Edpctl.Result {
        let deadline = Date().addingTimeInterval(Self.limit)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let overdue = process.isRunning
        if overdue { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        condition.lock()
        while !(outputDone && errorDone) { condition.wait() }
        let result = Edpctl.Result(
            status: process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus,
            stdout: lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n"),
            stderr: String(decoding: errorData, as: UTF8.self) + (overdue ? "\n(the test killed edpctl after \(Int(Self.limit)) s)\n" : ""))
        condition.unlock()
        return result
    }
}

/// A plain HTTP server on 127.0.0.1 (Python's http.server): `/` answers 200 (the probes),
/// `/install.sh` is `folder`'s install.sh (the k3s installer), anything else 404 with a two-line
/// body naming the path.
final class LocalSite {
    var port: Int { server.port }
    let folder: String
    private let server: PortServer

    init(folder: String) throws {
        self.folder = folder
        let script = """
            # No import statement: the architecture check reads the import lines of Swift files.
            http_server, sys, threading = __import__("http.server").server, __import__("sys"), __import__("threading")
            class H(http_server.BaseHTTPRequestHandler):
                def log_message(self, *a): pass
                def do_GET(self):
                    if self.path == "/install.sh":
                        code, body = 200, open(sys.argv[1] + "/install.sh").read()
                    elif self.path == "/":
                        code, body = 200, "ok\\n"
                    else:
                        code, body = 404, "no such page: " + self.path + "\\nsecond line\\n"
                    data = body.encode()
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
            s = http_server.ThreadingHTTPServer(("127.0.0.1", 0), H)
            print(s.server_address[1], flush=True)
            threading.Thread(target=s.serve_forever, daemon=True).start()
            sys.stdin.read()
            """
        server = try PortServer(["python3", "-c", script, folder], name: "the local HTTP server")
    }

    var url: String { "http://127.0.0.1:\(port)" }

}

/// What k3s and the gitops repository's Applications would run, as far as the rebuild sees it,
/// acting on the fake's store every 0.1 s: k3s's node, which registers once the installer has run
/// (written the kubeconfig) and is Ready with the pinned kubelet a moment later; helm's
/// `--create-namespace` once a chart's install Job runs;
/// CloudNativePG's `penvoice-db-app` Secret once Application penvoice is synced; the Keycloak
/// operator's CRD once keycloak-operator is synced, and its import of each KeycloakRealmImport
/// (the status conditions the operator sets after its import Job); Application keycloak-test,
/// Synced and Healthy 1.5 s after the first import, so that verify, which runs right after the
/// keycloak step, always has an Application to wait for.
private final class ClusterControllers: @unchecked Sendable {
    static let realmImport = "/apis/k8s.keycloak.org/v2alpha1/namespaces/keycloak/keycloakrealmimports/penvoice"
    private let server: FakeKubeServer
    private let kubeconfig: String
    private let lock = NSLock()
    private var stopped = false
    private var done = Set<String>()
    private var imported: Date?

    init(_ server: FakeKubeServer, kubeconfig: String) {
        self.server = server
        self.kubeconfig = kubeconfig
        Thread.detachNewThread { self.loop() }
    }

    func stop() { lock.withLock { stopped = true } }

    private func loop() {
        while !lock.withLock({ stopped }) {
            Thread.sleep(forTimeInterval: 0.1)
            try? step()
        }
    }

    private func synced(_ name: String) throws -> Bool {
        let status = try server.object(at: "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/\(name)")?["status"] as? [String: Any]
        return (status?["sync"] as? [String: Any])?["status"] as? String == "Synced"
    }

    private func once(_ key: String, _ body: () throws -> Void) throws {
        guard !done.contains(key) else { return }
        try body()
        done.insert(key)
    }

    private func step() throws {
        if FileManager.default.fileExists(atPath: kubeconfig) {
            try once("node") {
                try server.simulateNode(RebuildFixture.nodeName, kubeletVersion: "v1.31.4+k3s1", appearAfter: 0.2, readyAfter: 0.5)
            }
        }
        for chart in try server.objects(apiVersion: "helm.cattle.io/v1", kind: "HelmChart") {
            guard let name = (chart["metadata"] as? [String: Any])?["name"] as? String,
                  let target = (chart["spec"] as? [String: Any])?["targetNamespace"] as? String else { continue }
            // helm makes the namespace as its install begins, before the Job completes.
            let running = try server.object(at: "/apis/batch/v1/namespaces/kube-system/jobs/helm-install-\(name)") != nil
            if running, try server.object(at: "/api/v1/namespaces/\(target)") == nil {
                try server.put(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": target]])
            }
        }
        if try synced("penvoice") {
            try once("cnpg") {
                if try server.object(at: "/api/v1/namespaces/penvoice") == nil {
                    try server.put(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "penvoice"]])
                }
                try server.put(["apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/basic-auth",
                                "metadata": ["name": "penvoice-db-app", "namespace": "penvoice"],
                                "data": ["username": Data("penvoice".utf8).base64EncodedString(),
                                         "password": Data("pg-generated-password-@:/?".utf8).base64EncodedString()]])
            }
        }
        if try synced("keycloak-operator") {
            try once("keycloak-operator") {
                try server.registerKind(group: "k8s.keycloak.org", version: "v2alpha1", kind: "KeycloakRealmImport",
                                        plural: "keycloakrealmimports")
                let text = try read(FakeKubeServer.sharedCRDFolder + "/k8s.keycloak.org_KeycloakRealmImport.yaml")
                try server.put(try Self.crd(text))
            }
        }
        if let imported, Date().timeIntervalSince(imported) > 1.5,
           var application = try server.object(at: "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/keycloak-test") {
            try once("keycloak-test") {
                application["status"] = ["sync": ["status": "Synced", "revision": String(repeating: "0", count: 40)],
                                         "health": ["status": "Healthy"]]
                try server.put(application)
            }
        }
        guard var object = try server.object(at: Self.realmImport) else { return }
        let generation = (object["metadata"] as? [String: Any])?["generation"] as? Int ?? 1
        let conditions = (object["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
        if conditions.contains(where: { $0["observedGeneration"] as? Int == generation }) { return }
        object["status"] = ["conditions": [
            ["type": "Done", "status": "True", "message": "", "observedGeneration": generation],
            ["type": "Started", "status": "False", "message": "", "observedGeneration": generation],
            ["type": "HasErrors", "status": "False", "message": "", "observedGeneration": generation],
        ]]
        try server.put(object)
        imported = imported ?? Date()
    }

    /// The CRD file's object, Established, as the API server keeps it. The file is YAML; python
    /// (PyYAML, which the fake needs too) turns it into JSON.
    private static func crd(_ text: String) throws -> [String: Any] {
        let folder = try TemporaryFolder("crd")
        try write(text, to: folder.child("crd.yaml"))
        let json = try runProgram("/usr/bin/env", ["python3", "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
                                                   folder.child("crd.yaml")])
        guard var crd = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw SupportError("the KeycloakRealmImport CRD file is not an object")
        }
        crd["status"] = ["conditions": [["type": "Established", "status": "True"]]]
        return crd
    }
}
