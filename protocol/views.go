package protocol

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// A plugin never gets the connection's request, response or writer: it gets
// views of them that work during its own call only. A plugin may keep a view
// (in a package variable, in a time.AfterFunc callback) and use it later;
// every method then panics with ErrViewExpired instead of reading or changing
// whatever call the connection is serving by then.
//
// Each plugin call allocates one callView; its generation is the
// connection's at the call's start. Every method takes the connection's
// views lock and compares generations; the call's end bumps the generation
// under the same lock. So a method that passed the check has finished before
// the runner goes on with the call's reply, and uses made from a goroutine
// of the script during the call are serialized with the plugin's own.
//
// The maps a view hands out (Header().View(), Args(), RespHeader(), the
// writer's Header()) are new for every call and read by the runner only
// while it builds that call's reply.

// views is a connection's views lock and generation.
type views struct {
	mu  sync.Mutex
	gen uint64
	// slab holds the next views to hand out: one allocation per viewSlab
	// calls. A view is never handed out twice.
	slab []callView
}

// viewSlab is how many views one allocation holds.
const viewSlab = 32

// open starts the views of one plugin call.
func (vs *views) open(c *conn) *callView {
	if len(vs.slab) == 0 {
		vs.slab = make([]callView, viewSlab)
	}
	v := &vs.slab[0]
	vs.slab = vs.slab[1:]
	vs.mu.Lock()
	vs.gen++
	*v = callView{c: c, gen: vs.gen}
	c.bodyErr = nil
	vs.mu.Unlock()
	return v
}

// close ends every view handed out so far; it waits for a method in
// progress.
func (vs *views) close() {
	vs.mu.Lock()
	vs.gen++
	vs.mu.Unlock()
}

// callView is the views of one plugin call; the named types below are its
// faces.
type callView struct {
	c   *conn
	gen uint64
}

// The panics of a view used after its call.
var (
	errRequestExpired  = fmt.Errorf("pluginhttp: request %w", ErrViewExpired)
	errWriterExpired   = fmt.Errorf("pluginhttp: response writer %w", ErrViewExpired)
	errResponseExpired = fmt.Errorf("pluginhttp: response %w", ErrViewExpired)
	errHeaderExpired   = fmt.Errorf("pluginhttp: header %w", ErrViewExpired)
)

// enter locks the views and panics with expired unless v is current. The
// caller has deferred exit already, which unlocks on the panic too.
func (v *callView) enter(expired error) {
	v.c.views.mu.Lock()
	if v.c.views.gen != v.gen {
		panic(expired)
	}
}

func (v *callView) exit() { v.c.views.mu.Unlock() }

// request returns v as the call's pluginhttp.Request.
func (v *callView) request() pluginhttp.Request { return (*reqView)(v) }

// writer returns v as the call's http.ResponseWriter.
func (v *callView) writer() http.ResponseWriter { return (*writerView)(v) }

// response returns v as the call's pluginhttp.Response.
func (v *callView) response() pluginhttp.Response { return (*respView)(v) }

// reqView is the pluginhttp.Request of a plugin call.
type reqView callView

var _ pluginhttp.Request = (*reqView)(nil)

func (r *reqView) in() *request {
	(*callView)(r).enter(errRequestExpired)
	return &r.c.req
}

func (r *reqView) out() { (*callView)(r).exit() }

func (r *reqView) ID() uint32                   { defer r.out(); return r.in().ID() }
func (r *reqView) SrcIP() net.IP                { defer r.out(); return r.in().SrcIP() }
func (r *reqView) Method() string               { defer r.out(); return r.in().Method() }
func (r *reqView) Path() []byte                 { defer r.out(); return r.in().Path() }
func (r *reqView) SetPath(p []byte)             { defer r.out(); r.in().SetPath(p) }
func (r *reqView) Args() url.Values             { defer r.out(); return r.in().Args() }
func (r *reqView) Body() ([]byte, error)        { defer r.out(); return r.in().Body() }
func (r *reqView) Context() context.Context     { defer r.out(); return r.in().Context() }
func (r *reqView) RespHeader() http.Header      { defer r.out(); return r.in().RespHeader() }
func (r *reqView) Var(n string) ([]byte, error) { defer r.out(); return r.in().Var(n) }

func (r *reqView) SetBody(b []byte) {
	defer r.out()
	rq := r.in()
	if r.c.overBody("request body", 0, len(b)) == nil {
		rq.SetBody(b)
	}
}

func (r *reqView) Header() pluginhttp.Header {
	defer r.out()
	r.in()
	return (*reqHeaderView)(r)
}

// reqHeaderView is the request's pluginhttp.Header.
type reqHeaderView callView

func (h *reqHeaderView) in() *header {
	(*callView)(h).enter(errHeaderExpired)
	return &h.c.req.hdr
}

func (h *reqHeaderView) out() { (*callView)(h).exit() }

func (h *reqHeaderView) Set(k, v string)     { defer h.out(); h.in().Set(k, v) }
func (h *reqHeaderView) Add(k, v string)     { defer h.out(); h.in().Add(k, v) }
func (h *reqHeaderView) Get(k string) string { defer h.out(); return h.in().Get(k) }
func (h *reqHeaderView) Del(k string)        { defer h.out(); h.in().Del(k) }
func (h *reqHeaderView) View() http.Header   { defer h.out(); return h.in().View() }

// writerView is the http.ResponseWriter of a request call.
type writerView callView

func (w *writerView) in() *responseWriter {
	(*callView)(w).enter(errWriterExpired)
	return &w.c.w
}

func (w *writerView) out() { (*callView)(w).exit() }

func (w *writerView) Header() http.Header    { defer w.out(); return w.in().Header() }
func (w *writerView) WriteHeader(status int) { defer w.out(); w.in().WriteHeader(status) }

func (w *writerView) Write(b []byte) (int, error) {
	defer w.out()
	rw := w.in()
	if err := w.c.overBody("response body", len(rw.body), len(b)); err != nil {
		return 0, err
	}
	return rw.Write(b)
}

// respView is the pluginhttp.Response of a response call.
type respView callView

var _ pluginhttp.Response = (*respView)(nil)

func (r *respView) in() *response {
	(*callView)(r).enter(errResponseExpired)
	return &r.c.resp
}

func (r *respView) out() { (*callView)(r).exit() }

func (r *respView) ID() uint32                   { defer r.out(); return r.in().ID() }
func (r *respView) StatusCode() int              { defer r.out(); return r.in().StatusCode() }
func (r *respView) Var(n string) ([]byte, error) { defer r.out(); return r.in().Var(n) }
func (r *respView) ReadBody() ([]byte, error)    { defer r.out(); return r.in().ReadBody() }
func (r *respView) WriteHeader(status int)       { defer r.out(); r.in().WriteHeader(status) }

func (r *respView) Write(b []byte) (int, error) {
	defer r.out()
	rs := r.in()
	if err := r.c.overBody("response body", len(rs.body), len(b)); err != nil {
		return 0, err
	}
	return rs.Write(b)
}

func (r *respView) Header() pluginhttp.Header {
	defer r.out()
	r.in()
	return (*respHeaderView)(r)
}

// respHeaderView is the response's pluginhttp.Header.
type respHeaderView callView

func (h *respHeaderView) in() *header {
	(*callView)(h).enter(errHeaderExpired)
	return &h.c.resp.hdr
}

func (h *respHeaderView) out() { (*callView)(h).exit() }

func (h *respHeaderView) Set(k, v string)     { defer h.out(); h.in().Set(k, v) }
func (h *respHeaderView) Add(k, v string)     { defer h.out(); h.in().Add(k, v) }
func (h *respHeaderView) Get(k string) string { defer h.out(); return h.in().Get(k) }
func (h *respHeaderView) Del(k string)        { defer h.out(); h.in().Del(k) }
func (h *respHeaderView) View() http.Header   { defer h.out(); return h.in().View() }
