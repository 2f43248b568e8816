#!/usr/bin/env python3
"""`edpctl secrets` against the fake API server over HTTPS (Tests/Support/fake-kube-apiserver.py).

    benchmarks/secrets.py EDPCTL [RUNS]

Generates a secrets.yaml of 200 Secrets (each two keys: one from an environment variable, one
generated), starts the fake once and keeps it up across runs, and measures:
- `secrets recreate` of the 200 into an empty cluster: median wall time of RUNS runs (the fake's
  Secrets deleted through its API between runs), and the TLS connections one run opens (the fake's counter);
- `secrets check` of the same 200, all present: median wall time, TLS connections;
- `secrets list` on examples/ultron/secrets.yaml: median wall time.
Prints one line per figure and a JSON object on the last line.
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

from fakekube import FakeKube

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SECRETS = 200


def main():
    edpctl, runs = os.path.abspath(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5
    folder = tempfile.mkdtemp(prefix="edpctl-bench-secrets-")
    fake = FakeKube(folder)
    with open(f"{folder}/secrets.yaml", "w") as out:
        out.write("secrets:\n")
        for i in range(SECRETS):
            out.write(f"  - name: app-{i:03}\n    namespace: bench\n    createNamespace: true\n    keys:\n"
                      f"      token: {{env: BENCH_TOKEN}}\n      session: {{generate: {{length: 32}}}}\n")
    env = {"PATH": os.environ["PATH"], "HOME": folder, "BENCH_TOKEN": "bench+/=" + "x" * 24}
    common = ["--kubeconfig", fake.kubeconfig]

    def timed(args, expect):
        start = time.perf_counter()
        result = subprocess.run([edpctl, "secrets"] + args + common, env=env, capture_output=True)
        elapsed = time.perf_counter() - start
        if result.returncode != expect:
            sys.exit(f"edpctl secrets {' '.join(args)} exited {result.returncode}: {result.stderr.decode()[-2000:]}")
        return elapsed

    recreate, check, listing, connections = [], [], [], {}
    for _ in range(runs):
        # A fresh namespace each run: deleting it through the API deletes its Secrets (no finalizers).
        fake.api("DELETE", "/api/v1/namespaces/bench")  # 404 on the first run
        fake.control({"op": "reset"})
        recreate.append(timed(["recreate", "-f", f"{folder}/secrets.yaml"], 0))
        counters = fake.control({"op": "counters"})
        connections["recreate"] = counters["connections"]
        if counters["requests"].get("patch", 0) != SECRETS + 1:
            sys.exit(f"recreate sent {counters['requests']}, not an apply per Secret and one for the namespace")
        created = fake.control({"op": "object", "path": f"/api/v1/namespaces/bench/secrets/app-{SECRETS - 1:03}"})
        if not created.get("object"):
            sys.exit("recreate did not create the last Secret")
        fake.control({"op": "reset"})
        check.append(timed(["check", "-f", f"{folder}/secrets.yaml"], 0))
        connections["check"] = fake.control({"op": "counters"})["connections"]
    for _ in range(max(runs, 20)):
        listing.append(timed(["list", "-f", os.path.join(ROOT, "examples/ultron/secrets.yaml")], 0))
    fake.stop()
    shutil.rmtree(folder, ignore_errors=True)
    figures = {"secrets": SECRETS, "runs": runs,
               "recreate_median_s": round(statistics.median(recreate), 3), "recreate_tls_connections": connections["recreate"],
               "check_median_s": round(statistics.median(check), 3), "check_tls_connections": connections["check"],
               "list_example_median_ms": round(statistics.median(listing) * 1000, 1)}
    print(f"recreate {SECRETS} Secrets: median {figures['recreate_median_s']} s, {connections['recreate']} TLS connection(s)")
    print(f"check {SECRETS} Secrets: median {figures['check_median_s']} s, {connections['check']} TLS connection(s)")
    print(f"list examples/ultron/secrets.yaml: median {figures['list_example_median_ms']} ms")
    print(json.dumps(figures))


main()
