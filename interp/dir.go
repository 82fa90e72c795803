package interp

import (
	"os"
	"path/filepath"
)

// LoadDir loads every unit of cfg.Dir: each .go file directly in it (not
// *_test.go) and each sub-folder with Go files. Names starting with "." or
// "_", testdata, and files that declare nothing (a doc.go) are skipped. It
// returns the units that loaded, sorted by name, and one error per unit that
// did not (or one error if the directory cannot be read).
func LoadDir(cfg Config) ([]*Unit, []error) {
	cfg = cfg.withDefaults()
	entries, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return nil, []error{&UnitError{Unit: cfg.Dir, Err: err}}
	}
	var units []*Unit
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if skipName(name) {
			continue
		}
		path := filepath.Join(cfg.Dir, name)
		fi, err := os.Stat(path) // follows symlinks
		if err != nil {
			errs = append(errs, &UnitError{Unit: name, Err: err})
			continue
		}
		switch {
		case fi.IsDir():
			if !hasSource(path) {
				continue
			}
		case !isSource(name):
			continue
		}
		u, err := load(cfg, cfg.Dir, name, path)
		switch {
		case err == errNoDecls:
		case err != nil:
			errs = append(errs, err)
		default:
			units = append(units, u)
		}
	}
	return units, errs
}

// hasSource reports whether folder holds a Go file that is not a test.
func hasSource(folder string) bool {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return true // let the load report it
	}
	for _, e := range entries {
		if !e.IsDir() && isSource(e.Name()) {
			return true
		}
	}
	return false
}
