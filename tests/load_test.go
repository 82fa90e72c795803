package tests

import (
	"fmt"
	"sync"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

func TestManyConnections(t *testing.T) {
	const conns, calls = 32, 40
	r := startRunner(t, "testrunner")
	setup := r.dial()
	sayTok := prepare(t, setup, pc("mark", map[string]any{"tag": "m"}), pc("say", map[string]any{"body": "hi"}))
	rwTok := prepare(t, setup, pc("rewrite", map[string]any{"path": "/rw", "set_headers": map[string]string{"X-A": "1"}}))
	echoTok := prepare(t, setup, pc("echo", nil))
	respTok := prepare(t, setup, pc("resp", map[string]any{"status": 299}))

	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for g := 0; g < conns; g++ {
		c, err := client.Dial(r.options())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Add(1)
		go func(g int, c *client.Conn) {
			defer wg.Done()
			errs <- drive(c, g, calls, sayTok, rwTok, echoTok, respTok)
		}(g, c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	r.alive()
	r.stop()
}

// drive makes n calls of four kinds on c and checks every reply.
func drive(c *client.Conn, g, n int, sayTok, rwTok, echoTok, respTok uint32) error {
	var rq client.ReqResult
	var rs client.RespResult
	addr := fmt.Sprintf("10.0.%d.%d", g/256, g%256)
	x := &client.Extra{Vars: map[string]string{"remote_addr": addr}, ReqBody: []byte(addr)}
	for i := 0; i < n; i++ {
		id := uint32(g<<16 | i)
		switch i % 4 {
		case 0:
			if err := c.ReqCall(&client.ReqCall{ID: id, ConfToken: sayTok}, nil, &rq); err != nil {
				return fmt.Errorf("conn %d call %d: %w", g, i, err)
			}
			if rq.Action != client.ActionStop || string(rq.Stop.Body) != "hi" {
				return fmt.Errorf("conn %d call %d: say answered %+v", g, i, rq)
			}
		case 1:
			if err := c.ReqCall(&client.ReqCall{ID: id, ConfToken: rwTok, Path: "/x"}, nil, &rq); err != nil {
				return fmt.Errorf("conn %d call %d: %w", g, i, err)
			}
			if rq.Action != client.ActionRewrite || rq.Rewrite.Path != "/rw" {
				return fmt.Errorf("conn %d call %d: rewrite answered %+v", g, i, rq)
			}
		case 2:
			if err := c.ReqCall(&client.ReqCall{ID: id, ConfToken: echoTok}, x, &rq); err != nil {
				return fmt.Errorf("conn %d call %d: %w", g, i, err)
			}
			if v := client.Values(rq.Rewrite.Headers, "x-remote-addr"); len(v) != 1 || v[0] != addr {
				return fmt.Errorf("conn %d call %d: echo answered %v, want %s", g, i, rq.Rewrite.Headers, addr)
			}
		case 3:
			if err := c.RespCall(&client.RespCall{ID: id, ConfToken: respTok, Status: 200}, nil, &rs); err != nil {
				return fmt.Errorf("conn %d call %d: %w", g, i, err)
			}
			if rs.Status != 299 || rs.ID != id {
				return fmt.Errorf("conn %d call %d: resp answered %+v", g, i, rs)
			}
			continue
		}
		if rq.ID != id {
			return fmt.Errorf("conn %d call %d: reply id %d, want %d", g, i, rq.ID, id)
		}
	}
	return nil
}

func TestClientConcurrent(t *testing.T) {
	r := startRunner(t, "testrunner")
	cl := r.client()
	routes := []*client.Route{
		route(pc("say", map[string]any{"body": "a"})),
		route(pc("say", map[string]any{"body": "b"})),
		route(pc("say", map[string]any{"body": "c"})),
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var out client.ReqResult
			for i := 0; i < 30; i++ {
				k := (g + i) % len(routes)
				if err := cl.ReqCall(routes[k], &client.ReqCall{ID: uint32(i)}, nil, &out); err != nil {
					errs <- err
					return
				}
				if want := string(rune('a' + k)); string(out.Stop.Body) != want {
					errs <- fmt.Errorf("route %d answered %q, want %q", k, out.Stop.Body, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if s := cl.Stats(); s.Prepares != 3 || s.Retries != 0 || s.Calls != 16*30 {
		t.Fatalf("stats %+v: want one prepare per route and no retry", s)
	}
}
