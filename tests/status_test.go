package tests

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// statusDoc is the part of GET /status the tests read.
type statusDoc struct {
	PID        int    `json:"pid"`
	Supervised bool   `json:"supervised"`
	ScriptsDir string `json:"scripts_dir"`
	Units      []struct {
		Name        string   `json:"name"`
		Files       []string `json:"files"`
		Sum         string   `json:"sum"`
		State       string   `json:"state"`
		Serving     bool     `json:"serving"`
		LoadedAt    *string  `json:"loaded_at"`
		Error       string   `json:"error"`
		Diagnostics []string `json:"diagnostics"`
		Plugins     []struct {
			Name     string            `json:"name"`
			Calls    map[string]uint64 `json:"calls"`
			Failures map[string]uint64 `json:"failures"`
		} `json:"plugins"`
	} `json:"units"`
}

// getStatus reads GET /status of the metrics endpoint at hostport.
func getStatus(t testing.TB, hostport string) statusDoc {
	t.Helper()
	hc := &http.Client{Timeout: ioTimeout}
	resp, err := hc.Get("http://" + hostport + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /status: %v %s %q\n%s", err, resp.Status, resp.Header.Get("Content-Type"), body)
	}
	var d statusDoc
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("GET /status: %v\n%s", err, body)
	}
	return d
}

// metricsHostPort is the host:port of the metrics endpoint a runner logged.
func metricsHostPort(t testing.TB, out string) string {
	t.Helper()
	e := findEntry(jsonLines(out), "metrics endpoint listening")
	url, _ := e["url"].(string)
	hp := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/metrics")
	if hp == "" || hp == url {
		t.Fatalf("no metrics endpoint in the log (%q)", url)
	}
	return hp
}

// TestOperatorStatus: GET /status and `go-runner status` list each unit
// with its files, hash, load time, plugins, state (a failed one with its
// file:line:col) and its plugins' calls.
func TestOperatorStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
	}{
		{"supervised", nil},
		{"single", []string{"--set", "worker.supervised=false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := shortDir(t)
			opScripts(t, dir, "scripts", "opsay.go", "oprewrite.go")
			opScripts(t, dir, "broken", "opbroken.go")
			sock := filepath.Join(dir, "r.sock")
			args := append([]string{"--set", "metrics.address=127.0.0.1:0", "--set", "log.format=json"}, tc.sets...)
			p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, args...)
			if !p.out.waitCount(readyTimeout, 1, "metrics endpoint listening") {
				t.Fatal("no metrics endpoint")
			}
			hp := metricsHostPort(t, p.out.String())

			c := p.dial()
			tok := prepare(t, c, pc("op-say", map[string]any{"body": "hi"}))
			for i := range 3 {
				call(t, c, tok, client.ReqCall{ID: uint32(i)}, nil)
			}

			d := getStatus(t, hp)
			if d.Supervised != (tc.name == "supervised") || d.PID == 0 || d.ScriptsDir == "" {
				t.Errorf("status header: %+v", d)
			}
			states := map[string]string{}
			for _, u := range d.Units {
				states[u.Name] = u.State
				switch u.Name {
				case "opsay.go":
					if !u.Serving || u.LoadedAt == nil || len(u.Sum) != 64 || strings.Join(u.Files, ",") != "opsay.go" {
						t.Errorf("opsay.go: %+v", u)
					}
					if len(u.Plugins) != 1 || u.Plugins[0].Name != "op-say" || u.Plugins[0].Calls["request"] != 3 ||
						u.Plugins[0].Calls["parse_conf"] != 1 || u.Plugins[0].Failures["request"] != 0 {
						t.Errorf("opsay.go plugins: %+v", u.Plugins)
					}
				case "opbroken.go":
					if u.Serving || len(u.Plugins) != 0 || !strings.Contains(u.Error, "undefined") ||
						len(u.Diagnostics) == 0 || !strings.Contains(u.Diagnostics[0], "opbroken.go:9:2: ") {
						t.Errorf("opbroken.go: %+v", u)
					}
				}
			}
			if states["opsay.go"] != "serving" || states["oprewrite.go"] != "serving" || states["opbroken.go"] != "failed" || len(states) != 3 {
				t.Errorf("states %v", states)
			}

			// The command prints the same for people.
			r := opRun(t, dir, nil, "status", "--address", hp)
			if r.code != 0 {
				t.Fatalf("go-runner status: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, w := range []string{"opsay.go", "serving", "opbroken.go", "failed", "opbroken.go:9:2: ", "op-say", "PLUGIN"} {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("go-runner status lacks %q:\n%s", w, r.stdout)
				}
			}
			r = opRun(t, dir, nil, "status", "--address", hp, "--json")
			var again statusDoc
			if r.code != 0 || json.Unmarshal([]byte(r.stdout), &again) != nil || len(again.Units) != 3 {
				t.Errorf("go-runner status --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			p.stop()

			// With the runner gone, the command says so.
			if r := opRun(t, dir, nil, "status", "--address", hp); r.code == 0 || !strings.Contains(r.stderr, "status: ") {
				t.Errorf("status of a stopped runner: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}
