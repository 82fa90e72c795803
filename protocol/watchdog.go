package protocol

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// slot is the in-flight state of one plugin call, watched by the watchdog.
// A connection owns one slot (it carries one call at a time), so entering
// and leaving a call costs two atomic stores and no allocation.
type slot struct {
	start    atomic.Int64 // unix nanos at call start; 0 when idle; abandoned once given up (stuck.go)
	spec     atomic.Pointer[plugin.Spec]
	phase    atomic.Int32 // index in phases
	timedOut atomic.Bool
	firedAt  atomic.Int64 // unix nanos when the watchdog cut the call short
	ctx      atomic.Pointer[callCtx]
	timeout  time.Duration
	// abandon, when set, takes over the reply of a call still running a
	// watchdog interval after its deadline (stuck.go). It runs on a
	// goroutine of its own.
	abandon func(spec *plugin.Spec, phase Phase, elapsed time.Duration)
}

// phases indexes slot.phase.
var phases = [...]Phase{PhaseParseConf, PhaseRequest, PhaseResponse}

func phaseIndex(p Phase) int32 {
	switch p {
	case PhaseRequest:
		return 1
	case PhaseResponse:
		return 2
	}
	return 0
}

func (s *slot) enter(spec *plugin.Spec, phase Phase, start time.Time) {
	s.timedOut.Store(false)
	s.ctx.Store(nil)
	s.spec.Store(spec)
	s.phase.Store(phaseIndex(phase))
	s.start.Store(start.UnixNano())
}

// leave ends the call and reports whether the watchdog cut it short, and
// whether it gave the call up meanwhile (its reply was sent for it, see
// stuck.go).
func (s *slot) leave() (timedOut, abandoned bool) {
	st := s.start.Swap(0)
	if ctx := s.ctx.Load(); ctx != nil {
		ctx.cancel(context.Canceled)
	}
	return s.timedOut.Load(), st == abandonedCall
}

// context returns the context of the running call; its deadline is the
// call's deadline and it is done when the call ends or overruns.
func (s *slot) context() context.Context {
	if ctx := s.ctx.Load(); ctx != nil {
		return ctx
	}
	ctx := &callCtx{
		deadline: s.deadline(),
		done:     make(chan struct{}),
	}
	if s.timedOut.Load() {
		ctx.cancel(context.DeadlineExceeded)
	}
	s.ctx.Store(ctx)
	return ctx
}

// deadline is the running call's deadline.
func (s *slot) deadline() time.Time {
	st := s.start.Load()
	if st == abandonedCall {
		return time.Unix(0, s.firedAt.Load())
	}
	return time.Unix(0, st).Add(s.timeout)
}

// callCtx is a context.Context without a timer of its own: the watchdog
// ends it.
type callCtx struct {
	deadline time.Time
	done     chan struct{}
	state    atomic.Int32
	err      error
}

func (c *callCtx) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *callCtx) Done() <-chan struct{}       { return c.done }
func (c *callCtx) Value(any) any               { return nil }
func (c *callCtx) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

func (c *callCtx) cancel(err error) {
	if c.state.CompareAndSwap(0, 1) {
		c.err = err
		close(c.done)
	}
}

// watchdog is the one goroutine that enforces plugin deadlines. A call that
// overruns is flagged (its reply becomes an error), its context is ended,
// interruptible code (scripts) is stopped through the plugin's Guard, and
// onFire is told (the runner rebuilds the unit at once). A call still
// running one interval later is blocked where nothing can stop it: it is
// given up, and the slot's abandon answers for it (stuck.go).
type watchdog struct {
	timeout time.Duration
	log     *zap.Logger
	onFire  func(spec *plugin.Spec)

	mu    sync.Mutex
	slots map[*slot]struct{}
}

func newWatchdog(timeout time.Duration, log *zap.Logger, onFire func(*plugin.Spec)) *watchdog {
	return &watchdog{timeout: timeout, log: log, onFire: onFire, slots: make(map[*slot]struct{})}
}

func (w *watchdog) add(s *slot) {
	s.timeout = w.timeout
	w.mu.Lock()
	w.slots[s] = struct{}{}
	w.mu.Unlock()
}

func (w *watchdog) remove(s *slot) {
	w.mu.Lock()
	delete(w.slots, s)
	w.mu.Unlock()
}

// interval is how often the watchdog looks: a tenth of the timeout, between
// 5 ms and 100 ms.
func (w *watchdog) interval() time.Duration {
	return min(max(w.timeout/10, 5*time.Millisecond), 100*time.Millisecond)
}

func (w *watchdog) run(stop <-chan struct{}) {
	t := time.NewTicker(w.interval())
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			w.check(now)
		}
	}
}

func (w *watchdog) check(now time.Time) {
	limit := now.Add(-w.timeout).UnixNano()
	late := now.Add(-w.interval()).UnixNano()
	var fired []*slot
	var stuck []stuckCall
	w.mu.Lock()
	for s := range w.slots {
		st := s.start.Load()
		switch {
		case st <= 0:
		case !s.timedOut.Load():
			if st < limit {
				fired = append(fired, s)
			}
		case s.abandon != nil && s.firedAt.Load() <= late:
			stuck = append(stuck, stuckCall{s, st})
		}
	}
	w.mu.Unlock()
	for _, s := range fired {
		w.fire(s, now)
	}
	for _, sc := range stuck {
		w.giveUp(sc, now)
	}
}

// stuck counts the calls the watchdog cut short that have not returned.
func (w *watchdog) stuck() int {
	n := 0
	w.mu.Lock()
	for s := range w.slots {
		if s.start.Load() != 0 && s.timedOut.Load() {
			n++
		}
	}
	w.mu.Unlock()
	return n
}

func (w *watchdog) fire(s *slot, now time.Time) {
	s.firedAt.Store(now.UnixNano())
	if !s.timedOut.CompareAndSwap(false, true) {
		return
	}
	if ctx := s.ctx.Load(); ctx != nil {
		ctx.cancel(context.DeadlineExceeded)
	}
	spec := s.spec.Load()
	if spec == nil {
		return
	}
	w.log.Warn("plugin call exceeded its deadline",
		zap.String("plugin", spec.Name), zap.String("unit", spec.Unit), zap.Duration("timeout", w.timeout))
	if spec.Guard != nil {
		spec.Guard.Interrupt("plugin " + spec.Name + " exceeded its deadline of " + w.timeout.String())
	}
	if w.onFire != nil {
		w.onFire(spec)
	}
}
