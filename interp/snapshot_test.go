package interp

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestMemFS(t *testing.T) {
	fsys := newMemFS([]SourceFile{
		{Name: "say.go", Data: []byte("package a\n")},
		{Name: "folder/a.go", Data: []byte("package b\n")},
		{Name: "folder/b.go", Data: []byte("package b\n\nvar x = 1\n")},
	})
	if err := fstest.TestFS(fsys, "say.go", "folder/a.go", "folder/b.go"); err != nil {
		t.Fatal(err)
	}
}

// newSnapshot is a snapshot of files (name -> source) that were never on
// disk: Path names a directory that does not exist.
func newSnapshot(t testing.TB, name string, files map[string]string) *Snapshot {
	t.Helper()
	snap := &Snapshot{Name: name, Path: filepath.Join(t.TempDir(), "absent", name)}
	for _, f := range sortedKeys(files) {
		snap.Files = append(snap.Files, SourceFile{Name: f, Data: []byte(files[f])})
	}
	snap.Sum = snap.sum()
	return snap
}

// TestLoadReadsOnlyTheSnapshot: a unit loads from its snapshot alone.
func TestLoadReadsOnlyTheSnapshot(t *testing.T) {
	cases := []struct {
		name  string
		unit  string
		files map[string]string
	}{
		{name: "file", unit: "mem.go", files: map[string]string{"mem.go": verSrc("mem", 7, "")}},
		{name: "folder", unit: "pkg", files: map[string]string{
			"pkg/a.go": verSrc("mem", 7, ""),
			"pkg/b.go": "package scripts\n\nfunc helper() int { return 1 }\n",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := loadUnit(Config{}.withDefaults(), newSnapshot(t, tc.unit, tc.files), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(u.Close)
			reg, errs := Build(nil, []*Unit{u})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if got := version(t, reg, "mem"); got != "7" {
				t.Fatalf("version %q, want the snapshot's 7", got)
			}
		})
	}
}

// TestReloaderLoadsTheScannedBytes: a file replaced between the scan and
// the load is not what is evaluated (here Prove, which runs in between,
// replaces it); the next rescan picks the new content up, proved.
func TestReloaderLoadsTheScannedBytes(t *testing.T) {
	var proved []string // the version of each snapshot proved
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, func(c *ReloadConfig) {
		dir := c.Dir
		c.Prove = func(cfg Config, snap *Snapshot) error {
			if len(snap.Files) != 1 || snap.Files[0].Name != "a.go" || snap.Name != "a.go" {
				t.Errorf("snapshot %+v", snap)
			}
			src := string(snap.Files[0].Data)
			proved = append(proved, src[strings.Index(src, "const version"):][:19])
			if len(proved) == 1 {
				writeFiles(t, dir, map[string]string{"a.go": verSrc("a", 2, "")})
			}
			return nil
		}
	})
	if got := version(t, f.r.Registry(), "a"); got != "1" {
		t.Fatalf("serves version %q, want 1: the bytes scanned and proved", got)
	}
	rep := f.r.Rescan(false)
	if len(rep.Reloaded) != 1 || len(rep.Failed) > 0 {
		t.Fatalf("report %+v", rep)
	}
	if got := version(t, f.published(), "a"); got != "2" {
		t.Fatalf("after the rescan, version %q", got)
	}
	if want := []string{`const version = "1"`, `const version = "2"`}; strings.Join(proved, ",") != strings.Join(want, ",") {
		t.Fatalf("proved %q, want %q", proved, want)
	}
}

var errRefused = errors.New("refused by the test prover")

// TestReloaderProveFailure: a version Prove refuses is never evaluated in
// process, fails as a compile error does (logged once, the served version
// keeps serving, not retried until it changes or Reload), and Prove only
// sees source that passed the static checks.
func TestReloaderProveFailure(t *testing.T) {
	calls := 0
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, func(c *ReloadConfig) {
		c.Prove = func(cfg Config, snap *Snapshot) error {
			calls++
			if strings.Contains(string(snap.Files[0].Data), "refuse me") {
				return errRefused
			}
			return nil
		}
	})
	if calls != 1 {
		t.Fatalf("Load proved %d units, want 1", calls)
	}
	served := f.r.Registry()
	// Evaluated, this version would fail with ErrLoadPanic instead.
	f.write("a.go", verSrc("a", 2, "// refuse me\nfunc init() { panic(\"evaluated in process\") }\n"))
	rep := f.r.Rescan(false)
	var ue *UnitError
	if len(rep.Failed) != 1 || !errors.Is(rep.Failed[0], errRefused) || !errors.As(rep.Failed[0], &ue) || ue.Unit != "a.go" || rep.Published {
		t.Fatalf("report %+v", rep)
	}
	if want := `interp: unit "a.go": ` + errRefused.Error(); rep.Failed[0].Error() != want {
		t.Fatalf("error %q, want %q", rep.Failed[0], want)
	}
	if f.r.Registry() != served || version(t, served, "a") != "1" {
		t.Fatal("the refused version replaced the one served")
	}
	if logged := f.errorLogs("a.go"); len(logged) != 1 || logged[0].Message != "script unit failed to reload; its previous version keeps serving" {
		t.Fatalf("logged %v", logged)
	}
	for range 2 {
		if rep := f.r.Rescan(false); len(rep.Failed) > 0 || calls != 2 {
			t.Fatalf("the refused content was tried again: %+v, %d calls", rep, calls)
		}
	}
	if rep := f.r.Rescan(true); len(rep.Failed) != 1 || calls != 3 {
		t.Fatalf("Reload did not prove it again: %+v, %d calls", rep, calls)
	}

	// A syntax error fails before Prove.
	f.write("a.go", verSrc("a", 3, "func broken( {\n"))
	if rep := f.r.Rescan(false); len(rep.Failed) != 1 || !errors.Is(rep.Failed[0], ErrSyntax) || calls != 3 {
		t.Fatalf("syntax error: %+v, %d calls", rep, calls)
	}
	f.write("a.go", verSrc("a", 4, ""))
	if rep := f.r.Rescan(false); len(rep.Reloaded) != 1 || calls != 4 {
		t.Fatalf("good save: %+v, %d calls", rep, calls)
	}
	if got := version(t, f.published(), "a"); got != "4" {
		t.Fatalf("version %q", got)
	}
}

// TestReadUnitFollowsSymlinks: readUnit reads a file through a symlink,
// and a folder without Go source is no unit.
func TestReadUnitFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"real/a.go": "package a\n", "empty/README": "x"})
	if err := os.Symlink(filepath.Join("real", "a.go"), filepath.Join(dir, "link.go")); err != nil {
		t.Fatal(err)
	}
	snap, err := readUnit(dir, "link.go", filepath.Join(dir, "link.go"))
	if err != nil || len(snap.Files) != 1 || string(snap.Files[0].Data) != "package a\n" || snap.Sum != snap.sum() {
		t.Fatalf("readUnit: %+v, %v", snap, err)
	}
	if _, err := readUnit(dir, "empty", filepath.Join(dir, "empty")); !errors.Is(err, errNoGoFiles) || !errors.Is(err, ErrNotUnit) {
		t.Fatalf("empty folder: %v", err)
	}
}
