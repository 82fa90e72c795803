package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/fleet"
)

// maxGateOutput bounds what a refused unit's check output adds to the log.
const maxGateOutput = 2048

// etcdDebounce caps scripts.debounce for the etcd cache: a unit's files
// change there at once (one rename), so there is no burst of saves to wait
// out, only the few events of one cache write to gather.
const etcdDebounce = 20 * time.Millisecond

// serveFromEtcd makes the etcd cache the scripts directory of run and its
// workers when scripts.etcd.endpoints is set (creating the folder), watched
// (whatever scripts.watch says) with a debounce of at most etcdDebounce.
func (c *Config) serveFromEtcd() error {
	if !c.Scripts.Etcd.On() {
		return nil
	}
	if strings.TrimSpace(c.Scripts.Etcd.Cache) == "" {
		return fmt.Errorf("config: scripts.etcd.cache is empty (from %s): %w: run needs a folder for the scripts read from etcd (served when etcd is unreachable)",
			c.source("scripts.etcd.cache"), ErrConfig)
	}
	if err := os.MkdirAll(c.Scripts.Etcd.Cache, 0o700); err != nil {
		return fmt.Errorf("config: scripts.etcd.cache = %q (from %s): %w: %w", c.Scripts.Etcd.Cache, c.source("scripts.etcd.cache"), ErrConfig, err)
	}
	c.useEtcdCache()
	return nil
}

// useEtcdCache sets the scripts settings run serves the etcd cache with
// (see serveFromEtcd); nothing when etcd is off. A config file edit is
// compared after it too.
func (c *Config) useEtcdCache() {
	if !c.Scripts.Etcd.On() {
		return
	}
	c.Scripts.Dir = c.Scripts.Etcd.Cache
	c.Scripts.Watch = true
	c.Scripts.Debounce = min(c.Scripts.Debounce, etcdDebounce)
	c.sources["scripts.dir"] = "scripts.etcd.cache"
}

// withFleet runs fn while a fleet.Mirror keeps the cache up to date with
// etcd (nothing more when etcd is off). The cache is brought up to date, or
// found unreachable, before fn starts: the first load serves the set.
func withFleet(ctx context.Context, cfg *Config, in configInput, log *runLogger, fn func() error) error {
	if !cfg.Scripts.Etcd.On() {
		return fn()
	}
	o := cfg.Scripts.Etcd.options()
	o.Logger = log.Named("etcd").WithOptions(zap.IncreaseLevel(zap.ErrorLevel))
	m := fleet.NewMirror(o, fleet.Cache{Dir: cfg.Scripts.Etcd.Cache}, checkGate(cfg, in), log.Logger)
	defer m.Close()
	if err := m.Start(ctx); err != nil {
		return err
	}
	mctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.Run(mctx) }()
	defer wg.Wait()
	defer cancel()
	return fn()
}

// checkGate refuses a unit version that `go-runner check` refuses: it
// writes the unit into a temporary folder and runs check on it in a
// process of its own, with run's --config and --set.
func checkGate(cfg *Config, in configInput) fleet.Gate {
	limit := 2*cfg.Plugins.Timeout + 30*time.Second
	return func(ctx context.Context, name string, u fleet.Unit) error {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("fleet: check: own executable: %w", err)
		}
		dir, err := os.MkdirTemp("", "go-runner-check-")
		if err != nil {
			return fmt.Errorf("fleet: check: %w", err)
		}
		defer os.RemoveAll(dir)
		if err := u.WriteFiles(dir); err != nil {
			return fmt.Errorf("fleet: check: %w", err)
		}
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, exe, append(append([]string{"check"}, in.args()...), dir)...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			msg := strings.TrimSpace(strings.ReplaceAll(out.String(), dir+string(filepath.Separator), ""))
			if len(msg) > maxGateOutput {
				msg = msg[:maxGateOutput] + fmt.Sprintf(" ... (%d bytes cut)", len(msg)-maxGateOutput)
			}
			return fmt.Errorf("fleet: check: %w: %s", err, msg)
		}
		return nil
	}
}

// args are the --config and --set flags of in, for a command of the same
// configuration.
func (in configInput) args() []string {
	var out []string
	if in.file != "" {
		out = append(out, "--config", in.file)
	}
	for _, f := range in.flags {
		out = append(out, "--set", f.key+"="+f.value)
	}
	return out
}
