package tests

import (
	"fmt"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// marker logs one line for sure (a refused conf is logged at error), so
// that every line logged before it has been read once it shows up.
func marker(t *testing.T, r *proc, c *client.Conn, n int) {
	t.Helper()
	name := fmt.Sprintf("log-marker-%d", n)
	if _, err := c.Prepare(newKey("ext-plugin-pre-req"), []client.Conf{pc(name, nil)}); err == nil {
		t.Fatalf("unknown plugin %s accepted", name)
	}
	if !r.out.waitCount(logTimeout, 1, name) {
		t.Fatalf("refused conf naming %s not logged", name)
	}
}

func TestNoLogPerRequest(t *testing.T) {
	cases := []struct {
		bin   string
		confs []client.Conf // the chain of the calls
		// settled is the last line the runner logs at start-up, on its
		// own goroutine: awaited before lines are counted.
		settled string
	}{
		{"testrunner", []client.Conf{pc("mark", map[string]any{"tag": "a"}), pc("echo", nil), pc("rewrite", map[string]any{"path": "/p"}), pc("resp", map[string]any{"status": 201})}, ""},
		{"go-runner", nil, "worker serving"}, // no scripts: an empty chain; the supervisor logs this line beside the worker's start
	}
	for _, tc := range cases {
		t.Run(tc.bin, func(t *testing.T) {
			r := startRunner(t, tc.bin) // default level
			if tc.settled != "" && !r.out.waitCount(readyTimeout, 1, tc.settled) {
				t.Fatalf("no start-up line %q", tc.settled)
			}
			c := r.dial()
			marker(t, r, c, 0)
			before := len(r.out.lines())
			key := newKey("ext-plugin-pre-req")
			x := &client.Extra{Vars: map[string]string{"remote_addr": "1.1.1.1"}, ReqBody: []byte("b")}
			for i := 0; i < 200; i++ {
				tok, err := c.Prepare(key, tc.confs) // same key: same token
				if err != nil {
					t.Fatal(err)
				}
				call(t, c, tok, client.ReqCall{ID: uint32(i), Path: "/q", Headers: []client.KV{client.Pair("Host", "h")}}, x)
				respCall(t, c, tok, client.RespCall{ID: uint32(i), Status: 200}, x)
				// An unknown token is routine for APISIX after a restart.
				var out client.ReqResult
				if err := c.ReqCall(&client.ReqCall{ID: 1, ConfToken: tok + 1000}, nil, &out); err == nil {
					t.Fatalf("token %d accepted", tok+1000)
				}
			}
			marker(t, r, c, 1)
			if extra := r.out.lines()[before : len(r.out.lines())-1]; len(extra) != 0 {
				t.Fatalf("%d lines logged for 600 calls at the default level:\n%q", len(extra), extra)
			}
			r.stop()
		})
	}
}
