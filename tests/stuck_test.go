package tests

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Calls blocked in compiled code, where no interrupt reaches (issue 11,
// item 4): answered at their deadline all the same.

// stuckTimeout is plugins.timeout in these tests.
const stuckTimeout = 300 * time.Millisecond

// stuckScript's plugin "stuck" blocks in compiled code on the confs "lock"
// (a mutex locked twice), "wait" (a WaitGroup never done), "sleep" (an
// hour) and "exp" (a big.Int.Exp of about a second and a half), and
// answers X-Stuck: no otherwise.
const stuckScript = `package scripts

import (
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Stuck{}); err != nil {
		panic(err)
	}
}

type Stuck struct{ plugin.DefaultPlugin }

func (*Stuck) Name() string                             { return "stuck" }
func (*Stuck) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Stuck) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	mode := conf.(string)
	if mode != "no" {
		fmt.Println("stuck: " + mode)
	}
	switch mode {
	case "lock":
		var mu sync.Mutex
		mu.Lock()
		mu.Lock()
	case "wait":
		var wg sync.WaitGroup
		wg.Add(1)
		wg.Wait()
	case "sleep":
		time.Sleep(time.Hour)
	case "exp":
		m := new(big.Int).Lsh(big.NewInt(1), 4096)
		m.Sub(m, big.NewInt(159))
		e := new(big.Int).Lsh(big.NewInt(1), 1<<17)
		new(big.Int).Exp(big.NewInt(3), e.Sub(e, big.NewInt(1)), m)
	}
	r.Header().Set("X-Stuck", "no")
}
`

// stuckModes are the ways stuckScript blocks; exp returns in the end.
var stuckModes = []string{"lock", "wait", "sleep", "exp"}

// blockOn calls the plugin "stuck" with each mode on a connection of its
// own, all at once, and returns each call's error and how long it took.
func blockOn(t *testing.T, r *reloadRunner, modes []string) ([]error, []time.Duration) {
	t.Helper()
	errs := make([]error, len(modes))
	took := make([]time.Duration, len(modes))
	toks := make([]uint32, len(modes))
	conns := make([]*client.Conn, len(modes))
	for i, m := range modes {
		conns[i] = r.dial()
		toks[i] = prepare(t, conns[i], pc("stuck", m))
	}
	var wg sync.WaitGroup
	for i := range modes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			var out client.ReqResult
			errs[i] = conns[i].ReqCall(&client.ReqCall{ID: uint32(i + 1), ConfToken: toks[i]}, nil, &out)
			took[i] = time.Since(start)
		}()
	}
	wg.Wait()
	return errs, took
}

// TestStuckCallsAnswered: a mutex locked twice, wg.Wait, time.Sleep(time.Hour)
// and a long big.Int.Exp are each answered with an error at their deadline;
// each is logged once and counted as a timeout and as stuck; the unit is
// rebuilt without waiting for another call; the innocent plugin serves
// throughout; and SIGTERM is not held up by the stuck goroutines.
func TestStuckCallsAnswered(t *testing.T) {
	// Four calls of one unit at once: above the default limit.
	r := startReloadRunner(t, map[string]string{"stuck.go": stuckScript, "ver.go": versionScript("ver", 1, "", "")},
		"plugins.timeout="+stuckTimeout.String(), "metrics.address=127.0.0.1:0", "plugins.max_concurrent_per_unit=8")
	in := startInnocent(t, r.proc, innocentConns)
	in.awaitOK(20)
	later := r.dial()
	noTok := prepare(t, later, pc("stuck", "no"))

	errs, took := blockOn(t, r, stuckModes)
	for i, m := range stuckModes {
		wantRPCError(t, errs[i], m)
		t.Logf("%s: answered with an error after %s (plugins.timeout %s)", m, took[i].Round(time.Millisecond), stuckTimeout)
	}
	r.awaitLog(len(stuckModes), "plugin call stuck past its deadline", unitField("stuck.go"))
	// Rebuilt with no further call of it.
	r.awaitLog(1, "script unit rebuilt after it was stopped", unitField("stuck.go"))
	in.awaitOK(in.figures().ok + 20)

	// The rebuilt unit serves the conf prepared before.
	out := call(t, later, noTok, client.ReqCall{ID: 9}, nil)
	if one(t, out.Rewrite.Headers, "X-Stuck") != "no" {
		t.Fatal("the rebuilt unit does not serve")
	}

	// Stuck: 4, then 3 once the Exp returns (the others never do).
	awaitMetric(t, r, "go_runner_calls_stuck", 3)
	scrape := r.scrapeMetrics()
	wantMetrics(t, scrape,
		fmt.Sprintf(`go_runner_unit_timeouts_total{unit="stuck.go"} %d`, len(stuckModes)),
		`go_runner_unit_timeouts_total{unit="ver.go"} 0`,
	)
	if n := r.out.count("plugin call stuck past its deadline"); n != len(stuckModes) {
		t.Errorf("%d stuck calls logged, want each of the %d once", n, len(stuckModes))
	}
	in.stop()
	f := in.figures()
	t.Logf("innocent: %d calls ok, %d failed while 4 calls were stuck", f.ok, f.failed)
	if f.failed > 0 {
		t.Errorf("%d innocent calls failed: %q", f.failed, f.errs)
	}
	took2 := r.stop()
	t.Logf("SIGTERM with 3 calls stuck: exited after %s", took2.Round(time.Millisecond))
	if n := r.out.count("exiting with plugin calls still running"); n > 0 {
		t.Errorf("the worker's shutdown waited out its grace %d times: something held it", n)
	}
}

// TestStuckCallsRecycleTheWorker: past worker.max_stuck_calls stuck calls
// the supervisor replaces the worker gracefully; the innocent plugin keeps
// its token and serves.
func TestStuckCallsRecycleTheWorker(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"stuck.go": stuckScript, "ver.go": versionScript("ver", 1, "", "")},
		"plugins.timeout="+stuckTimeout.String(), "worker.max_stuck_calls=2", "log.level=debug", "plugins.max_concurrent_per_unit=8")
	r.awaitLog(2, "worker ready")
	in := startInnocent(t, r.proc, innocentConns)
	in.awaitOK(20)
	errs, _ := blockOn(t, r, []string{"sleep", "lock", "wait"})
	for i, err := range errs {
		wantRPCError(t, err, fmt.Sprint("stuck call ", i))
	}
	r.awaitLog(1, "worker replaced", "calls stuck past their deadline")
	r.awaitLog(1, "worker serving in place of the one")
	in.awaitOK(in.figures().ok + 20)
	in.stop()
	r.alive()
	f := in.figures()
	t.Logf("innocent: %d calls ok, %d failed over the replacement", f.ok, f.failed)
	if f.notFound > 0 {
		t.Errorf("%d innocent calls got CONF_TOKEN_NOT_FOUND", f.notFound)
	}
	if f.failed > 0 {
		t.Errorf("%d innocent calls failed over a graceful replacement: %q", f.failed, f.errs)
	}
	r.stop()
}

// awaitMetric waits until a scrape shows series at value v.
func awaitMetric(t *testing.T, r *reloadRunner, series string, v float64) {
	t.Helper()
	deadline := time.Now().Add(reloadBound)
	var got float64
	for i := 0; time.Now().Before(deadline); i++ {
		if got = metricValue(t, r.scrapeMetrics(), series); got == v {
			return
		}
		<-time.After(20 * time.Millisecond) // a poll of the endpoint, bounded
	}
	t.Fatalf("%s is %v after %s, want %v", series, got, reloadBound, v)
}
