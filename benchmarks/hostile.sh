#!/usr/bin/env bash
# How long edpctl (release) takes to refuse the small hostile inputs of issue 10: each must end
# with an error in seconds, within 4 GB of address space. Prints one line per case: the median of
# RUNS runs (hyperfine), the exit code and the first line of the error.
# Environment: SWIFT, SCRATCH (SwiftPM build folder), RUNS (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
RUNS=${RUNS:-5}

"$SWIFT" build -c release --scratch-path "$SCRATCH" --product edpctl >&2
edpctl="$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/edpctl"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A 9-level YAML alias bomb (a few hundred bytes) as a hydrate values file.
python3 - "$work/bomb.yaml" <<'PY'
import sys
lines = ['a: &a [' + ','.join(['"x"'] * 9) + ']']
for previous, name in zip("abcdefgh", "bcdefghi"):
    lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
mkdir -p "$work/templates/registry" "$work/templates/stacks/core" "$work/instances"
echo 'name: core' >"$work/templates/registry/core.yaml"
echo 'domain: <<< .Env.DOMAIN >>>' >"$work/templates/stacks/core/a.yaml"
printf 'x%.0s' $(seq 43) >"$work/x43"
printf 'x%.0s' $(seq 10000) >"$work/x10000"

cases=(
    "alias bomb in --values|$edpctl hydrate --templates $work/templates --instances $work/instances --provider p --domain a.de --stacks core --values $work/bomb.yaml --check"
    "regexp (x+x+)+y, 43 x|$edpctl render -i '<<< regexp.Match \"(x+x+)+y\" (file.Read \"$work/x43\") >>>'"
    "regexp (x+x+)+y, 10,000 x|$edpctl render -i '<<< regexp.Match \"(x+x+)+y\" (file.Read \"$work/x10000\") >>>'"
    "range seq 1 100000000|$edpctl render -i '<<< range seq 1 100000000 >>><<< end >>>'"
    "nested range seq 1 10000000|$edpctl render -i '<<< range seq 1 10000000 >>><<< range seq 1 10000000 >>><<< end >>><<< end >>>'"
    "strings.Indent MaxInt64|$edpctl render -i '<<< strings.Indent 9223372036854775807 \"x\" >>>'"
    "random.String 2^32|$edpctl render -i '<<< random.String 4294967296 >>>'"
    "toJSON of 2^64 shared nodes|$edpctl render -i '<<< \$x := coll.Slice 1 2 >>><<< range seq 1 64 >>><<< \$x = coll.Slice \$x \$x >>><<< end >>><<< toJSON \$x >>>'"
    "template recursion twice per level|$edpctl render -i '<<< define \"r\" >>><<< if lt (len .) 300 >>><<< template \"r\" (print . \"x\") >>><<< template \"r\" (print . \"y\") >>><<< end >>><<< end >>><<< template \"r\" \"\" >>>'"
)

printf '%-36s %10s %5s  %s\n' "case" "median" "exit" "error"
for entry in "${cases[@]}"; do
    name=${entry%%|*}
    command=${entry#*|}
    status=0
    message=$(prlimit --as=4000000000 -- timeout 60 bash -c "$command" 2>&1 >/dev/null | head -n 1 | cut -c1-110) || status=$?
    hyperfine --style none --runs "$RUNS" --warmup 1 --ignore-failure --export-json "$work/case.json" \
        "prlimit --as=4000000000 -- timeout 60 bash -c '${command//\'/\'\\\'\'}' >/dev/null 2>&1" >/dev/null
    median=$(python3 -c 'import json,sys; print("%.3f s" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/case.json")
    printf '%-36s %10s %5s  %s\n' "$name" "$median" "$status" "$message"
done
