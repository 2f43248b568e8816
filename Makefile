# edpctl: set-up commands. Each target installs the Debian packages it needs (only the missing
# ones), so `make demo` and `make test` work on a fresh Debian 12 machine with Swift at /opt/swift.
#
#   make demo    build edpctl (release) and hydrate the bundled EDP example
#   make test    build, run every test, check the example, gate on gomplate's conformance corpus,
#                then make dist and install its .deb and tarball into a bare Debian 12 root
#   make bench   run the benchmark (benchmarks/README.md)
#   make dist    the release tarball, .deb and SHA256SUMS in dist/ (docs/install.md)
#
# Variables: SCRATCH (SwiftPM build folder, default .build), SHARED (the shared/ folder beside
# the repository), CONFORMANCE_NS.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

SWIFT ?= swift
SCRATCH ?= .build
SHARED ?= $(CURDIR)/../shared
# The gate: every case of the shipped namespaces passes, except those listed with their reason in
# scripts/conformance-exceptions.txt and named in docs/gomplate.md.
# The function namespaces edpctl ships (primary_ns of the corpus; core = the engine and the CLI).
CONFORMANCE_NS ?= core base64 coll conv crypto data env file filepath math net path regexp semver strings test time tmpl uuid

# libgit2, libyaml and libcurl for the Git, YAML and HTTP modules; Go for the golden corpus
# generator and the reference renderer; kubectl, which the Kube tests compare kubeconfig merging
# against and which holds the fake API server to a real client (with curl and openssl for its
# certificates); debootstrap for the Debian 12 root the release files are installed into;
# strace, whose fault injection kills hydrate at a chosen step of a pack consolidation;
# dnsmasq, the name server the net.LookupSRV/LookupTXT tests ask on 127.0.0.1;
# hyperfine and GNU time for the benchmark.
BUILD_PACKAGES := git libgit2-dev libyaml-dev libcurl4-openssl-dev pkg-config
TEST_PACKAGES := $(BUILD_PACKAGES) golang-go python3 python3-yaml python3-jsonschema openssh-server openssh-client \
    kubectl curl openssl nginx-light microsocks tinyproxy debootstrap strace bsdutils dnsmasq-base
BENCH_PACKAGES := $(BUILD_PACKAGES) golang-go python3 hyperfine time
# dpkg-dev for dpkg-architecture; binutils for strip and readelf.
DIST_PACKAGES := $(BUILD_PACKAGES) dpkg-dev binutils gzip

# Shell text that prints the folder SwiftPM puts binaries in (evaluated inside the recipe).
DEBUG_BIN = $$($(SWIFT) build --scratch-path $(SCRATCH) --show-bin-path)
RELEASE_BIN = $$($(SWIFT) build -c release --scratch-path $(SCRATCH) --show-bin-path)

.PHONY: demo test bench dist

demo:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)
	$(SWIFT) build -c release --scratch-path $(SCRATCH) --product edpctl
	@scripts/demo.sh "$(RELEASE_BIN)/edpctl"

test:
	@scripts/ensure-packages.sh $(TEST_PACKAGES)
	python3 scripts/check-architecture.py --self-test
	python3 scripts/check-architecture.py
	$(SWIFT) build --scratch-path $(SCRATCH)
	$(SWIFT) test --scratch-path $(SCRATCH) 2>&1 | tee $(SCRATCH)/swift-test.log
	scripts/check-example.sh "$(DEBUG_BIN)/edpctl" "$(SHARED)"
	@if [ -f "$(SHARED)/conformance/run-gomplate-corpus.py" ]; then \
	    python3 scripts/conformance.py --runner "$(SHARED)/conformance/run-gomplate-corpus.py" \
	        --edpctl "$(DEBUG_BIN)/edpctl" --exceptions scripts/conformance-exceptions.txt --documented-in docs/gomplate.md \
	        --report-dir $(SCRATCH)/conformance $(addprefix --ns ,$(CONFORMANCE_NS)); \
	else \
	    echo "conformance corpus skipped: $(SHARED)/conformance not found beside the repository"; \
	fi
	$(MAKE) --no-print-directory dist
	scripts/test-install-debian.sh dist "$(DEBUG_BIN)/edpctl"
	@# CI reads the closing lines: end with swift test's own summary.
	@echo "swift test summary:"
	@grep -E "Executed [0-9]+ tests?|Test run with [0-9]+ tests?" $(SCRATCH)/swift-test.log | tail -n 2

bench:
	@scripts/ensure-packages.sh $(BENCH_PACKAGES)
	SWIFT=$(SWIFT) SCRATCH=$(SCRATCH) benchmarks/run.sh

dist:
	@scripts/ensure-packages.sh $(DIST_PACKAGES)
	SWIFT=$(SWIFT) scripts/dist.sh dist
