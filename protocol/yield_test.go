package protocol

import (
	"errors"
	"runtime/metrics"
	"testing"
)

func TestShouldYield(t *testing.T) {
	for _, tc := range []struct {
		policy   ReadYield
		serving  int32
		runnable uint64
		want     bool
	}{
		{YieldAuto, 1, 5, false}, // twice as many connections as processors or fewer: never
		{YieldAuto, 2, 5, false},
		{YieldAuto, 4, 5, false},
		{YieldAuto, 5, 1, true},
		{YieldAuto, 16, 0, false}, // nothing else to run
		{YieldAuto, 16, 3, true},
		{YieldNever, 16, 3, false},
		{YieldAlways, 1, 0, true},
	} {
		y := &yielder{policy: tc.policy, procs: 2}
		y.serving.Store(tc.serving)
		y.mu.Lock() // the test's count stands: no read of the runtime's
		y.runnable.Store(tc.runnable)
		if got := y.shouldYield(); got != tc.want {
			t.Errorf("%s with %d connections, %d runnable, 2 processors: yield %t, want %t", tc.policy, tc.serving, tc.runnable, got, tc.want)
		}
		y.mu.Unlock()
	}
}

// TestRunnableMetric: the runtime still has the metric auto reads, so a
// toolchain without it cannot silently turn auto into never.
func TestRunnableMetric(t *testing.T) {
	for _, d := range metrics.All() {
		if d.Name == runnableMetric && d.Kind == metrics.KindUint64 {
			return
		}
	}
	t.Fatalf("runtime/metrics has no %s", runnableMetric)
}

func TestParseReadYield(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ReadYield
		err  error
	}{
		{"auto", YieldAuto, nil},
		{"never", YieldNever, nil},
		{"always", YieldAlways, nil},
		{"sometimes", 0, ErrBadReadYield},
		{"", 0, ErrBadReadYield},
	} {
		got, err := ParseReadYield(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseReadYield(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
}
