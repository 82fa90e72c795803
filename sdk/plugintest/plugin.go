package plugintest

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Modes of a Plugin.
const (
	ModeCompiled    = "compiled"
	ModeInterpreted = "interpreted"
)

// Plugin is a plugin under test, compiled or interpreted. Its methods call
// the plugin's own; a test that calls a filter the plugin does not have
// fails.
type Plugin struct {
	// Name is the plugin's name.
	Name string
	// Mode is ModeCompiled or ModeInterpreted, for t.Run.
	Mode string
	// Spec is the plugin as the runner serves it.
	Spec *plugin.Spec

	t testing.TB
}

// Compiled returns the plugin p, compiled into the test binary: a value of
// the plugin's type, e.g. &APIKey{}. It fails the test if p is not a
// plugin the runner could serve.
func Compiled(t testing.TB, p any) *Plugin {
	t.Helper()
	s, err := compiledSpec(p)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	return &Plugin{Name: s.Name, Mode: ModeCompiled, Spec: s, t: t}
}

// compiledSpec resolves p's methods as the runner does, accepting the
// reference runner's request and response types too.
func compiledSpec(p any) (*plugin.Spec, error) {
	b, ok := p.(plugin.Base)
	if !ok || p == nil || (reflect.ValueOf(p).Kind() == reflect.Pointer && reflect.ValueOf(p).IsNil()) {
		return nil, fmt.Errorf("%T: %w: want a value with Name and ParseConf", p, ErrNotPlugin)
	}
	s, err := plugin.NewSpec(b, "compiled by go test")
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, plugin.ErrNoFilter) {
		return nil, fmt.Errorf("%w: %w", ErrNotPlugin, err)
	}
	refFilters(s, p)
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotPlugin, err)
	}
	return s, nil
}

// Interpreted loads the script unit at path (one .go file, or a folder
// holding one package), as the runner loads it, and returns its plugin
// called name. The unit is closed when the test ends. A unit that does not
// load fails the test with the loader's file:line:col message.
func Interpreted(t testing.TB, path, name string, opts ...Option) *Plugin {
	t.Helper()
	u, err := loadUnit(t, path, opts)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	for _, s := range u.Specs() {
		if s.Name == name {
			return &Plugin{Name: name, Mode: ModeInterpreted, Spec: s, t: t}
		}
	}
	t.Fatalf("plugintest: %s: %v: %q", filepath.Base(path), ErrNoSuchPlugin, name)
	return nil
}

// Both returns the plugin p compiled and the same plugin loaded from the
// unit at path by the interpreter, in that order, for one test that runs
// both ways.
func Both(t testing.TB, path string, p any, opts ...Option) []*Plugin {
	t.Helper()
	c := Compiled(t, p)
	return []*Plugin{c, Interpreted(t, path, c.Name, opts...)}
}

// ParseConf parses conf, the JSON text APISIX sends for the plugin.
func (p *Plugin) ParseConf(conf string) (v any, err error) {
	p.t.Helper()
	defer p.recoverCall("ParseConf")
	return p.Spec.ParseConf([]byte(conf))
}

// MustParseConf parses conf and fails the test if the plugin refuses it.
func (p *Plugin) MustParseConf(conf string) any {
	p.t.Helper()
	v, err := p.ParseConf(conf)
	if err != nil {
		p.t.Fatalf("%s (%s): ParseConf(%s): %v", p.Name, p.Mode, conf, err)
	}
	return v
}

// RequestFilter runs the plugin's request filter (RequestFilter, or Filter
// for plugins of the older shape).
func (p *Plugin) RequestFilter(conf any, w http.ResponseWriter, r pluginhttp.Request) {
	p.t.Helper()
	if p.Spec.RequestFilter == nil {
		p.t.Fatalf("%s (%s): RequestFilter: %v", p.Name, p.Mode, ErrNoFilter)
	}
	defer p.recoverCall("RequestFilter")
	p.Spec.RequestFilter(conf, w, r)
}

// ResponseFilter runs the plugin's response filter.
func (p *Plugin) ResponseFilter(conf any, w pluginhttp.Response) {
	p.t.Helper()
	if p.Spec.ResponseFilter == nil {
		p.t.Fatalf("%s (%s): ResponseFilter: %v", p.Name, p.Mode, ErrNoFilter)
	}
	defer p.recoverCall("ResponseFilter")
	p.Spec.ResponseFilter(conf, w)
}

// recoverCall fails the test on a panic of interpreted code, with the
// position the loader found. A compiled plugin's panic goes on unwinding,
// so that go test prints its stack.
func (p *Plugin) recoverCall(method string) {
	if p.Mode != ModeInterpreted {
		return
	}
	if v := recover(); v != nil {
		if rv, ok := v.(reflect.Value); ok && rv.IsValid() && rv.CanInterface() {
			v = rv.Interface()
		}
		p.t.Fatalf("%s (%s): %s panicked: %v", p.Name, p.Mode, method, v)
	}
}
