package main

import "errors"

// Errors of the load tool, checked with errors.Is.
var (
	errUsage       = errors.New("usage")
	errReply       = errors.New("unexpected reply")
	errNoIDField   = errors.New("request id not found in the encoded frame")
	errUnknownScen = errors.New("unknown scenario")
	errProcStat    = errors.New("cannot read runner cpu time")
)
