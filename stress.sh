#!/usr/bin/env bash
# Stress mode: the unit and end-to-end tests, N times each, under the race
# detector, beside processes that keep the CPUs busy. It reports every test
# that failed at least once and exits 1 if any did.
#
#   ./stress.sh                  20 runs of every test (also STRESS=20 ./test.sh)
#   ./stress.sh 50               50 runs
#   ./stress.sh 30 ./protocol    30 runs of one package's tests
#   RUN='TestRetire' ./stress.sh 30 ./protocol    only the tests -run matches
#   SKIP='TestOperator' ./stress.sh       but not those -skip matches
#   BURNERS=4 ./stress.sh        4 CPU-burning processes (default 2)
#
# The memory tests (TestMemory*) run without -race, as in test.sh. Each
# package is built once and its tests run N times (go test -count=N).
# The go test -json log is kept; its path is printed at the end.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"

runs="${1:-20}"
shift || true
case "$runs" in
'' | *[!0-9]* | 0) echo "usage: $0 [RUNS] [PACKAGES...]  (RUNS a positive number, not $runs)" >&2; exit 2 ;;
esac
burners_wanted="${BURNERS:-2}"
run_pattern="${RUN:-.}"
skip_pattern="${SKIP:-}"

log=$(mktemp "${TMPDIR:-/tmp}/go-runner-stress.XXXXXX")
burners=()
stop_burners() {
	for pid in "${burners[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	burners=()
}
trap stop_burners EXIT
trap 'exit 130' INT TERM

for _ in $(seq "$burners_wanted"); do
	sh -c 'while :; do :; done' &
	burners+=("$!")
done

# field NAME extracts a string field of a go test -json event (awk).
field_awk='
function field(name,    m) {
	if (!match($0, "\"" name "\":\"([^\"\\\\]|\\\\.)*\"")) return ""
	m = substr($0, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
	gsub(/\\t/, "\t", m); gsub(/\\"/, "\"", m); gsub(/\\n/, "", m); gsub(/\\\\/, "\\", m)
	return m
}'

# stress runs the tests of the packages given, runs times, appending the
# JSON events to $log and printing each failure as it happens and each
# package as it ends; a timeout scaled to the runs bounds a hang. go test's
# own status is ignored here: the events say what failed.
# With --norace first, it runs them without the race detector and only the
# memory tests, named TestMemory* (they skip themselves under -race).
stress() {
	local per_run=$1 race=-race pattern=$run_pattern
	shift
	if [ "${1:-}" = --norace ]; then
		race=-race=false pattern='^TestMemory'
		shift
	fi
	echo "-- go test $race -count=$runs -run '$pattern' -skip '$skip_pattern' $*"
	go test "$race" -json -count="$runs" -run "$pattern" -skip "$skip_pattern" -timeout "$((runs * per_run))m" "$@" 2>&1 |
		tee -a "$log" |
		awk "$field_awk"'
			{ a = field("Action"); t = field("Test"); p = field("Package") }
			a == "fail" && t != "" { print "   FAIL " p " " t; fflush() }
			(a == "pass" || a == "fail") && t == "" && p != "" {
				e = match($0, /"Elapsed":[0-9.]+/) ? substr($0, RSTART + 10, RLENGTH - 10) "s" : ""
				print "   " a " " p " " e; fflush()
			}
		' || true
}

start=$(date +%s)
printf '== stress: %d runs of every test under -race, beside %d CPU-burning processes\n' "$runs" "${#burners[@]}"
if [ $# -gt 0 ]; then
	stress 10 "$@"
else
	# As test.sh: the unit tests, then the end-to-end tests.
	stress 5 $(go list ./... | grep -v '/tests')
	if [ "$run_pattern" = . ]; then
		stress 2 --norace ./interp
	fi
	stress 10 ./tests/...
fi
stop_burners
took=$(($(date +%s) - start))

# Tally the events: per test, its runs and failures, and the output of its
# first failure; a package failure outside any test (build error, panic,
# timeout) is reported too.
awk -v runs="$runs" -v took="$took" -v logfile="$log" "$field_awk"'
{
	action = field("Action"); pkg = field("Package"); test = field("Test")
	if (action == "build-output") { buildout = buildout "    " field("Output") "\n"; next }
	if (pkg == "" || action == "") next
	key = pkg "\t" test
	if (action == "run") { buf[key] = ""; next }
	if (action == "output") {
		if (test != "" && length(buf[key]) < 8000) buf[key] = buf[key] "    " field("Output") "\n"
		else if (test == "") pkgout[pkg] = pkgout[pkg] "    " field("Output") "\n"
		next
	}
	if (action != "pass" && action != "fail") next
	if (test == "") {
		if (action == "fail") { pkgfail[pkg]++ }
		else pkgpass[pkg]++
		next
	}
	total++
	ran[key]++
	if (action == "fail") {
		if (!(key in failed)) { order[++nfailed] = key; first[key] = buf[key] }
		failed[key]++
	}
}
END {
	printf "\n== %d test runs in %dm%02ds (%d runs of each test asked)\n", total, took / 60, took % 60, runs
	bad = 0
	for (i = 1; i <= nfailed; i++) {
		key = order[i]; split(key, kp, "\t")
		if (!bad) print "tests that failed at least once (failures/runs, package, test):"
		bad = 1
		printf "  %d/%d  %s  %s\n", failed[key], ran[key], kp[1], kp[2]
	}
	for (pkg in pkgfail) {
		# A package whose tests all passed but which failed: a build error,
		# a panic outside a test, a timeout, a race after the tests.
		own = 1
		for (key in failed) { split(key, kp, "\t"); if (kp[1] == pkg) own = 0 }
		if (!own) continue
		if (!bad) print "failures:"
		bad = 1
		printf "  package %s failed outside any test:\n%s", pkg, substr(pkgout[pkg], length(pkgout[pkg]) - 3000)
	}
	if (bad && buildout != "") printf "build output:\n%s", buildout
	if (bad) {
		if (nfailed) print "\nThe first failure of each test:"
		for (i = 1; i <= nfailed; i++) { key = order[i]; split(key, kp, "\t"); printf "--- %s %s\n%s", kp[1], kp[2], first[key] }
		print "\nAll events: " logfile
		exit 1
	}
	if (total == 0) { print "no test ran: see " logfile; exit 1 }
	print "no test failed. Events: " logfile
}' "$log"
