#!/usr/bin/env python3
"""The benchmark's bookkeeping, called by run.sh.

  report.py snapshot DIR     prints {relative path: [inode, mtime_ns, size]} for every file
  report.py summarize WORK --seed S --apps N --edpctl BIN --results results.json
                             reads what run.sh left in WORK, prints the table, writes results.json
"""

import argparse
import datetime
import json
import os
import platform
import subprocess


def snapshot(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            status = os.stat(path)
            files[os.path.relpath(path, root)] = [status.st_ino, status.st_mtime_ns, status.st_size]
    return files


def hyperfine_medians(path):
    with open(path, encoding="utf-8") as f:
        return {result["command"]: result["median"] for result in json.load(f)["results"]}


def tree_size(root):
    count = size = 0
    for folder, _, names in os.walk(root):
        for name in names:
            count += 1
            size += os.path.getsize(os.path.join(folder, name))
    return count, size


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def command_output(argv):
    try:
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.strip()
    except OSError as error:
        return str(error)


def summarize(args):
    work = args.work
    render = hyperfine_medians(os.path.join(work, "render.json"))
    rerender = hyperfine_medians(os.path.join(work, "rerender.json"))["edpctl-again"]
    startup = hyperfine_medians(os.path.join(work, "startup.json"))["version"]
    with open(os.path.join(work, "before.json"), encoding="utf-8") as f:
        before = json.load(f)
    with open(os.path.join(work, "after.json"), encoding="utf-8") as f:
        after = json.load(f)
    rewritten = sum(1 for path, entry in after.items() if before.get(path) != entry)
    with open(os.path.join(work, "peak-rss-kib"), encoding="utf-8") as f:
        peak_rss_kib = int(f.read().split()[-1])
    with open(os.path.join(work, "differing"), encoding="utf-8") as f:
        differing = sum(1 for line in f if line.strip())
    templates, template_bytes = tree_size(os.path.join(work, "tree"))
    outputs, _ = tree_size(os.path.join(work, "out-go"))

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release()},
        "edpctl": command_output([args.edpctl, "version"]),
        "go": command_output([os.environ.get("GO", "go"), "version"]),
        "tree": {"templates": templates, "bytes": template_bytes, "apps": args.apps, "seed": args.seed},
        "render": {"runs": args.runs, "edpctl_median_s": render["edpctl"], "go_median_s": render["go"],
                   "ratio_edpctl_to_go": render["edpctl"] / render["go"]},
        "outputs_differing_from_go": differing,
        "rerender": {"runs": args.runs, "edpctl_median_s": rerender, "files": len(after),
                     "files_rewritten": rewritten},
        "peak_rss_kib": peak_rss_kib,
        "startup": {"runs": args.startup_runs, "edpctl_version_median_ms": startup * 1000},
    }
    with open(args.results, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
        f.write("\n")

    rows = [
        (f"render {templates} templates, empty output folder (median of {args.runs})",
         f"edpctl {render['edpctl']:.3f} s, Go {render['go']:.3f} s, ratio {results['render']['ratio_edpctl_to_go']:.2f}"),
        (f"render again over unchanged outputs (median of {args.runs})",
         f"{rerender:.3f} s, {rewritten} of {len(after)} files rewritten"),
        ("peak RSS of the first render", f"{peak_rss_kib / 1024:.1f} MiB"),
        (f"edpctl version start-up (median of {args.startup_runs})", f"{startup * 1000:.1f} ms"),
        ("outputs that differ from Go text/template's", f"{differing} of {outputs}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"written: {args.results}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    snap = commands.add_parser("snapshot")
    snap.add_argument("root")
    summary = commands.add_parser("summarize")
    summary.add_argument("work")
    summary.add_argument("--seed", type=int, required=True)
    summary.add_argument("--apps", type=int, required=True)
    summary.add_argument("--edpctl", required=True)
    summary.add_argument("--results", required=True)
    summary.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "5")))
    summary.add_argument("--startup-runs", type=int, default=int(os.environ.get("STARTUP_RUNS", "30")))
    args = parser.parse_args()
    if args.command == "snapshot":
        print(json.dumps(snapshot(args.root)))
    else:
        summarize(args)


if __name__ == "__main__":
    main()
