package interp

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// libUserSrc is a unit registering plugin name whose request filter answers
// X-Version: ver.Version(), a helper package's answer, and X-Count: the
// helper's call counter, so that shared helper state would show.
func libUserSrc(name string) string {
	return fmt.Sprintf(`package scripts

import (
	"net/http"
	"strconv"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"

	"scripts/lib/ver"
)

func init() {
	if err := plugin.RegisterPlugin(&V{}); err != nil {
		panic(err)
	}
}

type V struct{ plugin.DefaultPlugin }

func (*V) Name() string { return %q }

func (*V) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*V) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	r.Header().Set("X-Version", ver.Version())
	r.Header().Set("X-Count", strconv.Itoa(ver.Next()))
}
`, name)
}

// verLibSrc is helper package ver answering version, through helper
// package base (lib/base), with a call counter.
func verLibSrc(version int, extra string) string {
	return fmt.Sprintf(`package ver

import "scripts/lib/base"

var calls int

// Version is the version of the helper.
func Version() string { return base.Prefix + "%d" }

// Next counts the calls.
func Next() int {
	calls++
	return calls
}
%s`, version, extra)
}

const baseLibSrc = "package base\n\n// Prefix starts every version.\nconst Prefix = \"v\"\n"

// libFiles is a scripts directory: a.go and b.go import lib/ver (which
// imports lib/base), c.go imports no helper.
func libFiles() map[string]string {
	return map[string]string{
		"a.go":                libUserSrc("a"),
		"b.go":                libUserSrc("b"),
		"c.go":                verSrc("c", 1, ""),
		"lib/ver/ver.go":      verLibSrc(1, ""),
		"lib/ver/ver_test.go": "package ver\n\nthis is no Go\n",
		"lib/base/base.go":    baseLibSrc,
		"lib/unused/u.go":     "package unused\n\nfunc init() { panic(\"never loaded\") }\n",
	}
}

// countOf calls plugin name of the registry and returns X-Count.
func countOf(t *testing.T, f *reloadFixture, name string) string {
	t.Helper()
	s := f.r.Registry().Lookup(name)
	r := newRequest()
	s.RequestFilter("", httptest.NewRecorder(), r)
	return r.header.Get("X-Count")
}

// TestHelperPackages: units (files and folders) import helper packages by
// path, each unit gets its own copy, the helper files are part of the
// unit's snapshot, and lib is no unit.
func TestHelperPackages(t *testing.T) {
	var proved []string
	files := libFiles()
	files["d/d.go"] = libUserSrc("d")
	f := newReloadFixture(t, files, func(c *ReloadConfig) {
		c.Prove = func(cfg Config, snap *Snapshot) error {
			proved = append(proved, snap.Name+"="+strings.Join(snap.fileNames(), ","))
			return nil
		}
	})
	reg := f.r.Registry()
	if got := strings.Join(reg.Names(), ","); got != "a,b,c,d" {
		t.Fatalf("served %s", got)
	}
	for _, name := range []string{"a", "b", "d"} {
		if got := version(t, reg, name); got != "v1" {
			t.Fatalf("%s answers %q", name, got)
		}
	}
	// Each unit counts its own calls: no state is shared.
	if a, a2, b := countOf(t, f, "a"), countOf(t, f, "a"), countOf(t, f, "b"); a != "2" || a2 != "3" || b != "2" {
		t.Fatalf("counts a %s, %s, b %s; want 2, 3 and 2", a, a2, b)
	}
	want := []string{
		"a.go=a.go,lib/base/base.go,lib/ver/ver.go",
		"b.go=b.go,lib/base/base.go,lib/ver/ver.go",
		"c.go=c.go",
		"d=d/d.go,lib/base/base.go,lib/ver/ver.go",
	}
	if strings.Join(proved, " ") != strings.Join(want, " ") {
		t.Fatalf("proved %q, want %q", proved, want)
	}
}

// TestReloaderHelperEdit: a change to a helper reloads exactly the units
// that import it, directly or not; a broken helper never replaces the
// versions served; a helper is sandboxed as a script is.
func TestReloaderHelperEdit(t *testing.T) {
	f := newReloadFixture(t, libFiles(), nil)
	c := f.r.Registry().Lookup("c").Guard

	f.write("lib/ver/ver.go", verLibSrc(2, ""))
	rep := f.r.Rescan(false)
	if got := strings.Join(rep.Reloaded, ","); got != "a.go,b.go" || !rep.Published || len(rep.Failed) > 0 {
		t.Fatalf("report %+v, want a.go and b.go reloaded", rep)
	}
	reg := f.lastPublished()
	if version(t, reg, "a") != "v2" || version(t, reg, "b") != "v2" || reg.Lookup("c").Guard != c {
		t.Fatal("the helper's edit did not reload exactly its users")
	}
	f.write("lib/base/base.go", strings.Replace(baseLibSrc, `"v"`, `"r"`, 1))
	if rep := f.r.Rescan(false); strings.Join(rep.Reloaded, ",") != "a.go,b.go" {
		t.Fatalf("an indirect helper's edit: %+v", rep)
	}
	reg = f.lastPublished()
	if version(t, reg, "a") != "r2" {
		t.Fatalf("a answers %q after the indirect edit", version(t, reg, "a"))
	}

	broken := []struct {
		name, src string
		is        error
		want      string
	}{
		{"compile error", verLibSrc(3, "func broken() int { return undefinedName }\n"), ErrCompile, `compile error: lib/ver/ver.go:15:28: undefined: undefinedName (imported at `},
		{"refused import", strings.Replace(verLibSrc(3, ""), `import "scripts/lib/base"`, "import (\n\t\"os\"\n\t\"scripts/lib/base\"\n)\n\nvar _ = os.Getpid", 1),
			ErrImportNotAllowed, `lib/ver/ver.go:4:2: import "os" is not allowed in plugins`},
		{"go statement", verLibSrc(3, "func spawn() { go spawn() }\n"), ErrGoStatement, "lib/ver/ver.go:15:16: go statements are not allowed"},
		{"missing helper", strings.Replace(verLibSrc(3, ""), "lib/base", "lib/nope", 1), ErrNoHelper,
			`lib/ver/ver.go:3:8: import "scripts/lib/nope": no helper package: want its .go files in lib/nope/ of the scripts directory`},
		{"panicking init", verLibSrc(3, "func init() { panic(\"helper init\") }\n"), ErrLoadPanic, "panic while loading: lib/ver/ver.go:15:15: helper init"},
	}
	for _, tc := range broken {
		f.write("lib/ver/ver.go", tc.src)
		rep := f.r.Rescan(false)
		if rep.Published || len(rep.Failed) != 2 {
			t.Fatalf("%s: report %+v, want a.go and b.go failed", tc.name, rep)
		}
		for _, err := range rep.Failed {
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s: %v, want %v with %q", tc.name, err, tc.is, tc.want)
			}
		}
		if version(t, f.r.Registry(), "a") != "r2" || version(t, f.r.Registry(), "b") != "r2" {
			t.Fatalf("%s: the broken helper replaced the versions served", tc.name)
		}
	}
	f.write("lib/ver/ver.go", verLibSrc(4, ""))
	f.write("lib/base/base.go", strings.Replace(baseLibSrc, `"v"`, "nope", 1))
	rep = f.r.Rescan(false)
	if len(rep.Failed) != 2 || rep.Published {
		t.Fatalf("a broken indirect helper: %+v", rep)
	}
	if got, want := rep.Failed[0].Error(), `interp: unit "a.go": compile error: lib/base/base.go:4:16: undefined: nope (imported at lib/ver/ver.go:3:8, a.go:10:2)`; got != want {
		t.Fatalf("a broken indirect helper:\n got %s\nwant %s", got, want)
	}
	f.noPublication()
	f.write("lib/base/base.go", strings.Replace(baseLibSrc, `"v"`, `"r"`, 1))
	if rep := f.r.Rescan(false); strings.Join(rep.Reloaded, ",") != "a.go,b.go" {
		t.Fatalf("the fixed helper: %+v", rep)
	}
	if version(t, f.lastPublished(), "b") != "r4" {
		t.Fatal("the fixed helper is not served")
	}
}

// TestReloaderHelperProbeCrash: a helper whose init is fatal is proved in
// the probe process like any unit: the runner lives on and the versions
// served keep serving.
func TestReloaderHelperProbeCrash(t *testing.T) {
	f := newReloadFixture(t, libFiles(), func(c *ReloadConfig) {
		c.Prove = helperProber(t, "1").Prove
	})
	fatal := strings.Replace(verLibSrc(2, "func init() {\n\tvar mu sync.Mutex\n\tmu.Unlock()\n}\n"),
		`import "scripts/lib/base"`, "import (\n\t\"sync\"\n\n\t\"scripts/lib/base\"\n)", 1)
	f.write("lib/ver/ver.go", fatal)
	rep := f.r.Rescan(false)
	if len(rep.Failed) != 2 || rep.Published {
		t.Fatalf("report %+v", rep)
	}
	for _, err := range rep.Failed {
		if !errors.Is(err, ErrProbeCrashed) {
			t.Fatalf("%v, want the probe crashed", err)
		}
	}
	if version(t, f.r.Registry(), "a") != "v1" {
		t.Fatal("the crashing helper replaced the version served")
	}
}

// TestLibIsNoUnit: LoadUnit refuses the helper folder, and a top-level file
// registering no plugin is told where shared code goes.
func TestLibIsNoUnit(t *testing.T) {
	_, err := loadOne(t, Config{}, "lib", map[string]string{"lib/ver/ver.go": verLibSrc(1, ""), "lib/base/base.go": baseLibSrc})
	if !errors.Is(err, ErrNotUnit) || err.Error() != `interp: unit "lib": not a script unit: folder lib holds helper packages, which units import as "scripts/lib/<pkg>"` {
		t.Fatalf("LoadUnit(lib): %v", err)
	}
	u := mustLoad(t, Config{}, "a.go", libFiles())
	if got := u.Specs()[0].Name; got != "a" {
		t.Fatalf("LoadUnit(a.go) serves %q", got)
	}
}

// TestHelperPanicPosition: a panic inside a helper during a call names the
// helper's file as the scripts directory does.
func TestHelperPanicPosition(t *testing.T) {
	files := libFiles()
	files["lib/ver/ver.go"] = verLibSrc(1, "\n// Check panics on \"boom\".\nfunc Check(s string) {\n\tif s == \"boom\" {\n\t\tpanic(\"boom\")\n\t}\n}\n")
	files["a.go"] = strings.Replace(libUserSrc("a"), "return string(in), nil", "ver.Check(string(in))\n\treturn string(in), nil", 1)
	u := mustLoad(t, Config{}, "a.go", files)
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err, _ = r.(error)
			}
		}()
		_, err = u.Specs()[0].ParseConf([]byte("boom"))
		return err
	}()
	var pe *PanicError
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.Pos, "lib/ver/ver.go:") || strings.Contains(strings.Join(pe.Frames, "\n"), gopath) {
		t.Fatalf("panic %v: position %q (frames %q), want in lib/ver/ver.go", err, pe.Pos, pe.Frames)
	}
}

// TestSharedHint: a unit using a name another top-level file declares is
// told that units do not share code, and where shared code goes; so is the
// file that registers no plugin.
func TestSharedHint(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.go":    strings.Replace(verSrc("a", 1, ""), `r.Header().Set("X-Version", version)`, `r.Header().Set("X-Version", normalize(version))`, 1),
		"util.go": "package scripts\n\nimport \"strings\"\n\nfunc normalize(s string) string { return strings.TrimSpace(s) }\n",
	})
	units, errs := LoadDir(Config{Dir: dir})
	closeAll(units)
	var got []string
	for _, err := range errs {
		got = append(got, err.Error())
	}
	want := []string{
		`interp: unit "a.go": compile error: a.go:31:30: undefined: normalize (normalize is declared in util.go, another unit; code shared between units goes in a helper package, lib/<pkg>/*.go in the scripts directory, imported as "scripts/lib/<pkg>")`,
		`interp: unit "util.go": unit registers no plugin: call plugin.RegisterPlugin from init(); code shared between units goes in a helper package, lib/<pkg>/*.go in the scripts directory, imported as "scripts/lib/<pkg>"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !errors.Is(errs[0], ErrCompile) {
		t.Fatalf("%v is no compile error", errs[0])
	}
}

// TestHelperEditReleasesHeldUnit: a unit version held out (quarantined) is
// identified with its helpers: a change to a helper it imports is a new
// version, loaded again.
func TestHelperEditReleasesHeldUnit(t *testing.T) {
	held := map[string]bool{}
	f := newReloadFixture(t, libFiles(), func(c *ReloadConfig) {
		c.Hold = func(unit, sum string) bool { return held[unit+"@"+sum] }
	})
	for _, u := range f.r.Units() {
		if u.Name() == "a.go" {
			held["a.go@"+u.Sum()] = true
		}
	}
	if rep := f.r.Rescan(false); strings.Join(rep.Removed, ",") != "a.go" {
		t.Fatalf("holding a.go: %+v", rep)
	}
	f.write("lib/ver/ver.go", verLibSrc(2, ""))
	rep := f.r.Rescan(false)
	if strings.Join(rep.Added, ",") != "a.go" || strings.Join(rep.Reloaded, ",") != "b.go" {
		t.Fatalf("after the helper's edit: %+v", rep)
	}
	if version(t, f.lastPublished(), "a") != "v2" {
		t.Fatal("a.go's new version is not served")
	}
}

// BenchmarkScanDir measures a rescan's reading of 20 units, each importing
// a helper package or not: the helper costs each unit a parse of its
// imports and a read of the helper's files.
//
//	go test -run '^$' -bench ScanDir ./interp
func BenchmarkScanDir(b *testing.B) {
	for _, helper := range []bool{false, true} {
		b.Run(fmt.Sprintf("helper=%v", helper), func(b *testing.B) {
			dir := b.TempDir()
			files := map[string]string{"lib/ver/ver.go": verLibSrc(1, ""), "lib/base/base.go": baseLibSrc}
			for i := range 20 {
				name := fmt.Sprintf("u%02d", i)
				if helper {
					files[name+".go"] = libUserSrc(name)
				} else {
					files[name+".go"] = verSrc(name, 1, "")
				}
			}
			writeFiles(b, dir, files)
			b.ReportAllocs()
			for range b.N {
				if _, err := scanDir(dir, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestHelperTypeChecked: helper packages are type-checked and rewritten as
// the unit is: modern Go in a helper works, and a misuse of a helper's API
// is refused at the unit's file:line:col before anything is evaluated.
func TestHelperTypeChecked(t *testing.T) {
	modern := `package base

import "slices"

// Prefix starts every version.
const Prefix = "v"

// Sum adds 0..n-1, at most 10, over a sorted copy.
func Sum(n int) int {
	var xs []int
	for i := range min(n, 10) {
		xs = append(xs, i)
	}
	total := 0
	for _, x := range slices.Sorted(slices.Values(xs)) {
		total += x
	}
	return total
}
`
	files := map[string]string{"a.go": libUserSrc("a"), "lib/ver/ver.go": verLibSrc(1, "\n// Total is base.Sum(4).\nfunc Total() int { return base.Sum(4) }\n"), "lib/base/base.go": modern}
	u, err := loadOne(t, Config{}, "a.go", files)
	if err != nil {
		t.Fatalf("helper with modern Go: %v", err)
	}
	u.Close()

	files["a.go"] = strings.Replace(libUserSrc("a"), "ver.Version())", "ver.Version(1))", 1)
	_, err = loadOne(t, Config{}, "a.go", files)
	if !errors.Is(err, ErrCompile) || err == nil || !strings.Contains(err.Error(), "a.go:26:") || !strings.Contains(err.Error(), "too many arguments in call to ver.Version") {
		t.Fatalf("misused helper: %v", err)
	}
}
