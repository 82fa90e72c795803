package metrics

import "errors"

// Errors of package metrics, checked with errors.Is.
var (
	// ErrNotLoopback is an address whose host is not a loopback address:
	// the metrics endpoint has no authentication, so it only listens on
	// the machine itself.
	ErrNotLoopback = errors.New("metrics address must be a loopback host:port (127.0.0.1, ::1 or localhost)")
)
