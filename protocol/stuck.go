package protocol

import (
	"fmt"
	"math"
	"time"

	flatbuffers "github.com/google/flatbuffers/go"
	"go.uber.org/zap"

	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// Calls stuck in code nothing can stop.
//
// The watchdog stops an interpreted loop at its deadline, and the call
// returns an error that its connection answers. A call blocked inside
// compiled code (a mutex locked twice, wg.Wait, time.Sleep(time.Hour), a
// long big.Int.Exp) does not return, and its connection's goroutine cannot
// answer. So a call still running one watchdog interval after its deadline
// is given up: the watchdog marks its slot abandoned (a compare-and-swap on
// the slot's start, which the call's own leave races with: exactly one of
// them wins) and abandon, on a goroutine of its own, answers the frame with
// RPC_ERROR SERVICE_UNAVAILABLE, closes the connection (APISIX opens a new
// one for its next request) and releases it: Shutdown, Handover and Retire
// no longer wait for it. The call is counted as a timeout then, and logged
// once. Its goroutine stays blocked and counted by StuckCalls (metric
// calls_stuck, and the supervisor's worker.max_stuck_calls) until the
// code returns, if ever; then it writes nothing and exits.

// abandonedCall is the slot's start once its call was given up.
const abandonedCall = math.MinInt64

// abandonWriteBound bounds the write of the error frame of a call given up.
const abandonWriteBound = time.Second

// stuckReply is the frame a call given up is answered with.
var stuckReply = func() []byte {
	b := flatbuffers.NewBuilder(64)
	encodeError(b, A6Err.CodeSERVICE_UNAVAILABLE)
	body := b.FinishedBytes()
	frame := make([]byte, HeaderLen+len(body))
	_ = PutHeader(frame, TypeError, len(body))
	copy(frame[HeaderLen:], body)
	return frame
}()

// stuckCall is a slot whose call overran and is still running, with the
// start the watchdog saw.
type stuckCall struct {
	s     *slot
	start int64
}

// giveUp abandons the call of sc unless it returned meanwhile.
func (w *watchdog) giveUp(sc stuckCall, now time.Time) {
	s := sc.s
	if !s.start.CompareAndSwap(sc.start, abandonedCall) {
		return // it returned
	}
	spec := s.spec.Load()
	phase := phases[s.phase.Load()]
	go s.abandon(spec, phase, now.Sub(time.Unix(0, sc.start)))
}

// abandon answers for a call given up (see above) and lets the connection
// go. It runs once per connection: the connection serves nothing after.
func (c *conn) abandon(spec *plugin.Spec, phase Phase, elapsed time.Duration) {
	s := c.srv
	s.obs.PluginCall(spec, phase, elapsed, OutcomeTimeout)
	s.log.Warn("plugin call stuck past its deadline in code that cannot be stopped: answered with an error, its connection closed",
		zap.String("plugin", spec.Name), zap.String("unit", spec.Unit), zap.String("phase", string(phase)),
		zap.Duration("running", elapsed), zap.Int("stuck", s.wd.stuck()))
	if c.nc == nil {
		close(c.stuck) // a parse aside: its waiter answers (parseAside)
		return
	}
	// A write of the stuck call (an extra info question APISIX does not
	// read) gives up at once; then nothing else is written but the error.
	_ = c.nc.SetWriteDeadline(time.Now())
	c.wmu.Lock()
	c.abandoned = true
	_ = c.nc.SetWriteDeadline(time.Now().Add(abandonWriteBound))
	_, err := c.nc.Write(stuckReply)
	c.wmu.Unlock()
	if err != nil {
		if ce := s.log.Check(zap.DebugLevel, "error reply of a stuck call not written"); ce != nil {
			ce.Write(zap.Error(err))
		}
	}
	_ = c.nc.Close()
	s.release(c)
}

// parseAside runs spec's ParseConf on a goroutine of its own under the
// watchdog, and returns when it does or when it is given up: a rebind, or
// the install of confs handed over, never waits on a stuck ParseConf.
func (s *Server) parseAside(spec *plugin.Spec, value string) (any, error) {
	c := &conn{srv: s, stuck: make(chan struct{})}
	c.slot.abandon = c.abandon
	s.wd.add(&c.slot)
	type result struct {
		conf any
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer s.wd.remove(&c.slot)
		if s.cfg.Tracker != nil {
			c.track = s.cfg.Tracker.Attach() // what it runs, for a supervisor
			defer c.track.Release()
		}
		conf, err := c.parse(spec, value)
		done <- result{conf, err}
	}()
	select {
	case r := <-done:
		return r.conf, r.err
	case <-c.stuck:
		return nil, fmt.Errorf("protocol: plugin %q: %w", spec.Name, ErrPluginStuck)
	}
}
