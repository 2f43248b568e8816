#!/usr/bin/env bash
# The demo: hydrate the bundled EDP templates for the example environment, as the EDP deploy
# pipeline does with gomplate, then show what was written.
# Usage: scripts/demo.sh EDPCTL_BINARY
set -euo pipefail
edpctl=$1
cd "$(dirname "$0")/.."
source scripts/load-env.sh examples/edp/env

out=$(mktemp -d)
echo "environment (examples/edp/env):"
grep -v '^#' examples/edp/env | sed 's/^/  /'
echo
echo "\$ edpctl render --input-dir templates --output-dir $out"
"$edpctl" render --input-dir templates --output-dir "$out"
echo
echo "written to $out:"
(cd "$out" && find . -type f | sort | sed 's|^\./|  |')
echo
echo "--- stacks/core/argocd.yaml ---"
cat "$out/stacks/core/argocd.yaml"
