package tests

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// What APISIX puts a runner through, against the built go-runner serving
// the example scripts: bodies near the 16 MiB frame limit, more headers
// than APISIX passes on, a new conf version of a route, the runner
// restarted under traffic or killed in the middle of a call, and APISIX
// going away in the middle of one.

// patterned returns n bytes of a repeated unicode pattern.
func patterned(n int, pattern string) []byte {
	b := bytes.Repeat([]byte(pattern), n/len(pattern)+1)
	return b[:n]
}

// nearLimitPluginTimeout is plugins.timeout in TestAPISIXNearFrameLimit:
// an interpreted plugin going over 16 MiB takes seconds under -race on a
// busy machine, past the default of 5s. Not a speed requirement: it is
// just under APISIX's 60 s (bigFrameIOTimeout, the client's bound).
const nearLimitPluginTimeout = 55 * time.Second

func TestAPISIXNearFrameLimit(t *testing.T) {
	// Bodies up to the frame limit: plugins.max_body_bytes at its most.
	r := startExampleRunner(t, nil, "--set", "plugins.max_body_bytes=16777215", "--set", "plugins.timeout="+nearLimitPluginTimeout.String())
	cl := client.New(client.Options{Path: r.sock, IOTimeout: bigFrameIOTimeout})
	t.Cleanup(cl.Close)

	// The largest request body whose ExtraInfo answer fits in one frame.
	big := string(patterned(client.MaxBodyLen-64, "ünï✓ body "))
	x := &client.Extra{Vars: exVars, ReqBody: []byte(big)}

	t.Run("var-body digests a body near 16 MiB", func(t *testing.T) {
		rt := exRoute(phasePreReq, pc("var-body", map[string]any{"body_digest": "X-Body-SHA256", "max_body": 16 << 20}))
		rq := exReq()
		x.Reset()
		var out client.ReqResult
		if err := cl.ReqCall(rt, rq, x, &out); err != nil {
			t.Fatal(err)
		}
		want := proxied(exReq(), big)
		want.Headers = exHeaders(client.Pair("x-body-sha256", sha256Hex(big)), client.Pair("x-body-length", strconv.Itoa(len(big))))
		if d := diffReq(applyReq(exReq(), big, &out), want); d != "" {
			t.Fatal(d)
		}
		if x.ReqBodyTrips != 1 {
			t.Fatalf("%d ReqBody round trips, want 1", x.ReqBodyTrips)
		}
	})

	t.Run("var-body refuses a body near 16 MiB over its max_body", func(t *testing.T) {
		rt := exRoute(phasePostReq, pc("var-body", map[string]any{"body_digest": "X-Body-SHA256"}))
		var out client.ReqResult
		if err := cl.ReqCall(rt, exReq(), x, &out); err != nil {
			t.Fatal(err)
		}
		if d := diffReq(applyReq(exReq(), big, &out), stopped(413, "")); d != "" {
			t.Fatal(d)
		}
	})

	t.Run("var-body then request-body-rewrite over a body near 16 MiB", func(t *testing.T) {
		rt := exRoute(phasePreReq,
			pc("var-body", map[string]any{"body_digest": "X-Original-SHA256", "max_body": 16 << 20}),
			pc("request-body-rewrite", map[string]any{"new_body": "small"}))
		var out client.ReqResult
		if err := cl.ReqCall(rt, exReq(), x, &out); err != nil {
			t.Fatal(err)
		}
		want := proxied(exReq(), "small")
		want.Headers = exHeaders(client.Pair("x-original-sha256", sha256Hex(big)), client.Pair("x-body-length", strconv.Itoa(len(big))))
		if d := diffReq(applyReq(exReq(), big, &out), want); d != "" {
			t.Fatal(d)
		}
	})

	t.Run("request-body-rewrite replies with a body near 16 MiB", func(t *testing.T) {
		// The conf carries the body: PrepareConf and the reply both come
		// near the limit.
		newBody := string(patterned(client.MaxBodyLen-1024, "abcdefghij"))
		rt := exRoute(phasePreReq, pc("request-body-rewrite", map[string]any{"new_body": newBody}))
		var out client.ReqResult
		if err := cl.ReqCall(rt, exReq(), &client.Extra{ReqBody: []byte("original")}, &out); err != nil {
			t.Fatal(err)
		}
		if d := diffReq(applyReq(exReq(), "original", &out), proxied(exReq(), newBody)); d != "" {
			t.Fatal(d)
		}
	})

	upBody := "start " + string(patterned(client.MaxBodyLen-1024-6, "wörld ")) // room for the reply's headers
	rs := exResp(200)
	t.Run("response-rewrite edits an upstream body near 16 MiB", func(t *testing.T) {
		rt := exRoute(phasePostResp, pc("response-rewrite", map[string]any{"filters": []map[string]string{{"regex": "^start", "replace": "begin"}}}))
		ex := &client.Extra{RespBody: []byte(upBody)}
		var out client.RespResult
		if err := cl.RespCall(rt, rs, ex, &out); err != nil {
			t.Fatal(err)
		}
		want := respOutcome{Status: 200, Headers: lowerKVs(rs.Headers), Body: "begin" + upBody[len("start"):]}
		if d := diffResp(applyResp(rs, upBody, &out), want); d != "" {
			t.Fatal(d)
		}
		if ex.RespBodyTrips != 1 {
			t.Fatalf("%d RespBody round trips, want 1", ex.RespBodyTrips)
		}
	})

	t.Run("a reply over the limit is an error, not a broken frame", func(t *testing.T) {
		// The edited body is 1995 bytes longer: the reply cannot be framed.
		c := r.dial()
		c.SetIOTimeout(bigFrameIOTimeout)
		tok := prepare(t, c, pc("response-rewrite", map[string]any{"filters": []map[string]string{{"regex": "^start", "replace": strings.Repeat("x", 2000)}}}))
		var out client.RespResult
		err := c.RespCall(&client.RespCall{ID: 9, Status: 200, Headers: rs.Headers, ConfToken: tok}, &client.Extra{RespBody: []byte(upBody)}, &out)
		wantRPCError(t, err, "reply over 16 MiB")
		if c.Err() != nil {
			t.Fatalf("connection out of sync after the refused reply: %v", c.Err())
		}
		stok := prepare(t, c, pc("say", map[string]any{"body": "still here"}))
		if out := call(t, c, stok, client.ReqCall{ID: 10}, nil); string(out.Stop.Body) != "still here" {
			t.Fatalf("after the refused reply: %+v", out)
		}
	})

	if s := cl.Stats(); s.Failures != 0 || s.Retries != 0 {
		t.Errorf("client stats %+v", s)
	}
	r.alive()
}

func TestAPISIX120Headers(t *testing.T) {
	r := startExampleRunner(t, nil)
	cl := r.client()

	t.Run("request", func(t *testing.T) {
		// APISIX passes the first 100 to the runner; the upstream gets all
		// of them, with the rewrite applied.
		rq := exReq()
		rq.Headers = []client.KV{client.Pair("Host", "upstream.internal")}
		for i := 1; i < 120; i++ {
			rq.Headers = append(rq.Headers, client.Pair(fmt.Sprintf("X-H-%03d", i), fmt.Sprintf("v%d ✓", i)))
		}
		rt := exRoute(phasePreReq, pc("rewrite", map[string]any{
			"set_headers": map[string]string{"X-H-005": "new", "X-H-110": "late ✓"},
			"del_headers": []string{"X-H-006", "X-H-111"},
		}))
		var out client.ReqResult
		if err := cl.ReqCall(rt, rq, nil, &out); err != nil {
			t.Fatal(err)
		}
		want := proxied(rq, "")
		want.Headers = nil
		for _, h := range lowerKVs(rq.Headers) {
			switch h.Name {
			case "x-h-006", "x-h-111":
				continue
			case "x-h-005":
				h.Value = "new"
			case "x-h-110":
				h.Value = "late ✓"
			}
			want.Headers = append(want.Headers, h)
		}
		if d := diffReq(applyReq(rq, "", &out), want); d != "" {
			t.Fatal(d)
		}
	})

	t.Run("response", func(t *testing.T) {
		// The runner sees the first 100 upstream headers; a reply with
		// headers is the complete set the client gets: the other 20 are lost.
		rs := &client.RespCall{Status: 200, Headers: []client.KV{client.Pair("Content-Type", "text/plain")}}
		for i := 1; i < 120; i++ {
			rs.Headers = append(rs.Headers, client.Pair(fmt.Sprintf("X-U-%03d", i), "ü"+strconv.Itoa(i)))
		}
		rt := exRoute(phasePostResp, pc("resp-header", map[string]any{"set": map[string]string{"X-Frame-Options": "DENY"}}))
		var out client.RespResult
		if err := cl.RespCall(rt, rs, &client.Extra{RespBody: []byte("b")}, &out); err != nil {
			t.Fatal(err)
		}
		want := respOutcome{Status: 200, Body: "b", Headers: append(lowerKVs(rs.Headers[:client.MaxHeaders]), client.Pair("x-frame-options", "DENY"))}
		if d := diffResp(applyResp(rs, "b", &out), want); d != "" {
			t.Fatal(d)
		}
	})
}

// TestAPISIXNewConfVersion: a route's conf changes, so APISIX prepares
// route#<id>#ext-plugin-pre-req#2. The new version gets a new token and
// the new behaviour, while the token of version 1, which APISIX workers
// may still hold, keeps its own behaviour until it expires.
func TestAPISIXNewConfVersion(t *testing.T) {
	r := startExampleRunner(t, []string{"APISIX_CONF_EXPIRE_TIME=1"})
	// APISIX caches a token for APISIX_CONF_EXPIRE_TIME.
	cl := client.New(client.Options{Path: r.sock, IOTimeout: ioTimeout, TokenTTL: time.Second})
	defer cl.Close()
	id := strconv.FormatInt(routeSeq.Add(1), 10)
	v1 := &client.Route{Key: client.ConfKey(id, phasePreReq, 1), Conf: []client.Conf{pc("say", map[string]any{"body": "version 1"})}}
	v2 := &client.Route{Key: client.ConfKey(id, phasePreReq, 2), Conf: []client.Conf{pc("rewrite", map[string]any{"set_headers": map[string]string{"X-Version": "2"}})}}
	isV1 := func(out *client.ReqResult) bool {
		return out.Action == client.ActionStop && string(out.Stop.Body) == "version 1"
	}
	isV2 := func(out *client.ReqResult) bool {
		return out.Action == client.ActionRewrite && one(t, out.Rewrite.ApplyHeaders(exReq().Headers), "x-version") == "2"
	}

	var out client.ReqResult
	first := time.Now()
	if err := cl.ReqCall(v1, exReq(), nil, &out); err != nil || !isV1(&out) {
		t.Fatalf("version 1: %v %+v", err, out)
	}
	// The conf was prepared on a second connection while the call's was open.
	if s := cl.Stats(); s.Dials != 2 || s.Prepares != 1 {
		t.Fatalf("stats %+v after the first call: want 2 dials (call and PrepareConf) and 1 prepare", s)
	}
	tok1, _ := cl.Token(v1.Key)

	if err := cl.ReqCall(v2, exReq(), nil, &out); err != nil || !isV2(&out) {
		t.Fatalf("version 2: %v %+v", err, out)
	}
	tok2, _ := cl.Token(v2.Key)
	if tok2 == tok1 {
		t.Fatalf("versions 1 and 2 share token %d", tok1)
	}
	// A worker that has not seen the change yet still calls version 1.
	if err := cl.ReqCall(v1, exReq(), nil, &out); err != nil || !isV1(&out) {
		t.Fatalf("version 1 after version 2 was prepared: %v %+v", err, out)
	}
	if tok, _ := cl.Token(v1.Key); tok != tok1 {
		t.Fatalf("version 1's token went from %d to %d while version 2 was prepared", tok1, tok)
	}
	if s := cl.Stats(); s.Retries != 0 || s.Failures != 0 {
		t.Fatalf("stats %+v: want no retry and no failure", s)
	}
	// The same key gives the same token, on another connection too.
	c := r.dial()
	for _, v := range []struct {
		rt  *client.Route
		tok uint32
	}{{v1, tok1}, {v2, tok2}} {
		if tok, err := c.Prepare(v.rt.Key, v.rt.Conf); err != nil || tok != v.tok {
			t.Fatalf("prepare %s again: token %d (%v), want %d", v.rt.Key, tok, err, v.tok)
		}
	}

	// Version 1's token answers version 1 until it expires.
	var expired time.Duration
	for i := 0; ; i++ {
		err := c.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: tok1}, nil, &out)
		if errors.Is(err, client.ErrTokenNotFound) {
			expired = time.Since(first)
			break
		}
		if err != nil {
			t.Fatalf("call %d with version 1's token: %v", i, err)
		}
		if !isV1(&out) {
			t.Fatalf("version 1's token answered %+v", out)
		}
		if time.Since(first) > 10*time.Second {
			t.Fatal("version 1's token still served 10 s after it was prepared with APISIX_CONF_EXPIRE_TIME=1")
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronization
	}
	if expired < time.Second {
		t.Fatalf("version 1's token refused %s after it was handed out, before APISIX's 1 s cache expired", expired)
	}

	// APISIX's cache has expired too: it prepares version 2 again.
	if err := cl.ReqCall(v2, exReq(), nil, &out); err != nil || !isV2(&out) {
		t.Fatalf("version 2 after the expiry: %v %+v", err, out)
	}
	if tok, _ := cl.Token(v2.Key); tok == tok1 {
		t.Fatalf("version 1's expired token %d handed out again", tok1)
	}
	r.stop()
}

// exTraffic is a route of the traffic tests and how to check its reply.
type exTraffic struct {
	rt    *client.Route
	check func(out *client.ReqResult) error
}

func exTrafficRoutes() []exTraffic {
	return []exTraffic{
		{exRoute(phasePreReq, pc("say", map[string]any{"body": "one ✓"})), func(out *client.ReqResult) error {
			if out.Action != client.ActionStop || string(out.Stop.Body) != "one ✓" {
				return fmt.Errorf("say route answered %s %q", out.Action, out.Stop.Body)
			}
			return nil
		}},
		{exRoute(phasePreReq, pc("rewrite", map[string]any{"strip_prefix": "/api"})), func(out *client.ReqResult) error {
			if out.Action != client.ActionRewrite || out.Rewrite.Path != "/ünïcødé/路径" {
				return fmt.Errorf("rewrite route answered %s path %q", out.Action, out.Rewrite.Path)
			}
			return nil
		}},
		{exRoute(phasePostReq, pc("var-body", map[string]any{"vars": map[string]string{"route_id": "X-Route-Id"}})), func(out *client.ReqResult) error {
			if v := client.Values(out.Rewrite.Headers, "x-route-id"); out.Action != client.ActionRewrite || len(v) != 1 || v[0] != "42" {
				return fmt.Errorf("var-body route answered %s %v", out.Action, out.Rewrite.Headers)
			}
			return nil
		}},
	}
}

// callRecord is one call of the traffic.
type callRecord struct {
	start, end time.Time
	err        error
	wrong      bool // answered, but not as the route's conf says
}

// TestAPISIXRunnerRestartMidTraffic: APISIX restarts the runner (SIGTERM,
// then a new process on the same socket) while its workers keep calling.
// Calls may fail while no runner listens; none may fail before or after,
// none may ever get another route's answer, and the client carries on
// with the new runner by preparing its confs again.
func TestAPISIXRunnerRestartMidTraffic(t *testing.T) {
	const workers, perPhase, maxCalls = 4, 20, 200_000
	dir := shortDir(t)
	r := startExampleRunnerIn(t, dir, nil)
	cl := client.New(client.Options{Path: r.sock, IOTimeout: ioTimeout})
	defer cl.Close()
	routes := exTrafficRoutes()

	var ok [workers]atomic.Int64
	progress := make(chan struct{}, 1)
	stop := make(chan struct{})
	records := make([][]callRecord, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			x := &client.Extra{Vars: exVars}
			var out client.ReqResult
			for i := 0; i < maxCalls; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rt := routes[(w+i)%len(routes)]
				rec := callRecord{start: time.Now()}
				rec.err = cl.ReqCall(rt.rt, exReq(), x, &out)
				rec.end = time.Now()
				if rec.err == nil {
					if err := rt.check(&out); err != nil {
						rec.err, rec.wrong = err, true
					}
				}
				records[w] = append(records[w], rec)
				if rec.err != nil {
					time.Sleep(2 * time.Millisecond) // pacing while no runner listens, not synchronization
					continue
				}
				ok[w].Add(1)
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		}(w)
	}
	halt := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	defer halt()
	// waitEach waits until every worker has made n more good calls.
	waitEach := func(what string, n int64) {
		t.Helper()
		var from [workers]int64
		for w := range ok {
			from[w] = ok[w].Load()
		}
		deadline := time.After(30 * time.Second)
		for {
			done := true
			for w := range ok {
				if ok[w].Load() < from[w]+n {
					done = false
				}
			}
			if done {
				return
			}
			select {
			case <-progress:
			case <-deadline:
				t.Fatalf("%s: the workers did not make %d good calls each within 30 s", what, n)
			}
		}
	}

	waitEach("before the restart", perPhase)
	windowStart := time.Now()
	r.stop()
	// nginx drops the keepalive connections the old runner closed.
	cl.CloseIdle()
	startExampleRunnerIn(t, dir, nil)
	cl.CloseIdle()
	windowEnd := time.Now()
	waitEach("after the restart", perPhase)
	halt()

	var before, during, after, failedDuring int
	for w, recs := range records {
		for _, rec := range recs {
			switch {
			case rec.wrong:
				t.Errorf("worker %d: %v", w, rec.err)
			case rec.end.Before(windowStart):
				before++
				if rec.err != nil {
					t.Errorf("worker %d: call failed before the restart: %v", w, rec.err)
				}
			case rec.start.After(windowEnd):
				after++
				if rec.err != nil {
					t.Errorf("worker %d: call failed after the new runner was up: %v", w, rec.err)
				}
			default:
				during++
				if rec.err != nil {
					failedDuring++
				}
			}
		}
	}
	t.Logf("calls: %d before, %d across the restart (%d failed, restart took %s), %d after",
		before, during, failedDuring, windowEnd.Sub(windowStart).Round(time.Millisecond), after)
	if s := cl.Stats(); s.Retries == 0 {
		t.Errorf("stats %+v: the old runner's tokens were never refused and prepared again", s)
	}
}

// TestAPISIXRunnerKilledMidCall: the runner dies by SIGKILL while a call
// waits on it. The call fails at once rather than hang; once a new runner
// is up on the same socket, the client reconnects and prepares again.
func TestAPISIXRunnerKilledMidCall(t *testing.T) {
	dir := shortDir(t)
	r := startExampleRunnerIn(t, dir, nil)
	cl := client.New(client.Options{Path: r.sock, IOTimeout: ioTimeout})
	defer cl.Close()
	routes := exTrafficRoutes()
	x := &client.Extra{Vars: exVars}
	var out client.ReqResult
	for _, rt := range routes {
		if err := cl.ReqCall(rt.rt, exReq(), x, &out); err != nil {
			t.Fatal(err)
		}
		if err := rt.check(&out); err != nil {
			t.Fatal(err)
		}
	}

	// The var-body call is in flight: the runner asked for route_id.
	held := newHeldExtra(x)
	res := make(chan error, 1)
	go func() {
		var out client.ReqResult
		res <- cl.ReqCall(routes[2].rt, exReq(), held, &out)
	}()
	select {
	case <-held.asked:
	case <-time.After(ioTimeout):
		t.Fatal("the call never reached the plugin")
	}
	r.signal(syscall.SIGKILL)
	if code := r.wait(exitTimeout); code == 0 {
		t.Fatal("killed runner exited 0")
	}
	close(held.release)
	select {
	case err := <-res:
		if err == nil {
			t.Fatal("the call in flight when the runner was killed succeeded")
		}
		if errors.Is(err, client.ErrRPC) {
			t.Fatalf("the call in flight got an rpc error reply from a killed runner: %v", err)
		}
		t.Logf("call in flight: %v", err)
	case <-time.After(ioTimeout):
		t.Fatal("the call in flight hangs after the runner was killed")
	}

	// No runner: calls fail (APISIX answers 503), at once.
	if err := cl.ReqCall(routes[0].rt, exReq(), x, &out); err == nil {
		t.Fatal("a call succeeded with no runner")
	}
	// nginx drops the keepalive connections the dead runner closed.
	cl.CloseIdle()

	startExampleRunnerIn(t, dir, nil) // on the killed runner's socket file
	s0 := cl.Stats()
	for i, rt := range routes {
		if err := cl.ReqCall(rt.rt, exReq(), x, &out); err != nil {
			t.Fatalf("route %d with the new runner: %v", i, err)
		}
		if err := rt.check(&out); err != nil {
			t.Fatalf("route %d with the new runner: %v", i, err)
		}
	}
	// The first call's token is unknown to the new runner: one retry flushes
	// every token, and each route is prepared again.
	if s := cl.Stats(); s.Retries-s0.Retries != 1 || s.Prepares-s0.Prepares != uint64(len(routes)) || s.Failures != s0.Failures {
		t.Fatalf("stats %+v after %+v: want 1 retry and %d prepares", s, s0, len(routes))
	}
}

// failingExtra is APISIX unable to answer an ExtraInfo question: it closes
// the connection.
type failingExtra struct{}

var errCannotAnswer = errors.New("cannot answer")

func (failingExtra) Answer(client.ExtraReq) ([]byte, bool, error) { return nil, false, errCannotAnswer }

// TestAPISIXClientClosesMidCall: APISIX closes its connection in the
// middle of calls (a worker exits, a timeout, a failed ExtraInfo answer).
// The runner lets go of each connection, keeps serving the others, and
// logs no error.
func TestAPISIXClientClosesMidCall(t *testing.T) {
	const reps = 10
	r := startExampleRunner(t, nil, "--set", "metrics.address=127.0.0.1:0")
	url := exMetricsURL(t, r)
	other := r.dial()
	varTok := prepare(t, other, pc("var-body", map[string]any{"vars": map[string]string{"remote_addr": "X-Real-IP", "route_id": "X-Route-Id"}}))
	bodyTok := prepare(t, other, pc("var-body", map[string]any{"body_digest": "X-Sum", "max_body": 2 << 20}))
	sayTok := prepare(t, other, pc("say", map[string]any{"body": "alive"}))
	alive := func(t *testing.T, c *client.Conn) {
		t.Helper()
		if out := call(t, c, sayTok, client.ReqCall{ID: 1}, nil); string(out.Stop.Body) != "alive" {
			t.Fatalf("runner answered %+v", out)
		}
	}
	alive(t, other)
	const openConns, goroutines = "go_runner_open_connections", "go_goroutines"
	// The runner lets go of the connection that probed its socket at
	// start a moment after the probe closed it.
	base := awaitGauges(t, url, "one connection open", func(g map[string]float64) bool { return g[openConns] == 1 }, openConns, goroutines)
	// waitGauges polls until ok holds for the gauges, or fails after 10 s.
	waitGauges := func(what string, ok func(g map[string]float64) bool) map[string]float64 {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			g := exGauges(t, url, openConns, goroutines)
			if ok(g) {
				return g
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s %v (was %v), %s %v (was %v)", what,
					openConns, g[openConns], base[openConns], goroutines, g[goroutines], base[goroutines])
			}
			time.Sleep(20 * time.Millisecond) // polling interval: the gauges have no event to wait on
		}
	}
	// The gauge counts: a second connection shows, then goes.
	second := r.dial()
	alive(t, second)
	waitGauges("a second connection", func(g map[string]float64) bool { return g[openConns] == base[openConns]+1 })
	second.Close()
	waitGauges("the second connection closed", func(g map[string]float64) bool { return g[openConns] == base[openConns] })

	dial := func(t *testing.T) *client.Conn {
		t.Helper()
		c, err := client.Dial(r.options())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// send writes a call with tok on c and returns the encoder.
	send := func(t *testing.T, c *client.Conn, tok uint32) *client.Encoder {
		t.Helper()
		enc := client.NewEncoder()
		body, err := enc.ReqCall(&client.ReqCall{ID: 5, Path: "/x", ConfToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteFrame(client.TypeHTTPReqCall, body); err != nil {
			t.Fatal(err)
		}
		return enc
	}
	asked := func(t *testing.T, c *client.Conn) {
		t.Helper()
		typ, _, err := c.ReadFrame()
		if err != nil || typ != client.TypeExtraInfo {
			t.Fatalf("want an extra info question, got %s: %v", client.TypeName(typ), err)
		}
	}
	variants := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"close while the runner waits for a Var answer", func(t *testing.T) {
			c := dial(t)
			send(t, c, varTok)
			asked(t, c)
			c.Close()
		}},
		{"half-close while the runner waits for a Var answer", func(t *testing.T) {
			c := dial(t)
			defer c.Close()
			send(t, c, varTok)
			asked(t, c)
			if err := c.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ReadUntilClosed(ioTimeout); err != nil {
				t.Fatalf("runner kept the connection: %v", err)
			}
		}},
		{"close once the body is answered, while the plugin digests it", func(t *testing.T) {
			c := dial(t)
			enc := send(t, c, bodyTok)
			asked(t, c)
			if err := c.WriteFrame(client.TypeExtraInfo, enc.ExtraResp(patterned(1<<20, "ü"), true)); err != nil {
				t.Fatal(err)
			}
			c.Close()
		}},
		{"close right after sending a call", func(t *testing.T) {
			c := dial(t)
			send(t, c, sayTok)
			c.Close()
		}},
		{"close right after sending PrepareConf", func(t *testing.T) {
			c := dial(t)
			body := client.NewEncoder().PrepareConf(newKey(phasePreReq), []client.Conf{pc("say", map[string]any{"body": "x"})})
			if err := c.WriteFrame(client.TypePrepareConf, body); err != nil {
				t.Fatal(err)
			}
			c.Close()
		}},
		{"close in the middle of a frame", func(t *testing.T) {
			c := dial(t)
			if err := c.WriteHeader(client.TypeHTTPReqCall, 1<<20); err != nil {
				t.Fatal(err)
			}
			if err := c.WriteRaw(patterned(512<<10, "x")); err != nil {
				t.Fatal(err)
			}
			c.Close()
		}},
		{"the client cannot answer ExtraInfo and closes", func(t *testing.T) {
			cl := client.New(r.options())
			defer cl.Close()
			rt := exRoute(phasePreReq, pc("var-body", map[string]any{"vars": map[string]string{"remote_addr": "X-Real-IP"}}))
			var out client.ReqResult
			if err := cl.ReqCall(rt, exReq(), failingExtra{}, &out); !errors.Is(err, errCannotAnswer) {
				t.Fatalf("got %v, want the client's failure", err)
			}
		}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for i := 0; i < reps; i++ {
				v.do(t)
			}
			r.alive()
			alive(t, other)
		})
	}

	// Every connection the client dropped is closed by the runner, its
	// goroutines gone: the gauges come back to where they were.
	g := waitGauges(fmt.Sprintf("after %d dropped connections", reps*len(variants)), func(g map[string]float64) bool {
		return g[openConns] == base[openConns] && g[goroutines] <= base[goroutines]+2
	})
	t.Logf("gauges before %v, after %v", base, g)
	alive(t, other)
	alive(t, r.dial())
	if errs := r.out.atLevel("error", "dpanic", "panic", "fatal"); len(errs) != 0 {
		t.Errorf("a client going away is no error of the runner, yet it logged:\n%s", strings.Join(errs, "\n"))
	}
	r.stop()
}
