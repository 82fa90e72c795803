package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScriptsRepo runs the README's scripts repository (examples/
// scripts-repo) end to end as its author would: go vet, go test (each case
// compiled and interpreted) and go-runner check; then breaks its plugin in
// a way only the runner refuses and sees go test fail with the position.
func TestScriptsRepo(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, exampleRepo, dir)
	scriptsModule(t, dir)

	mustGo(t, dir, "vet", "./...")
	r := mustGo(t, dir, "test", "-count=1", "-v", "./...")
	for _, w := range []string{"--- PASS: TestAPIKey/compiled/known_key", "--- PASS: TestAPIKey/interpreted/known_key"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("go test output lacks %q:\n%s", w, r.stdout)
		}
	}
	if c := opRun(t, dir, nil, "check", "."); c.code != 0 || !strings.Contains(c.stderr, "plugins: api-key") {
		t.Fatalf("check: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}

	// A blank import of os/exec: Go builds it, the sandbox refuses it.
	path := filepath.Join(dir, "apikey.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src = []byte(strings.Replace(string(src), "import (\n", "import (\n\t_ \"os/exec\"\n", 1))
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	mustGo(t, dir, "vet", "./...")
	r = goTool(t, dir, "test", "-count=1", "./...")
	if r.code == 0 || !strings.Contains(r.stdout, "apikey.go:") || !strings.Contains(r.stdout, `"os/exec"`) {
		t.Fatalf("go test of a script the runner refuses: exit %d, want a failure naming apikey.go and os/exec:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestNewPlugin: what go-runner new writes passes go-runner check, go vet
// and go test as written, next to a plugin already there.
func TestNewPlugin(t *testing.T) {
	dir := t.TempDir()
	scriptsModule(t, dir)

	r := opRun(t, dir, nil, "new", "api-key")
	if r.code != 0 || r.stdout != "api_key.go\napi_key_test.go\n" || r.stderr != "" {
		t.Fatalf("new: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	sub := filepath.Join(dir, "more")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := opRun(t, dir, nil, "new", "canary_linux", "more"); r.code != 0 || !strings.Contains(r.stdout, "canary_linux_plugin.go") {
		t.Fatalf("new in a folder: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := opRun(t, dir, nil, "check", "."); r.code != 0 || !strings.Contains(r.stderr, "api-key") || !strings.Contains(r.stderr, "canary_linux") {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mustGo(t, dir, "vet", "./...")
	r = mustGo(t, dir, "test", "-count=1", "-v", "./...")
	for _, w := range []string{"--- PASS: TestApiKey/interpreted/denies", "--- PASS: TestCanaryLinux/interpreted/denies"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("go test output lacks %q:\n%s", w, r.stdout)
		}
	}

	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"the same name again", []string{"new", "api-key"}, 1, "already exists"},
		{"a name that is no identifier", []string{"new", "2fa"}, 2, "not a usable plugin name"},
		{"no name", []string{"new"}, 2, "needs the plugin's NAME"},
		{"a missing folder", []string{"new", "x", "absent"}, 1, "absent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := opRun(t, dir, nil, tc.args...)
			if r.code != tc.wantCode || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tc.wantCode, tc.want)
			}
		})
	}
	if r := opRun(t, t.TempDir(), nil, "new", "solo"); r.code != 0 || !strings.Contains(r.stderr, "is in no Go module") {
		t.Fatalf("new outside a module: exit %d, stderr %q; want 0 and a hint", r.code, r.stderr)
	}
}
