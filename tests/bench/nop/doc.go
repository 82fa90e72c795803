// Command nop is the do-nothing runner: the ceiling the load benchmark
// compares real runners with. It speaks the runner protocol with as little
// work as a runner can do: a PrepareConf is answered with a token, and the
// reply a call would get is built once, at PrepareConf time, from the conf
// (the same plugin names and confs as the benchmark's scenarios: say,
// bench-rewrite, bench-var, response-rewrite). A call then costs one read,
// two field lookups (id and token), a copy of the prebuilt reply with the
// id patched in, and one write. For bench-var it also sends a prebuilt
// ExtraInfo question and echoes the answer into its reply.
//
//	APISIX_LISTEN_ADDRESS=unix:/tmp/nop.sock go run ./tests/bench/nop
//
// It stops on SIGTERM or SIGINT.
package main
