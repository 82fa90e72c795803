package plugintest

import (
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Response is a fake pluginhttp.Response: the upstream's answer in
// ext-plugin-post-resp. Build it with NewResponse and the With methods, hand
// it to one ResponseFilter call, then read what the plugin changed.
type Response struct {
	id        uint32
	upstream  int
	status    int
	hdr       *Header
	vars      map[string][]byte
	varErr    error
	body      []byte
	bodyErr   error
	newBody   []byte
	rewritten bool

	// VarCalls and BodyCalls count the plugin's questions, each of which
	// is a round trip to APISIX in the runner.
	VarCalls, BodyCalls int
}

var _ pluginhttp.Response = (*Response)(nil)

// NewResponse returns the upstream's answer: its status and body. The id
// is 1.
func NewResponse(status int, body string) *Response {
	return &Response{id: 1, upstream: status, hdr: newHeader(), vars: map[string][]byte{}, body: []byte(body)}
}

// WithHeader adds an upstream response header.
func (r *Response) WithHeader(name, value string) *Response {
	r.hdr.Add(name, value)
	return r
}

// WithVar sets the nginx or APISIX variable name.
func (r *Response) WithVar(name, value string) *Response {
	r.vars[name] = []byte(value)
	return r
}

// WithVarError makes every Var call fail with err.
func (r *Response) WithVarError(err error) *Response {
	r.varErr = err
	return r
}

// WithBodyError makes ReadBody fail with err.
func (r *Response) WithBodyError(err error) *Response {
	r.bodyErr = err
	return r
}

// WithID sets APISIX's id of the call.
func (r *Response) WithID(id uint32) *Response {
	r.id = id
	return r
}

// ID is APISIX's id for this call.
func (r *Response) ID() uint32 { return r.id }

// StatusCode is the status the client gets: the plugin's if it set one,
// else the upstream's.
func (r *Response) StatusCode() int {
	if r.status != 0 {
		return r.status
	}
	return r.upstream
}

// StatusChanged reports whether the plugin set a status.
func (r *Response) StatusChanged() bool { return r.status != 0 }

// Header is the response header set; the plugin's changes stay in it.
func (r *Response) Header() pluginhttp.Header { return r.hdr }

// Var returns the variable given with WithVar, or nothing.
func (r *Response) Var(name string) ([]byte, error) {
	r.VarCalls++
	if r.varErr != nil {
		return nil, r.varErr
	}
	return r.vars[name], nil
}

// ReadBody returns the upstream's body.
func (r *Response) ReadBody() ([]byte, error) {
	r.BodyCalls++
	if r.bodyErr != nil {
		return nil, r.bodyErr
	}
	return r.body, nil
}

// Write replaces the body sent to the client, appending on repeated calls.
func (r *Response) Write(b []byte) (int, error) {
	r.newBody = append(r.newBody, b...)
	r.rewritten = true
	return len(b), nil
}

// WriteHeader replaces the status; the first call wins.
func (r *Response) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// Rewritten returns the body the plugin wrote, and whether it wrote one.
func (r *Response) Rewritten() ([]byte, bool) { return r.newBody, r.rewritten }
