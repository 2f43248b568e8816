# Sourced: exports every KEY=VALUE line of the file given (blank lines and # comments skipped).
# Values are taken as they are, with no shell expansion or quote removal.
# Usage: source scripts/load-env.sh FILE
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    export "${line%%=*}=${line#*=}"
done < "$1"
