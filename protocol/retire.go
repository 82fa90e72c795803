package protocol

import (
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Retiring the plugins a Rebind replaced.
//
// A frame takes its chain from the conf cache when it starts and enters the
// chain's plugins afterwards, so a frame that started just before a Rebind
// can still enter a plugin of the catalog it replaced, microseconds after
// the Rebind returned. Closing that plugin's unit at once would fail the
// call. Retire waits for those frames instead: each connection counts its
// frames (seq is odd while it handles one), and Retire's callback runs once
// every connection that was handling a frame when Retire was called has
// finished it. Nothing polls: a connection ending a frame reports it while
// a wait is pending.
//
// A PrepareConf that read the old catalog can store its conf after the
// Rebind went over the cache. So the first wait is followed by a pass over
// the cache that re-parses conf entries still bound to plugins the catalog
// no longer serves, and by a second wait for the frames that may have
// taken those chains; then the callback runs.

// retirer tracks the pending waits.
type retirer struct {
	// pending is the number of waits not yet over: connections report the
	// end of a frame only while it is not zero.
	pending atomic.Int32
	mu      sync.Mutex
	waits   map[*retireWait]struct{}
}

// retireWait is one wait: the connections busy when it began, with the
// frame count seen then, and what to run when they all moved on.
type retireWait struct {
	busy map[*conn]uint64
	then func()
}

// Retire calls f once no frame can still enter a plugin of a catalog
// replaced by a Rebind that returned before Retire was called: at once
// when no frame is being handled, else on another goroutine when the
// frames in flight have finished. A frame blocked in compiled code past
// its deadline counts as finished once it is given up (stuck.go): it can
// enter no other plugin.
//
// The reloader calls it after Rebind to close the replaced units.
func (s *Server) Retire(f func()) {
	s.afterFrames(func() {
		s.rebindStale()
		s.afterFrames(f)
	})
}

// afterFrames runs f once every frame in flight now has ended: at once
// when there is none.
func (s *Server) afterFrames(f func()) {
	r := &s.retire
	w := &retireWait{busy: make(map[*conn]uint64), then: f}
	r.pending.Add(1)
	r.mu.Lock()
	s.mu.Lock()
	for c := range s.conns {
		if seq := c.seq.Load(); seq&1 == 1 {
			w.busy[c] = seq
		}
	}
	s.mu.Unlock()
	if len(w.busy) == 0 {
		r.mu.Unlock()
		r.pending.Add(-1)
		f()
		return
	}
	if r.waits == nil {
		r.waits = make(map[*retireWait]struct{})
	}
	r.waits[w] = struct{}{}
	r.mu.Unlock()
}

// frameEnded is called by a connection that finished a frame, or closed,
// while a wait is pending.
func (r *retirer) frameEnded(c *conn, closed bool) {
	var done []func()
	r.mu.Lock()
	for w := range r.waits {
		seq, ok := w.busy[c]
		if !ok || (!closed && c.seq.Load() == seq) {
			continue
		}
		delete(w.busy, c)
		if len(w.busy) == 0 {
			delete(r.waits, w)
			done = append(done, w.then)
		}
	}
	r.mu.Unlock()
	for _, f := range done {
		r.pending.Add(-1)
		go f()
	}
}

// beginFrame and endFrame bracket the handling of one frame.
func (c *conn) beginFrame() { c.seq.Add(1) }

func (c *conn) endFrame() {
	c.seq.Add(1)
	if c.srv.retire.pending.Load() > 0 {
		c.srv.retire.frameEnded(c, false)
	}
}

// rebindStale re-parses the conf entries bound to a plugin the catalog no
// longer serves (see above). Entries the plugins reject fail closed and
// are logged, as in Rebind.
func (s *Server) rebindStale() {
	s.rebindMu.Lock()
	defer s.rebindMu.Unlock()
	for _, f := range s.confs.rebindStale(s.catalog(), s.parseAside, time.Now().UnixNano()) {
		s.log.Error("prepared conf fails after reload: its route is refused until APISIX sends a conf the plugins accept",
			zap.String("key", f.key), zap.Error(f.err))
	}
}

// rebindStale re-parses the serving entries whose chain holds a plugin cat
// does not serve (a PrepareConf raced a rebind), keeping tokens.
func (c *confCache) rebindStale(cat Catalog, parse parser, now int64) (failed []rebindResult) {
	c.mu.RLock()
	var stale []*confEntry
	for _, e := range c.byToken {
		if e.expires.Load() >= now && e.chain.Load().stale(cat) {
			stale = append(stale, e)
		}
	}
	c.mu.RUnlock()
	for _, e := range stale {
		ch, _ := c.build(e.raw, e.chain.Load(), cat, parse)
		e.chain.Store(ch)
		if ch.err != nil {
			failed = append(failed, rebindResult{e.key, ch.err})
		}
	}
	return failed
}

// stale reports whether a serving chain holds a plugin cat does not serve.
func (ch *chain) stale(cat Catalog) bool {
	if ch.err != nil {
		return false
	}
	for _, b := range ch.plugins {
		if cat.Lookup(b.spec.Name) != b.spec {
			return true
		}
	}
	return false
}
