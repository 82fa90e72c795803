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
// Operations (ops_test.go: SIGUSR1 and the log file, a busy metrics port,
// a compiled runner's command line), the status view (status_test.go),
// the release binaries (release_test.go: static ELF, stamped, run in an
// empty root) and deploy/ (deploy_test.go: the files agree and pass
// go-runner check; the image is built with podman when it is installed)
// are tested here too; the metrics and status endpoints listen on
// 127.0.0.1.
//
// All traffic goes to unix sockets under short temporary directories, every
// wait is bounded, and synchronization waits for events (a socket that
// accepts, a log line, a process exit) rather than sleeping.
package tests
