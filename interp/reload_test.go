package interp

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
)

func TestReloaderGoodEdit(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, ""), "b.go": verSrc("b", 1, "")}, nil)
	reg := f.r.Registry()
	if got := version(t, reg, "a"); got != "1" {
		t.Fatalf("a answers version %q", got)
	}
	oldA, oldB := reg.Lookup("a").Guard.(*Unit), reg.Lookup("b").Guard.(*Unit)

	f.write("a.go", verSrc("a", 2, ""))
	rep := f.r.Rescan(false)
	if !rep.Published || strings.Join(rep.Reloaded, ",") != "a.go" || len(rep.Failed)+len(rep.Added)+len(rep.Removed) > 0 {
		t.Fatalf("report %+v", rep)
	}
	reg = f.published()
	if got := version(t, reg, "a"); got != "2" {
		t.Fatalf("after the edit a answers version %q", got)
	}
	if !oldA.Dead() {
		t.Fatal("the replaced version was not closed once retired")
	}
	if reg.Lookup("b").Guard != oldB || oldB.Dead() {
		t.Fatal("an unchanged unit was reloaded or closed")
	}
	if f.r.Registry() != reg {
		t.Fatal("Registry is not the registry published")
	}

	// Nothing changed: nothing happens.
	if rep := f.r.Rescan(false); rep.Published || rep.changed() || len(rep.Failed) > 0 {
		t.Fatalf("rescan without a change: %+v", rep)
	}
	f.noPublication()
}

// posRe matches a compiler position, file:line:col.
var posRe = regexp.MustCompile(`[\w/]+\.go:\d+:\d+`)

// TestReloaderBrokenEditsKeepOldVersion: each kind of broken edit leaves
// the served version serving, is logged once with its position, is not
// tried again while the content stays the same, and the next good save is
// picked up.
func TestReloaderBrokenEditsKeepOldVersion(t *testing.T) {
	cases := []struct {
		name  string
		src   string // the broken a.go
		is    error
		want  []string // in the error
		noPos bool     // the error has no file:line:col
		// loadTimeout, when set, bounds the broken load only: the good
		// loads keep the default, which a load on a busy machine under
		// -race needs (one can take a few hundred milliseconds).
		loadTimeout time.Duration
	}{
		{name: "syntax error", src: verSrc("a", 2, "func broken( {\n"), is: ErrSyntax, want: []string{"a.go:33:"}},
		{name: "type error", src: verSrc("a", 2, "var typo int = \"x\"\n"), is: ErrCompile, want: []string{"a.go:33:"}},
		{name: "refused import", src: strings.Replace(verSrc("a", 2, ""), `"errors"`, "\"errors\"\n\t\"os/exec\"", 1) + "\nvar _ = exec.Command\n",
			is: ErrImportNotAllowed, want: []string{`a.go:5:2: import "os/exec" is not allowed`}},
		{name: "go statement", src: verSrc("a", 2, "func spawn() { go func() {}() }\n"), is: ErrGoStatement, want: []string{"a.go:33:16"}},
		{name: "panic in init", src: verSrc("a", 2, "func init() { panic(\"bad init\") }\n"), is: ErrLoadPanic, want: []string{"a.go:33:15", "bad init"}},
		{name: "endless loop in init", src: verSrc("a", 2, "func init() { for {} }\n"), is: ErrLoadTimeout, want: []string{"does not return"}, noPos: true,
			loadTimeout: 300 * time.Millisecond},
		{name: "no plugin registered", src: "package scripts\n\nvar x = 1\n", is: ErrNoPlugin, noPos: true},
		{name: "name clash", src: verSrc("b", 2, ""), is: plugin.ErrDuplicate,
			want: []string{`plugin "b"`, filepath.Join("%DIR%", "a.go"), filepath.Join("%DIR%", "b.go")}, noPos: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, ""), "b.go": verSrc("b", 1, "")}, nil)
			served := f.r.Registry()
			f.write("a.go", tc.src)

			defaultTimeout := f.r.cfg.LoadTimeout
			if tc.loadTimeout > 0 {
				f.r.cfg.LoadTimeout = tc.loadTimeout
			}
			rep := f.r.Rescan(false)
			f.r.cfg.LoadTimeout = defaultTimeout
			if len(rep.Failed) != 1 || rep.Published || rep.changed() {
				t.Fatalf("report %+v", rep)
			}
			err := rep.Failed[0]
			var ue *UnitError
			if !errors.Is(err, tc.is) || !errors.As(err, &ue) || ue.Unit != "a.go" {
				t.Fatalf("error %v, want a.go's %v", err, tc.is)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if w = strings.ReplaceAll(w, "%DIR%", f.dir); !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if !tc.noPos && !posRe.MatchString(msg) {
				t.Errorf("error %q has no file:line:col", msg)
			}
			f.noPublication()
			if f.r.Registry() != served || version(t, served, "a") != "1" || version(t, served, "b") != "1" {
				t.Fatal("the broken edit replaced the version served")
			}
			logged := f.errorLogs("a.go")
			if len(logged) != 1 || logged[0].ContextMap()["error"] != msg {
				t.Fatalf("logged %v, want the error once", logged)
			}

			// The same content is not tried again.
			for range 3 {
				if rep := f.r.Rescan(false); len(rep.Failed) > 0 || rep.Published {
					t.Fatalf("the same broken content was tried again: %+v", rep)
				}
			}
			if n := len(f.errorLogs("a.go")); n != 1 {
				t.Fatalf("logged %d times", n)
			}

			// The next good save is picked up.
			f.write("a.go", verSrc("a", 3, ""))
			if rep := f.r.Rescan(false); !rep.Published || len(rep.Reloaded) != 1 {
				t.Fatalf("good save: %+v", rep)
			}
			if got := version(t, f.published(), "a"); got != "3" {
				t.Fatalf("after the good save a answers %q", got)
			}
		})
	}
}

// TestReloaderNewUnitBroken: a unit never served that fails is logged as a
// failed load and not retried; Reload (SIGHUP) retries it once.
func TestReloaderRetryOnReload(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, nil)
	f.write("c.go", verSrc("c", 1, "var bad int = \"x\"\n"))
	if rep := f.r.Rescan(false); len(rep.Failed) != 1 || rep.Published {
		t.Fatalf("report %+v", rep)
	}
	if rep := f.r.Rescan(false); len(rep.Failed) != 0 {
		t.Fatalf("retried without Reload: %+v", rep)
	}
	if rep := f.r.Rescan(true); len(rep.Failed) != 1 {
		t.Fatalf("Reload did not retry: %+v", rep)
	}
	if n := len(f.errorLogs("c.go")); n != 2 {
		t.Fatalf("logged %d times, want once per attempt (2)", n)
	}
	if msg := f.errorLogs("c.go")[0].Message; msg != "script unit failed to load" {
		t.Fatalf("message %q", msg)
	}
}

// TestReloaderClashRetriedWhenServedSetChanges: a new version refused for
// a name clash is tried again once the other unit is gone.
func TestReloaderClashRetriedWhenServedSetChanges(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, ""), "b.go": verSrc("b", 1, "")}, nil)
	f.write("a.go", verSrc("b", 2, ""))
	if rep := f.r.Rescan(false); len(rep.Failed) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if err := os.Remove(filepath.Join(f.dir, "b.go")); err != nil {
		t.Fatal(err)
	}
	rep := f.r.Rescan(false)
	if strings.Join(rep.Removed, ",") != "b.go" || strings.Join(rep.Reloaded, ",") != "a.go" || len(rep.Failed) > 0 {
		t.Fatalf("report %+v", rep)
	}
	reg := f.lastPublished()
	if got := version(t, reg, "b"); got != "2" || reg.Lookup("a") != nil {
		t.Fatalf("plugin b answers %q; a served: %v", got, reg.Lookup("a") != nil)
	}
}

func TestReloaderAddRemoveRename(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, nil)

	f.write("c.go", verSrc("c", 1, ""))
	rep := f.r.Rescan(false)
	if strings.Join(rep.Added, ",") != "c.go" || !rep.Published {
		t.Fatalf("add: %+v", rep)
	}
	reg := f.published()
	cUnit := reg.Lookup("c").Guard.(*Unit)

	if err := os.Remove(filepath.Join(f.dir, "c.go")); err != nil {
		t.Fatal(err)
	}
	rep = f.r.Rescan(false)
	if strings.Join(rep.Removed, ",") != "c.go" || !rep.Published {
		t.Fatalf("remove: %+v", rep)
	}
	if reg = f.published(); reg.Lookup("c") != nil || !cUnit.Dead() {
		t.Fatal("a removed unit is still served or not closed")
	}

	// A rename is a removal and an addition in one publication: the
	// plugin's name moves without a clash.
	aUnit := reg.Lookup("a").Guard.(*Unit)
	if err := os.Rename(filepath.Join(f.dir, "a.go"), filepath.Join(f.dir, "z.go")); err != nil {
		t.Fatal(err)
	}
	rep = f.r.Rescan(false)
	if strings.Join(rep.Removed, ",") != "a.go" || strings.Join(rep.Added, ",") != "z.go" || len(rep.Failed) > 0 {
		t.Fatalf("rename: %+v", rep)
	}
	reg = f.published()
	f.noPublication()
	if got := version(t, reg, "a"); got != "1" || reg.Lookup("a").Unit != "z.go" || !aUnit.Dead() {
		t.Fatalf("after the rename plugin a answers %q from unit %q", got, reg.Lookup("a").Unit)
	}
}

func TestReloaderFolderUnit(t *testing.T) {
	f := newReloadFixture(t, map[string]string{
		"multi/a.go":   verSrc("multi", 1, ""),
		"multi/doc.go": "// Package scripts is a folder unit.\npackage scripts\n",
	}, nil)
	f.write("multi/helper.go", "package scripts\n\nfunc helper() int { return 2 }\n")
	rep := f.r.Rescan(false)
	if strings.Join(rep.Reloaded, ",") != "multi" {
		t.Fatalf("a file added to a folder unit: %+v", rep)
	}
	f.published()
	// A file that is not source (a test, an editor's backup) changes nothing.
	f.write("multi/a_test.go", "package scripts\n")
	f.write("multi/.a.go.swp", "junk")
	if rep := f.r.Rescan(false); rep.changed() || len(rep.Failed) > 0 {
		t.Fatalf("a non-source file reloaded the unit: %+v", rep)
	}
}

// TestReloaderRebuildsStoppedUnit: a unit stopped after an overrun is
// rebuilt from its source by the next rescan.
func TestReloaderRebuildsStoppedUnit(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, nil)
	s := f.r.Registry().Lookup("a")
	u := s.Guard.(*Unit)
	u.Interrupt("test: overran")
	f.r.CallFailed(s)
	select {
	case <-f.r.kick:
	default:
		t.Fatal("CallFailed on a stopped unit asked for no rescan")
	}
	rep := f.r.Rescan(false)
	if strings.Join(rep.Rebuilt, ",") != "a.go" || !rep.Published {
		t.Fatalf("report %+v", rep)
	}
	if got := version(t, f.published(), "a"); got != "1" {
		t.Fatalf("rebuilt unit answers %q", got)
	}
	// A live unit's failed call asks for nothing.
	f.r.CallFailed(f.r.Registry().Lookup("a"))
	select {
	case <-f.r.kick:
		t.Fatal("CallFailed on a live unit asked for a rescan")
	default:
	}
}

// TestReloaderDirGone: when the directory cannot be read, the units keep
// serving and the error is logged once.
func TestReloaderDirGone(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, nil)
	moved := f.dir + ".moved"
	if err := os.Rename(f.dir, moved); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(moved) })
	for range 2 {
		if rep := f.r.Rescan(false); rep.Published || rep.changed() {
			t.Fatalf("report %+v", rep)
		}
	}
	if n := f.logs.FilterMessageSnippet("cannot read the scripts directory").Len(); n != 1 {
		t.Fatalf("logged %d times", n)
	}
	if got := version(t, f.r.Registry(), "a"); got != "1" {
		t.Fatalf("a answers %q", got)
	}
}

// TestReloaderConfigMapSwap: files that are symlinks through a swapped
// "..data" symlink reload on the swap.
func TestReloaderConfigMapSwap(t *testing.T) {
	f := newReloadFixture(t, nil, nil)
	cm := newConfigMapDir(t, f.dir, map[string]string{"a.go": verSrc("a", 1, ""), "multi/m.go": verSrc("m", 1, "")})
	rep := f.r.Rescan(false)
	if strings.Join(rep.Added, ",") != "a.go,multi" {
		t.Fatalf("first content: %+v", rep)
	}
	f.published()
	cm.swap(map[string]string{"a.go": verSrc("a", 2, ""), "multi/m.go": verSrc("m", 2, "")})
	rep = f.r.Rescan(false)
	if strings.Join(rep.Reloaded, ",") != "a.go,multi" || len(rep.Failed) > 0 {
		t.Fatalf("after the swap: %+v", rep)
	}
	reg := f.published()
	if version(t, reg, "a") != "2" || version(t, reg, "m") != "2" {
		t.Fatal("the swap's content is not served")
	}
}

// TestReloaderStoppedAgainSoonWaits: a unit stopped again soon after its
// rebuild is rebuilt only after a delay (a conf whose ParseConf never
// returns would otherwise loop: rebuild, re-parse, stop), said once.
func TestReloaderStoppedAgainSoonWaits(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, nil)
	f.r.rebuildBackoff = time.Hour
	stop := func() {
		t.Helper()
		s := f.r.Registry().Lookup("a")
		s.Guard.(*Unit).Interrupt("test: overran")
	}
	stop()
	if rep := f.r.Rescan(false); len(rep.Rebuilt) != 1 || rep.RetryIn != 0 {
		t.Fatalf("first stop: %+v", rep)
	}
	f.published()
	stop()
	for range 2 {
		rep := f.r.Rescan(false)
		if rep.changed() || rep.Published || rep.RetryIn <= 0 || rep.RetryIn > time.Hour {
			t.Fatalf("stopped again at once: %+v", rep)
		}
	}
	if n := f.logs.FilterMessageSnippet("stopped again soon after its rebuild").Len(); n != 1 {
		t.Fatalf("the delay was logged %d times", n)
	}
	// Meanwhile its calls fail fast.
	if _, err := f.r.Registry().Lookup("a").ParseConf([]byte("x")); !errors.Is(err, ErrUnitDead) {
		t.Fatalf("call on the stopped unit: %v", err)
	}
	f.r.rebuildBackoff = 0 // the delay is over
	if rep := f.r.Rescan(false); len(rep.Rebuilt) != 1 {
		t.Fatalf("after the delay: %+v", rep)
	}
	if got := version(t, f.published(), "a"); got != "1" {
		t.Fatalf("rebuilt a answers %q", got)
	}
}

// TestReloaderRetriesFailedRebuild: a stopped unit whose rebuild fails (a
// load timeout on a busy machine) is not given up on as a failed content
// is: its calls fail fast meanwhile, and it is rebuilt after the delay.
func TestReloaderRetriesFailedRebuild(t *testing.T) {
	var failing atomic.Bool
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, func(c *ReloadConfig) {
		c.Prove = func(Config, *Snapshot) error {
			if failing.Load() {
				return errors.New("test: load timed out")
			}
			return nil
		}
	})
	f.r.rebuildBackoff = time.Hour
	f.r.Registry().Lookup("a").Guard.(*Unit).Interrupt("test: overran")
	failing.Store(true)
	rep := f.r.Rescan(false)
	if len(rep.Failed) != 1 || rep.RetryIn <= 0 || rep.RetryIn > time.Hour || rep.Published {
		t.Fatalf("failed rebuild: %+v", rep)
	}
	if n := f.logs.FilterMessageSnippet("failed to rebuild after it was stopped").Len(); n != 1 {
		t.Fatalf("the failed rebuild was logged %d times", n)
	}
	if _, err := f.r.Registry().Lookup("a").ParseConf([]byte("x")); !errors.Is(err, ErrUnitDead) {
		t.Fatalf("call on the stopped unit: %v", err)
	}
	// Before the delay: not tried again.
	if rep := f.r.Rescan(false); len(rep.Failed) != 0 || rep.RetryIn <= 0 || rep.Published {
		t.Fatalf("before the delay: %+v", rep)
	}
	failing.Store(false)
	f.r.rebuildBackoff = 0 // the delay is over
	if rep := f.r.Rescan(false); strings.Join(rep.Rebuilt, ",") != "a.go" || !rep.Published {
		t.Fatalf("after the delay: %+v", rep)
	}
	if got := version(t, f.published(), "a"); got != "1" {
		t.Fatalf("rebuilt a answers %q", got)
	}
}
