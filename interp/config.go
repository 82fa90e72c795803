package interp

import (
	"runtime"
	"time"

	"go.uber.org/zap"
)

// Defaults of Config.
const (
	DefaultDir         = "scripts"
	DefaultLoadTimeout = 5 * time.Second
)

// Config is what loading depends on.
type Config struct {
	// Dir is the scripts directory LoadDir reads (config.yaml scripts.dir,
	// `go-runner run --scripts DIR`); DefaultDir when empty.
	Dir string
	// Allow lists the standard library packages scripts may import beyond
	// bridge.DefaultAllowed (config.yaml sandbox.allow).
	Allow []string
	// LoadTimeout bounds a unit's init functions and package variables;
	// DefaultLoadTimeout when zero.
	LoadTimeout time.Duration
	// Logger receives the loader's debug lines (named "interp") and the
	// scripts' pkg/log lines and output (named "script", tagged unit=...).
	Logger *zap.Logger
	// LogRate is how many script log lines a second each unit may write
	// (pluginlog, stdout, stderr; config.yaml log.unit_lines_per_second);
	// LogLineBytes cuts each line (log.unit_line_bytes). Defaults when zero.
	LogRate      int
	LogLineBytes int
	// MaxConcurrent is how many calls of a unit's plugins may run at once
	// (config.yaml plugins.max_concurrent_per_unit); DefaultMaxConcurrent
	// when zero. See Unit.Acquire.
	MaxConcurrent int
}

// DefaultMaxConcurrent is Config.MaxConcurrent's default: one less than
// GOMAXPROCS, at least 1, so that a unit burning CPU on every call it runs
// leaves a processor to the others.
func DefaultMaxConcurrent() int { return max(1, runtime.GOMAXPROCS(0)-1) }

func (c Config) withDefaults() Config {
	if c.Dir == "" {
		c.Dir = DefaultDir
	}
	if c.LoadTimeout <= 0 {
		c.LoadTimeout = DefaultLoadTimeout
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.LogRate <= 0 {
		c.LogRate = DefaultLogRate
	}
	if c.LogLineBytes <= 0 {
		c.LogLineBytes = DefaultLogLineBytes
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = DefaultMaxConcurrent()
	}
	return c
}
