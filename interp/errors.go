package interp

import (
	"errors"
	"fmt"
)

// Errors of loading and running scripts, checked with errors.Is.
var (
	ErrNotUnit           = errors.New("not a script unit")
	ErrSyntax            = errors.New("syntax error")
	ErrImportNotAllowed  = errors.New("import not allowed in plugins")
	ErrImportUnavailable = errors.New("import not available to plugins")
	ErrGoStatement       = errors.New("go statement in a plugin")
	ErrScriptContext     = errors.New("script type implements context.Context")
	ErrCompile           = errors.New("compile error")
	ErrLoadPanic         = errors.New("panic while loading")
	ErrLoadTimeout       = errors.New("load timed out")
	ErrRegister          = errors.New("plugin registration failed")
	ErrNoPlugin          = errors.New("unit registers no plugin")
	ErrNoHelper          = errors.New("no such helper package")
	ErrPanic             = errors.New("plugin panicked")
	ErrInterrupted       = errors.New("plugin call interrupted")
	ErrUnitDead          = errors.New("unit was interrupted or closed")
	// ErrProbeCrashed: the process proving a unit (Prober) died instead of
	// answering: a fatal error (a stack overflow, "sync: unlock of unlocked
	// mutex", out of memory), a signal, or killed past its time.
	ErrProbeCrashed = errors.New("probe process crashed")
	// ErrProbeRequest: ServeProbe's input is not a probe request.
	ErrProbeRequest = errors.New("not a probe request")

	// errNoDecls marks a file that declares nothing (a doc.go): LoadDir
	// skips it, LoadUnit reports ErrNotUnit.
	errNoDecls = errors.New("interp: no declarations")
	// errSkipped: a unit named as go build and yaegi ignore.
	errSkipped = fmt.Errorf("%w: names starting with \".\" or \"_\" are ignored", ErrNotUnit)
	// errLibDir: LibDir holds helper packages, not a unit.
	errLibDir = fmt.Errorf("%w: folder %s holds helper packages, which units import as %q", ErrNotUnit, LibDir, LibImport+"/<pkg>")
	// errGuardEnded: the guard program returned without parking.
	errGuardEnded = errors.New("interp: the guard program ended before parking")
)

// UnitError is an error about one unit. Its message starts with
// `interp: unit "<name>": `; Unit is there for structured logs.
type UnitError struct {
	Unit string
	Err  error
}

func (e *UnitError) Error() string { return fmt.Sprintf("interp: unit %q: %v", e.Unit, e.Err) }

func (e *UnitError) Unwrap() error { return e.Err }

// posError is a refusal at a source position, in the compiler's format
// "file:line:col: message".
type posError struct {
	pos  string
	msg  string
	kind error
}

func (e *posError) Error() string { return e.pos + ": " + e.msg }

func (e *posError) Unwrap() error { return e.kind }
