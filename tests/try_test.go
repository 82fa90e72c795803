package tests

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTryGrownUp: try against the example scripts: --repeat and
// --concurrency on one route, the reason of an error reply, "did you
// mean", the phase warning, and --socket against a running runner.
func TestTryGrownUp(t *testing.T) {
	dir := shortDir(t)
	copyExampleScripts(t, filepath.Join(dir, "scripts"))
	limit := `[{"name":"limit-req","value":"{\"rate\":0.001,\"burst\":2,\"rejected_code\":429}"}]`

	t.Run("repeat on one route", func(t *testing.T) {
		out := tryJSON(t, dir, 0, "--conf", limit, "--repeat", "5", "--concurrency", "2")
		if jsonPath(t, out, "summary", "none") != 2.0 || jsonPath(t, out, "summary", "stop 429") != 3.0 {
			t.Fatalf("summary %v, want 2 through and 3 refused", out["summary"])
		}
		calls, _ := out["calls"].([]any)
		if len(calls) != 5 || out["repeat"] != 5.0 || out["concurrency"] != 2.0 {
			t.Fatalf("%d calls, repeat %v, concurrency %v", len(calls), out["repeat"], out["concurrency"])
		}
		for i := range calls {
			if jsonPath(t, calls, i, "call") != float64(i+1) {
				t.Fatalf("call %d is numbered %v", i, jsonPath(t, calls, i, "call"))
			}
		}
	})
	t.Run("error reason and did you mean", func(t *testing.T) {
		out := tryJSON(t, dir, 1, "--conf", `[{"name":"sya","value":"{}"}]`)
		if jsonPath(t, out, "error", "code") != "BAD_REQUEST" {
			t.Fatalf("%v", out)
		}
		if r, _ := jsonPath(t, out, "error", "reason").(string); !strings.Contains(r, `unknown plugin; did you mean "say"?`) {
			t.Fatalf("reason %q", r)
		}
		out = tryJSON(t, dir, 1, "--conf", `[{"name":"say","value":"{\"body\":\"x\",\"status\":99}"}]`)
		if r, _ := jsonPath(t, out, "error", "reason").(string); !strings.Contains(r, "status 99") {
			t.Fatalf("reason %q, want the plugin's", r)
		}
	})
	t.Run("phase warnings", func(t *testing.T) {
		for _, tc := range []struct {
			args       []string
			want, flag string
		}{
			{[]string{"--conf", `[{"name":"resp-header","value":"{}"}]`}, `resp-header\" has no RequestFilter of its own`, "--phase response"},
			{[]string{"--phase", "response", "--conf", `[{"name":"say","value":"{}"}]`}, `say\" has no ResponseFilter of its own`, "--phase request"},
		} {
			r := opRun(t, dir, nil, append([]string{"try"}, tc.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, tc.want) || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stdout, tc.flag) {
				t.Errorf("try %q: exit %d, want 0 and %q in the JSON and the log:\n%s\n%s", tc.args, r.code, tc.want, r.stdout, r.stderr)
			}
		}
		if r := opRun(t, dir, nil, "try", "--conf", `[{"name":"say","value":"{}"}]`); strings.Contains(r.stdout, "warnings") {
			t.Errorf("say in the request phase warned:\n%s", r.stdout)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"--repeat", "0"},
			{"--repeat", "2", "--concurrency", "3"},
			{"--socket", "/x.sock", "--scripts", "scripts"},
			{"--socket", "unix:"},
		} {
			r := opRun(t, dir, nil, append([]string{"try", "--conf", limit}, args...)...)
			if r.code != 2 {
				t.Errorf("try %q: exit %d, want 2\n%s", args, r.code, r.stderr)
			}
		}
	})
	t.Run("help names plugins that exist", func(t *testing.T) {
		r := opRun(t, dir, nil, "try", "--help")
		names := regexp.MustCompile(`"name":"([^"\\]+)"`).FindAllStringSubmatch(r.stdout, -1)
		if len(names) < 3 {
			t.Fatalf("help has %d examples:\n%s", len(names), r.stdout)
		}
		for _, m := range names {
			if !slices.Contains(examplePlugins, m[1]) {
				t.Errorf("try --help names plugin %q, which no example script registers", m[1])
			}
		}
	})

	t.Run("socket", func(t *testing.T) {
		p := startExampleRunnerIn(t, dir, nil)
		for _, sock := range []string{p.sock, "unix:" + p.sock} {
			out := tryJSON(t, dir, 0, "--socket", sock, "--conf", `[{"name":"say","value":"{\"body\":\"from the runner\"}"}]`)
			if jsonPath(t, out, "stop", "body") != "from the runner" {
				t.Fatalf("--socket %s: %v", sock, out)
			}
		}
		// The running runner counts the calls of every try on the route.
		out := tryJSON(t, dir, 0, "--socket", p.sock, "--conf", limit, "--repeat", "3")
		if jsonPath(t, out, "summary", "none") != 2.0 || jsonPath(t, out, "summary", "stop 429") != 1.0 {
			t.Fatalf("summary %v", out["summary"])
		}
		out = tryJSON(t, dir, 0, "--socket", p.sock, "--conf", limit)
		if jsonPath(t, out, "stop", "status") != 429.0 {
			t.Fatalf("a second try on the running runner: %v, want the limiter's 429", out)
		}
		// Over the wire an error reply has only its code.
		out = tryJSON(t, dir, 1, "--socket", p.sock, "--conf", `[{"name":"sya","value":"{}"}]`)
		if jsonPath(t, out, "error", "code") != "BAD_REQUEST" || jsonPath(t, out, "error", "reason") != nil {
			t.Fatalf("%v", out)
		}
		p.alive()
		if r := opRun(t, dir, nil, "try", "--socket", filepath.Join(dir, "absent.sock"), "--conf", limit); r.code != 1 || !strings.Contains(r.stderr, "absent.sock") {
			t.Fatalf("a socket nobody serves: exit %d\n%s", r.code, r.stderr)
		}
	})
}
