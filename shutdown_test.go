package main

import (
	"testing"
	"time"
)

// apisixKillDelay is how long APISIX waits after SIGTERM before it kills
// the runner.
const apisixKillDelay = time.Second

// TestShutdownFitsAPISIXKill: the runner's shutdown, the grace its calls
// get and then the slack before it exits regardless, ends before APISIX
// kills it. The end-to-end tests cannot time that on a busy machine, where
// timers fire and processes exit late (tests/proc_test.go stop).
func TestShutdownFitsAPISIXKill(t *testing.T) {
	if shutdownGrace+shutdownSlack >= apisixKillDelay {
		t.Fatalf("shutdown grace %s + slack %s: APISIX kills the runner after %s", shutdownGrace, shutdownSlack, apisixKillDelay)
	}
	// Supervised: a worker's grace and slack end before the supervisor's
	// SIGKILL, which comes before APISIX's.
	if workerShutdownGrace+shutdownSlack >= supervisorGrace || supervisorGrace >= apisixKillDelay {
		t.Fatalf("worker grace %s + slack %s, supervisor SIGKILL at %s: APISIX kills the runner after %s",
			workerShutdownGrace, shutdownSlack, supervisorGrace, apisixKillDelay)
	}
}
