package tests

import (
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

func TestPluginPanics(t *testing.T) {
	r := startRunner(t, "testrunner")
	other := r.dial()
	sayWorks(t, other)
	cases := []struct {
		name   string
		plugin string
		msg    string
		call   func(c *client.Conn, tok uint32) error
	}{
		{"RequestFilter", "panic-req", "boom in RequestFilter", func(c *client.Conn, tok uint32) error {
			return c.ReqCall(&client.ReqCall{ID: 1, ConfToken: tok}, nil, &client.ReqResult{})
		}},
		{"ResponseFilter", "panic-resp", "boom in ResponseFilter", func(c *client.Conn, tok uint32) error {
			return c.RespCall(&client.RespCall{ID: 1, Status: 200, ConfToken: tok}, nil, &client.RespResult{})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := r.dial()
			tok := prepare(t, c, pc("mark", map[string]any{"tag": "x"}), pc(tc.plugin, nil))
			for i := 1; i <= 2; i++ {
				wantRPCError(t, tc.call(c, tok), tc.plugin)
				if !r.out.waitCount(logTimeout, i, tc.msg) {
					t.Fatalf("panic %d not logged", i)
				}
				if n := r.out.count(tc.msg); n != i {
					t.Fatalf("%d log lines for %d panics, want one each", n, i)
				}
				if n := r.out.count(tc.msg, tc.plugin); n != i {
					t.Fatalf("the panic's log line does not name the plugin %s", tc.plugin)
				}
			}
			sayWorks(t, c) // same connection
			sayWorks(t, other)
			r.alive()
		})
	}
}
