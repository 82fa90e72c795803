package plugin

import "errors"

// Errors of registration, checked with errors.Is.
var (
	ErrNilPlugin   = errors.New("nil plugin")
	ErrNoName      = errors.New("plugin has an empty name")
	ErrNoParseConf = errors.New("plugin has no ParseConf")
	ErrNoFilter    = errors.New("plugin has none of RequestFilter, Filter and ResponseFilter")
	ErrDuplicate   = errors.New("plugin name registered twice")
)
