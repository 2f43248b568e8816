#!/bin/sh
# The time from a change of an object to `KubeClient.waitUntil`'s return, against the fake API
# server: the median and maximum over RUNS changes (default 20), each made 0.2 to 1.2 s after its
# wait started, for the streamed watch and for the wait as it was before (1-s watch windows read
# whole, which notice a change at the end of its window: about 0.5 s late on average, up to 1 s).
# Runs Tests/KubeTests/WatchLatencyBenchmark.swift; writes benchmarks/watch-latency.json.
set -eu
cd "$(dirname "$0")/.."
swift build --build-tests >/dev/null
out="$(pwd)/benchmarks/watch-latency.json"
rm -f "$out"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! EDPCTL_WATCH_BENCH_RUNS="${RUNS:-20}" EDPCTL_WATCH_BENCH_OUT="$out" \
    swift test --skip-build --filter WatchLatencyBenchmark >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
cat "$out"
