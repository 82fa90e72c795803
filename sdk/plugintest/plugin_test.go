package plugintest_test

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/go-runner/go-runner/scripts"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/plugintest"
	"github.com/go-runner/go-runner/sdk/plugintest/testdata"
)

// TestSayBothWays is the kit's own use: the example say, compiled and
// interpreted, on one table.
func TestSayBothWays(t *testing.T) {
	for _, p := range plugintest.Both(t, "../../scripts/say.go", &scripts.Say{}) {
		t.Run(p.Mode, func(t *testing.T) {
			for _, tc := range []struct {
				name       string
				conf       string
				wantAnswer bool
				wantStatus int
				wantBody   string
			}{
				{"answers", `{"body":"hello","status":201}`, true, 201, "hello"},
				{"default status", `{"body":"hi"}`, true, 200, "hi"},
				{"empty body passes", `{"body":""}`, false, 0, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					w := plugintest.NewRecorder()
					p.RequestFilter(p.MustParseConf(tc.conf), w, plugintest.NewRequest("GET", "/"))
					if w.Answered() != tc.wantAnswer || w.Status() != tc.wantStatus || w.Body.String() != tc.wantBody {
						t.Fatalf("answered %v %d %q, want %v %d %q", w.Answered(), w.Status(), w.Body.String(), tc.wantAnswer, tc.wantStatus, tc.wantBody)
					}
				})
			}
			if _, err := p.ParseConf(`{"body":"x","status":99}`); err == nil {
				t.Fatal("status 99 accepted")
			}
		})
	}
}

// TestRewriteBothWays checks that a request's changes are visible after
// the call, both ways.
func TestRewriteBothWays(t *testing.T) {
	for _, p := range plugintest.Both(t, "../../scripts/rewrite.go", &scripts.Rewrite{}) {
		t.Run(p.Mode, func(t *testing.T) {
			conf := p.MustParseConf(`{"strip_prefix":"/api","set_headers":{"X-Prefix":"/api"},"del_headers":["X-Debug"],"set_args":{"lang":"go"},"del_args":["debug"]}`)
			r := plugintest.NewRequest("GET", "/api/items?debug=1&q=x").WithHeader("X-Debug", "1")
			w := plugintest.NewRecorder()
			p.RequestFilter(conf, w, r)
			if w.Answered() {
				t.Fatalf("rewrite answered: %d %q", w.Status(), w.Body.String())
			}
			if !r.PathChanged() || string(r.Path()) != "/items" {
				t.Errorf("path %q (changed %v), want /items", r.Path(), r.PathChanged())
			}
			if got := r.Headers(); got.Get("X-Prefix") != "/api" || got.Get("X-Debug") != "" {
				t.Errorf("headers %v", got)
			}
			if got := r.Args().Encode(); got != "lang=go&q=x" {
				t.Errorf("args %q", got)
			}
		})
	}
}

func TestRespHeaderBothWays(t *testing.T) {
	for _, p := range plugintest.Both(t, "../../scripts/resp_header.go", &scripts.RespHeader{}) {
		t.Run(p.Mode, func(t *testing.T) {
			conf := p.MustParseConf(`{"set":{"X-Frame-Options":"DENY"},"del":["X-Powered-By"],"status_map":{"502":503}}`)
			r := plugintest.NewResponse(502, "bad").WithHeader("X-Powered-By", "php")
			p.ResponseFilter(conf, r)
			if r.StatusCode() != 503 || !r.StatusChanged() {
				t.Errorf("status %d, want 503", r.StatusCode())
			}
			if h := r.Header().View(); h.Get("X-Frame-Options") != "DENY" || h.Get("X-Powered-By") != "" {
				t.Errorf("headers %v", h)
			}
			if b, ok := r.Rewritten(); ok {
				t.Errorf("body rewritten to %q", b)
			}
		})
	}
}

// TestReferencePlugin: a plugin on the reference runner's packages gets
// the fakes through their interfaces, compiled as interpreted.
func TestReferencePlugin(t *testing.T) {
	for _, p := range plugintest.Both(t, "testdata/refsay.go", &testdata.RefSay{}) {
		t.Run(p.Mode, func(t *testing.T) {
			r := plugintest.NewRequest("GET", "/").WithHeader("x-name", "ann")
			w := plugintest.NewRecorder()
			p.RequestFilter(p.MustParseConf(`{"a":1}`), w, r)
			if w.Body.String() != "hi ann" || w.Header().Get("X-Conf") != `{"a":1}` || r.Header().Get("x-seen") != "1" {
				t.Fatalf("got %q %v, request headers %v", w.Body.String(), w.Header(), r.Headers())
			}
			resp := plugintest.NewResponse(200, "")
			p.ResponseFilter(nil, resp)
			if resp.Header().Get("X-Ref") != "1" {
				t.Fatalf("response headers %v", resp.Header().View())
			}
		})
	}
}

// reqOnly has a request filter only (no DefaultPlugin).
type reqOnly struct{}

func (reqOnly) Name() string                                               { return "req-only" }
func (reqOnly) ParseConf([]byte) (any, error)                              { return nil, nil }
func (reqOnly) RequestFilter(any, http.ResponseWriter, pluginhttp.Request) {}

// TestRefViews: a reference plugin called directly gets the fakes through
// Ref, and its changes land in them.
func TestRefViews(t *testing.T) {
	r := plugintest.NewRequest("GET", "/").WithHeader("X-Name", "bo")
	w := plugintest.NewRecorder()
	(&testdata.RefSay{}).RequestFilter("c", w, r.Ref())
	if w.Body.String() != "hi bo" || r.Header().Get("X-Seen") != "1" {
		t.Fatalf("body %q, request headers %v", w.Body.String(), r.Headers())
	}
	resp := plugintest.NewResponse(200, "")
	(&testdata.RefSay{}).ResponseFilter(nil, resp.Ref())
	if resp.Header().Get("X-Ref") != "1" {
		t.Fatalf("response headers %v", resp.Header().View())
	}
}

// fatalT records what a helper reports when it fails the test.
type fatalT struct {
	testing.TB
	mu       sync.Mutex
	msg      string
	cleanups []func()
}

func (f *fatalT) Helper() {}
func (f *fatalT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fatalT) Cleanup(fn func())   { f.cleanups = append(f.cleanups, fn) }
func (f *fatalT) Logf(string, ...any) {}
func (f *fatalT) Name() string        { return "fatalT" }

// failure runs fn with a fatalT and returns the message it failed with.
func failure(t *testing.T, fn func(tb testing.TB)) string {
	t.Helper()
	f := &fatalT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	for _, c := range f.cleanups {
		c()
	}
	return f.msg
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func(tb testing.TB)
		want []string
	}{
		{"only the interpreter refuses", func(tb testing.TB) {
			plugintest.Both(tb, "testdata/sandboxed.go", &testdata.Sandboxed{})
		}, []string{"sandboxed.go:", `"os/exec"`}},
		{"no such plugin in the unit", func(tb testing.TB) {
			plugintest.Interpreted(tb, "../../scripts/say.go", "sai")
		}, []string{plugintest.ErrNoSuchPlugin.Error(), `"sai"`}},
		{"not a plugin", func(tb testing.TB) { plugintest.Compiled(tb, struct{}{}) }, []string{plugintest.ErrNotPlugin.Error()}},
		{"nil plugin", func(tb testing.TB) { plugintest.Compiled(tb, (*scripts.Say)(nil)) }, []string{plugintest.ErrNotPlugin.Error()}},
		{"no response filter", func(tb testing.TB) {
			plugintest.Compiled(tb, reqOnly{}).ResponseFilter(nil, plugintest.NewResponse(200, ""))
		}, []string{"req-only (compiled): ResponseFilter", plugintest.ErrNoFilter.Error()}},
		{"bad conf", func(tb testing.TB) {
			plugintest.Interpreted(tb, "../../scripts/say.go", "say").MustParseConf(`{"status":99,"body":"x"}`)
		}, []string{"say (interpreted): ParseConf", "status 99"}},
		{"interpreted panic", func(tb testing.TB) {
			p := plugintest.Interpreted(tb, "../../scripts/say.go", "say")
			p.RequestFilter("not a *SayConf", plugintest.NewRecorder(), plugintest.NewRequest("GET", "/"))
		}, []string{"say (interpreted): RequestFilter panicked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := failure(t, tc.fn)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Fatalf("failed with %q, want it to say %q", msg, w)
				}
			}
		})
	}
}

func TestFakes(t *testing.T) {
	boom := errors.New("connection lost")
	r := plugintest.NewRequest("post", "/a%20b?x=1&x=2&flag").WithSrcIP("10.0.0.7").WithID(9).
		WithVar("route_id", "42").WithBody("payload")
	if r.Method() != "POST" || string(r.Path()) != "/a b" || r.SrcIP().String() != "10.0.0.7" || r.ID() != 9 {
		t.Fatalf("request %s %q %s %d", r.Method(), r.Path(), r.SrcIP(), r.ID())
	}
	if got := r.Args(); len(got["x"]) != 2 || !got.Has("flag") {
		t.Fatalf("args %v", got)
	}
	if v, err := r.Var("route_id"); err != nil || string(v) != "42" {
		t.Fatalf("var %q %v", v, err)
	}
	if v, err := r.Var("unset"); err != nil || v != nil {
		t.Fatalf("unset var %q %v, want empty", v, err)
	}
	if b, _ := r.Body(); string(b) != "payload" || r.VarCalls != 2 || r.BodyCalls != 1 {
		t.Fatalf("body %q, calls %d %d", b, r.VarCalls, r.BodyCalls)
	}
	r.SetBody([]byte("new"))
	if b, ok := r.NewBody(); !ok || string(b) != "new" {
		t.Fatalf("new body %q %v", b, ok)
	}
	r.Header().View().Set("X-Untracked", "1")
	if r.Header().Get("X-Untracked") != "" {
		t.Fatal("a write to View changed the headers")
	}
	if _, err := r.WithVarError(boom).Var("x"); !errors.Is(err, boom) {
		t.Fatalf("var error %v", err)
	}
	if _, err := plugintest.NewRequest("", "/").WithBodyError(boom).Body(); !errors.Is(err, boom) {
		t.Fatalf("body error %v", err)
	}

	w := plugintest.NewRecorder()
	if w.Answered() || w.Status() != 0 {
		t.Fatal("an empty recorder answered")
	}
	w.Header().Set("X-A", "1")
	w.WriteHeader(403)
	w.WriteHeader(500)
	if !w.Answered() || w.Status() != 403 {
		t.Fatalf("status %d, want the first (403)", w.Status())
	}
	if w := plugintest.NewRecorder(); func() bool { _, _ = w.Write([]byte("x")); return w.Status() != 200 }() {
		t.Fatal("a body without a status is not a 200 answer")
	}

	resp := plugintest.NewResponse(200, "up")
	if b, _ := resp.ReadBody(); string(b) != "up" {
		t.Fatalf("read body %q", b)
	}
	_, _ = resp.Write([]byte("a"))
	_, _ = resp.Write([]byte("b"))
	resp.WriteHeader(201)
	resp.WriteHeader(202)
	if b, ok := resp.Rewritten(); !ok || string(b) != "ab" || resp.StatusCode() != 201 {
		t.Fatalf("rewritten %q %v, status %d", b, ok, resp.StatusCode())
	}
}

func TestNewRequestRefusesNonPaths(t *testing.T) {
	for _, target := range []string{"", "http://x/", "a/b", "/%zz"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewRequest(%q) did not panic", target)
				}
			}()
			plugintest.NewRequest("GET", target)
		}()
	}
}
