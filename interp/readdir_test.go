package interp

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReadDirSumOf: ReadDir lists the units as the scan does, and SumOf
// gives a unit's Sum from its files in any order.
func TestReadDirSumOf(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"say.go":       "package a\n",
		"say_test.go":  "package a\n", // not loaded
		"_off.go":      "package a\n", // skipped
		"f/a.go":       "package f\n",
		"f/b.go":       "package f // b\n",
		"notes.txt":    "not Go",
		".hidden/x.go": "package x\n",
	}
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snaps, errs := ReadDir(dir)
	if len(errs) > 0 || len(snaps) != 2 || snaps[0].Name != "f" || snaps[1].Name != "say.go" {
		t.Fatalf("ReadDir = %v, %v; want the units f and say.go", snaps, errs)
	}
	f := snaps[0]
	reversed := []SourceFile{f.Files[1], f.Files[0]}
	if SumOf("f", reversed) != f.Sum || SumOf("g", f.Files) == f.Sum {
		t.Fatal("SumOf does not give the unit's Sum (or ignores its name)")
	}
	if _, errs := ReadDir(filepath.Join(dir, "missing")); len(errs) != 1 {
		t.Fatalf("a missing dir gave %v, want one error", errs)
	}
}
