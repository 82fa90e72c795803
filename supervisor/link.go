package supervisor

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/sdk/plugin"
)

// Environment of a worker.
const (
	// EnvWorker carries workerCookie to a worker the supervisor started.
	EnvWorker = "GORUNNER_WORKER"
	// envMetrics is set when fd 7 is the metrics listener.
	envMetrics   = "GORUNNER_WORKER_METRICS"
	workerCookie = "go-runner-worker-v1"
)

// File descriptors of a worker (see the package doc).
const (
	fdListener = 3
	fdShared   = 4
	fdUp       = 5
	fdDown     = 6
	fdHandoff  = 7
	fdMetrics  = 8
)

// Link is a worker's end of its supervisor: the inherited listeners, the
// message pipes and the shared state.
type Link struct {
	// Listener is the socket APISIX connects to; accept only after Serve.
	Listener net.Listener
	// Metrics is the metrics endpoint's listener, nil without one.
	Metrics net.Listener
	// TokenBase is where this worker's conf tokens start.
	TokenBase uint32

	state *shared
	up    *sender
	down  *receiver
	hand  *net.UnixConn
	quar  []UnitVersion

	provenMu sync.Mutex
	proven   map[UnitVersion]bool
	ready    atomic.Bool // Ready was said: Loading says nothing more

	mu    sync.Mutex
	units map[UnitVersion]uint32 // index of each unit version reported
	free  []int                  // free slots
	used  int                    // slots handed out so far
}

// Supervised reports whether this process was started by a supervisor as a
// worker.
func Supervised() bool { return os.Getenv(EnvWorker) != "" }

// Attach takes over the file descriptors the supervisor handed this worker
// and reads its init message.
func Attach() (*Link, error) {
	switch os.Getenv(EnvWorker) {
	case workerCookie:
	case "":
		return nil, fmt.Errorf("supervisor: %w: `go-runner worker` is internal, `go-runner run` starts it", ErrNotWorker)
	default:
		return nil, fmt.Errorf("supervisor: %w: %s=%q is not this version's (%s)", ErrNotWorker, EnvWorker, os.Getenv(EnvWorker), workerCookie)
	}
	for fd := fdListener; fd <= fdMetrics; fd++ {
		unix.CloseOnExec(fd) // not inherited by the processes this one starts
	}
	lf := os.NewFile(fdListener, "listener")
	l, err := net.FileListener(lf)
	lf.Close()
	if err != nil {
		return nil, fmt.Errorf("supervisor: inherited listener: %w", err)
	}
	sf := os.NewFile(fdShared, "state")
	st, err := mapShared(sf)
	sf.Close()
	if err != nil {
		l.Close()
		return nil, err
	}
	k := &Link{
		Listener: l,
		state:    st,
		up:       &sender{w: os.NewFile(fdUp, "to-supervisor")},
		down:     newReceiver(os.NewFile(fdDown, "from-supervisor")),
		units:    make(map[UnitVersion]uint32),
	}
	hf := os.NewFile(fdHandoff, "handover")
	hc, err := net.FileConn(hf)
	hf.Close()
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("supervisor: inherited handover socket: %w", err)
	}
	k.hand = hc.(*net.UnixConn)
	if os.Getenv(envMetrics) != "" {
		mf := os.NewFile(fdMetrics, "metrics")
		k.Metrics, err = net.FileListener(mf)
		mf.Close()
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("supervisor: inherited metrics listener: %w", err)
		}
	}
	m, err := k.down.next()
	if err != nil {
		return nil, fmt.Errorf("supervisor: init: %w", orGone(err))
	}
	if m.Type != msgInit {
		return nil, fmt.Errorf("supervisor: %w: %q before init", ErrBadMessage, m.Type)
	}
	k.TokenBase, k.quar = m.TokenBase, m.Quarantine
	k.proven = make(map[UnitVersion]bool, len(m.Proven))
	for _, uv := range m.Proven {
		k.proven[UnitVersion{Name: uv.Name, Sum: uv.Sum}] = true
	}
	return k, nil
}

func orGone(err error) error {
	if err == io.EOF {
		return ErrSupervisorGone
	}
	return err
}

// Quarantine is the unit versions this worker must not load.
func (k *Link) Quarantine() []UnitVersion { return k.quar }

// Proven reports whether a probe process already loaded this unit version
// (this worker's or an earlier one's): its init does not end a process.
func (k *Link) Proven(uv UnitVersion) bool {
	k.provenMu.Lock()
	defer k.provenMu.Unlock()
	return k.proven[uv]
}

// ReportProven tells the supervisor a unit version loaded in a probe
// process, so that the next worker need not prove it again.
func (k *Link) ReportProven(uv UnitVersion) {
	k.provenMu.Lock()
	k.proven[uv] = true
	k.provenMu.Unlock()
	_ = k.up.send(&message{Type: msgProven, Unit: &uv})
}

// Loading tells the supervisor, until Ready, that the worker begins to
// load a unit: a start that goes on unit after unit is not cut short by
// Config.StartTimeout, which bounds the time between two of these.
// After Ready it says nothing.
func (k *Link) Loading() {
	if !k.ready.Load() {
		_ = k.up.send(&message{Type: msgLoading})
	}
}

// Ready tells the supervisor the scripts are loaded.
func (k *Link) Ready() error {
	k.ready.Store(true)
	return k.up.send(&message{Type: msgReady})
}

// Order is what the supervisor asks of a worker.
type Order struct {
	// Serve: start accepting; Confs are the confs prepared so far.
	Serve bool
	Confs []protocol.ConfRecord
	// Restarts is how many workers died before this one served.
	Restarts int
	// Quarantine, when not nil, is the new set of unit versions not to
	// load; Rescan asks for a rescan of the scripts as on SIGHUP.
	Quarantine []UnitVersion
	Rescan     bool
	// Adopt is a connection another worker handed over, with the bytes it
	// had read of it; serve it.
	Adopt *Handed
	// Drain: stop accepting, hand every connection over between two
	// frames (HandOver), and exit.
	Drain bool
}

// Handed is a connection handed over by another worker.
type Handed struct {
	Conn     net.Conn
	Buffered []byte
}

// Next waits for the supervisor's next order. ErrSupervisorGone: the
// supervisor exited or closed the link; the worker should stop.
func (k *Link) Next() (Order, error) {
	for {
		m, err := k.down.next()
		if err != nil {
			return Order{}, orGone(err)
		}
		switch m.Type {
		case msgServe:
			return Order{Serve: true, Confs: m.Confs, Restarts: m.Restarts, Quarantine: nonNil(m.Quarantine)}, nil
		case msgConf:
			if m.Conf != nil {
				return Order{Confs: []protocol.ConfRecord{*m.Conf}}, nil
			}
		case msgQuarantine:
			return Order{Quarantine: nonNil(m.Quarantine), Rescan: m.Rescan}, nil
		case msgDrain:
			return Order{Drain: true}, nil
		case msgAdopt:
			f, buffered, err := recvConn(k.hand)
			if err != nil {
				return Order{}, err
			}
			c, err := net.FileConn(f)
			f.Close()
			if err != nil {
				continue // the connection is gone
			}
			return Order{Adopt: &Handed{Conn: c, Buffered: buffered}}, nil
		}
	}
}

func nonNil(q []UnitVersion) []UnitVersion {
	if q == nil {
		return []UnitVersion{}
	}
	return q
}

// ReportConf hands a prepared conf to the supervisor; it returns once the
// record is in the pipe, where it survives this process.
func (k *Link) ReportConf(r protocol.ConfRecord) error {
	return k.up.send(&message{Type: msgConf, Conf: &r})
}

// HandOver gives a connection to the supervisor, for the serving worker.
func (k *Link) HandOver(f *os.File, buffered []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := sendConn(k.hand, f, buffered); err != nil {
		return err
	}
	return k.up.send(&message{Type: msgHanded})
}

// SetStuck publishes the number of calls stuck past their deadline.
func (k *Link) SetStuck(n int) { k.state.u32(offStuck).Store(uint32(n)) }

// UnitOf names the unit version of a plugin: it is how the tracker tells
// the supervisor what a connection runs. ok is false for compiled plugins.
type UnitOf func(spec *plugin.Spec) (v UnitVersion, ok bool)

// Tracker returns the protocol.Tracker that records, per connection, the
// unit each plugin call runs in the shared state.
func (k *Link) Tracker(unitOf UnitOf) protocol.Tracker {
	return &tracker{k: k, unitOf: unitOf}
}

type tracker struct {
	k      *Link
	unitOf UnitOf
	// cache maps specs to unit index+1 (copy on write; read per call).
	cache atomic.Pointer[map[*plugin.Spec]uint32]
}

// Attach runs on the connection's goroutine.
func (t *tracker) Attach() protocol.TrackSlot {
	i := t.k.takeSlot()
	if i < 0 {
		return nopSlot{}
	}
	t.k.state.slotGID(i).Store(goroutineID())
	return &trackSlot{t: t, i: i}
}

func (k *Link) takeSlot() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := len(k.free); n > 0 {
		i := k.free[n-1]
		k.free = k.free[:n-1]
		return i
	}
	if k.used == maxSlots {
		return -1
	}
	k.used++
	return k.used - 1
}

func (k *Link) releaseSlot(i int) {
	k.state.slotUnit(i).Store(0)
	k.state.slotGID(i).Store(0)
	k.mu.Lock()
	k.free = append(k.free, i)
	k.mu.Unlock()
}

// index returns spec's unit index+1, reporting a unit version the first time
// it is seen; 0 for a compiled plugin.
func (t *tracker) index(spec *plugin.Spec) uint32 {
	if m := t.cache.Load(); m != nil {
		if v, ok := (*m)[spec]; ok {
			return v
		}
	}
	var idx uint32
	if uv, ok := t.unitOf(spec); ok {
		idx = t.k.unitIndex(uv) + 1
	}
	t.k.mu.Lock()
	old := t.cache.Load()
	m := make(map[*plugin.Spec]uint32, 8)
	if old != nil {
		for s, v := range *old {
			m[s] = v
		}
	}
	m[spec] = idx
	t.cache.Store(&m)
	t.k.mu.Unlock()
	return idx
}

// unitIndex returns the index of uv, telling the supervisor first.
func (k *Link) unitIndex(uv UnitVersion) uint32 {
	k.mu.Lock()
	defer k.mu.Unlock()
	if i, ok := k.units[uv]; ok {
		return i
	}
	i := uint32(len(k.units))
	k.units[uv] = i
	uv.Index = i
	_ = k.up.send(&message{Type: msgUnit, Unit: &uv})
	return i
}

type trackSlot struct {
	t *tracker
	i int
}

func (s *trackSlot) Enter(spec *plugin.Spec) { s.t.k.state.slotUnit(s.i).Store(s.t.index(spec)) }
func (s *trackSlot) Leave()                  { s.t.k.state.slotUnit(s.i).Store(0) }
func (s *trackSlot) Release()                { s.t.k.releaseSlot(s.i) }

type nopSlot struct{}

func (nopSlot) Enter(*plugin.Spec) {}
func (nopSlot) Leave()             {}
func (nopSlot) Release()           {}

// goroutineID is the id the runtime prints in a trace ("goroutine 7
// [running]:"), read once per connection.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		id, _ := strconv.ParseUint(string(b[:i]), 10, 64)
		return id
	}
	return 0
}
