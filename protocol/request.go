package protocol

import (
	"context"
	"net"
	"net/http"
	"net/url"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// request is the pluginhttp.Request of one HTTPReqCall. It reads the frame
// lazily and records every change for the Rewrite reply. One request is
// reused for every call of a connection; plugins see it through a reqView
// (views.go), which dies with their call.
type request struct {
	c  *conn
	fb hrc.Req

	path    []byte
	newPath []byte
	pathSet bool

	hdr header

	args     url.Values
	origArgs url.Values

	body    []byte
	newBody []byte
	bodySet bool
	gotBody bool

	vars       varCache
	respHeader http.Header
	ctx        context.Context

	sc encScratch // kept across calls
}

var _ pluginhttp.Request = (*request)(nil)

// reset readies r for a call whose message is already in r.fb.
func (r *request) reset(c *conn) {
	*r = request{c: c, fb: r.fb, sc: r.sc}
	r.hdr.reset(&r.fb)
}

func (r *request) ID() uint32 { return r.fb.Id() }

func (r *request) SrcIP() net.IP {
	b := r.fb.SrcIpBytes()
	ip := make(net.IP, len(b))
	copy(ip, b)
	return ip
}

func (r *request) Method() string { return A6.EnumNamesMethod[r.fb.Method()] }

func (r *request) Path() []byte {
	if r.pathSet {
		return r.newPath
	}
	if r.path == nil {
		p := r.fb.Path()
		r.path = make([]byte, len(p))
		copy(r.path, p)
	}
	return r.path
}

func (r *request) SetPath(p []byte) {
	r.newPath = append([]byte(nil), p...)
	r.pathSet = true
}

func (r *request) Header() pluginhttp.Header { return &r.hdr }

func (r *request) Args() url.Values {
	if r.args == nil {
		n := r.fb.ArgsLength()
		r.args = make(url.Values, n)
		r.origArgs = make(url.Values, n)
		var e A6.TextEntry
		for i := 0; i < n; i++ {
			if r.fb.Args(&e, i) {
				k, v := string(e.Name()), string(e.Value())
				r.args[k] = append(r.args[k], v)
				r.origArgs[k] = append(r.origArgs[k], v)
			}
		}
	}
	return r.args
}

func (r *request) Var(name string) ([]byte, error) { return r.vars.get(r.c, name) }

func (r *request) Body() ([]byte, error) {
	if r.bodySet {
		return r.newBody, nil
	}
	if !r.gotBody {
		b, err := r.c.askReqBody()
		if err != nil {
			return nil, err
		}
		r.body, r.gotBody = b, true
	}
	return r.body, nil
}

func (r *request) SetBody(b []byte) {
	r.newBody = append([]byte(nil), b...)
	r.bodySet = true
}

func (r *request) Context() context.Context {
	if r.ctx == nil {
		r.ctx = r.c.slot.context()
	}
	return r.ctx
}

func (r *request) RespHeader() http.Header {
	if r.respHeader == nil {
		r.respHeader = make(http.Header)
	}
	return r.respHeader
}

// argsChanged lists the names whose values differ from what APISIX sent.
func (r *request) argsChanged() []string {
	if r.args == nil {
		return nil
	}
	var names []string
	for k, v := range r.args {
		if !equalStrings(v, r.origArgs[k]) {
			names = append(names, k)
		}
	}
	for k := range r.origArgs {
		if _, ok := r.args[k]; !ok {
			names = append(names, k)
		}
	}
	return names
}

func (r *request) changed() bool {
	return r.pathSet || r.bodySet || r.hdr.changed() || len(r.respHeader) > 0 || len(r.argsChanged()) > 0
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
