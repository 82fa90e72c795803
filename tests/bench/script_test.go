package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// BenchmarkScriptCall measures one call of a bench script's request filter
// as the runner makes it (through the spec interp builds), with a minimal
// request and response writer: the cost of running the plugin as a script,
// apart from the protocol. (scripts/bench_test.go does the same for say.)
func BenchmarkScriptCall(b *testing.B) {
	for _, bc := range []struct {
		name, unit, plugin, conf string
	}{
		{"bench-rewrite", "scripts/bench_rewrite.go", "bench-rewrite", scenarioConf("rewrite")},
		{"bench-var", "scripts/bench_var.go", "bench-var", scenarioConf("var")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			u, err := interp.LoadUnit(interp.Config{}, bc.unit)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(u.Close)
			var spec *plugin.Spec
			for _, s := range u.Specs() {
				if s.Name == bc.plugin {
					spec = s
				}
			}
			if spec == nil {
				b.Fatalf("unit %s has no plugin %s", bc.unit, bc.plugin)
			}
			conf, err := spec.ParseConf([]byte(bc.conf))
			if err != nil {
				b.Fatal(err)
			}
			w := &fakeWriter{h: http.Header{}}
			r := &fakeRequest{}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				r.reset()
				spec.RequestFilter(conf, w, r)
			}
		})
	}
}

func scenarioConf(name string) string {
	sc, err := findScenario(name)
	if err != nil {
		panic(err)
	}
	return sc.conf[0].Value
}

// fakeWriter and fakeRequest are the least a filter needs.
type fakeWriter struct {
	h    http.Header
	body []byte
	code int
}

func (w *fakeWriter) reset()                      { clear(w.h); w.body = w.body[:0]; w.code = 0 }
func (w *fakeWriter) Header() http.Header         { return w.h }
func (w *fakeWriter) Write(b []byte) (int, error) { w.body = append(w.body, b...); return len(b), nil }
func (w *fakeWriter) WriteHeader(code int)        { w.code = code }

type fakeHeader struct{ h http.Header }

func (h *fakeHeader) Set(k, v string)     { h.h.Set(k, v) }
func (h *fakeHeader) Add(k, v string)     { h.h.Add(k, v) }
func (h *fakeHeader) Get(k string) string { return h.h.Get(k) }
func (h *fakeHeader) Del(k string)        { h.h.Del(k) }
func (h *fakeHeader) View() http.Header   { return h.h }

type fakeRequest struct {
	path []byte
	hdr  fakeHeader
}

func (r *fakeRequest) reset() {
	r.path = r.path[:0]
	if r.hdr.h == nil {
		r.hdr.h = http.Header{}
	}
	clear(r.hdr.h)
}
func (r *fakeRequest) ID() uint32                 { return 1 }
func (r *fakeRequest) SrcIP() net.IP              { return benchSrcIP }
func (r *fakeRequest) Method() string             { return "GET" }
func (r *fakeRequest) Path() []byte               { return []byte(benchPath) }
func (r *fakeRequest) SetPath(p []byte)           { r.path = append(r.path[:0], p...) }
func (r *fakeRequest) Header() pluginhttp.Header  { return &r.hdr }
func (r *fakeRequest) Args() url.Values           { return url.Values{} }
func (r *fakeRequest) Var(string) ([]byte, error) { return []byte(varValue), nil }
func (r *fakeRequest) Body() ([]byte, error)      { return nil, nil }
func (r *fakeRequest) SetBody([]byte)             {}
func (r *fakeRequest) Context() context.Context   { return context.Background() }
func (r *fakeRequest) RespHeader() http.Header    { return http.Header{} }
