#!/bin/sh
# `edpctl rebuild` against the fake API server with simulated readiness delays: wall time against the
# chart graph's critical path, edpctl's CPU time, dry runs (benchmarks/rebuild.py says how). RUNS=5
# by default; the release build is used. Python 3 with PyYAML, openssl and git are all it needs.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product edpctl >/dev/null
exec python3 benchmarks/rebuild.py "$(swift build -c release --show-bin-path)/edpctl" "${RUNS:-5}"
