// Package supervisor keeps go-runner serving when a script kills the process
// that runs it.
//
// Go's fatal errors (concurrent map writes, unlock of an unlocked mutex,
// stack overflow, out of memory) end a process and no recover catches them.
// So `go-runner run` is a supervisor that never loads a script: it owns the
// listening socket and runs the plugins in a worker process, the same binary
// re-executed as the hidden `go-runner worker`.
//
// # Contract
//
//   - The supervisor listens on the socket (protocol.Listen: stale socket
//     check, file mode) and is the only process that removes it, at exit.
//     Workers inherit the listener; APISIX connects straight to a worker.
//     Because the supervisor keeps its copy open, connections that arrive
//     while no worker accepts wait in the socket's backlog.
//   - Worker file descriptors: 3 the listener, 4 the shared state (a memory
//     file both map), 5 the worker's messages to the supervisor (a pipe), 6
//     the supervisor's messages to the worker (a pipe; end of file means the
//     supervisor is gone and the worker exits), 7 the metrics listener when
//     metrics.address is set. GORUNNER_WORKER carries a cookie: `go-runner
//     worker` started by hand says it is internal and exits 2.
//   - Messages are JSON objects, one per write (wire.go). A worker reads the
//     "init" message (its token range, the quarantined units), loads its
//     scripts, saying "loading" before each unit, says "ready", and accepts
//     connections only after "serve", which carries every conf prepared so
//     far. One worker serves; the next one waits loaded beside it (the
//     standby), so a death is repaired by a "serve" message, not by a
//     start. A worker that goes StartTimeout without a "loading" or
//     "ready" is killed: the bound is per unit, so a start of many units on
//     a loaded machine is not cut short.
//   - A worker reports each prepared conf ("conf": key, token, raw conf,
//     expiry) before it answers APISIX. The pipe keeps what was written
//     when the writer dies, so the supervisor knows every token APISIX may
//     hold and hands them to every other worker: APISIX never sees
//     CONF_TOKEN_NOT_FOUND because a worker was replaced. Each worker hands
//     out tokens from its own range of the supervisor's random start.
//   - Each connection of a worker has a slot in the shared state: the id of
//     its goroutine and the unit it is running (an atomic store per call).
//     After a death the supervisor matches the goroutine that the fatal
//     error's trace names (the worker's stderr runs through the
//     supervisor) to a slot; the unit there is the suspect. A trace that
//     names no connection's goroutine blames nobody. A unit version
//     (name and content sum) suspected in QuarantineAfter deaths within
//     QuarantineWindow is quarantined: workers do not load it, its plugins
//     are unknown (fail closed, or skipped with plugins.on_unknown: skip),
//     until a new version of its files, or SIGHUP.
//   - A worker whose resident memory passes MemoryLimit, or that holds more
//     than MaxStuck calls past their deadline, is replaced gracefully: the
//     standby starts serving, the old worker gets SIGTERM and finishes what
//     it can. Past 1.5 x MemoryLimit it is killed at once.
//   - A worker that dies is replaced at once; only deaths in quick
//     succession back off, doubling up to maxBackoff. A worker that exits
//     ExitWorkerConfig (78: it refuses the configuration; Go's fatal errors
//     exit 2) is not restarted: with none serving, the supervisor exits 2.
//   - SIGTERM and SIGINT: every worker gets SIGTERM, and SIGKILL when Grace
//     has passed; then the socket is removed and Run returns. SIGHUP lifts
//     every quarantine and makes the workers rescan their scripts. SIGUSR1
//     (Config.Usr1) is passed on to the workers, which reopen their log
//     file; a worker still starting gets it once ready. Workers
//     get SIGKILL from the kernel when the supervisor's thread dies
//     (Pdeathsig) and exit by themselves when their pipe from the
//     supervisor closes.
//
// The supervisor imports neither interp nor bridge: it runs no script code.
package supervisor
