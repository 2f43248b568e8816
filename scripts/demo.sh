#!/usr/bin/env bash
# The demo: the EDP hydration job on the bundled templates for the example environment. It makes a
# fresh instances repository, hydrates <provider>/<domain>/ into it, commits, and shows the result.
# Usage: scripts/demo.sh EDPCTL_BINARY
set -euo pipefail
edpctl=$1
cd "$(dirname "$0")/.."

work=$(mktemp -d)
instances="$work/stacks-instances"
git init -q -b main "$instances"
git -C "$instances" -c user.name=demo -c user.email=demo@example.org commit -q --allow-empty -m "empty instances repository"

echo "environment (examples/edp/env):"
grep -v '^#' examples/edp/env | sed 's/^/  /'
echo
echo "\$ edpctl hydrate --templates templates --instances $instances --env-file examples/edp/env --commit"
GIT_AUTHOR_NAME="edpctl demo" GIT_AUTHOR_EMAIL=demo@example.org \
    "$edpctl" hydrate --templates templates --instances "$instances" --env-file examples/edp/env --commit
echo
echo "\$ git log --stat -1"
git -C "$instances" log --stat -1 | sed 's/^/  /'
echo
echo "\$ edpctl hydrate … --check   (a second run: nothing left to change)"
"$edpctl" hydrate --templates templates --instances "$instances" --env-file examples/edp/env --check
echo "exit status $? (0 = the instance folder matches the templates)"
echo
domain_folder=$(cd "$instances" && ls -d */*/ | head -n 1)
echo "--- ${domain_folder}stacks/core/argocd.yaml ---"
cat "$instances/${domain_folder}stacks/core/argocd.yaml"
