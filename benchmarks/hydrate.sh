#!/usr/bin/env bash
# The hydrate benchmark (see benchmarks/README.md, "edpctl hydrate"): the bundled templates for
# examples/edp/env, five stacks, into a local instances clone (a bare repository and a clone of
# it in a temporary folder): (a) a first `hydrate --commit`; (b) the same again with nothing
# changed; (c) 50 domains one after another into one clone and one push, against `cp -r` and the
# git CLI. Prints a table and writes benchmarks/hydrate-results.json.
# Environment: SWIFT, SCRATCH (SwiftPM build folder), RUNS (default 5), DOMAINS (default 50),
# WORK_PARENT (where the temporary folder goes; default $TMPDIR or /tmp), EDPCTL (a built edpctl to
# measure instead of this checkout's release build, e.g. an older one for a before/after).
# Paths must not contain spaces: hyperfine runs the commands without a shell.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
RUNS=${RUNS:-5}
DOMAINS=${DOMAINS:-50}
STACKS=core,otc,forgejo,observability,observability-client
root=$PWD

. benchmarks/common.sh
edpctl=$(release_edpctl)

work=$(mktemp -d "${WORK_PARENT:-${TMPDIR:-/tmp}}/edpctl-hydrate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/trash" "$work/home"
# Neither the machine's nor the user's git configuration (libgit2 reads $HOME/.gitconfig).
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
hydrate="$edpctl hydrate --templates $root/templates --env-file $root/examples/edp/env --provider otc --stacks $STACKS"

# A bare repository with one commit (README.md) and a clone of it, as <name>-pristine/; fresh.sh
# puts a copy at <name>/, where the clone's origin points. The copy it replaces is moved into
# trash/, not deleted: freeing thousands of inodes right before a run slows the next one's file
# creation (benchmarks/README.md).
pristine() {
    local seed="$work/seed-$1" bare="$work/$1-pristine/instances.git" clone="$work/$1-pristine/instances"
    git init -q --bare -b main "$bare"
    git init -q -b main "$seed"
    echo "# instances" >"$seed/README.md"
    git -C "$seed" add -A
    git -C "$seed" commit -q -m seed
    git -C "$seed" push -q "$bare" main
    git clone -q "$bare" "$clone"
    git -C "$clone" remote set-url origin "$work/$1/instances.git"
}
cat >"$work/fresh.sh" <<EOF
if [ -e "$work/\$1" ]; then mv "$work/\$1" "$work/trash/\$(date +%s%N)"; fi
cp -a "$work/\$1-pristine" "$work/\$1"
EOF
# Every file's inode, mtime (ns) and size below a folder, as JSON.
snapshot() {
    python3 - "$1" <<'EOF'
import json, os, sys
root = sys.argv[1]
files = {}
for folder, _, names in os.walk(root):
    for name in names:
        status = os.lstat(os.path.join(folder, name))
        files[os.path.relpath(os.path.join(folder, name), root)] = [status.st_ino, status.st_mtime_ns, status.st_size]
print(json.dumps(files, sort_keys=True))
EOF
}

pristine one
bash "$work/fresh.sh" one
clone="$work/one/instances"
initial=$(git -C "$clone" rev-parse HEAD)

echo "== (a) hydrate --commit of five stacks into an existing clone, median of $RUNS" >&2
# Each run starts from the initial commit, so it writes every file and commits.
hyperfine --style basic --shell=none --runs "$RUNS" --warmup 1 \
    --prepare "git -C $clone reset -q --hard $initial" \
    --export-json "$work/first.json" -n hydrate-commit "$hydrate --instances $clone --commit" >&2
git -C "$clone" log -1 --format=%s >"$work/first-subject"
git -C "$clone" ls-files otc | wc -l >"$work/first-files"

echo "== (b) the same again, nothing changed, median of $RUNS" >&2
head_before=$(git -C "$clone" rev-parse HEAD)
snapshot "$clone/otc" >"$work/before.json"
$hydrate --instances "$clone" --commit 2>"$work/again-summary"
hyperfine --style basic --shell=none --runs "$RUNS" --warmup 1 \
    --export-json "$work/again.json" -n hydrate-again "$hydrate --instances $clone --commit" >&2
snapshot "$clone/otc" >"$work/after.json"
head_after=$(git -C "$clone" rev-parse HEAD)

echo "== (c) $DOMAINS domains into one clone and one push, against cp -r and the git CLI, median of $RUNS" >&2
# The reference copies the very files edpctl writes: rendered beforehand, once.
pristine rendered
bash "$work/fresh.sh" rendered
for i in $(seq 1 "$DOMAINS"); do
    $hydrate --instances "$work/rendered/instances" --domain "d$i.example.org" 2>/dev/null
done
# edpctl: one run hydrates the domains one after another (`--domain a,b,…`), then makes one
# commit and one push.
all_domains=$(seq -f "d%g.example.org" -s , 1 "$DOMAINS")
echo "$hydrate --instances $work/edpctl/instances --domain $all_domains --commit --push 2>/dev/null" >"$work/edpctl.sh"
# edpctl without git: the same hydrations, no commit, no push (where (c)'s time goes).
for i in $(seq 1 "$DOMAINS"); do
    echo "$hydrate --instances $work/files-only/instances --domain d$i.example.org 2>/dev/null"
done >"$work/files-only.sh"
# The reference: one `cp -r` per domain, then one commit and one push with the git CLI; and the
# copies alone.
copies() {
    echo "mkdir -p $work/$1/instances/otc"
    for i in $(seq 1 "$DOMAINS"); do
        echo "cp -r $work/rendered/instances/otc/d$i.example.org $work/$1/instances/otc/"
    done
}
{
    copies reference
    echo "git -C $work/reference/instances add -A"
    echo "git -C $work/reference/instances commit -q -m 'hydrate $DOMAINS domains'"
    echo "git -C $work/reference/instances push -q origin main"
} >"$work/reference.sh"
copies cp-only >"$work/cp-only.sh"
for name in edpctl files-only reference cp-only; do pristine "$name"; done
hyperfine --style basic --shell=none --runs "$RUNS" --warmup 1 --export-json "$work/domains.json" \
    --prepare "bash $work/fresh.sh edpctl" -n edpctl "bash $work/edpctl.sh" \
    --prepare "bash $work/fresh.sh files-only" -n edpctl-files-only "bash $work/files-only.sh" \
    --prepare "bash $work/fresh.sh reference" -n cp-and-git "bash $work/reference.sh" \
    --prepare "bash $work/fresh.sh cp-only" -n cp-only "bash $work/cp-only.sh" >&2
# What each of those processes costs before doing anything: start-up.
hyperfine --style basic --shell=none --runs 30 --warmup 3 --export-json "$work/startup.json" -n version "$edpctl version" >&2
# Both sides must have pushed the same tree.
git -C "$work/edpctl/instances.git" rev-parse 'main^{tree}' >"$work/edpctl-tree"
git -C "$work/reference/instances.git" rev-parse 'main^{tree}' >"$work/reference-tree"
git -C "$work/edpctl/instances.git" rev-list --count main >"$work/edpctl-commits"
git -C "$work/edpctl/instances.git" ls-tree -r --name-only main | wc -l >"$work/edpctl-files"
git -C "$work/edpctl/instances.git" fsck --strict --no-progress >&2

python3 - "$work" "$edpctl" "$RUNS" "$DOMAINS" "$head_before" "$head_after" <<'EOF'
import datetime, json, os, platform, subprocess, sys

work, edpctl, runs, domains, head_before, head_after = sys.argv[1:]

def read(name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return f.read().strip()

def medians(name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return {r["command"]: r["median"] for r in json.load(f)["results"]}

def output(argv):
    try:
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.strip()
    except OSError as error:
        return str(error)

def cpu():
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        return next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), platform.processor())

before, after = json.loads(read("before.json")), json.loads(read("after.json"))
rewritten = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
first, again, c = medians("first.json"), medians("again.json"), medians("domains.json")
startup = medians("startup.json")["version"]
results = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpu": cpu(), "cores": os.cpu_count(), "kernel": platform.release()},
    "edpctl": output([edpctl, "version"]),
    "git": output(["git", "--version"]),
    "runs": int(runs),
    "stacks": "core,otc,forgejo,observability,observability-client",
    "a_first_hydrate_commit": {
        "median_s": first["hydrate-commit"], "target_s": 0.3,
        "files": int(read("first-files")), "commit_subject": read("first-subject"),
    },
    "b_again_nothing_changed": {
        "median_s": again["hydrate-again"], "target_s": 0.1, "files_rewritten": len(rewritten),
        "rewritten": rewritten[:20], "head_unchanged": head_before == head_after,
        "summary": read("again-summary"),
    },
    "c_domains_one_push": {
        "domains": int(domains),
        "edpctl_median_s": c["edpctl"], "edpctl_files_only_median_s": c["edpctl-files-only"],
        "reference_median_s": c["cp-and-git"], "reference_cp_only_median_s": c["cp-only"],
        "ratio": c["edpctl"] / c["cp-and-git"], "target_ratio": 1.0, "edpctl_startup_median_s": startup,
        "same_tree": read("edpctl-tree") == read("reference-tree"),
        "edpctl_commits": int(read("edpctl-commits")), "edpctl_files": int(read("edpctl-files")),
    },
}
with open("benchmarks/hydrate-results.json", "w", encoding="utf-8") as f:
    json.dump(results, f, indent=2)
    f.write("\n")

a, b, c = results["a_first_hydrate_commit"], results["b_again_nothing_changed"], results["c_domains_one_push"]
ms = lambda s: f"{s * 1000:.0f} ms"
ok = lambda good: "ok" if good else "MISSED"
rows = [
    ("measure", "result", "target", ""),
    (f"(a) hydrate --commit, {a['files']} files", ms(a["median_s"]), "<= 300 ms", ok(a["median_s"] <= 0.3)),
    ("(b) again, nothing changed", ms(b["median_s"]), "<= 100 ms", ok(b["median_s"] <= 0.1)),
    ("(b) files rewritten; HEAD unchanged", f"{b['files_rewritten']}; {'yes' if b['head_unchanged'] else 'NO'}",
     "0; yes", ok(b["files_rewritten"] == 0 and b["head_unchanged"])),
    (f"(c) edpctl: hydrate --domain <{c['domains']} domains> --commit --push", ms(c["edpctl_median_s"]), "", ""),
    (f"(c) edpctl: {c['domains']} x hydrate, no git", ms(c["edpctl_files_only_median_s"]), "", ""),
    (f"(c) cp -r x {c['domains']}, git add/commit/push", ms(c["reference_median_s"]), "", ""),
    (f"(c) cp -r x {c['domains']}, no git", ms(c["reference_cp_only_median_s"]), "", ""),
    ("(c) edpctl version (start-up)", ms(startup), "", ""),
    ("(c) ratio edpctl / cp + git", f"{c['ratio']:.2f}", "<= 1.00", ok(c["ratio"] <= 1.0)),
    ("(c) same tree pushed", "yes" if c["same_tree"] else "NO", "yes", ok(c["same_tree"])),
]
width = [max(len(r[i]) for r in rows) for i in range(4)]
for r in rows:
    print("  ".join(cell.ljust(width[i]) for i, cell in enumerate(r)).rstrip())
print(f"\nmedians of {runs} runs; {results['machine']['cpu']}, {results['machine']['cores']} cores; "
      "written to benchmarks/hydrate-results.json")
EOF
