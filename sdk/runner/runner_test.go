package runner

import (
	"testing"
	"time"
)

// TestShutdownGraceFitsAPISIXKill: calls in flight get their grace, and the
// runner exits, before APISIX kills it one second after SIGTERM (the
// end-to-end tests cannot time that on a busy machine; see
// tests/proc_test.go stop).
func TestShutdownGraceFitsAPISIXKill(t *testing.T) {
	if ShutdownGrace >= time.Second {
		t.Fatalf("ShutdownGrace %s: APISIX kills the runner 1 s after SIGTERM", ShutdownGrace)
	}
}
