package protocol

import (
	"fmt"
	"reflect"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// invoke runs one plugin call under the watchdog and recover. An error the
// call returns (ParseConf's), a panic, an overrun, or an interruption of the
// plugin's interpreter (another call on it overran) each turn into an error;
// the call's results are then not used. Each call is reported to the
// observer once, with its outcome.
// start is the time the call starts, when the caller has just read the
// clock; the zero time reads it.
func (c *conn) invoke(spec *plugin.Spec, phase Phase, start time.Time, call func() error) (err error) {
	var epoch uint64
	if spec.Guard != nil {
		epoch = spec.Guard.Epoch()
	}
	if start.IsZero() {
		start = time.Now()
	}
	// ParseConf, rare and fatal to its route when refused, is not limited.
	if a, ok := spec.Guard.(Admitter); ok && phase != PhaseParseConf {
		if !a.Acquire(c.srv.cfg.QueueWait) {
			d := time.Since(start)
			c.srv.obs.PluginCall(spec, phase, d, OutcomeBusy)
			c.logCall(spec, phase, d, OutcomeBusy)
			return fmt.Errorf("protocol: plugin %q: %w", spec.Name, ErrUnitBusy)
		}
		c.held = a
		defer func() {
			if c.held != nil {
				c.held.Release()
				c.held = nil
			}
		}()
	}
	c.slot.enter(spec, phase, start)
	if c.track != nil {
		c.track.Enter(spec)
	}
	defer func() {
		if c.track != nil {
			c.track.Leave()
		}
		outcome := OutcomeOK
		if err != nil {
			outcome = OutcomeError
		}
		p := recover()
		if p != nil && unitStopped(spec) {
			// The unit was stopped (another call overran) and is being
			// rebuilt: its code refuses calls until then.
			outcome = OutcomeInterrupted
			err = fmt.Errorf("protocol: plugin %q: %w: %v", spec.Name, ErrInterrupted, unwrapPanic(p))
			if ce := c.srv.log.Check(zap.DebugLevel, "plugin call refused: its unit is stopped"); ce != nil {
				ce.Write(zap.String("plugin", spec.Name), zap.String("unit", spec.Unit))
			}
			p = nil
		}
		var panicked any
		if p != nil {
			outcome = OutcomePanic
			err = fmt.Errorf("protocol: plugin %q: %w: %v", spec.Name, ErrPluginPanic, unwrapPanic(p))
			// A ParseConf failure, panic or not, is logged once by the
			// caller with the conf's key.
			if phase != PhaseParseConf {
				panicked = unwrapPanic(p)
			}
		}
		timedOut, abandoned := c.slot.leave()
		if abandoned {
			// Given up while stuck: answered and counted for it.
			c.broken = true
			err = fmt.Errorf("protocol: plugin %q: %w", spec.Name, ErrPluginStuck)
			if ce := c.srv.log.Check(zap.DebugLevel, "stuck plugin call returned"); ce != nil {
				ce.Write(zap.String("plugin", spec.Name), zap.String("unit", spec.Unit))
			}
			return
		}
		interrupted := false
		if timedOut {
			outcome = OutcomeTimeout
			err = fmt.Errorf("protocol: plugin %q: %w", spec.Name, ErrPluginTimeout)
		} else if spec.Guard != nil && spec.Guard.Epoch() != epoch && err == nil {
			outcome = OutcomeInterrupted
			err = fmt.Errorf("protocol: plugin %q: %w", spec.Name, ErrInterrupted)
			interrupted = true
		}
		// Counted before it is logged: whoever reads the line finds the
		// call in the metrics.
		d := time.Since(start)
		c.srv.obs.PluginCall(spec, phase, d, outcome)
		c.logCall(spec, phase, d, outcome)
		if panicked != nil {
			c.srv.logPanic(spec, phase, panicked) // still in the panicking frame
		}
		if interrupted {
			c.srv.log.Warn("plugin call interrupted: its unit was stopped during the call",
				zap.String("plugin", spec.Name), zap.String("unit", spec.Unit))
		}
	}()
	return call()
}

// logCall writes the debug line of one plugin call; nothing, and no
// allocation, when debug is off.
func (c *conn) logCall(spec *plugin.Spec, phase Phase, d time.Duration, outcome Outcome) {
	if ce := c.srv.log.Check(zap.DebugLevel, "plugin call"); ce != nil {
		ce.Write(zap.String("plugin", spec.Name), zap.String("unit", spec.Unit), zap.String("phase", string(phase)),
			zap.Duration("duration", d), zap.String("outcome", string(outcome)))
	}
}

// unitStopped reports whether spec's code was stopped, when its guard can
// tell (script units can).
func unitStopped(spec *plugin.Spec) bool {
	d, ok := spec.Guard.(interface{ Dead() bool })
	return ok && d.Dead()
}

// unwrapPanic turns the reflect.Value that yaegi often panics with into the
// value it holds.
func unwrapPanic(p any) any {
	if v, ok := p.(reflect.Value); ok && v.IsValid() && v.CanInterface() {
		return v.Interface()
	}
	return p
}

// parse runs spec's ParseConf guarded like a filter call.
func (c *conn) parse(spec *plugin.Spec, value string) (conf any, err error) {
	err = c.invoke(spec, PhaseParseConf, time.Time{}, func() (perr error) {
		conf, perr = spec.ParseConf([]byte(value))
		return perr
	})
	return conf, err
}

// runRequest runs the request filters of ch in order, the first starting at
// now. It stops at the first plugin that writes to the ResponseWriter.
func (c *conn) runRequest(ch *chain, now time.Time) error {
	for i := range ch.plugins {
		b := &ch.plugins[i]
		f := b.spec.RequestFilter
		if f == nil {
			continue
		}
		c.req.ctx = nil // each plugin call has its own deadline
		v := c.views.open(c)
		err := c.invoke(b.spec, PhaseRequest, now, func() error { f(b.conf, v.writer(), v.request()); return nil })
		c.views.close()
		if err != nil {
			return err
		}
		if err := c.takeBodyErr(b.spec.Name, b.spec.Unit); err != nil {
			return err
		}
		now = time.Time{}
		if c.broken {
			return fmt.Errorf("protocol: plugin %q: %w", b.spec.Name, ErrPeerClosed)
		}
		if c.w.written() {
			return nil
		}
	}
	return nil
}

// runResponse runs the response filters of ch in order, the first starting
// at now.
func (c *conn) runResponse(ch *chain, now time.Time) error {
	for i := range ch.plugins {
		b := &ch.plugins[i]
		f := b.spec.ResponseFilter
		if f == nil {
			continue
		}
		v := c.views.open(c)
		err := c.invoke(b.spec, PhaseResponse, now, func() error { f(b.conf, v.response()); return nil })
		c.views.close()
		if err != nil {
			return err
		}
		if err := c.takeBodyErr(b.spec.Name, b.spec.Unit); err != nil {
			return err
		}
		now = time.Time{}
		if c.broken {
			return fmt.Errorf("protocol: plugin %q: %w", b.spec.Name, ErrPeerClosed)
		}
	}
	return nil
}
