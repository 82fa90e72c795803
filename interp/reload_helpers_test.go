package interp

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// reloadBound caps every wait of the reload tests for an event; none is a
// speed requirement.
const reloadBound = 10 * time.Second

// verSrc is a unit registering plugin name whose request filter answers
// X-Version: version, after extra declarations (a broken edit, a loop).
// Its ParseConf refuses the conf "refused".
func verSrc(name string, version int, extra string) string {
	return fmt.Sprintf(`package scripts

import (
	"errors"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

const version = "%d"

func init() {
	if err := plugin.RegisterPlugin(&V{}); err != nil {
		panic(err)
	}
}

type V struct{ plugin.DefaultPlugin }

func (*V) Name() string { return %q }

func (*V) ParseConf(in []byte) (interface{}, error) {
	if string(in) == "refused" {
		return nil, errors.New("conf refused by version " + version)
	}
	return string(in), nil
}

func (*V) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	r.Header().Set("X-Version", version)
}
%s`, version, name, extra)
}

// publication is one registry a fake publisher received.
type publication struct {
	reg    *plugin.Registry
	retire func()
}

// reloadFixture is a Reloader over a temporary scripts directory with a
// publisher that records what it gets.
type reloadFixture struct {
	t    *testing.T
	dir  string
	r    *Reloader
	logs *observer.ObservedLogs
	pubs chan publication
}

// newReloadFixture writes files into a new scripts directory and loads it;
// every unit must load.
func newReloadFixture(t *testing.T, files map[string]string, tweak func(*ReloadConfig)) *reloadFixture {
	t.Helper()
	f := &reloadFixture{t: t, dir: t.TempDir(), pubs: make(chan publication, 16)}
	writeFiles(t, f.dir, files)
	core, logs := observer.New(zapcore.DebugLevel)
	f.logs = logs
	cfg := ReloadConfig{
		Config: Config{Dir: f.dir, Logger: zap.New(core)},
		Publish: func(reg *plugin.Registry, retire func()) {
			f.pubs <- publication{reg, retire}
			retire()
		},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	f.r = NewReloader(cfg)
	if _, errs := f.r.Load(); len(errs) > 0 {
		t.Fatalf("load: %v", errs)
	}
	t.Cleanup(func() { closeAll(f.r.Units()) })
	return f
}

// write writes one file of the scripts directory at once, as editors save
// (a temporary file renamed over it): a watcher never sees half of it.
func (f *reloadFixture) write(name, src string) {
	f.t.Helper()
	p := filepath.Join(f.dir, name)
	tmp := filepath.Join(filepath.Dir(p), ".tmp-"+filepath.Base(p))
	writeFiles(f.t, filepath.Dir(p), map[string]string{filepath.Base(tmp): src})
	if err := os.Rename(tmp, p); err != nil {
		f.t.Fatal(err)
	}
}

// published returns the registry of the next publication, failing when
// there is none waiting.
func (f *reloadFixture) published() *plugin.Registry {
	f.t.Helper()
	select {
	case p := <-f.pubs:
		return p.reg
	default:
		f.t.Fatal("nothing was published")
		return nil
	}
}

// lastPublished returns the registry of the last publication waiting,
// failing when there is none.
func (f *reloadFixture) lastPublished() *plugin.Registry {
	f.t.Helper()
	reg := f.published()
	for {
		select {
		case p := <-f.pubs:
			reg = p.reg
		default:
			return reg
		}
	}
}

// awaitPublished waits for the next publication.
func (f *reloadFixture) awaitPublished() *plugin.Registry {
	f.t.Helper()
	select {
	case p := <-f.pubs:
		return p.reg
	case <-time.After(reloadBound):
		f.t.Fatalf("nothing published within %s", reloadBound)
		return nil
	}
}

// noPublication fails when something was published.
func (f *reloadFixture) noPublication() {
	f.t.Helper()
	select {
	case p := <-f.pubs:
		f.t.Fatalf("published %v", p.reg.Names())
	default:
	}
}

// version calls plugin name of reg and returns its X-Version.
func version(t testing.TB, reg *plugin.Registry, name string) string {
	t.Helper()
	s := reg.Lookup(name)
	if s == nil {
		t.Fatalf("plugin %q not served (have %v)", name, reg.Names())
	}
	conf, err := s.ParseConf([]byte("{}"))
	if err != nil {
		t.Fatalf("%s ParseConf: %v", name, err)
	}
	r := newRequest()
	s.RequestFilter(conf, httptest.NewRecorder(), r)
	return r.header.Get("X-Version")
}

// errorLogs returns the messages logged at error for unit.
func (f *reloadFixture) errorLogs(unit string) []observer.LoggedEntry {
	return f.logs.FilterLevelExact(zapcore.ErrorLevel).FilterField(zap.String("unit", unit)).All()
}

// configMapDir lays out dir as a Kubernetes ConfigMap volume: the files in
// a timestamped folder, "..data" a symlink to it, and each file a symlink
// through "..data". swap replaces the content as the kubelet does.
type configMapDir struct {
	t   testing.TB
	dir string
	gen int
}

func newConfigMapDir(t testing.TB, dir string, files map[string]string) *configMapDir {
	t.Helper()
	c := &configMapDir{t: t, dir: dir}
	c.swap(files)
	for name := range files {
		top, _, _ := strings.Cut(name, "/")
		link := filepath.Join(dir, top)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", top), link); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// swap writes files into a new timestamped folder, points "..data" at it
// with an atomic rename, and removes the previous folder.
func (c *configMapDir) swap(files map[string]string) {
	c.t.Helper()
	c.gen++
	ts := fmt.Sprintf("..2026_11_25_21_00_%02d.%d", c.gen, c.gen)
	writeFiles(c.t, filepath.Join(c.dir, ts), files)
	tmp := filepath.Join(c.dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		c.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, "..data")); err != nil {
		c.t.Fatal(err)
	}
	if c.gen > 1 {
		prev := fmt.Sprintf("..2026_11_25_21_00_%02d.%d", c.gen-1, c.gen-1)
		if err := os.RemoveAll(filepath.Join(c.dir, prev)); err != nil {
			c.t.Fatal(err)
		}
	}
}

// current is the folder "..data" points at.
func (c *configMapDir) current() string {
	return filepath.Join(c.dir, fmt.Sprintf("..2026_11_25_21_00_%02d.%d", c.gen, c.gen))
}
