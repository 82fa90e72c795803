package prepared

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// recorder is an http.ResponseWriter that keeps what it is given.
type recorder struct {
	h      http.Header
	status int
	body   []byte
	err    error
}

func (w *recorder) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *recorder) WriteHeader(s int) { w.status = s }
func (w *recorder) Write(b []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.body = append(w.body, b...)
	return len(b), nil
}

// header is a pluginhttp.Header over an http.Header that logs its calls.
type header struct {
	h     http.Header
	calls []string
}

func (h *header) Set(k, v string)     { h.calls = append(h.calls, "set "+k); h.h.Set(k, v) }
func (h *header) Add(k, v string)     { h.calls = append(h.calls, "add "+k); h.h.Add(k, v) }
func (h *header) Del(k string)        { h.calls = append(h.calls, "del "+k); h.h.Del(k) }
func (h *header) Get(k string) string { return h.h.Get(k) }
func (h *header) View() http.Header   { return h.h }

// response is a pluginhttp.Response with an upstream status and headers.
type response struct {
	pluginhttp.Response // methods the tests never call
	status              int
	body                []byte
	hdr                 *header
	upstream            int // StatusCode
	asked               int // calls of StatusCode
}

func (r *response) StatusCode() int { r.asked++; return r.upstream }

func (r *response) WriteHeader(s int) { r.status = s }
func (r *response) Write(b []byte) (int, error) {
	r.body = append(r.body, b...)
	return len(b), nil
}

func (r *response) Header() pluginhttp.Header { return r.hdr }

// request is a pluginhttp.Request whose Args are counted.
type request struct {
	pluginhttp.Request
	args    url.Values
	asked   int
	path    string
	pathSet bool
	hdr     *header
}

func (r *request) Args() url.Values          { r.asked++; return r.args }
func (r *request) Path() []byte              { return []byte(r.path) }
func (r *request) SetPath(p []byte)          { r.path, r.pathSet = string(p), true }
func (r *request) Header() pluginhttp.Header { return r.hdr }

var errFull = errors.New("body over the limit")

func TestReplySend(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     http.Header
		body       string
		before     http.Header
		writeErr   error
		wantStatus int
		wantHeader http.Header
		wantBody   string
		wantErr    error
	}{
		{name: "status, header and body", status: 201, header: http.Header{"content-type": {"text/plain"}, "X-Resp-A6-Runner": {"Go"}},
			body: "hello", wantStatus: 201, wantHeader: http.Header{"Content-Type": {"text/plain"}, "X-Resp-A6-Runner": {"Go"}}, wantBody: "hello"},
		{name: "replaces a name already set, keeps the others", header: http.Header{"X-A": {"1", "2"}},
			before: http.Header{"X-A": {"0"}, "X-B": {"b"}}, wantHeader: http.Header{"X-A": {"1", "2"}, "X-B": {"b"}}},
		{name: "nothing prepared writes nothing", before: http.Header{}, wantHeader: http.Header{}},
		{name: "write error is returned", body: "x", writeErr: errFull, wantErr: errFull, wantHeader: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReply(tc.status, tc.header, []byte(tc.body))
			w := &recorder{h: tc.before, err: tc.writeErr}
			if err := r.Send(w); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Send: %v, want %v", err, tc.wantErr)
			}
			if w.status != tc.wantStatus || string(w.body) != tc.wantBody || !reflect.DeepEqual(w.h, tc.wantHeader) {
				t.Fatalf("sent %d %v %q, want %d %v %q", w.status, w.h, w.body, tc.wantStatus, tc.wantHeader, tc.wantBody)
			}
		})
	}
}

func TestReplyIsImmutable(t *testing.T) {
	hdr := http.Header{"X-A": {"1"}}
	body := []byte("hello")
	r := NewReply(200, hdr, body)
	hdr["X-A"][0], body[0] = "changed", 'J'
	w := &recorder{}
	if err := r.Send(w); err != nil {
		t.Fatal(err)
	}
	w.h["X-A"] = append(w.h["X-A"], "appended")
	w2 := &recorder{}
	if err := r.Send(w2); err != nil {
		t.Fatal(err)
	}
	if got := w2.h["X-A"]; !reflect.DeepEqual(got, []string{"1"}) || string(w2.body) != "hello" {
		t.Fatalf("second send: X-A %q body %q, want [1] hello", got, w2.body)
	}
}

func TestReplyRewrite(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     http.Header
		body       string
		wantStatus int
		wantCalls  string
		wantHeader http.Header
		wantBody   string
	}{
		{name: "everything", status: 418, header: http.Header{"X-B": {"b"}, "x-a": {"1", "2"}}, body: "new",
			wantStatus: 418, wantCalls: "set X-A,add X-A,set X-B", wantBody: "new",
			wantHeader: http.Header{"X-A": {"1", "2"}, "X-B": {"b"}, "Server": {"up"}}},
		{name: "status 0 and no body keep the upstream's", header: http.Header{"X-A": {"1"}},
			wantCalls: "set X-A", wantHeader: http.Header{"X-A": {"1"}, "Server": {"up"}}},
		{name: "a name without values is deleted", header: http.Header{"Server": nil},
			wantCalls: "del Server", wantHeader: http.Header{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &response{hdr: &header{h: http.Header{"Server": {"up"}}}}
			if err := NewReply(tc.status, tc.header, []byte(tc.body)).Rewrite(w); err != nil {
				t.Fatal(err)
			}
			if w.status != tc.wantStatus || string(w.body) != tc.wantBody || strings.Join(w.hdr.calls, ",") != tc.wantCalls ||
				!reflect.DeepEqual(w.hdr.h, tc.wantHeader) {
				t.Fatalf("rewrote %d %v (calls %q) %q, want %d %v (calls %q) %q", w.status, w.hdr.h, w.hdr.calls, w.body,
					tc.wantStatus, tc.wantHeader, tc.wantCalls, tc.wantBody)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	e := NewHeaders(map[string]string{"x-b": "b", "X-A": "a"}, map[string]string{"vary": "Origin"}, []string{"x-powered-by"})
	before := func() http.Header {
		return http.Header{"Vary": {"Accept"}, "X-Powered-By": {"php"}, "X-A": {"old"}}
	}
	want := http.Header{"Vary": {"Accept", "Origin"}, "X-A": {"a"}, "X-B": {"b"}}

	h := &header{h: before()}
	e.Apply(h)
	if got := strings.Join(h.calls, ","); got != "set X-A,set X-B,add Vary,del X-Powered-By" || !reflect.DeepEqual(h.h, want) {
		t.Fatalf("Apply: calls %q, header %v; want %v", got, h.h, want)
	}
	hh := before()
	e.ApplyHTTP(hh)
	if !reflect.DeepEqual(hh, want) {
		t.Fatalf("ApplyHTTP: %v, want %v", hh, want)
	}
	if e.Empty() || !NewHeaders(nil, nil, nil).Empty() {
		t.Fatal("Empty is wrong")
	}
	var none *Headers
	h = &header{h: before()}
	none.Apply(h)
	none.ApplyHTTP(hh)
	if !none.Empty() || len(h.calls) != 0 || !reflect.DeepEqual(hh, want) {
		t.Fatal("a nil *Headers edited something")
	}
}

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		set       map[string]string
		del       []string
		wantAsked int
		want      url.Values
	}{
		{name: "set and delete, case kept", set: map[string]string{"Lang": "go"}, del: []string{"debug"},
			wantAsked: 1, want: url.Values{"Lang": {"go"}, "lang": {"c"}}},
		{name: "nothing to do never asks for the query", wantAsked: 0,
			want: url.Values{"lang": {"c"}, "debug": {"1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &request{args: url.Values{"lang": {"c"}, "debug": {"1"}}}
			NewArgs(tc.set, tc.del).Apply(r)
			var none *Args
			none.Apply(r)
			if r.asked != tc.wantAsked || !reflect.DeepEqual(r.args, tc.want) {
				t.Fatalf("asked %d times, args %v; want %d, %v", r.asked, r.args, tc.wantAsked, tc.want)
			}
		})
	}
}

func TestRewrite(t *testing.T) {
	hdrs := NewHeaders(map[string]string{"X-A": "a"}, nil, nil)
	args := NewArgs(map[string]string{"lang": "go"}, nil)
	for _, tc := range []struct {
		name, path, strip, reqPath string
		headers                    *Headers
		args                       *Args
		wantPath                   string
		wantSet                    bool
		wantHeader                 http.Header
		wantArgs                   url.Values
	}{
		{name: "path replaced", path: "/new", strip: "/api", reqPath: "/api/x", wantPath: "/new", wantSet: true},
		{name: "prefix cut", strip: "/api/", reqPath: "/api/x", wantPath: "/x", wantSet: true},
		{name: "path equal to the prefix becomes /", strip: "/api", reqPath: "/api", wantPath: "/", wantSet: true},
		{name: "a longer name is not the prefix", strip: "/api", reqPath: "/apiv2/x", wantPath: "/apiv2/x"},
		{name: "another path is kept", strip: "/api", reqPath: "/other", wantPath: "/other"},
		{name: "headers and args", reqPath: "/p", headers: hdrs, args: args, wantPath: "/p",
			wantHeader: http.Header{"X-A": {"a"}}, wantArgs: url.Values{"lang": {"go"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &request{path: tc.reqPath, args: url.Values{}, hdr: &header{h: http.Header{}}}
			NewRewrite(tc.path, tc.strip, tc.headers, tc.args).Apply(r)
			if r.path != tc.wantPath || r.pathSet != tc.wantSet {
				t.Fatalf("path %q (set %t), want %q (set %t)", r.path, r.pathSet, tc.wantPath, tc.wantSet)
			}
			if tc.wantHeader == nil {
				tc.wantHeader = http.Header{}
			}
			if tc.wantArgs == nil {
				tc.wantArgs = url.Values{}
			}
			if !reflect.DeepEqual(r.hdr.h, tc.wantHeader) || !reflect.DeepEqual(r.args, tc.wantArgs) {
				t.Fatalf("header %v args %v, want %v %v", r.hdr.h, r.args, tc.wantHeader, tc.wantArgs)
			}
		})
	}
}

func TestResponseEdit(t *testing.T) {
	hdrs := NewHeaders(map[string]string{"X-A": "a"}, nil, []string{"Server"})
	for _, tc := range []struct {
		name       string
		headers    *Headers
		status     map[int]int
		upstream   int
		wantStatus int
		wantAsked  int
		wantHeader http.Header
	}{
		{name: "headers and a mapped status", headers: hdrs, status: map[int]int{502: 503}, upstream: 502,
			wantStatus: 503, wantAsked: 1, wantHeader: http.Header{"X-A": {"a"}}},
		{name: "a status not in the map is kept", status: map[int]int{502: 503}, upstream: 200,
			wantAsked: 1, wantHeader: http.Header{"Server": {"up"}}},
		{name: "no map never reads the status", headers: hdrs, upstream: 502,
			wantHeader: http.Header{"X-A": {"a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &response{hdr: &header{h: http.Header{"Server": {"up"}}}, upstream: tc.upstream}
			NewResponseEdit(tc.headers, tc.status).Apply(w)
			if w.status != tc.wantStatus || w.asked != tc.wantAsked || !reflect.DeepEqual(w.hdr.h, tc.wantHeader) {
				t.Fatalf("status %d (asked %d times), header %v; want %d (%d), %v", w.status, w.asked, w.hdr.h,
					tc.wantStatus, tc.wantAsked, tc.wantHeader)
			}
		})
	}
}
