package tests

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Helpers of the supervisor tests (supervisor_test.go): scripts that kill
// the process running them, and innocent traffic beside them.

// bombScript's plugin "bomb" ends the process running it in the way its
// conf names; version makes a new content for the same behaviour.
func bombScript(version int) string {
	return fmt.Sprintf(`package scripts

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

const bombVersion = %d

var hits = map[string]int{}

var mu sync.Mutex

var keep [][]byte

func init() {
	if err := plugin.RegisterPlugin(&Bomb{}); err != nil {
		panic(err)
	}
}

type Bomb struct{ plugin.DefaultPlugin }

func (*Bomb) Name() string { return "bomb" }

func (*Bomb) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func deeper(n int) int { return deeper(n+1) + 1 }

func (*Bomb) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	switch conf.(string) {
	case "mapwrites":
		for i := 0; i < 100000; i++ {
			hits[strconv.Itoa(i%%64)]++
		}
	case "unlock":
		mu.Unlock()
	case "oom":
		b := make([]byte, 1<<40)
		b[0] = 1
	case "recurse":
		deeper(0)
	case "sleep":
		time.Sleep(time.Hour)
	case "grow":
		var s []byte
		for i := 0; i < 1<<16; i++ {
			s = append(s, make([]byte, 1<<20)...)
		}
		keep = append(keep, s)
	}
	r.Header().Set("X-Bomb", "defused")
}
`, version)
}

// innocent is traffic to the plugin "ver" on conns connections, each
// redialing after a failure, until stop.
type innocent struct {
	t       testing.TB
	p       *proc
	tok     uint32
	stopped chan struct{}
	wg      sync.WaitGroup

	mu        sync.Mutex
	ok        int
	failed    int
	notFound  int           // CONF_TOKEN_NOT_FOUND answers
	errs      []string      // the first failures, with when they happened
	firstFail time.Time     // the first failure
	recovered time.Duration // from firstFail to the next success
	okCount   chan struct{} // signalled at each success
}

// startInnocent prepares the plugin "ver" and calls it on conns connections.
func startInnocent(t testing.TB, p *proc, conns int) *innocent {
	t.Helper()
	c := p.dial()
	in := &innocent{t: t, p: p, tok: prepare(t, c, pc("ver", "innocent")), stopped: make(chan struct{}),
		okCount: make(chan struct{}, 1)}
	for range conns {
		in.wg.Add(1)
		go in.loop()
	}
	t.Cleanup(in.stop)
	return in
}

// maxInnocentCalls bounds each connection's calls.
const maxInnocentCalls = 200000

func (in *innocent) loop() {
	defer in.wg.Done()
	var conn *client.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for i := 0; i < maxInnocentCalls; i++ {
		select {
		case <-in.stopped:
			return
		default:
		}
		if conn == nil {
			c, err := client.Dial(in.p.options())
			if err != nil {
				in.fail(err)
				if in.p.exited() {
					return
				}
				continue
			}
			conn = c
		}
		var out client.ReqResult
		err := conn.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: in.tok}, nil, &out)
		if err == nil && out.Action == client.ActionRewrite && client.Values(out.Rewrite.Headers, "X-Version")[0] == "1" {
			in.succeed()
			continue
		}
		if err == nil {
			err = fmt.Errorf("unexpected reply %+v", out)
		}
		in.fail(err)
		conn.Close()
		conn = nil
	}
}

func (in *innocent) fail(err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.failed++
	if len(in.errs) < 10 {
		in.errs = append(in.errs, time.Now().Format("15:04:05.000")+" "+err.Error())
	}
	if errors.Is(err, client.ErrTokenNotFound) {
		in.notFound++
	}
	if in.firstFail.IsZero() {
		in.firstFail = time.Now()
	}
}

func (in *innocent) succeed() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.ok++
	if !in.firstFail.IsZero() && in.recovered == 0 {
		in.recovered = time.Since(in.firstFail)
	}
	select {
	case in.okCount <- struct{}{}:
	default:
	}
}

// awaitOK waits until n calls succeeded.
func (in *innocent) awaitOK(n int) {
	in.t.Helper()
	deadline := time.NewTimer(reloadBound)
	defer deadline.Stop()
	for {
		in.mu.Lock()
		ok := in.ok
		in.mu.Unlock()
		if ok >= n {
			return
		}
		select {
		case <-in.okCount:
		case <-deadline.C:
			in.t.Fatalf("innocent calls: %d succeeded within %s, want %d", ok, reloadBound, n)
		}
	}
}

func (in *innocent) stop() {
	select {
	case <-in.stopped:
	default:
		close(in.stopped)
	}
	in.wg.Wait()
}

type innocentFigures struct {
	ok, failed, notFound int
	recovered            time.Duration
	errs                 []string
}

func (in *innocent) figures() innocentFigures {
	in.mu.Lock()
	defer in.mu.Unlock()
	return innocentFigures{in.ok, in.failed, in.notFound, in.recovered, append([]string(nil), in.errs...)}
}

// detonate calls the bomb with conf mode on conns connections until each
// call fails (the worker died under it), bounded.
func detonate(t testing.TB, p *proc, mode string, conns int) {
	t.Helper()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := client.Dial(p.options())
			if err != nil {
				return
			}
			defer c.Close()
			tok, err := c.Prepare(newKey("ext-plugin-pre-req"), []client.Conf{pc("bomb", mode)})
			if err != nil {
				return
			}
			for i := 0; i < 1000; i++ {
				var out client.ReqResult
				if err := c.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: tok}, nil, &out); err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// logInt reads an integer field of the last JSON log line with msg.
func logInt(t testing.TB, p *proc, msg, field string) int {
	t.Helper()
	var e map[string]any
	for _, l := range jsonLines(p.out.String()) {
		if l["msg"] == msg {
			e = l
		}
	}
	if e == nil {
		t.Fatalf("no log line %q", msg)
	}
	v, ok := e[field].(float64)
	if !ok {
		t.Fatalf("log line %q has no number %q: %v", msg, field, e)
	}
	return int(v)
}

// children are the pids whose parent is pid.
func children(t testing.TB, pid int) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if parentOf(n) == pid {
			out = append(out, n)
		}
	}
	return out
}

// parentOf is pid's parent pid, 0 when pid is gone.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 2 || f[0] == "Z" {
		return 0 // a zombie has exited
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// awaitServed prepares confs on a new connection once the serving worker
// serves unit, and returns the connection and the token. Every worker, the
// standby too, logs that it added or reloaded the unit, in no known order,
// and a worker that starts serving with the unit already on disk logs only
// that it started; so a refused prepare is tried again after the next such
// line. A worker logs them once it serves the unit, so the serving
// worker's line, when a prepare was refused, is still to come.
func (r *reloadRunner) awaitServed(unit string, confs ...client.Conf) (*client.Conn, uint32) {
	r.t.Helper()
	const tries = 6 // serving and standby workers, each adding, reloading or starting
	for range tries {
		seen := r.servedLines(unit)
		c := r.dial()
		tok, err := c.Prepare(newKey("ext-plugin-pre-req"), confs)
		if err == nil {
			return c, tok
		}
		wantRPCError(r.t, err, "prepare of "+unit) // an unknown plugin, not a broken connection
		if !r.out.waitUntil(reloadBound, func() bool { return r.servedLines(unit) > seen }) {
			r.t.Fatalf("prepare of %s refused, and no worker added, reloaded it or started within %s", unit, reloadBound)
		}
	}
	r.t.Fatalf("prepare of %s refused %d times", unit, tries)
	return nil, 0
}

// servedLines counts the lines after which a worker may serve unit anew:
// it added it, reloaded it, or started serving.
func (r *reloadRunner) servedLines(unit string) int {
	return r.out.count("script unit added", unitField(unit)) + r.out.count("script unit reloaded", unitField(unit)) +
		r.out.count("go-runner started")
}
