package plugintest

import "errors"

// Errors of the kit, checked with errors.Is.
var (
	// ErrNotPlugin: the value given to Compiled has no Name and ParseConf,
	// or none of the filters the runner calls.
	ErrNotPlugin = errors.New("not a plugin")
	// ErrNoSuchPlugin: the unit loaded but registers no plugin of that name.
	ErrNoSuchPlugin = errors.New("unit registers no plugin of that name")
	// ErrNoFilter: the test called a filter the plugin does not have.
	ErrNoFilter = errors.New("plugin has no filter for this phase")
)
