#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script).
#
#   ./test.sh          everything: format, vet, generated code, unit and
#                      end-to-end tests under the race detector, fuzzing
#   FUZZTIME=500000x ./test.sh   fuzz longer (default 100000 inputs per
#                      target; a count, not a duration: see below)
#   STRESS=20 ./test.sh      stress mode instead: ./stress.sh 20 (the unit
#                      and end-to-end tests 20 times each under -race,
#                      beside CPU-burning processes)
#
# Needs only Go (the machine's /usr/local/go or any go on PATH); every binary
# the end-to-end tests start is built by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"
# A count of inputs, not a duration: with -fuzztime 10s, Go before 1.27 can
# fail a target with "context deadline exceeded" at the deadline although no
# input failed (golang/go#75804, a race in the fuzzing coordinator; CI hit it
# on go1.26.8). A count has no deadline to race. 100000 inputs take 4-10 s a
# target here.
FUZZTIME="${FUZZTIME:-100000x}"

if [ -n "${STRESS:-}" ]; then
	exec ./stress.sh "$STRESS"
fi

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>&1 || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "generated code is current"
go generate ./...
if ! git diff --exit-code --stat -- . ':(exclude)go.sum'; then
	echo "go generate changed the files above: commit the regenerated code"; exit 1
fi

step "unit tests (race detector)"
go test -race -count=1 -timeout 15m $(go list ./... | grep -v '/tests')

# The memory tests skip themselves under -race (a thousand interpreter
# builds each, 7 times slower there, with one goroutine for the detector to
# watch); they run here without it.
step "memory tests (without the race detector)"
go test -count=1 -run '^TestMemory' ./interp

# Each Go benchmark once: they check what the code they time did (the
# example scripts' replies, the round trips), so a broken one fails here.
step "benchmarks run once (./scripts, ./protocol)"
go test -count=1 -run '^$' -bench . -benchtime 1x ./scripts ./protocol

step "release binaries (./release.sh: static, stamped, linux/amd64 and linux/arm64)"
release_dir=$(mktemp -d "${TMPDIR:-/tmp}/go-runner-release.XXXXXX")
trap 'rm -rf "$release_dir"' EXIT
OUT="$release_dir" ./release.sh
# TestReleaseBinaries (in the end-to-end tests) checks them.
export GORUNNER_TEST_RELEASE_DIR="$release_dir"

# apt_provide CMD PACKAGE TEST: as root with apt-get (CI is both), a missing
# CMD is installed from Debian's PACKAGE; GORUNNER_TEST_NO_INSTALL=1 skips
# that. Where CMD cannot be had, TEST skips, saying why.
apt_provide() {
	if command -v "$1" >/dev/null; then
		command -v "$1"
	elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -z "${GORUNNER_TEST_NO_INSTALL:-}" ]; then
		echo "installing $2 with apt-get"
		apt_log=$(mktemp "${TMPDIR:-/tmp}/go-runner-apt.XXXXXX")
		if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2") >"$apt_log" 2>&1; then
			command -v "$1"
		else
			tail -n 20 "$apt_log"
			echo "$2 could not be installed: $3 will be skipped"
		fi
		rm -f "$apt_log"
	else
		echo "$1 is not installed (and not installed here: not root, no apt-get, or GORUNNER_TEST_NO_INSTALL set): $3 will be skipped"
	fi
}

# TestDeployImage builds the runtime image with podman where podman can
# build (it skips, saying why, where it cannot).
step "container builder (podman, for TestDeployImage)"
apt_provide podman podman TestDeployImage

# TestFleet starts a real etcd server (Debian's etcd-server) on 127.0.0.1.
step "etcd server (etcd-server, for TestFleet)"
apt_provide etcd etcd-server TestFleet

step "end-to-end tests against the built binaries (race detector)"
# The bound is for a hang: alone the package takes about 6 minutes; beside
# a stress of the suite it took over 20.
go test -race -count=1 -timeout 40m ./tests/...

step "fuzzing ($FUZZTIME per target)"
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
		echo "-- $pkg $target"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
	done
done

echo
echo "all tests passed"
