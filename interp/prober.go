package interp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"go.uber.org/zap"
)

// DefaultProbeGrace is Prober.Grace's default.
const DefaultProbeGrace = 5 * time.Second

// What a Prober keeps of its probe's output: the answer is short, and a
// crash's first lines say what it was.
const (
	maxProbeStdout = 1 << 20
	maxProbeStderr = 64 << 10
)

// probeWaitDelay bounds the wait for the probe's output once it exited.
const probeWaitDelay = time.Second

// crashPrefixes start the lines of a crash trace that say what happened.
var crashPrefixes = []string{"fatal error:", "runtime: goroutine stack exceeds", "panic:"}

// Prober proves a unit by loading it in a throwaway process, the probe:
// Exe run with Args, which must call ServeProbe (go-runner's hidden
// `go-runner probe`). A script whose init hits a fatal error Go cannot
// recover from (an unlock of an unlocked mutex, a stack overflow, out of
// memory) kills the probe, not the caller, and the unit fails to load with
// an error wrapping ErrProbeCrashed. Each Prove starts one process; it is
// killed if it runs past the load timeout plus Grace, and waited for, so
// none outlives Prove (and a probe whose parent died exits by itself soon
// after its load timeout, see ServeProbe). Prove is safe for concurrent use.
type Prober struct {
	// Exe is the program to run: the go-runner binary (NewProber).
	Exe string
	// Args are its arguments, e.g. []string{"probe"}.
	Args []string
	// Env is added to the environment the probe inherits.
	Env []string
	// Grace is how long the probe may run past Config.LoadTimeout (its
	// start, the static checks, and interp's second to stop a timed-out
	// init) before it is killed; DefaultProbeGrace when zero.
	Grace time.Duration
}

// NewProber returns a Prober running this program's executable with args:
// what a go-runner process passes as ReloadConfig.Prove (prober.Prove), with
// the arguments of its probe command.
func NewProber(args ...string) (*Prober, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("interp: probe: finding this program's executable: %w", err)
	}
	return &Prober{Exe: exe, Args: args}, nil
}

// Prove loads snap in a new probe process with cfg's Allow and
// LoadTimeout. It returns nil when the unit loaded there; a *UnitError
// whose message is the probe's load error (the same an in-process load
// gives, with its file:line:col) and which wraps the same sentinels when
// it did not; and an error wrapping ErrProbeCrashed, with the first telling
// line of the probe's stderr ("fatal error: ...") or how it ended, when the
// probe died or was killed without answering. It is a ProveFunc.
func (p *Prober) Prove(cfg Config, snap *Snapshot) error {
	cfg = cfg.withDefaults()
	fail := func(err error) error { return &UnitError{Unit: snap.Name, Err: err} }
	req, err := json.Marshal(probeRequest{Probe: probeMagic, Unit: snap, Allow: cfg.Allow, LoadTimeout: cfg.LoadTimeout})
	if err != nil {
		return fail(fmt.Errorf("probe: %w", err))
	}
	grace := p.Grace
	if grace <= 0 {
		grace = DefaultProbeGrace
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.LoadTimeout+grace)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.Exe, p.Args...)
	if len(p.Env) > 0 {
		cmd.Env = append(os.Environ(), p.Env...)
	}
	stdout, stderr := &capped{max: maxProbeStdout}, &capped{max: maxProbeStderr}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(req), stdout, stderr
	cmd.WaitDelay = probeWaitDelay
	start := time.Now()
	runErr := cmd.Run()
	took := time.Since(start)
	if cmd.ProcessState == nil {
		return fail(fmt.Errorf("probe: %w", runErr))
	}
	var ans probeAnswer
	answered := json.Unmarshal([]byte(lastLine(stdout.buf)), &ans) == nil
	code := cmd.ProcessState.ExitCode()
	var out error
	switch {
	case answered && ans.OK && code == probeExitOK:
	case answered && !ans.OK && code == probeExitFailed:
		out = fail(&probeError{msg: ans.Error, kinds: probeKindsOf(ans.Kinds)})
	case ctx.Err() != nil:
		out = fail(fmt.Errorf("%w: killed after %s, past the load timeout (%s) and the probe's grace (%s): %w",
			ErrProbeCrashed, took.Round(time.Millisecond), cfg.LoadTimeout, grace, ErrLoadTimeout))
	default:
		out = fail(fmt.Errorf("%w: %s", ErrProbeCrashed, crashReason(stderr.buf, cmd.ProcessState)))
	}
	cfg.Logger.Named("interp").Debug("script unit proved in a probe process", zap.String("unit", snap.Name),
		zap.Duration("took", took), zap.Int("exit", code), zap.Error(out))
	return out
}

// probeError is a load error a probe answered: its text, and the sentinels
// it wrapped there.
type probeError struct {
	msg   string
	kinds []error
}

func (e *probeError) Error() string   { return e.msg }
func (e *probeError) Unwrap() []error { return e.kinds }

// crashReason says how a probe that gave no answer ended: the first line of
// its stderr that starts with a crashPrefixes, else its exit status and
// the first line of its stderr.
func crashReason(stderr []byte, ps *os.ProcessState) string {
	var first string
	for _, l := range strings.Split(string(stderr), "\n") {
		l = strings.TrimSpace(l)
		for _, p := range crashPrefixes {
			if strings.HasPrefix(l, p) {
				return l
			}
		}
		if first == "" {
			first = l
		}
	}
	switch {
	case first != "":
		return ps.String() + ": " + first
	case ps.Success():
		return ps.String() + " without an answer (is it a go-runner probe?)"
	}
	return ps.String()
}

// capped keeps the first max bytes written to it and drops the rest.
type capped struct {
	buf []byte
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if n := min(len(p), c.max-len(c.buf)); n > 0 {
		c.buf = append(c.buf, p[:n]...)
	}
	return len(p), nil
}
