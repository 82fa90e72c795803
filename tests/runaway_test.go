package tests

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Plugins that cannot hurt the runner: deadlines, runaway loops, panics.

// runawayTimeout is plugins.timeout in the runaway test. It bounds every
// call there, and every load of a unit too (the runner's load timeout is
// plugins.timeout), rebuilds included: a load can take a few hundred
// milliseconds under -race on a busy machine.
const runawayTimeout = time.Second

// idleWindow is how long the runner's CPU time is measured once the
// runaway was dealt with.
const idleWindow = time.Second

// maxIdleCPU bounds the runner's CPU use over idleWindow, as a fraction of
// one core: a goroutine left spinning would use all of it.
const maxIdleCPU = 0.3

// TestRunawayScript: a call stuck in `for {}` is answered with an error at
// its deadline; a call in flight on the same unit (stopped with it) gets an
// error too, not a silent pass-through; other units serve throughout; the
// unit is rebuilt from its source and serves the next call; and nothing is
// left spinning.
func TestRunawayScript(t *testing.T) {
	// Two calls of one unit run at once: above the default limit on a
	// machine of two processors.
	r := startReloadRunner(t, map[string]string{"spin.go": spinScript, "ver.go": versionScript("ver", 1, "", "")},
		"plugins.timeout="+runawayTimeout.String(), "metrics.address=127.0.0.1:0", "plugins.max_concurrent_per_unit=4")
	spinC, blockC, c := r.dial(), r.dial(), r.dial()
	spinTok := prepare(t, spinC, pc("spin", "spin"))
	blockTok := prepare(t, blockC, pc("spin", "block"))
	deadlineTok := prepare(t, c, pc("spin", "deadline"))
	verTok := prepare(t, c, pc("ver", "conf"))

	// Request.Context() carries the call's deadline.
	out := call(t, c, deadlineTok, client.ReqCall{ID: 1}, nil)
	in, err := strconv.Atoi(one(t, out.Rewrite.Headers, "X-Deadline-In"))
	if err != nil || in <= 0 || in > int(runawayTimeout/time.Millisecond) {
		t.Fatalf("the call's context deadline is %d ms away (%v), want within plugins.timeout %s", in, err, runawayTimeout)
	}

	type result struct {
		err  error
		took time.Duration
	}
	run := func(conn *client.Conn, tok uint32) <-chan result {
		done := make(chan result, 1)
		go func() {
			start := time.Now()
			var out client.ReqResult
			err := conn.ReqCall(&client.ReqCall{ID: 2, ConfToken: tok}, nil, &out)
			done <- result{err, time.Since(start)}
		}()
		return done
	}
	spin := run(spinC, spinTok)
	r.awaitLog(1, "spin: spinning")
	block := run(blockC, blockTok)
	r.awaitLog(1, "spin: blocking")
	// Another unit serves while the loop spins.
	if v := versionOf(t, call(t, c, verTok, client.ReqCall{ID: 3}, nil)); v != 1 {
		t.Fatalf("ver answered version %d during the spin", v)
	}

	sr := <-spin
	wantRPCError(t, sr.err, "the runaway call")
	if sr.took < runawayTimeout {
		t.Errorf("the runaway call was answered after %s, before its deadline %s", sr.took, runawayTimeout)
	}
	br := <-block
	wantRPCError(t, br.err, "the call in flight on the stopped unit")
	t.Logf("runaway call answered with an error after %s (plugins.timeout %s); the call in flight with it after %s",
		sr.took.Round(time.Millisecond), runawayTimeout, br.took.Round(time.Millisecond))
	r.awaitLog(1, "plugin call exceeded its deadline", `"plugin":"spin"`)
	r.awaitLog(1, "script unit interrupted", unitField("spin.go"))
	r.awaitLog(1, "script unit rebuilt after it was stopped", unitField("spin.go"))

	// The rebuilt unit serves the confs prepared before, with new calls.
	out = call(t, c, deadlineTok, client.ReqCall{ID: 4}, nil)
	if one(t, out.Rewrite.Headers, "X-Spin") != "ok" {
		t.Fatal("the rebuilt unit does not serve")
	}
	if v := versionOf(t, call(t, c, verTok, client.ReqCall{ID: 5}, nil)); v != 1 {
		t.Fatalf("ver answered version %d after the spin", v)
	}

	// The two calls stopped count as timeouts or interrupted, as the
	// watchdog saw the second one's deadline pass or not.
	scrape := r.scrapeMetrics()
	if n := metricValue(t, scrape, `go_runner_unit_timeouts_total{unit="spin.go"}`) +
		metricValue(t, scrape, `go_runner_unit_interrupted_total{unit="spin.go"}`); n != 2 {
		t.Errorf("spin.go: %v calls counted as timed out or interrupted, want 2", n)
	}
	wantMetrics(t, scrape,
		`go_runner_unit_reloads_total{unit="spin.go"} 1`,
		`go_runner_unit_timeouts_total{unit="ver.go"} 0`,
		`go_runner_unit_reloads_total{unit="ver.go"} 0`,
	)

	// Nothing spins: the runner's CPU time over an idle window. (The
	// window is a measurement, not a wait for an event.)
	pid := r.cmd.Process.Pid
	before, start := cpuTicks(t, pid), time.Now()
	<-time.After(idleWindow)
	used := float64(cpuTicks(t, pid)-before) / clockTicks / time.Since(start).Seconds()
	t.Logf("runner CPU over %s idle after the runaway: %.1f%% of one core", idleWindow, 100*used)
	if used > maxIdleCPU {
		t.Errorf("the runner used %.0f%% of a core while idle after the runaway: something is left spinning", 100*used)
	}
	r.stop()
}

// panicCalls is how many panicking calls TestPanickingCalls makes.
const panicCalls = 10000

// TestPanickingCalls: panics in init, in ParseConf and in 10,000 filter
// calls in a row are each answered with an error, and logged as one
// concise line with the script's position; the runner keeps serving every
// other plugin, and the panicking plugin's other confs.
func TestPanickingCalls(t *testing.T) {
	r := startReloadRunner(t, map[string]string{
		"panicky.go":   panickyScript,
		"initpanic.go": initPanicScript,
		"ver.go":       versionScript("ver", 1, "", ""),
	}, "metrics.address=127.0.0.1:0")
	if r.out.count("script unit failed to load", unitField("initpanic.go"), "initpanic: cannot start") != 1 {
		t.Fatal("the panic in init was not logged as the unit's load failure")
	}
	c := r.dial()
	if _, err := c.Prepare(newKey("ext-plugin-pre-req"), []client.Conf{pc("panicky", "panic")}); err == nil {
		t.Fatal("a conf whose ParseConf panics was accepted")
	}
	calm := prepare(t, c, pc("panicky", "calm"))
	boom := prepare(t, c, pc("panicky", "boom"))
	verTok := prepare(t, c, pc("ver", "conf"))

	const workers = 4
	var unexpected atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		conn := r.dial()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range panicCalls / workers {
				var out client.ReqResult
				err := conn.ReqCall(&client.ReqCall{ID: uint32(w<<20 | i), ConfToken: boom}, nil, &out)
				var rpc *client.RPCError
				if !errors.As(err, &rpc) {
					unexpected.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d panicking calls answered in %s", panicCalls, time.Since(start).Round(time.Millisecond))
	if n := unexpected.Load(); n > 0 {
		t.Fatalf("%d of %d panicking calls were not answered with an error reply (first: %v)", n, panicCalls, firstErr.Load())
	}
	r.alive()
	if v := versionOf(t, call(t, c, verTok, client.ReqCall{ID: 1}, nil)); v != 1 {
		t.Fatalf("ver answered version %d", v)
	}
	if out := call(t, c, calm, client.ReqCall{ID: 2}, nil); one(t, out.Rewrite.Headers, "X-Panicky") != "calm" {
		t.Fatal("the panicking plugin's other conf does not serve")
	}
	// One concise line for the same panic, with the script's position;
	// no stack, and yaegi's frames only at debug.
	if n := r.out.count("plugin panicked", "panicky: filter panic", `"at":"panicky.go:29:3"`); n != 1 {
		t.Errorf("%d lines for %d panics at one position, want 1 with \"at\":\"panicky.go:29:3\"", n, panicCalls)
	}
	if n := r.out.count("plugin panicked", `"stack"`); n > 0 {
		t.Errorf("%d panic lines carry a stack at info", n)
	}
	if n := r.out.count("script error output", "panicky.go:"); n > 0 {
		t.Errorf("%d lines of yaegi's panic frames at info", n)
	}
	t.Logf("log after %d panicking calls: %d lines, %d bytes", panicCalls, len(jsonLines(r.out.String())), len(r.out.String()))
	wantMetrics(t, r.scrapeMetrics(),
		fmt.Sprintf(`go_runner_unit_panics_total{unit="panicky.go"} %d`, panicCalls),
		`go_runner_unit_errors_total{unit="panicky.go"} 1`, // the panic in ParseConf: a rejected conf
		`go_runner_unit_load_failures_total{unit="initpanic.go"} 1`,
		`go_runner_unit_panics_total{unit="ver.go"} 0`,
	)
	r.stop()
}
