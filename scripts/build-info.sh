#!/bin/sh
# Writes OUTPUT_DIR/BuildInfo.swift: the commit the package in SOURCE_DIR is at, that commit's date
# and whether the work tree differs from it (as Go's -buildvcs: tracked changes or untracked files
# not ignored). Rewritten only when that changes, so an unchanged tree recompiles nothing.
# Outside a git work tree (a source tarball) the commit is "unknown".
# Usage: build-info.sh SOURCE_DIR OUTPUT_DIR   (run by Plugins/BuildInfo before every build)
set -eu
source_dir=$1
output_dir=$2
commit=unknown
date=unknown
dirty=false
if commit_line=$(git -C "$source_dir" log -1 --format='%H %cI' 2>/dev/null) && [ -n "$commit_line" ]; then
    commit=${commit_line%% *}
    date=${commit_line#* }
    if [ -n "$(git -C "$source_dir" status --porcelain 2>/dev/null | head -n 1)" ]; then
        dirty=true
    fi
fi
mkdir -p "$output_dir"
file="$output_dir/BuildInfo.swift"
temporary="$file.$$"
cat > "$temporary" <<SWIFT
// Written by scripts/build-info.sh before each build; not in git.
enum BuildInfo {
    static let commit = "$commit"
    static let commitDate = "$date"
    static let dirty = $dirty
}
SWIFT
if cmp -s "$temporary" "$file"; then
    rm -f "$temporary"
else
    mv -f "$temporary" "$file"
fi
