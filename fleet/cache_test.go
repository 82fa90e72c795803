package fleet

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/interp"
)

// served reads dir as the runner's scan does: unit name -> file -> bytes.
func served(t *testing.T, dir string) Set {
	t.Helper()
	snaps, errs := interp.ReadDir(dir)
	if len(errs) > 0 {
		t.Fatalf("the runner cannot read the cache: %v", errs)
	}
	set := Set{}
	for _, s := range snaps {
		u := Unit{}
		for _, f := range s.Files {
			u[f.Name] = f.Data
		}
		set[s.Name] = u
	}
	return set
}

// revFolders lists the cache's revision folders.
func revFolders(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), revPrefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestCacheServed writes successive sets and checks that the runner's scan
// sees each exactly, that Read gives it back with its revision, and that
// only the current and previous revision folders are kept.
func TestCacheServed(t *testing.T) {
	c := Cache{Dir: filepath.Join(t.TempDir(), "cache")}
	set, rev, err := c.Read()
	if err != nil || len(set) != 0 || rev != 0 {
		t.Fatalf("empty cache: %v, %d, %v", set, rev, err)
	}
	steps := []struct {
		rev int64
		set Set
	}{
		{5, Set{"say.go": {"say.go": []byte("package a\n")}, "f": {"f/a.go": []byte("package f\n"), "f/b.go": []byte("package f // b\n")}}},
		{9, Set{"say.go": {"say.go": []byte("package a // v2\n")}, "f": {"f/a.go": []byte("package f\n")}}}, // f/b.go gone
		{12, Set{"new.go": {"new.go": []byte("package n\n")}, "f": {"f/a.go": []byte("package f\n")}}},      // say.go gone
		{13, Set{}},
	}
	for _, st := range steps {
		if err := c.Write(st.set, st.rev); err != nil {
			t.Fatalf("write %d: %v", st.rev, err)
		}
		if got := served(t, c.Dir); !reflect.DeepEqual(got, st.set) {
			t.Fatalf("revision %d: the runner reads %v, want %v", st.rev, got, st.set)
		}
		got, rev, err := c.Read()
		if err != nil || rev != st.rev || !reflect.DeepEqual(got, st.set) {
			t.Fatalf("revision %d: Read = %v, %d, %v", st.rev, got, rev, err)
		}
		if n := len(revFolders(t, c.Dir)); n > 2 {
			t.Fatalf("revision %d: %d revision folders kept, want at most 2", st.rev, n)
		}
	}
}

// TestCacheReadRefusesStrangeLink: a "..data" pointing elsewhere is an
// error, not an empty set served.
func TestCacheReadRefusesStrangeLink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/etc", filepath.Join(dir, dataLink)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := (Cache{Dir: dir}).Read(); err == nil {
		t.Fatal("a ..data link to /etc was read as a cache")
	}
}
