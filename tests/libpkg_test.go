package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// Helper packages shared between units (<scripts>/lib/<pkg>, imported as
// "scripts/lib/<pkg>"), as the built go-runner serves them.

// libUnit is a unit registering plugin name whose request filter answers
// X-Version: ver.Version(), from helper package lib/ver. Its type carries
// the name, so that units compile together as one package for go vet.
func libUnit(name string) string {
	return strings.ReplaceAll(fmt.Sprintf(`package scripts

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"

	"scripts/lib/ver"
)

func init() {
	if err := plugin.RegisterPlugin(&Lib{}); err != nil {
		panic(err)
	}
}

type Lib struct{ plugin.DefaultPlugin }

func (*Lib) Name() string { return %q }

func (*Lib) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Lib) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	r.Header().Set("X-Version", ver.Version())
}
`, name), "Lib", "Lib"+strings.ToUpper(name))
}

// verHelper is helper package ver answering version; extra is appended (a
// broken edit).
func verHelper(version int, extra string) string {
	return fmt.Sprintf("package ver\n\n// Version is the helper's version.\nfunc Version() string { return %q }\n%s", fmt.Sprint(version), extra)
}

// libScripts: a.go and b.go import lib/ver, c.go imports no helper.
func libScripts() map[string]string {
	return map[string]string{
		"a.go":           libUnit("a"),
		"b.go":           libUnit("b"),
		"c.go":           versionScript("c", 1, "", ""),
		"lib/ver/ver.go": verHelper(1, ""),
	}
}

// TestHelperPackageReload: two units import one helper package; a save of
// the helper reloads both with its new behaviour, and not the unit that
// does not import it; a broken helper never replaces the versions served.
func TestHelperPackageReload(t *testing.T) {
	r := startReloadRunner(t, libScripts())
	c := r.dial()
	toks := map[string]uint32{}
	for _, name := range []string{"a", "b", "c"} {
		toks[name] = prepare(t, c, pc(name, "conf"))
	}
	id := uint32(0)
	versions := func() string {
		t.Helper()
		var got []string
		for _, name := range []string{"a", "b", "c"} {
			id++
			got = append(got, fmt.Sprintf("%s=%d", name, versionOf(t, call(t, c, toks[name], client.ReqCall{ID: id}, nil))))
		}
		return strings.Join(got, " ")
	}
	if got := versions(); got != "a=1 b=1 c=1" {
		t.Fatalf("served %s", got)
	}

	// Each step saves the helper, waits for n lines of what a.go and b.go
	// did, and wants the versions served.
	steps := []struct {
		helper string
		n      int
		line   string // with "UNIT" for the unit's name
		want   string
	}{
		{verHelper(2, ""), 1, "script unit reloaded", "a=2 b=2 c=1"},
		{verHelper(3, "func broken() int { return undefinedThing }\n"), 1,
			"lib/ver/ver.go:5:28: undefined: undefinedThing (imported at UNIT:9:2)", "a=2 b=2 c=1"},
		{verHelper(4, ""), 2, "script unit reloaded", "a=4 b=4 c=1"},
	}
	for _, st := range steps {
		r.write("lib/ver/ver.go", st.helper)
		for _, unit := range []string{"a.go", "b.go"} {
			r.awaitLog(st.n, unitField(unit), strings.ReplaceAll(st.line, "UNIT", unit))
		}
		if got := versions(); got != st.want {
			t.Fatalf("after the helper's version %s: %s, want %s", st.helper, got, st.want)
		}
	}
	if n := r.out.count("script unit reloaded", unitField("c.go")); n != 0 {
		t.Fatalf("c.go, which imports no helper, was reloaded %d times", n)
	}
	if n := r.out.count("script unit", unitField("lib")); n != 0 {
		t.Fatalf("lib was taken for a unit (%d lines)", n)
	}
	r.stop()
}

// TestHelperPackageCheck: check reports a broken helper at its own
// position, and a helper written as a sibling file instead of a helper
// package with where shared code goes: at its use (undefined in another
// unit) and at the file (it registers no plugin).
func TestHelperPackageCheck(t *testing.T) {
	dir := shortDir(t)
	files := libScripts()
	files["lib/ver/ver.go"] = verHelper(1, "func broken() int { return undefinedThing }\n")
	files["util.go"] = "package scripts\n\nfunc normalize(s string) string { return s }\n"
	files["d.go"] = strings.Replace(versionScript("d", 1, "", ""), `Set("X-Version", version)`, `Set("X-Version", normalize(version))`, 1)
	writeTree(t, filepath.Join(dir, "scripts"), files)
	res := opRun(t, dir, nil, "check", "scripts")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	want := []string{
		"scripts/lib/ver/ver.go:5:28: undefined: undefinedThing (imported at a.go:9:2) (compile error)",
		"scripts/lib/ver/ver.go:5:28: undefined: undefinedThing (imported at b.go:9:2) (compile error)",
		`scripts/d.go:31:30: undefined: normalize (normalize is declared in util.go, another unit; code shared between units goes in a helper package, lib/<pkg>/*.go in the scripts directory, imported as "scripts/lib/<pkg>") (compile error)`,
		`scripts/util.go: unit registers no plugin: call plugin.RegisterPlugin from init(); code shared between units goes in a helper package, lib/<pkg>/*.go in the scripts directory, imported as "scripts/lib/<pkg>"`,
	}
	if got := strings.Split(strings.TrimSpace(res.stdout), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("check printed:\n%s\nwant:\n%s", res.stdout, strings.Join(want, "\n"))
	}
	if !strings.Contains(res.stderr, "4 unit(s) failed to load, 1 loaded: c.go") {
		t.Errorf("summary: %s", res.stderr)
	}
}

// TestHelperPackageGoVet: the import path of a helper package is what go
// build resolves in a scripts repository whose go.mod says `module
// scripts`: go vet passes there on the scripts the runner serves (offline:
// the SDK is this repository, through a replace).
func TestHelperPackageGoVet(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := libScripts()
	files["go.mod"] = "module scripts\n\ngo 1.26.0\n\nrequire github.com/go-runner/go-runner v0.0.0\n\nreplace github.com/go-runner/go-runner => " + root + "\n"
	writeTree(t, dir, files)
	for _, args := range [][]string{{"mod", "tidy"}, {"vet", "./..."}} {
		ctx, cancel := context.WithTimeout(context.Background(), exitTimeout)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// writeTree writes files (path -> content) under dir, making folders.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
