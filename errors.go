package main

import "errors"

// Errors of the command, checked with errors.Is.
var (
	// ErrConfig marks a configuration that cannot be used: an unknown key,
	// a value of the wrong type or outside what its key allows, a missing
	// config file.
	ErrConfig = errors.New("invalid configuration")
	// ErrUnknownKey is a key (in the file, an environment variable or
	// --set) that no setting has.
	ErrUnknownKey = errors.New("unknown key")
	// ErrLoad marks script units that failed to load.
	ErrLoad = errors.New("script units failed to load")
	// ErrUsage is a command line that cannot be run.
	ErrUsage = errors.New("bad usage")
	// ErrReply is a try whose call got an error reply instead of an action.
	ErrReply = errors.New("the runner answered with an error")
)

// exitError ends the program with code after its cause was already
// reported (logged, or printed as the command's output).
type exitError struct {
	code  int
	cause error
}

func (e *exitError) Error() string { return e.cause.Error() }
func (e *exitError) Unwrap() error { return e.cause }
