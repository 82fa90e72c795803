package fleet

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// PushedKey is the key, under the prefix, that each push writes with its
// time and author (a name starting with ".", so no script).
const PushedKey = ".pushed"

// Unit is the source of one unit: file path (as in a scripts directory:
// "say.go", "folder/a.go") to its bytes.
type Unit map[string][]byte

// Set is the units under a prefix, by name.
type Set map[string]Unit

// skipName mirrors the scripts directory's rule: go build and yaegi ignore
// these names.
func skipName(name string) bool {
	return name == "" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata"
}

func isSource(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !skipName(name)
}

// splitKey returns the unit and file path of key under prefix, or ok false
// when the key is no script file.
func splitKey(prefix, key string) (unit, file string, ok bool) {
	rest, found := strings.CutPrefix(key, prefix)
	if !found {
		return "", "", false
	}
	dir, name, nested := strings.Cut(rest, "/")
	switch {
	case !nested && isSource(rest):
		return rest, rest, true
	case nested && !skipName(dir) && !strings.Contains(name, "/") && isSource(name):
		return dir, rest, true
	}
	return "", "", false
}

// setOf groups key/value pairs under prefix into units.
func setOf(prefix string, kvs map[string][]byte) Set {
	s := Set{}
	for k, v := range kvs {
		unit, file, ok := splitKey(prefix, k)
		if !ok {
			continue
		}
		if s[unit] == nil {
			s[unit] = Unit{}
		}
		s[unit][file] = v
	}
	return s
}

// equal reports whether a and b hold the same files.
func (u Unit) equal(o Unit) bool {
	if len(u) != len(o) {
		return false
	}
	for f, b := range u {
		ob, ok := o[f]
		if !ok || string(ob) != string(b) {
			return false
		}
	}
	return true
}

// Files are the unit's file paths, sorted.
func (u Unit) Files() []string { return slices.Sorted(maps.Keys(u)) }

// Names are the set's unit names, sorted.
func (s Set) Names() []string { return slices.Sorted(maps.Keys(s)) }

// WriteFiles writes the unit's files under dir (created as needed, owner
// only: they are code).
func (u Unit) WriteFiles(dir string) error {
	for file, b := range u {
		p := filepath.Join(dir, filepath.FromSlash(file))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}
