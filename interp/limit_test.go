package interp

import (
	"testing"
	"time"
)

// TestUnitConcurrencyLimit: a unit hands out MaxConcurrent slots; a call
// over them is refused after its wait, logged once within the minute with
// the count of refusals, and a released slot serves the next call.
func TestUnitConcurrencyLimit(t *testing.T) {
	cfg, logs := observed(t.TempDir())
	cfg.MaxConcurrent = 2
	u := mustLoad(t, cfg, "echo.go", map[string]string{"echo.go": echoSrc("echo")})
	if !u.Acquire(0) || !u.Acquire(0) {
		t.Fatal("the first two slots were refused")
	}
	if u.Acquire(time.Millisecond) {
		t.Fatal("a third call ran beside two with max 2")
	}
	if u.Acquire(0) {
		t.Fatal("a fourth call ran beside two with max 2")
	}
	if n := logs.FilterMessageSnippet("at its limit of concurrent calls").Len(); n != 1 {
		t.Fatalf("%d refusal lines for 2 refusals within a minute, want 1", n)
	}
	u.Release()
	if !u.Acquire(0) {
		t.Fatal("a released slot was not handed out again")
	}
}

// TestThrottle: a repeated event is let through once a minute with the
// count of events it stands for.
func TestThrottle(t *testing.T) {
	var th throttle
	t0 := time.Unix(1000, 0)
	if ok, n := th.allow(t0); !ok || n != 1 {
		t.Fatalf("first event: %v %d", ok, n)
	}
	for i := 1; i <= 5; i++ {
		if ok, _ := th.allow(t0.Add(time.Duration(i) * time.Second)); ok {
			t.Fatal("a repeat within the minute was let through")
		}
	}
	if ok, n := th.allow(t0.Add(repeatEvery)); !ok || n != 6 {
		t.Fatalf("after a minute: %v %d, want true 6", ok, n)
	}
}
