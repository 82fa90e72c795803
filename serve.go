package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/protocol/metrics"
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	"github.com/go-runner/go-runner/supervisor"
)

// shutdownGrace is how long calls in flight get after SIGTERM: APISIX
// kills the runner one second after it. A worker gets less
// (workerShutdownGrace): its supervisor must be gone within the second.
const (
	shutdownGrace       = 800 * time.Millisecond
	workerShutdownGrace = 650 * time.Millisecond
)

// shutdownSlack is how long after the grace the runner waits for the
// shutdown to finish before it exits regardless.
const shutdownSlack = 100 * time.Millisecond

// workerMaxStack bounds a goroutine's stack in the worker: deep recursion
// in a script then ends the worker in well under a second instead of
// growing to Go's default of 1 GB first.
const workerMaxStack = 64 << 20

// drainLimit bounds a replaced worker's hand-over of its connections.
const drainLimit = 5 * time.Second

// stuckEvery is how often a worker publishes its stuck calls.
const stuckEvery = 100 * time.Millisecond

// runWorker is the hidden `go-runner worker`: the serving process a
// supervisor started.
func runWorker(ctx context.Context, in configInput, stdout, stderr io.Writer) error {
	// Until serve handles it, SIGUSR1 (reopen the log) must not end the
	// worker.
	signal.Ignore(syscall.SIGUSR1)
	link, err := supervisor.Attach()
	if errors.Is(err, supervisor.ErrNotWorker) {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if err != nil {
		return err
	}
	cfg, err := loadConfig(in)
	if err != nil {
		return err
	}
	if err := cfg.serveFromEtcd(); err != nil {
		return err
	}
	debug.SetMaxStack(workerMaxStack)
	if limit := memoryLimit(cfg); limit > 0 {
		debug.SetMemoryLimit(int64(limit))
	}
	return runServe(ctx, in, cfg, link, stdout, stderr)
}

// runServe serves until ctx ends: alone, or as the worker of link.
func runServe(ctx context.Context, in configInput, cfg *Config, link *supervisor.Link, stdout, stderr io.Writer) error {
	return withLogger(cfg, stdout, stderr, link == nil, func(error) int { return exitFailure }, func(log *runLogger) error {
		if in.mode.profiles() {
			defer startProfiles(profileDir, log.Logger).stop()
		}
		if link != nil { // a worker: its supervisor mirrors etcd
			return serve(ctx, in, cfg, log, link)
		}
		return withFleet(ctx, cfg, in, log, func() error { return serve(ctx, in, cfg, log, link) })
	})
}

// withLogger runs fn with the runner's logger. Errors before the logger
// exists are returned for main to print; one fn returns is logged once and
// returned as an exitError of code(err). stopped logs the end.
func withLogger(cfg *Config, stdout, stderr io.Writer, stopped bool, code func(error) int, fn func(*runLogger) error) error {
	if err := cfg.checkScriptsDir(); err != nil {
		return err
	}
	if err := makeModeLogDir(cfg); err != nil {
		return err
	}
	log, err := newLogger(cfg.Log, stdout, stderr)
	if err != nil {
		return err
	}
	defer log.close()
	if err := fn(log); err != nil {
		log.Error("go-runner stopped on an error", zap.Error(err))
		return &exitError{code: code(err), cause: err}
	}
	if stopped {
		log.Info("go-runner stopped")
	}
	return nil
}

func serve(ctx context.Context, in configInput, cfg *Config, log *runLogger, link *supervisor.Link) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pluginlog.SetLogger(log.Named("plugin"))

	// obs and um stay nil interfaces without metrics.
	var obs protocol.Observer
	var um unitMetrics
	var met *metrics.Metrics
	if cfg.Metrics.Address != "" {
		met = metrics.New()
		obs, um = met, met
	}

	// SIGUSR1 reopens log.output (a supervised worker gets it from its
	// supervisor).
	reopenLogOn(ctx, log, "worker")

	// SIGHUP rescans the scripts (and would otherwise end the process).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	// The reloader publishes each new registry to the server, which
	// re-parses the prepared confs, and closes the replaced units once no
	// call can still enter them. The server exists before anything is
	// published: the first Load publishes nothing.
	var srv *protocol.Server
	var serving atomic.Bool // a worker: the supervisor said serve
	holds := &holdSet{}
	if link != nil {
		holds.set(link.Quarantine())
	}
	publish := func(reg *plugin.Registry, retire func()) {
		srv.Rebind(reg)
		srv.Retire(retire)
	}
	if link != nil {
		// A standby that is told to stop has nothing in flight: it need
		// not finish loading first.
		go func() {
			<-ctx.Done()
			if !serving.Load() {
				os.Exit(exitOK)
			}
		}()
	}
	// Every unit version is proved in a throwaway process before this
	// one evaluates it: a fatal error in its init costs that process.
	prober, err := newProber()
	if err != nil {
		return err
	}
	prove := prober.Prove
	if link != nil {
		prove = provenOnce(link, prober.Prove)
	}
	// Hold is asked about each unit just before its load: until this
	// worker is ready, each ask tells the supervisor its start goes on.
	hold := holds.has
	if link != nil {
		hold = func(unit, sum string) bool {
			link.Loading()
			return holds.has(unit, sum)
		}
	}
	loaded, err := loadPlugins(cfg, log.Logger, um, publish, prove, hold)
	if err != nil {
		return err
	}
	if len(loaded.errs) > 0 && cfg.Scripts.FailOnLoadError {
		logLoadErrors(log, loaded)
		return fmt.Errorf("%w: %d unit(s), and scripts.fail_on_load_error is true", ErrLoad, len(loaded.errs))
	}
	readYield, err := protocol.ParseReadYield(cfg.Socket.ReadYield)
	if err != nil {
		return fmt.Errorf("serve: socket.read_yield: %w", err)
	}
	status := &statusSource{cfg: cfg, reloader: loaded.reloader, counts: &callCounters{}, supervised: link != nil, since: time.Now()}
	pc := protocol.Config{
		ConfTTL:       cfg.Conf.TTL(),
		PluginTimeout: cfg.Plugins.Timeout,
		SkipUnknown:   cfg.skipUnknown(),
		MaxBodyBytes:  cfg.Plugins.MaxBodyBytes,
		ReadYield:     readYield,
		Logger:        log.Logger,
		Observer:      callObserver{Observer: orNop(obs), reloader: loaded.reloader, counts: status.counts},
		// A unit stopped at a call's deadline is rebuilt at once, not when
		// a later call of it fails (a stuck call never returns).
		OnOverrun: loaded.reloader.CallFailed,
	}
	var l net.Listener
	if link != nil {
		pc.TokenBase = link.TokenBase
		pc.OnConfPrepared = func(r protocol.ConfRecord) {
			if err := link.ReportConf(r); err != nil {
				log.Warn("conf not handed to the supervisor: the next worker will not know its token", zap.String("key", r.Key), zap.Error(err))
			}
		}
		pc.Tracker = link.Tracker(unitVersion)
		l = link.Listener
	}
	srv = protocol.NewServer(pc, loaded.reg)
	if met != nil {
		met.WatchStuck(srv.StuckCalls)
	}

	if link != nil {
		// A standby until the supervisor says serve.
		order, err := awaitServe(ctx, link, &serving)
		if err != nil || ctx.Err() != nil {
			return err
		}
		if holds.set(order.Quarantine) {
			loaded.reloader.Rescan(false)
		}
		srv.InstallConfs(order.Confs)
		status.restarts.Store(int64(order.Restarts))
		if met != nil {
			met.SupervisorState(order.Restarts, unitNames(order.Quarantine))
		}
		go follow(ctx, cancel, link, srv, loaded.reloader, holds, met, order.Restarts, log)
		go publishStuck(ctx, link, srv)
	} else {
		if l, err = protocol.Listen(cfg.Socket.Address, os.FileMode(cfg.Socket.Mode)); err != nil {
			return err
		}
	}
	logLoadErrors(log, loaded)
	if met != nil {
		serveMetrics(ctx, cfg, link, met, status, log)
	}
	configFile := cfg.File
	if configFile == "" {
		configFile = "none (built-in defaults)"
	}
	log.Info("go-runner started",
		zap.String("version", versions().Version),
		zap.String("socket", cfg.Socket.Address),
		zap.Duration("conf_ttl", cfg.Conf.TTL()),
		zap.String("config", configFile),
		zap.String("scripts", cfg.Scripts.Dir),
		zap.Strings("plugins", loaded.reloader.Registry().Names()),
		zap.Int("units_failed", len(loaded.errs)),
		zap.Bool("supervised", link != nil),
		zap.Int("pid", os.Getpid()))
	if err := watchConfig(ctx, in, cfg, log.level, log.Logger); err != nil {
		log.Warn("config file edits will not apply while the runner runs", zap.Error(err))
	}
	go loaded.reloader.Run(ctx)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info("SIGHUP: reloading the scripts")
				loaded.reloader.Reload()
			}
		}
	}()
	grace := shutdownGrace
	if link != nil {
		grace = workerShutdownGrace
	}
	return runServer(ctx, srv, l, grace, log)
}

// reopenLogOn reopens log's file on each SIGUSR1 until ctx ends; then
// SIGUSR1 is ignored (its default action would end the process while it
// shuts down).
func reopenLogOn(ctx context.Context, log *runLogger, process string) {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		defer signal.Ignore(syscall.SIGUSR1)
		for {
			select {
			case <-ctx.Done():
				return
			case <-usr1:
				if !log.reopen(process) {
					log.Debug("SIGUSR1: log.output is not a file, nothing to reopen", zap.String("process", process))
				}
			}
		}
	}()
}

func logLoadErrors(log *runLogger, loaded *loadResult) {
	for _, le := range loaded.errs {
		log.Error("script unit failed to load", zap.String("unit", le.unit), zap.String("error", le.Error()))
	}
}

// serveMetrics answers on the metrics endpoint (and its /status view):
// the supervisor's listener for a worker, a new one otherwise.
func serveMetrics(ctx context.Context, cfg *Config, link *supervisor.Link, met *metrics.Metrics, status http.Handler, log *runLogger) {
	var ml net.Listener
	if link != nil {
		ml = link.Metrics
	} else {
		ml = listenMetrics(cfg, log)
	}
	if ml == nil {
		return
	}
	go func() {
		if err := metrics.Serve(ctx, ml, met, status); err != nil {
			log.Error("metrics endpoint stopped", zap.Error(err))
		}
	}()
}

// listenMetrics listens on metrics.address; nil when it is empty. A
// failure (a port in use) is logged and the runner serves without metrics:
// under APISIX an exit is a restart every 3 s, each failing the same way.
func listenMetrics(cfg *Config, log *runLogger) net.Listener {
	if cfg.Metrics.Address == "" {
		return nil
	}
	ml, err := metrics.Listen(cfg.Metrics.Address)
	if err != nil {
		log.Error("metrics endpoint not started: serving without metrics", zap.String("address", cfg.Metrics.Address), zap.Error(err))
		return nil
	}
	log.Info("metrics endpoint listening", zap.String("url", "http://"+ml.Addr().String()+metrics.Path))
	return ml
}

// runServer serves l until ctx ends, then shuts down within APISIX's grace.
func runServer(ctx context.Context, srv *protocol.Server, l net.Listener, grace time.Duration, log *runLogger) error {
	ran := make(chan error, 1)
	go func() { ran <- protocol.Run(ctx, srv, l, grace) }()
	var err error
	select {
	case err = <-ran:
	case <-ctx.Done():
		// A plugin blocked in compiled code (time.Sleep, a stuck read)
		// cannot be interrupted and keeps its connection's goroutine, so
		// Run may not return; APISIX kills the runner 1 s after SIGTERM.
		// The listener is closed (and the socket file removed) at once by
		// the shutdown; exit when the grace is over.
		hard := time.NewTimer(grace + shutdownSlack)
		defer hard.Stop()
		select {
		case err = <-ran:
		case <-hard.C:
			log.Warn("exiting with plugin calls still running: they ignored the shutdown", zap.Duration("grace", grace))
			return nil
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("calls still running after the shutdown grace were cut off", zap.Duration("grace", grace))
		return nil
	}
	if errors.Is(err, protocol.ErrServerClosed) {
		return nil // its connections were handed over
	}
	return err
}

// awaitServe tells the supervisor this worker is ready and waits for its
// order to serve.
func awaitServe(ctx context.Context, link *supervisor.Link, serving *atomic.Bool) (supervisor.Order, error) {
	if err := link.Ready(); err != nil {
		return supervisor.Order{}, err
	}
	type res struct {
		o   supervisor.Order
		err error
	}
	got := make(chan res, 1)
	go func() {
		for {
			o, err := link.Next()
			if err == nil && o.Serve {
				serving.Store(true)
			}
			if err != nil || o.Serve {
				got <- res{o, err}
				return
			}
		}
	}()
	select {
	case <-ctx.Done():
		return supervisor.Order{}, nil
	case r := <-got:
		if errors.Is(r.err, supervisor.ErrSupervisorGone) {
			return r.o, nil // nothing to serve: exit quietly
		}
		return r.o, r.err
	}
}

// follow carries out the supervisor's orders until it goes away, which
// stops the worker.
func follow(ctx context.Context, stop context.CancelFunc, link *supervisor.Link, srv *protocol.Server, rl *interp.Reloader, holds *holdSet, met *metrics.Metrics, deaths int, log *runLogger) {
	for {
		o, err := link.Next()
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("the supervisor is gone: stopping", zap.Error(err))
			}
			stop()
			return
		}
		if len(o.Confs) > 0 {
			srv.InstallConfs(o.Confs)
		}
		if o.Adopt != nil {
			srv.Adopt(o.Adopt.Conn, o.Adopt.Buffered)
		}
		if o.Drain {
			go func() {
				// Replaced: every connection goes to the next worker
				// between two frames; calls stuck past drainLimit are
				// left to the supervisor's kill.
				hctx, cancel := context.WithTimeout(ctx, drainLimit)
				defer cancel()
				err := srv.Handover(hctx, link.HandOver)
				switch {
				case errors.Is(err, context.DeadlineExceeded):
					log.Warn("calls still running when the worker stopped", zap.Duration("drain_limit", drainLimit), zap.Error(err))
				case err != nil && ctx.Err() != nil:
					// SIGTERM came while connections were being handed
					// over: the shutdown finishes the rest, and says if it
					// cuts a call off.
					log.Debug("handover cut short by the shutdown", zap.Error(err))
				case err != nil:
					log.Warn("handover failed", zap.Error(err))
				}
				stop()
			}()
		}
		changed := o.Quarantine != nil && holds.set(o.Quarantine)
		if o.Quarantine != nil && met != nil {
			met.SupervisorState(deaths, unitNames(o.Quarantine))
		}
		if o.Rescan {
			log.Info("SIGHUP: reloading the scripts")
		}
		if o.Rescan || changed {
			rl.Reload()
		}
	}
}

// publishStuck keeps the supervisor told how many calls are stuck.
func publishStuck(ctx context.Context, link *supervisor.Link, srv *protocol.Server) {
	t := time.NewTicker(stuckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			link.SetStuck(srv.StuckCalls())
		}
	}
}

// unitVersion names the script unit a plugin comes from.
func unitVersion(spec *plugin.Spec) (supervisor.UnitVersion, bool) {
	u, ok := spec.Guard.(*interp.Unit)
	if !ok {
		return supervisor.UnitVersion{}, false
	}
	return supervisor.UnitVersion{Name: u.Name(), Sum: u.Sum()}, true
}

// holdSet is the unit versions the supervisor quarantined.
type holdSet struct {
	mu sync.Mutex
	m  map[supervisor.UnitVersion]bool
}

func (h *holdSet) has(unit, sum string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[supervisor.UnitVersion{Name: unit, Sum: sum}]
}

// set replaces the set and reports whether it changed.
func (h *holdSet) set(q []supervisor.UnitVersion) bool {
	m := make(map[supervisor.UnitVersion]bool, len(q))
	for _, uv := range q {
		m[supervisor.UnitVersion{Name: uv.Name, Sum: uv.Sum}] = true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	changed := !maps.Equal(m, h.m) && (len(m) > 0 || len(h.m) > 0)
	h.m = m
	return changed
}

func unitNames(q []supervisor.UnitVersion) []string {
	out := make([]string, len(q))
	for i, uv := range q {
		out[i] = uv.Name
	}
	return out
}

// provenOnce proves each unit version once per supervisor: a version an
// earlier worker's probe loaded is not proved again, which keeps a standby's
// start short.
func provenOnce(link *supervisor.Link, prove interp.ProveFunc) interp.ProveFunc {
	return func(cfg interp.Config, snap *interp.Snapshot) error {
		uv := supervisor.UnitVersion{Name: snap.Name, Sum: hex.EncodeToString(snap.Sum[:])}
		if link.Proven(uv) {
			return nil
		}
		if err := prove(cfg, snap); err != nil {
			return err
		}
		link.ReportProven(uv)
		return nil
	}
}
