package main

import (
	"errors"
	"fmt"
	"go/scanner"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/sdk/plugin"
)

// unitMetrics receives what happens to units (package metrics).
type unitMetrics = interp.UnitEvents

// loadResult is what loading the scripts produced.
type loadResult struct {
	// reg serves the compiled plugins and the plugins of the units that
	// loaded.
	reg *plugin.Registry
	// units are the units that loaded and are served.
	units []*interp.Unit
	// errs has one entry per unit that failed.
	errs []*unitError
	// reloader owns the served units from then on: `run` runs it to
	// reload them (scripts.watch, SIGHUP, a unit stopped by a deadline).
	reloader *interp.Reloader
}

// unitError is a unit that failed to load.
type unitError struct {
	unit string
	err  error
}

func (e *unitError) Error() string { return e.err.Error() }
func (e *unitError) Unwrap() error { return e.err }

// posRe finds a source position "file.go:line:col" in an error message.
var posRe = regexp.MustCompile(`([^\s:"]+\.go):(\d+):(\d+)`)

// diagnostics returns the failure as lines "file:line:col: message", one
// per position the error names, the files under dir (the scripts
// directory the unit's positions are relative to). A failure without a
// position is given as "dir/unit: message".
func (e *unitError) diagnostics(dir string) []string {
	inner := e.err
	var ue *interp.UnitError
	if errors.As(inner, &ue) {
		inner = ue.Err
	}
	file := func(name string) string {
		if filepath.IsAbs(name) {
			return name
		}
		return filepath.Join(dir, name)
	}
	var lines []string
	var el scanner.ErrorList
	if errors.As(inner, &el) {
		for _, se := range el {
			lines = append(lines, fmt.Sprintf("%s:%d:%d: %s", file(se.Pos.Filename), se.Pos.Line, se.Pos.Column, se.Msg))
		}
		return lines
	}
	for _, l := range strings.Split(strings.TrimSpace(inner.Error()), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		m := posRe.FindStringSubmatchIndex(l)
		if m == nil {
			lines = append(lines, file(e.unit)+": "+l)
			continue
		}
		// "kind: file.go:9:2: message" becomes "dir/file.go:9:2: message (kind)".
		msg := strings.TrimPrefix(l[m[1]:], ":")
		msg = strings.TrimSpace(msg)
		if kind := strings.TrimSuffix(strings.TrimSpace(l[:m[0]]), ":"); kind != "" {
			msg += " (" + kind + ")"
		}
		lines = append(lines, fmt.Sprintf("%s%s: %s", file(l[m[2]:m[3]]), l[m[3]:m[1]], msg))
	}
	return lines
}

// loadPlugins builds the registry the runner serves from the compiled
// plugins and the script units of cfg.Scripts.Dir, as `run`, `check` and
// `try` all do. The reloader it returns serves later versions through
// publish (nil: none; `run` passes the server's Rebind and Retire). prove,
// when not nil, proves each unit before it is loaded here
// (interp.ReloadConfig.Prove; `check` passes its Prober's).
//
// A missing scripts directory is an error; a unit that fails is reported
// in the result, and the others are served.
//
// prove, when set, proves each unit version before it is loaded here;
// hold, when set, keeps unit versions out (a supervisor's quarantine).
func loadPlugins(cfg *Config, log *zap.Logger, met unitMetrics, publish interp.Publisher, prove interp.ProveFunc, hold func(unit, sum string) bool) (*loadResult, error) {
	if err := cfg.checkScriptsDir(); err != nil {
		return nil, err
	}
	debounce := cfg.Scripts.Debounce
	if debounce == 0 {
		debounce = -1 // scripts.debounce: 0s is none; interp's zero is its default
	}
	rl := interp.NewReloader(interp.ReloadConfig{
		Config: interp.Config{
			Dir:          cfg.Scripts.Dir,
			Allow:        cfg.Sandbox.Allow,
			LoadTimeout:  cfg.Plugins.Timeout,
			Logger:       log,
			LogRate:      cfg.Log.UnitRate,
			LogLineBytes: cfg.Log.UnitLineBytes,

			MaxConcurrent: cfg.Plugins.MaxConcurrent,
		},
		Base:     plugin.Compiled(),
		Publish:  publish,
		Watch:    cfg.Scripts.Watch,
		Debounce: debounce,
		Events:   met,
		Prove:    prove,
		Hold:     hold,
	})
	reg, errs := rl.Load()
	res := &loadResult{reg: reg, units: rl.Units(), reloader: rl}
	for _, err := range errs {
		res.errs = append(res.errs, &unitError{unit: unitOf(err), err: err})
	}
	return res, nil
}

// unitOf returns the unit an interp error names.
func unitOf(err error) string {
	var ue *interp.UnitError
	if errors.As(err, &ue) {
		return ue.Unit
	}
	return ""
}

// checkScriptsDir checks that scripts.dir is a directory.
func (c *Config) checkScriptsDir() error {
	dir := c.Scripts.Dir
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("config: scripts.dir = %q (from %s): %w: no such directory", dir, c.source("scripts.dir"), ErrConfig)
	case err != nil:
		return fmt.Errorf("config: scripts.dir = %q (from %s): %w: %w", dir, c.source("scripts.dir"), ErrConfig, err)
	case !fi.IsDir():
		return fmt.Errorf("config: scripts.dir = %q (from %s): %w: not a directory", dir, c.source("scripts.dir"), ErrConfig)
	}
	return nil
}
