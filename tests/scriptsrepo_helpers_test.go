package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Helpers of the tests that work on a scripts repository of its own, as an
// author keeps one: a Go module that requires go-runner, here replaced by
// this checkout, built offline from the module cache the suite has.

// exampleRepo is the scripts repository the README shows.
const exampleRepo = "../examples/scripts-repo"

// goToolTimeout bounds one go vet or go test of a scripts repository; the
// first compiles the interpreter's symbol tables.
const goToolTimeout = 5 * time.Minute

// scriptsModule makes dir a scripts module: the example repository's
// go.mod and go.sum, with go-runner replaced by this checkout.
func scriptsModule(t testing.TB, dir string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(exampleRepo, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "go.mod" {
			b = bytes.Replace(b, []byte("=> ../.."), []byte("=> "+root), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// goTool runs the go command in dir, offline: no proxy, no checksum
// database, and -mod=mod so that go.mod and go.sum follow this checkout's
// requirements from the module cache.
func goTool(t testing.TB, dir string, args ...string) opResult {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "GOFLAGS", "GOPROXY", "GOSUMDB", "GOWORK", raceEnv:
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
	return runBounded(t, goToolTimeout, "go", dir, env, args...)
}

// mustGo runs the go command in dir and fails the test unless it exits 0.
func mustGo(t testing.TB, dir string, args ...string) opResult {
	t.Helper()
	r := goTool(t, dir, args...)
	if r.code != 0 {
		t.Fatalf("go %q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// copyDir copies the regular files of src into dst.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
