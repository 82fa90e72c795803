package tests

import (
	"sync"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// TestReadYieldPolicies serves the example say and rewrite under each
// socket.read_yield policy, from 1 and from 8 connections at once (the
// runner has 2 processors, so 8 busy connections are more than twice as
// many and auto yields): every reply is
// whole and right whatever the read path does before waiting.
func TestReadYieldPolicies(t *testing.T) {
	for _, policy := range []string{"auto", "never", "always"} {
		t.Run(policy, func(t *testing.T) {
			r := startExampleRunner(t, []string{"GOMAXPROCS=2"}, "--set", "socket.read_yield="+policy)
			cl := r.client()
			say := exRoute(phasePreReq, pc("say", map[string]any{"body": "hi"}))
			rewrite := exRoute(phasePreReq, pc("rewrite", map[string]any{"strip_prefix": "/api"}))
			for _, conns := range []int{1, 8} {
				errs := make(chan string, conns)
				var wg sync.WaitGroup
				for i := range conns {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for n := range 50 {
							var out client.ReqResult
							rt, rq := say, &client.ReqCall{ID: uint32(n + 1), Method: "GET", Path: "/api/x"}
							if (i+n)%2 == 1 {
								rt = rewrite
							}
							if err := cl.ReqCall(rt, rq, nil, &out); err != nil {
								errs <- err.Error()
								return
							}
							okSay := rt == say && out.Action == client.ActionStop && string(out.Stop.Body) == "hi"
							okRewrite := rt == rewrite && out.Action == client.ActionRewrite && out.Rewrite.Path == "/x"
							if out.ID != rq.ID || !(okSay || okRewrite) {
								errs <- "wrong reply: " + out.Action.String()
								return
							}
						}
					}()
				}
				wg.Wait()
				close(errs)
				for e := range errs {
					t.Errorf("%d connections: %s", conns, e)
				}
			}
		})
	}
}
