package tests

import (
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-runner/go-runner/protocol/client"
)

// innocentConns is how many connections call the innocent plugin beside
// the one that kills its worker.
const innocentConns = 16

// crashTimeout is plugins.timeout for the crashes that take a while to
// come in TestScriptCannotKillTheRunner: one they are not meant to reach.
const crashTimeout = "plugins.timeout=59s"

// TestScriptCannotKillTheRunner: each way a script ends the process that
// runs it (issue table) costs the calls in flight and nothing more: the
// runner stays up, the innocent plugin is served again by the next worker,
// its conf token still valid.
func TestScriptCannotKillTheRunner(t *testing.T) {
	for _, row := range []struct {
		name, mode string
		crashers   int
		sets       []string
		event      string // the supervisor's log line of the replacement
	}{
		// The deadline must not stop the map writes or the recursion
		// before they crash the worker: a race-built binary on a loaded
		// machine runs them slowly (the map writes' calls once ran past
		// the default 5 s, were cut short and ended the crashers' calls).
		{name: "concurrent map writes", mode: "mapwrites", crashers: 2, sets: []string{crashTimeout}, event: "worker died"},
		{name: "unlock of an unlocked mutex", mode: "unlock", crashers: 1, event: "worker died"},
		{name: "allocation of 1 TiB", mode: "oom", crashers: 1, event: "worker died"},
		{name: "endless recursion", mode: "recurse", crashers: 1, sets: []string{crashTimeout}, event: "worker died"},
		{name: "memory growth on 4 calls", mode: "grow", crashers: 4, sets: []string{"worker.memory_limit_mb=256"}, event: "worker replaced"},
		{name: "calls stuck in time.Sleep", mode: "sleep", crashers: 3,
			sets: []string{"worker.max_stuck_calls=2", "plugins.timeout=2s"}, event: "worker replaced"},
	} {
		t.Run(row.name, func(t *testing.T) {
			// Debug logs say when the standby is ready: it is what takes over.
			// Concurrent map writes and the growth need calls of one unit at
			// once: above the default limit on two processors.
			r := startReloadRunner(t, map[string]string{"bomb.go": bombScript(1), "ver.go": versionScript("ver", 1, "", "")},
				append(row.sets, "log.level=debug", "plugins.max_concurrent_per_unit=8")...)
			r.awaitLog(2, "worker ready")
			in := startInnocent(t, r.proc, innocentConns)
			in.awaitOK(20)
			detonate(t, r.proc, row.mode, row.crashers)
			r.awaitLog(1, row.event)
			r.awaitLog(1, "worker serving in place of the one")
			// The innocent plugin is served by the next worker.
			in.awaitOK(in.figures().ok + 20)
			in.stop()
			r.alive()
			f := in.figures()
			// A replacement costs the calls in flight; so does a kill.
			deaths := r.out.count("worker died") + r.out.count("worker replaced") + r.out.count("worker killed")
			t.Logf("%s: %d innocent calls ok, %d failed over %d worker replacement(s) (%d connections); first innocent success %s after the first failure",
				row.name, f.ok, f.failed, deaths, innocentConns, f.recovered.Round(time.Millisecond))
			if e := findEntry(jsonLines(r.out.String()), "worker serving in place of the one that died"); e != nil {
				t.Logf("%s: the next worker served %v after the dead one's exit was seen, %v after its fatal error was read",
					row.name, e["after_exit"], e["after_fatal_error"])
			}
			if f.notFound > 0 {
				t.Errorf("%d innocent calls got CONF_TOKEN_NOT_FOUND: the token did not survive the worker", f.notFound)
			}
			if f.failed > innocentConns*deaths {
				t.Errorf("%d innocent calls failed over %d replacement(s) of the worker; at most %d were in flight: %q", f.failed, deaths, innocentConns*deaths, f.errs)
			}
			if r.out.count("unit quarantined", unitField("ver.go")) > 0 {
				t.Errorf("the innocent unit was quarantined")
			}
			// The next call on a fresh connection is served at once.
			c := r.dial()
			if v := versionOf(t, call(t, c, in.tok, client.ReqCall{ID: 9}, nil)); v != 1 {
				t.Fatalf("innocent version %d", v)
			}
		})
	}
}

// TestTokensSurviveTheWorker: a worker killed with SIGKILL is replaced by
// one that answers the tokens APISIX holds, each naming the conf it was
// prepared for, and hands out tokens that clash with none of them.
func TestTokensSurviveTheWorker(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"ver.go": versionScript("ver", 1, "", "")})
	c := r.dial()
	tokA := prepare(t, c, pc("ver", "a"), pc("ver", "a2"))
	tokB := prepare(t, c, pc("ver", "b"))
	pid := logInt(t, r.proc, "go-runner started", "pid")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r.awaitLog(1, "worker serving in place of the one that died")
	c2 := r.dial()
	// No CONF_TOKEN_NOT_FOUND: call (not the retrying client) fails on it.
	for _, tok := range []uint32{tokA, tokB} {
		if v := versionOf(t, call(t, c2, tok, client.ReqCall{ID: 1}, nil)); v != 1 {
			t.Fatalf("token %d: version %d", tok, v)
		}
	}
	// The same key keeps its token in the new worker.
	key := newKey("ext-plugin-pre-req")
	k1, err := c2.Prepare(key, []client.Conf{pc("ver", "k")})
	if err != nil {
		t.Fatal(err)
	}
	if k1 == tokA || k1 == tokB {
		t.Fatalf("new token %d repeats one of the dead worker's (%d, %d)", k1, tokA, tokB)
	}
	pid2 := logInt(t, r.proc, "go-runner started", "pid")
	if pid2 == pid {
		t.Fatal("no new worker")
	}
	if err := syscall.Kill(pid2, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r.awaitLog(2, "worker serving in place of the one that died")
	c3 := r.dial()
	k2, err := c3.Prepare(key, []client.Conf{pc("ver", "k")})
	if err != nil {
		t.Fatal(err)
	}
	if k2 != k1 {
		t.Fatalf("key %s: token %d after the second death, %d before", key, k2, k1)
	}
	for _, tok := range []uint32{tokA, tokB, k1} {
		call(t, c3, tok, client.ReqCall{ID: 2}, nil)
	}
	r.alive()
}

// TestQuarantine: a unit that kills two workers is quarantined (its plugin
// refused as unknown, the innocent one served); SIGHUP lifts it, and so
// does a new version of its file.
func TestQuarantine(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"bomb.go": bombScript(1), "ver.go": versionScript("ver", 1, "", "")},
		"metrics.address=127.0.0.1:0")
	in := startInnocent(t, r.proc, innocentConns)
	in.awaitOK(10)
	kill := func(deaths int) {
		t.Helper()
		for i := r.out.count("worker died"); i < deaths; i = r.out.count("worker died") {
			detonate(t, r.proc, "unlock", 1)
			r.awaitLog(i+1, "worker died")
		}
	}
	kill(2)
	r.awaitLog(1, "unit quarantined", unitField("bomb.go"), "sync: unlock of unlocked mutex", "SIGHUP")
	r.awaitLog(2, "worker serving in place of the one that died")
	c := r.dial()
	if _, err := c.Prepare(newKey("ext-plugin-pre-req"), []client.Conf{pc("bomb", "unlock")}); err == nil {
		t.Fatal("the quarantined plugin was prepared")
	} else {
		wantRPCError(t, err, "prepare of a quarantined plugin")
	}
	in.awaitOK(in.figures().ok + 10)
	wantMetrics(t, r.scrapeMetrics(), `go_runner_unit_quarantined{unit="bomb.go"} 1`, "go_runner_worker_deaths_total 2")
	// The status view says so too.
	units := getStatus(t, metricsHostPort(t, r.out.String())).Units
	if len(units) != 2 {
		t.Errorf("status lists %d units, want bomb.go and ver.go: %+v", len(units), units)
	}
	for _, u := range units {
		if want := map[string]string{"bomb.go": "quarantined", "ver.go": "serving"}[u.Name]; u.State != want || (u.Name == "bomb.go" && (u.Serving || len(u.Files) != 1)) {
			t.Errorf("status of %s: %+v, want %s", u.Name, u, want)
		}
	}

	// SIGHUP lifts it.
	r.signal(syscall.SIGHUP)
	r.awaitLog(1, "quarantine lifted", unitField("bomb.go"))
	c2, tok := r.awaitServed("bomb.go", pc("bomb", "harmless"))
	if got := one(t, call(t, c2, tok, client.ReqCall{ID: 1}, nil).Rewrite.Headers, "X-Bomb"); got != "defused" {
		t.Fatalf("X-Bomb %q", got)
	}

	// Quarantined again; a new version of the file lifts it.
	kill(4)
	r.awaitLog(2, "unit quarantined", unitField("bomb.go"))
	r.write("bomb.go", bombScript(2))
	r.awaitServed("bomb.go", pc("bomb", "harmless"))
	in.stop()
	f := in.figures()
	t.Logf("4 deaths: %d innocent calls ok, %d failed, first success %s after the first failure", f.ok, f.failed, f.recovered.Round(time.Millisecond))
	if r.out.count("unit quarantined", unitField("ver.go")) > 0 {
		t.Errorf("the innocent unit was quarantined")
	}
	if f.notFound > 0 {
		t.Errorf("%d innocent calls got CONF_TOKEN_NOT_FOUND", f.notFound)
	}
}

// TestNoWorkerOutlivesTheSupervisor: SIGKILL of the supervisor ends its
// workers too.
func TestNoWorkerOutlivesTheSupervisor(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"ver.go": versionScript("ver", 1, "", "")}, "log.level=debug")
	sup := r.cmd.Process.Pid
	// The serving worker and the standby.
	r.awaitLog(2, "worker ready")
	kids := children(t, sup)
	if len(kids) < 2 {
		t.Fatalf("the supervisor has %d workers, want the serving one and the standby", len(kids))
	}
	var fds []int
	for _, k := range kids {
		fd, err := unix.PidfdOpen(k, 0)
		if err != nil {
			t.Fatalf("pidfd of worker %d: %v", k, err)
		}
		defer unix.Close(fd)
		fds = append(fds, fd)
	}
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-r.done
	// A pidfd becomes readable when its process exits.
	deadline := time.Now().Add(exitTimeout)
	for i, fd := range fds {
		for {
			left := time.Until(deadline)
			if left <= 0 {
				t.Fatalf("worker %d still running %s after its supervisor was killed", kids[i], exitTimeout)
			}
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(pfd, int(left/time.Millisecond)+1)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				break
			}
		}
	}
}

// TestWorkerByHand: the internal worker command refuses to run without a
// supervisor.
func TestWorkerByHand(t *testing.T) {
	res := opRun(t, shortDir(t), nil, "worker")
	if out := res.stdout + res.stderr; res.code != 2 || !containsAll(out, "internal", "go-runner run") {
		t.Fatalf("go-runner worker by hand: exit %d, output %q; want 2 and a word on run", res.code, out)
	}
}

// fatalInitScript's init ends the process that evaluates it.
const fatalInitScript = `package scripts

import "sync"

var mu sync.Mutex

func init() { mu.Unlock() }
`

// TestFatalInitEdit: an edit whose init is fatal is proved in a throwaway
// process and never reaches the worker: the served version keeps serving,
// and a restart with it on disk starts, without it, instead of looping.
func TestFatalInitEdit(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"bomb.go": bombScript(1), "ver.go": versionScript("ver", 1, "", "")})
	c := r.dial()
	tok := prepare(t, c, pc("bomb", "harmless"))
	r.write("bomb.go", fatalInitScript)
	r.awaitLog(1, "script unit failed to reload", unitField("bomb.go"), "fatal error: sync: unlock of unlocked mutex")
	if got := one(t, call(t, c, tok, client.ReqCall{ID: 1}, nil).Rewrite.Headers, "X-Bomb"); got != "defused" {
		t.Fatalf("X-Bomb %q: the version served before the edit should still serve", got)
	}
	if n := r.out.count("worker died"); n != 0 {
		t.Fatalf("%d worker deaths from an init that was proved aside", n)
	}
	r.stop()

	// The same scripts from the start: no crash loop.
	dir := shortDir(t)
	sock := dir + "/r.sock"
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, "--scripts", r.scripts, "--set", "log.format=json")
	if !p.out.waitCount(readyTimeout, 1, "go-runner started") {
		t.Fatal("no start-up line")
	}
	if !p.out.waitCount(readyTimeout, 1, "script unit failed to load", unitField("bomb.go"), "fatal error: sync: unlock of unlocked mutex") {
		t.Fatal("the fatal init is not reported at start-up")
	}
	c2 := p.dial()
	if v := versionOf(t, call(t, c2, prepare(t, c2, pc("ver", "x")), client.ReqCall{ID: 2}, nil)); v != 1 {
		t.Fatalf("ver version %d", v)
	}
	if n := p.out.count("worker died"); n != 0 {
		t.Fatalf("%d worker deaths at start-up", n)
	}
	p.stop()
}
