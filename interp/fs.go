package interp

import (
	"io/fs"
	"strings"
)

// gopath is the interpreter's GOPATH inside unitFS. A unit's name never
// starts with ".", so it cannot shadow it.
const gopath = ".gopath"

// libSrc is where the interpreter looks for LibImport's packages.
const libSrc = gopath + "/src/" + LibImport

// unitFS is what one unit's interpreter reads source from: the unit itself
// (a file or a folder of dir) and, under gopath, the bridge's interpreted
// packages and the helper packages the unit imports (LibImport, read from
// dir's LibDir, also visible there for the checks). Nothing else of the scripts directory is visible, so a unit
// cannot import another.
type unitFS struct {
	name string // the unit: "say.go" or "folder"
	dir  fs.FS  // the directory holding it
	src  fs.FS  // bridge.SourceFS()
}

func (u unitFS) Open(name string) (fs.File, error) {
	switch {
	case name == u.name || strings.HasPrefix(name, u.name+"/") || strings.HasPrefix(name, LibDir+"/"):
		return u.dir.Open(name)
	case strings.HasPrefix(name, libSrc+"/"):
		return u.dir.Open(LibDir + strings.TrimPrefix(name, libSrc))
	case strings.HasPrefix(name, gopath+"/"):
		return u.src.Open(strings.TrimPrefix(name, gopath+"/"))
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
