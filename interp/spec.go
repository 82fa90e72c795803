package interp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// The spec funcs below wrap the interpreted methods RegisterPlugin resolved.
// Per call they add a few atomic operations and a deferred recover: the
// count of calls in flight lets Close wait for them, a dead unit fails
// fast instead of silently doing nothing (yaegi returns zero values from a
// stopped interpreter), and a script's panic reaches the caller as an error
// naming the unit and plugin rather than as a bare reflect.Value. A filter
// cut short by Interrupt returns normally: its caller sees the Guard's epoch
// change. ParseConf, which has a result to lose, reports it as
// ErrInterrupted. A script's error or panic value is formatted inside the
// call, so that no script method runs after it.

func (u *Unit) parseFunc(name string, f plugin.ParseFunc) plugin.ParseFunc {
	return func(in []byte) (conf interface{}, err error) {
		e := u.epoch.Load()
		u.inflight.Add(1)
		if u.dead.Load() {
			u.leave()
			return nil, u.callError(name, ErrUnitDead)
		}
		defer func() {
			u.leave()
			if r := recover(); r != nil {
				// Logged by the caller as the conf's rejection: the
				// position goes in the message.
				var perr error = u.callPanic(r)
				if pe := perr.(*PanicError); pe.Pos != "" {
					perr = fmt.Errorf("%w (at %s)", pe, pe.Pos)
				}
				conf, err = nil, u.callError(name, ErrPanic, perr)
			}
			if u.epoch.Load() != e {
				conf, err = nil, u.callError(name, ErrInterrupted)
			}
		}()
		conf, err = f(in)
		if err != nil {
			// Formatted here, inside the watched call: the runner never
			// calls a script's Error() after the call (it could loop, block
			// or panic where no deadline watches).
			err = errors.New(err.Error())
		}
		return conf, err
	}
}

func (u *Unit) requestFunc(name string, f plugin.RequestFunc) plugin.RequestFunc {
	if f == nil {
		return nil
	}
	return func(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
		u.enter(name)
		defer u.exit(name)
		f(conf, w, r)
	}
}

func (u *Unit) responseFunc(name string, f plugin.ResponseFunc) plugin.ResponseFunc {
	if f == nil {
		return nil
	}
	return func(conf interface{}, w pluginhttp.Response) {
		u.enter(name)
		defer u.exit(name)
		f(conf, w)
	}
}

// enter counts a call in, or refuses it when the unit is dead.
func (u *Unit) enter(name string) {
	u.inflight.Add(1)
	if u.dead.Load() {
		u.leave()
		panic(u.callError(name, ErrUnitDead))
	}
}

// leave counts a call out; the last call out of a closed unit releases its
// interpreter. (Close and enter both look at dead after changing what the
// other reads, so no call starts after the release.)
func (u *Unit) leave() {
	if u.inflight.Add(-1) == 0 && u.dead.Load() {
		u.g.free()
	}
}

// exit counts a call out and turns a script's panic into a panic with an
// error the caller can log.
func (u *Unit) exit(name string) {
	u.leave()
	if r := recover(); r != nil {
		panic(u.callError(name, ErrPanic, u.callPanic(r)))
	}
}

// callError is kind (and the panic value v, if any) for plugin name of u.
func (u *Unit) callError(name string, kind error, v ...interface{}) error {
	var err error
	switch {
	case len(v) == 0:
		err = kind
	default:
		if e, ok := v[0].(error); ok {
			err = fmt.Errorf("%w: %w", kind, e)
		} else {
			err = fmt.Errorf("%w: %v", kind, v[0])
		}
	}
	return &UnitError{Unit: u.name, Err: fmt.Errorf("plugin %q: %w", name, err)}
}
