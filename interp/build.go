package interp

import "github.com/go-runner/go-runner/sdk/plugin"

// Build returns a registry of base's plugins (the compiled ones; nil for
// none) and those of units, which base is not changed by. A unit with a
// plugin name already registered is left out whole, with an error naming
// both places, and closed; so is a nil unit skipped.
func Build(base *plugin.Registry, units []*Unit) (*plugin.Registry, []error) {
	reg := plugin.NewRegistry()
	if base != nil {
		reg = base.Clone()
	}
	var errs []error
	for _, u := range units {
		if u == nil {
			continue
		}
		next := reg.Clone()
		var err error
		for _, s := range u.specs {
			if err = next.Add(s); err != nil {
				break
			}
		}
		if err != nil {
			errs = append(errs, &UnitError{Unit: u.name, Err: err})
			u.Close()
			continue
		}
		reg = next
	}
	return reg, errs
}
