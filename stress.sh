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
#   SHARDS=3 ./stress.sh         each package's runs split over 3 go test
#                                processes running at once (default 1): the
#                                same number of runs, more load, less wall
#                                time where tests wait
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
shards="${SHARDS:-1}"
case "$shards" in
'' | *[!0-9]* | 0) echo "$0: SHARDS must be a positive number, not $shards" >&2; exit 2 ;;
esac
[ "$shards" -gt "$runs" ] && shards=$runs
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
# own status is ignored here: the events say what failed. The runs are
# split over $shards go test processes at once, each with its own events
# file, appended to $log when all have ended (lines of two writers to one
# file could interleave).
# With --norace first, it runs them without the race detector and only the
# memory tests, named TestMemory* (they skip themselves under -race).
stress() {
	local per_run=$1 race=-race pattern=$run_pattern shard count pids=() files=()
	shift
	if [ "${1:-}" = --norace ]; then
		race=-race=false pattern='^TestMemory'
		shift
	fi
	for shard in $(seq "$shards"); do
		# runs split as evenly as they go: the first (runs % shards) get one more
		count=$((runs / shards + (shard <= runs % shards ? 1 : 0)))
		files+=("$log.$shard")
		echo "-- go test $race -count=$count -run '$pattern' -skip '$skip_pattern' $*"
		go test "$race" -json -count="$count" -run "$pattern" -skip "$skip_pattern" -timeout "$((count * per_run * shards))m" "$@" 2>&1 |
			tee "$log.$shard" |
			awk "$field_awk"'
				{ a = field("Action"); t = field("Test"); p = field("Package") }
				a == "fail" && t != "" { print "   FAIL " p " " t; fflush() }
				(a == "pass" || a == "fail") && t == "" && p != "" {
					e = match($0, /"Elapsed":[0-9.]+/) ? substr($0, RSTART + 10, RLENGTH - 10) "s" : ""
					print "   " a " " p " " e; fflush()
				}
			' &
		pids+=("$!")
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || true
	done
	cat "${files[@]}" >>"$log"
	rm -f "${files[@]}"
}

start=$(date +%s)
case "${1:-}" in
--norace) how='of the memory tests without -race' ;;
*) how='of every test under -race' ;;
esac
if [ $# -eq 0 ] && [ "$run_pattern" = . ]; then
	how="$how (the memory tests without it)"
fi
# counted N ONE MANY: "1 run", "2 runs".
counted() { if [ "$1" -eq 1 ]; then echo "$1 $2"; else echo "$1 $3"; fi; }
printf '== stress: %s %s, beside %s, in %s at once per package\n' "$(counted "$runs" run runs)" "$how" \
	"$(counted "${#burners[@]}" 'CPU-burning process' 'CPU-burning processes')" \
	"$(counted "$shards" 'go test process' 'go test processes')"
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
	least = -1; tops = 0
	for (key in ran) {
		split(key, kp, "\t")
		if (index(kp[2], "/")) continue
		tops++
		if (least < 0 || ran[key] < least) { least = ran[key]; leastkey = kp[1] " " kp[2] }
	}
	if (tops) printf "== %d tests (subtests aside), each run at least %d times (fewest: %s)\n", tops, least, leastkey
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
