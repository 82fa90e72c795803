package bridge

import (
	"context"
	"reflect"
	"sync"
	"time"
	"weak"

	"github.com/go-runner/go-runner/sdk/pluginlog"
)

// Timers are the timers and tickers one unit started (time.AfterFunc,
// NewTimer, NewTicker, Tick), so that closing the unit stops them: an old
// version's callbacks no longer fire, and its interpreter can be freed.
// Entries are weak: a timer the script dropped is collected as usual and
// forgotten here. The zero value is ready to use.
type Timers struct {
	mu      sync.Mutex
	stopped bool
	timers  map[weak.Pointer[time.Timer]]struct{}
	tickers map[weak.Pointer[time.Ticker]]struct{}
	pruneAt int
}

// minPrune is the size at which dead entries are first dropped.
const minPrune = 64

func (ts *Timers) addTimer(t *time.Timer) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.stopped {
		t.Stop()
		return
	}
	if ts.timers == nil {
		ts.timers = make(map[weak.Pointer[time.Timer]]struct{})
	}
	ts.timers[weak.Make(t)] = struct{}{}
	ts.prune()
}

func (ts *Timers) addTicker(t *time.Ticker) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.stopped {
		t.Stop()
		return
	}
	if ts.tickers == nil {
		ts.tickers = make(map[weak.Pointer[time.Ticker]]struct{})
	}
	ts.tickers[weak.Make(t)] = struct{}{}
	ts.prune()
}

// prune drops the entries of collected timers once the set doubled.
func (ts *Timers) prune() {
	if len(ts.timers)+len(ts.tickers) < max(ts.pruneAt, minPrune) {
		return
	}
	for p := range ts.timers {
		if p.Value() == nil {
			delete(ts.timers, p)
		}
	}
	for p := range ts.tickers {
		if p.Value() == nil {
			delete(ts.tickers, p)
		}
	}
	ts.pruneAt = 2 * (len(ts.timers) + len(ts.tickers))
}

// Stop stops every timer and ticker started so far, and every one started
// later at once. It returns how many were still referenced.
func (ts *Timers) Stop() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.stopped = true
	n := 0
	for p := range ts.timers {
		if t := p.Value(); t != nil {
			t.Stop()
			n++
		}
	}
	for p := range ts.tickers {
		if t := p.Value(); t != nil {
			t.Stop()
			n++
		}
	}
	ts.timers, ts.tickers = nil, nil
	return n
}

// Len is the number of timers and tickers tracked (collected ones
// included until the next prune).
func (ts *Timers) Len() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.timers) + len(ts.tickers)
}

// spawner returns how h runs a callback the standard library starts on a
// goroutine of its own: h.Spawn, or else recovered and logged only.
func spawner(h Host) func(what string, f func()) {
	if h.Spawn != nil {
		return h.Spawn
	}
	return func(what string, f func()) { guarded(h.Log, what, f)() }
}

// unitTime is the time package for one unit: AfterFunc callbacks run
// through the unit (watched, recovered, skipped once it is closed), and
// the timers and tickers it starts are tracked in h.Timers.
func unitTime(h Host, base map[string]reflect.Value) map[string]reflect.Value {
	m := drop(base)
	spawn := spawner(h)
	ts := h.Timers
	if ts == nil {
		ts = &Timers{}
	}
	m["AfterFunc"] = reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
		t := time.AfterFunc(d, func() { spawn("time.AfterFunc", f) })
		ts.addTimer(t)
		return t
	})
	m["NewTimer"] = reflect.ValueOf(func(d time.Duration) *time.Timer {
		t := time.NewTimer(d)
		ts.addTimer(t)
		return t
	})
	m["NewTicker"] = reflect.ValueOf(func(d time.Duration) *time.Ticker {
		t := time.NewTicker(d)
		ts.addTicker(t)
		return t
	})
	m["Tick"] = reflect.ValueOf(func(d time.Duration) <-chan time.Time {
		if d <= 0 {
			return nil
		}
		t := time.NewTicker(d)
		ts.addTicker(t)
		return t.C
	})
	return m
}

// unitContext is the context package for one unit: AfterFunc callbacks
// run through the unit, like time.AfterFunc's.
func unitContext(h Host, base map[string]reflect.Value) map[string]reflect.Value {
	m := drop(base)
	spawn := spawner(h)
	m["AfterFunc"] = reflect.ValueOf(func(ctx context.Context, f func()) func() bool {
		return context.AfterFunc(ctx, func() { spawn("context.AfterFunc", f) })
	})
	return m
}

func guarded(l *pluginlog.Logger, what string, f func()) func() {
	return func() {
		defer func() {
			if r := recover(); r != nil {
				l.Errorf("%s callback panicked: %v", what, PanicValue(r))
			}
		}()
		f()
	}
}
