package supervisor

import "errors"

// Errors of the supervisor and of a worker's link to it, checked with
// errors.Is.
var (
	ErrNotWorker      = errors.New("not started by a go-runner supervisor")
	ErrWorkerStart    = errors.New("worker did not start")
	ErrWorkerConfig   = errors.New("worker refused its configuration")
	ErrSupervisorGone = errors.New("supervisor closed the link")
	ErrBadMessage     = errors.New("bad message on the worker link")
)
