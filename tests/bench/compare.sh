#!/usr/bin/env bash
# compare.sh: go-runner against the reference runner and the do-nothing runner,
# through the same load benchmark (tests/bench), in one run.
#
#   tests/bench/compare.sh                 defaults: say,rewrite,var,resp at 1, 4 and
#                                          16 connections, 5 rounds of 2 s (+0.5 s warm-up)
#   tests/bench/compare.sh --single --no-yield
#                                          the README's table (about 15 minutes)
#   tests/bench/compare.sh -c 1,16,64 -r 2 -d 2s -s say
#
# It builds everything in a temporary folder, never in the repository:
#   - the load tool (tests/bench), the do-nothing runner (tests/bench/nop);
#   - go-runner: the main binary, serving the scripts (`go-runner run
#     --scripts DIR --log-level warn`, from an empty working folder), where
#     DIR holds the units say and response_rewrite of scripts/ (or of
#     BENCH_SCRIPTS_DIR) and the bench scripts of tests/bench/scripts.
#     Without a main binary that can do that, the compiled stand-in
#     (tests/bench/standin) is used instead (label standin). --compiled adds
#     the stand-in as another runner.
#   - the reference runner github.com/apache/apisix-go-plugin-runner v0.5.0:
#     fetched with `go mod download` from the Go module proxy only (as are its
#     dependencies), its cmd/go-runner main copied into a temporary module
#     with tests/bench/refplugins (the bench-rewrite and bench-var plugins,
#     build tag benchref), built, and run as `go-runner run -m prod` (warn
#     level, logs to ./logs/runner.log in its temporary working folder).
#   - go-runner-refsay: go-runner serving the reference's own say plugin
#     (cmd/go-runner/plugins/say.go of the same module download, unmodified)
#     as its only script; it runs in the say scenario only, so that the
#     table shows a ported plugin next to the idiomatic scripts/say.go.
# Then every scenario runs for every runner, alternating (ref, go-runner,
# nop, ref, ...), for the given rounds, and the table of medians is printed,
# with the ratios and the check of the targets at 16 connections, requests/s
# as a ratio to the reference with p99 no worse: go-runner say >= 1.2x,
# rewrite and var >= 1.3x, resp >= 1.2x; go-runner-refsay say >= 1.0x.
#
# Options:
#   -s LIST    scenarios, comma-separated (say,rewrite,var,resp)
#   -c LIST    connection counts, comma-separated (1,4,16)
#   -d DUR     measured time per run (2s)
#   -w DUR     warm-up per run (500ms)
#   -r N       rounds (5)
#   --compiled also run the compiled stand-in
#   -g N       also run go-runner with GOGC=N (label go-runner-gcN)
#   --single   also run go-runner as one process, without its supervisor
#              (worker.supervised=false; label go-runner-single)
#   --stand-in use the compiled stand-in as go-runner even if the main binary works
#   --no-yield also run go-runner with socket.read_yield=never (label
#              go-runner-noyield): the read path as it was before the yield
#   --no-refsay do not run the reference's say as a script
#   -o FILE    also write the JSON lines of every run to FILE
#   -k         keep the temporary folder (binaries, logs, results)
# Environment: BENCH_GOPROXY (default https://proxy.golang.org) is the only
# place modules are fetched from; BENCH_SCRIPTS_DIR replaces scripts/ as the
# source of the say and response_rewrite units.
# The machine's CPUs are shared by the load tool and the runners: other work
# on it moves the numbers; the rounds alternate so that it moves them alike.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
scenarios=say,rewrite,var,resp
conns=1,4,16
duration=2s
warmup=500ms
rounds=5
compiled=0
gogc=""
standin_only=0
single=0
noyield=0
refsay=1
out=""
keep=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	-s) scenarios="$2"; shift 2 ;;
	-c) conns="$2"; shift 2 ;;
	-d) duration="$2"; shift 2 ;;
	-w) warmup="$2"; shift 2 ;;
	-r) rounds="$2"; shift 2 ;;
	-o) out="$2"; shift 2 ;;
	-g) gogc="$2"; shift 2 ;;
	--single) single=1; shift ;;
	--no-yield) noyield=1; shift ;;
	--no-refsay) refsay=0; shift ;;
	-k) keep=1; shift ;;
	--compiled) compiled=1; shift ;;
	--stand-in) standin_only=1; shift ;;
	-h | --help) usage ;;
	*) echo "compare.sh: unknown option $1" >&2; usage ;;
	esac
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/go-runner-bench.XXXXXX")"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "$keep" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
log() { printf '%s\n' "$*" >&2; }

# ---- build -----------------------------------------------------------------
log "building in $tmp"
(cd "$repo" && go build -o "$tmp/bench" ./tests/bench && go build -o "$tmp/nop" ./tests/bench/nop &&
	go build -o "$tmp/standin" ./tests/bench/standin)

ours_label="go-runner"
ours_cmd=()
ours_wd="$tmp"
if [ "$standin_only" = 0 ] && [ -f "$repo/main.go" ] && (cd "$repo" && go build -o "$tmp/go-runner" . 2>"$tmp/go-runner-build.log") &&
	"$tmp/go-runner" run --help 2>&1 | grep -q -- '--scripts'; then
	# The scripts go-runner serves: the project's say and response-rewrite
	# units (BENCH_SCRIPTS_DIR to take them from elsewhere) and the bench
	# plugins, each file or folder one unit.
	mkdir -p "$tmp/scripts" "$tmp/gowd"
	src="${BENCH_SCRIPTS_DIR:-$repo/scripts}"
	for unit in say response-rewrite response_rewrite; do
		for p in "$src/$unit" "$src/$unit.go"; do
			[ -e "$p" ] && cp -r "$p" "$tmp/scripts/"
		done
	done
	[ -e "$tmp/scripts/say.go" ] || [ -e "$tmp/scripts/say" ] || log "warning: no say unit in $src: the say scenario will fail for go-runner"
	cp "$repo"/tests/bench/scripts/bench_*.go "$tmp/scripts/"
	# An empty working folder: no ./config.yaml is picked up.
	ours_wd="$tmp/gowd"
	ours_cmd=("$tmp/go-runner" run --scripts "$tmp/scripts" --log-level warn)
else
	[ -s "$tmp/go-runner-build.log" ] && log "go-runner main does not build: $(head -3 "$tmp/go-runner-build.log")"
	log "go-runner cannot serve scripts yet: using the compiled stand-in"
	ours_label="standin"
	ours_cmd=("$tmp/standin")
	compiled=0
fi

log "building the reference runner v0.5.0 from the Go module proxy"
ref="$tmp/ref"
mkdir -p "$ref/src" "$ref/wd"
cat >"$ref/src/go.mod" <<'EOF'
module benchref

go 1.21

require github.com/apache/apisix-go-plugin-runner v0.5.0
EOF
(
	cd "$ref/src"
	export GOPROXY="${BENCH_GOPROXY:-https://proxy.golang.org}" GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off GOTOOLCHAIN=local GOPRIVATE= GONOPROXY=
	dir="$(go mod download -json github.com/apache/apisix-go-plugin-runner@v0.5.0 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
	[ -n "$dir" ] && [ -f "$dir/cmd/go-runner/main.go" ] || { echo "compare.sh: reference module not found" >&2; exit 1; }
	cp "$dir/cmd/go-runner/main.go" "$dir/cmd/go-runner/version.go" .
	chmod u+w ./*.go
	cp "$repo/tests/bench/refplugins/bench_plugins.go" .
	# The reference's say, unmodified, for go-runner-refsay.
	mkdir -p "$tmp/refsay-scripts"
	cp "$dir/cmd/go-runner/plugins/say.go" "$tmp/refsay-scripts/say.go"
	chmod u+w "$tmp/refsay-scripts/say.go"
	go build -tags benchref -o "$tmp/ref-runner" .
)

# ---- run -------------------------------------------------------------------
labels=(ref "$ours_label" nop)
declare -A cmd sock pid
q() { printf '%q ' "$@"; }
cmd[ref]="cd $(q "$ref/wd") && exec $(q "$tmp/ref-runner" run -m prod)"
cmd[$ours_label]="cd $(q "$ours_wd") && exec $(q "${ours_cmd[@]}")"
cmd[nop]="exec $(q "$tmp/nop")"
if [ -n "$gogc" ] && [ "$ours_label" = go-runner ]; then
	labels=("${labels[@]:0:2}" "go-runner-gc$gogc" nop)
	cmd["go-runner-gc$gogc"]="cd $(q "$ours_wd") && GOGC=$(q "$gogc") exec $(q "${ours_cmd[@]}")"
fi
if [ "$single" = 1 ] && [ "$ours_label" = go-runner ]; then
	labels=("${labels[@]:0:${#labels[@]}-1}" go-runner-single nop)
	cmd[go-runner-single]="cd $(q "$ours_wd") && exec $(q "${ours_cmd[@]}") --set worker.supervised=false"
fi
if [ "$noyield" = 1 ] && [ "$ours_label" = go-runner ]; then
	labels=("${labels[@]:0:${#labels[@]}-1}" go-runner-noyield nop)
	cmd[go-runner-noyield]="cd $(q "$ours_wd") && exec $(q "${ours_cmd[@]}") --set socket.read_yield=never"
fi
if [ "$refsay" = 1 ] && [ "$ours_label" = go-runner ] && [[ ",$scenarios," == *,say,* ]]; then
	labels=("${labels[@]:0:${#labels[@]}-1}" go-runner-refsay nop)
	cmd[go-runner-refsay]="cd $(q "$ours_wd") && exec $(q "$tmp/go-runner" run --scripts "$tmp/refsay-scripts" --log-level warn)"
fi
if [ "$compiled" = 1 ]; then
	labels=("${labels[@]:0:${#labels[@]}-1}" standin nop)
	cmd[standin]="exec $(q "$tmp/standin")"
fi

start() {
	local l="$1" s="$tmp/sock.${#pids[@]}"
	sock[$l]="$s"
	APISIX_LISTEN_ADDRESS="unix:$s" bash -c "${cmd[$l]}" >"$tmp/log.${#pids[@]}" 2>&1 &
	pid[$l]=$!
	pids+=($!)
	for _ in $(seq 100); do
		[ -S "$s" ] && return 0
		kill -0 "${pid[$l]}" 2>/dev/null || break
		sleep 0.1
	done
	log "compare.sh: $l did not start; its log:"
	cat "$tmp/log.$((${#pids[@]} - 1))" >&2
	exit 1
}
for l in "${labels[@]}"; do start "$l"; done

results="$tmp/results.jsonl"
: >"$results"
failed=0
for r in $(seq "$rounds"); do
	for s in ${scenarios//,/ }; do
		for c in ${conns//,/ }; do
			for l in "${labels[@]}"; do
				# The reference's say is the only plugin go-runner-refsay serves.
				[ "$l" = go-runner-refsay ] && [ "$s" != say ] && continue
				line="$("$tmp/bench" -socket "${sock[$l]}" -scenario "$s" -conns "$c" -duration "$duration" \
					-warmup "$warmup" -pid "${pid[$l]}" -label "$l" -json)" || failed=1
				printf '%s\n' "$line" >>"$results"
				log "round $r/$rounds $s c=$c $l: $(printf '%s' "$line" | sed -n 's/.*"rps":\([0-9]*\).*"p99_us":\([0-9.]*\).*/\1 req\/s, p99 \2 us/p')"
			done
		done
	done
done

[ -n "$out" ] && cp "$results" "$out"
echo
echo "runners: ref = apisix-go-plugin-runner v0.5.0 \`run -m prod\`; nop = tests/bench/nop (prebuilt replies);"
if [ "$ours_label" = go-runner ]; then
	echo "  go-runner = \`go-runner run --scripts DIR --log-level warn\`, DIR holding the units $(cd "$tmp/scripts" && echo *)"
fi
if [ -n "$gogc" ] && [ "$ours_label" = go-runner ]; then
	echo "  go-runner-gc$gogc = the same with GOGC=$gogc"
fi
if [ "$noyield" = 1 ] && [ "$ours_label" = go-runner ]; then
	echo "  go-runner-noyield = the same with socket.read_yield=never (no yield before a read)"
fi
if [ "$refsay" = 1 ] && [ "$ours_label" = go-runner ] && [[ ",$scenarios," == *,say,* ]]; then
	echo "  go-runner-refsay = go-runner serving the reference's cmd/go-runner/plugins/say.go, unmodified, as a script (say only)"
fi
if [ "$single" = 1 ] && [ "$ours_label" = go-runner ]; then
	echo "  go-runner-single = the same as one process, without the supervisor (worker.supervised=false)"
fi
echo "  (CPU per request of go-runner counts the supervisor and its workers)"
if [ "$ours_label" = standin ] || [ "$compiled" = 1 ]; then
	echo "  standin = compiled stand-in for go-runner (tests/bench/standin: sdk/runner.Run, compiled plugins)"
fi
echo "$(nproc) CPUs, shared by the load tool and the runner; Go $(go env GOVERSION)"
echo
"$tmp/bench" -summary "$results" -labels "$(IFS=,; echo "${labels[*]}")" -ceiling nop \
	-targets "$ours_label/say=1.2,$ours_label/rewrite=1.3,$ours_label/var=1.3,$ours_label/resp=1.2,go-runner-refsay/say=1.0"
if [ "$failed" = 1 ]; then
	echo "some runs had errors: see the errors column" >&2
	exit 1
fi
