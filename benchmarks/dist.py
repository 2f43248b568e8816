#!/usr/bin/env python3
"""The release files' figures: sizes, and start-up of the static build against the dynamic one.

    benchmarks/dist.py --static-unstripped BIN --tarball TGZ --deb DEB --toolchain DIR \
        [--runs N] STATIC DYNAMIC

STATIC is the binary from the tarball (stripped, Swift's runtime linked in: what `make dist` ships),
DYNAMIC the release build `make demo` makes, which loads Swift's runtime from the toolchain. Sizes:
each binary, the Swift runtime libraries the dynamic one loads (the ones ldd resolves below
--toolchain), so that both sides count what they need on disk; the libraries of the distribution
(libgit2, libcurl, libyaml, libc, ...) both need alike and are not counted.

Start-up: the wall time of one fork + exec + wait (posix_spawn, then wait4; output to /dev/null) of
`edpctl version` and of `edpctl render -i x`. The two binaries run alternately, N runs each, after
five warm-up runs each; the order flips every round (static first, then dynamic first), so that
neither always runs in the cache state the other leaves. Reported: median, p90 and min of each, the
ratio of the medians and the median of the per-round ratios, and the median CPU time (user + sys
from wait4). Prints a markdown table on standard output.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

COMMANDS = [("`edpctl version`", ["version"], None), ("`edpctl render -i x`", ["render", "-i", "x"], "x")]
WARMUP = 5


def fail(message):
    sys.exit(f"dist.py: {message}")


def swift_runtime(binary, toolchain):
    """The shared libraries ldd resolves for `binary` below `toolchain`, as real paths."""
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    prefix = os.path.realpath(toolchain) + os.sep
    found = set()
    for line in ldd.splitlines():
        if "=>" in line:
            path = line.split("=>", 1)[1].split("(")[0].strip()
            if path and os.path.realpath(path).startswith(prefix):
                found.add(os.path.realpath(path))
    return sorted(found)


def size(path):
    return os.stat(path).st_size


def check(binary, arguments, expected):
    """One run with its output read: a binary that fails (a missing library) must not be timed."""
    run = subprocess.run([binary, *arguments], capture_output=True, text=True)
    if run.returncode != 0:
        fail(f"{binary} {' '.join(arguments)} exited with {run.returncode}: {run.stderr.strip()}")
    if expected is not None and run.stdout != expected:
        fail(f"{binary} {' '.join(arguments)} printed {run.stdout!r}, not {expected!r}")
    return run.stdout


def spawn(argv, devnull):
    """Wall seconds and CPU seconds (user + sys) of one run."""
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter_ns() - start) / 1e9
    if os.waitstatus_to_exitcode(status) != 0:
        fail(f"{' '.join(argv)} exited with {os.waitstatus_to_exitcode(status)} during the timed runs")
    return wall, usage.ru_utime + usage.ru_stime


def interleaved(binaries, arguments, runs):
    """{binary: ([wall], [cpu])}, the binaries alternating run by run, first one first every other round."""
    samples = {binary: ([], []) for binary in binaries}
    with open(os.devnull, "wb") as sink:
        for number in range(WARMUP + runs):
            order = binaries if number % 2 == 0 else binaries[::-1]
            for binary in order:
                wall, cpu = spawn([binary, *arguments], sink.fileno())
                if number >= WARMUP:
                    samples[binary][0].append(wall)
                    samples[binary][1].append(cpu)
    return samples


def p90(values):
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 9 // 10) - 1)]


def mb(count):
    return f"{count / 1e6:.1f} MB"


def ms(seconds):
    return f"{seconds * 1e3:.2f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("static")
    parser.add_argument("dynamic")
    parser.add_argument("--static-unstripped", required=True)
    parser.add_argument("--tarball", required=True)
    parser.add_argument("--deb", required=True)
    parser.add_argument("--toolchain", required=True)
    parser.add_argument("--runs", type=int, default=200)
    options = parser.parse_args()
    static, dynamic = os.path.abspath(options.static), os.path.abspath(options.dynamic)

    for binary in (static, options.static_unstripped):
        if swift_runtime(binary, options.toolchain):
            fail(f"{binary} loads libraries from {options.toolchain}: it is not the static build")
    runtime = swift_runtime(dynamic, options.toolchain)
    if not runtime:
        fail(f"{dynamic} loads nothing from {options.toolchain}: is it the dynamic build, and is that its toolchain?")
    runtime_bytes = sum(size(path) for path in runtime)

    with tempfile.TemporaryDirectory() as scratch:
        # The same cut as scripts/dist.sh's for the dynamic binary, for a like-for-like row; and the
        # unstripped static binary stripped again must be the tarball's, or the two come from different builds.
        dynamic_stripped = os.path.join(scratch, "dynamic")
        restripped = os.path.join(scratch, "static")
        subprocess.run(["strip", "-o", dynamic_stripped, dynamic], check=True)
        subprocess.run(["strip", "-o", restripped, options.static_unstripped], check=True)
        dynamic_stripped_bytes = size(dynamic_stripped)
        with open(restripped, "rb") as a, open(static, "rb") as b:
            if a.read() != b.read():
                fail(f"{options.static_unstripped}, stripped, is not the tarball's binary: they come from different builds")

    versions = {binary: check(binary, ["version"], None).splitlines() for binary in (static, dynamic)}
    timings = []
    for label, arguments, expected in COMMANDS:
        for binary in (static, dynamic):
            check(binary, arguments, expected)
        print(f"== {label}: {options.runs} runs each, interleaved", file=sys.stderr)
        timings.append((label, interleaved([static, dynamic], arguments, options.runs)))

    static_bytes = size(static)
    rows = [
        ("binary as built", mb(size(options.static_unstripped)), mb(size(dynamic)), ""),
        ("binary stripped (the static one is the tarball's)", mb(static_bytes), mb(dynamic_stripped_bytes), ""),
        (f"Swift runtime libraries it loads from {options.toolchain}", "none",
         f"{len(runtime)} files, {mb(runtime_bytes)}", ""),
        ("on disk to run: stripped binary + Swift runtime", mb(static_bytes),
         mb(dynamic_stripped_bytes + runtime_bytes), f"{static_bytes / (dynamic_stripped_bytes + runtime_bytes):.2f}"),
        ("on disk to run: binary as built + Swift runtime", mb(size(options.static_unstripped)),
         mb(size(dynamic) + runtime_bytes), f"{size(options.static_unstripped) / (size(dynamic) + runtime_bytes):.2f}"),
        (f"tarball `{os.path.basename(options.tarball)}`", mb(size(options.tarball)), "", ""),
        (f".deb `{os.path.basename(options.deb)}`", mb(size(options.deb)), "", ""),
    ]
    for label, samples in timings:
        (static_wall, static_cpu), (dynamic_wall, dynamic_cpu) = samples[static], samples[dynamic]
        per_round = statistics.median(s / d for s, d in zip(static_wall, dynamic_wall))
        rows.append((f"{label} wall: median / p90 / min",
                     f"{ms(statistics.median(static_wall))} / {ms(p90(static_wall))} / {ms(min(static_wall))}",
                     f"{ms(statistics.median(dynamic_wall))} / {ms(p90(dynamic_wall))} / {ms(min(dynamic_wall))}",
                     f"**{statistics.median(static_wall) / statistics.median(dynamic_wall):.2f}** "
                     f"(per round: {per_round:.2f})"))
        rows.append((f"{label} CPU (user + sys), median", ms(statistics.median(static_cpu)),
                     ms(statistics.median(dynamic_cpu)),
                     f"{statistics.median(static_cpu) / statistics.median(dynamic_cpu):.2f}"))

    for name, binary in (("static", static), ("dynamic", dynamic)):
        print(f"{name}: {binary} ({'; '.join(versions[binary][:2])})")
    print(f"{os.cpu_count()} cores, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {options.runs} runs of each binary")
    print()
    print("| measure | static (`make dist`) | dynamic (`make demo`) | static / dynamic |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
