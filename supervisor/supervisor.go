package supervisor

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// Defaults of Config.
const (
	DefaultGrace            = 850 * time.Millisecond
	DefaultQuarantineAfter  = 2
	DefaultQuarantineWindow = 10 * time.Minute
	DefaultMaxStuck         = 64
	DefaultStartTimeout     = time.Minute
	// checkEvery is how often the supervisor reads its workers' memory and
	// stuck calls.
	checkEvery = 50 * time.Millisecond
	// Deaths closer than backoffWindow in a row back off from minBackoff,
	// doubling up to maxBackoff, from the third on.
	backoffWindow = 5 * time.Second
	minBackoff    = 50 * time.Millisecond
	maxBackoff    = 5 * time.Second
	// drainLimit bounds how long a replaced worker may drain.
	drainLimit = 10 * time.Second
	// killWait bounds the wait for workers killed at shutdown.
	killWait = 50 * time.Millisecond
)

// Config configures Run.
type Config struct {
	// Exe and Args start a worker (the same binary: "worker" and the
	// command line's config flags); Env is its environment.
	Exe  string
	Args []string
	Env  []string
	// Listener is the socket APISIX connects to. Run owns it: it is
	// closed, and its file removed, when Run returns.
	Listener *net.UnixListener
	// Metrics, when set, is the metrics endpoint's listener, handed to
	// every worker; the serving one answers on it.
	Metrics *net.TCPListener
	Log     *zap.Logger
	// Stdout is the workers' standard output; their standard error runs
	// through the supervisor to Stderr.
	Stdout, Stderr *os.File
	// MemoryLimit is the resident memory past which a worker is replaced;
	// 0: no limit.
	MemoryLimit uint64
	// MaxStuck is how many calls stuck past their deadline a worker may
	// hold before it is replaced.
	MaxStuck int
	// Grace is how long workers get to finish after SIGTERM before
	// SIGKILL.
	Grace time.Duration
	// QuarantineAfter deaths within QuarantineWindow quarantine a unit.
	QuarantineAfter  int
	QuarantineWindow time.Duration
	// StartTimeout bounds each step of a worker's start: from its start
	// to the first unit it loads (Link.Loading), from one unit to the
	// next, and from the last to ready. A start of many units on a
	// loaded machine may take longer in all; one stuck does not.
	StartTimeout time.Duration
	// Hup asks for a rescan of the scripts and lifts every quarantine.
	Hup <-chan os.Signal
	// Usr1 is passed on to every worker (it reopens its log file); a
	// worker not ready yet gets it once ready.
	Usr1 <-chan os.Signal
}

func (c Config) withDefaults() Config {
	if c.Grace <= 0 {
		c.Grace = DefaultGrace
	}
	if c.QuarantineAfter <= 0 {
		c.QuarantineAfter = DefaultQuarantineAfter
	}
	if c.QuarantineWindow <= 0 {
		c.QuarantineWindow = DefaultQuarantineWindow
	}
	if c.MaxStuck <= 0 {
		c.MaxStuck = DefaultMaxStuck
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	return c
}

// ExitWorkerConfig is the exit code of a worker that refuses its
// configuration: no other worker is started. (Go's fatal errors exit
// with 2.)
const ExitWorkerConfig = 78

// Supervisor runs workers; see the package doc.
type Supervisor struct {
	cfg     Config
	log     *zap.Logger
	lisFile *os.File
	metFile *os.File
	events  chan event

	tokenBase uint32
	nextID    int
	workers   map[*worker]struct{}
	active    *worker
	standby   *worker
	confs     *confTable
	quar      *quarantine
	proven    map[UnitVersion]bool // unit versions a probe process loaded

	served      bool      // a worker has served
	restarts    int       // workers that died
	lastDeath   time.Time // for the backoff and the takeover figure
	lastFatal   time.Time // when the last death's fatal error was read
	streak      int       // deaths in a row, each within backoffWindow of the last
	nextStart   time.Time // no worker starts before
	replaceWhy  string    // replace the active worker once the standby is ready
	configError bool      // a worker refused the configuration: start no more
	orphans     []handed  // connections handed over while no worker served
}

// handed is a connection a worker handed over.
type handed struct {
	f        *os.File
	buffered []byte
}

// maxOrphans bounds the connections kept while no worker serves.
const maxOrphans = 4096

// maxProven bounds the unit versions remembered as proven.
const maxProven = 1 << 16

// provenList is what init tells a new worker: the versions it need not
// prove again, less the quarantined ones.
func (s *Supervisor) provenList() []UnitVersion {
	out := make([]UnitVersion, 0, len(s.proven))
	for uv := range s.proven {
		out = append(out, uv)
	}
	return out
}

// Run supervises workers until ctx ends, then stops them and removes the
// socket. It returns an error when no worker could be started: ErrWorkerConfig
// when the worker refused the configuration (exit 2), ErrWorkerStart otherwise.
func Run(ctx context.Context, cfg Config) error {
	cfg = cfg.withDefaults()
	// Workers die with this thread (Pdeathsig): keep it for the loop.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer cfg.Listener.Close()
	lf, err := inheritable(cfg.Listener)
	if err != nil {
		return fmt.Errorf("supervisor: listener file: %w", err)
	}
	defer lf.Close()
	s := &Supervisor{
		cfg:     cfg,
		log:     cfg.Log.Named("supervisor"),
		lisFile: lf,
		events:  make(chan event, 256),
		workers: map[*worker]struct{}{},
		confs:   newConfTable(),
		quar:    newQuarantine(cfg.QuarantineAfter, cfg.QuarantineWindow),
		proven:  map[UnitVersion]bool{},
	}
	if cfg.Metrics != nil {
		if s.metFile, err = inheritable(cfg.Metrics); err != nil {
			return fmt.Errorf("supervisor: metrics listener file: %w", err)
		}
		defer s.metFile.Close()
		defer cfg.Metrics.Close()
	}
	var seed [4]byte
	_, _ = rand.Read(seed[:])
	s.tokenBase = binary.BigEndian.Uint32(seed[:])
	return s.loop(ctx)
}

func (s *Supervisor) loop(ctx context.Context) error {
	if err := s.startStandby(time.Now()); err != nil {
		return err
	}
	tick := time.NewTicker(checkEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.shutdown()
			return nil
		case <-s.cfg.Hup:
			s.hup()
		case <-s.cfg.Usr1:
			s.usr1()
		case ev := <-s.events:
			if ev.msg != nil {
				s.message(ev.w, ev.msg)
				continue
			}
			if err := s.exited(ev.w, ev.exit); err != nil {
				s.shutdown()
				return err
			}
		case now := <-tick.C:
			s.check(now)
		}
	}
}

// startStandby starts the next worker, unless one is starting or the
// backoff says wait.
func (s *Supervisor) startStandby(now time.Time) error {
	if s.standby != nil || s.configError || now.Before(s.nextStart) {
		return nil
	}
	w, err := s.start()
	if err != nil {
		s.log.Error("cannot start a worker; retrying", zap.Error(err))
		s.nextStart = now.Add(time.Second)
		return nil
	}
	s.workers[w] = struct{}{}
	s.standby = w
	if ce := s.log.Check(zap.DebugLevel, "worker starting"); ce != nil {
		ce.Write(zap.Int("pid", w.pid), zap.Int("worker", w.id))
	}
	return nil
}

func (s *Supervisor) message(w *worker, m *message) {
	switch m.Type {
	case msgLoading:
		w.progress = time.Now()
	case msgReady:
		w.ready = true
		if w.usr1 {
			w.usr1 = false
			w.signal(syscall.SIGUSR1)
		}
		if ce := s.log.Check(zap.DebugLevel, "worker ready"); ce != nil {
			ce.Write(zap.Int("pid", w.pid), zap.Duration("took", time.Since(w.started)))
		}
		if w != s.standby {
			return
		}
		if s.active == nil {
			s.promote()
		} else if s.replaceWhy != "" {
			s.replace(s.replaceWhy)
		}
	case msgConf:
		if m.Conf == nil {
			return
		}
		s.confs.put(*m.Conf)
		for o := range s.workers {
			if o != w && o.serving {
				_ = o.down.send(m)
			}
		}
	case msgUnit:
		if m.Unit != nil {
			w.units[m.Unit.Index] = UnitVersion{Name: m.Unit.Name, Sum: m.Unit.Sum}
		}
	case msgProven:
		if m.Unit != nil && len(s.proven) < maxProven {
			s.proven[UnitVersion{Name: m.Unit.Name, Sum: m.Unit.Sum}] = true
		}
	case msgHanded:
		f, buffered, err := recvConn(w.hand)
		if err != nil {
			s.log.Warn("a connection handed over was lost", zap.Int("pid", w.pid), zap.Error(err))
			return
		}
		s.adopt(handed{f, buffered})
	}
}

// adopt gives a connection handed over to the serving worker, or keeps
// it until one serves.
func (s *Supervisor) adopt(h handed) {
	w := s.active
	if w == nil || !w.serving {
		if len(s.orphans) < maxOrphans {
			s.orphans = append(s.orphans, h)
		} else {
			h.f.Close()
		}
		return
	}
	defer h.f.Close()
	if err := sendConn(w.hand, h.f, h.buffered); err != nil {
		s.log.Warn("a connection handed over was lost", zap.Int("pid", w.pid), zap.Error(err))
		return
	}
	_ = w.down.send(&message{Type: msgAdopt})
}

// promote makes the ready standby the serving worker.
func (s *Supervisor) promote() {
	w := s.standby
	now := time.Now()
	err := w.down.send(&message{Type: msgServe, Confs: s.confs.all(now), Quarantine: s.quar.list(), Restarts: s.restarts})
	if err != nil {
		return // it died: its exit event follows
	}
	s.standby, s.active = nil, w
	w.serving = true
	fields := []zap.Field{zap.Int("pid", w.pid), zap.Int("worker", w.id)}
	if !s.served {
		s.log.Info("worker serving", append(fields, zap.Duration("start", now.Sub(w.started)))...)
	} else if !s.lastDeath.IsZero() {
		if !s.lastFatal.IsZero() {
			fields = append(fields, zap.Duration("after_fatal_error", now.Sub(s.lastFatal)))
		}
		s.log.Info("worker serving in place of the one that died", append(fields, zap.Duration("after_exit", now.Sub(s.lastDeath)))...)
		s.lastDeath, s.lastFatal = time.Time{}, time.Time{}
	} else {
		s.log.Info("worker serving in place of the one replaced", fields...)
	}
	s.served = true
	orphans := s.orphans
	s.orphans = nil
	for _, h := range orphans {
		s.adopt(h)
	}
	_ = s.startStandby(now)
}

// replace swaps the serving worker for the standby gracefully, as soon as
// the standby is ready.
func (s *Supervisor) replace(why string) {
	if s.standby == nil || !s.standby.ready {
		if s.replaceWhy == "" {
			s.log.Warn("worker will be replaced once the next one is ready", zap.String("reason", why))
		}
		s.replaceWhy = why
		_ = s.startStandby(time.Now())
		return
	}
	s.replaceWhy = ""
	old := s.active
	s.active = nil
	s.promote()
	if old != nil {
		s.drain(old, why)
	}
}

func (s *Supervisor) drain(w *worker, why string) {
	s.log.Warn("worker replaced: it finishes its calls in flight, hands its connections over and exits", zap.Int("pid", w.pid), zap.String("reason", why))
	w.draining, w.drainAt = true, time.Now()
	w.serving = false
	if err := w.down.send(&message{Type: msgDrain}); err != nil {
		w.signal(syscall.SIGTERM)
	}
}

// exited handles a worker's end. It returns an error when the supervisor
// must stop: no worker serves and none can start.
func (s *Supervisor) exited(w *worker, ex *exitInfo) error {
	delete(s.workers, w)
	defer w.state.unmap() // read by death
	w.downW.Close()
	w.hand.Close()
	now := time.Now()
	wasActive, wasStandby := w == s.active, w == s.standby
	if wasActive {
		s.active = nil
	}
	if wasStandby {
		s.standby = nil
	}
	line, _ := w.crash.get()
	fields := []zap.Field{zap.Int("pid", w.pid), zap.String("status", ex.status)}
	if line != "" {
		fields = append(fields, zap.String("fatal", line))
	}
	if ex.code == ExitWorkerConfig {
		s.configError = true
		s.log.Error("worker refused the configuration; no worker is started until the runner restarts", fields...)
		if s.active == nil {
			return fmt.Errorf("supervisor: %w", ErrWorkerConfig)
		}
		return nil
	}
	if w.draining {
		s.log.Info("replaced worker exited", fields...)
		return nil
	}
	if !s.served && !wasActive {
		// The first worker failed before serving: the configuration or
		// the scripts do not let it start (fail_on_load_error, a socket
		// error, an endless start); a loop of restarts would hide that.
		why := ex.status
		if w.killed != "" {
			why = "killed: " + w.killed
			fields = append(fields, zap.String("killed", w.killed))
		}
		s.log.Error("worker exited before serving", fields...)
		return fmt.Errorf("supervisor: %w: %s", ErrWorkerStart, why)
	}
	s.death(w, now, wasActive, line, fields)
	if s.active == nil {
		if s.standby != nil && s.standby.ready {
			s.promote()
		}
	}
	_ = s.startStandby(now)
	return nil
}

// death records an unexpected end of a worker: backoff, suspects,
// quarantine.
func (s *Supervisor) death(w *worker, now time.Time, wasActive bool, line string, fields []zap.Field) {
	s.restarts++
	if !s.lastDeath.IsZero() && now.Sub(s.lastDeath) < backoffWindow {
		s.streak++
	} else {
		s.streak = 1
	}
	s.lastDeath, s.lastFatal = now, w.crash.when()
	if s.streak > 2 {
		s.nextStart = now.Add(min(minBackoff<<min(s.streak-3, 16), maxBackoff))
	}
	if w.killed != "" {
		fields = append(fields, zap.String("killed", w.killed))
	}
	suspects, precise := w.suspects()
	names := make([]string, len(suspects))
	for i, uv := range suspects {
		names[i] = uv.Name
	}
	fields = append(fields, zap.Strings("suspects", names), zap.Bool("pinpointed", precise))
	if wasActive {
		s.log.Error("worker died: its calls in flight failed; the next worker takes over", fields...)
	} else {
		s.log.Error("standby worker died before serving", fields...)
	}
	if w.killed != "" || line == "" {
		return // not a fatal error of code it ran: nobody is to blame
	}
	for _, uv := range s.quar.death(now, suspects, line) {
		delete(s.proven, uv)
		s.log.Error("unit quarantined: it is not loaded and its plugins are refused as unknown",
			zap.String("unit", uv.Name), zap.String("sum", uv.Sum), zap.String("fatal", line),
			zap.Int("deaths", s.cfg.QuarantineAfter), zap.Duration("within", s.cfg.QuarantineWindow),
			zap.String("lifted_by", "a new version of its files, or SIGHUP"))
	}
}

// check watches the workers' memory and stuck calls, and starts a standby
// whose backoff has passed.
func (s *Supervisor) check(now time.Time) {
	limit := s.cfg.MemoryLimit
	for w := range s.workers {
		rss := uint64(0)
		if limit > 0 {
			rss = w.rss()
		}
		switch {
		case limit > 0 && rss > limit+limit/2:
			if w.killed == "" {
				s.log.Error("worker killed: resident memory far past the limit",
					zap.Int("pid", w.pid), zap.Uint64("rss", rss), zap.Uint64("limit", limit))
			}
			w.kill("memory")
		case w.draining && now.Sub(w.drainAt) > drainLimit:
			w.kill("drain took too long")
		case w == s.active && limit > 0 && rss > limit:
			s.replaceActive(fmt.Sprintf("resident memory %d MiB past the limit of %d MiB", rss>>20, limit>>20))
		case w == s.active && w.state.stuck() > s.cfg.MaxStuck:
			s.replaceActive(fmt.Sprintf("%d calls stuck past their deadline (limit %d)", w.state.stuck(), s.cfg.MaxStuck))
		case w.startStalled(now, s.cfg.StartTimeout):
			w.kill("not ready, and no unit loaded within " + s.cfg.StartTimeout.String())
		}
	}
	if s.active == nil && s.standby != nil && s.standby.ready {
		s.promote()
	}
	_ = s.startStandby(now)
}

func (s *Supervisor) replaceActive(why string) {
	if s.replaceWhy == "" {
		s.replace(why)
	}
}

// hup lifts every quarantine and asks the workers to rescan their scripts.
func (s *Supervisor) hup() {
	lifted := s.quar.lift()
	s.log.Debug("SIGHUP: the workers rescan their scripts")
	for _, uv := range lifted {
		s.log.Info("quarantine lifted (SIGHUP)", zap.String("unit", uv.Name))
	}
	m := &message{Type: msgQuarantine, Quarantine: []UnitVersion{}, Rescan: true}
	for w := range s.workers {
		if !w.draining {
			_ = w.down.send(m)
		}
	}
}

// usr1 passes SIGUSR1 on to the workers; one that is starting gets it
// when ready (before, the signal is ignored).
func (s *Supervisor) usr1() {
	for w := range s.workers {
		if w.ready {
			w.signal(syscall.SIGUSR1)
		} else {
			w.usr1 = true
		}
	}
}

// shutdown stops every worker: SIGTERM, then SIGKILL after the grace. The
// socket file goes first: nothing new connects while the workers finish.
func (s *Supervisor) shutdown() {
	_ = s.cfg.Listener.Close()
	for w := range s.workers {
		w.signal(syscall.SIGTERM)
	}
	grace := time.NewTimer(s.cfg.Grace)
	defer grace.Stop()
	var hard <-chan time.Time
	for len(s.workers) > 0 {
		select {
		case ev := <-s.events:
			if ev.exit != nil {
				delete(s.workers, ev.w)
				ev.w.downW.Close()
			}
		case <-grace.C:
			for w := range s.workers {
				w.kill("shutdown grace over")
			}
			// The kernel ends them; waiting longer would outlast
			// APISIX's second.
			hard = time.After(killWait)
		case <-hard:
			s.log.Warn("exiting before the killed workers were reaped", zap.Int("left", len(s.workers)))
			return
		}
	}
}

// inheritable returns a duplicate of l's descriptor for a child's
// ExtraFiles. Not l.File(): starting a process puts such a file in
// blocking mode, and the mode belongs to the socket that every worker
// shares: a worker's Accept would then block in the kernel, where closing
// its listener cannot interrupt it.
func inheritable(l syscall.Conn) (*os.File, error) {
	rc, err := l.SyscallConn()
	if err != nil {
		return nil, err
	}
	dup := -1
	cerr := rc.Control(func(fd uintptr) {
		dup, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(dup), "listener"), nil
}

// ExitCode is the exit code of a Run error: 2 for ErrWorkerConfig, 1
// otherwise.
func ExitCode(err error) int {
	if errors.Is(err, ErrWorkerConfig) {
		return 2
	}
	return 1
}
