package tests

import (
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// servingBinaries are the runners whose start-up and shutdown are checked.
var servingBinaries = []string{"testrunner", "example", "go-runner"}

func TestSIGTERMUnderLoad(t *testing.T) {
	const inFlight, hammers = 8, 4
	r := startRunner(t, "testrunner")
	setup := r.dial()
	slowTok := prepare(t, setup, pc("slow", map[string]any{"ms": 300}))
	sayTok := prepare(t, setup, pc("say", map[string]any{"body": "x"}))

	// Calls that are in flight when SIGTERM arrives must be answered.
	type result struct {
		out client.ReqResult
		err error
	}
	results := make(chan result, inFlight)
	for i := 0; i < inFlight; i++ {
		c := r.dial()
		go func(i int) {
			var res result
			res.err = c.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: slowTok}, nil, &res.out)
			results <- res
		}(i)
	}
	// Load that keeps coming: it may be refused after SIGTERM, but must end.
	stopLoad := make(chan struct{})
	var load sync.WaitGroup
	for h := 0; h < hammers; h++ {
		c := r.dial()
		load.Add(1)
		go func() {
			defer load.Done()
			var out client.ReqResult
			for i := 0; i < 1_000_000; i++ {
				select {
				case <-stopLoad:
					return
				default:
				}
				if c.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: sayTok}, nil, &out) != nil {
					return
				}
			}
		}()
	}
	if !r.out.waitCount(logTimeout, inFlight, "slow: sleeping") {
		t.Fatalf("only %d of %d slow calls started", r.out.count("slow: sleeping"), inFlight)
	}
	r.stop() // exit 0, no call cut off, socket removed
	for i := 0; i < inFlight; i++ {
		select {
		case res := <-results:
			if res.err != nil {
				t.Errorf("call in flight at SIGTERM: %v", res.err)
			} else if v := client.Values(res.out.Rewrite.Headers, "x-slow"); len(v) != 1 || v[0] != "done" {
				t.Errorf("call in flight at SIGTERM answered %+v", res.out)
			}
		case <-time.After(ioTimeout):
			t.Fatalf("call in flight at SIGTERM never answered")
		}
	}
	close(stopLoad)
	done := make(chan struct{})
	go func() { load.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(ioTimeout):
		t.Fatal("load goroutines still blocked after the runner exited")
	}
}

func TestSIGTERMIdle(t *testing.T) {
	for _, name := range servingBinaries {
		t.Run(name, func(t *testing.T) {
			r := startRunner(t, name)
			// Idle kept-alive connections must not hold the exit up.
			for i := 0; i < 4; i++ {
				c := r.dial()
				tok := prepare(t, c)
				call(t, c, tok, client.ReqCall{ID: 1}, nil)
			}
			r.stop()
		})
	}
}

func TestStartupLog(t *testing.T) {
	// example runs at warn level by design and logs nothing on start.
	for _, name := range []string{"testrunner", "go-runner"} {
		t.Run(name, func(t *testing.T) {
			r := startRunner(t, name, "APISIX_CONF_EXPIRE_TIME=7")
			// The line may be written just after the socket accepts.
			if !r.out.waitCount(logTimeout, 1, r.sock) {
				t.Fatalf("no start-up line names the socket:\n%s", r.out.String())
			}
			var line string
			for _, l := range r.out.lines() {
				if strings.Contains(l, r.sock) {
					line = l
				}
			}
			lower := strings.ToLower(line)
			if !strings.Contains(lower, "version") {
				t.Errorf("start-up line has no version: %s", line)
			}
			if !strings.Contains(lower, "ttl") || !strings.Contains(line, "8.4") {
				t.Errorf("start-up line lacks the conf TTL of 1.2 x 7 s: %s", line)
			}
			r.stop()
			if n := r.out.count(r.sock); n != 1 {
				t.Errorf("%d lines name the socket after stop, want the start-up line only", n)
			}
		})
	}
}

func TestBadEnvironment(t *testing.T) {
	long := "unix:/tmp/" + strings.Repeat("d", 120) + "/r.sock"
	cases := []struct {
		name    string
		env     []string // besides a good socket address, when addr is true
		addr    bool
		mention []string // the output must contain each (case-insensitive)
	}{
		{"tcp address", []string{"APISIX_LISTEN_ADDRESS=tcp:1.2.3.4"}, false, []string{"tcp:1.2.3.4", "address"}},
		{"empty unix path", []string{"APISIX_LISTEN_ADDRESS=unix:"}, false, []string{"address", "want unix:"}},
		{"no scheme", []string{"APISIX_LISTEN_ADDRESS=/tmp/r.sock"}, false, []string{"/tmp/r.sock", "address"}},
		{"path too long", []string{"APISIX_LISTEN_ADDRESS=" + long}, false, []string{"107"}},
		{"directory missing", []string{"APISIX_LISTEN_ADDRESS=unix:/nonexistent-gr/r.sock"}, false, []string{"/nonexistent-gr/r.sock"}},
		{"expire not a number", []string{"APISIX_CONF_EXPIRE_TIME=abc"}, true, []string{"APISIX_CONF_EXPIRE_TIME", "abc"}},
		{"expire negative", []string{"APISIX_CONF_EXPIRE_TIME=-1"}, true, []string{"APISIX_CONF_EXPIRE_TIME", "-1"}},
		{"expire zero", []string{"APISIX_CONF_EXPIRE_TIME=0"}, true, []string{"APISIX_CONF_EXPIRE_TIME"}},
		{"expire empty", []string{"APISIX_CONF_EXPIRE_TIME="}, true, []string{"APISIX_CONF_EXPIRE_TIME"}},
	}
	for _, name := range servingBinaries {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				env := tc.env
				var sock string
				if tc.addr {
					sock = filepath.Join(shortDir(t), "r.sock")
					env = append([]string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, env...)
				}
				code, out := runOnce(t, name, env...)
				if code == 0 {
					t.Fatalf("exit code 0 with %v:\n%s", tc.env, out)
				}
				for _, m := range tc.mention {
					if !strings.Contains(strings.ToLower(out), strings.ToLower(m)) {
						t.Errorf("output does not mention %q:\n%s", m, out)
					}
				}
				if sock != "" {
					if _, err := net.Dial("unix", sock); err == nil {
						t.Errorf("socket %s accepts after a failed start", sock)
					}
				}
			})
		}
	}
}

func TestSocketInUse(t *testing.T) {
	r := startRunner(t, "testrunner")
	code, out := runOnce(t, "testrunner", "APISIX_LISTEN_ADDRESS=unix:"+r.sock)
	if code == 0 {
		t.Fatalf("a second runner on a live socket exited 0:\n%s", out)
	}
	if !strings.Contains(out, r.sock) {
		t.Errorf("the refusal does not name the socket:\n%s", out)
	}
	sayWorks(t, r.dial())
	r.stop()
}

func TestStaleSocketReplaced(t *testing.T) {
	dir := shortDir(t)
	r := startRunnerIn(t, "testrunner", dir)
	r.signal(syscall.SIGKILL) // a crash leaves the socket file behind
	if code := r.wait(exitTimeout); code == 0 {
		t.Fatalf("killed runner exited 0")
	}
	r2 := startRunnerIn(t, "testrunner", dir)
	sayWorks(t, r2.dial())
	r2.stop()
}

func TestExitCodeOnSIGINT(t *testing.T) {
	r := startRunner(t, "testrunner")
	r.signal(syscall.SIGINT)
	if code := r.wait(exitTimeout); code != 0 {
		t.Fatalf("exit code %d after SIGINT, want 0", code)
	}
}

// A plugin stuck past the shutdown grace must not keep the runner alive:
// the runner cuts its call off once the grace is over and exits.
func TestSIGTERMStuckPlugin(t *testing.T) {
	r := startRunner(t, "testrunner")
	const stuck = 5 * time.Second
	c := r.dial()
	tok := prepare(t, c, pc("slow", map[string]any{"ms": stuck.Milliseconds()}))
	res := make(chan error, 1)
	go func() {
		res <- c.ReqCall(&client.ReqCall{ID: 1, ConfToken: tok}, nil, &client.ReqResult{})
	}()
	if !r.out.waitCount(logTimeout, 1, "slow: sleeping") {
		t.Fatal("slow call did not start")
	}
	took := r.stopStuck(stuck)
	t.Logf("exited %s after SIGTERM with a call stuck for %s (grace 800 ms)", took.Round(time.Millisecond), stuck)
	select {
	case err := <-res:
		if err == nil {
			t.Fatalf("a call cut short by the shutdown was answered as a success")
		}
	case <-time.After(ioTimeout):
		t.Fatal("the stuck call's connection was left open after exit")
	}
}
