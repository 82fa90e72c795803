package protocol

import "errors"

// Errors of the protocol layer, checked with errors.Is.
var (
	ErrTruncated      = errors.New("truncated frame")
	ErrFrameTooLarge  = errors.New("frame body exceeds 16777215 bytes")
	ErrMalformed      = errors.New("malformed message")
	ErrUnknownType    = errors.New("unknown frame type")
	ErrTokenNotFound  = errors.New("conf token not found")
	ErrUnknownPlugin  = errors.New("unknown plugin")
	ErrBadConf        = errors.New("plugin rejected its conf")
	ErrPeerClosed     = errors.New("peer closed the connection during the call")
	ErrPluginPanic    = errors.New("plugin panicked")
	ErrPluginTimeout  = errors.New("plugin call exceeded its deadline")
	ErrInterrupted    = errors.New("plugin call interrupted: its unit was stopped")
	ErrBadAddress     = errors.New("bad listen address")
	ErrServerClosed   = errors.New("server closed")
	ErrShutdownForced = errors.New("calls still running after the shutdown grace")
	ErrUnexpectedType = errors.New("unexpected frame type")
	// ErrViewExpired: a plugin used a Request, ResponseWriter or Response
	// after its call returned (the view panics with it).
	ErrViewExpired = errors.New("used after its call returned")
	// ErrBodyTooLarge: a plugin buffered more body than Config.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("body over the limit (plugins.max_body_bytes)")
	// ErrPluginStuck: a call still running past its deadline in code that
	// cannot be stopped was given up (stuck.go).
	ErrPluginStuck = errors.New("plugin call stuck past its deadline: given up")
	// ErrAbandoned: a write on a connection whose stuck call was answered
	// for it.
	ErrAbandoned = errors.New("connection given up: a call on it is stuck")
	// ErrUnitBusy: a call refused because its unit runs as many calls as
	// it may (plugins.max_concurrent_per_unit).
	ErrUnitBusy = errors.New("plugin call refused: its unit runs as many calls as it may")
	// ErrBadReadYield: a ReadYield name other than auto, never, always.
	ErrBadReadYield = errors.New("want auto, never or always")
)
