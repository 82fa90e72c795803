package interp

import (
	"context"
	"net"
	"net/http"
	"net/url"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// fakeHeader is a pluginhttp.Header over an http.Header.
type fakeHeader struct{ h http.Header }

func (f fakeHeader) Set(k, v string)     { f.h.Set(k, v) }
func (f fakeHeader) Add(k, v string)     { f.h.Add(k, v) }
func (f fakeHeader) Get(k string) string { return f.h.Get(k) }
func (f fakeHeader) Del(k string)        { f.h.Del(k) }
func (f fakeHeader) View() http.Header   { return f.h }

// fakeRequest is a pluginhttp.Request held in memory.
type fakeRequest struct {
	method     string
	path       []byte
	header     http.Header
	args       url.Values
	vars       map[string][]byte
	body       []byte
	respHeader http.Header
}

func newRequest() *fakeRequest {
	return &fakeRequest{method: "GET", path: []byte("/"), header: http.Header{}, args: url.Values{},
		vars: map[string][]byte{}, respHeader: http.Header{}}
}

func (r *fakeRequest) ID() uint32                      { return 7 }
func (r *fakeRequest) SrcIP() net.IP                   { return net.IPv4(127, 0, 0, 1) }
func (r *fakeRequest) Method() string                  { return r.method }
func (r *fakeRequest) Path() []byte                    { return r.path }
func (r *fakeRequest) SetPath(p []byte)                { r.path = p }
func (r *fakeRequest) Header() pluginhttp.Header       { return fakeHeader{r.header} }
func (r *fakeRequest) Args() url.Values                { return r.args }
func (r *fakeRequest) Var(name string) ([]byte, error) { return r.vars[name], nil }
func (r *fakeRequest) Body() ([]byte, error)           { return r.body, nil }
func (r *fakeRequest) SetBody(b []byte)                { r.body = b }
func (r *fakeRequest) Context() context.Context        { return context.Background() }
func (r *fakeRequest) RespHeader() http.Header         { return r.respHeader }

// fakeResponse is a pluginhttp.Response held in memory.
type fakeResponse struct {
	status  int
	header  http.Header
	vars    map[string][]byte
	body    []byte // the upstream's
	written []byte
	code    int
}

func newResponse(status int, body string) *fakeResponse {
	return &fakeResponse{status: status, header: http.Header{}, vars: map[string][]byte{}, body: []byte(body)}
}

func (r *fakeResponse) ID() uint32                      { return 7 }
func (r *fakeResponse) StatusCode() int                 { return r.status }
func (r *fakeResponse) Header() pluginhttp.Header       { return fakeHeader{r.header} }
func (r *fakeResponse) Var(name string) ([]byte, error) { return r.vars[name], nil }
func (r *fakeResponse) ReadBody() ([]byte, error)       { return r.body, nil }
func (r *fakeResponse) Write(b []byte) (int, error) {
	r.written = append(r.written, b...)
	return len(b), nil
}
func (r *fakeResponse) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

var (
	_ pluginhttp.Request  = (*fakeRequest)(nil)
	_ pluginhttp.Response = (*fakeResponse)(nil)
)
