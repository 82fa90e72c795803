package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{"help", nil, 0, "go-runner serves Apache APISIX", ""},
		{"version", []string{"version"}, 0, "go-runner dev\n", ""},
		{"unknown command", []string{"serve"}, 2, "", `unknown command "serve"`},
		{"unknown flag", []string{"version", "--json"}, 2, "", "unknown flag: --json"},
		{"version --long", []string{"version", "--long"}, 0, "os/arch: ", ""},
		{"--version", []string{"--version"}, 0, "go-runner dev\n", ""},
		{"run: unknown flag names run's flags", []string{"run", "--foo"}, 2, "", "unknown flag: --foo: go-runner run takes --config, -h/--help, --log-level, -m/--mode, --scripts, --set (see go-runner run --help)"},
		{"run: unknown mode", []string{"run", "-m", "staging"}, 2, "", `invalid argument "staging" for "-m, --mode" flag: want dev, prod or prof`},
		{"extra argument", []string{"version", "x"}, 2, "", "version takes at most 0 argument(s)"},
		{"check: too many arguments", []string{"check", "a", "b"}, 2, "", "check takes at most 1 argument(s)"},
		{"try without --conf", []string{"try"}, 2, "", "--conf is required"},
		{"push without etcd", []string{"push"}, 2, "", "scripts.etcd.endpoints is empty"},
		{"history without etcd", []string{"history"}, 2, "", "scripts.etcd.endpoints is empty"},
		{"rollback: one argument", []string{"rollback", "say.go"}, 2, "", "rollback takes UNIT and REV"},
		{"rollback: bad revision", []string{"rollback", "say.go", "r7"}, 2, "", `REV "r7" is not an etcd revision`},
		{"run from etcd without a cache", []string{"run", "--set", "scripts.etcd.endpoints=http://127.0.0.1:9"}, 2, "", "scripts.etcd.cache is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cleanEnv(t)
			var stdout, stderr bytes.Buffer
			if code := execute(c.args, &stdout, &stderr); code != c.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, c.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), c.out) || !strings.Contains(stderr.String(), c.err) {
				t.Errorf("stdout %q (want %q), stderr %q (want %q)", stdout.String(), c.out, stderr.String(), c.err)
			}
		})
	}
}

func TestParseConfList(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []client.Conf
		err  string
	}{
		{"APISIX form", `[{"name":"say","value":"{\"body\":\"hi\"}"},{"name":"b","value":""}]`,
			[]client.Conf{{Name: "say", Value: `{"body":"hi"}`}, {Name: "b", Value: ""}}, ""},
		{"object value", `[{"name":"say","value":{"body":"hi"}}]`, []client.Conf{{Name: "say", Value: `{"body":"hi"}`}}, ""},
		{"no value", `[{"name":"say"}]`, []client.Conf{{Name: "say", Value: "{}"}}, ""},
		{"not a list", `{"name":"say"}`, nil, "want a JSON list"},
		{"empty list", `[]`, nil, "empty"},
		{"no name", `[{"value":"{}"}]`, nil, "entry 0 has no name"},
		{"unknown field", `[{"name":"a","conf":"{}"}]`, nil, "unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseConfList(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, %v; want an error with %q", got, err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestParseKVs(t *testing.T) {
	cases := []struct {
		name        string
		vals        []string
		colon, bare bool
		want        []client.KV
		err         bool
	}{
		{"pairs", []string{"a=1", "b=x=y", "c="}, false, false,
			[]client.KV{client.Pair("a", "1"), client.Pair("b", "x=y"), client.Pair("c", "")}, false},
		{"header forms", []string{"X-A: 1", "x-b=2", "x-c: a=b"}, true, false,
			[]client.KV{client.Pair("X-A", "1"), client.Pair("x-b", "2"), client.Pair("x-c", "a=b")}, false},
		{"bare argument", []string{"debug", "q=go"}, false, true,
			[]client.KV{client.Bare("debug"), client.Pair("q", "go")}, false},
		{"bare refused", []string{"debug"}, false, false, nil, true},
		{"empty name", []string{"=v"}, false, false, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseKVs("--x", c.vals, c.colon, c.bare)
			if (err != nil) != c.err || (!c.err && !reflect.DeepEqual(got, c.want)) {
				t.Fatalf("got %v, %v; want %v (error %v)", got, err, c.want, c.err)
			}
		})
	}
}

// TestCheckDiagnostics loads broken units with the real loader and checks
// that each failure becomes file:line:col lines under the scripts
// directory.
func TestCheckDiagnostics(t *testing.T) {
	dir := cleanEnv(t)
	scripts := filepath.Join(dir, "scripts")
	if err := os.MkdirAll(filepath.Join(scripts, "folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"syntax.go":     "package p\n\nfunc init() {\n\tx :=\n}\n",
		"compile.go":    "package p\n\nfunc init() {\n\tundefinedThing()\n}\n",
		"imports.go":    "package p\n\nimport (\n\t\"os\"\n\t\"os/exec\"\n)\n\nvar _, _ = os.Args, exec.Command\n",
		"folder/a.go":   "package f\n\nfunc init() { panic(\"at load\") }\n",
		"noplugin.go":   "package p\n\nvar X = 1\n",
		"registered.go": "package p\n\nimport \"github.com/go-runner/go-runner/sdk/plugin\"\n\nfunc init() { _ = plugin.RegisterPlugin(nil) }\n",
	}
	for name, src := range files {
		writeFile(t, filepath.Join(scripts, name), src)
	}
	cfg, err := loadConfig(configInput{flags: []flagSetting{{key: "scripts.dir", value: "scripts", from: "test"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := loadPlugins(cfg, nil, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	units := map[string]bool{}
	for _, e := range res.errs {
		units[e.unit] = true
		lines = append(lines, e.diagnostics(cfg.Scripts.Dir)...)
	}
	out := strings.Join(lines, "\n")
	for _, w := range []string{
		"scripts/syntax.go:5:1: ",
		"scripts/compile.go:4:2: undefined: undefinedThing",
		`scripts/imports.go:4:2: import "os" is not allowed`,
		`scripts/imports.go:5:2: import "os/exec" is not allowed`,
		"scripts/folder/a.go:3:",
		"scripts/noplugin.go: ",
		"scripts/registered.go: ",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("diagnostics lack %q", w)
		}
	}
	for _, u := range []string{"syntax.go", "compile.go", "imports.go", "folder", "noplugin.go", "registered.go"} {
		if !units[u] {
			t.Errorf("no failure of unit %s", u)
		}
	}
	if t.Failed() {
		t.Logf("diagnostics:\n%s", out)
	}
}

func TestScriptsDirChecked(t *testing.T) {
	dir := cleanEnv(t)
	writeFile(t, filepath.Join(dir, "file"), "")
	for _, d := range []string{"absent", "file"} {
		cfg, err := loadConfig(configInput{flags: []flagSetting{{key: "scripts.dir", value: d, from: "--scripts"}}})
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.checkScriptsDir()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "scripts.dir") || !strings.Contains(err.Error(), "--scripts") {
			t.Errorf("scripts.dir %s: %v", d, err)
		}
	}
}
