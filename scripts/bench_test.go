package scripts

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// benchCase is one example plugin called as the load benchmark calls it.
type benchCase struct {
	plugin string
	conf   string
	resp   bool // a response phase call
	// check looks at what the last call did.
	check func(w *benchWriter, r *benchRequest, resp *benchResponse) bool
}

var benchCases = []benchCase{
	{plugin: "say", conf: `{"body":"Hello, World!"}`, check: func(w *benchWriter, _ *benchRequest, _ *benchResponse) bool {
		return string(w.body) == "Hello, World!" && w.code == 200 && w.h.Get("X-Resp-A6-Runner") == "Go"
	}},
	{plugin: "rewrite", conf: `{"strip_prefix":"/api","set_headers":{"X-Forwarded-Prefix":"/api","X-Version":"2"},"del_headers":["X-Debug"]}`,
		check: func(_ *benchWriter, r *benchRequest, _ *benchResponse) bool {
			return string(r.path) == "/orders" && r.hdr.h.Get("X-Version") == "2" && r.hdr.h.Get("X-Debug") == ""
		}},
	{plugin: "response-rewrite", conf: `{"headers":{"X-Bench":"resp"},"body":"rewritten by the runner"}`, resp: true,
		check: func(_ *benchWriter, _ *benchRequest, resp *benchResponse) bool {
			return string(resp.body) == "rewritten by the runner" && resp.hdr.h.Get("X-Bench") == "resp"
		}},
	{plugin: "resp-header", conf: `{"set":{"X-Frame-Options":"DENY"},"add":{"Vary":"Origin"},"del":["X-Powered-By"]}`, resp: true,
		check: func(_ *benchWriter, _ *benchRequest, resp *benchResponse) bool {
			return resp.hdr.h.Get("X-Frame-Options") == "DENY" && resp.hdr.h.Get("X-Powered-By") == ""
		}},
}

// BenchmarkExamples calls each example plugin's filter once per iteration,
// interpreted (the spec the loader builds from the script) and compiled (the
// same file, linked into this test binary), with minimal fakes of what the
// runner hands a plugin. Its allocs/op are the figures of the README's
// performance section.
//
//	go test -run '^$' -bench Examples -benchmem ./scripts
func BenchmarkExamples(b *testing.B) {
	modes := []struct {
		name string
		reg  func(testing.TB) *plugin.Registry
	}{
		{"script", interpreted},
		{"compiled", func(testing.TB) *plugin.Registry { return plugin.Compiled() }},
	}
	for _, bc := range benchCases {
		for _, mode := range modes {
			b.Run(bc.plugin+"/"+mode.name, func(b *testing.B) {
				s := mode.reg(b).Lookup(bc.plugin)
				conf, err := s.ParseConf([]byte(bc.conf))
				if err != nil {
					b.Fatal(err)
				}
				w := &benchWriter{h: http.Header{}}
				r := &benchRequest{hdr: &benchHeader{h: http.Header{}}}
				resp := &benchResponse{hdr: &benchHeader{h: http.Header{}}}
				b.ReportAllocs()
				for b.Loop() {
					if bc.resp {
						resp.reset()
						s.ResponseFilter(conf, resp)
					} else {
						w.reset()
						r.reset()
						s.RequestFilter(conf, w, r)
					}
				}
				if !bc.check(w, r, resp) {
					b.Fatalf("%s did not do its work: writer %d %v %q, request %q %v, response %d %v %q", bc.plugin,
						w.code, w.h, w.body, r.path, r.hdr.h, resp.code, resp.hdr.h, resp.body)
				}
			})
		}
	}
}

type benchWriter struct {
	h    http.Header
	body []byte
	code int
}

func (w *benchWriter) reset() {
	clear(w.h)
	w.body = w.body[:0]
	w.code = 0
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	w.body = append(w.body, b...)
	return len(b), nil
}
func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

// benchHeader is a pluginhttp.Header over a map, kept between calls.
type benchHeader struct{ h http.Header }

func (h *benchHeader) Set(k, v string)     { h.h.Set(k, v) }
func (h *benchHeader) Add(k, v string)     { h.h.Add(k, v) }
func (h *benchHeader) Get(k string) string { return h.h.Get(k) }
func (h *benchHeader) Del(k string)        { h.h.Del(k) }
func (h *benchHeader) View() http.Header   { return h.h }

// benchRequest is a GET /api/orders with a header to delete.
type benchRequest struct {
	path []byte
	hdr  *benchHeader
}

func (r *benchRequest) reset() {
	r.path = append(r.path[:0], "/api/orders"...)
	clear(r.hdr.h)
	r.hdr.h["X-Debug"] = []string{"1"}
}

func (*benchRequest) ID() uint32                  { return 1 }
func (*benchRequest) SrcIP() net.IP               { return nil }
func (*benchRequest) Method() string              { return "GET" }
func (r *benchRequest) Path() []byte              { return r.path }
func (r *benchRequest) SetPath(p []byte)          { r.path = append(r.path[:0], p...) }
func (r *benchRequest) Header() pluginhttp.Header { return r.hdr }
func (*benchRequest) Args() url.Values            { return url.Values{} }
func (*benchRequest) Var(string) ([]byte, error)  { return nil, nil }
func (*benchRequest) Body() ([]byte, error)       { return nil, nil }
func (*benchRequest) SetBody([]byte)              {}
func (*benchRequest) Context() context.Context    { return context.Background() }
func (*benchRequest) RespHeader() http.Header     { return nil }

// benchResponse is an upstream 200 with a header to delete.
type benchResponse struct {
	code int
	hdr  *benchHeader
	body []byte
}

func (r *benchResponse) reset() {
	r.code = 0
	r.body = r.body[:0]
	clear(r.hdr.h)
	r.hdr.h["X-Powered-By"] = []string{"php"}
}

func (*benchResponse) ID() uint32                  { return 1 }
func (r *benchResponse) StatusCode() int           { return 200 }
func (r *benchResponse) Header() pluginhttp.Header { return r.hdr }
func (*benchResponse) Var(string) ([]byte, error)  { return nil, nil }
func (*benchResponse) ReadBody() ([]byte, error)   { return []byte("upstream"), nil }
func (r *benchResponse) WriteHeader(code int)      { r.code = code }
func (r *benchResponse) Write(b []byte) (int, error) {
	r.body = append(r.body, b...)
	return len(b), nil
}

var (
	_ pluginhttp.Request  = (*benchRequest)(nil)
	_ pluginhttp.Response = (*benchResponse)(nil)
)
