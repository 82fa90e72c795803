package typecheck

import "errors"

// Kinds of refusal, checked with errors.Is.
var (
	// ErrType: the unit does not type-check against what scripts can see.
	ErrType = errors.New("type error")
	// ErrUnavailable: the unit uses a symbol the sandbox does not serve.
	ErrUnavailable = errors.New("symbol not available to plugins")
	// ErrUnsupported: the unit uses a Go feature the interpreter cannot run
	// and that is not rewritten.
	ErrUnsupported = errors.New("go feature not supported in plugins")
)
