package tests

import (
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

func TestExtraInfoRequest(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	tok := prepare(t, c, pc("echo", map[string]any{"vars": []string{"route_id", "no_such_var"}}))
	x := &client.Extra{Vars: map[string]string{"remote_addr": "10.1.1.1", "route_id": "r7"}, ReqBody: []byte("payload")}
	for i := 0; i < 2; i++ { // the cache is per call: the second call asks again
		x.Reset()
		out := call(t, c, tok, client.ReqCall{ID: uint32(80 + i)}, x)
		h := out.Rewrite.Headers
		if _, bad := client.Lookup(h, "x-echo-error"); bad {
			t.Fatalf("plugin saw an error: %v", h)
		}
		if one(t, h, "x-remote-addr") != "10.1.1.1" || one(t, h, "x-body") != "payload" || one(t, h, "x-var-route_id") != "r7" {
			t.Fatalf("call %d: echoed %v", i, h)
		}
		if v := values(h, "x-var-no_such_var"); len(v) != 1 || v[0] != "" {
			t.Fatalf("unknown var echoed %q, want empty", v)
		}
		// remote_addr and the body were each read twice by the plugin.
		if x.VarTrips != 3 || x.ReqBodyTrips != 1 || x.RespBodyTrips != 0 || out.Trips != 4 {
			t.Fatalf("call %d: round trips var %d, req body %d, resp body %d, total %d; want 3, 1, 0, 4",
				i, x.VarTrips, x.ReqBodyTrips, x.RespBodyTrips, out.Trips)
		}
	}
}

func TestExtraInfoResponse(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	tok := prepare(t, c, pc("echo", nil))
	x := &client.Extra{Vars: map[string]string{"remote_addr": "::1"}, RespBody: []byte("upstream body")}
	out := respCall(t, c, tok, client.RespCall{ID: 90, Status: 200, Headers: upstreamHeaders}, x)
	if one(t, out.Headers, "x-remote-addr") != "::1" || one(t, out.Headers, "x-resp-body") != "upstream body" {
		t.Fatalf("reply headers %v", out.Headers)
	}
	if x.VarTrips != 1 || x.RespBodyTrips != 1 || out.Trips != 2 {
		t.Fatalf("round trips var %d, resp body %d, total %d; want 1, 1, 2", x.VarTrips, x.RespBodyTrips, out.Trips)
	}
}

func TestExtraInfoPeerCloses(t *testing.T) {
	r := startRunner(t, "testrunner")
	other := r.dial() // open before, used after
	sayWorks(t, other)
	cases := []struct {
		name  string
		after func(c *client.Conn) // what the peer does once asked
	}{
		{"close", func(c *client.Conn) { c.Close() }},
		{"half-close", func(c *client.Conn) { _ = c.CloseWrite() }},
		{"answer with another call", func(c *client.Conn) {
			body, _ := client.NewEncoder().ReqCall(&client.ReqCall{ID: 2})
			_ = c.WriteFrame(client.TypeHTTPReqCall, body)
		}},
		{"truncated answer", func(c *client.Conn) {
			_ = c.WriteHeader(client.TypeExtraInfo, 100)
			_ = c.WriteRaw([]byte{1, 2, 3})
			_ = c.CloseWrite()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := r.dial()
			tok := prepare(t, c, pc("echo", nil))
			body, err := client.NewEncoder().ReqCall(&client.ReqCall{ID: 1, ConfToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.WriteFrame(client.TypeHTTPReqCall, body); err != nil {
				t.Fatal(err)
			}
			typ, _, err := c.ReadFrame()
			if err != nil || typ != client.TypeExtraInfo {
				t.Fatalf("want an extra info request, got type %d: %v", typ, err)
			}
			tc.after(c)
			// The runner must let go of the connection (no hang) ...
			if tc.name != "close" {
				if _, err := c.ReadUntilClosed(ioTimeout); err != nil {
					t.Fatalf("runner kept the connection: %v", err)
				}
			}
			// ... and keep serving the others.
			r.alive()
			sayWorks(t, other)
			sayWorks(t, r.dial())
		})
	}
	if errs := r.out.atLevel("error", "dpanic", "panic", "fatal"); len(errs) != 0 {
		t.Fatalf("a peer going away is no error of the runner: %q", errs)
	}
}
