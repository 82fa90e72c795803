package interp

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Snapshot is a unit's source read once: the Reloader sums, proves and
// loads these bytes, never the disk again, so a file replaced between the
// scan and the load is not served unchecked (the next rescan sees it).
type Snapshot struct {
	// Name is the unit: "say.go" or "folder".
	Name string
	// Path is where it was read (scripts dir + Name, or LoadUnit's path);
	// registration errors name it as the plugin's origin.
	Path string
	// Sum identifies the content: the name, the file names and their bytes.
	Sum [sha256.Size]byte
	// Files are the unit's source files, sorted, named as in the scripts
	// directory: "say.go", or "folder/a.go", "folder/b.go"..., then the
	// files of the helper packages it imports, sorted: "lib/strutil/a.go".
	Files []SourceFile
}

// SourceFile is one file of a Snapshot.
type SourceFile struct {
	Name string
	Data []byte
}

// errNoGoFiles: a folder without Go source is no unit (scanDir skips it).
var errNoGoFiles = errors.New("folder has no Go files")

// readUnit reads unit name of dir into a snapshot, following symlinks (a
// Kubernetes ConfigMap volume links each file through "..data"), with the
// helper packages of dir's LibDir that it imports. It lists the files as
// the load does; a folder without Go source gives an error
// wrapping ErrNotUnit and errNoGoFiles.
func readUnit(dir, name, path string) (*Snapshot, error) {
	fsys := os.DirFS(dir)
	files, err := unitFiles(fsys, name)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Name: name, Path: path, Files: make([]SourceFile, 0, len(files))}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		snap.Files = append(snap.Files, SourceFile{Name: f, Data: b})
	}
	libs, err := readLibs(dir, snap.Files)
	if err != nil {
		return nil, err
	}
	snap.Files = append(snap.Files, libs...)
	snap.Sum = snap.sum()
	return snap, nil
}

// sum computes what Sum holds from the other fields.
func (s *Snapshot) sum() sum {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(s.Name))
	for _, f := range s.Files {
		field([]byte(f.Name))
		field(f.Data)
	}
	var out sum
	h.Sum(out[:0])
	return out
}

// libFiles names the snapshot's helper files.
func (s *Snapshot) libFiles() []string {
	var out []string
	for _, f := range s.Files {
		if strings.HasPrefix(f.Name, LibDir+"/") {
			out = append(out, f.Name)
		}
	}
	return out
}

// check verifies that s is a unit as readUnit makes them: a probe refuses
// a request that is not.
func (s *Snapshot) check() error {
	switch {
	case s == nil || s.Name == "" || !fs.ValidPath(s.Name) || strings.Contains(s.Name, "/") || len(s.Files) == 0:
		return errors.New("no unit in it")
	case s.sum() != s.Sum:
		return fmt.Errorf("unit %q: its sum does not match its files", s.Name)
	}
	return nil
}
