#!/usr/bin/env bash
# The release files on a bare Debian 12, as an operator installs them on a fresh node.
#
# `debootstrap --variant=minbase bookworm` makes a root once per machine (cached, see below). In a
# copy of it the .deb is installed with `apt-get install ./….deb` inside chroot, which must fetch
# the libraries it depends on; there, with no Swift anywhere in that root, edpctl reports its
# version, renders a template and hydrates the bundled example into a fresh git repository and
# commits (the commit's tree must equal the one REFERENCE_EDPCTL, built here, makes). A second copy
# gets only the .deb's Depends from Debian's archive and the tarball, and its binary passes the
# same checks.
#
# Usage: scripts/test-install-debian.sh DIST_DIR REFERENCE_EDPCTL
# Environment: EDPCTL_TEST_ROOT_CACHE  where the pristine root is kept (/var/cache/edpctl-test)
#              DEBIAN_MIRROR           the archive to debootstrap from (else the host's)
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$(realpath "$1")
reference=$(realpath "$2")
cache=${EDPCTL_TEST_ROOT_CACHE:-/var/cache/edpctl-test}

if [ "$(id -u)" -ne 0 ]; then
    echo "install-debian: skipped: debootstrap and chroot need root, and this runs as $(id -un)"
    exit 0
fi
for tool in debootstrap chroot dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "install-debian: $tool is not installed (make test installs it)" >&2; exit 1; }
done

deb=$(find "$dist" -maxdepth 1 -name 'edpctl_*.deb' | sort | tail -n 1)
tarball=$(find "$dist" -maxdepth 1 -name 'edpctl-*-linux-*.tar.gz' | sort | tail -n 1)
[ -n "$deb" ] && [ -n "$tarball" ] || { echo "install-debian: no .deb or tarball in $dist (make dist)" >&2; exit 1; }
version=$(dpkg-deb -f "$deb" Version)

passed=0
failed=0
check() {
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "  ok    $name"
    else
        failed=$((failed + 1))
        echo "  FAIL  $name"
    fi
}

# The pristine root: made once, then only copied. It is built beside its final place and renamed
# when whole, under a lock, so a run killed half-way leaves a partial folder the next run removes.
pristine=$cache/bookworm-minbase
mirror=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [ ! -f "$pristine/.edpctl-complete" ]; then
    rm -rf "$pristine" "$pristine.partial"
    echo "install-debian: debootstrap --variant=minbase bookworm from $mirror (once per machine)"
    started=$SECONDS
    debootstrap --variant=minbase bookworm "$pristine.partial" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
        tail -n 20 "$cache/debootstrap.log" >&2
        echo "install-debian: debootstrap failed; its log: $cache/debootstrap.log" >&2
        exit 1
    }
    touch "$pristine.partial/.edpctl-complete"
    mv "$pristine.partial" "$pristine"
    echo "install-debian: the root took $((SECONDS - started)) s; kept in $pristine"
fi
flock -u 9

work=$(mktemp -d /var/tmp/edpctl-install-test.XXXXXX)
cleanup() {
    for proc in "$work"/*/proc; do
        if mountpoint -q "$proc"; then umount -l "$proc"; fi
    done
    # Never into a mount: a /proc that could not be unmounted stays as it is.
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# A copy of the pristine root that can reach the archive.
new_root() {
    cp -a "$pristine" "$1"
    cp /etc/resolv.conf "$1/etc/resolv.conf"
}

# Without /proc Swift's runtime sees no command line; edpctl must say so and fail, not print its
# help and exit 0 as if the command had run.
refuses_without_proc() {
    local root=$1 edpctl=$2 status=0 message
    mountpoint -q "$root/proc" && { echo "    /proc is mounted" >&2; return 1; }
    message=$(chroot "$root" "$edpctl" version 2>&1 >/dev/null) || status=$?
    [ "$status" -eq 71 ] && grep -q "/proc is not mounted" <<<"$message" || {
        echo "    exit $status: $message" >&2
        return 1
    }
}

mount_proc() {
    mount -t proc proc "$1/proc"
}

# apt-get inside the root; the package lists are refreshed only when the cached ones no longer
# match the archive (a point release since the root was made).
apt_install() {
    local root=$1
    shift
    local apt=(chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends)
    "${apt[@]}" "$@" >"$root.apt.log" 2>&1 && return 0
    chroot "$root" apt-get update -q >>"$root.apt.log" 2>&1 && "${apt[@]}" "$@" >>"$root.apt.log" 2>&1 && return 0
    tail -n 20 "$root.apt.log" >&2
    return 1
}

no_swift_in_root() {
    local found
    found=$(find "$1" -xdev \( -name 'libswift*' -o -name 'libFoundation*' -o -name 'swift*' -type f \) -print | head -n 5)
    [ -z "$found" ] || { echo "    Swift in the root: $found" >&2; return 1; }
}

links_no_swift() {
    local libraries
    libraries=$(chroot "$1" ldd "$2") || { echo "    ldd $2 failed" >&2; return 1; }
    if grep -E 'not found|swift|Foundation|dispatch' <<<"$libraries" >&2; then return 1; fi
}

# `edpctl version`: its version, the commit it was built from, and the libraries of this root.
reports_version() {
    local root=$1 edpctl=$2 text expected
    text=$(chroot "$root" "$edpctl" version) || return 1
    expected="edpctl $version"
    [ "$(sed -n 1p <<<"$text")" = "$expected" ] || { echo "    first line: $(sed -n 1p <<<"$text")" >&2; return 1; }
    grep -qE "^commit $(git rev-parse HEAD)( |$)" <<<"$text" || { echo "    $text" >&2; return 1; }
    local package library
    for package in libgit2-1.5:libgit2 libcurl4:libcurl libyaml-0-2:libyaml; do
        library=${package#*:}
        installed=$(chroot "$root" dpkg-query -W -f='${Version}' "${package%%:*}")
        upstream=${installed%%[-+]*}
        grep -qE "^$library ${upstream//./\\.}( |$)" <<<"$text" || {
            echo "    no '$library $upstream' (the root's ${package%%:*} $installed) in: $text" >&2
            return 1
        }
    done
}

# A template with gomplate functions (libcrypto-free SHA-256, strings), the environment and a YAML
# data source (libyaml), compared with what its parts must give.
renders() {
    local root=$1 edpctl=$2 output expected
    printf 'cluster:\n  name: ultron\n' >"$root/tmp/site.yaml"
    output=$(chroot "$root" env DOMAIN=edp.example.org "$edpctl" render -c site=/tmp/site.yaml \
        -i '<<< .site.cluster.name | strings.ToUpper >>> <<< .Env.DOMAIN >>> <<< crypto.SHA256 "edp" >>>') || return 1
    expected="ULTRON edp.example.org $(printf edp | sha256sum | cut -d' ' -f1)"
    [ "$output" = "$expected" ] || { echo "    rendered '$output', expected '$expected'" >&2; return 1; }
}

# A fresh instances repository (made by the host's git: the root has none), hydrated and committed
# by edpctl in the root; the commit's tree must be the reference binary's.
fresh_repository() {
    git init -q -b main "$1"
    git -C "$1" -c user.name=test -c user.email=test@example.org commit -q --allow-empty -m "empty instances repository"
}

reference_tree=
hydrates_and_commits() {
    local root=$1 edpctl=$2
    rm -rf "$root/srv/edp" "$root/srv/instances"
    mkdir -p "$root/srv/edp"
    cp -a templates "$root/srv/edp/templates"
    cp examples/edp/env "$root/srv/edp/env"
    fresh_repository "$root/srv/instances"
    chroot "$root" env GIT_AUTHOR_NAME="edpctl install test" GIT_AUTHOR_EMAIL=install@example.org \
        "$edpctl" hydrate --templates /srv/edp/templates --instances /srv/instances \
        --env-file /srv/edp/env --commit >/dev/null 2>"$root.hydrate.log" || { cat "$root.hydrate.log" >&2; return 1; }
    local author tree
    author=$(git -C "$root/srv/instances" log -1 --format='%an <%ae>')
    [ "$author" = "edpctl install test <install@example.org>" ] || { echo "    author: $author" >&2; return 1; }
    tree=$(git -C "$root/srv/instances" rev-parse 'HEAD^{tree}')
    [ "$tree" = "$reference_tree" ] || { echo "    tree $tree, the reference binary's $reference_tree" >&2; return 1; }
    [ "$(git -C "$root/srv/instances" status --porcelain)" = "" ] || { echo "    the work tree is not clean" >&2; return 1; }
    chroot "$root" "$edpctl" hydrate --templates /srv/edp/templates --instances /srv/instances \
        --env-file /srv/edp/env --check >/dev/null 2>&1 || { echo "    --check after the commit did not exit 0" >&2; return 1; }
}

reference_repository=$work/reference-instances
fresh_repository "$reference_repository"
GIT_AUTHOR_NAME=reference GIT_AUTHOR_EMAIL=reference@example.org "$reference" hydrate --templates templates \
    --instances "$reference_repository" --env-file examples/edp/env --commit >/dev/null 2>&1
reference_tree=$(git -C "$reference_repository" rev-parse 'HEAD^{tree}')

echo "install-debian: $(basename "$deb") with apt-get in a bare Debian 12 root"
root=$work/deb-root
new_root "$root"
cp "$deb" "$root/tmp/"
check "apt-get install ./$(basename "$deb") fetches what it depends on" apt_install "$root" "/tmp/$(basename "$deb")"
check "no Swift anywhere in the root" no_swift_in_root "$root"
check "without /proc: exit 71, saying so" refuses_without_proc "$root" /usr/bin/edpctl
check "mount -t proc proc /proc" mount_proc "$root"
check "ldd /usr/bin/edpctl: every library found, no Swift runtime" links_no_swift "$root" /usr/bin/edpctl
check "completions and man pages where Debian puts them" test -s "$root/usr/share/bash-completion/completions/edpctl" \
    -a -s "$root/usr/share/zsh/vendor-completions/_edpctl" -a -s "$root/usr/share/fish/vendor_completions.d/edpctl.fish" \
    -a -s "$root/usr/share/man/man1/edpctl.1.gz" -a -s "$root/usr/share/man/man1/edpctl.hydrate.1.gz"
check "edpctl version: $version, this commit, the root's libraries" reports_version "$root" /usr/bin/edpctl
check "edpctl render: functions, environment, a YAML data source" renders "$root" /usr/bin/edpctl
check "edpctl hydrate --commit: the example into a fresh repository" hydrates_and_commits "$root" /usr/bin/edpctl

echo "install-debian: $(basename "$tarball") with the .deb's Depends from Debian's archive"
root=$work/tarball-root
new_root "$root"
mapfile -t runtime < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*)//; s/ //g' | grep -v '^$')
check "apt-get install ${runtime[*]}" apt_install "$root" "${runtime[@]}"
tar -xzf "$tarball" -C "$root/opt"
edpctl=/opt/$(basename "$tarball" .tar.gz)/edpctl
check "no Swift anywhere in the root" no_swift_in_root "$root"
check "mount -t proc proc /proc" mount_proc "$root"
check "ldd $edpctl: every library found, no Swift runtime" links_no_swift "$root" "$edpctl"
check "edpctl version: $version, this commit, the root's libraries" reports_version "$root" "$edpctl"
check "edpctl render: functions, environment, a YAML data source" renders "$root" "$edpctl"
check "edpctl hydrate --commit: the example into a fresh repository" hydrates_and_commits "$root" "$edpctl"

echo "install-debian: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
