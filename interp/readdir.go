package interp

import (
	"slices"
	"strings"
)

// ReadDir reads every unit of dir into a Snapshot, as a Reloader's scan
// reads them (same names, same skip rules, symlinks followed), sorted by
// name, without loading anything: `go-runner push` uploads exactly the
// files `run` would serve. A unit that cannot be read is an error naming
// it; an error reading dir itself is the only error.
func ReadDir(dir string) ([]*Snapshot, []error) {
	sc, err := scanDir(dir, nil)
	if err != nil {
		return nil, []error{&UnitError{Unit: dir, Err: err}}
	}
	var errs []error
	for _, name := range sortedKeys(sc.units) {
		if err := sc.units[name].err; err != nil {
			errs = append(errs, &UnitError{Unit: name, Err: err})
		}
	}
	return sc.snapshots(), errs
}

// snapshots are the units the scan read, sorted by name (those it could
// not read are left out).
func (sc *scan) snapshots() []*Snapshot {
	var snaps []*Snapshot
	for _, name := range sortedKeys(sc.units) {
		if src := sc.units[name]; src.err == nil && src.snap != nil {
			snaps = append(snaps, src.snap)
		}
	}
	return snaps
}

// SumOf is the content sum of a unit made of files (named as
// Snapshot.Files are, in any order), the Sum its Snapshot would have: what `go-runner
// status` shows for the unit, and `go-runner history` for a version.
func SumOf(name string, files []SourceFile) [32]byte {
	s := &Snapshot{Name: name, Files: slices.Clone(files)}
	slices.SortFunc(s.Files, func(a, b SourceFile) int { return strings.Compare(a.Name, b.Name) })
	return s.sum()
}
