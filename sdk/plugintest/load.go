package plugintest

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/go-runner/go-runner/interp"
)

// Option changes how Interpreted loads a unit.
type Option func(*interp.Config)

// Allow lets the unit import these standard library packages beyond the
// default allowlist, as config.yaml's sandbox.allow does.
func Allow(pkgs ...string) Option {
	return func(c *interp.Config) { c.Allow = append(c.Allow, pkgs...) }
}

// Logger sends the loader's lines and the unit's own (pluginlog, stdout)
// to l instead of the test log (from warn level).
func Logger(l *zap.Logger) Option {
	return func(c *interp.Config) { c.Logger = l }
}

// loadUnit loads the unit at path into an interpreter of its own, closed
// when the test ends.
func loadUnit(t testing.TB, path string, opts []Option) (*interp.Unit, error) {
	cfg := interp.Config{Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := interp.LoadUnit(cfg, path)
	if err != nil {
		return nil, err
	}
	t.Cleanup(u.Close)
	return u, nil
}
