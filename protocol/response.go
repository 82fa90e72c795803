package protocol

import (
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// response is the pluginhttp.Response of one HTTPRespCall, reused per
// connection; plugins see it through a respView (views.go).
type response struct {
	c  *conn
	fb hrsc.Req

	hdr header

	status  int
	body    []byte
	written bool

	origBody []byte
	gotBody  bool
	vars     varCache

	sc encScratch // kept across calls
}

var _ pluginhttp.Response = (*response)(nil)

// reset readies r for a call whose message is already in r.fb.
func (r *response) reset(c *conn) {
	body := r.body[:0]
	if cap(body) > maxKeptBuf {
		body = nil
	}
	*r = response{c: c, fb: r.fb, body: body, sc: r.sc}
	r.hdr.reset(&r.fb)
}

func (r *response) ID() uint32 { return r.fb.Id() }

func (r *response) StatusCode() int {
	if r.status != 0 {
		return r.status
	}
	return int(r.fb.Status())
}

func (r *response) Header() pluginhttp.Header { return &r.hdr }

func (r *response) Var(name string) ([]byte, error) { return r.vars.get(r.c, name) }

func (r *response) ReadBody() ([]byte, error) {
	if !r.gotBody {
		b, err := r.c.askRespBody()
		if err != nil {
			return nil, err
		}
		r.origBody, r.gotBody = b, true
	}
	return r.origBody, nil
}

func (r *response) Write(b []byte) (int, error) {
	r.body = append(r.body, b...)
	r.written = true
	return len(b), nil
}

func (r *response) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
