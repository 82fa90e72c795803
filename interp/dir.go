package interp

// LoadDir loads every unit of cfg.Dir: each .go file directly in it (not
// *_test.go) and each sub-folder with Go files. Names starting with "." or
// "_", testdata, and files that declare nothing (a doc.go) are skipped. It
// returns the units that loaded, sorted by name, and one error per unit that
// did not (or one error if the directory cannot be read). Each unit is read
// once, into the Snapshot it is loaded from, as the Reloader reads them.
func LoadDir(cfg Config) ([]*Unit, []error) {
	cfg = cfg.withDefaults()
	snaps, errs := ReadDir(cfg.Dir)
	var units []*Unit
	for _, snap := range snaps {
		u, err := load(cfg, snap, nil)
		switch {
		case err == errNoDecls:
		case err != nil:
			errs = append(errs, hintShared(err, snap.Name, snaps))
		default:
			units = append(units, u)
		}
	}
	return units, errs
}
