package fleet

import "errors"

// Errors of the etcd source, checked with errors.Is.
var (
	// ErrConfig: the etcd settings cannot be used (a TLS file that cannot
	// be read, a key without its certificate).
	ErrConfig = errors.New("fleet: invalid etcd settings")
	// ErrConflict: the prefix changed between the read and the write of a
	// push or a rollback; nothing was written.
	ErrConflict = errors.New("fleet: the scripts in etcd changed meanwhile; nothing was written")
	// ErrNoVersion: the unit has no files at the revision asked for.
	ErrNoVersion = errors.New("fleet: no such version of the unit")
	// ErrTooManyOps: a push needs more operations than etcd allows in one
	// transaction (its --max-txn-ops, 128 by default).
	ErrTooManyOps = errors.New("fleet: too many files for one etcd transaction")
)
