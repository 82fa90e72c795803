package main

import "errors"

// Errors of the do-nothing runner, checked with errors.Is.
var (
	errUnknownPlugin = errors.New("unknown plugin")
	errBadConf       = errors.New("bad conf")
	errTooManyConfs  = errors.New("too many prepared confs")
	errBadAddress    = errors.New("bad listen address")
	errNoIDField     = errors.New("reply id not found in the encoded reply")
	errUnexpected    = errors.New("unexpected frame")
)
