package interp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"time"
)

// What passes between a Prober and the probe process: one JSON request on
// the probe's stdin, one JSON answer, the last line of its stdout, and its
// exit code (probeExit*).
const (
	// probeMagic opens every request: ServeProbe refuses anything else.
	probeMagic = "go-runner unit probe 1"
	// maxProbeRequest bounds the request a probe reads.
	maxProbeRequest = 64 << 20
)

// Exit codes of ServeProbe.
const (
	probeExitOK      = 0 // the unit loaded
	probeExitFailed  = 1 // it did not; the answer says why
	probeExitRefused = 2 // stdin holds no probe request
	probeExitOverran = 3 // the load outlived its bound (see probeSelfGrace)
)

// Limits a probe process sets for itself: a runaway recursion ends within
// milliseconds at 64 MiB of stack (Go's default is 1 GB), and the garbage
// collector works harder past 512 MiB. The limit is soft: a load that keeps
// allocating ends at its load timeout, or is killed by the system.
const (
	probeMaxStack    = 64 << 20
	probeMemoryLimit = 512 << 20
)

// probeSelfGrace: a probe still loading LoadTimeout + probeSelfGrace after
// it read its request exits by itself, so that it cannot outlive a parent
// gone before it could kill it. The load itself ends within LoadTimeout +
// evalGrace.
const probeSelfGrace = 3 * time.Second

// probeRequest is what a Prober writes on the probe's stdin: the unit and
// the Config fields loading depends on.
type probeRequest struct {
	Probe       string // probeMagic
	Unit        *Snapshot
	Allow       []string
	LoadTimeout time.Duration
}

// probeAnswer is the probe's answer.
type probeAnswer struct {
	OK bool `json:"ok"`
	// Error is the load's error without its `interp: unit "x": ` prefix.
	Error string `json:"error,omitempty"`
	// Kinds are the texts of the probeKinds the error wraps.
	Kinds []string `json:"kinds,omitempty"`
}

// probeKinds are the sentinels an answer carries across, so that
// errors.Is holds for a proved load's error as for an in-process one.
var probeKinds = []error{
	ErrNotUnit, ErrSyntax, ErrImportNotAllowed, ErrImportUnavailable, ErrGoStatement,
	ErrCompile, ErrLoadPanic, ErrLoadTimeout, ErrRegister, ErrNoPlugin,
}

// ServeProbe is the probe process's side of Prober.Prove, for the command a
// Prober runs (go-runner's hidden `go-runner probe`). It reads one request
// on stdin, loads the unit from the request's snapshot and Config as an
// in-process load does, writes its answer on stdout and returns the exit
// code: 0 when the unit loaded; 1 when it did not, its error (the message
// an in-process load gives, `interp: unit "x.go": ...`) also printed on
// stderr; 2 when stdin holds no probe request (a terminal, say), the
// reason on stderr.
//
// It is meant to be all its process does: it caps the process's goroutine
// stacks at 64 MiB and sets a 512 MiB soft memory limit, and should the
// load still run probeSelfGrace past its LoadTimeout (its parent may be
// gone), it exits the process itself, with code 3. A fatal error of the
// script (an unlock of an unlocked mutex, a stack overflow) ends the
// process with Go's exit code 2 and trace: that is the point.
func ServeProbe(stdin io.Reader, stdout, stderr io.Writer) int {
	req, err := readProbeRequest(stdin)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return probeExitRefused
	}
	debug.SetMaxStack(probeMaxStack)
	debug.SetMemoryLimit(probeMemoryLimit)
	cfg := Config{Allow: req.Allow, LoadTimeout: req.LoadTimeout}.withDefaults()
	overran := time.AfterFunc(cfg.LoadTimeout+probeSelfGrace, func() {
		fmt.Fprintf(stderr, "interp: probe: unit %q: still loading %s past its load timeout (%s); exiting\n",
			req.Unit.Name, probeSelfGrace, cfg.LoadTimeout)
		os.Exit(probeExitOverran)
	})
	u, err := loadUnit(cfg, req.Unit, nil)
	overran.Stop()
	ans := probeAnswer{OK: err == nil}
	if err == nil {
		u.Close()
	} else {
		fmt.Fprintln(stderr, err)
		ans.Error = err.Error()
		var ue *UnitError
		if errors.As(err, &ue) {
			ans.Error = ue.Err.Error()
		}
		for _, k := range probeKinds {
			if errors.Is(err, k) {
				ans.Kinds = append(ans.Kinds, k.Error())
			}
		}
	}
	b, _ := json.Marshal(ans) // strings and bools only
	fmt.Fprintf(stdout, "%s\n", b)
	if err != nil {
		return probeExitFailed
	}
	return probeExitOK
}

// readProbeRequest reads and checks the request on stdin.
func readProbeRequest(stdin io.Reader) (*probeRequest, error) {
	refuse := func(format string, a ...any) error {
		return fmt.Errorf("interp: probe: %w on stdin (go-runner starts its probes itself and writes their request): "+format,
			append([]any{ErrProbeRequest}, a...)...)
	}
	if f, ok := stdin.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&fs.ModeCharDevice != 0 {
			return nil, refuse("it is a terminal or a device")
		}
	}
	var req probeRequest
	if err := json.NewDecoder(io.LimitReader(stdin, maxProbeRequest)).Decode(&req); err != nil {
		return nil, refuse("%w", err)
	}
	if req.Probe != probeMagic {
		return nil, refuse("it does not start with %q", probeMagic)
	}
	if err := req.Unit.check(); err != nil {
		return nil, refuse("%w", err)
	}
	return &req, nil
}

// probeKindsOf maps an answer's kinds back to their sentinels.
func probeKindsOf(texts []string) []error {
	var kinds []error
	for _, t := range texts {
		for _, k := range probeKinds {
			if k.Error() == t {
				kinds = append(kinds, k)
			}
		}
	}
	return kinds
}

// lastLine is the last non-empty line of b.
func lastLine(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n\t ")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
