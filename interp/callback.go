package interp

import (
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Script code the standard library runs on a goroutine of its own — the
// callbacks of time.AfterFunc and context.AfterFunc — runs as a call does
// (bridge.Host.Spawn): not at all once the unit is closed or stopped,
// counted in flight (so the interpreter is not released under it),
// recovered, and watched: past Config.LoadTimeout (plugins.timeout) the
// unit is stopped, as for a call past its deadline, and rebuilt. The
// timers and tickers a unit starts are stopped when it is closed or
// stopped, so that an old version's callbacks never fire again and its
// interpreter can be freed.

// callback runs f, a callback the standard library started, for the unit.
func (u *Unit) callback(what string, f func()) {
	u.inflight.Add(1)
	defer u.leave()
	if u.dead.Load() {
		return
	}
	e := u.epoch.Load()
	watch := time.AfterFunc(u.timeout, func() {
		if u.epoch.Load() != e {
			return
		}
		u.Interrupt(what + " callback ran past its deadline of " + u.timeout.String())
		u.stopped()
	})
	defer watch.Stop()
	defer func() {
		if r := recover(); r != nil {
			// Formatted under the watch: the value may be a script's error.
			pe := u.callPanic(r)
			msg := what + " callback panicked: " + pe.Value
			if pe.Pos != "" {
				msg += " (at " + pe.Pos + ")"
			}
			ok, n := u.cbPanics.allow(what+"|"+pe.Pos+"|"+pe.Value, time.Now())
			if !ok {
				return
			}
			if n > 1 {
				msg += fmt.Sprintf(" (%d times since the last line)", n)
			}
			u.hostLog.Errorf("%s", msg)
		}
	}()
	f()
}

// stopped tells whoever rebuilds the unit (the Reloader) that it was
// stopped outside a call.
func (u *Unit) stopped() {
	if f := u.onStop.Load(); f != nil {
		(*f)()
	}
}

// stopTimers stops the unit's timers and tickers for good.
func (u *Unit) stopTimers() {
	if n := u.timers.Stop(); n > 0 {
		if ce := u.log.Check(zap.DebugLevel, "script unit's timers stopped"); ce != nil {
			ce.Write(zap.Int("timers", n))
		}
	}
}
