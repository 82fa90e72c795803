// Command bench is the load benchmark of the runner protocol: a closed loop
// over N kept-alive unix connections against any runner socket (go-runner,
// the reference runner, or the do-nothing runner under nop/), with every
// reply validated.
//
//	go run ./tests/bench -socket /tmp/runner.sock -scenario say -conns 16 -duration 5s -pid <runner pid>
//
// Each scenario prepares its conf first (PrepareConf on a separate
// connection, as APISIX does), warms up, then measures for the duration.
// Requests look like an APISIX worker's: 12 headers, 3 args, a 40-byte
// path, about 1.1 KB per frame. They are built once with protocol/client's
// Encoder; per call only the request id is patched into the prebuilt frame,
// so the load generator, which shares the machine with the runner, stays
// lean. Replies are decoded with protocol/client's decoders and checked
// against what the scenario's plugins must answer (scenario.go).
//
// Scenarios (the same plugin names and confs for every runner):
//
//	say      say {"body":...}: a Stop with status 200 and the body
//	rewrite  bench-rewrite: a Rewrite of the path and two headers
//	var      bench-var: one ExtraInfo Var round trip (remote_addr), answered by
//	         the tool, then a Rewrite carrying the value in a header
//	resp     response-rewrite in post-resp: an HTTPRespCall reply with a new
//	         body and the configured header
//
// say and response-rewrite are the reference runner's examples and
// go-runner's scripts of the same names; bench-rewrite and bench-var do
// the same work in both (refplugins/ and scripts/), each in its SDK's
// idiom: go-runner's bench-rewrite prepares its rewrite in ParseConf
// (sdk/prepared), the reference's sets the path and headers per call.
//
// Output: requests/s, latency percentiles (p50, p99, p99.9, from a log-linear
// histogram with under 1% bucket error), errors, the runner's CPU time per
// request (utime+stime of /proc/<pid>/stat over the measured window, when
// -pid is given) and the tool's own CPU per request, then one JSON line for
// scripts (compare.sh).
//
// compare.sh builds go-runner, the reference runner v0.5.0 (from the Go
// module proxy, in a temporary folder, with the bench plugins of
// refplugins/) and nop/, and runs every scenario against each runner in
// alternation; `bench -summary FILE` prints its table from the JSON lines.
// standin/ is a go-runner without the main binary (compiled plugins, or
// BENCH_SCRIPTS=DIR for script units), with BENCH_CPUPROFILE=FILE for a CPU
// profile of a run.
package main
