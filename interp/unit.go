package interp

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-runner/go-runner/bridge"
	"github.com/go-runner/go-runner/interp/typecheck"
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginlog"
	yaegi "github.com/traefik/yaegi/interp"
	"go.uber.org/zap"
)

// Unit is one loaded script unit: its interpreter and the plugins it
// registered. It is the plugin.Guard of those plugins.
type Unit struct {
	name string // "say.go" or "folder"
	sum  string // content sum (hex) when a Reloader loaded it
	path string // as given to LoadUnit
	log  *zap.Logger
	i    *yaegi.Interpreter
	g    *guard

	mu       sync.Mutex // guards specs and regErrs while the unit loads
	specs    []*plugin.Spec
	regErrs  []error
	loading  atomic.Bool
	panicPos atomic.Pointer[string] // first "file:line:col: panic" line yaegi printed while loading

	epoch    atomic.Uint64
	dead     atomic.Bool
	inflight atomic.Int64 // calls running in the interpreter

	stdout, stderr *lineWriter

	slots   chan struct{} // one per call running (limit.go)
	busyLog throttle

	timeout time.Duration          // deadline of callbacks (callback.go)
	timers  bridge.Timers          // started by the unit's scripts
	onStop  atomic.Pointer[func()] // told when a callback overran
	hostLog *pluginlog.Logger

	panics   panicTrace       // yaegi's panic frames by goroutine (panics.go)
	sites    *typecheck.Sites // where its functions can panic (panicsite.go)
	cbPanics repeats          // callback panics logged (callback.go)
}

var _ plugin.Guard = (*Unit)(nil)

// Name is the unit's name: its file or folder name in the scripts directory.
func (u *Unit) Name() string { return u.name }

// Sum identifies the content the unit was loaded from (hex), when a
// Reloader loaded it; "" otherwise.
func (u *Unit) Sum() string { return u.sum }

// Path is the unit's path as it was loaded.
func (u *Unit) Path() string { return u.path }

// Specs are the plugins the unit registered, in registration order.
func (u *Unit) Specs() []*plugin.Spec { return u.specs }

// Epoch changes each time the unit is interrupted.
func (u *Unit) Epoch() uint64 { return u.epoch.Load() }

// Dead reports whether the unit was interrupted or closed: its specs refuse
// every new call (ErrUnitDead) until the unit is loaded again.
func (u *Unit) Dead() bool { return u.dead.Load() }

// Interrupt stops every call in flight in the unit's interpreter, bumps the
// epoch so that their callers discard what they did, and leaves the unit
// dead, also after Close. Calls blocked inside compiled code (time.Sleep, a
// Var round trip) return when that code does.
func (u *Unit) Interrupt(reason string) {
	u.dead.Store(true)
	u.epoch.Add(1)
	u.stopTimers()
	if u.g.stop() {
		u.log.Warn("script unit interrupted", zap.String("reason", reason))
	}
}

// Close retires the unit, e.g. once a reload serves its replacement: new
// calls are refused (ErrUnitDead), calls in flight finish normally (and
// Interrupt can still stop them), and the interpreter is released when the
// last one returns.
func (u *Unit) Close() {
	u.dead.Store(true)
	u.stopTimers()
	if u.inflight.Load() == 0 {
		u.g.free()
	}
	u.stdout.flush()
	u.stderr.flush()
}

// newUnit makes the unit's interpreter, logging and host, before anything
// is evaluated.
func newUnit(cfg Config, name, path string, fsys unitFS, imports []string) (*Unit, yaegi.Exports, error) {
	u := &Unit{
		name: name,
		path: path,
		log:  cfg.Logger.Named("interp").With(zap.String("unit", name)),

		slots:   make(chan struct{}, cfg.withDefaults().MaxConcurrent),
		timeout: cfg.withDefaults().LoadTimeout,
	}
	slog := limitLogger(cfg.Logger.Named("script").With(zap.String("unit", name)), cfg.LogRate, cfg.LogLineBytes)
	u.stdout = &lineWriter{line: func(s string) { slog.Info("script output", zap.String("line", s), u.pluginField()) }}
	u.stderr = &lineWriter{line: func(s string) {
		if u.loading.Load() && u.panicPos.Load() == nil && strings.Contains(s, ": panic") {
			u.panicPos.CompareAndSwap(nil, &s)
		}
		slog.Warn("script error output", zap.String("line", s), u.pluginField())
	}}
	origin := "script " + path
	u.hostLog = pluginlog.New(slog)
	ex, err := bridge.Exports(cfg.Allow, bridge.Host{
		Register: func(name string, parse plugin.ParseFunc, req plugin.RequestFunc, resp plugin.ResponseFunc) error {
			return u.register(origin, name, parse, req, resp)
		},
		Log:     u.hostLog,
		Imports: imports,
		Spawn:   u.callback,
		Timers:  &u.timers,
	})
	if err != nil {
		return nil, nil, err
	}
	u.i = yaegi.New(yaegi.Options{
		GoPath:               gopath,
		SourcecodeFilesystem: fsys,
		Stdin:                strings.NewReader(""),
		Stdout:               u.stdout,
		Stderr:               stderrWriter{u},
		Args:                 []string{name},
		Env:                  []string{},
	})
	return u, ex, nil
}

// register is the unit's bridge.Host.Register: it resolves a script's
// RegisterPlugin call into a spec. An error also fails the load, even if the
// script ignores it.
func (u *Unit) register(origin, name string, parse plugin.ParseFunc, req plugin.RequestFunc, resp plugin.ResponseFunc) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.loading.Load() {
		err := fmt.Errorf("%w: RegisterPlugin(%q) after the unit loaded (call it from init())", ErrRegister, name)
		return err
	}
	s := &plugin.Spec{Name: name, Origin: origin, Unit: u.name, Guard: u}
	if parse != nil {
		s.ParseConf = u.parseFunc(name, parse)
	}
	s.RequestFilter = u.requestFunc(name, req)
	s.ResponseFilter = u.responseFunc(name, resp)
	err := s.Validate()
	switch {
	case parse == nil:
		err = fmt.Errorf("%w: %w", ErrRegister, bridge.ErrNilPlugin)
	case err != nil:
		err = fmt.Errorf("%w: %w", ErrRegister, err)
	default:
		for _, old := range u.specs {
			if old.Name == name {
				err = fmt.Errorf("%w: plugin %q: %w: %s and %s", ErrRegister, name, plugin.ErrDuplicate, old.Origin, origin)
			}
		}
	}
	if err != nil {
		u.regErrs = append(u.regErrs, err)
		return err
	}
	u.specs = append(u.specs, s)
	return nil
}

// pluginField tags a line the unit printed with its plugin: "plugin" when
// the unit registered one (the usual case), "plugins" otherwise.
func (u *Unit) pluginField() zap.Field {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.specs) == 1 {
		return zap.String("plugin", u.specs[0].Name)
	}
	names := make([]string, len(u.specs))
	for i, s := range u.specs {
		names[i] = s.Name
	}
	return zap.Strings("plugins", names)
}
