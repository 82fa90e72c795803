package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// The operator's surface of the go-runner binary: config.yaml and its
// precedence, logs, the run/check/try/version commands and the metrics
// endpoint.

func writeConfig(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOperatorConfigErrors(t *testing.T) {
	cases := []struct {
		name   string
		config string // ./config.yaml, "" for none
		env    []string
		args   []string
		want   []string // in stderr
	}{
		{name: "unknown key in ./config.yaml", config: "log:\n  levle: debug\n", args: []string{"run"},
			want: []string{"log.levle", "unknown key", "did you mean log.level?"}},
		{name: "value out of range in --config", args: []string{"run", "--config", "other.yaml"},
			want: []string{`plugins.timeout = "90s"`, "other.yaml", "less than 1m0s"}},
		{name: "several errors at once", config: "log:\n  level: loud\n  format: xml\nsocket:\n  mode: 0766\n", args: []string{"run"},
			want: []string{`log.level = "loud"`, "want one of debug, info, warn, error", `log.format = "xml"`, "want one of console, json", "socket.mode", "quoted octal"}},
		{name: "unknown GO_RUNNER variable", env: []string{"GO_RUNNER_PLUGIN_TIMEOUT=1s"}, args: []string{"run"},
			want: []string{"GO_RUNNER_PLUGIN_TIMEOUT", "unknown key", "did you mean GO_RUNNER_PLUGINS_TIMEOUT?"}},
		{name: "bad GO_RUNNER value", env: []string{"GO_RUNNER_SCRIPTS_WATCH=sometimes"}, args: []string{"run"},
			want: []string{"scripts.watch", "GO_RUNNER_SCRIPTS_WATCH", "not true or false"}},
		{name: "bad APISIX_CONF_EXPIRE_TIME", env: []string{"APISIX_CONF_EXPIRE_TIME=-5"}, args: []string{"run"},
			want: []string{"conf.expire_time", "APISIX_CONF_EXPIRE_TIME", "want whole seconds from 1 to"}},
		{name: "bad APISIX_LISTEN_ADDRESS", env: []string{"APISIX_LISTEN_ADDRESS=/tmp/no-scheme.sock"}, args: []string{"run"},
			want: []string{"socket.address", "APISIX_LISTEN_ADDRESS", "want unix:/path/to/socket"}},
		{name: "missing --config file", args: []string{"run", "--config", "absent.yaml"},
			want: []string{"--config absent.yaml", "no such file"}},
		{name: "unknown --set key", args: []string{"run", "--set", "metrics.adress=127.0.0.1:0"},
			want: []string{"metrics.adress", "did you mean metrics.address?"}},
		{name: "metrics off loopback", args: []string{"run", "--set", "metrics.address=0.0.0.0:9091"},
			want: []string{"metrics.address", "loopback"}},
		{name: "bad --log-level", args: []string{"run", "--log-level", "chatty"},
			want: []string{`log.level = "chatty"`, "--log-level"}},
		{name: "missing scripts directory", args: []string{"run", "--scripts", "nowhere"},
			want: []string{"scripts.dir", "nowhere", "--scripts", "no such directory"}},
		{name: "unknown flag", args: []string{"run", "--colour"},
			want: []string{"unknown flag: --colour", "go-runner run --help"}},
		{name: "check reads the same config", config: "plugins:\n  on_unknown: ignore\n", args: []string{"check"},
			want: []string{"plugins.on_unknown", "want one of fail, skip"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := shortDir(t)
			opScripts(t, dir, "scripts", "opsay.go")
			if c.config != "" {
				writeConfig(t, filepath.Join(dir, "config.yaml"), c.config)
			}
			writeConfig(t, filepath.Join(dir, "other.yaml"), "plugins:\n  timeout: 90s\n")
			env := append([]string{"APISIX_LISTEN_ADDRESS=unix:" + filepath.Join(dir, "r.sock")}, c.env...)
			r := opRun(t, dir, env, c.args...)
			if r.code != 2 {
				t.Errorf("exit code %d, want 2", r.code)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q", w)
				}
			}
			if _, err := os.Lstat(filepath.Join(dir, "r.sock")); err == nil {
				t.Errorf("the runner listened despite the error")
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
		})
	}
}

// TestOperatorDefaults runs with no config file at all: the embedded
// defaults, console logs on stdout, one line per entry.
func TestOperatorDefaults(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "scripts", allScripts...)
	sock := filepath.Join(dir, "r.sock")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock})
	if !p.out.waitCount(readyTimeout, 1, "go-runner started") {
		t.Fatal("no start-up line")
	}
	line := ""
	for _, l := range p.out.lines() {
		if strings.Contains(l, "go-runner started") {
			line = l
		}
	}
	for _, w := range []string{" INFO ", `"socket": "unix:` + sock + `"`, `"conf_ttl": "1h12m0s"`, `"config": "none (built-in defaults)"`, `"op-say"`, `"op-rewrite"`, `"op-resp"`} {
		if !strings.Contains(line, w) {
			t.Errorf("start-up line lacks %q: %s", w, line)
		}
	}
	if strings.Contains(p.out.String(), "\x1b[") {
		t.Error("console logs carry colour codes")
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o766 {
		t.Errorf("socket mode %v (%v), want 0766", fi.Mode().Perm(), err)
	}
	p.stop()
}

// TestOperatorPrecedence: flags > APISIX variables > GO_RUNNER_* > file.
func TestOperatorPrecedence(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "scripts", "opsay.go")
	fileSock := filepath.Join(dir, "file.sock")
	apisixSock := filepath.Join(dir, "apisix.sock")
	flagSock := filepath.Join(dir, "flag.sock")
	writeConfig(t, filepath.Join(dir, "config.yaml"), fmt.Sprintf(`socket:
  address: unix:%s
  mode: "0700"
conf:
  ttl_factor: 1.5
log:
  level: error
  format: console
`, fileSock))

	t.Run("env over file, APISIX over file, flag over env", func(t *testing.T) {
		env := []string{
			"APISIX_LISTEN_ADDRESS=unix:" + apisixSock, "APISIX_CONF_EXPIRE_TIME=10",
			"GO_RUNNER_LOG_FORMAT=json", "GO_RUNNER_LOG_LEVEL=warn",
			"GO_RUNNER_SOCKET_ADDRESS=unix:" + filepath.Join(dir, "env.sock"),
		}
		p := opStart(t, dir, apisixSock, env, "--log-level", "info")
		if !p.out.waitCount(readyTimeout, 1, "go-runner started") {
			t.Fatal("no start-up line: --log-level info should win over GO_RUNNER_LOG_LEVEL and the file")
		}
		e := findEntry(jsonLines(p.out.String()), "go-runner started")
		if e == nil {
			t.Fatal("the start-up line is not JSON: GO_RUNNER_LOG_FORMAT should win over the file")
		}
		if e["level"] != "info" || e["socket"] != "unix:"+apisixSock || e["conf_ttl"] != "15s" {
			t.Errorf("start-up entry %v: want level info, the APISIX socket, conf_ttl 15s (10 s x 1.5 from the file)", e)
		}
		if fi, err := os.Stat(apisixSock); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("socket mode from the file: %v (%v), want 0700", fi.Mode().Perm(), err)
		}
		for _, s := range []string{fileSock, filepath.Join(dir, "env.sock")} {
			if _, err := os.Lstat(s); err == nil {
				t.Errorf("%s exists: APISIX_LISTEN_ADDRESS should win", s)
			}
		}
		p.stop()
	})

	t.Run("flag over APISIX", func(t *testing.T) {
		env := []string{"APISIX_LISTEN_ADDRESS=unix:" + apisixSock, "GO_RUNNER_LOG_LEVEL=info"}
		p := opStart(t, dir, flagSock, env, "--set", "socket.address=unix:"+flagSock, "--set", "log.format=json")
		if _, err := os.Lstat(apisixSock); err == nil {
			t.Errorf("%s exists: --set socket.address should win", apisixSock)
		}
		if !p.out.waitCount(readyTimeout, 1, "go-runner started") {
			t.Fatal("no start-up line: GO_RUNNER_LOG_LEVEL=info should win over the file's error")
		}
		if e := findEntry(jsonLines(p.out.String()), "go-runner started"); e == nil || e["socket"] != "unix:"+flagSock {
			t.Errorf("start-up entry %v", e)
		}
		p.stop()
	})
}

// TestOperatorLiveLogLevel edits config.yaml under a running runner.
func TestOperatorLiveLogLevel(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "scripts", "opsay.go")
	sock := filepath.Join(dir, "r.sock")
	cfg := filepath.Join(dir, "config.yaml")
	writeConfig(t, cfg, "log:\n  level: info\n")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock})
	c := p.dial()

	// An unknown token is logged at debug only.
	unknownToken := func() {
		t.Helper()
		var out client.ReqResult
		err := c.ReqCall(&client.ReqCall{ID: 1, ConfToken: 424242}, nil, &out)
		wantRPCError(t, err, "unknown token")
	}
	unknownToken()
	if !p.out.waitCount(readyTimeout, 1, "go-runner started") {
		t.Fatal("no start-up line")
	}
	if n := p.out.count("conf token not found"); n != 0 {
		t.Fatalf("debug line logged at info level")
	}

	writeConfig(t, cfg, "log:\n  level: debug\n")
	if !p.out.waitCount(readyTimeout, 1, "log level changed", `"to": "debug"`) {
		t.Fatal("no log of the level change after editing config.yaml")
	}
	unknownToken()
	if !p.out.waitCount(readyTimeout, 1, "conf token not found") {
		t.Fatal("no debug line after the level changed to debug")
	}

	// A setting that cannot change live says so, and the level stays.
	writeConfig(t, cfg, "log:\n  level: debug\nplugins:\n  timeout: 2s\n")
	if !p.out.waitCount(readyTimeout, 1, "applies when the runner restarts", `"key": "plugins.timeout"`) {
		t.Fatal("no log that plugins.timeout applies on restart")
	}
	// An invalid edit is refused and logged; the runner goes on.
	writeConfig(t, cfg, "log:\n  level: shouting\n")
	if !p.out.waitCount(readyTimeout, 1, "config file edit ignored", "log.level") {
		t.Fatal("no log of the refused edit")
	}
	writeConfig(t, cfg, "log:\n  level: warn\n")
	if !p.out.waitCount(readyTimeout, 1, "log level changed", `"to": "warn"`) {
		t.Fatal("no log of the change to warn")
	}
	before := p.out.count("conf token not found")
	unknownToken()
	sayWorksOp(t, c)
	if n := p.out.count("conf token not found"); n != before {
		t.Fatalf("debug line logged at warn level")
	}
	p.stop()
}

// sayWorksOp checks that c is served by op-say.
func sayWorksOp(t testing.TB, c *client.Conn) {
	t.Helper()
	tok := prepare(t, c, pc("op-say", map[string]any{"body": "alive"}))
	out := call(t, c, tok, client.ReqCall{ID: 77, Path: "/alive"}, nil)
	if out.Action != client.ActionStop || string(out.Stop.Body) != "alive" {
		t.Fatalf("op-say answered %+v", out)
	}
}

// diagLine is a check diagnostic: path:line:col: message.
var diagLine = regexp.MustCompile(`^(\S+\.go):(\d+):(\d+): (.+)$`)

func TestOperatorCheck(t *testing.T) {
	t.Run("all load", func(t *testing.T) {
		dir := shortDir(t)
		opScripts(t, dir, "scripts", allScripts...)
		r := opRun(t, dir, nil, "check")
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("exit %d, stdout %q, want 0 and nothing\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "3 unit(s) loaded") || !strings.Contains(r.stderr, "op-say") {
			t.Errorf("summary: %s", r.stderr)
		}
	})
	t.Run("a unit fails", func(t *testing.T) {
		dir := shortDir(t)
		opScripts(t, dir, "scripts", allScripts...)
		opScripts(t, dir, "broken", "opbroken.go")
		r := opRun(t, dir, nil, "check", "scripts")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		m := diagLine.FindStringSubmatch(lines[0])
		if m == nil {
			t.Fatalf("diagnostic %q is not file:line:col: message\nstdout:\n%s", lines[0], r.stdout)
		}
		if m[1] != filepath.Join("scripts", "opbroken.go") || m[2] != "9" || m[3] != "2" || !strings.Contains(m[4], "undefinedThing") {
			t.Errorf("diagnostic %q: want scripts/opbroken.go:9:2 naming undefinedThing", lines[0])
		}
		if !strings.Contains(r.stderr, "1 unit(s) failed to load, 3 loaded") {
			t.Errorf("summary: %s", r.stderr)
		}
	})
	t.Run("a unit's init is fatal", func(t *testing.T) {
		// Each unit is proved in a probe process first: a fatal error
		// (not recoverable) ends that process, not check.
		dir := shortDir(t)
		opScripts(t, dir, "scripts", "opsay.go")
		opScripts(t, dir, "crash", "opunlock.go")
		r := opRun(t, dir, nil, "check", "scripts")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		want := filepath.Join("scripts", "opunlock.go") + ": probe process crashed: fatal error: sync: unlock of unlocked mutex"
		if got := strings.TrimSpace(r.stdout); got != want {
			t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
		}
		if !strings.Contains(r.stderr, "1 unit(s) failed to load, 1 loaded: opsay.go; plugins: op-say") {
			t.Errorf("summary: %s", r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, "goroutine ") {
			t.Errorf("a Go trace was printed:\n%s%s", r.stdout, r.stderr)
		}
	})
	t.Run("directory argument wins over the config", func(t *testing.T) {
		dir := shortDir(t)
		opScripts(t, dir, "broken", "opbroken.go")
		good := opCopy(t, filepath.Join(dir, "good"), "scripts", "opsay.go")
		writeConfig(t, filepath.Join(dir, "config.yaml"), "scripts:\n  dir: scripts\n")
		if r := opRun(t, dir, nil, "check"); r.code != 1 {
			t.Errorf("check with the config's broken dir: exit %d, want 1", r.code)
		}
		if r := opRun(t, dir, nil, "check", good); r.code != 0 {
			t.Errorf("check %s: exit %d, want 0\n%s%s", good, r.code, r.stdout, r.stderr)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		dir := shortDir(t)
		r := opRun(t, dir, nil, "check", "absent")
		if r.code == 0 || !strings.Contains(r.stderr, "absent") {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// TestOperatorProbeByHand: the hidden probe command, started without a
// request (stdin is /dev/null here), says so and exits 2.
func TestOperatorProbeByHand(t *testing.T) {
	r := opRun(t, shortDir(t), nil, "probe")
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "not a probe request on stdin") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 2, nothing, the refusal", r.code, r.stdout, r.stderr)
	}
}

// tryJSON runs go-runner try and decodes its output.
func tryJSON(t *testing.T, dir string, wantCode int, args ...string) map[string]any {
	t.Helper()
	r := opRun(t, dir, nil, append([]string{"try"}, args...)...)
	if r.code != wantCode {
		t.Fatalf("try exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, wantCode, r.stdout, r.stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("try output is not JSON: %v\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return out
}

// jsonPath walks a decoded JSON value: keys for objects, indexes for lists.
func jsonPath(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", v, k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no element %d", v, k)
			}
			v = l[k]
		}
	}
	return v
}

// kvList turns a JSON list of {name, value[, delete]} into name=value
// strings ("-name" for a deletion, "name" without a value).
func kvList(t *testing.T, v any) []string {
	t.Helper()
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		m := e.(map[string]any)
		switch {
		case m["delete"] == true:
			out = append(out, "-"+m["name"].(string))
		case m["value"] == nil:
			out = append(out, m["name"].(string))
		default:
			out = append(out, m["name"].(string)+"="+m["value"].(string))
		}
	}
	return out
}

func TestOperatorTry(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "scripts", allScripts...)

	t.Run("stop", func(t *testing.T) {
		out := tryJSON(t, dir, 0, "--conf", `[{"name":"op-say","value":"{\"status\":403,\"body\":\"go away\"}"}]`, "--path", "/admin")
		if out["phase"] != "request" || out["action"] != "stop" {
			t.Fatalf("%v", out)
		}
		if jsonPath(t, out, "stop", "status") != 403.0 || jsonPath(t, out, "stop", "body") != "go away" {
			t.Errorf("stop %v", out["stop"])
		}
		got := strings.Join(kvList(t, jsonPath(t, out, "stop", "headers")), " ")
		for _, w := range []string{"x-op=say", "x-op-multi=a", "x-op-multi=b"} {
			if !strings.Contains(got, w) {
				t.Errorf("stop headers %q lack %q", got, w)
			}
		}
	})
	t.Run("stop with the default status", func(t *testing.T) {
		out := tryJSON(t, dir, 0, "--conf", `[{"name":"op-say","value":{"body":"hi"}}]`)
		if jsonPath(t, out, "stop", "status") != 200.0 {
			t.Errorf("status %v, want 200 (0 on the wire)", jsonPath(t, out, "stop", "status"))
		}
	})
	t.Run("rewrite", func(t *testing.T) {
		out := tryJSON(t, dir, 0, "--conf", `[{"name":"op-rewrite","value":"{}"}]`,
			"--method", "POST", "--path", "/items", "--header", "X-Drop: 1", "--header", "x-keep=2",
			"--arg", "debug", "--arg", "q=go", "--var", "route_id=42")
		if out["action"] != "rewrite" {
			t.Fatalf("%v", out)
		}
		if jsonPath(t, out, "rewrite", "path") != "/v2/items" {
			t.Errorf("path %v", jsonPath(t, out, "rewrite", "path"))
		}
		if got := strings.Join(kvList(t, jsonPath(t, out, "rewrite", "headers")), " "); !strings.Contains(got, "x-route=42") || !strings.Contains(got, "-x-drop") {
			t.Errorf("rewrite headers %q: want x-route=42 and x-drop deleted", got)
		}
		if got := strings.Join(kvList(t, jsonPath(t, out, "upstream", "args")), " "); got != "q=go page=2" {
			t.Errorf("upstream args %q, want %q", got, "q=go page=2")
		}
		if got := strings.Join(kvList(t, jsonPath(t, out, "upstream", "headers")), " "); got != "x-keep=2 x-route=42" {
			t.Errorf("upstream headers %q", got)
		}
		if jsonPath(t, out, "extra_info", "var") != 1.0 {
			t.Errorf("extra info %v, want one var round trip", out["extra_info"])
		}
	})
	t.Run("response phase", func(t *testing.T) {
		out := tryJSON(t, dir, 0, "--phase", "response", "--conf", `[{"name":"op-resp","value":"{}"}]`,
			"--status", "502", "--resp-header", "content-type: text/plain", "--resp-header", "server=up", "--resp-body", "oops")
		if out["phase"] != "response" || out["action"] != "response" {
			t.Fatalf("%v", out)
		}
		if jsonPath(t, out, "response", "status") != 203.0 || jsonPath(t, out, "response", "body") != "wrapped(oops)" {
			t.Errorf("response %v", out["response"])
		}
		if got := strings.Join(kvList(t, jsonPath(t, out, "client", "headers")), " "); !strings.Contains(got, "x-upstream-status=502") {
			t.Errorf("client headers %q lack x-upstream-status=502", got)
		}
		if jsonPath(t, out, "client", "status") != 203.0 || jsonPath(t, out, "extra_info", "response_body") != 1.0 {
			t.Errorf("client %v, extra info %v", out["client"], out["extra_info"])
		}
	})
	t.Run("error reply", func(t *testing.T) {
		out := tryJSON(t, dir, 1, "--conf", `[{"name":"no-such-plugin","value":"{}"}]`)
		if out["action"] != "error" || jsonPath(t, out, "error", "code") != "BAD_REQUEST" {
			t.Fatalf("%v", out)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{},                             // no --conf
			{"--conf", "{}"},               // not a list
			{"--conf", `[{"value":"{}"}]`}, // no name
			{"--conf", `[{"name":"op-say"}]`, "--method", "BREW"},
			{"--conf", `[{"name":"op-say"}]`, "--header", "novalue"},
			{"--conf", `[{"name":"op-say"}]`, "--phase", "both"},
		} {
			r := opRun(t, dir, nil, append([]string{"try"}, args...)...)
			if r.code != 2 || r.stdout != "" {
				t.Errorf("try %q: exit %d, stdout %q; want 2 and nothing", args, r.code, r.stdout)
			}
		}
	})
}

// TestOperatorMetrics scrapes the metrics endpoint of a runner that served
// calls.
func TestOperatorMetrics(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "scripts", allScripts...)
	opScripts(t, dir, "broken", "opbroken.go")
	sock := filepath.Join(dir, "r.sock")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock},
		"--set", "metrics.address=127.0.0.1:0", "--set", "log.format=json")
	if !p.out.waitCount(readyTimeout, 1, "metrics endpoint listening") {
		t.Fatal("no metrics endpoint")
	}
	e := findEntry(jsonLines(p.out.String()), "metrics endpoint listening")
	url, _ := e["url"].(string)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("metrics url %q", url)
	}

	c := p.dial()
	tok := prepare(t, c, pc("op-say", map[string]any{"body": "hi"}))
	for i := range 3 {
		call(t, c, tok, client.ReqCall{ID: uint32(i)}, nil)
	}
	rtok := prepare(t, c, pc("op-rewrite", nil))
	call(t, c, rtok, client.ReqCall{ID: 9, Path: "/x"}, &client.Extra{Vars: map[string]string{"route_id": "1"}})
	var out client.ReqResult
	wantRPCError(t, c.ReqCall(&client.ReqCall{ID: 10, ConfToken: 99}, nil, &out), "unknown token")

	// The runner lets go of the connection that probed its socket at
	// start a moment after the probe closed it.
	awaitGauges(t, url, "one connection open", func(g map[string]float64) bool { return g["go_runner_open_connections"] == 1 },
		"go_runner_open_connections")
	hc := &http.Client{Timeout: ioTimeout}
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %v %s", err, resp.Status)
	}
	s := string(body)
	for _, w := range []string{
		`go_runner_plugin_calls_total{phase="request",plugin="op-say"} 3`,
		`go_runner_plugin_calls_total{phase="parse_conf",plugin="op-say"} 1`,
		`go_runner_plugin_calls_total{phase="request",plugin="op-rewrite"} 1`,
		`go_runner_plugin_panics_total{phase="request",plugin="op-say"} 0`,
		`go_runner_plugin_call_duration_seconds_count{phase="request",plugin="op-say"} 3`,
		`go_runner_extra_info_round_trips_total 1`,
		`go_runner_conf_entries 2`,
		`go_runner_open_connections 1`,
		`go_runner_frame_errors_total{reason="token_not_found"} 1`,
		`go_runner_unit_load_failures_total{unit=`,
		`go_runner_unit_loads_total{unit=`,
	} {
		if !strings.Contains(s, w) {
			t.Errorf("scrape lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", s)
	}
	p.stop()
}

func TestOperatorMetricsOffByDefault(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "scripts", "opsay.go")
	sock := filepath.Join(dir, "r.sock")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock})
	if !p.out.waitCount(readyTimeout, 1, "go-runner started") {
		t.Fatal("no start-up line")
	}
	if p.out.count("metrics endpoint") != 0 {
		t.Error("a metrics endpoint was started without metrics.address")
	}
	p.stop()
}

func TestOperatorVersion(t *testing.T) {
	r := opRun(t, shortDir(t), nil, "version")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, w := range []string{"go-runner dev\n", "commit: ", "go:     " + runtime.Version() + "\n", "yaegi:  v0.16.1\n"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("version output lacks %q:\n%s", w, r.stdout)
		}
	}

	// -ldflags -X sets the version and commit.
	bin := filepath.Join(shortDir(t), "go-runner-versioned")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if err := goBuildFlags(root, bin, ".", "-ldflags", "-X main.version=v9.8.7 -X main.commit=0123abc"); err != nil {
		t.Fatal(err)
	}
	r = opRunBin(t, bin, shortDir(t), nil, "version")
	if !strings.Contains(r.stdout, "go-runner v9.8.7\n") || !strings.Contains(r.stdout, "commit: 0123abc\n") {
		t.Errorf("versioned build:\n%s", r.stdout)
	}
}

// TestOperatorScriptOutputIsLogged: what a script prints and logs goes
// through the logger, tagged with its unit.
func TestOperatorScriptOutputIsLogged(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "scripts", "opsay.go")
	sock := filepath.Join(dir, "r.sock")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, "--set", "log.format=json")
	c := p.dial()
	tok := prepare(t, c, pc("op-say", map[string]any{"body": "x"}))
	call(t, c, tok, client.ReqCall{ID: 1, Path: "/printed"}, nil)
	if !p.out.waitCount(readyTimeout, 1, "op-say answering /printed") || !p.out.waitCount(readyTimeout, 1, "op-say warned /printed") {
		t.Fatal("the script's fmt.Println or pluginlog.Warnf never reached the log")
	}
	var printed, logged map[string]any
	for _, e := range jsonLines(p.out.String()) {
		if line, _ := e["line"].(string); strings.Contains(line, "op-say answering /printed") {
			printed = e
		}
		if msg, _ := e["msg"].(string); strings.Contains(msg, "op-say warned /printed") {
			logged = e
		}
	}
	if printed == nil || printed["unit"] != "opsay.go" || printed["level"] != "info" {
		t.Errorf("fmt.Println output: entry %v, want a JSON entry with unit opsay.go", printed)
	}
	if logged == nil || logged["unit"] != "opsay.go" || logged["level"] != "warn" {
		t.Errorf("pluginlog.Warnf: entry %v, want a warn entry with unit opsay.go", logged)
	}
	p.stop()
}

// TestOperatorSIGTERMWithStuckPlugin: a plugin blocked in compiled code
// (which no deadline interrupts) does not keep the runner from exiting
// once its shutdown grace is over.
func TestOperatorSIGTERMWithStuckPlugin(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "sleep", "opsleep.go")
	sock := filepath.Join(dir, "r.sock")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, "--set", "plugins.timeout=30s")
	c := p.dial()
	tok := prepare(t, c, pc("op-sleep", nil))
	go func() {
		var out client.ReqResult
		_ = c.ReqCall(&client.ReqCall{ID: 1, ConfToken: tok}, nil, &out)
	}()
	if !p.out.waitCount(readyTimeout, 1, "op-sleep sleeping") {
		t.Fatal("the call never reached the plugin")
	}
	took := p.stopStuck(30 * time.Second) // op-sleep's sleep
	t.Logf("exited %s after SIGTERM with a plugin asleep for 30 s (grace 800 ms + 100 ms)", took.Round(time.Millisecond))
	if !p.out.waitCount(readyTimeout, 1, "still running") {
		t.Error("no log of the calls left running")
	}
}
