package interp

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.go":             echoSrc("a"),
		"b.go":             echoSrc("b"),
		"broken.go":        "package scripts\n\nfunc init() { panic(\"broken\") }\n",
		"doc.go":           "// Package scripts holds plugins.\npackage scripts\n",
		"a_test.go":        "package scripts\n\nnot go\n",
		"_off.go":          "not go",
		".hidden.go":       "not go",
		"README.md":        "# scripts",
		"folder/x.go":      echoSrc("folder"),
		"folder/x_test.go": "not go",
		"docs/notes.txt":   "no Go here",
		"testdata/t.go":    "not go",
		"deny/d.go":        "package deny\n\nimport \"os\"\n\nvar _ = os.Exit\n",
	})
	units, errs := LoadDir(Config{Dir: dir})
	t.Cleanup(func() {
		for _, u := range units {
			u.Close()
		}
	})
	var names []string
	for _, u := range units {
		names = append(names, u.Name())
	}
	if got := strings.Join(names, " "); got != "a.go b.go folder" {
		t.Errorf("units %q", got)
	}
	var failed []string
	for _, err := range errs {
		var ue *UnitError
		if !errors.As(err, &ue) {
			t.Fatalf("error %v is not a UnitError", err)
		}
		failed = append(failed, ue.Unit)
	}
	sort.Strings(failed)
	if got := strings.Join(failed, " "); got != "broken.go deny" {
		t.Errorf("failed units %q: %v", got, errs)
	}

	// The units that loaded work although others failed.
	reg, berrs := Build(nil, units)
	if len(berrs) != 0 || strings.Join(reg.Names(), " ") != "a b folder" {
		t.Fatalf("registry %v, errors %v", reg.Names(), berrs)
	}
}

func TestLoadDirMissing(t *testing.T) {
	units, errs := LoadDir(Config{Dir: t.TempDir() + "/nope"})
	if len(units) != 0 || len(errs) != 1 {
		t.Fatalf("units %d errors %v", len(units), errs)
	}
}

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"one.go":   echoSrc("one"),
		"say.go":   echoSrc("say"),
		"clash.go": echoSrc("one") + "\nfunc init() { _ = plugin.RegisterPlugin(&Other{}) }\n\ntype Other struct{ Echo }\n\nfunc (*Other) Name() string { return \"other\" }\n",
	})
	units, errs := LoadDir(Config{Dir: dir})
	if len(errs) != 0 || len(units) != 3 {
		t.Fatalf("units %d errors %v", len(units), errs)
	}
	t.Cleanup(func() {
		for _, u := range units {
			u.Close()
		}
	})

	base := plugin.NewRegistry()
	compiledSay := &plugin.Spec{Name: "say", Origin: "compiled (say.go:12)", ParseConf: func([]byte) (interface{}, error) { return nil, nil },
		ResponseFilter: func(interface{}, pluginhttp.Response) {}}
	if err := base.Add(compiledSay); err != nil {
		t.Fatal(err)
	}
	reg, errs := Build(base, units)
	if got := strings.Join(reg.Names(), " "); got != "one other say" {
		t.Errorf("registry %q", got)
	}
	if reg.Lookup("say") != compiledSay {
		t.Error("the compiled say was replaced")
	}
	if base.Len() != 1 {
		t.Error("Build changed base")
	}
	var msgs []string
	for _, err := range errs {
		if !errors.Is(err, plugin.ErrDuplicate) {
			t.Errorf("error %v is not ErrDuplicate", err)
		}
		msgs = append(msgs, err.Error())
	}
	sort.Strings(msgs)
	want := []string{
		`interp: unit "one.go": plugin "one": plugin name registered twice: script ` + dir + `/clash.go and script ` + dir + `/one.go`,
		`interp: unit "say.go": plugin "say": plugin name registered twice: compiled (say.go:12) and script ` + dir + `/say.go`,
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	// Units are merged in order (LoadDir sorts them): clash.go is first to
	// register "one". Units left out are closed; the others live.
	for _, u := range units {
		if dead := u.Dead(); dead != (u.Name() != "clash.go") {
			t.Errorf("unit %s dead %v", u.Name(), dead)
		}
	}
}
