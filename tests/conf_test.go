package tests

import (
	"errors"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

func TestPrepareConfTokens(t *testing.T) {
	dir := shortDir(t)
	seen := map[uint32]string{}
	keyA, keyB := newKey("ext-plugin-pre-req"), newKey("ext-plugin-pre-req")
	sayA := []client.Conf{pc("say", map[string]any{"body": "A"})}
	sayB := []client.Conf{pc("say", map[string]any{"body": "B"})}
	var stale uint32
	for gen := 0; gen < 3; gen++ {
		r := startRunnerIn(t, "testrunner", dir)
		c := r.dial()
		if stale != 0 {
			// A token of the previous runner must not serve another conf.
			var out client.ReqResult
			err := c.ReqCall(&client.ReqCall{ID: 1, ConfToken: stale}, nil, &out)
			if !errors.Is(err, client.ErrTokenNotFound) {
				t.Fatalf("runner %d: old token %d: got %v (%+v), want CONF_TOKEN_NOT_FOUND", gen, stale, err, out)
			}
		}
		a1, err := c.Prepare(keyA, sayA)
		if err != nil {
			t.Fatal(err)
		}
		a2, err := c.Prepare(keyA, sayA)
		if err != nil {
			t.Fatal(err)
		}
		if a1 != a2 {
			t.Fatalf("runner %d: same key gave tokens %d and %d", gen, a1, a2)
		}
		// The same key on another connection too.
		a3, err := r.dial().Prepare(keyA, sayA)
		if err != nil || a3 != a1 {
			t.Fatalf("runner %d: same key on a second connection gave %d (%v), want %d", gen, a3, err, a1)
		}
		b, err := c.Prepare(keyB, sayB)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []uint32{a1, b} {
			if prev, dup := seen[tok]; dup {
				t.Fatalf("runner %d handed out token %d again (first: %s)", gen, tok, prev)
			}
			seen[tok] = "runner " + string(rune('0'+gen))
		}
		if a1 == b {
			t.Fatalf("keys A and B share token %d", a1)
		}
		out := call(t, c, b, client.ReqCall{ID: 7}, nil)
		if string(out.Stop.Body) != "B" {
			t.Fatalf("token of B answered %q", out.Stop.Body)
		}
		stale = a1
		r.stop()
	}
}

func TestPrepareConfFailsClosed(t *testing.T) {
	r := startRunner(t, "testrunner")
	cases := []struct {
		name   string
		confs  []client.Conf
		plugin string
		reason string // part of the logged reason
	}{
		{"unknown plugin", []client.Conf{pc("say", nil), pc("no-such-plugin", nil)}, "no-such-plugin", "unknown plugin"},
		{"ParseConf error", []client.Conf{pc("reject-conf", nil)}, "reject-conf", "refused by design"},
		{"conf is not JSON", []client.Conf{pc("say", "{not json")}, "say", "invalid character"},
		{"ParseConf panics", []client.Conf{pc("panic-conf", nil)}, "panic-conf", "boom in ParseConf"},
	}
	c := r.dial()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := newKey("ext-plugin-pre-req")
			reasons := r.out.count(tc.reason)
			_, err := c.Prepare(key, tc.confs)
			wantRPCError(t, err, "prepare")
			if !r.out.waitCount(logTimeout, 1, key) {
				t.Fatalf("no log line names the key %s", key)
			}
			if n := r.out.count(key, tc.plugin, tc.reason); n != 1 {
				t.Fatalf("%d log lines name key %s, plugin %s and reason %q, want 1", n, key, tc.plugin, tc.reason)
			}
			// Logged once: no other line carries the same failure.
			if n := r.out.count(tc.reason) - reasons; n != 1 {
				t.Errorf("the failure (%q) is logged on %d lines, want 1", tc.reason, n)
			}
			sayWorks(t, c) // the connection goes on
		})
	}
}

func TestClientRepreparesUnknownToken(t *testing.T) {
	r := startRunner(t, "testrunner")
	cl := r.client()
	rt := route(pc("say", map[string]any{"body": "fresh"}))
	cl.StoreToken(rt.Key, 12345) // a token this runner never gave
	var out client.ReqResult
	if err := cl.ReqCall(rt, &client.ReqCall{ID: 3}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if out.Action != client.ActionStop || string(out.Stop.Body) != "fresh" {
		t.Fatalf("got %+v", out)
	}
	if s := cl.Stats(); s.Retries != 1 || s.Prepares != 1 {
		t.Fatalf("stats %+v, want one retry after one prepare", s)
	}
}

func TestClientSurvivesRunnerRestart(t *testing.T) {
	dir := shortDir(t)
	r := startRunnerIn(t, "testrunner", dir)
	cl := client.New(client.Options{Path: r.sock, IOTimeout: ioTimeout})
	defer cl.Close()
	routes := []*client.Route{
		route(pc("say", map[string]any{"body": "one"})),
		route(pc("say", map[string]any{"body": "two"})),
	}
	var out client.ReqResult
	for _, rt := range routes {
		if err := cl.ReqCall(rt, &client.ReqCall{}, nil, &out); err != nil {
			t.Fatal(err)
		}
	}
	r.stop()
	startRunnerIn(t, "testrunner", dir)
	cl.CloseIdle() // nginx drops the connections the old runner closed
	// APISIX still holds the old tokens: each call must either be refused
	// (and re-prepared) or, never, answered with the other route's conf.
	for i, rt := range routes {
		if err := cl.ReqCall(rt, &client.ReqCall{}, nil, &out); err != nil {
			t.Fatalf("route %d after restart: %v", i, err)
		}
		if want := []string{"one", "two"}[i]; string(out.Stop.Body) != want {
			t.Fatalf("route %d answered %q, want %q", i, out.Stop.Body, want)
		}
	}
	if s := cl.Stats(); s.Retries != 1 || s.Prepares != 4 {
		t.Fatalf("stats %+v: want one retry (which flushes both tokens) and two more prepares", s)
	}
}

func TestConfExpiry(t *testing.T) {
	r := startRunner(t, "testrunner", "APISIX_CONF_EXPIRE_TIME=1")
	c := r.dial()
	key := newKey("ext-plugin-pre-req")
	confs := []client.Conf{pc("say", map[string]any{"body": "x"})}
	start := time.Now()
	tok, err := c.Prepare(key, confs)
	if err != nil {
		t.Fatal(err)
	}
	// Poll with calls (which must not extend the conf's life) until the
	// token is refused; 1.2 x 1 s is the runner's TTL.
	const ttl = 1200 * time.Millisecond
	var expired time.Duration
	for i := 0; ; i++ {
		var out client.ReqResult
		err := c.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: tok}, nil, &out)
		now := time.Since(start)
		if errors.Is(err, client.ErrTokenNotFound) {
			expired = now
			break
		}
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if now > 10*time.Second {
			t.Fatalf("token still served %s after prepare with APISIX_CONF_EXPIRE_TIME=1", now)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronization
	}
	if expired < ttl {
		t.Fatalf("token refused after %s, before the %s TTL", expired, ttl)
	}
	tok2, err := c.Prepare(key, confs)
	if err != nil {
		t.Fatalf("prepare after expiry: %v", err)
	}
	if tok2 == tok {
		t.Fatalf("expired token %d handed out again", tok)
	}
	if out := call(t, c, tok2, client.ReqCall{ID: 1}, nil); string(out.Stop.Body) != "x" {
		t.Fatalf("after re-prepare: %+v", out)
	}
}
