package protocol

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// Defaults of Config.
const (
	DefaultConfTTL          = 3600 * time.Second * 12 / 10 // 1.2 x APISIX's default 3600 s
	DefaultPluginTimeout    = 5 * time.Second
	DefaultExtraInfoTimeout = 60 * time.Second
	DefaultSocketMode       = os.FileMode(0o766)
)

// Config configures a Server. Zero fields take the defaults above.
type Config struct {
	// ConfTTL is how long a prepared conf lives: 1.2 x APISIX_CONF_EXPIRE_TIME.
	ConfTTL time.Duration
	// PluginTimeout is the deadline of every plugin call.
	PluginTimeout time.Duration
	// ExtraInfoTimeout bounds the wait for APISIX's answer to an extra info
	// question.
	ExtraInfoTimeout time.Duration
	// SkipUnknown restores the reference runner's behaviour: a conf entry
	// naming an unknown plugin, or one its plugin rejects, is skipped with a
	// warning instead of failing the PrepareConf.
	SkipUnknown bool
	// MaxBodyBytes caps the body a plugin may buffer for one reply (see
	// body.go); DefaultMaxBodyBytes when zero.
	MaxBodyBytes int
	Logger       *zap.Logger
	Observer     Observer

	// TokenBase is where conf tokens start; 0 picks a random start, so
	// that a restarted runner never hands out a token APISIX still holds
	// for another route. A supervisor gives each worker its own range.
	TokenBase uint32
	// OnConfPrepared, when set, is called with every conf PrepareConf
	// prepared (or found and extended) before the token is sent to APISIX:
	// a supervisor keeps them for the next worker.
	OnConfPrepared func(ConfRecord)
	// Tracker, when set, is told which plugin each connection runs.
	Tracker Tracker
	// OnOverrun, when set, is called on the watchdog's goroutine with each
	// plugin whose call overran its deadline, once its guard (if any) was
	// interrupted: the runner rebuilds a stopped unit at once. It must not
	// block.
	OnOverrun func(spec *plugin.Spec)
	// ReadYield says when a connection yields the processor before it
	// waits for the next frame (yield.go); YieldAuto when zero.
	ReadYield ReadYield
	// QueueWait is how long a call waits for a slot of its unit (see
	// Admitter) before it is refused; half of PluginTimeout when zero (the
	// wait counts in the call's deadline), none when negative.
	QueueWait time.Duration
	// OnErrorReply, when set, is told of every error reply with its reason
	// (the wire carries only the code), on the connection's goroutine,
	// before the reply is written: go-runner try prints it. It must not
	// block.
	OnErrorReply func(ErrorReply)
}

// ErrorReply is an error the runner answers a frame with.
type ErrorReply struct {
	// Frame is the type of the frame answered (TypeName), "" when a
	// malformed frame could not be told.
	Frame string
	// Key is the conf key of a PrepareConf, or of the conf a call's token
	// names; ID the id of an HTTPReqCall or HTTPRespCall.
	Key string
	ID  uint32
	// Code is the error code sent: BAD_REQUEST, SERVICE_UNAVAILABLE or
	// CONF_TOKEN_NOT_FOUND.
	Code string
	// Err is the reason.
	Err error
}

// Admitter is a plugin Guard that bounds how many calls its code runs at
// once (a script unit). Acquire waits up to wait for a slot and reports
// whether it got one; Release gives it back.
type Admitter interface {
	Acquire(wait time.Duration) bool
	Release()
}

func (c Config) withDefaults() Config {
	if c.ConfTTL <= 0 {
		c.ConfTTL = DefaultConfTTL
	}
	if c.PluginTimeout <= 0 {
		c.PluginTimeout = DefaultPluginTimeout
	}
	if c.ExtraInfoTimeout <= 0 {
		c.ExtraInfoTimeout = DefaultExtraInfoTimeout
	}
	if c.QueueWait == 0 {
		c.QueueWait = c.PluginTimeout / 2
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// Server serves the ext-plugin protocol.
type Server struct {
	cfg   Config
	log   *zap.Logger
	obs   Observer
	confs *confCache
	cat   atomic.Pointer[catalogBox]
	wd    *watchdog

	closing atomic.Bool
	stop    chan struct{}

	handingOver atomic.Bool                             // Handover started
	handedOver  chan struct{}                           // Handover finished
	give        func(f *os.File, buffered []byte) error // set by Handover

	mu    sync.Mutex
	lis   net.Listener
	conns map[*conn]struct{}
	wg    sync.WaitGroup

	yield yielder

	rebindMu sync.Mutex // serializes rebinds; their ParseConf runs aside (parseAside)
	retire   retirer
	panics   panicLog
}

type catalogBox struct{ Catalog }

// NewServer returns a server for the plugins of cat.
func NewServer(cfg Config, cat Catalog) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:   cfg,
		log:   cfg.Logger.Named("protocol"),
		obs:   cfg.Observer,
		confs: newConfCache(cfg.ConfTTL, cfg.SkipUnknown, cfg.TokenBase),
		stop:  make(chan struct{}),
		conns: make(map[*conn]struct{}),

		handedOver: make(chan struct{}),
	}
	s.yield.policy, s.yield.procs = cfg.ReadYield, int32(runtime.GOMAXPROCS(0))
	s.wd = newWatchdog(cfg.PluginTimeout, s.log, cfg.OnOverrun)
	s.cat.Store(&catalogBox{cat})
	go s.wd.run(s.stop)
	go s.sweep()
	return s
}

func (s *Server) catalog() Catalog { return s.cat.Load().Catalog }

// Rebind makes cat the served catalog and re-parses every prepared conf
// whose plugins changed, keeping its token. Calls in flight finish on the
// plugins they started with (see Retire for when those may be closed). It
// returns how many entries changed; entries the new plugins reject fail
// closed, and each is logged.
func (s *Server) Rebind(cat Catalog) int {
	s.rebindMu.Lock()
	defer s.rebindMu.Unlock()
	s.cat.Store(&catalogBox{cat})
	changed, failed := s.confs.rebind(cat, s.parseAside, time.Now().UnixNano())
	for _, f := range failed {
		s.log.Error("prepared conf fails after reload: its route is refused until APISIX sends a conf the plugins accept",
			zap.String("key", f.key), zap.Error(f.err))
	}
	return changed
}

// ConfEntries is the number of prepared confs held.
func (s *Server) ConfEntries() int { return s.confs.len() }

// Serve accepts connections on l until Shutdown. It returns ErrServerClosed
// after Shutdown, having closed l (which removes a unix socket's file),
// also when Shutdown came first.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		// Shutdown ran before l was known: it is closed here, or its
		// socket file would outlive the runner.
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	s.lis = l
	s.mu.Unlock()
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.handingOver.Load() {
				<-s.handedOver
				return ErrServerClosed
			}
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed, retrying", zap.Error(err), zap.Duration("delay", delay))
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("protocol: accept: %w", err)
		}
		delay = 0
		s.track(nc)
	}
}

func (s *Server) track(nc net.Conn) {
	c := newConn(s, nc)
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.wd.add(&c.slot)
	s.obs.ConnOpened()
	go func() {
		defer s.untrack(c)
		if s.cfg.Tracker != nil {
			c.track = s.cfg.Tracker.Attach()
			defer c.track.Release()
		}
		c.serve()
	}()
}

func (s *Server) untrack(c *conn) {
	_ = c.nc.Close()
	s.wd.remove(&c.slot)
	s.release(c)
}

// release forgets a connection that serves no more: closed, or given up
// while a call on it is stuck (stuck.go), whichever comes first.
func (s *Server) release(c *conn) {
	c.released.Do(func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		if s.retire.pending.Load() > 0 {
			s.retire.frameEnded(c, true)
		}
		s.obs.ConnClosed()
		s.wg.Done()
	})
}

// Shutdown stops accepting, lets the calls in flight finish and closes every
// connection. When ctx ends first, the remaining connections are closed at
// once. The listener's socket file is removed.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.closing.CompareAndSwap(false, true) {
		return ErrServerClosed
	}
	s.mu.Lock()
	closed := s.closeListener()
	for c := range s.conns {
		if c.idle.Load() {
			_ = c.nc.SetReadDeadline(time.Now())
		}
	}
	s.mu.Unlock()
	select { // the socket file is removed once Close returns
	case <-closed:
	case <-ctx.Done():
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		// Calls still running are cut off: their connections are closed.
		// A plugin blocked in compiled code (time.Sleep, a stuck read)
		// cannot be stopped, so do not wait for its goroutine.
		s.mu.Lock()
		n := len(s.conns)
		for c := range s.conns {
			_ = c.nc.Close()
		}
		s.mu.Unlock()
		err = fmt.Errorf("protocol: shutdown: %w: %d connections cut off (%w)", ErrShutdownForced, n, ctx.Err())
	}
	close(s.stop)
	return err
}

// closeListener closes the listener on a goroutine of its own and returns a
// channel closed when it is: an Accept blocked in the system call (a
// listener a process shares was put in blocking mode) holds Close until a
// connection arrives, which Serve then closes, so callers wait for it no
// longer than their deadline, and not under s.mu, which is held here.
func (s *Server) closeListener() <-chan struct{} {
	closed := make(chan struct{})
	l := s.lis
	if l == nil {
		close(closed)
		return closed
	}
	go func() {
		defer close(closed)
		_ = l.Close()
	}()
	return closed
}

// sweep drops expired confs now and then.
func (s *Server) sweep() {
	t := time.NewTicker(min(s.cfg.ConfTTL/4, time.Minute))
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.confs.sweep(now.UnixNano())
			s.obs.ConfEntries(s.confs.len())
		}
	}
}

// ParseAddress returns the socket path of an APISIX_LISTEN_ADDRESS value,
// which must be "unix:" followed by a path.
func ParseAddress(addr string) (string, error) {
	path, ok := strings.CutPrefix(addr, "unix:")
	if !ok || path == "" {
		return "", fmt.Errorf("protocol: %w %q: want unix:/path/to/socket", ErrBadAddress, addr)
	}
	if len(path) > 107 {
		return "", fmt.Errorf("protocol: %w %q: a unix socket path has at most 107 bytes, this one %d", ErrBadAddress, addr, len(path))
	}
	return path, nil
}

// Listen listens on the unix socket of addr (see ParseAddress) with the
// given file mode. A stale socket file left by a dead runner is removed; a
// socket a live process still serves is an error.
func Listen(addr string, mode os.FileMode) (*net.UnixListener, error) {
	path, err := ParseAddress(addr)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("protocol: listen %s: %w: the path exists and is not a socket", path, ErrBadAddress)
		}
		if c, err := net.DialTimeout("unix", path, 100*time.Millisecond); err == nil {
			_ = c.Close()
			return nil, fmt.Errorf("protocol: listen %s: %w: another process serves this socket", path, ErrBadAddress)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("protocol: remove stale socket: %w", err)
		}
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("protocol: listen: %w", err)
	}
	if mode == 0 {
		mode = DefaultSocketMode
	}
	if err := os.Chmod(path, mode); err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("protocol: chmod socket: %w", err)
	}
	return l, nil
}

// compile-time check: a registry is a catalog.
var _ Catalog = (*plugin.Registry)(nil)
