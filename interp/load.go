package interp

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-runner/go-runner/bridge"
	yaegi "github.com/traefik/yaegi/interp"
	"go.uber.org/zap"
)

// evalGrace bounds the wait for a timed-out load to return once its
// interpreter is stopped: it only overruns when blocked in compiled code.
const evalGrace = time.Second

// ProveFunc proves that the unit of snap loads before a process that must
// not crash loads it: nil when it does, else the reason, as an in-process
// load would give it. cfg is the load's Config, with its defaults. See
// ReloadConfig.Prove and Prober.
type ProveFunc func(cfg Config, snap *Snapshot) error

// LoadUnit loads the unit at path: one .go file, or one folder whose files
// form one package. Its files are read once, into a Snapshot the load reads
// from. Its directory is the unit's only source root: a unit sees the
// bridge's packages and nothing else.
func LoadUnit(cfg Config, path string) (*Unit, error) {
	cfg = cfg.withDefaults()
	dir, name := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	switch {
	case skipName(name):
		return nil, &UnitError{Unit: name, Err: errSkipped}
	case name == LibDir:
		return nil, &UnitError{Unit: name, Err: errLibDir}
	}
	snap, err := readUnit(dir, name, path)
	if err != nil {
		return nil, &UnitError{Unit: name, Err: err}
	}
	return loadUnit(cfg, snap, nil)
}

// loadUnit is LoadUnit from a snapshot: a file that declares nothing is
// not a unit.
func loadUnit(cfg Config, snap *Snapshot, prove ProveFunc) (*Unit, error) {
	u, err := load(cfg, snap, prove)
	if err == errNoDecls {
		err = &UnitError{Unit: snap.Name, Err: fmt.Errorf("%w: %s declares nothing", ErrNotUnit, snap.Name)}
	}
	return u, err
}

// load loads the unit of snap, reading nothing else from the scripts
// directory. prove, when not nil, gets the snapshot once its source passed
// the static checks and before any of it is evaluated in this process; its
// error fails the load. cfg has its defaults.
func load(cfg Config, snap *Snapshot, prove ProveFunc) (*Unit, error) {
	name := snap.Name
	fail := func(err error) (*Unit, error) {
		var ue *UnitError
		if errors.As(err, &ue) && ue.Unit == name {
			return nil, err
		}
		return nil, &UnitError{Unit: name, Err: err}
	}
	switch {
	case skipName(name):
		return fail(errSkipped)
	case name == LibDir:
		return fail(errLibDir)
	}
	if err := bridge.CheckAllow(cfg.Allow); err != nil {
		return fail(err)
	}
	fsys := unitFS{name: name, dir: newMemFS(snap.Files), src: bridge.SourceFS()}
	files, err := unitFiles(fsys, name)
	if err != nil {
		return fail(err)
	}
	declares, imports, parsed, err := checkSource(fsys, files, snap.libFiles(), cfg.Allow)
	if err != nil {
		return fail(err)
	}
	if !declares {
		return nil, errNoDecls
	}
	rewritten, sites, err := typeCheck(parsed, cfg.Allow)
	if err != nil {
		return fail(err)
	}
	fsys.dir = newMemFS(rewritten)
	if prove != nil {
		if err := prove(cfg, snap); err != nil {
			return fail(err)
		}
	}

	u, ex, err := newUnit(cfg, name, snap.Path, fsys, imports)
	if err != nil {
		return fail(err)
	}
	u.sites = sites
	if err := u.i.Use(ex); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrCompile, err))
	}
	if u.g, err = arm(u.i); err != nil {
		return fail(fmt.Errorf("%w: arming the interpreter: %w", ErrCompile, err))
	}
	if err := u.eval(cfg, files); err != nil {
		u.Close()
		return fail(err)
	}
	if len(u.specs) == 0 {
		u.Close()
		return fail(fmt.Errorf("%w: call plugin.RegisterPlugin from init(); %s", ErrNoPlugin, shareHint))
	}
	return u, nil
}

// eval evaluates the unit: its init functions run and register plugins. It
// runs on its own goroutine so that a panic (of the script, or of yaegi,
// which can panic on code it does not handle) and an endless init both fail
// the load instead of the runner.
func (u *Unit) eval(cfg Config, files []string) error {
	target := u.name
	if len(files) > 1 || files[0] != u.name {
		target = "./" + u.name // a folder: yaegi wants a relative import path
	}
	start := time.Now()
	u.loading.Store(true)
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- u.panicError(bridge.PanicValue(r))
			}
		}()
		_, err := u.i.EvalPath(target)
		done <- err
	}()
	timer := time.NewTimer(cfg.LoadTimeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-timer.C:
		u.g.stop()
		err = fmt.Errorf("%w after %s: an init function or package variable of %s does not return", ErrLoadTimeout, cfg.LoadTimeout, u.name)
		grace := time.NewTimer(evalGrace)
		defer grace.Stop()
		select {
		case <-done:
		case <-grace.C:
			err = fmt.Errorf("%w, and it could not be stopped (blocked in compiled code)", err)
		}
	}
	u.mu.Lock()
	u.loading.Store(false)
	regErrs := u.regErrs
	u.mu.Unlock()
	u.log.Debug("script unit evaluated", zap.Duration("took", time.Since(start)), zap.Error(err))
	switch {
	case len(regErrs) > 0:
		// The root cause: scripts usually Fatalf on a failed RegisterPlugin.
		return errors.Join(regErrs...)
	case err == nil:
		return nil
	case errors.Is(err, ErrLoadTimeout) || errors.Is(err, ErrLoadPanic):
		return err
	}
	var p yaegi.Panic
	if errors.As(err, &p) {
		return u.panicError(bridge.PanicValue(p.Value))
	}
	return fmt.Errorf("%w: %w", ErrCompile, libPathError{err})
}

// panicError describes a panic during load, at the position yaegi
// printed, narrowed and worded as for a call (place).
func (u *Unit) panicError(v interface{}) error {
	pe := &PanicError{}
	if e, ok := v.(error); ok {
		pe.cause, pe.Value = e, e.Error()
	} else {
		pe.Value = fmt.Sprint(v)
	}
	if p := u.panicPos.Load(); p != nil {
		if pos, _, ok := strings.Cut(*p, string(panicMark)); ok {
			pe.Pos = pos
		}
	}
	u.place(pe)
	where := ""
	if pe.Pos != "" {
		where = pe.Pos + ": "
	}
	if pe.cause != nil {
		return fmt.Errorf("%w: %s%w", ErrLoadPanic, where, &loadPanic{pe})
	}
	return fmt.Errorf("%w: %s%s", ErrLoadPanic, where, pe.Value)
}

// loadPanic is a script's error panicked while loading: its message is
// the reworded value, and it unwraps to the script's error.
type loadPanic struct{ pe *PanicError }

func (e *loadPanic) Error() string { return e.pe.Value }

func (e *loadPanic) Unwrap() error { return e.pe.cause }
