package interp

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestReloaderStatus: each unit's state, files, sum, plugins and load time
// as the reloader sees them: serving, failed (with its served version),
// quarantined, stopped.
func TestReloaderStatus(t *testing.T) {
	var hold atomic.Pointer[string]
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, ""), "b.go": verSrc("b", 1, ""), "c.go": verSrc("c", 1, "")},
		func(c *ReloadConfig) {
			c.Hold = func(unit, _ string) bool { p := hold.Load(); return p != nil && *p == unit }
		})
	byName := func() map[string]UnitStatus {
		m := map[string]UnitStatus{}
		for _, st := range f.r.Status() {
			m[st.Name] = st
		}
		return m
	}
	st := byName()
	if len(st) != 3 {
		t.Fatalf("status %+v, want 3 units", st)
	}
	a := st["a.go"]
	if a.State != StateServing || !a.Serving || strings.Join(a.Files, ",") != "a.go" || len(a.Sum) != 64 ||
		strings.Join(a.Plugins, ",") != "a" || a.LoadedAt.IsZero() || a.Err != nil {
		t.Errorf("a.go: %+v", a)
	}
	servedSum := a.Sum

	// A broken edit of a: failed, the old version still serving.
	f.write("a.go", "package main\nfunc broken( {\n")
	f.r.Rescan(false)
	// Quarantine b.
	name := "b.go"
	hold.Store(&name)
	f.r.Rescan(false)
	// Stop c, as an overrun does.
	f.r.Registry().Lookup("c").Guard.(*Unit).Interrupt("test")

	st = byName()
	a = st["a.go"]
	if a.State != StateFailed || !a.Serving || a.Err == nil || !strings.Contains(a.Err.Error(), "a.go:2:") ||
		a.ServingSum != servedSum || a.Sum == servedSum || a.FailedAt.IsZero() || strings.Join(a.Plugins, ",") != "a" {
		t.Errorf("a.go after a broken edit: %+v", a)
	}
	if b := st["b.go"]; b.State != StateQuarantined || b.Serving || len(b.Plugins) != 0 || strings.Join(b.Files, ",") != "b.go" {
		t.Errorf("b.go quarantined: %+v", b)
	}
	if c := st["c.go"]; c.State != StateStopped || !c.Serving {
		t.Errorf("c.go stopped: %+v", c)
	}

	// A new unit that fails is listed until its file goes.
	f.write("d.go", "package main\nfunc broken( {\n")
	f.r.Rescan(false)
	if d := byName()["d.go"]; d.State != StateFailed || d.Serving || d.Err == nil {
		t.Errorf("d.go broken: %+v", d)
	}
	if err := os.Remove(filepath.Join(f.dir, "d.go")); err != nil {
		t.Fatal(err)
	}
	f.r.Rescan(false)
	if d, ok := byName()["d.go"]; ok {
		t.Errorf("d.go removed but listed: %+v", d)
	}
}
