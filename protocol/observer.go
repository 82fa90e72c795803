package protocol

import (
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// Phase is the phase a plugin call ran in.
type Phase string

// Phases.
const (
	PhaseParseConf Phase = "parse_conf"
	PhaseRequest   Phase = "request"
	PhaseResponse  Phase = "response"
)

// Outcome is how a plugin call ended.
type Outcome string

// Outcomes.
const (
	OutcomeOK          Outcome = "ok"
	OutcomeError       Outcome = "error"
	OutcomePanic       Outcome = "panic"
	OutcomeTimeout     Outcome = "timeout"
	OutcomeInterrupted Outcome = "interrupted"
	// OutcomeBusy: refused, its unit running as many calls as it may
	// (Admitter).
	OutcomeBusy Outcome = "busy"
)

// Observer receives the server's events, for metrics. Its methods are
// called on the data path and must be cheap and safe for concurrent use.
type Observer interface {
	PluginCall(spec *plugin.Spec, phase Phase, elapsed time.Duration, outcome Outcome)
	ConnOpened()
	ConnClosed()
	ExtraInfo()
	// FrameError counts a frame answered with an error before any plugin ran
	// (malformed, unknown type, unknown token, failed PrepareConf).
	FrameError(reason string)
	ConfEntries(n int)
}

type nopObserver struct{}

func (nopObserver) PluginCall(*plugin.Spec, Phase, time.Duration, Outcome) {}
func (nopObserver) ConnOpened()                                            {}
func (nopObserver) ConnClosed()                                            {}
func (nopObserver) ExtraInfo()                                             {}
func (nopObserver) FrameError(string)                                      {}
func (nopObserver) ConfEntries(int)                                        {}
