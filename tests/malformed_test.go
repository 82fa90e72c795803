package tests

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// replyOrClose reads what the runner does after bad input: one frame, or
// the connection closed. It fails the test when the runner does neither
// within the bound.
func replyOrClose(t *testing.T, c *client.Conn) (typ byte, body []byte, closed bool) {
	t.Helper()
	c.SetIOTimeout(ioTimeout)
	typ, body, err := c.ReadFrame()
	if err == nil {
		return typ, append([]byte(nil), body...), false
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("runner neither answered nor closed: %v", err)
	}
	return 0, nil, true
}

func wantErrorFrame(t *testing.T, c *client.Conn) {
	t.Helper()
	typ, body, closed := replyOrClose(t, c)
	if closed {
		t.Fatalf("runner closed the connection without an error reply")
	}
	if typ != client.TypeError {
		t.Fatalf("reply type %s, want rpc_error", client.TypeName(typ))
	}
	if _, err := client.DecodeError(body); err != nil {
		t.Fatalf("error reply does not decode: %v", err)
	}
}

// badInput is what a malformed-input case sends, and how the runner must react.
type badInput struct {
	name string
	send func(t *testing.T, c *client.Conn)
	// check looks at the runner's reaction; nil: any reply or a close.
	check func(t *testing.T, c *client.Conn)
}

func TestMalformedInput(t *testing.T) {
	r := startRunner(t, "testrunner")
	other := r.dial()
	sayWorks(t, other)
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	cases := []badInput{
		{"truncated frame then close", func(t *testing.T, c *client.Conn) {
			_ = c.WriteHeader(client.TypeHTTPReqCall, 100)
			_ = c.WriteRaw(random(10))
			_ = c.CloseWrite()
		}, wantClosed},
		{"header only then close", func(t *testing.T, c *client.Conn) {
			_ = c.WriteHeader(client.TypeHTTPReqCall, 5000)
			_ = c.CloseWrite()
		}, wantClosed},
		{"half a header then close", func(t *testing.T, c *client.Conn) {
			_ = c.WriteRaw([]byte{client.TypeHTTPReqCall, 0})
			_ = c.CloseWrite()
		}, wantClosed},
		{"largest announced body never sent", func(t *testing.T, c *client.Conn) {
			_ = c.WriteHeader(client.TypePrepareConf, client.MaxBodyLen)
			_ = c.WriteRaw(random(1000))
			_ = c.CloseWrite()
		}, wantClosed},
		{"unknown type", func(t *testing.T, c *client.Conn) {
			_ = c.WriteFrame(9, random(16))
		}, errorAndGoOn},
		{"extra info out of a call", func(t *testing.T, c *client.Conn) {
			_ = c.WriteFrame(client.TypeExtraInfo, client.NewEncoder().ExtraResp([]byte("x"), true))
		}, errorAndGoOn},
		{"rpc error from the client", func(t *testing.T, c *client.Conn) {
			_ = c.WriteFrame(client.TypeError, random(8))
		}, errorAndGoOn},
		{"empty req call body", func(t *testing.T, c *client.Conn) {
			_ = c.WriteFrame(client.TypeHTTPReqCall, nil)
		}, errorAndGoOn},
		{"empty prepare body", func(t *testing.T, c *client.Conn) {
			_ = c.WriteFrame(client.TypePrepareConf, nil)
		}, errorAndGoOn},
		{"empty resp call body", func(t *testing.T, c *client.Conn) {
			_ = c.WriteFrame(client.TypeHTTPRespCall, nil)
		}, errorAndGoOn},
	}
	for _, n := range []int{1, 4, 8, 16, 64, 1000, 70000} {
		body := random(n)
		cases = append(cases,
			badInput{"garbage req call body " + strconv.Itoa(n), func(t *testing.T, c *client.Conn) {
				_ = c.WriteFrame(client.TypeHTTPReqCall, body)
			}, errorAndGoOn},
			badInput{"garbage resp call body " + strconv.Itoa(n), func(t *testing.T, c *client.Conn) {
				_ = c.WriteFrame(client.TypeHTTPRespCall, body)
			}, errorAndGoOn},
			badInput{"garbage prepare body " + strconv.Itoa(n), func(t *testing.T, c *client.Conn) {
				_ = c.WriteFrame(client.TypePrepareConf, body)
			}, nil},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := r.dial()
			tc.send(t, c)
			if tc.check != nil {
				tc.check(t, c)
			} else {
				replyOrClose(t, c)
			}
			r.alive()
			sayWorks(t, other)
		})
	}
	sayWorks(t, r.dial())
	r.stop()
}

// wantClosed: after a frame cut short the runner closes the connection.
func wantClosed(t *testing.T, c *client.Conn) {
	t.Helper()
	if _, err := c.ReadUntilClosed(ioTimeout); err != nil {
		t.Fatalf("runner kept a connection whose frame was cut short: %v", err)
	}
}

// errorAndGoOn: a whole frame that makes no sense gets an error reply and
// the connection goes on.
func errorAndGoOn(t *testing.T, c *client.Conn) {
	t.Helper()
	wantErrorFrame(t, c)
	sayWorks(t, c)
}

func TestOversizedReply(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	c.SetIOTimeout(bigFrameIOTimeout)
	other := r.dial()
	sayWorks(t, other)
	cases := []struct {
		name    string
		n       int
		where   string
		resp    bool
		wantErr bool
	}{
		{"stop body 2 MiB", 2 << 20, "stop", false, false},
		{"stop body just under the limit", client.MaxBodyLen - 4096, "stop", false, false},
		{"stop body of 2^24 bytes", 1 << 24, "stop", false, true},
		{"stop body of 20 MiB", 20 << 20, "stop", false, true},
		{"rewrite body of 2^24 bytes", 1 << 24, "rewrite", false, true},
		{"rewrite body 1 MiB", 1 << 20, "rewrite", false, false},
		{"resp body of 2^24 bytes", 1 << 24, "resp", true, true},
		{"resp body 3 MiB", 3 << 20, "resp", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := prepare(t, c, pc("big", map[string]any{"n": tc.n, "where": tc.where}))
			var err error
			var got []byte
			if tc.resp {
				var out client.RespResult
				err = c.RespCall(&client.RespCall{ID: 1, Status: 200, ConfToken: tok}, nil, &out)
				got = out.Body
			} else {
				var out client.ReqResult
				err = c.ReqCall(&client.ReqCall{ID: 1, ConfToken: tok}, nil, &out)
				got = append(out.Stop.Body, out.Rewrite.Body...)
			}
			if tc.wantErr {
				wantRPCError(t, err, "oversized reply")
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != tc.n {
					t.Fatalf("body of %d bytes, want %d", len(got), tc.n)
				}
			}
			if c.Err() != nil {
				t.Fatalf("connection out of sync after the reply: %v", c.Err())
			}
			sayWorks(t, c)
			sayWorks(t, other)
		})
	}
}

func TestLargeRequest(t *testing.T) {
	// Echoing 16 MB under the race detector took over the default 5 s
	// plugin timeout on a starved machine: the timeout here is one this
	// test is not meant to reach.
	r := startRunner(t, "testrunner", "TESTRUNNER_PLUGIN_TIMEOUT=50s")
	c := r.dial()
	c.SetIOTimeout(bigFrameIOTimeout)
	tok := prepare(t, c, pc("echo", nil))
	for _, n := range []int{300 << 10, 4 << 20, client.MaxBodyLen - 4096} {
		big := bytes.Repeat([]byte{'q'}, n)
		x := &client.Extra{Vars: map[string]string{"remote_addr": "1.2.3.4"}, ReqBody: big}
		rq := client.ReqCall{ID: 2, ConfToken: tok, Headers: []client.KV{client.Pair("X-Pad", string(big[:n/2]))}}
		var out client.ReqResult
		if err := c.ReqCall(&rq, x, &out); err != nil {
			t.Fatalf("%d byte request: %v", n, err)
		}
		if got := one(t, out.Rewrite.Headers, "x-body"); len(got) != n {
			t.Fatalf("echoed body of %d bytes, want %d", len(got), n)
		}
	}
}
