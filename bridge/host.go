package bridge

import (
	"reflect"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

// RegisterFunc receives a script's RegisterPlugin call, its methods already
// resolved: req is RequestFilter or else the legacy Filter, and req or resp is
// nil when the plugin has no such method. parse is nil for RegisterPlugin(nil).
type RegisterFunc func(name string, parse plugin.ParseFunc, req plugin.RequestFunc, resp plugin.ResponseFunc) error

// Host connects one unit's interpreter to the runner.
type Host struct {
	// Register receives the unit's RegisterPlugin calls.
	Register RegisterFunc
	// Log is the unit's logger: pkg/log's functions in the unit's scripts are
	// its methods, and panics in AfterFunc callbacks are logged to it.
	Log *pluginlog.Logger
	// Imports lists what the unit's files import: those standard library
	// packages get the unit's own copies of their variables (see
	// privateVars). nil: every package does.
	Imports []string
	// Spawn, when set, runs a callback the standard library starts on a
	// goroutine of its own (time.AfterFunc, context.AfterFunc) as the unit
	// runs a call: watched, recovered, and not at all once the unit is
	// closed. Nil: the callback only recovers, and logs to Log.
	Spawn func(what string, f func())
	// Timers, when set, tracks the unit's timers and tickers (timers.go).
	Timers *Timers
}

// logSymbols binds the extracted pluginlog function names to l's methods.
func logSymbols(l *pluginlog.Logger) map[string]reflect.Value {
	gen := Symbols[key(LogPath, "pluginlog")]
	out := make(map[string]reflect.Value, len(gen))
	lv := reflect.ValueOf(l)
	for name, f := range gen {
		m := lv.MethodByName(name)
		if !m.IsValid() || m.Type() != f.Type() {
			// A function pluginlog.Logger has no method for stays unbound
			// rather than reaching the process-wide logger.
			continue
		}
		out[name] = m
	}
	return out
}

// PanicValue returns the value a script panicked with: yaegi often hands it
// over wrapped in a reflect.Value.
func PanicValue(r interface{}) interface{} {
	if v, ok := r.(reflect.Value); ok && v.IsValid() && v.CanInterface() {
		return v.Interface()
	}
	return r
}
