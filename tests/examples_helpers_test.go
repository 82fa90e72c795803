package tests

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Helpers of the tests that drive the built go-runner serving the
// repository's example scripts (examples_test.go, apisix_cases_test.go).

// APISIX's ext-plugin phases, as they appear in conf keys.
const (
	phasePreReq   = "ext-plugin-pre-req"
	phasePostReq  = "ext-plugin-post-req"
	phasePostResp = "ext-plugin-post-resp"
)

// copyExampleScripts copies the repository's scripts/*.go, without the
// tests, into dst.
func copyExampleScripts(t testing.TB, dst string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "scripts", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no example scripts found in ../scripts")
	}
}

// startExampleRunner starts `go-runner run` serving a copy of the example
// scripts on a new socket, as APISIX starts it; env adds variables (e.g.
// APISIX_CONF_EXPIRE_TIME=1), args adds flags (e.g. --set ...).
func startExampleRunner(t testing.TB, env []string, args ...string) *proc {
	t.Helper()
	return startExampleRunnerIn(t, shortDir(t), env, args...)
}

// startExampleRunnerIn starts go-runner on dir/r.sock serving dir/scripts,
// which it fills with the example scripts on first use: a second call with
// the same dir restarts the runner on the same socket and scripts.
func startExampleRunnerIn(t testing.TB, dir string, env []string, args ...string) *proc {
	t.Helper()
	path, _ := binPath(t, "go-runner")
	scripts := filepath.Join(dir, "scripts")
	if _, err := os.Stat(scripts); err != nil {
		copyExampleScripts(t, scripts)
	}
	p := &proc{t: t, name: "go-runner", dir: dir, sock: filepath.Join(dir, "r.sock"), out: newLogBuf(), done: make(chan struct{})}
	p.cmd = exec.Command(path, append([]string{"run", "--scripts", scripts}, args...)...)
	p.cmd.Dir = dir
	p.cmd.Env = runnerEnv(append([]string{"APISIX_LISTEN_ADDRESS=unix:" + p.sock}, env...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start go-runner: %v", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if strings.Contains(p.out.String(), "WARNING: DATA RACE") {
			t.Errorf("go-runner reported a data race")
		}
		if t.Failed() {
			t.Logf("go-runner output:\n%s", p.out.String())
		}
	})
	p.waitReady()
	if !p.out.waitCount(readyTimeout, 1, "go-runner started") {
		t.Fatalf("go-runner accepts but never logged its start:\n%s", p.out.String())
	}
	for _, name := range examplePlugins {
		if !strings.Contains(p.out.String(), `"`+name+`"`) {
			t.Fatalf("go-runner does not serve the example plugin %s:\n%s", name, p.out.String())
		}
	}
	return p
}

// examplePlugins are the plugins of the repository's scripts.
var examplePlugins = []string{
	"fault-injection", "limit-req", "request-body-rewrite", "resp-header",
	"response-rewrite", "rewrite", "say", "var-body",
}

// exRoute is a route of phase with a new id: key route#<id>#<phase>#1.
func exRoute(phase string, confs ...client.Conf) *client.Route {
	return &client.Route{Key: client.ConfKey(strconv.FormatInt(routeSeq.Add(1), 10), phase, 1), Conf: confs}
}

// lowerKVs returns kvs with lower-cased names, as they reach the upstream
// or the client (HTTP names are case-insensitive; APISIX lower-cases them).
func lowerKVs(kvs []client.KV) []client.KV {
	out := make([]client.KV, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, client.KV{Name: strings.ToLower(kv.Name), Value: kv.Value, NoValue: kv.NoValue})
	}
	return out
}

// reqOutcome is what APISIX does with a request once it has the runner's
// reply: answer the client itself (Stop) or proxy the request upstream.
type reqOutcome struct {
	Stop bool
	// Stop: the status, headers and body the client gets.
	Status int
	// Headers the client gets (Stop) or the upstream gets.
	Headers []client.KV
	Body    string
	// Path (decoded) and Args the upstream gets.
	Path string
	Args []client.KV
	// RespHeaders are added to the client's response (Rewrite).
	RespHeaders []client.KV
}

// proxied is the outcome of a request APISIX proxies unchanged.
func proxied(rq *client.ReqCall, body string) reqOutcome {
	return reqOutcome{Headers: lowerKVs(rq.Headers), Body: body, Path: rq.Path, Args: slices.Clone(rq.Args)}
}

// stopped is the outcome of a request the runner answered.
func stopped(status int, body string, headers ...client.KV) reqOutcome {
	return reqOutcome{Stop: true, Status: status, Body: body, Headers: headers}
}

// applyReq is what APISIX makes of out for request rq with body: Stop status
// 0 reads as 200 (client.Stop.Status); a Rewrite path replaces the path, its
// headers and args are applied as APISIX applies them (Rewrite.ApplyHeaders,
// ApplyArgs), a non-empty body replaces the body (an empty one cannot be
// expressed), resp_headers but the ignored ones go to the client.
func applyReq(rq *client.ReqCall, body string, out *client.ReqResult) reqOutcome {
	switch out.Action {
	case client.ActionStop:
		return stopped(out.Stop.Status, string(out.Stop.Body), lowerKVs(out.Stop.Headers)...)
	case client.ActionRewrite:
		rw := &out.Rewrite
		o := proxied(rq, body)
		if rw.HasPath {
			o.Path = rw.Path
		}
		o.Headers = rw.ApplyHeaders(rq.Headers)
		o.Args = rw.ApplyArgs(rq.Args)
		if rw.HasBody && len(rw.Body) > 0 {
			o.Body = string(rw.Body)
		}
		for _, kv := range lowerKVs(rw.RespHeaders) {
			if !slices.Contains(client.IgnoredRespHeaders, kv.Name) {
				o.RespHeaders = append(o.RespHeaders, kv)
			}
		}
		return o
	}
	return proxied(rq, body)
}

// diffReq describes how got differs from want, or returns "".
func diffReq(got, want reqOutcome) string {
	var d []string
	if got.Stop != want.Stop {
		d = append(d, fmt.Sprintf("stop %v, want %v", got.Stop, want.Stop))
	}
	if got.Status != want.Status {
		d = append(d, fmt.Sprintf("status %d, want %d", got.Status, want.Status))
	}
	if !sameMultiset(got.Headers, want.Headers) {
		d = append(d, fmt.Sprintf("headers %v, want %v", got.Headers, want.Headers))
	}
	if got.Body != want.Body {
		d = append(d, fmt.Sprintf("body %s, want %s", exClip(got.Body), exClip(want.Body)))
	}
	if got.Path != want.Path {
		d = append(d, fmt.Sprintf("path %q, want %q", got.Path, want.Path))
	}
	if !sameMultiset(got.Args, want.Args) {
		d = append(d, fmt.Sprintf("args %v, want %v", got.Args, want.Args))
	}
	if !sameMultiset(got.RespHeaders, want.RespHeaders) {
		d = append(d, fmt.Sprintf("resp headers %v, want %v", got.RespHeaders, want.RespHeaders))
	}
	return strings.Join(d, "; ")
}

// respOutcome is what the HTTP client gets after an ext-plugin-post-resp call.
type respOutcome struct {
	Status  int
	Headers []client.KV
	Body    string
}

// applyResp is what APISIX makes of out for the upstream response rs with
// body: status 0 keeps the upstream's, the headers are the reply's or the
// upstream's but the ignored ones (RespResult.ClientHeaders), a non-empty
// body replaces the upstream's.
func applyResp(rs *client.RespCall, body string, out *client.RespResult) respOutcome {
	o := respOutcome{Status: rs.Status, Headers: lowerKVs(out.ClientHeaders(rs.Headers)), Body: body}
	if out.Status != 0 {
		o.Status = out.Status
	}
	if out.HasBody && len(out.Body) > 0 {
		o.Body = string(out.Body)
	}
	return o
}

func diffResp(got, want respOutcome) string {
	var d []string
	if got.Status != want.Status {
		d = append(d, fmt.Sprintf("status %d, want %d", got.Status, want.Status))
	}
	if !sameMultiset(got.Headers, want.Headers) {
		d = append(d, fmt.Sprintf("headers %v, want %v", got.Headers, want.Headers))
	}
	if got.Body != want.Body {
		d = append(d, fmt.Sprintf("body %s, want %s", exClip(got.Body), exClip(want.Body)))
	}
	return strings.Join(d, "; ")
}

// exClip quotes s, shortened when long.
func exClip(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q... (%d bytes)", s[:80], len(s))
	}
	return strconv.Quote(s)
}

// heldExtra answers like x, but holds its first answer until release is
// closed: meanwhile the call is in flight, the runner waiting for APISIX.
type heldExtra struct {
	x       client.ExtraProvider
	asked   chan struct{} // closed at the first question
	release chan struct{} // closed by the test
	once    sync.Once
}

func newHeldExtra(x client.ExtraProvider) *heldExtra {
	return &heldExtra{x: x, asked: make(chan struct{}), release: make(chan struct{})}
}

func (h *heldExtra) Answer(req client.ExtraReq) ([]byte, bool, error) {
	h.once.Do(func() {
		close(h.asked)
		select {
		case <-h.release:
		case <-time.After(ioTimeout):
		}
	})
	return h.x.Answer(req)
}

// exMetricsURLRe finds the endpoint in the start-up log line.
var exMetricsURLRe = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/metrics`)

// exMetricsURL returns the URL of p's metrics endpoint (--set
// metrics.address=127.0.0.1:0), from its log.
func exMetricsURL(t testing.TB, p *proc) string {
	t.Helper()
	if !p.out.waitCount(readyTimeout, 1, "metrics endpoint listening") {
		t.Fatalf("no metrics endpoint:\n%s", p.out.String())
	}
	u := exMetricsURLRe.FindString(p.out.String())
	if u == "" {
		t.Fatalf("no metrics URL in the log:\n%s", p.out.String())
	}
	return u
}

// exScrapeClient does not keep connections, so that scraping leaves no
// goroutine behind in the runner.
var exScrapeClient = &http.Client{Timeout: ioTimeout, Transport: &http.Transport{DisableKeepAlives: true}}

// awaitGauges scrapes url until ok holds for the named unlabelled series
// and returns them; it fails after ioTimeout. Gauges have no event to wait
// on, so this polls: e.g. a connection the client closed is let go of by
// the runner a moment later.
func awaitGauges(t testing.TB, url, what string, ok func(g map[string]float64) bool, names ...string) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for {
		g := exGauges(t, url, names...)
		if ok(g) {
			return g
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: gauges %v after %s", what, g, ioTimeout)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronization
	}
}

// exGauges scrapes url and returns the values of the named unlabelled series.
func exGauges(t testing.TB, url string, names ...string) map[string]float64 {
	t.Helper()
	resp, err := exScrapeClient.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %v %s", err, resp.Status)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || !slices.Contains(names, name) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			t.Fatalf("scrape: %q: %v", line, err)
		}
		out[name] = v
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			t.Fatalf("scrape lacks %s:\n%s", n, b)
		}
	}
	return out
}
