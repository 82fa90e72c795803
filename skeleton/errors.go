package skeleton

import "errors"

// Errors of Write, checked with errors.Is.
var (
	ErrBadName = errors.New("not a usable plugin name")
	ErrExists  = errors.New("already exists")
	ErrClash   = errors.New("already declared in the package")
)
