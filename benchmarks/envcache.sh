#!/usr/bin/env bash
# The render cache against a changing environment (see benchmarks/README.md, "The render cache and
# an unrelated variable"): the 5,000-template tree of run.sh rendered (first) into an empty folder
# without a cache, and (second) again over the outputs and cache of a first run, with a variable no
# template reads changed in between, as a CI job id changes every run; and, for what such a run
# cost before issue 14 (every key held the whole environment), the second run with --no-cache:
# every template rendered again, no output written. Medians of RUNS rounds, measured side by
# side; prints a table and writes benchmarks/envcache-results.json.
# Environment: SWIFT, SCRATCH (SwiftPM build folder), RUNS (default 5), APPS (default 1000
# applications = 5,000 templates), EDPCTL (a built edpctl to measure instead of this checkout's
# release build). Paths must not contain spaces.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
RUNS=${RUNS:-5}
APPS=${APPS:-1000}

. benchmarks/common.sh
edpctl=$(release_edpctl)

work=$(mktemp -d "${TMPDIR:-/tmp}/edpctl-envcache-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/trash"
bench_tree "$work/tree" "$APPS"

render="$edpctl render --input-dir $work/tree --output-dir $work/out"
# Outputs and cache of the run before are moved aside, not deleted (benchmarks/README.md: freeing
# thousands of inodes right before a run slows the next one's file creation).
aside="for old in $work/out $work/cache; do if [ -e \$old ]; then mv \$old $work/trash/\$(date +%s%N); fi; done"

echo "== first run (no outputs, no cache), second run (CI_JOB_ID changed), the same without the cache; median of $RUNS" >&2
# A second run's preparation is a first run with CI_JOB_ID=1; the run measured has CI_JOB_ID=2.
# hyperfine also gives each run a variable of random length, a second unrelated change.
first_run="$aside; EDPCTL_CACHE_DIR=$work/cache CI_JOB_ID=1 $render 2>/dev/null"
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$work/runs.json" \
    --prepare "$aside" -n first "EDPCTL_CACHE_DIR=$work/cache CI_JOB_ID=1 $render" \
    --prepare "$first_run" -n second "EDPCTL_CACHE_DIR=$work/cache CI_JOB_ID=2 $render" \
    --prepare "$first_run" -n uncached "EDPCTL_CACHE_DIR=$work/cache CI_JOB_ID=2 $render --no-cache" >&2

# What a second run did, by its own summary line: how many outputs came from the cache.
eval "$aside"
EDPCTL_CACHE_DIR=$work/cache CI_JOB_ID=1 $render 2>/dev/null
summary=$(EDPCTL_CACHE_DIR=$work/cache CI_JOB_ID=2 $render --verbose 2>&1 | tail -n 1)

python3 - "$work/runs.json" "$summary" "$edpctl" "$APPS" <<'EOF'
import json, statistics, subprocess, sys
runs, summary, edpctl, apps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
results = {r["command"]: r for r in json.load(open(runs))["results"]}
first = statistics.median(results["first"]["times"])
second = statistics.median(results["second"]["times"])
uncached = statistics.median(results["uncached"]["times"])
version = subprocess.run([edpctl, "version"], capture_output=True, text=True).stdout.strip()
record = {
    "templates": apps * 5, "runs": len(results["first"]["times"]), "edpctl": version,
    "first_median_s": round(first, 4), "second_median_s": round(second, 4),
    "uncached_median_s": round(uncached, 4), "ratio": round(second / first, 3), "second_summary": summary,
    **{f"{name}_times_s": [round(t, 4) for t in results[name]["times"]] for name in ["first", "second", "uncached"]},
}
json.dump(record, open("benchmarks/envcache-results.json", "w"), indent=2)
open("benchmarks/envcache-results.json", "a").write("\n")
print(f"| measure | median of {record['runs']} |")
print("|---|---|")
print(f"| first run, {record['templates']:,} templates, no outputs, no cache | {first:.3f} s |")
print(f"| second run, CI_JOB_ID changed | {second:.3f} s |")
print(f"| the same with --no-cache (as before issue 14) | {uncached:.3f} s |")
print(f"| ratio second / first (target ≤ 0.3) | {second / first:.2f} |")
print(f"| second run's summary | {summary} |")
EOF
