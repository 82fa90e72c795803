package protocol

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
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
	// YieldAuto yields while the server has more than twice as many
	// connections as GOMAXPROCS and goroutines are waiting for a
	// processor: then the yield hands the processor to other calls, and
	// enough of them run before this connection's turn comes again for
	// its next frame to have arrived. With fewer connections the turn
	// comes back too soon (measured: say at 4 connections on 2
	// processors ran slower yielding), so it never yields.
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

// runnableMetric counts the goroutines ready to run and waiting for a
// processor.
const runnableMetric = "/sched/goroutines/runnable:goroutines"

// yielder counts the server's connections. While they are more than twice
// the processors, it reads the runtime's count of runnable goroutines, one
// connection at a time (the others use the last count read).
type yielder struct {
	policy  ReadYield
	procs   int32 // GOMAXPROCS when the server was made
	serving atomic.Int32

	mu       sync.Mutex // guards sample; never waited for
	sample   [1]metrics.Sample
	runnable atomic.Uint64
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
	if y.serving.Load() <= 2*y.procs {
		return false
	}
	return y.othersRunnable()
}

// othersRunnable reports whether goroutines are waiting for a processor:
// only then does a yield hand the processor to other work.
func (y *yielder) othersRunnable() bool {
	if y.mu.TryLock() {
		y.sample[0].Name = runnableMetric
		metrics.Read(y.sample[:])
		if v := y.sample[0].Value; v.Kind() == metrics.KindUint64 {
			y.runnable.Store(v.Uint64())
		}
		y.mu.Unlock()
	}
	return y.runnable.Load() > 0
}

// waitFrame waits for the first byte of the next frame, yielding first when
// nothing is buffered and the policy says so.
func (c *conn) waitFrame() error {
	if c.r.Buffered() > 0 {
		return nil
	}
	if c.srv.yield.shouldYield() {
		runtime.Gosched()
	}
	_, err := c.r.Peek(1)
	return err
}
