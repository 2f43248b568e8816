# Sourced by the benchmark scripts: what several of them share. They set SWIFT and SCRATCH first.

# Prints the edpctl to measure: $EDPCTL when set (an older build, for a before/after), else this
# checkout's release build, built first.
release_edpctl() {
    if [ -n "${EDPCTL:-}" ]; then
        realpath "$EDPCTL"
        return
    fi
    echo "== building edpctl (release)" >&2
    "$SWIFT" build -c release --scratch-path "$SCRATCH" --product edpctl >&2
    echo "$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/edpctl"
}

# The generated tree's seed: every benchmark renders the same tree.
BENCH_SEED=20241125

# Generates the manifest tree (5 templates per application) in DIR and exports the variables its
# templates read through .Env. Usage: bench_tree DIR APPS
bench_tree() {
    python3 benchmarks/gen_tree.py "$1" --apps "$2" --seed "$BENCH_SEED" >&2
    export BENCH_ENVIRONMENT=production BENCH_NAMESPACE=shop BENCH_CLUSTER=eu-de-1 \
        BENCH_REGISTRY=registry.example.org BENCH_DOMAIN=apps.example.org \
        BENCH_REPO_URL=https://git.example.org/platform
}
