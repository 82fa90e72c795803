package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// runMode is `go-runner run --mode`, the reference runner's -m: a set of
// defaults for the log keys, and profiling. Explicit settings (the config
// file, GO_RUNNER_* variables, --set, --log-level) win over a mode's.
type runMode string

const (
	// modeDev is the built-in defaults: info level, logs on stdout.
	modeDev runMode = "dev"
	// modeProd logs at warn level, appended to modeLogFile.
	modeProd runMode = "prod"
	// modeProf is modeProd, and the serving process writes CPU and heap
	// profiles into profileDir when it exits on SIGTERM or SIGINT.
	modeProf runMode = "prof"
)

// The files of prod and prof, relative to the working directory as the
// reference runner has them.
const (
	modeLogFile    = "logs/runner.log"
	profileDir     = "logs"
	cpuProfileFile = "profile.cpu"
	memProfileFile = "profile.mem"
)

var runModes = []runMode{modeDev, modeProd, modeProf}

// String, Set and Type make a runMode a pflag.Value.
func (m *runMode) String() string {
	if *m == "" {
		return string(modeDev)
	}
	return string(*m)
}

// Set accepts a mode in any case: the reference's flag does.
func (m *runMode) Set(s string) error {
	v := runMode(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range runModes {
		if v == known {
			*m = v
			return nil
		}
	}
	return fmt.Errorf("want dev, prod or prof, any case")
}

func (m *runMode) Type() string { return "mode" }

// source is the source the mode's settings are reported with.
func (m runMode) source() string { return "--mode " + string(m) }

// settings are the mode's defaults for config keys: a layer between the
// built-in defaults and the config file.
func (m runMode) settings() []flagSetting {
	switch m {
	case modeProd, modeProf:
		return []flagSetting{
			{key: "log.level", value: "warn", from: m.source()},
			{key: "log.output", value: modeLogFile, from: m.source()},
		}
	}
	return nil
}

// profiles reports whether the serving process profiles itself.
func (m runMode) profiles() bool { return m == modeProf }

// fromMode reports whether key's value is a --mode default, which the
// config file overrides.
func (c *Config) fromMode(key string) bool {
	return strings.HasPrefix(c.source(key), "--mode ")
}

// makeModeLogDir creates the directory of log.output when the value is the
// mode's (logs/ of prod and prof); a directory the user named must exist.
func makeModeLogDir(cfg *Config) error {
	if !cfg.fromMode("log.output") {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Log.Output), 0o755); err != nil {
		return fmt.Errorf("log: %s: %w", cfg.source("log.output"), err)
	}
	return nil
}
