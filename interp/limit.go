package interp

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// A unit runs at most Config.MaxConcurrent calls at once: one unit whose
// every call burns CPU cannot take every processor from the others. The
// protocol server asks (Acquire) before each call of a unit's plugin and
// gives the slot back (Release) when the call returns; a call stuck in
// compiled code keeps its slot, and its unit is rebuilt with fresh ones.

// Acquire takes one of the unit's call slots, waiting up to wait for one to
// free; it reports whether it got one. Refusals are logged at most once a
// minute per unit, with their count.
func (u *Unit) Acquire(wait time.Duration) bool {
	select {
	case u.slots <- struct{}{}:
		return true
	default:
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case u.slots <- struct{}{}:
			return true
		case <-t.C:
		}
	}
	if ok, n := u.busyLog.allow(time.Now()); ok {
		u.log.Warn("script unit at its limit of concurrent calls: calls over it are refused (plugins.max_concurrent_per_unit)",
			zap.Int("limit", cap(u.slots)), zap.Int("refused", n), zap.Duration("waited", wait))
	}
	return false
}

// Release gives back a slot Acquire took.
func (u *Unit) Release() { <-u.slots }

// repeatEvery is how often a repeated event is logged again.
const repeatEvery = time.Minute

// throttle lets a repeated log line through once per repeatEvery, with the
// number of events since the last one let through.
type throttle struct {
	mu   sync.Mutex
	last time.Time
	n    int
}

// allow counts one event at now and reports whether to log it, with the
// number of events it stands for.
func (t *throttle) allow(now time.Time) (bool, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	if !t.last.IsZero() && now.Sub(t.last) < repeatEvery {
		return false, 0
	}
	n := t.n
	t.last, t.n = now, 0
	return true, n
}

// maxRepeatKeys bounds the events a repeats tracks; past it, it starts
// afresh.
const maxRepeatKeys = 1024

// repeats is a throttle per key (say, a panic's position).
type repeats struct {
	mu   sync.Mutex
	seen map[string]*throttle
}

// allow is throttle.allow for the event key.
func (r *repeats) allow(key string, now time.Time) (bool, int) {
	r.mu.Lock()
	if r.seen == nil || len(r.seen) >= maxRepeatKeys {
		r.seen = make(map[string]*throttle)
	}
	t := r.seen[key]
	if t == nil {
		t = &throttle{}
		r.seen[key] = t
	}
	r.mu.Unlock()
	return t.allow(now)
}
