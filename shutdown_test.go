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
// kills it. The end-to-end tests time exits with a call stuck past the
// grace against the stuck call only: on a busy machine the runner's timers
// fire late, so the 100 ms left of APISIX's second is no wall-clock bound.
func TestShutdownFitsAPISIXKill(t *testing.T) {
	if shutdownGrace+shutdownSlack >= apisixKillDelay {
		t.Fatalf("shutdown grace %s + slack %s: APISIX kills the runner after %s", shutdownGrace, shutdownSlack, apisixKillDelay)
	}
}
