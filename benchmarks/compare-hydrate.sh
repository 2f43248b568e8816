#!/usr/bin/env bash
# Two edpctl binaries side by side in one run, on hydrate benchmark (c)'s work without git: the
# bundled templates for examples/edp/env, five stacks, 50 domains in one `hydrate --domain a,b,…`
# into an empty instances folder (1,850 files rendered, checked and written), then the same
# again as `--check` over the written folder (render and check, nothing written). Median of
# RUNS each, and user CPU. For before/after figures:
# `benchmarks/compare-hydrate.sh OLD_EDPCTL [NEW_EDPCTL]` (NEW defaults to this checkout's release
# build). Environment: SWIFT, SCRATCH, RUNS (default 10), DOMAINS (default 50).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
RUNS=${RUNS:-10}
DOMAINS=${DOMAINS:-50}
old=$(realpath "${1:?usage: benchmarks/compare-hydrate.sh OLD_EDPCTL [NEW_EDPCTL]}")
new=${2:-}
if [ -z "$new" ]; then
    "$SWIFT" build -c release --scratch-path "$SCRATCH" --product edpctl >&2
    new="$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/edpctl"
fi
new=$(realpath "$new")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/trash"
domains=$(seq -f "d%g.example.org" -s , 1 "$DOMAINS")
arguments="hydrate --templates $PWD/templates --env-file $PWD/examples/edp/env --provider otc"
arguments+=" --stacks core,otc,forgejo,observability,observability-client --domain $domains"
# Outputs are moved aside, not deleted, before each run (benchmarks/README.md).
aside() { echo "if [ -e $work/$1 ]; then mv $work/$1 $work/trash/\$(date +%s%N); fi; mkdir $work/$1"; }
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$work/write.json" \
    --prepare "$(aside old)" -n old "$old $arguments --instances $work/old" \
    --prepare "$(aside new)" \
    -n new "$new $arguments --instances $work/new" >&2
diff -rq "$work/old" "$work/new" >&2 && echo "outputs: identical"
# --check exits 2 on drift; the folders hold exactly what would be written, so it exits 0.
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$work/check.json" \
    -n old "$old $arguments --instances $work/old --check" \
    -n new "$new $arguments --instances $work/new --check" >&2
python3 - "$work/write.json" "$work/check.json" <<'PY'
import json, sys
for label, path in zip([f"hydrate 50 domains into an empty folder", "the same with --check"], sys.argv[1:]):
    old, new = json.load(open(path))["results"]
    print(f"{label:38s} old {old['median']:.3f} s ({old['user']:.2f} s user)  "
          f"new {new['median']:.3f} s ({new['user']:.2f} s user)  new/old {new['median'] / old['median']:.2f}")
PY
