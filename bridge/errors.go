package bridge

import "errors"

// Errors of the bridge, checked with errors.Is.
var (
	// ErrUnknownPackage: sandbox.allow names a package yaegi cannot provide.
	ErrUnknownPackage = errors.New("package cannot be provided to scripts")
	// ErrNilPlugin: a script called RegisterPlugin(nil).
	ErrNilPlugin = errors.New("nil plugin")
)
