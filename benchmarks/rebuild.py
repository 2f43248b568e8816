#!/usr/bin/env python3
"""`edpctl rebuild` against the fake API server with simulated readiness delays.

    benchmarks/rebuild.py EDPCTL [RUNS]

The platform is shaped like examples/ultron/platform.yaml: k3s with the example's flags (the
installer a stub script served from a local HTTP server, which writes the fake's kubeconfig where
k3s would; k3s.binary given, so nothing is downloaded), six charts (five independent, argo-cd
needing cert-manager; their repos on 127.0.0.1, so preflight resolves no name), the ClusterIssuers
after cert-manager, the gitops repository (a bare repository behind Tests/Support/git-http-server.py
with a PAT), the root app read from a clone, the example's secrets.yaml and realm, and verify (five
Applications, two HTTP probes to the local server). Every run gets a fresh --root and a fresh fake
(Tests/Support/fake-kube-apiserver.py over HTTPS) whose simulated controllers make the node Ready
NODE_DELAY after the run starts, install each chart DELAYS[chart] after its Job is created,
establish CRDs a delay after they are created and sync each Application a delay after it appears
(the root app creates the other four). This script plays the controllers the fake has not: the
Keycloak operator (its CRDs once keycloak-operator is Synced, Done on each import) and CloudNativePG
(penvoice-db-app, which secrets.yaml reads, once penvoice is Synced).

Three scenarios, each run once per round, RUNS rounds, medians reported:
- "charts": only the node and the charts take time (CRDs and Applications at once), so the critical
  path is the chart graph's: the node, then the longest chain of chart delays along `needs`;
- "every": CRDs Established CRD_DELAY and Applications synced APP_DELAY after they appear too; its
  critical path adds them along the steps' needs;
- "serial": as "charts" with --max-parallel 1, for contrast.
For each: wall time, its ratio to the critical path, edpctl's CPU time (user + sys of the child,
from wait4). After "every": a second run on the healthy platform (it must write nothing) and a
--dry-run against it. Then --dry-run on examples/ultron/platform.yaml itself on a fresh node (--root
in a temporary folder, no cluster). Prints a table, each scenario's last timeline (when each step
started and finished, and when this script's controllers acted), and a JSON object on the last line.
"""
import http.server, json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time

import yaml  # PyYAML: the fake reads its CRD files with it too

from fakekube import FakeKube, ROOT

CRDS = os.path.normpath(os.path.join(ROOT, "..", "shared", "crds"))
# Seconds from each install Job's creation to its end: a few seconds each, as on a warm node.
DELAYS = {"cert-manager": 3.0, "kube-prometheus-stack": 5.0, "argo-cd": 4.0, "argo-rollouts": 2.0,
          "argo-workflows": 3.0, "argo-events": 2.5}
NEEDS = {"argo-cd": ["cert-manager"]}
CHART_CRDS = {"cert-manager": ["cert-manager.io_ClusterIssuer.yaml"],
              "argo-cd": ["argoproj.io_Application.yaml", "argoproj.io_AppProject.yaml"]}
CRD_DELAY = float(os.environ.get("CRD_DELAY", "0.3"))
APP_DELAY = float(os.environ.get("APP_DELAY", "0.5"))
NODE_DELAY = float(os.environ.get("NODE_DELAY", "1.0"))
LIMIT = 120  # seconds a run may take
CHILDREN = ["cnpg-operator", "keycloak-operator", "penvoice", "keycloak-test"]
PAT = "ghp_BenchRebuildToken0123456789abcdefXYZ"
ENVIRONMENT = {"GITOPS_USERNAME": "webb1es", "GITOPS_PAT": PAT, "PENVOICE_API_KC_SECRET": "kc" + "0123456789abcdef" * 3,
               "OCI_S3_ACCESS_KEY": "0123456789abcdef" * 3, "OCI_S3_SECRET_KEY": "CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YQ==",
               "GHCR_USERNAME": "webb1es", "GHCR_TOKEN": "ghp_GhcrToken0123456789abcdef"}


def chart_critical_path():
    """The longest chain of chart delays along `needs`, and when each chart would be done."""
    finish = {}
    def end(name):
        if name not in finish:
            finish[name] = max((end(n) for n in NEEDS.get(name, [])), default=0.0) + DELAYS[name]
        return finish[name]
    return max(end(name) for name in DELAYS), finish


def critical_path(crd_delay, app_delay):
    """Every simulated delay along the steps' needs: the node Ready, the chart chain, the
    Application CRD Established (root-app needs every chart), the root app's sync and then its
    children's, the Keycloak CRD Established after keycloak-operator is Synced (penvoice-db-app,
    which the secrets step reads, appears as penvoice is Synced). The other steps are taken as instant."""
    charts, finish = chart_critical_path()
    root_app = NODE_DELAY + max(charts, finish["argo-cd"] + crd_delay)
    return root_app + 2 * app_delay + crd_delay


# name: (CRD Established delay, Application sync delay, --max-parallel). "charts": only the charts
# (and the node) take time, so the critical path is the chart graph's; "every": the CRDs and Argo CD
# take time too; "serial": the charts one after another, for contrast.
SCENARIOS = {"charts": (0.0, 0.0, 4), "every": (CRD_DELAY, APP_DELAY, 4), "serial": (0.0, 0.0, 1)}


class LocalServer:
    """What edpctl reaches over HTTP besides the cluster and git: the k3s installer (`/install.sh`, the
    stub `installer` holds) and Argo CD's ingress as the probes see it (200 on /, and on /vhost only
    for Host argocd.bench.test)."""
    def __init__(self):
        self.installer = b""
        server = self
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass
            def do_GET(self):
                if self.path == "/install.sh":
                    code, body = 200, server.installer
                else:
                    ok = self.path == "/" or (self.path == "/vhost" and self.headers.get("Host") == "argocd.bench.test")
                    code, body = (200, b"ok\n") if ok else (404, b"no\n")
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stub_installer(self, kubeconfig):
        """The installer as a stub: k3s "starts" by writing its kubeconfig (the fake's) where edpctl
        tells it to (K3S_KUBECONFIG_OUTPUT under --root); the fake's node then becomes Ready."""
        self.installer = ("#!/bin/sh\nset -eu\n: \"$INSTALL_K3S_VERSION\" \"$INSTALL_K3S_EXEC\"\n"
                          "mkdir -p \"$(dirname \"$K3S_KUBECONFIG_OUTPUT\")\"\n"
                          f"cat >\"$K3S_KUBECONFIG_OUTPUT\" <<'KUBECONFIG'\n{kubeconfig}KUBECONFIG\n").encode()


class Controllers:
    """What the fake does not simulate, each on a thread of its own polling every 50 ms: the Keycloak
    operator (installed by the keycloak-operator Application: its CRDs, created through the API, then
    Done on every import) and CloudNativePG (the Secret penvoice-db-app once penvoice is Synced)."""
    IMPORT = "/apis/k8s.keycloak.org/v2alpha1/namespaces/keycloak/keycloakrealmimports/penvoice"

    def __init__(self, fake):
        self.fake, self.stopped = fake, False
        self.acted = {}  # what a controller did -> when (time.perf_counter())
        self.threads = [threading.Thread(target=self.loop, args=(body,), daemon=True)
                        for body in (self.keycloak_operator(), self.cloudnativepg())]
        for thread in self.threads:
            thread.start()

    def synced(self, name):
        app = self.fake.control({"op": "object", "path": f"/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/{name}"}).get("object")
        return bool(app) and (app.get("status") or {}).get("sync", {}).get("status") == "Synced"

    def loop(self, steps):
        """Runs the generator `steps` one step every 50 ms until the run ends."""
        while not self.stopped:
            time.sleep(0.05)
            try:
                next(steps)
            except Exception as error:  # the fake stopped at the end of a run
                if not self.stopped:
                    sys.stderr.write(f"simulated controllers: {error!r}\n")
                return

    def keycloak_operator(self):
        while not self.synced("keycloak-operator"):
            yield
        for file in ["k8s.keycloak.org_Keycloak.yaml", "k8s.keycloak.org_KeycloakRealmImport.yaml"]:
            crd = yaml.load(open(os.path.join(CRDS, file)), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            code = self.fake.api("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
            if code not in (201, 409):
                raise RuntimeError(f"creating the CRD of {file}: {code}")
        self.acted["Keycloak operator's CRDs created"] = time.perf_counter()
        while True:
            self.realm_import()
            yield

    def cloudnativepg(self):
        while not self.synced("penvoice"):
            yield
        self.fake.control({"op": "put", "object": {
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "penvoice-db-app", "namespace": "penvoice"},
            "data": {"password": "Y25wZy1nZW5lcmF0ZWQtcEA6Lz8="}}})
        self.acted["Secret penvoice/penvoice-db-app made"] = time.perf_counter()
        while True:
            yield

    def realm_import(self):
        obj = self.fake.control({"op": "object", "path": self.IMPORT}).get("object")
        if not obj:
            return
        generation = obj["metadata"].get("generation", 1)
        if any(c.get("observedGeneration") == generation for c in (obj.get("status") or {}).get("conditions", [])):
            return
        obj["status"] = {"conditions": [
            {"type": "Done", "status": "True", "message": "", "observedGeneration": generation},
            {"type": "Started", "status": "False", "message": "", "observedGeneration": generation},
            {"type": "HasErrors", "status": "False", "message": "", "observedGeneration": generation}]}
        self.fake.control({"op": "put", "object": obj})

    def stop(self):
        self.stopped = True
        for thread in self.threads:
            thread.join()


def run_git(args, cwd):
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.test"] + args, cwd=cwd, check=True,
                   capture_output=True, env={"PATH": os.environ["PATH"], "HOME": cwd, "GIT_CONFIG_NOSYSTEM": "1"})


class GitServer:
    """The gitops repository: bootstrap/root-app.yaml in a bare repository behind git http-backend and a PAT."""
    def __init__(self, folder):
        served = os.path.join(folder, "git")
        work = os.path.join(folder, "gitops-work")
        os.makedirs(os.path.join(work, "bootstrap"))
        with open(os.path.join(work, "bootstrap/root-app.yaml"), "w") as out:
            out.write("""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
spec:
  project: default
  source: {repoURL: https://github.com/webb1es/gitops.git, targetRevision: main, path: apps}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
""")
        run_git(["init", "-q", "-b", "main"], work)
        run_git(["add", "-A"], work)
        run_git(["commit", "-q", "-m", "root app"], work)
        os.makedirs(served)
        run_git(["clone", "-q", "--bare", work, os.path.join(served, "gitops.git")], folder)
        self.process = subprocess.Popen(
            ["python3", os.path.join(ROOT, "Tests/Support/git-http-server.py"), "--root", served, "--user", "webb1es",
             "--token", PAT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}/gitops.git"

    def stop(self):
        self.process.stdin.close()
        self.process.wait()


def write_platform(folder, git_url, port):
    """platform.yaml shaped like examples/ultron's, its secrets.yaml, realm and ClusterIssuers next to it."""
    example = os.path.join(ROOT, "examples/ultron")
    for file in ["secrets.yaml", "cluster-issuers.yaml", "keycloak/penvoice-realm.yaml"]:
        os.makedirs(os.path.dirname(os.path.join(folder, file)), exist_ok=True)
        shutil.copy(os.path.join(example, file), os.path.join(folder, file))
    # k3s's binary given (air-gapped): the installer downloads nothing, so preflight resolves no github.com.
    with open(os.path.join(folder, "k3s"), "w") as out:
        out.write("#!/bin/sh\necho 'k3s version v1.31.4+k3s1 (stub)'\n")
    text = open(os.path.join(example, "platform.yaml")).read()
    # The example's k3s flags, charts (their repos on 127.0.0.1: preflight resolves every named host,
    # and this machine may have no DNS; the fake installs without fetching) and manifests as they are;
    # the places edpctl reaches are the benchmark's.
    flags = re.search(r"^  exec: .*$", text, re.M).group(0)
    body = re.sub(r"repo: https://(\S+)", rf"repo: http://127.0.0.1:{port}/\1", text[text.index("charts:"):text.index("gitops:")])
    host = f"""k3s:
  version: v1.31.4+k3s1
  installer: {{url: "http://127.0.0.1:{port}/install.sh"}}
{flags}
  binary: k3s

"""

    platform = host + body + f"""gitops:
  url: {git_url}
  username: {{env: GITOPS_USERNAME}}
  password: {{env: GITOPS_PAT}}
  rootApp: {{path: bootstrap/root-app.yaml}}

secrets: secrets.yaml

keycloak:
  realmImport: keycloak/penvoice-realm.yaml

verify:
  applications:
    namespace: argocd
    names: [root, {", ".join(CHILDREN)}]
  probes:
    - url: http://127.0.0.1:{port}/
      accept: "^(200|301|302|307|308)$"
      timeout: 1m
    - url: http://127.0.0.1:{port}/vhost
      host: argocd.bench.test
      accept: [200, 307]
      timeout: 1m
"""
    path = os.path.join(folder, "platform.yaml")
    with open(path, "w") as out:
        out.write(platform)
    return path


def fresh_node(folder):
    """A --root for one run: nothing of k3s, the machine's os-release (preflight reads it under the root)."""
    node = tempfile.mkdtemp(prefix="node-", dir=folder)
    os.makedirs(os.path.join(node, "etc"))
    shutil.copy("/etc/os-release", os.path.join(node, "etc/os-release"))
    return node


def configure(fake, crd_delay, app_delay):
    fake.control({"op": "simulate", "crdFolder": CRDS, "helmCharts": True})
    fake.control({"op": "simulate", "crdEstablishedDelay": crd_delay})
    for name, delay in DELAYS.items():
        fake.control({"op": "simulate", "chart": name, "delay": delay, "crds": CHART_CRDS.get(name, [])})
    fake.control({"op": "simulate", "application": "root", "namespace": "argocd", "delay": app_delay, "creates": CHILDREN})
    fake.control({"op": "simulate", "application": "*", "namespace": "argocd", "delay": app_delay})
    # helm install --create-namespace makes each chart's namespace; the fake's helm-controller does
    # not, and nothing waits for them, so they are there from the start.
    for namespace in ["cert-manager", "monitoring", "argocd", "argo-rollouts", "argo", "argo-events"]:
        fake.control({"op": "put", "object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}})
    fake.control({"op": "simulate", "node": "ultron", "kubeletVersion": "v1.31.4+k3s1", "appearAfter": NODE_DELAY / 2,
                      "readyAfter": NODE_DELAY})


def edpctl_run(edpctl, args, env, cwd, expect=(0,)):
    """Runs edpctl with --output json: wall seconds, CPU seconds (user + sys), the events with the
    time each arrived (seconds from the start), and stderr. An exit status not in `expect` ends the
    benchmark (`expect` None: any status, the caller looks)."""
    start = time.perf_counter()
    process = subprocess.Popen([edpctl] + args + ["--output", "json"], env=env, cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = []
    stderr = []
    reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True)
    reader.start()
    # A run that hangs ends the benchmark with what it was doing, not a benchmark that never ends.
    watchdog = threading.Timer(LIMIT, process.kill)
    watchdog.start()
    for line in process.stdout:
        events.append((time.perf_counter() - start, json.loads(line)))
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if expect is not None and process.returncode not in expect:
        last = "\n".join(json.dumps(event) for _, event in events[-8:])
        sys.exit(f"edpctl {' '.join(args)} exited {process.returncode} after {wall:.1f} s:\n{''.join(stderr)[-4000:]}\n{last}")
    return wall, usage.ru_utime + usage.ru_stime, events, "".join(stderr)


def timeline(events):
    """step -> (started, finished, result), seconds from the process's start."""
    steps = {}
    for at, event in events:
        if event.get("event") == "step-started":
            steps[event["step"]] = [at, None, None]
        elif event.get("event") == "step-finished":
            steps.setdefault(event["step"], [None, None, None])[1:] = [at, event["result"]]
    return steps


def main():
    edpctl, runs = os.path.abspath(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5
    folder = tempfile.mkdtemp(prefix="edpctl-bench-rebuild-")
    local = LocalServer()
    git = GitServer(folder)
    # K3S_NODE_NAME: the node k3s registers (else the host name), the one the fake makes Ready.
    env = dict(ENVIRONMENT, PATH=os.environ["PATH"], HOME=folder, K3S_NODE_NAME="ultron")
    figures = {key: [] for key in ["charts", "charts_cpu", "every", "every_cpu", "serial", "serial_cpu", "again",
                                   "again_cpu", "dry_healthy", "dry_healthy_cpu", "dry_fresh", "dry_fresh_cpu"]}
    last, failures = {}, {}
    for run in range(runs):
        # Side by side: each round runs every measure once, so drift on the machine hits them alike.
        for scenario, (crd_delay, app_delay, parallel) in SCENARIOS.items():
            platform = write_platform(folder, git.url, local.port)
            node = fresh_node(folder)
            args = ["rebuild", "-f", platform, "--root", node]
            fake = FakeKube(folder, kubeconfig=f"kubeconfig-{scenario}")
            local.stub_installer(fake.kubeconfig_text())
            controllers = Controllers(fake)
            # Last: the node's delay runs from here.
            configure(fake, crd_delay, app_delay)
            wall, cpu, events, stderr = edpctl_run(edpctl, args + ["--max-parallel", str(parallel)], env, folder)
            figures[scenario].append(wall)
            figures[scenario + "_cpu"].append(cpu)
            last[scenario] = timeline(events)
            started = time.perf_counter() - wall  # about: the process's start
            last[scenario].update({what: [at - started, None, "(this script's controllers)"] for what, at in controllers.acted.items()})
            if scenario == "every":
                # The platform is healthy now: a second run changes nothing; a dry run reads it.
                fake.control({"op": "reset"})
                wall, cpu, events, _ = edpctl_run(edpctl, args, env, folder)
                writes = {verb: n for verb, n in fake.control({"op": "counters"})["requests"].items()
                          if verb in ("create", "update", "patch", "delete")}
                if writes or events[-1][1].get("result") != "nothing-to-do":
                    sys.exit(f"the second run on a healthy platform wrote {writes}, result {events[-1][1].get('result')}")
                figures["again"].append(wall)
                figures["again_cpu"].append(cpu)
                wall, cpu, events, _ = edpctl_run(edpctl, args + ["--dry-run"], env, folder)
                figures["dry_healthy"].append(wall)
                figures["dry_healthy_cpu"].append(cpu)
                last["dry_healthy"] = [e for _, e in events if e.get("event") == "step-finished" and e["result"] != "done-before"]
            controllers.stop()
            fake.stop()
        # The example itself on a fresh node: no kubeconfig, no cluster.
        node = fresh_node(folder)
        wall, cpu, events, stderr = edpctl_run(edpctl, ["rebuild", "-f", os.path.join(ROOT, "examples/ultron/platform.yaml"),
                                                        "--root", node, "--dry-run"], env, folder, expect=None)
        finished = [event for _, event in events if event.get("event") == "rebuild-finished"]
        if not finished:
            sys.exit(f"the dry run of examples/ultron/platform.yaml did not finish:\n{stderr[-4000:]}")
        # The dry run goes on past a failed check: preflight fails where the example's hosts do not resolve.
        failed = [step["step"] for step in finished[0]["steps"] if step["result"] == "failed"]
        if failed:
            failures["dry_fresh"] = f"checks that failed: {', '.join(failed)} (" + stderr.strip().splitlines()[0] + ")"
        figures["dry_fresh"].append(wall)
        figures["dry_fresh_cpu"].append(cpu)
    git.stop()
    local.server.shutdown()
    shutil.rmtree(folder, ignore_errors=True)

    paths = {name: critical_path(crd, app) for name, (crd, app, _) in SCENARIOS.items()}
    median = {key: statistics.median(values) if values else float("nan") for key, values in figures.items()}
    rows = [
        ("critical path: node, then the charts", paths["charts"], "s"),
        ("rebuild, chart delays only: wall", median["charts"], "s"),
        ("  ratio to the critical path", median["charts"] / paths["charts"], "× (≤ 1.1)"),
        ("  edpctl CPU (user + sys)", median["charts_cpu"], "s (≤ 1)"),
        ("critical path: every delay", paths["every"], "s"),
        ("rebuild, every delay: wall", median["every"], "s"),
        ("  ratio to its critical path", median["every"] / paths["every"], "×"),
        ("  ratio to the chart critical path", median["every"] / paths["charts"], "×"),
        ("  edpctl CPU (user + sys)", median["every_cpu"], "s (≤ 1)"),
        ("rebuild, chart delays only, --max-parallel 1", median["serial"], "s"),
        ("  ratio to the critical path", median["serial"] / paths["serial"], "×"),
        ("second run, healthy platform: wall", median["again"], "s"),
        ("  edpctl CPU", median["again_cpu"], "s"),
        ("--dry-run, healthy platform: wall", median["dry_healthy"], "s"),
        ("--dry-run examples/ultron, fresh node: wall", median["dry_fresh"], "s (≤ 1)"),
        ("  edpctl CPU", median["dry_fresh_cpu"], "s"),
    ]
    print(f"charts {DELAYS}; every delay: CRDs Established after {CRD_DELAY} s, Applications synced after {APP_DELAY} s"
          + f"; node Ready after {NODE_DELAY} s; medians of {runs} runs")
    for label, value, unit in rows:
        print(f"{label:<48} {value:8.3f} {unit}")
    print("wall of each run: " + "; ".join(f"{name} " + ", ".join(f"{value:.2f}" for value in figures[name])
                                          for name in SCENARIOS))
    for scenario in ("charts", "every"):
        print(f"last run, {scenario}: seconds from start (started → finished)")
        for name, (started, finished, result) in sorted(last[scenario].items(), key=lambda item: item[1][0] or 0):
            end = f"→ {finished:6.2f}" if finished is not None else " " * 8
            print(f"  {name:<40} {started or 0:6.2f} {end}  {result}")
    for key, text in failures.items():
        print(f"{key}: {text}")
    if last.get("dry_healthy"):
        print(f"dry run on the healthy platform found work: {last['dry_healthy']}")
    result = {"runs": runs, "nodeDelay": NODE_DELAY, "delays": DELAYS, "crdDelay": CRD_DELAY, "appDelay": APP_DELAY,
              "criticalPaths": paths}
    result.update({key: round(value, 3) for key, value in median.items()})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
