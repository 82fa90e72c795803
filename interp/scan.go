package interp

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// sum identifies the content of a unit: its name and the names and bytes
// of its source files (Snapshot.Sum).
type sum = [sha256.Size]byte

// unitSource is a unit found in the scripts directory.
type unitSource struct {
	name string
	snap *Snapshot // what the unit is loaded from; nil when err is set
	sum  sum
	err  error // reading it failed: the unit is kept as it is
}

// scan is what the scripts directory holds now.
type scan struct {
	units   map[string]*unitSource
	folders []string // every sub-folder (not skipped), to watch
}

// scanDir lists the units of dir as LoadDir finds them and reads each into
// a Snapshot, following symlinks: a Kubernetes ConfigMap volume, whose files
// are symlinks through a "..data" symlink swapped on each update, shows up
// as changed content. An error means the directory itself cannot be read.
//
// LibDir holds no unit: each unit's snapshot holds the helper packages it
// imports (readUnit).
//
// watch, when not nil, is called with dir, each sub-folder and each folder
// under LibDir before they are read: a change made after the watch is set is reported by the watch,
// and one made before is in what is read.
func scanDir(dir string, watch func(string)) (*scan, error) {
	if watch != nil {
		watch(dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	sc := &scan{units: make(map[string]*unitSource)}
	for _, e := range entries {
		name := e.Name()
		if skipName(name) {
			continue
		}
		path := filepath.Join(dir, name)
		if name == LibDir { // helper packages, no unit
			for _, f := range libFolders(dir) {
				sc.folders = append(sc.folders, f)
				if watch != nil {
					watch(f)
				}
			}
			continue
		}
		fi, err := os.Stat(path) // follows symlinks
		switch {
		case errors.Is(err, fs.ErrNotExist) && !exists(path):
			continue // removed meanwhile
		case err != nil: // a dangling symlink too
			sc.units[name] = &unitSource{name: name, err: err}
			continue
		case fi.IsDir():
			sc.folders = append(sc.folders, path)
			if watch != nil {
				watch(path)
			}
		case !isSource(name):
			continue
		}
		snap, err := readUnit(dir, name, path)
		switch {
		case errors.Is(err, errNoGoFiles):
		case err != nil:
			sc.units[name] = &unitSource{name: name, err: err}
		default:
			sc.units[name] = &unitSource{name: name, snap: snap, sum: snap.Sum}
		}
	}
	return sc, nil
}

// exists reports whether path itself (a symlink, not its target) exists.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
