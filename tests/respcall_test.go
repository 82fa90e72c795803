package tests

import (
	"reflect"
	"slices"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

var upstreamHeaders = []client.KV{
	client.Pair("Content-Type", "text/html"),
	client.Pair("X-Up", "1"),
	client.Pair("Server", "upstream"),
	client.Pair("Set-Cookie", "a=1"),
	client.Pair("Set-Cookie", "b=2"),
}

func TestRespCall(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	body := "replaced"
	cases := []struct {
		name   string
		conf   map[string]any
		status int
		// client is the header set the HTTP client ends with (names lower-cased, sorted).
		client  []string
		body    *string
		checkFn func(t *testing.T, out *client.RespResult)
	}{
		{
			name:   "status only keeps the upstream headers untouched",
			conf:   map[string]any{"status": 418},
			status: 418,
			client: []string{"content-type", "server", "set-cookie", "x-up"}, // the reply carries them all
		},
		{
			name:   "header change sends the complete set",
			conf:   map[string]any{"set_headers": map[string]string{"X-New": "n"}, "del_headers": []string{"X-Up"}},
			client: []string{"content-type", "server", "set-cookie", "x-new"},
			checkFn: func(t *testing.T, out *client.RespResult) {
				if got := values(out.Headers, "set-cookie"); !reflect.DeepEqual(got, []string{"a=1", "b=2"}) {
					t.Errorf("set-cookie %q, want both values", got)
				}
				if one(t, out.Headers, "content-type") != "text/html" || one(t, out.Headers, "x-new") != "n" {
					t.Errorf("headers %v", out.Headers)
				}
			},
		},
		{
			name:   "status, header and body",
			conf:   map[string]any{"status": 201, "set_headers": map[string]string{"Content-Type": "text/plain"}, "body": body},
			status: 201,
			client: []string{"content-type", "server", "set-cookie", "x-up"},
			body:   &body,
			checkFn: func(t *testing.T, out *client.RespResult) {
				if one(t, out.Headers, "content-type") != "text/plain" {
					t.Errorf("headers %v", out.Headers)
				}
			},
		},
		{
			name:   "body only",
			conf:   map[string]any{"body": body},
			client: []string{"content-type", "server", "set-cookie", "x-up"},
			body:   &body,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := prepare(t, c, pc("resp", tc.conf))
			out := respCall(t, c, tok, client.RespCall{ID: 71, Status: 200, Headers: upstreamHeaders}, nil)
			if out.Status != tc.status {
				t.Errorf("status %d, want %d", out.Status, tc.status)
			}
			if got := names(out.ClientHeaders(upstreamHeaders)); !reflect.DeepEqual(got, tc.client) {
				t.Errorf("client gets headers %v, want %v (reply headers %v)", got, tc.client, out.Headers)
			}
			if tc.body == nil && out.HasBody {
				t.Errorf("body %q sent, want none", out.Body)
			}
			if tc.body != nil && (!out.HasBody || string(out.Body) != *tc.body) {
				t.Errorf("body %q (set %v), want %q", out.Body, out.HasBody, *tc.body)
			}
			if tc.checkFn != nil {
				tc.checkFn(t, out)
			}
		})
	}
}

func TestRespCallNoChange(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	for _, confs := range [][]client.Conf{nil, {pc("noop", nil)}, {pc("say", map[string]any{"body": "x"})}} {
		tok := prepare(t, c, confs...)
		out := respCall(t, c, tok, client.RespCall{ID: 72, Status: 404, Headers: upstreamHeaders}, nil)
		// Status and body unchanged; the headers are sent back as they
		// came, since APISIX would drop Content-Type and others from a
		// reply without any.
		if out.Status != 0 || out.HasBody || !reflect.DeepEqual(out.Headers, lowerKVs(upstreamHeaders)) {
			t.Fatalf("%v: reply %+v, want the upstream headers only", confs, out)
		}
	}
}

func TestRespCallChain(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	tok := prepare(t, c,
		pc("resp", map[string]any{"set_headers": map[string]string{"X-First": "1"}, "status": 502}),
		pc("resp", map[string]any{"set_headers": map[string]string{"X-Second": "2"}, "status": 503}),
	)
	out := respCall(t, c, tok, client.RespCall{ID: 73, Status: 200, Headers: upstreamHeaders}, nil)
	if out.Status != 502 {
		t.Errorf("status %d: the first WriteHeader wins", out.Status)
	}
	got := names(out.Headers)
	for _, want := range []string{"x-first", "x-second", "content-type", "x-up"} {
		if !slices.Contains(got, want) {
			t.Errorf("reply headers %v lack %s", got, want)
		}
	}
}
