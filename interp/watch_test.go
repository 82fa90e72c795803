package interp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runWatching starts f's reloader watching, with a short debounce, and
// returns the channel of the reports of its rescans (the first, made at
// start, is consumed).
func runWatching(t *testing.T, f *reloadFixture) <-chan Report {
	t.Helper()
	reports := make(chan Report, 64)
	f.r.cfg.Watch = true
	f.r.cfg.Debounce = 20 * time.Millisecond
	f.r.afterRescan = func(rep Report) { reports <- rep }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	awaitReport(t, reports, func(Report) bool { return true })
	return reports
}

// awaitReport waits for a rescan whose report satisfies ok.
func awaitReport(t *testing.T, reports <-chan Report, ok func(Report) bool) Report {
	t.Helper()
	deadline := time.After(reloadBound)
	for {
		select {
		case rep := <-reports:
			if ok(rep) {
				return rep
			}
		case <-deadline:
			t.Fatalf("no such rescan within %s", reloadBound)
			return Report{}
		}
	}
}

func TestReloaderWatch(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, nil)
	reports := runWatching(t, f)

	start := time.Now()
	f.write("a.go", verSrc("a", 2, ""))
	if got := version(t, f.awaitPublished(), "a"); got != "2" {
		t.Fatalf("after a save a answers %q", got)
	}
	t.Logf("a save was served %s after it was written (debounce %s)", time.Since(start).Round(time.Millisecond), f.r.cfg.Debounce)

	f.write("sub/c.go", verSrc("c", 1, "")) // a new folder, then its file
	if reg := f.awaitPublished(); reg.Lookup("c") == nil {
		t.Fatal("a new folder unit was not served")
	}
	f.write("sub/c.go", verSrc("c", 2, ""))
	if got := version(t, f.awaitPublished(), "c"); got != "2" {
		t.Fatalf("after an edit in the folder c answers %q", got)
	}

	// A broken save: a failed rescan, nothing published, and no retry.
	f.write("a.go", verSrc("a", 3, "func broken( {\n"))
	awaitReport(t, reports, func(r Report) bool { return len(r.Failed) > 0 })
	f.noPublication()
	// SIGHUP retries it.
	f.r.Reload()
	awaitReport(t, reports, func(r Report) bool { return len(r.Failed) > 0 })
	if n := len(f.errorLogs("a.go")); n != 2 {
		t.Fatalf("the broken save was logged %d times, want once per attempt (2)", n)
	}

	// A unit stopped by an overrun is rebuilt.
	s := f.r.Registry().Lookup("c")
	s.Guard.(*Unit).Interrupt("test: overran")
	f.r.CallFailed(s)
	rep := awaitReport(t, reports, func(r Report) bool { return len(r.Rebuilt) > 0 })
	if strings.Join(rep.Rebuilt, ",") != "sub" {
		t.Fatalf("report %+v", rep)
	}
	if got := version(t, f.awaitPublished(), "c"); got != "2" {
		t.Fatalf("rebuilt c answers %q", got)
	}

	if err := os.RemoveAll(filepath.Join(f.dir, "sub")); err != nil {
		t.Fatal(err)
	}
	if reg := f.awaitPublished(); reg.Lookup("c") != nil {
		t.Fatal("a removed folder is still served")
	}
}

// TestReloaderWatchConfigMap: a ConfigMap volume's swap is seen, and the
// folder units reached through "..data" are watched again in their new
// folder.
func TestReloaderWatchConfigMap(t *testing.T) {
	f := newReloadFixture(t, nil, nil)
	cm := newConfigMapDir(t, f.dir, map[string]string{"a.go": verSrc("a", 1, ""), "multi/m.go": verSrc("m", 1, "")})
	f.r.Rescan(false)
	f.published()
	reports := runWatching(t, f)

	cm.swap(map[string]string{"a.go": verSrc("a", 2, ""), "multi/m.go": verSrc("m", 2, "")})
	rep := awaitReport(t, reports, func(r Report) bool { return r.Published })
	if strings.Join(rep.Reloaded, ",") != "a.go,multi" {
		t.Fatalf("after the swap: %+v", rep)
	}
	reg := f.published()
	if version(t, reg, "a") != "2" || version(t, reg, "m") != "2" {
		t.Fatal("the swap's content is not served")
	}

	// The folder's watch follows the swap: an edit inside the new
	// folder is seen.
	writeFiles(t, cm.current(), map[string]string{"multi/m.go": verSrc("m", 3, "")})
	if got := version(t, f.awaitPublished(), "m"); got != "3" {
		t.Fatalf("after an edit in the swapped folder m answers %q", got)
	}
}
