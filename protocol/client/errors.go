package client

import (
	"errors"

	"github.com/api7/ext-plugin-proto/go/A6/Err"
)

// Errors of the client, checked with errors.Is.
var (
	ErrTruncated       = errors.New("truncated frame")
	ErrFrameTooLarge   = errors.New("frame body exceeds 16777215 bytes")
	ErrMalformed       = errors.New("malformed reply")
	ErrUnexpectedType  = errors.New("unexpected frame type")
	ErrBadMethod       = errors.New("method outside the protocol's enum")
	ErrTokenNotFound   = errors.New("conf token not found")
	ErrRPC             = errors.New("runner answered an rpc error")
	ErrUnsupportedInfo = errors.New("unsupported extra info type")
	ErrTooManyTrips    = errors.New("too many extra info round trips")
	ErrBroken          = errors.New("connection unusable after an earlier failure")
	ErrClosed          = errors.New("client closed")
	ErrNotClosed       = errors.New("peer did not close the connection")
)

// RPCError is the runner's RPC_ERROR reply. It matches ErrRPC, and
// ErrTokenNotFound when its code is CONF_TOKEN_NOT_FOUND.
type RPCError struct {
	Code Err.Code
}

func (e *RPCError) Error() string {
	return "client: runner answered rpc error " + e.Code.String()
}

// Is reports whether e matches target (ErrRPC, or ErrTokenNotFound for that code).
func (e *RPCError) Is(target error) bool {
	switch target {
	case ErrRPC:
		return true
	case ErrTokenNotFound:
		return e.Code == Err.CodeCONF_TOKEN_NOT_FOUND
	}
	return false
}
