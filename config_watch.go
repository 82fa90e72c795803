package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// configSettle is how long the config file must be quiet before an edit
// is read: editors write a file in several steps.
const configSettle = 100 * time.Millisecond

// configWatcher applies edits of the config file while the runner runs:
// log.level changes at once; any other changed setting is logged as one
// that applies on restart.
type configWatcher struct {
	in      configInput
	running *Config // the settings in effect
	level   zap.AtomicLevel
	log     *zap.Logger
	w       *fsnotify.Watcher
}

// watchConfig starts watching cur.File until ctx ends. It does nothing
// when the runner runs on the embedded defaults.
func watchConfig(ctx context.Context, in configInput, cur *Config, level zap.AtomicLevel, log *zap.Logger) error {
	if cur.File == "" {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("config: watch %s: %w", cur.File, err)
	}
	// The directory is watched, not the file: editors replace the file by
	// renaming a new one over it.
	if err := w.Add(filepath.Dir(cur.File)); err != nil {
		_ = w.Close()
		return fmt.Errorf("config: watch %s: %w", cur.File, err)
	}
	in.file = cur.File
	cw := &configWatcher{in: in, running: cur, level: level, log: log.Named("config"), w: w}
	if src := cur.source("log.level"); src != cur.File && src != "default" && !cur.fromMode("log.level") {
		cw.log.Info("log.level is set by "+src+": edits of it in the config file have no effect",
			zap.String("file", cur.File))
	}
	go cw.run(ctx)
	return nil
}

func (cw *configWatcher) run(ctx context.Context) {
	defer cw.w.Close()
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-cw.w.Events:
			if !ok {
				return
			}
			if filepath.Clean(ev.Name) == cw.running.File && !ev.Has(fsnotify.Chmod) {
				settle.Reset(configSettle)
			}
		case err, ok := <-cw.w.Errors:
			if !ok {
				return
			}
			cw.log.Warn("watching the config file failed; edits may be missed", zap.Error(err))
		case <-settle.C:
			cw.reload()
		}
	}
}

// reload reads the file again and applies what changed.
func (cw *configWatcher) reload() {
	if _, err := os.Stat(cw.running.File); errors.Is(err, fs.ErrNotExist) {
		cw.log.Warn("config file removed; the runner keeps its settings", zap.String("file", cw.running.File))
		return
	}
	next, err := loadConfig(cw.in)
	if err != nil {
		cw.log.Error("config file edit ignored: it has errors; the runner keeps its settings",
			zap.String("file", cw.running.File), zap.Error(err))
		return
	}
	next.useEtcdCache()
	old, now := cw.running.settings(), next.settings()
	keys := make([]string, 0, len(now))
	for k := range now {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if old[k] == now[k] {
			continue
		}
		if liveKeys[k] {
			continue
		}
		cw.log.Warn("setting changed in the config file; it applies when the runner restarts",
			zap.String("key", k), zap.String("running", old[k]), zap.String("file", now[k]))
	}
	if old["log.level"] != now["log.level"] {
		lvl, err := zapcore.ParseLevel(next.Log.Level)
		if err != nil { // validated by loadConfig
			cw.log.Error("log level not changed", zap.Error(err))
			return
		}
		cw.level.SetLevel(lvl)
		cw.running.Log.Level = next.Log.Level
		cw.log.Log(max(lvl, zapcore.InfoLevel), "log level changed",
			zap.String("from", old["log.level"]), zap.String("to", next.Log.Level))
	}
}
