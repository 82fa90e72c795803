package interp

import (
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// writeFiles writes files (name -> source) under dir, creating folders.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// observed returns a config whose logs are recorded.
func observed(dir string) (Config, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return Config{Dir: dir, Logger: zap.New(core)}, logs
}

// loadOne writes files into a temp dir and loads unit name from it.
func loadOne(t testing.TB, cfg Config, name string, files map[string]string) (*Unit, error) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	cfg.Dir = dir
	u, err := LoadUnit(cfg, filepath.Join(dir, name))
	if u != nil {
		t.Cleanup(u.Close)
	}
	return u, err
}

// mustLoad is loadOne for units that must load.
func mustLoad(t testing.TB, cfg Config, name string, files map[string]string) *Unit {
	t.Helper()
	u, err := loadOne(t, cfg, name, files)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return u
}

// echoSrc is a plugin named name whose request filter sets X-<name> to its
// conf.
func echoSrc(name string) string {
	return `package scripts

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	if err := plugin.RegisterPlugin(&Echo{}); err != nil {
		pluginlog.Fatalf("register: %s", err)
	}
}

type Echo struct{ plugin.DefaultPlugin }

func (*Echo) Name() string { return "` + name + `" }

func (*Echo) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Echo) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	r.Header().Set("X-` + name + `", conf.(string))
}
`
}
