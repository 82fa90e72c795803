package tests

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// A fair share of CPU (issue 11, item 5): a unit burning CPU on every call
// runs at most plugins.max_concurrent_per_unit calls at once, and a unit
// whose calls keep overrunning fails fast for a cool-down.

// burnScript's plugin "burn" keeps a processor busy for a second on the
// conf "burn", well under plugins.timeout in TestFairShare.
const burnScript = `package scripts

import (
	"net/http"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Burn{}); err != nil {
		panic(err)
	}
}

type Burn struct{ plugin.DefaultPlugin }

func (*Burn) Name() string                             { return "burn" }
func (*Burn) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

var sink int

func (*Burn) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	start := time.Now()
	for time.Since(start) < time.Second {
		for i := 0; i < 1000; i++ {
			sink += i
		}
	}
	r.Header().Set("X-Burn", "done")
}
`

const (
	burnCallers   = 16
	fairWindow    = 2 * time.Second // each measurement of the innocent plugin
	fairTimeout   = 3 * time.Second // plugins.timeout: the burn is under it
	maxBurnerCall = 1000            // bounds each burner's loop
)

// latencies are the innocent plugin's figures over one window.
type latencies struct {
	ok, failed int
	firstErr   error
	perSecond  float64
	p50, p99   time.Duration
}

// measureInnocent calls the plugin "ver" on conns connections of its own
// for d and returns what it saw. (d is the length of a measurement, not a
// wait for an event.)
func measureInnocent(t *testing.T, p *proc, tok uint32, conns int, d time.Duration) latencies {
	t.Helper()
	var mu sync.Mutex
	var all []time.Duration
	var l latencies
	stop := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		c := p.dial()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			failed := 0
			var firstErr error
			for i := 0; i < maxInnocentCalls; i++ {
				select {
				case <-stop:
					i = maxInnocentCalls
					continue
				default:
				}
				t0 := time.Now()
				var out client.ReqResult
				err := c.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: tok}, nil, &out)
				if err == nil && out.Action != client.ActionRewrite {
					err = errors.New("not a rewrite")
				}
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, mine...)
			l.failed += failed
			if l.firstErr == nil {
				l.firstErr = firstErr
			}
		}()
	}
	<-time.After(d)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	l.ok = len(all)
	l.perSecond = float64(l.ok) / elapsed.Seconds()
	if n := len(all); n > 0 {
		l.p50, l.p99 = all[n/2], all[n*99/100]
	}
	return l
}

// fairFigures are what one run of the fair share scenario saw.
type fairFigures struct {
	alone, withBurner          latencies
	burnOK, burnRefused, other int64
	firstOther                 error
	limit                      any // the unit's limit, from the log
	busy                       float64
	runner                     *reloadRunner
}

// fairRun starts a runner with sets, measures the innocent plugin alone,
// then beside 16 callers of the burner.
func fairRun(t *testing.T, sets ...string) fairFigures {
	t.Helper()
	r := startReloadRunner(t, map[string]string{"burn.go": burnScript, "ver.go": versionScript("ver", 1, "", "")},
		append([]string{"plugins.timeout=" + fairTimeout.String(), "metrics.address=127.0.0.1:0"}, sets...)...)
	c := r.dial()
	tok := prepare(t, c, pc("ver", "innocent"))
	burnTok := prepare(t, c, pc("burn", "burn"))
	measureInnocent(t, r.proc, tok, innocentConns, fairWindow/4) // warm-up
	f := fairFigures{runner: r, alone: measureInnocent(t, r.proc, tok, innocentConns, fairWindow)}

	var burnOK, burnRefused, burnOther atomic.Int64
	var firstOther atomic.Value
	stop := make(chan struct{})
	entered := make(chan struct{}, burnCallers)
	var wg sync.WaitGroup
	for range burnCallers {
		bc := r.dial()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxBurnerCall; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var out client.ReqResult
				err := bc.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: burnTok}, nil, &out)
				var rpc *client.RPCError
				switch {
				case err == nil:
					burnOK.Add(1)
				case errors.As(err, &rpc):
					burnRefused.Add(1)
				default:
					burnOther.Add(1)
					firstOther.CompareAndSwap(nil, err)
				}
				select {
				case entered <- struct{}{}:
				default:
				}
			}
		}()
	}
	<-entered // the burner answered once: it is running
	f.withBurner = measureInnocent(t, r.proc, tok, innocentConns, fairWindow)
	close(stop)
	wg.Wait()
	f.burnOK, f.burnRefused, f.other = burnOK.Load(), burnRefused.Load(), burnOther.Load()
	if e, ok := firstOther.Load().(error); ok {
		f.firstOther = e
	}
	if e := findEntry(jsonLines(r.out.String()), "script unit at its limit of concurrent calls: calls over it are refused (plugins.max_concurrent_per_unit)"); e != nil {
		f.limit = e["limit"]
	}
	f.busy = metricValue(t, r.scrapeMetrics(), `go_runner_unit_busy_total{unit="burn.go"}`)
	return f
}

func (f fairFigures) log(t *testing.T, what string) {
	t.Helper()
	t.Logf("%s: innocent alone:         %6.0f calls/s, p50 %s, p99 %s (%d calls)", what, f.alone.perSecond, f.alone.p50, f.alone.p99, f.alone.ok)
	t.Logf("%s: innocent beside burner: %6.0f calls/s, p50 %s, p99 %s (%d calls); %.0f%% of its calls/s",
		what, f.withBurner.perSecond, f.withBurner.p50, f.withBurner.p99, f.withBurner.ok, 100*f.withBurner.perSecond/f.alone.perSecond)
	t.Logf("%s: burner: %d calls done, %d refused (busy metric %v, limit %v), %d other failures",
		what, f.burnOK, f.burnRefused, f.busy, f.limit, f.other)
}

// TestFairShare: 16 callers of a unit that burns a second of CPU per call
// beside an innocent plugin on 4 connections. With the default
// plugins.max_concurrent_per_unit the burner runs at most that many calls
// at once (the rest are refused after a short wait), and every innocent
// call succeeds. The innocent's calls a second and p99 are logged without
// and with the burner, and for comparison with a limit of 16 (none, here).
func TestFairShare(t *testing.T) {
	f := fairRun(t)
	f.log(t, "default limit")
	if f.alone.failed+f.withBurner.failed > 0 {
		t.Errorf("innocent calls failed: %d alone, %d beside the burner (first: %v, %v)",
			f.alone.failed, f.withBurner.failed, f.alone.firstErr, f.withBurner.firstErr)
	}
	if f.other > 0 {
		t.Errorf("%d burner calls failed other than with an error reply: %v", f.other, f.firstOther)
	}
	if f.burnOK == 0 {
		t.Error("no burner call was served")
	}
	wantMetrics(t, f.runner.scrapeMetrics(), `go_runner_unit_busy_total{unit="ver.go"} 0`, `go_runner_unit_timeouts_total{unit="burn.go"} 0`)
	f.runner.alive()
	f.runner.stop()

	g := fairRun(t, "plugins.max_concurrent_per_unit=16")
	g.log(t, "limit 16")
	g.runner.alive()
}

// TestBreakerOfOverrunningUnit: a unit whose every call overruns is
// stopped, rebuilt at once, stopped again, and then fails fast for a
// cool-down (logged, unit_cooling_down 1); the innocent plugin serves
// throughout.
func TestBreakerOfOverrunningUnit(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"spin.go": spinScript, "ver.go": versionScript("ver", 1, "", "")},
		"plugins.timeout="+runawayTimeout.String(), "metrics.address=127.0.0.1:0")
	in := startInnocent(t, r.proc, innocentConns)
	in.awaitOK(20)
	c := r.dial()
	tok := prepare(t, c, pc("spin", "spin"))
	spin := func(id uint32, what string) {
		t.Helper()
		var out client.ReqResult
		wantRPCError(t, c.ReqCall(&client.ReqCall{ID: id, ConfToken: tok}, nil, &out), what)
	}
	// Stopped, rebuilt at once; stopped again soon after: the breaker opens.
	spin(1, "the first overrunning call")
	r.awaitLog(1, "script unit rebuilt after it was stopped", unitField("spin.go"))
	spin(2, "the second overrunning call")
	r.awaitLog(1, "script unit stopped again soon after its rebuild", unitField("spin.go"))
	wantMetrics(t, r.scrapeMetrics(), `go_runner_unit_cooling_down{unit="spin.go"} 1`)
	// Cooling down: calls fail fast, without a deadline or an interrupt.
	stops := r.out.count("script unit interrupted", unitField("spin.go"))
	const fast = 20
	start := time.Now()
	for i := range fast {
		spin(uint32(1000+i), "a call while cooling down")
	}
	t.Logf("%d calls while cooling down answered with an error in %s (plugins.timeout %s)",
		fast, time.Since(start).Round(time.Millisecond), runawayTimeout)
	if n := r.out.count("script unit interrupted", unitField("spin.go")); n > stops+1 {
		t.Errorf("the unit was stopped %d more times while cooling down", n-stops)
	}
	in.awaitOK(in.figures().ok + 20)
	in.stop()
	if f := in.figures(); f.failed > 0 {
		t.Errorf("%d innocent calls failed: %q", f.failed, f.errs)
	}
	r.alive()
}
