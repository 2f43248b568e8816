#!/bin/sh
# `edpctl secrets` against the fake API server over HTTPS: 200 Secrets recreated and checked, the
# example listed (benchmarks/secrets.py says how). RUNS=5 by default; the release build is used.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product edpctl >/dev/null
exec python3 benchmarks/secrets.py "$(swift build -c release --show-bin-path)/edpctl" "${RUNS:-5}"
