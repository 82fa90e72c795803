package prepared

import (
	"fmt"
	"net/http"
	"net/textproto"
	"slices"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Reply is a status, a header set and a body, sent whole with one call.
type Reply struct {
	status int
	header http.Header // canonical names; values without spare capacity
	keys   []string    // header names, sorted: Rewrite applies them in order
	body   []byte
}

// NewReply prepares a reply. status 0 keeps the status (200 when the request
// phase answers; the upstream's in the response phase); a nil or empty body
// writes no body (the response phase then keeps the upstream's). header may
// be nil; its names are made canonical.
func NewReply(status int, header http.Header, body []byte) *Reply {
	r := &Reply{status: status, header: make(http.Header, len(header))}
	for k, vs := range header {
		k = textproto.CanonicalMIMEHeaderKey(k)
		r.header[k] = slices.Clip(append(r.header[k], vs...))
	}
	for k := range r.header {
		r.keys = append(r.keys, k)
	}
	slices.Sort(r.keys)
	if len(body) > 0 {
		r.body = slices.Clone(body)
	}
	return r
}

// Status is the prepared status (0: kept).
func (r *Reply) Status() int { return r.status }

// Body is the prepared body; callers must not change it.
func (r *Reply) Body() []byte { return r.body }

// Send answers the request with the reply (ext-plugin-pre-req and
// ext-plugin-post-req): each prepared header replaces the writer's values of
// that name, then the status and the body are written, which stops the
// chain. The error is the writer's, for a body over the runner's limit.
func (r *Reply) Send(w http.ResponseWriter) error {
	if len(r.header) > 0 {
		h := w.Header()
		for k, vs := range r.header {
			h[k] = vs
		}
	}
	if r.status != 0 {
		w.WriteHeader(r.status)
	}
	if len(r.body) == 0 {
		return nil
	}
	if _, err := w.Write(r.body); err != nil {
		return fmt.Errorf("prepared: send: %w", err)
	}
	return nil
}

// Rewrite applies the reply to the upstream's response (ext-plugin-post-resp):
// the status when it is not 0, each prepared header in place of the
// response's values of that name (the others are kept), and the body when it
// is not empty.
func (r *Reply) Rewrite(w pluginhttp.Response) error {
	if r.status != 0 {
		w.WriteHeader(r.status)
	}
	if len(r.keys) > 0 {
		setAll(w.Header(), r.keys, r.header)
	}
	if len(r.body) == 0 {
		return nil
	}
	if _, err := w.Write(r.body); err != nil {
		return fmt.Errorf("prepared: rewrite: %w", err)
	}
	return nil
}

// setAll replaces the values of each name in keys with hdr's.
func setAll(h pluginhttp.Header, keys []string, hdr http.Header) {
	for _, k := range keys {
		vs := hdr[k]
		if len(vs) == 0 {
			h.Del(k)
			continue
		}
		h.Set(k, vs[0])
		for _, v := range vs[1:] {
			h.Add(k, v)
		}
	}
}
