// Package tests holds the end-to-end tests: they build the runner binaries
// once (TestMain), start them as APISIX does (APISIX_LISTEN_ADDRESS,
// APISIX_CONF_EXPIRE_TIME), drive them over their unix socket with
// protocol/client, which behaves like APISIX's ext-plugin client, and stop
// them with SIGTERM.
//
// The binaries under test:
//
//   - go-runner, the product (`go-runner run`), built from the repository root;
//   - testrunner (tests/testrunner), a compiled runner whose plugins
//     misbehave on purpose: panics, rejected confs, slow calls, huge bodies;
//   - example (sdk/runner/example), the documented compiled runner.
//
// Under `go test -race` the binaries are built with the race detector too
// (GO_RUNNER_E2E_RACE=1 does so without it), and a runner that reports a
// data race fails its test.
//
// All traffic goes to unix sockets under short temporary directories, every
// wait is bounded, and synchronization waits for events (a socket that
// accepts, a log line, a process exit) rather than sleeping.
package tests
