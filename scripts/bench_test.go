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

// BenchmarkSay compares one call of say's request filter interpreted (the
// spec the loader builds from say.go) and compiled (the same file, linked
// into this test binary), with a minimal writer and request.
//
//	go test -run '^$' -bench Say -benchmem ./scripts
func BenchmarkSay(b *testing.B) {
	for _, mode := range []struct {
		name string
		reg  func(testing.TB) *plugin.Registry
	}{
		{"script", interpreted},
		{"compiled", func(testing.TB) *plugin.Registry { return plugin.Compiled() }},
	} {
		b.Run(mode.name, func(b *testing.B) {
			s := mode.reg(b).Lookup("say")
			conf, err := s.ParseConf([]byte(`{"body":"Hello, World!"}`))
			if err != nil {
				b.Fatal(err)
			}
			w := &benchWriter{h: http.Header{}}
			r := &benchRequest{}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				s.RequestFilter(conf, w, r)
			}
			if string(w.body) != "Hello, World!" || w.code != 200 {
				b.Fatalf("say wrote %d %q", w.code, w.body)
			}
		})
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
	w.body = append(w.body, b...)
	return len(b), nil
}
func (w *benchWriter) WriteHeader(code int) { w.code = code }

// benchRequest is a request say never looks at.
type benchRequest struct{}

func (*benchRequest) ID() uint32                 { return 1 }
func (*benchRequest) SrcIP() net.IP              { return nil }
func (*benchRequest) Method() string             { return "GET" }
func (*benchRequest) Path() []byte               { return []byte("/") }
func (*benchRequest) SetPath([]byte)             {}
func (*benchRequest) Header() pluginhttp.Header  { return nil }
func (*benchRequest) Args() url.Values           { return nil }
func (*benchRequest) Var(string) ([]byte, error) { return nil, nil }
func (*benchRequest) Body() ([]byte, error)      { return nil, nil }
func (*benchRequest) SetBody([]byte)             {}
func (*benchRequest) Context() context.Context   { return context.Background() }
func (*benchRequest) RespHeader() http.Header    { return nil }

var _ pluginhttp.Request = (*benchRequest)(nil)
