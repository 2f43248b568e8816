#!/usr/bin/env bash
# Two edpctl binaries side by side in one run, on the tree of benchmarks/run.sh: a render into an
# empty folder and a render again over unchanged outputs, median of RUNS each. For checking that a
# change costs nothing: `benchmarks/compare.sh OLD_EDPCTL [NEW_EDPCTL]` (NEW defaults to this
# checkout's release build). Environment: SWIFT, SCRATCH, RUNS (default 10), APPS (default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
RUNS=${RUNS:-10}
APPS=${APPS:-1000}
old=${1:?usage: benchmarks/compare.sh OLD_EDPCTL [NEW_EDPCTL]}
new=${2:-}
if [ -z "$new" ]; then
    "$SWIFT" build -c release --scratch-path "$SCRATCH" --product edpctl >&2
    new="$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/edpctl"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. benchmarks/common.sh
bench_tree "$work/tree" "$APPS"
mkdir -p "$work/trash"
# Outputs and caches are moved aside, not deleted, before each first render (benchmarks/README.md).
aside="for old in $work/out-old $work/out-new $work/cache-old $work/cache-new; do if [ -e \$old ]; then mv \$old $work/trash/\$(date +%s%N); fi; done"
hyperfine --style basic --runs "$RUNS" --warmup 1 --prepare "$aside" --export-json "$work/first.json" \
    -n old "EDPCTL_CACHE_DIR=$work/cache-old $old render --input-dir $work/tree --output-dir $work/out-old" \
    -n new "EDPCTL_CACHE_DIR=$work/cache-new $new render --input-dir $work/tree --output-dir $work/out-new" >&2
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$work/again.json" \
    -n old "env -u HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET EDPCTL_CACHE_DIR=$work/cache-old $old render --input-dir $work/tree --output-dir $work/out-old" \
    -n new "env -u HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET EDPCTL_CACHE_DIR=$work/cache-new $new render --input-dir $work/tree --output-dir $work/out-new" >&2
diff -rq "$work/out-old" "$work/out-new" >&2 && echo "outputs: identical"
python3 - "$work/first.json" "$work/again.json" <<'PY'
import json, sys
for label, path in zip(["render into an empty folder", "render again, unchanged outputs"], sys.argv[1:]):
    old, new = (r["median"] for r in json.load(open(path))["results"])
    print(f"{label:34s} old {old:.3f} s  new {new:.3f} s  new/old {new / old:.2f}")
PY
