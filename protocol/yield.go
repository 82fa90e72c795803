package protocol

import (
	"fmt"
	"runtime"
	"sync/atomic"
)

// ReadYield says when a connection yields the processor (runtime.Gosched)
// before it waits for APISIX's next frame with nothing buffered.
//
// A connection that finds no frame parks in the network poller and is woken
// again when one arrives: a failed read, a park and a wake-up per call.
// Yielding first lets the other connections' calls run; by the time the
// connection runs again its next frame has often arrived, and one read
// takes it. That only pays while other connections have work to run: with
// a processor idle the yield just delays the wait.
type ReadYield int

const (
	// YieldAuto yields while more connections are busy (not waiting for
	// a frame) than GOMAXPROCS.
	YieldAuto ReadYield = iota
	// YieldNever never yields.
	YieldNever
	// YieldAlways yields before every wait.
	YieldAlways
)

// readYields are the names of the ReadYield values, in order.
var readYields = []string{"auto", "never", "always"}

// ParseReadYield reads a ReadYield by name: auto, never or always.
func ParseReadYield(s string) (ReadYield, error) {
	for i, n := range readYields {
		if n == s {
			return ReadYield(i), nil
		}
	}
	return 0, fmt.Errorf("protocol: read yield %q: %w", s, ErrBadReadYield)
}

func (y ReadYield) String() string {
	if y < 0 || int(y) >= len(readYields) {
		return fmt.Sprintf("ReadYield(%d)", int(y))
	}
	return readYields[y]
}

// yielder counts the server's connections and those parked waiting for a
// frame; the difference is the connections with work to run.
type yielder struct {
	policy  ReadYield
	procs   int32 // GOMAXPROCS when the server was made
	serving atomic.Int32
	waiting atomic.Int32
}

// shouldYield reports whether a connection about to wait for a frame
// yields first.
func (y *yielder) shouldYield() bool {
	switch y.policy {
	case YieldNever:
		return false
	case YieldAlways:
		return true
	}
	return y.serving.Load()-y.waiting.Load() > y.procs
}

// waitFrame waits for the first byte of the next frame, yielding first when
// nothing is buffered and the policy says so.
func (c *conn) waitFrame() error {
	if c.r.Buffered() > 0 {
		return nil
	}
	y := &c.srv.yield
	if y.shouldYield() {
		runtime.Gosched()
	}
	y.waiting.Add(1)
	_, err := c.r.Peek(1)
	y.waiting.Add(-1)
	return err
}
