#!/usr/bin/env python3
"""`edpctl rebuild` against the fake API server with simulated readiness delays.

    benchmarks/rebuild.py EDPCTL [RUNS]

The platform is shaped like examples/ultron/platform.yaml: six charts (five independent, argo-cd
needing cert-manager), the ClusterIssuers after cert-manager, the gitops repository (a bare
repository behind Tests/Support/git-http-server.py with a PAT), the root app read from a clone,
the example's secrets.yaml and realm, and verify (five Applications, two HTTP probes to a local
server). Each run gets a fresh fake (Tests/Support/fake-kube-apiserver.py over HTTPS) whose
simulated controllers install each chart after its delay (DELAYS), establish CRDs CRD_DELAY after
they are created, and sync each Application APP_DELAY after it appears (the root app creates the
other four); this script plays the controllers the fake has not: the Keycloak operator (its CRDs
once keycloak-operator is Synced, Done on each import) and CloudNativePG (penvoice-db-app once
penvoice is Synced). It measures, median of RUNS, side by side in one run:
- the whole rebuild's wall time (default --max-parallel, and --max-parallel 1), against the
  critical path of the chart graph (the longest chain of chart delays along `needs`) and against
  the critical path of every simulated delay (node, charts, CRDs, Applications) along the steps' needs;
- edpctl's own CPU time (user + sys of the child, from wait4) for the whole run;
- a second run on the healthy platform, and `--dry-run` against it (wall, CPU);
- `--dry-run` on examples/ultron/platform.yaml itself on a fresh node (--root in a temporary
  folder, no cluster).
With K3S=1 the platform has a k3s section: the installer is a stub script served from a local HTTP
server that writes the fake's kubeconfig where k3s would, and the fake's node is Ready NODE_DELAY
after the run starts. Prints a table and, on the last line, a JSON object.
"""
import http.server, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time

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


def critical_path(k3s, crd_delay, app_delay):
    """Every simulated delay along the steps' needs: the node Ready (k3s), the chart chain, the
    Application CRD Established (root-app needs every chart), the root app's sync and then its
    children's, the Keycloak CRD Established after keycloak-operator is Synced (penvoice-db-app,
    which the secrets step reads, appears as penvoice is Synced). The other steps are taken as instant."""
    node = NODE_DELAY if k3s else 0.0
    charts, finish = chart_critical_path()
    root_app = node + max(charts, finish["argo-cd"] + crd_delay)
    return root_app + 2 * app_delay + crd_delay


# name: (CRD Established delay, Application sync delay, --max-parallel). "charts": only the charts
# (and the node) take time, so the critical path is the chart graph's; "every": the CRDs and Argo CD
# take time too; "serial": the charts one after another, for contrast.
SCENARIOS = {"charts": (0.0, 0.0, 4), "every": (CRD_DELAY, APP_DELAY, 4), "serial": (0.0, 0.0, 1)}


class ProbeServer:
    """Argo CD's ingress as the probes see it: 200 on /, and only for Host argocd.bench.test on /vhost."""
    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass
            def do_GET(self):
                ok = self.path == "/" or (self.path == "/vhost" and self.headers.get("Host") == "argocd.bench.test")
                body = b"ok\n" if ok else b"no\n"
                self.send_response(200 if ok else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Controllers:
    """What the fake does not simulate, polled every 50 ms: the Keycloak operator (installed by the
    keycloak-operator Application: its CRDs, then Done on every import) and CloudNativePG (the Secret
    penvoice-db-app once penvoice is Synced)."""
    IMPORT = "/apis/k8s.keycloak.org/v2alpha1/namespaces/keycloak/keycloakrealmimports/penvoice"

    def __init__(self, fake):
        self.fake, self.stopped = fake, False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def synced(self, name):
        app = self.fake.control({"op": "object", "path": f"/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/{name}"}).get("object")
        return bool(app) and (app.get("status") or {}).get("sync", {}).get("status") == "Synced"

    def loop(self):
        operator = database = False
        while not self.stopped:
            time.sleep(0.05)
            try:
                if not operator and self.synced("keycloak-operator"):
                    for file in ["k8s.keycloak.org_Keycloak.yaml", "k8s.keycloak.org_KeycloakRealmImport.yaml"]:
                        crd = yaml.safe_load(open(os.path.join(CRDS, file)))
                        code = self.fake.api("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
                        if code not in (201, 409):
                            raise RuntimeError(f"creating the CRD of {file}: {code}")
                    operator = True
                if not database and self.synced("penvoice"):
                    self.fake.control({"op": "put", "object": {
                        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                        "metadata": {"name": "penvoice-db-app", "namespace": "penvoice"},
                        "data": {"password": "Y25wZy1nZW5lcmF0ZWQtcEA6Lz8="}}})
                    database = True
                if operator:
                    self.realm_import()
            except Exception as error:  # the fake stopped at the end of a run
                if not self.stopped:
                    sys.stderr.write(f"simulated controllers: {error!r}\n")
                return

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
        self.thread.join()


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


def write_platform(folder, git_url, probe_port, k3s):
    """platform.yaml shaped like examples/ultron's, its secrets.yaml and realm next to it."""
    example = os.path.join(ROOT, "examples/ultron")
    with open(os.path.join(example, "secrets.yaml")) as source, open(os.path.join(folder, "secrets.yaml"), "w") as out:
        out.write(source.read())
    os.makedirs(os.path.join(folder, "keycloak"), exist_ok=True)
    shutil.copy(os.path.join(example, "keycloak/penvoice-realm.yaml"), os.path.join(folder, "keycloak"))
    shutil.copy(os.path.join(example, "cluster-issuers.yaml"), folder)
    text = open(os.path.join(example, "platform.yaml")).read()
    # The example's charts, manifests, secrets and keycloak sections as they are; the host and the
    # places edpctl reaches are the benchmark's.
    body = text[text.index("charts:"):text.index("gitops:")]
    host = ""
    if k3s:
        host = f"""k3s:
  version: v1.31.4+k3s1
  installer: {{url: "{k3s}"}}
  exec: [--write-kubeconfig-mode, "644", --tls-san, 100.101.102.103, --tls-san, ultron]

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
    - url: http://127.0.0.1:{probe_port}/
      accept: "^(200|301|302|307|308)$"
      timeout: 1m
    - url: http://127.0.0.1:{probe_port}/vhost
      host: argocd.bench.test
      accept: [200, 307]
      timeout: 1m
"""
    path = os.path.join(folder, "platform.yaml")
    with open(path, "w") as out:
        out.write(platform)
    return path


def configure(fake, k3s, crd_delay, app_delay):
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
    if k3s:
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
    k3s = os.environ.get("K3S") == "1"
    folder = tempfile.mkdtemp(prefix="edpctl-bench-rebuild-")
    probes = ProbeServer()
    git = GitServer(folder)
    env = dict(ENVIRONMENT, PATH=os.environ["PATH"], HOME=folder)
    figures = {key: [] for key in ["charts", "charts_cpu", "every", "every_cpu", "serial", "serial_cpu", "again",
                                   "again_cpu", "dry_healthy", "dry_healthy_cpu", "dry_fresh", "dry_fresh_cpu"]}
    last, failures = {}, {}
    for run in range(runs):
        # Side by side: each round runs every measure once, so drift on the machine hits them alike.
        for scenario, (crd_delay, app_delay, parallel) in SCENARIOS.items():
            fake = FakeKube(folder, kubeconfig=f"kubeconfig-{scenario}")
            configure(fake, k3s, crd_delay, app_delay)
            controllers = Controllers(fake)
            platform = write_platform(folder, git.url, probes.port, None)
            node = tempfile.mkdtemp(prefix="node-", dir=folder)
            args = ["rebuild", "-f", platform, "--root", node, "--kubeconfig", fake.kubeconfig]
            wall, cpu, events, stderr = edpctl_run(edpctl, args + ["--max-parallel", str(parallel)], env, folder)
            figures[scenario].append(wall)
            figures[scenario + "_cpu"].append(cpu)
            last[scenario] = timeline(events)
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
        node = tempfile.mkdtemp(prefix="fresh-", dir=folder)
        wall, cpu, events, stderr = edpctl_run(edpctl, ["rebuild", "-f", os.path.join(ROOT, "examples/ultron/platform.yaml"),
                                                        "--root", node, "--dry-run"], env, folder, expect=None)
        if not events or events[-1][1].get("event") != "rebuild-finished":
            failures["dry_fresh"] = stderr.strip().splitlines()[0] if stderr.strip() else "no rebuild-finished event"
            continue
        figures["dry_fresh"].append(wall)
        figures["dry_fresh_cpu"].append(cpu)
    git.stop()
    probes.server.shutdown()
    shutil.rmtree(folder, ignore_errors=True)

    paths = {name: critical_path(k3s, crd, app) for name, (crd, app, _) in SCENARIOS.items()}
    median = {key: statistics.median(values) if values else float("nan") for key, values in figures.items()}
    rows = [
        ("critical path: charts" + (" (after the node)" if k3s else ""), paths["charts"], "s"),
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
          + (f"; node Ready after {NODE_DELAY} s" if k3s else "; no k3s section") + f"; medians of {runs} runs")
    for label, value, unit in rows:
        print(f"{label:<48} {value:8.3f} {unit}")
    for scenario in ("charts", "every"):
        print(f"last run, {scenario}: seconds from start (started → finished)")
        for name, (started, finished, result) in sorted(last[scenario].items(), key=lambda item: item[1][0] or 0):
            print(f"  {name:<32} {started or 0:6.2f} → {finished or 0:6.2f}  {result}")
    for key, text in failures.items():
        print(f"{key}: failed: {text}")
    if last.get("dry_healthy"):
        print(f"dry run on the healthy platform found work: {last['dry_healthy']}")
    result = {"runs": runs, "k3s": k3s, "delays": DELAYS, "crdDelay": CRD_DELAY, "appDelay": APP_DELAY,
              "criticalPaths": paths}
    result.update({key: round(value, 3) for key, value in median.items()})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
