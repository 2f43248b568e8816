#!/usr/bin/env bash
# Checks the bundled example end to end with a built edpctl: templates/ rendered with
# examples/edp/env gives the same bytes as Go's own text/template (benchmarks/go-render, the
# reference gomplate is built on), every rendered file is valid YAML, and the Kubernetes
# objects among them pass shared/tools/validate-manifests.py when that is beside the repo.
# Usage: scripts/check-example.sh EDPCTL_BINARY [SHARED_DIR]
set -euo pipefail
edpctl=$(realpath "$1")
shared=${2:-}
cd "$(dirname "$0")/.."
source scripts/load-env.sh examples/edp/env

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd benchmarks/go-render && GOPROXY=off go build -o "$work/go-render" .)
"$work/go-render" --input-dir templates --output-dir "$work/go"
"$edpctl" render --input-dir templates --output-dir "$work/edpctl"
if ! diff -r "$work/go" "$work/edpctl" >"$work/diff"; then
    echo "example: edpctl's output differs from Go text/template's:" >&2
    cat "$work/diff" >&2
    exit 1
fi

python3 - "$work/edpctl" >"$work/manifests" <<'PYEOF'
import os, sys, yaml
root = sys.argv[1]
for folder, _, names in sorted(os.walk(root)):
    for name in sorted(names):
        path = os.path.join(folder, name)
        try:
            documents = list(yaml.safe_load_all(open(path, encoding="utf-8")))
        except yaml.YAMLError as error:
            sys.exit(f"example: {os.path.relpath(path, root)} is not valid YAML: {error}")
        if any(isinstance(d, dict) and "kind" in d for d in documents):
            print(path)
PYEOF
count=$(find "$work/edpctl" -type f | wc -l)
echo "example: $count files rendered, identical to Go text/template, all valid YAML"

validator=$shared/tools/validate-manifests.py
if [ -n "$shared" ] && [ -f "$validator" ] && python3 -c 'import jsonschema' 2>/dev/null; then
    mapfile -t manifests <"$work/manifests"
    python3 "$validator" --crds "$shared/crds" "${manifests[@]}" 2>&1 | sed 's|'"$work/edpctl/"'||; s|^|  |'
else
    echo "example: manifest validation skipped (shared/tools/validate-manifests.py or jsonschema missing)"
fi
