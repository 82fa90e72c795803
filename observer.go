package main

import (
	"time"

	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/sdk/plugin"
)

// callObserver passes the server's events on to the metrics, counts the
// calls for the status view, and tells the
// reloader of every call that did not end well: when the call's unit was
// stopped (an overrun interrupts its interpreter), the reloader rebuilds
// it from its source.
type callObserver struct {
	protocol.Observer
	reloader *interp.Reloader
	counts   *callCounters // the status view's
}

func (o callObserver) PluginCall(spec *plugin.Spec, phase protocol.Phase, elapsed time.Duration, outcome protocol.Outcome) {
	o.Observer.PluginCall(spec, phase, elapsed, outcome)
	o.counts.add(spec.Name, phase, outcome != protocol.OutcomeOK)
	if outcome != protocol.OutcomeOK {
		o.reloader.CallFailed(spec)
	}
}

// orNop returns obs, or an observer that does nothing when obs is nil
// (metrics are off).
func orNop(obs protocol.Observer) protocol.Observer {
	if obs == nil {
		return nopObserver{}
	}
	return obs
}

type nopObserver struct{}

func (nopObserver) PluginCall(*plugin.Spec, protocol.Phase, time.Duration, protocol.Outcome) {}
func (nopObserver) ConnOpened()                                                              {}
func (nopObserver) ConnClosed()                                                              {}
func (nopObserver) ExtraInfo()                                                               {}
func (nopObserver) FrameError(string)                                                        {}
func (nopObserver) ConfEntries(int)                                                          {}
