package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Live reload of scripts by the built go-runner: edits, additions,
// removals and renames are served without a restart, prepared confs keep
// their tokens, broken edits never replace a working version.

// TestReloadEditNextCallSeesIt: with the default debounce, a save is served
// to the next call on the token prepared before it; an added unit serves,
// a renamed one keeps serving its confs, a removed one fails them closed.
func TestReloadEditNextCallSeesIt(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"ver.go": versionScript("ver", 1, "", "")})
	c := r.dial()
	tok := prepare(t, c, pc("ver", "conf"))
	if v := versionOf(t, call(t, c, tok, client.ReqCall{ID: 1}, nil)); v != 1 {
		t.Fatalf("version %d before the edit", v)
	}

	start := time.Now()
	r.write("ver.go", versionScript("ver", 2, "", ""))
	r.awaitLog(1, "script unit reloaded", unitField("ver.go"))
	latency := time.Since(start)
	if v := versionOf(t, call(t, c, tok, client.ReqCall{ID: 2}, nil)); v != 2 {
		t.Fatalf("version %d after the edit was served", v)
	}
	t.Logf("a save was served %s after it was written (scripts.debounce 200ms)", latency.Round(time.Millisecond))

	r.write("add.go", versionScript("added", 1, "", ""))
	r.awaitLog(1, "script unit added", unitField("add.go"))
	added := prepare(t, c, pc("added", "conf"))
	if v := versionOf(t, call(t, c, added, client.ReqCall{ID: 3}, nil)); v != 1 {
		t.Fatalf("added unit: version %d", v)
	}

	// A rename: the plugin moves to the new unit; its conf keeps serving.
	if err := os.Rename(filepath.Join(r.scripts, "add.go"), filepath.Join(r.scripts, "renamed.go")); err != nil {
		t.Fatal(err)
	}
	r.awaitLog(1, "script unit added", unitField("renamed.go"))
	r.awaitLog(1, "script unit removed", unitField("add.go"))
	if v := versionOf(t, call(t, c, added, client.ReqCall{ID: 4}, nil)); v != 1 {
		t.Fatalf("renamed unit: version %d", v)
	}

	// A removal: the plugin's confs fail closed, with a logged reason.
	if err := os.Remove(filepath.Join(r.scripts, "renamed.go")); err != nil {
		t.Fatal(err)
	}
	r.awaitLog(1, "script unit removed", unitField("renamed.go"))
	var out client.ReqResult
	wantRPCError(t, c.ReqCall(&client.ReqCall{ID: 5, ConfToken: added}, nil, &out), "call of a removed plugin")
	if r.out.count("prepared conf fails after reload", "unknown plugin", `\"added\"`) != 1 {
		t.Error("the conf failed closed without a logged reason")
	}
	if v := versionOf(t, call(t, c, tok, client.ReqCall{ID: 6}, nil)); v != 2 {
		t.Fatalf("the other unit: version %d", v)
	}
	r.stop()
}

// holdScript's plugin "hold" asks APISIX for the variable "hold" (the
// test's answer holds the call) and copies it to X-Held.
const holdScript = `package scripts

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Hold{}); err != nil {
		panic(err)
	}
}

type Hold struct{ plugin.DefaultPlugin }

func (*Hold) Name() string                             { return "hold" }
func (*Hold) ParseConf(in []byte) (interface{}, error) { return nil, nil }

func (*Hold) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	v, _ := r.Var("hold")
	r.Header().Set("X-Held", string(v))
}
`

// reloadHoldExtra answers the variable "hold" once released.
type reloadHoldExtra struct {
	entered, release chan struct{}
}

func (x *reloadHoldExtra) Answer(req client.ExtraReq) ([]byte, bool, error) {
	close(x.entered)
	<-x.release
	return []byte("yes"), true, nil
}

// TestReloadCallInFlightFinishesOnOldVersion: a call whose route chains
// two plugins is held in the first while the second's unit is reloaded;
// the next call runs the new version, and the held call finishes on the
// version it started with, without an error (the old unit is closed only
// after it).
func TestReloadCallInFlightFinishesOnOldVersion(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"hold.go": holdScript, "ver.go": versionScript("ver", 1, "", "")})
	held, next := r.dial(), r.dial()
	tok := prepare(t, held, pc("hold", nil), pc("ver", "conf"))
	x := &reloadHoldExtra{entered: make(chan struct{}), release: make(chan struct{})}
	type result struct {
		out client.ReqResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		res.err = held.ReqCall(&client.ReqCall{ID: 1, ConfToken: tok}, x, &res.out)
		done <- res
	}()
	<-x.entered

	r.write("ver.go", versionScript("ver", 2, "", ""))
	r.awaitLog(1, "script unit reloaded", unitField("ver.go"))
	if v := versionOf(t, call(t, next, tok, client.ReqCall{ID: 2}, &client.Extra{Vars: map[string]string{"hold": "no"}})); v != 2 {
		t.Fatalf("the next call ran version %d", v)
	}

	close(x.release)
	res := <-done
	if res.err != nil {
		t.Fatalf("the call in flight failed: %v", res.err)
	}
	if v := versionOf(t, &res.out); v != 1 || one(t, res.out.Rewrite.Headers, "X-Held") != "yes" {
		t.Fatalf("the call in flight ran version %d, want the version it started with (1)", v)
	}
	r.stop()
}

// TestReloadOnSIGHUP: with scripts.watch off, a save is served after
// SIGHUP only.
func TestReloadOnSIGHUP(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"ver.go": versionScript("ver", 1, "", "")}, "scripts.watch=false")
	c := r.dial()
	tok := prepare(t, c, pc("ver", "conf"))
	r.write("ver.go", versionScript("ver", 2, "", ""))
	if v := versionOf(t, call(t, c, tok, client.ReqCall{ID: 1}, nil)); v != 1 {
		t.Fatalf("version %d served without a watch or SIGHUP", v)
	}
	r.signal(syscall.SIGHUP)
	r.awaitLog(1, "script unit reloaded", unitField("ver.go"))
	if v := versionOf(t, call(t, c, tok, client.ReqCall{ID: 2}, nil)); v != 2 {
		t.Fatalf("version %d after SIGHUP", v)
	}
	if r.out.count("SIGHUP") != 1 {
		t.Error("SIGHUP not logged")
	}
	r.alive()
	r.stop()
}

// TestReloadFailClosed: a prepared conf the new version rejects makes its
// route fail, with the reason logged, until a fixed version accepts it;
// its token stays valid throughout.
func TestReloadFailClosed(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"ver.go": versionScript("ver", 1, "", "")})
	c := r.dial()
	tok := prepare(t, c, pc("ver", "strict"))
	other := prepare(t, c, pc("ver", "lenient"))

	r.write("ver.go", versionScript("ver", 2, "strict", ""))
	r.awaitLog(1, "script unit reloaded", unitField("ver.go"))
	r.awaitLog(1, "prepared conf fails after reload", "version 2 refuses the conf strict")
	var out client.ReqResult
	rpc := wantRPCError(t, c.ReqCall(&client.ReqCall{ID: 1, ConfToken: tok}, nil, &out), "call on a rejected conf")
	t.Logf("the rejected conf's calls are answered %v", rpc)
	if v := versionOf(t, call(t, c, other, client.ReqCall{ID: 2}, nil)); v != 2 {
		t.Fatalf("a conf the new version accepts: version %d", v)
	}

	r.write("ver.go", versionScript("ver", 3, "", ""))
	r.awaitLog(2, "script unit reloaded", unitField("ver.go"))
	if v := versionOf(t, call(t, c, tok, client.ReqCall{ID: 3}, nil)); v != 3 {
		t.Fatalf("after the fix: version %d", v)
	}
	r.stop()
}

// brokenEdits are the kinds of broken save the load test makes of
// version v of plugin ver: none of them may ever serve.
var brokenEdits = []func(v int) string{
	func(v int) string { return versionScript("ver", v, "", "func broken( {\n") },                         // syntax
	func(v int) string { return versionScript("ver", v, "", "var typo int = \"x\"\n") },                   // type
	func(v int) string { return versionScript("ver", v, "", "func init() { panic(\"broken init\") }\n") }, // panic in init
	func(v int) string { // refused import
		return strings.Replace(versionScript("ver", v, "", "var _ = exec.Command\n"), `"errors"`, "\"errors\"\n\t\"os/exec\"", 1)
	},
	func(v int) string { return versionScript("other", v, "", "") }, // name clash with other.go
}

// TestReloadUnderLoad keeps 16 connections busy while ver.go is rewritten
// 100 times, good and broken versions alternating: no call fails, and each
// is answered by a version current during it — not older than the version
// known served when it started, not newer than the last written when it
// ended, and never a broken one.
func TestReloadUnderLoad(t *testing.T) {
	const (
		conns    = 16
		rewrites = 100
	)
	r := startReloadRunner(t, map[string]string{
		"ver.go":   versionScript("ver", 1, "", ""),
		"other.go": versionScript("other", 1, "", ""),
	}, "scripts.debounce=5ms", "metrics.address=127.0.0.1:0")
	cl := r.client()
	rt := route(pc("ver", "conf"))

	var (
		written atomic.Int64 // the last good version written (stored before the write)
		served  atomic.Int64 // the last good version known served (stored once its reload was logged)
		good    sync.Map     // good versions
		broken  sync.Map     // broken versions
		stop    atomic.Bool
		calls   atomic.Int64
		fails   atomic.Int64
	)
	written.Store(1)
	served.Store(1)
	good.Store(1, true)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for g := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				lo := served.Load()
				var out client.ReqResult
				err := cl.ReqCall(rt, &client.ReqCall{ID: uint32(g<<20 | i&0xfffff), Path: "/"}, nil, &out)
				hi := written.Load()
				calls.Add(1)
				if err != nil {
					fails.Add(1)
					select {
					case errs <- fmt.Errorf("call failed: %w", err):
					default:
					}
					continue
				}
				v := -1
				if out.Action == client.ActionRewrite {
					fmt.Sscan(client.Values(out.Rewrite.Headers, "X-Version")[0], &v)
				}
				if _, ok := broken.Load(int64(v)); ok || v < int(lo) || v > int(hi) {
					fails.Add(1)
					select {
					case errs <- fmt.Errorf("answered by version %d, outside [%d, %d] or broken", v, lo, hi):
					default:
					}
				}
			}
		}()
	}

	start := time.Now()
	reloads, failures := 0, 0
	for i := 1; i <= rewrites; i++ {
		v := int64(i + 1)
		if i%2 == 0 {
			broken.Store(v, true)
			r.write("ver.go", brokenEdits[(i/2)%len(brokenEdits)](int(v)))
			failures++
			r.awaitLog(failures, "script unit failed to reload", unitField("ver.go"))
			continue
		}
		good.Store(v, true)
		written.Store(v)
		r.write("ver.go", versionScript("ver", int(v), "", ""))
		reloads++
		r.awaitLog(reloads, "script unit reloaded", unitField("ver.go"))
		served.Store(v)
	}
	took := time.Since(start)
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := cl.Stats()
	t.Logf("%d calls on %d connections during %d rewrites (%d good, %d broken) in %s: %d failed; client retries %d",
		calls.Load(), conns, rewrites, reloads, failures, took.Round(time.Millisecond), fails.Load(), st.Retries)
	if fails.Load() != 0 || st.Failures != 0 {
		t.Fatalf("%d calls failed (client: %d)", fails.Load(), st.Failures)
	}
	// Each broken save was logged once, not retried.
	if n := r.out.count("script unit failed to reload", unitField("ver.go")); n != failures {
		t.Errorf("%d failure lines for %d broken saves", n, failures)
	}
	var out client.ReqResult
	if err := cl.ReqCall(rt, &client.ReqCall{ID: 1}, nil, &out); err != nil || versionOf(t, &out) != int(written.Load()) {
		t.Fatalf("after the rewrites: %v, want version %d", err, written.Load())
	}
	wantMetrics(t, r.scrapeMetrics(),
		`go_runner_unit_loads_total{unit="ver.go"} 1`,
		fmt.Sprintf(`go_runner_unit_reloads_total{unit="ver.go"} %d`, reloads),
		fmt.Sprintf(`go_runner_unit_load_failures_total{unit="ver.go"} %d`, failures),
		// The calls, the last one, the prepares, and one re-parse of the
		// prepared conf per reload.
		fmt.Sprintf(`go_runner_unit_calls_total{unit="ver.go"} %d`, calls.Load()+1+int64(st.Prepares)+int64(reloads)),
		`go_runner_unit_errors_total{unit="ver.go"} 0`,
		`go_runner_unit_reloads_total{unit="other.go"} 0`,
	)
	r.stop()
}

// counterScript's plugin "counter" counts its calls in a package variable
// and answers with the count and its version.
func counterScript(version int) string {
	return fmt.Sprintf(`package scripts

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

var (
	mu    sync.Mutex
	calls int
)

func init() {
	if err := plugin.RegisterPlugin(&Counter{}); err != nil {
		panic(err)
	}
}

type Counter struct{ plugin.DefaultPlugin }

func (*Counter) Name() string                             { return "counter" }
func (*Counter) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Counter) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	mu.Lock()
	calls++
	n := calls
	mu.Unlock()
	r.Header().Set("X-Calls", strconv.Itoa(n))
	r.Header().Set("X-Version", "%d")
}
`, version)
}

// TestPackageStateStartsOverAtNewVersion: a unit's package variables live
// as long as its version. A save that loads starts them over from their
// initial values; a save that fails to load leaves the version serving,
// and its state, untouched.
func TestPackageStateStartsOverAtNewVersion(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"counter.go": counterScript(1)})
	c := r.dial()
	tok := prepare(t, c, pc("counter", "conf"))
	id := uint32(0)
	expect := func(version, calls string) {
		t.Helper()
		id++
		out := call(t, c, tok, client.ReqCall{ID: id}, nil)
		if v, n := one(t, out.Rewrite.Headers, "X-Version"), one(t, out.Rewrite.Headers, "X-Calls"); v != version || n != calls {
			t.Fatalf("call %d: version %s with %s calls counted, want version %s with %s", id, v, n, version, calls)
		}
	}
	expect("1", "1")
	expect("1", "2")

	r.write("counter.go", brokenEdits[0](2))
	r.awaitLog(1, "script unit failed to reload", unitField("counter.go"))
	expect("1", "3")

	r.write("counter.go", counterScript(3))
	r.awaitLog(1, "script unit reloaded", unitField("counter.go"))
	expect("3", "1")
	expect("3", "2")
}
