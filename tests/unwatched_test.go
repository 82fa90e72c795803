package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Nothing a script starts runs unwatched (issue 11, item 2): timer
// callbacks run under the unit's deadline and stop with their unit, a
// script type cannot be a context.Context, and the runner formats a
// script's errors inside the call.

// tickScript is a unit "name" whose init keeps a callback rescheduling
// itself every 20 ms (printing "tick <name> v<version>") and a ticker, and
// holds a ballast of ballastMB MiB. Its plugin answers X-Version; on the
// conf "churn" it allocates 512 MiB of garbage, which makes the worker
// collect.
func tickScript(name string, version, ballastMB int) string {
	return fmt.Sprintf(`package scripts

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

var ballast = make([]byte, %d<<20)

var ticker = time.NewTicker(time.Second)

var tick func()

func init() {
	ballast[0] = 1
	tick = func() {
		fmt.Println("tick %s v%d")
		time.AfterFunc(20*time.Millisecond, tick)
	}
	time.AfterFunc(0, tick)
	if err := plugin.RegisterPlugin(&Tick{}); err != nil {
		panic(err)
	}
}

type Tick struct{ plugin.DefaultPlugin }

func (*Tick) Name() string                             { return %[2]q }
func (*Tick) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

var sink []byte

func (*Tick) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	if conf.(string) == "churn" {
		for i := 0; i < 512; i++ {
			sink = make([]byte, 1<<20)
		}
		sink = nil
	}
	r.Header().Set("X-Version", "%[3]d")
}
`, ballastMB, name, version)
}

const (
	tickReloads = 6
	ballastMB   = 16
)

// TestTimersStopWithTheirUnit: a unit whose init starts a self-rescheduling
// time.AfterFunc and a ticker is reloaded 6 times and then deleted: each
// old version stops ticking once replaced, the other unit ticks on, and the
// old interpreters (16 MiB of ballast each) are freed: the heap figures are
// logged.
func TestTimersStopWithTheirUnit(t *testing.T) {
	r := startReloadRunner(t, map[string]string{
		"tick.go":  tickScript("tick", 1, ballastMB),
		"clock.go": tickScript("clock", 1, 1),
	}, "metrics.address=127.0.0.1:0", "log.unit_lines_per_second=1000", "log.level=debug")
	// The standby worker loads version 1 too; it reloads nothing before
	// it serves.
	r.awaitLog(2, "worker ready")
	c := r.dial()
	tok := prepare(t, c, pc("tick", "x"))
	clock := func(more int) {
		t.Helper()
		r.awaitLog(r.out.count("tick clock v1")+more, "tick clock v1")
	}
	r.awaitLog(2, "tick tick v1")
	for v := 2; v <= tickReloads+1; v++ {
		r.write("tick.go", tickScript("tick", v, ballastMB))
		r.awaitLog(v-1, "script unit reloaded", unitField("tick.go"))
		r.awaitLog(2, fmt.Sprintf("tick tick v%d", v))
	}
	if v := versionOf(t, call(t, c, tok, client.ReqCall{ID: 1}, nil)); v != tickReloads+1 {
		t.Fatalf("version %d served", v)
	}
	// The old versions tick no more: their counts stay while the clock
	// and the version served tick on. (Version 1 is left out: the standby
	// worker ticks it.)
	counts := func() []int {
		var n []int
		for v := 2; v <= tickReloads; v++ {
			n = append(n, r.out.count(fmt.Sprintf("tick tick v%d", v)))
		}
		return n
	}
	before := counts()
	clock(5)
	r.awaitLog(r.out.count(fmt.Sprintf("tick tick v%d", tickReloads+1))+3, fmt.Sprintf("tick tick v%d", tickReloads+1))
	if after := counts(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("replaced versions still tick: lines per version %v, then %v", before, after)
	}

	// Heap: a call makes the worker collect a few times, then a scrape.
	call(t, c, tok, client.ReqCall{ID: 2}, nil)
	churn := prepare(t, c, pc("tick", "churn"))
	call(t, c, churn, client.ReqCall{ID: 3}, nil)
	scrape := r.scrapeMetrics()
	inuse := metricValue(t, scrape, "go_memstats_heap_inuse_bytes") / (1 << 20)
	goal := metricValue(t, scrape, "go_memstats_next_gc_bytes") / (1 << 20)
	t.Logf("after %d reloads of a unit with a ticker, a self-rescheduling AfterFunc and %d MiB of ballast per version: "+
		"heap in use %.1f MiB, next GC at %.1f MiB (GOGC 400: live heap about %.1f MiB; %d versions kept would be %d MiB of ballast alone)",
		tickReloads, ballastMB, inuse, goal, goal/5, tickReloads+1, (tickReloads+1)*ballastMB)

	// Deleted: it stops ticking too.
	if err := os.Remove(filepath.Join(r.scripts, "tick.go")); err != nil {
		t.Fatal(err)
	}
	r.awaitLog(1, "script unit removed", unitField("tick.go"))
	last := r.out.count(fmt.Sprintf("tick tick v%d", tickReloads+1))
	clock(5)
	if n := r.out.count(fmt.Sprintf("tick tick v%d", tickReloads+1)); n != last {
		t.Errorf("the deleted unit ticked %d more times", n-last)
	}
	r.alive()
}

// watchedScript's plugin "watched" (version v): its filter on "loop"
// starts a time.AfterFunc callback that never returns; its ParseConf
// returns an error whose Error() never returns on the conf "errloop", and
// on every conf when errAll is set.
func watchedScript(v int, errAll bool) string {
	return fmt.Sprintf(`package scripts

import (
	"net/http"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Watched{}); err != nil {
		panic(err)
	}
}

type Watched struct{ plugin.DefaultPlugin }

type loopErr struct{}

func (loopErr) Error() string {
	for {
	}
}

var n int

func (*Watched) Name() string { return "watched" }

func (*Watched) ParseConf(in []byte) (interface{}, error) {
	if %t || string(in) == "errloop" {
		return nil, loopErr{}
	}
	return string(in), nil
}

func (*Watched) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	if conf.(string) == "loop" {
		time.AfterFunc(0, func() {
			for {
				n++
			}
		})
	}
	r.Header().Set("X-Version", "%d")
}
`, errAll, v)
}

// ctxScript defines a context.Context of its own.
const ctxScript = `package scripts

import (
	"context"
	"time"
)

type myCtx struct{}

func (myCtx) Deadline() (time.Time, bool)  { return time.Time{}, false }
func (myCtx) Done() <-chan struct{}         { panic("never") }
func (myCtx) Err() error                    { return nil }
func (myCtx) Value(key interface{}) interface{} { return nil }

var _, _ = context.WithCancel(myCtx{})
`

// TestNothingRunsUnwatched: a time.AfterFunc callback spinning for ever
// stops its unit at the deadline (rebuilt, nothing left spinning); a
// script context.Context is refused at load with its position; a
// PrepareConf whose error's Error() never returns is answered, and the
// same met during a reload does not stop later reloads.
func TestNothingRunsUnwatched(t *testing.T) {
	r := startReloadRunner(t, map[string]string{
		"watched.go": watchedScript(1, false),
		"ctx.go":     ctxScript,
		"ver.go":     versionScript("ver", 1, "", ""),
	}, "plugins.timeout="+runawayTimeout.String())
	if r.out.count("script unit failed to load", unitField("ctx.go"), "ctx.go:11:14: type myCtx implements context.Context") == 0 {
		t.Error("the script context.Context was not refused at load with its position")
	}
	in := startInnocent(t, r.proc, innocentConns)
	in.awaitOK(20)
	c := r.dial()

	// A ParseConf error whose Error() never returns: answered.
	_, err := c.Prepare(newKey("ext-plugin-pre-req"), []client.Conf{pc("watched", "errloop")})
	wantRPCError(t, err, "a PrepareConf whose error never formats")
	r.awaitLog(1, "script unit rebuilt after it was stopped", unitField("watched.go"))

	// A callback spinning for ever: the call is answered, the callback
	// stopped with its unit at the deadline, the unit rebuilt.
	tok := prepare(t, c, pc("watched", "loop"))
	if v := versionOf(t, call(t, c, tok, client.ReqCall{ID: 1}, nil)); v != 1 {
		t.Fatalf("version %d", v)
	}
	r.awaitLog(1, "script unit interrupted", unitField("watched.go"), "time.AfterFunc callback ran past its deadline")
	r.awaitLog(2, "script unit rebuilt after it was stopped", unitField("watched.go"))

	// Met during a reload: version 2's ParseConf error never formats when
	// the prepared conf is parsed again; version 3 still reloads.
	plain := prepare(t, c, pc("watched", "plain"))
	r.write("watched.go", watchedScript(2, true))
	r.awaitLog(1, "script unit reloaded", unitField("watched.go"))
	r.awaitLog(1, "prepared conf fails after reload")
	r.write("watched.go", watchedScript(3, false))
	r.awaitLog(2, "script unit reloaded", unitField("watched.go"))
	c2 := r.dial()
	if v := versionOf(t, call(t, c2, prepare(t, c2, pc("watched", "again")), client.ReqCall{ID: 2}, nil)); v != 3 {
		t.Fatalf("version %d after the reload past a looping Error()", v)
	}
	_ = plain

	in.awaitOK(in.figures().ok + 20)
	in.stop()
	if f := in.figures(); f.failed > 0 {
		t.Errorf("%d innocent calls failed: %q", f.failed, f.errs)
	}
	// Nothing spins: the runner's CPU over an idle window (a measurement,
	// not a wait for an event).
	pid := logInt(t, r.proc, "go-runner started", "pid")
	before, start := cpuTicks(t, pid), time.Now()
	<-time.After(idleWindow)
	used := float64(cpuTicks(t, pid)-before) / clockTicks / time.Since(start).Seconds()
	t.Logf("worker CPU over %s idle afterwards: %.1f%% of one core", idleWindow, 100*used)
	if used > maxIdleCPU {
		t.Errorf("the worker used %.0f%% of a core while idle: something is left spinning", 100*used)
	}
	r.alive()
}
