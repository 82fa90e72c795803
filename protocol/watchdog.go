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
	start    atomic.Int64 // unix nanos at call start; 0 when idle
	spec     atomic.Pointer[plugin.Spec]
	timedOut atomic.Bool
	ctx      atomic.Pointer[callCtx]
	timeout  time.Duration
}

func (s *slot) enter(spec *plugin.Spec, start time.Time) {
	s.timedOut.Store(false)
	s.ctx.Store(nil)
	s.spec.Store(spec)
	s.start.Store(start.UnixNano())
}

// leave ends the call and reports whether the watchdog cut it short.
func (s *slot) leave() bool {
	s.start.Store(0)
	if ctx := s.ctx.Load(); ctx != nil {
		ctx.cancel(context.Canceled)
	}
	return s.timedOut.Load()
}

// context returns the context of the running call; its deadline is the
// call's deadline and it is done when the call ends or overruns.
func (s *slot) context() context.Context {
	if ctx := s.ctx.Load(); ctx != nil {
		return ctx
	}
	ctx := &callCtx{
		deadline: time.Unix(0, s.start.Load()).Add(s.timeout),
		done:     make(chan struct{}),
	}
	if s.timedOut.Load() {
		ctx.cancel(context.DeadlineExceeded)
	}
	s.ctx.Store(ctx)
	return ctx
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
// and interruptible code (scripts) is stopped through the plugin's Guard.
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
	var fired []*slot
	w.mu.Lock()
	for s := range w.slots {
		if st := s.start.Load(); st != 0 && st < limit && !s.timedOut.Load() {
			fired = append(fired, s)
		}
	}
	w.mu.Unlock()
	for _, s := range fired {
		w.fire(s)
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

func (w *watchdog) fire(s *slot) {
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
	if w.onFire != nil {
		w.onFire(spec)
	}
	if spec.Guard != nil {
		spec.Guard.Interrupt("plugin " + spec.Name + " exceeded its deadline of " + w.timeout.String())
	}
}
