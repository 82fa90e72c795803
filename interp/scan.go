package interp

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// sum identifies the content of a unit: its name, kind, and the names and
// bytes of its source files.
type sum [sha256.Size]byte

func (s sum) String() string { return hex.EncodeToString(s[:]) }

// unitSource is a unit found in the scripts directory.
type unitSource struct {
	name string
	path string
	sum  sum
	err  error // reading it failed: the unit is kept as it is
}

// scan is what the scripts directory holds now.
type scan struct {
	units   map[string]*unitSource
	folders []string // every sub-folder (not skipped), to watch
}

// scanDir lists the units of dir as LoadDir finds them and sums their
// content, following symlinks: a Kubernetes ConfigMap volume, whose files
// are symlinks through a "..data" symlink swapped on each update, shows up
// as changed content. An error means the directory itself cannot be read.
//
// watch, when not nil, is called with dir and each sub-folder before they
// are read: a change made after the watch is set is reported by the watch,
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
		fi, err := os.Stat(path) // follows symlinks
		switch {
		case errors.Is(err, fs.ErrNotExist) && !exists(path):
			continue // removed meanwhile
		case err != nil: // a dangling symlink too
			sc.units[name] = &unitSource{name: name, path: path, err: err}
			continue
		case fi.IsDir():
			sc.folders = append(sc.folders, path)
			if watch != nil {
				watch(path)
			}
		case !isSource(name):
			continue
		}
		src := &unitSource{name: name, path: path}
		var found bool
		src.sum, found, src.err = sumUnit(name, path, fi.IsDir())
		if found || src.err != nil {
			sc.units[name] = src
		}
	}
	return sc, nil
}

// sumUnit sums the unit at path. found is false for a folder without Go
// source, which is no unit.
func sumUnit(name, path string, folder bool) (s sum, found bool, err error) {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	if !folder {
		b, err := os.ReadFile(path)
		if err != nil {
			return s, false, err
		}
		field([]byte("file"))
		field([]byte(name))
		field(b)
		h.Sum(s[:0])
		return s, true, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return s, false, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && isSource(e.Name()) { // as unitFiles lists them
			files = append(files, e.Name())
		}
	}
	if len(files) == 0 {
		return s, false, nil
	}
	sort.Strings(files)
	field([]byte("folder"))
	field([]byte(name))
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(path, f))
		if err != nil {
			return s, false, err
		}
		field([]byte(f))
		field(b)
	}
	h.Sum(s[:0])
	return s, true, nil
}

// exists reports whether path itself (a symlink, not its target) exists.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
