package tests

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Helpers of the reload and runaway tests (reload_test.go): they run the
// built go-runner on scripts they write, with JSON logs to wait on.

// reloadBound caps every wait for a reload, a log line or a call; none is
// a speed requirement.
const reloadBound = 15 * time.Second

// versionScript is a unit registering plugin name whose request filter
// sets X-Version: version. Its ParseConf refuses the conf rejects (none
// when empty). extra is appended (a broken edit).
func versionScript(name string, version int, rejects, extra string) string {
	return fmt.Sprintf(`package scripts

import (
	"errors"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

const version = "%d"

func init() {
	if err := plugin.RegisterPlugin(&Versioned{}); err != nil {
		panic(err)
	}
}

type Versioned struct{ plugin.DefaultPlugin }

func (*Versioned) Name() string { return %q }

func (*Versioned) ParseConf(in []byte) (interface{}, error) {
	if rejects := %q; rejects != "" && string(in) == rejects {
		return nil, errors.New("version " + version + " refuses the conf " + rejects)
	}
	return string(in), nil
}

func (*Versioned) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	r.Header().Set("X-Version", version)
}
%s`, version, name, rejects, extra)
}

// reloadRunner is a go-runner serving a scripts directory of the test's.
type reloadRunner struct {
	*proc
	scripts string
}

// startReloadRunner writes files into a new scripts directory and starts
// go-runner on it with JSON logs and the --set settings given.
func startReloadRunner(t *testing.T, files map[string]string, sets ...string) *reloadRunner {
	t.Helper()
	dir := shortDir(t)
	scripts := filepath.Join(dir, "scripts")
	if err := os.MkdirAll(scripts, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &reloadRunner{scripts: scripts}
	for name, src := range files {
		r.writeIn(t, name, src)
	}
	sock := filepath.Join(dir, "r.sock")
	args := []string{"--scripts", scripts, "--set", "log.format=json"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	r.proc = opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, args...)
	if !r.out.waitCount(readyTimeout, 1, "go-runner started") {
		t.Fatal("no start-up line")
	}
	return r
}

// write saves a script as editors do: a temporary file renamed over it.
// name may be in a folder ("lib/ver/ver.go"), made when missing.
func (r *reloadRunner) write(name, src string) { r.writeIn(r.t, name, src) }

func (r *reloadRunner) writeIn(t testing.TB, name, src string) {
	t.Helper()
	p := filepath.Join(r.scripts, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(p), ".tmp-"+filepath.Base(p))
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
}

// unitField is how a JSON log line names a unit.
func unitField(unit string) string { return `"unit":"` + unit + `"` }

// awaitLog waits until n lines hold every one of subs.
func (r *reloadRunner) awaitLog(n int, subs ...string) {
	r.t.Helper()
	if !r.out.waitCount(reloadBound, n, subs...) {
		r.t.Fatalf("no %d lines with %q within %s (have %d)", n, subs, reloadBound, r.out.count(subs...))
	}
}

// versionOf returns the X-Version a request call got.
func versionOf(t testing.TB, out *client.ReqResult) int {
	t.Helper()
	if out.Action != client.ActionRewrite {
		t.Fatalf("action %v, want a rewrite", out.Action)
	}
	v, err := strconv.Atoi(one(t, out.Rewrite.Headers, "X-Version"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// cpuTicks returns the user and system time pid has used, in clock ticks
// (/proc/<pid>/stat fields 14 and 15).
func cpuTicks(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	rest := s[strings.LastIndexByte(s, ')')+2:]
	f := strings.Fields(rest) // f[0] is field 3
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	return utime + stime
}

// clockTicks is USER_HZ, 100 on Linux.
const clockTicks = 100

// spinScript's plugin "spin" runs away on the conf "spin" (a loop) and
// "block" (a receive that never completes), reports its call's deadline
// on "deadline", and answers X-Spin: ok otherwise.
const spinScript = `package scripts

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

var never = make(chan int)

func init() {
	if err := plugin.RegisterPlugin(&Spin{}); err != nil {
		panic(err)
	}
}

type Spin struct{ plugin.DefaultPlugin }

func (*Spin) Name() string                             { return "spin" }
func (*Spin) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Spin) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	switch conf.(string) {
	case "spin":
		fmt.Println("spin: spinning")
		for {
		}
	case "block":
		fmt.Println("spin: blocking")
		<-never
	case "deadline":
		if d, ok := r.Context().Deadline(); ok {
			r.Header().Set("X-Deadline-In", strconv.FormatInt(int64(time.Until(d)/time.Millisecond), 10))
		}
	}
	r.Header().Set("X-Spin", "ok")
}
`

// panickyScript's plugin "panicky" panics in ParseConf on the conf "panic"
// and in its filter on "boom"; it answers X-Panicky: calm otherwise.
const panickyScript = `package scripts

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Panicky{}); err != nil {
		panic(err)
	}
}

type Panicky struct{ plugin.DefaultPlugin }

func (*Panicky) Name() string { return "panicky" }

func (*Panicky) ParseConf(in []byte) (interface{}, error) {
	if string(in) == "panic" {
		panic("panicky: parse panic")
	}
	return string(in), nil
}

func (*Panicky) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	if conf.(string) == "boom" {
		panic("panicky: filter panic")
	}
	r.Header().Set("X-Panicky", "calm")
}
`

// initPanicScript panics while it loads.
const initPanicScript = `package scripts

func init() { panic("initpanic: cannot start") }
`

// scrapeMetrics returns one scrape of the metrics endpoint of a runner
// started with metrics.address=127.0.0.1:0.
func (r *reloadRunner) scrapeMetrics() string {
	r.t.Helper()
	e := findEntry(jsonLines(r.out.String()), "metrics endpoint listening")
	url, _ := e["url"].(string)
	if url == "" {
		r.t.Fatal("no metrics endpoint in the log")
	}
	hc := &http.Client{Timeout: ioTimeout}
	resp, err := hc.Get(url)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		r.t.Fatalf("scrape: %v %s", err, resp.Status)
	}
	return string(body)
}

// wantMetrics checks that a scrape holds each of the lines want.
func wantMetrics(t testing.TB, scrape string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(scrape, w+"\n") {
			t.Errorf("metrics lack %q", w)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", scrape)
	}
}

// metricValue returns the value of the series named (with its labels) in
// a scrape.
func metricValue(t testing.TB, scrape, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(scrape, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	t.Fatalf("no series %s", series)
	return 0
}
