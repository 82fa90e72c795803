package supervisor

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestStartStalled: a worker not ready is given up on when no unit began
// to load for StartTimeout, however long its start has taken in all.
func TestStartStalled(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	const limit = time.Minute
	for _, tc := range []struct {
		name     string
		progress time.Duration // after t0
		ready    bool
		now      time.Duration // after t0
		want     bool
	}{
		{"starting, within the bound", 0, false, 59 * time.Second, false},
		{"starting, past the bound with no unit", 0, false, 61 * time.Second, true},
		{"many units, the last one recent", 4 * time.Minute, false, 4*time.Minute + 59*time.Second, false},
		{"many units, then stuck on one", 4 * time.Minute, false, 5*time.Minute + time.Second, true},
		{"ready long ago", 0, true, time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &worker{started: t0, progress: t0.Add(tc.progress), ready: tc.ready}
			if got := w.startStalled(t0.Add(tc.now), limit); got != tc.want {
				t.Errorf("startStalled = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLoadingMovesProgress: each loading message moves the worker's
// progress on.
func TestLoadingMovesProgress(t *testing.T) {
	past := time.Now().Add(-time.Hour)
	w := &worker{started: past, progress: past}
	(&Supervisor{}).message(w, &message{Type: msgLoading})
	if !w.progress.After(past) {
		t.Fatalf("progress %v after a loading message, want later than %v", w.progress, past)
	}
	if w.startStalled(time.Now(), time.Minute) {
		t.Fatal("a worker that just began a unit is stalled")
	}
}

// TestLoadingOnlyUntilReady: a worker says loading until it is ready, and
// nothing after (a reload's units are no start).
func TestLoadingOnlyUntilReady(t *testing.T) {
	var up bytes.Buffer
	k := &Link{up: &sender{w: &up}}
	k.Loading()
	k.Loading()
	if err := k.Ready(); err != nil {
		t.Fatal(err)
	}
	k.Loading()
	var types []string
	r := newReceiver(&up)
	for range 10 {
		m, err := r.next()
		if err != nil {
			break
		}
		types = append(types, m.Type)
	}
	if got, want := strings.Join(types, " "), "loading loading ready"; got != want {
		t.Fatalf("sent %q, want %q", got, want)
	}
}
