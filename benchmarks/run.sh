#!/usr/bin/env bash
# The benchmark (see benchmarks/README.md): `edpctl render` against Go's own text/template on a
# generated tree of 5,000 manifest templates; a second render over unchanged outputs; peak
# memory; start-up time. Prints a table and writes benchmarks/results.json.
# Environment: SWIFT, SCRATCH (SwiftPM build folder), RUNS (default 5), STARTUP_RUNS (default 30),
# APPS (default 1000 applications = 5,000 templates).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
RUNS=${RUNS:-5}
STARTUP_RUNS=${STARTUP_RUNS:-30}
APPS=${APPS:-1000}
work=$PWD/benchmarks/work
. benchmarks/common.sh

echo "== building edpctl (release) and the Go reference" >&2
"$SWIFT" build -c release --scratch-path "$SCRATCH" --product edpctl >&2
edpctl="$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/edpctl"
# What earlier runs left is moved into trash/ and deleted only when the script ends (README.md).
mkdir -p "$work/trash"
for old in "$work"/*; do
    if [ -e "$old" ] && [ "$old" != "$work/trash" ]; then mv "$old" "$work/trash/$(date +%s%N)"; fi
done
(cd benchmarks/go-render && GOPROXY=off "${GO:-go}" build -o "$work/go-render" .)
bench_tree "$work/tree" "$APPS"

render_edpctl="$edpctl render --input-dir $work/tree --output-dir $work/out"
render_go="$work/go-render --input-dir $work/tree --output-dir $work/out"

echo "== (c) peak RSS of a first render, and its output against Go's" >&2
EDPCTL_CACHE_DIR="$work/cache" /usr/bin/time -f %M -o "$work/peak-rss-kib" \
    "$edpctl" render --input-dir "$work/tree" --output-dir "$work/out-edpctl"
"$work/go-render" --input-dir "$work/tree" --output-dir "$work/out-go"
diff -rq "$work/out-go" "$work/out-edpctl" >"$work/differing" || true

echo "== (a) render into an empty folder, median of $RUNS" >&2
# Each run starts without outputs and without a render cache: both are moved aside, not deleted.
hyperfine --style basic --runs "$RUNS" --warmup 1 \
    --prepare "for old in $work/out $work/cache-first; do if [ -e \$old ]; then mv \$old $work/trash/\$(date +%s%N); fi; done" \
    --export-json "$work/render.json" -n edpctl "EDPCTL_CACHE_DIR=$work/cache-first $render_edpctl" -n go "$render_go" >&2

echo "== (b) render again over unchanged outputs, median of $RUNS" >&2
# With the cache the run before left. hyperfine gives every run a variable of random length, which
# would change the environment, part of every cache key; a user's second run has the same one.
python3 benchmarks/report.py snapshot "$work/out-edpctl" >"$work/before.json"
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$work/rerender.json" -n edpctl-again \
    "env -u HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET EDPCTL_CACHE_DIR=$work/cache $edpctl render --input-dir $work/tree --output-dir $work/out-edpctl" >&2
python3 benchmarks/report.py snapshot "$work/out-edpctl" >"$work/after.json"

echo "== (d) edpctl version start-up, median of $STARTUP_RUNS" >&2
hyperfine --style basic --shell=none --runs "$STARTUP_RUNS" --warmup 3 \
    --export-json "$work/startup.json" -n version "$edpctl version" >&2

python3 benchmarks/report.py summarize "$work" --seed "$BENCH_SEED" --apps "$APPS" \
    --edpctl "$edpctl" --results benchmarks/results.json
rm -rf "$work/trash"
