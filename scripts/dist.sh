#!/usr/bin/env bash
# make dist: the release files of edpctl, for a node or a CI job without Swift (docs/install.md).
#
#   dist/edpctl-VERSION-linux-ARCH.tar.gz  the binary, completions, man pages, README, licences
#   dist/edpctl_VERSION_ARCH.deb           the same laid out for Debian, Depends: on what it links
#   dist/SHA256SUMS
#
# The binary links Swift's runtime in (--static-swift-stdlib): it needs only libc, libstdc++ and the
# distribution's libgit2, libcurl and libyaml. File dates are the commit's (SOURCE_DATE_EPOCH).
# Usage: scripts/dist.sh [OUTPUT_DIR]    Environment: SWIFT, DIST_SCRATCH (default .build-dist)
set -euo pipefail
cd "$(dirname "$0")/.."
swift=${SWIFT:-swift}
scratch=${DIST_SCRATCH:-.build-dist}
out=${1:-dist}

fail() { echo "dist: $*" >&2; exit 1; }

SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH
release_date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)

$swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product edpctl >&2
bin_dir=$($swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)
binary=$bin_dir/edpctl
if ldd "$binary" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime|/opt/swift' >&2; then
    fail "$binary loads Swift's runtime libraries: it would not run on a node without Swift"
fi

version=$("$binary" --version)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Debug symbols are two fifths of the binary; a crash report still names Swift's functions
# (their metadata stays), the C libraries' from their own packages.
strip -o "$stage/edpctl" "$binary"

completions=$stage/completions
mkdir -p "$completions"
"$stage/edpctl" --generate-completion-script bash >"$completions/edpctl.bash"
"$stage/edpctl" --generate-completion-script zsh >"$completions/_edpctl"
"$stage/edpctl" --generate-completion-script fish >"$completions/edpctl.fish"

# The man pages come from argument-parser's generator, run on the binary being shipped: it reads
# the commands' own help (--experimental-dump-help), so the pages say what --help says. Built in
# the same configuration, it shares the build of ArgumentParser.
$swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product generate-manual >&2
man_pages=$stage/man
mkdir -p "$man_pages"
"$bin_dir/generate-manual" "$binary" --multi-page --date "$release_date" --output-directory "$man_pages" >&2
# Every page but `edpctl help`'s, argument-parser's own command.
pages=()
for page in "$man_pages"/*.1; do
    [ "$(basename "$page")" = edpctl.help.1 ] || pages+=("$page")
done
[ ${#pages[@]} -gt 0 ] || fail "the manual generator wrote no page in $man_pages"

# What the binary holds of others' code, with their licences: Swift's runtime and Foundation, and
# the Swift packages it is built from.
licences=$stage/THIRD-PARTY-LICENSES
{
    echo "edpctl's binary holds code of the following projects, linked statically."
    echo
    echo "=== Swift standard library and Foundation (swift.org) ==="
    cat "$(dirname "$(dirname "$(command -v "$swift")")")/share/swift/LICENSE.txt"
    for checkout in "$scratch"/checkouts/*/; do
        echo
        echo "=== $(basename "$checkout") ==="
        for file in "$checkout"LICENSE* "$checkout"NOTICE*; do
            [ -f "$file" ] && cat "$file"
        done
    done
} >"$licences"

# The tarball: one folder, named like the file.
name=edpctl-$version-linux-$arch
tree=$stage/$name
mkdir -p "$tree/completions" "$tree/man/man1"
cp "$stage/edpctl" "$tree/"
cp "$completions"/* "$tree/completions/"
cp "${pages[@]}" "$tree/man/man1/"
cp README.md LICENSE "$licences" "$tree/"
cp docs/install.md "$tree/INSTALL.md"

# The .deb: the same files where Debian puts them.
package=$stage/deb
install -D -m 755 "$stage/edpctl" "$package/usr/bin/edpctl"
install -D -m 644 "$completions/edpctl.bash" "$package/usr/share/bash-completion/completions/edpctl"
install -D -m 644 "$completions/_edpctl" "$package/usr/share/zsh/vendor-completions/_edpctl"
install -D -m 644 "$completions/edpctl.fish" "$package/usr/share/fish/vendor_completions.d/edpctl.fish"
install -d "$package/usr/share/man/man1" "$package/usr/share/doc/edpctl"
for page in "${pages[@]}"; do
    gzip -9n <"$page" >"$package/usr/share/man/man1/$(basename "$page").gz"
done
gzip -9n <README.md >"$package/usr/share/doc/edpctl/README.md.gz"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: edpctl"
    echo
    echo "Files: *"
    echo "License: Apache-2.0"
    echo " On Debian systems, the full text of the Apache License, Version 2.0 is in"
    echo " /usr/share/common-licenses/Apache-2.0."
    echo
    echo "Comment:"
    sed -e 's/^$/./' -e 's/^/ /' "$licences"
} >"$package/usr/share/doc/edpctl/copyright"

# Depends: the package of each library the binary links, at least the upstream version this build
# used. Not its Debian revision: a node with only the release's archive (no security updates, as a
# mirror of the point release or debootstrap's root has) must still be able to install it.
depends=()
while read -r soname; do
    owner=$(dpkg-query -S "/lib/$multiarch/$soname" "/usr/lib/$multiarch/$soname" \
        "/lib64/$soname" 2>/dev/null | head -n 1 | cut -d: -f1) || true
    [ -n "$owner" ] || fail "no Debian package holds $soname, which the binary links"
    used=$(dpkg-query -W -f='${Version}' "$owner:$arch")
    depends+=("$owner (>= ${used%-*})")
done < <(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
depends_line=$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')

mkdir -p "$package/DEBIAN"
cat >"$package/DEBIAN/control" <<CONTROL
Package: edpctl
Version: $version
Architecture: $arch
Maintainer: edpctl developers <edpctl@localhost>
Installed-Size: $(du -sk --apparent-size "$package/usr" | cut -f1)
Depends: $depends_line
Recommends: ca-certificates
Section: admin
Priority: optional
Description: rebuild a GitOps platform after a disaster, keep it hydrated
 edpctl rebuilds a k3s platform managed by Argo CD from one platform.yaml
 (k3s, Helm charts, the gitops repository, out-of-band Secrets, the Keycloak
 realm, then proof), recreates the Secrets that live outside git, hydrates
 stack templates into the instances repository, and renders templates as a
 drop-in for gomplate.
CONTROL
(cd "$package" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$package/DEBIAN/md5sums"

mkdir -p "$out"
tarball=$name.tar.gz
deb=edpctl_${version}_$arch.deb
rm -f "$out/$tarball" "$out/$deb" "$out/SHA256SUMS"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$stage" -cf - "$name" | gzip -9n >"$out/$tarball.part"
dpkg-deb --root-owner-group --build "$package" "$out/$deb.part" >/dev/null
mv "$out/$tarball.part" "$out/$tarball"
mv "$out/$deb.part" "$out/$deb"
(cd "$out" && sha256sum "$tarball" "$deb" >SHA256SUMS.part && mv SHA256SUMS.part SHA256SUMS)

"$binary" version | sed -n '1,2s/^/dist: /p'
(cd "$out" && ls -l "$tarball" "$deb" SHA256SUMS)
echo "Depends: $depends_line"
