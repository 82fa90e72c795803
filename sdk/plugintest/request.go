package plugintest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Request is a fake pluginhttp.Request. Build it with NewRequest and the
// With methods, hand it to one filter call, then read what the plugin
// changed.
type Request struct {
	id      uint32
	src     net.IP
	method  string
	path    []byte
	pathSet bool
	hdr     *Header
	args    url.Values
	vars    map[string][]byte
	varErr  error
	body    []byte
	bodyErr error
	newBody []byte
	bodySet bool
	ctx     context.Context
	resp    http.Header

	// VarCalls and BodyCalls count the plugin's questions, each of which
	// is a round trip to APISIX in the runner.
	VarCalls, BodyCalls int
}

var _ pluginhttp.Request = (*Request)(nil)

// NewRequest returns a request of method (GET when empty) for target, a
// path with an optional query ("/login?next=%2Fhome"). The path is
// decoded, as APISIX sends it. The client's address is 192.0.2.1 and the
// id 1. A target that is not a path panics, as httptest.NewRequest does.
func NewRequest(method, target string) *Request {
	if method == "" {
		method = http.MethodGet
	}
	if !strings.HasPrefix(target, "/") {
		panic(fmt.Sprintf("plugintest: NewRequest target %q: want a path starting with /", target))
	}
	rawPath, rawQuery, _ := strings.Cut(target, "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil {
		panic(fmt.Sprintf("plugintest: NewRequest target %q: %v", target, err))
	}
	args, err := url.ParseQuery(rawQuery)
	if err != nil {
		panic(fmt.Sprintf("plugintest: NewRequest target %q: %v", target, err))
	}
	return &Request{
		id:     1,
		src:    net.IPv4(192, 0, 2, 1),
		method: strings.ToUpper(method),
		path:   []byte(path),
		hdr:    newHeader(),
		args:   args,
		vars:   map[string][]byte{},
		ctx:    context.Background(),
	}
}

// WithHeader adds a request header.
func (r *Request) WithHeader(name, value string) *Request {
	r.hdr.Add(name, value)
	return r
}

// WithVar sets the nginx or APISIX variable name (e.g. "remote_addr").
func (r *Request) WithVar(name, value string) *Request {
	r.vars[name] = []byte(value)
	return r
}

// WithVarError makes every Var call fail with err, as when the
// connection to APISIX is lost.
func (r *Request) WithVarError(err error) *Request {
	r.varErr = err
	return r
}

// WithBody sets the request body.
func (r *Request) WithBody(body string) *Request {
	r.body = []byte(body)
	return r
}

// WithBodyError makes Body fail with err.
func (r *Request) WithBodyError(err error) *Request {
	r.bodyErr = err
	return r
}

// WithSrcIP sets the client's address; it panics if ip is not one.
func (r *Request) WithSrcIP(ip string) *Request {
	p := net.ParseIP(ip)
	if p == nil {
		panic(fmt.Sprintf("plugintest: WithSrcIP %q: not an IP address", ip))
	}
	r.src = p
	return r
}

// WithID sets APISIX's id of the call.
func (r *Request) WithID(id uint32) *Request {
	r.id = id
	return r
}

// WithContext sets the context of the call (the runner's carries the
// plugin's deadline).
func (r *Request) WithContext(ctx context.Context) *Request {
	r.ctx = ctx
	return r
}

// ID is APISIX's id for this call.
func (r *Request) ID() uint32 { return r.id }

// SrcIP is the client's address; a copy.
func (r *Request) SrcIP() net.IP { return append(net.IP(nil), r.src...) }

// Method is the HTTP method.
func (r *Request) Method() string { return r.method }

// Path is the path, as set by SetPath if the plugin did.
func (r *Request) Path() []byte { return r.path }

// SetPath replaces the path sent upstream.
func (r *Request) SetPath(p []byte) {
	r.path = append([]byte(nil), p...)
	r.pathSet = true
}

// PathChanged reports whether the plugin called SetPath.
func (r *Request) PathChanged() bool { return r.pathSet }

// Header is the request header set; the plugin's changes stay in it.
func (r *Request) Header() pluginhttp.Header { return r.hdr }

// Headers returns the request headers as they are now.
func (r *Request) Headers() http.Header { return r.hdr.View() }

// Args is the query; the plugin's changes stay in it.
func (r *Request) Args() url.Values { return r.args }

// Var returns the variable given with WithVar, or nothing.
func (r *Request) Var(name string) ([]byte, error) {
	r.VarCalls++
	if r.varErr != nil {
		return nil, r.varErr
	}
	return r.vars[name], nil
}

// Body returns the body given with WithBody, or the one the plugin set.
func (r *Request) Body() ([]byte, error) {
	if r.bodySet {
		return r.newBody, nil
	}
	r.BodyCalls++
	if r.bodyErr != nil {
		return nil, r.bodyErr
	}
	return r.body, nil
}

// SetBody replaces the body sent upstream.
func (r *Request) SetBody(b []byte) {
	r.newBody = append([]byte(nil), b...)
	r.bodySet = true
}

// NewBody returns the body the plugin set, and whether it set one.
func (r *Request) NewBody() ([]byte, bool) { return r.newBody, r.bodySet }

// Context is the context given with WithContext, else Background.
func (r *Request) Context() context.Context { return r.ctx }

// RespHeader holds the headers the plugin adds to the client's response.
func (r *Request) RespHeader() http.Header {
	if r.resp == nil {
		r.resp = make(http.Header)
	}
	return r.resp
}
