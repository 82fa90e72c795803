package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestConfigReload checks what an edit of the config file does, calling
// reload directly (the fsnotify side is covered by the end-to-end test).
func TestConfigReload(t *testing.T) {
	dir := cleanEnv(t)
	path := writeFile(t, filepath.Join(dir, "config.yaml"), "log:\n  level: info\nplugins:\n  timeout: 5s\n")
	cur, err := loadConfig(configInput{})
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	lvl := zap.NewAtomicLevelAt(zapcore.InfoLevel)
	cw := &configWatcher{in: configInput{file: path}, running: cur, level: lvl, log: zap.New(core)}

	steps := []struct {
		name    string
		content string
		level   zapcore.Level
		msg     string // a message logged by this step
		field   string // and its key field, if any
	}{
		{"level to debug", "log:\n  level: debug\nplugins:\n  timeout: 5s\n", zapcore.DebugLevel, "log level changed", ""},
		{"restart-only setting", "log:\n  level: debug\nplugins:\n  timeout: 2s\n", zapcore.DebugLevel, "setting changed in the config file; it applies when the runner restarts", "plugins.timeout"},
		{"invalid edit is ignored", "log:\n  level: loud\n", zapcore.DebugLevel, "config file edit ignored: it has errors; the runner keeps its settings", ""},
		{"level to warn", "log:\n  level: warn\n", zapcore.WarnLevel, "log level changed", ""},
	}
	for _, s := range steps {
		logs.TakeAll()
		writeFile(t, path, s.content)
		cw.reload()
		if got := lvl.Level(); got != s.level {
			t.Errorf("%s: level %s, want %s", s.name, got, s.level)
		}
		found := false
		for _, e := range logs.All() {
			if e.Message == s.msg && (s.field == "" || e.ContextMap()["key"] == s.field) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no log %q (key %q) in %v", s.name, s.msg, s.field, logs.All())
		}
	}
	if cur.Plugins.Timeout.String() != "5s" {
		t.Errorf("the running plugins.timeout changed to %s", cur.Plugins.Timeout)
	}
}

// TestConfigReloadUnderMode: under run --mode prod the config file's
// log.level wins over the mode's warn, live; removing it from the file
// brings the mode's back. The watcher does not say that file edits have no
// effect, as it does when a variable or a flag sets the level.
func TestConfigReloadUnderMode(t *testing.T) {
	dir := cleanEnv(t)
	path := writeFile(t, filepath.Join(dir, "config.yaml"), "plugins:\n  timeout: 5s\n")
	in := configInput{mode: modeProd}
	cur, err := loadConfig(in)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Log.Level != "warn" {
		t.Fatalf("level %s under prod, want warn", cur.Log.Level)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	lvl := zap.NewAtomicLevelAt(zapcore.WarnLevel)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := watchConfig(ctx, in, cur, lvl, zap.New(core)); err != nil {
		t.Fatal(err)
	}
	for _, e := range logs.All() {
		if strings.Contains(e.Message, "have no effect") {
			t.Errorf("watcher says %q though the mode sets the level", e.Message)
		}
	}
	cancel() // reload is called directly below

	cw := &configWatcher{in: configInput{file: path, mode: modeProd}, running: cur, level: lvl, log: zap.New(core)}
	steps := []struct {
		content string
		level   zapcore.Level
	}{
		{"log:\n  level: debug\nplugins:\n  timeout: 5s\n", zapcore.DebugLevel},
		{"plugins:\n  timeout: 5s\n", zapcore.WarnLevel},
	}
	for _, s := range steps {
		writeFile(t, path, s.content)
		cw.reload()
		if got := lvl.Level(); got != s.level {
			t.Errorf("after writing %q: level %s, want %s", s.content, got, s.level)
		}
	}
}
