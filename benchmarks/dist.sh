#!/usr/bin/env bash
# The release files' figures (benchmarks/README.md): sizes of the static binary (as built and as
# shipped), of the dynamic release build plus the Swift runtime it loads, of the tarball and the
# .deb; start-up of `edpctl version` and `edpctl render -i x`, the tarball's binary against the
# dynamic one, run by run alternately (benchmarks/dist.py). Prints a markdown table.
# By default it builds both: the dynamic binary as `make demo` does, the release files with
# scripts/dist.sh (into a temporary folder; the static build in DIST_SCRATCH).
# Environment: SWIFT, SCRATCH (the dynamic build's folder, default .build), DIST_SCRATCH (default
# .build-dist), RUNS (default 200 of each binary), DYNAMIC_BINARY (a dynamic edpctl already built:
# not built again), DIST_DIR (a folder of release files scripts/dist.sh made: not made again; the
# unstripped binary is then DIST_SCRATCH's). Needs python3, tar, binutils and what scripts/dist.sh
# needs (`make dist` installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
DIST_SCRATCH=${DIST_SCRATCH:-.build-dist}
RUNS=${RUNS:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dynamic=${DYNAMIC_BINARY:-}
if [ -z "$dynamic" ]; then
    echo "== building edpctl (release, as make demo does)" >&2
    "$SWIFT" build -c release --scratch-path "$SCRATCH" --product edpctl >&2
    dynamic="$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/edpctl"
fi
dist=${DIST_DIR:-}
if [ -z "$dist" ]; then
    echo "== building the release files (scripts/dist.sh)" >&2
    dist=$work/dist
    SWIFT="$SWIFT" DIST_SCRATCH="$DIST_SCRATCH" scripts/dist.sh "$dist" >&2
fi

# Exactly one of each: an older version's files left beside would be measured by mistake.
one() {
    local found=("$dist"/$1)
    [ ${#found[@]} -eq 1 ] && [ -f "${found[0]}" ] ||
        { echo "dist.sh: want one $1 in $dist, found: ${found[*]}" >&2; exit 1; }
    echo "${found[0]}"
}
tarball=$(one 'edpctl-*-linux-*.tar.gz')
deb=$(one 'edpctl_*_*.deb')
unstripped=$DIST_SCRATCH/release/edpctl
[ -x "$unstripped" ] || { echo "dist.sh: no static build at $unstripped (DIST_SCRATCH)" >&2; exit 1; }

tar -xzf "$tarball" -C "$work" --wildcards '*/edpctl'
static=$(echo "$work"/edpctl-*/edpctl)
swift_path=$(command -v "$SWIFT")
toolchain=$(dirname "$(dirname "$swift_path")")

python3 benchmarks/dist.py --runs "$RUNS" --static-unstripped "$unstripped" --tarball "$tarball" \
    --deb "$deb" --toolchain "$toolchain" "$static" "$dynamic"
