package interp

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	// The compatibility test loads the reference runner's example plugins
	// from the module cache; this import keeps the module in go.mod.
	_ "github.com/apache/apisix-go-plugin-runner/pkg/http"
)

const refModule = "github.com/apache/apisix-go-plugin-runner"

// refPlugins returns the directory of the reference runner's example
// plugins in the Go module cache.
func refPlugins(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", refModule).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", refModule, err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "cmd", "go-runner", "plugins")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("reference plugins: %v", err)
	}
	return dir
}

// refCase is one call of a reference plugin and what it must do, as the
// compiled plugin does.
type refCase struct {
	conf    string
	confErr string // ParseConf must fail with this
	upBody  string // response phase: the upstream's body
	code    int    // request phase: recorder status; response phase: WriteHeader (0: none)
	body    string
	header  map[string]string
}

// The expectations follow the plugins' source at v0.5.0: response-rewrite
// writes 200 whatever status is configured, and say answers with its body.
var refCases = map[string][]refCase{
	"say.go": {
		{conf: `{"body":"hello"}`, code: 200, body: "hello", header: map[string]string{"X-Resp-A6-Runner": "Go"}},
		{conf: `{"body":""}`, code: 200, body: "", header: map[string]string{"X-Resp-A6-Runner": ""}},
	},
	"fault_injection.go": {
		{conf: `{"body":"fault","http_status":400}`, code: 400, body: "fault"},
		{conf: `{"body":"fault","http_status":503,"percentage":100}`, code: 503, body: "fault"},
		{conf: `{"body":"fault","http_status":400,"percentage":0}`, code: 200, body: ""},
		{conf: `{"http_status":100}`, confErr: "bad http_status"},
		{conf: `{"http_status":400,"percentage":101}`, confErr: "bad percentage"},
	},
	"limit_req.go": {
		{conf: `{"rate":1,"burst":0}`, code: 503},
		{conf: `{"rate":1000,"burst":10}`, code: 200},
		{conf: `{"rate":`, confErr: "unexpected end of JSON input"},
	},
	"response_rewrite.go": {
		{conf: `{"status":418,"headers":{"X-A":"1"},"body":"new"}`, upBody: "old", code: 200, body: "new",
			header: map[string]string{"X-A": "1", "X-Resp-A6-Runner": "Go"}},
		{conf: `{"filters":[{"regex":"wor.d","scope":"global","replace":"go"}]}`, upBody: "hello world world",
			body: "hello go go"},
		{conf: `{"filters":[{"regex":"world","scope":"once","replace":"go"}]}`, upBody: "world world", body: "go world"},
		{conf: `{"filters":[{"regex":"nomatch","scope":"once","replace":"x"}],"body":"ignored"}`, upBody: "up", body: ""},
		{conf: `{"filters":[{"regex":"(","scope":"once"}]}`, confErr: "failed to compile regex"},
	},
}

func TestReferencePluginsLoadUnmodified(t *testing.T) {
	dir := refPlugins(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	for _, e := range entries {
		if !isSource(e.Name()) {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			u, err := LoadUnit(Config{}, filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(u.Close)
			loaded++
			if len(u.Specs()) != 1 {
				t.Fatalf("%d plugins", len(u.Specs()))
			}
			s := u.Specs()[0]
			cases, known := refCases[e.Name()]
			if !known {
				t.Logf("%s (plugin %q) loads; no behaviour table for it", e.Name(), s.Name)
			}
			for i, c := range cases {
				conf, err := s.ParseConf([]byte(c.conf))
				if c.confErr != "" {
					if err == nil || !strings.Contains(err.Error(), c.confErr) {
						t.Errorf("case %d: ParseConf error %v, want %q", i, err, c.confErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("case %d: ParseConf: %v", i, err)
				}
				var code int
				var body string
				var header func(string) string
				if c.upBody != "" {
					resp := newResponse(200, c.upBody)
					s.ResponseFilter(conf, resp)
					code, body, header = resp.code, string(resp.written), resp.header.Get
				} else {
					w := httptest.NewRecorder()
					s.RequestFilter(conf, w, newRequest())
					code, body, header = w.Code, w.Body.String(), w.Header().Get
				}
				if code != c.code || body != c.body {
					t.Errorf("case %d: status %d body %q, want %d %q", i, code, body, c.code, c.body)
				}
				for k, v := range c.header {
					if got := header(k); got != v {
						t.Errorf("case %d: header %s %q, want %q", i, k, got, v)
					}
				}
			}
		})
	}
	if loaded < 4 {
		t.Fatalf("loaded %d reference plugins, want at least the 4 of v0.5.0", loaded)
	}
}
