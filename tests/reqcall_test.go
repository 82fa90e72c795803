package tests

import (
	"net"
	"reflect"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

func TestReqCallChainOrderAndStop(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	tok := prepare(t, c,
		pc("mark", map[string]any{"tag": "a"}),
		pc("mark", map[string]any{"tag": "b"}),
		pc("say", map[string]any{"body": "hello", "status": 403, "headers": map[string][]string{"X-Multi": {"1", "2"}}}),
		pc("panic-req", nil), // must not run: say answered
		pc("mark", map[string]any{"tag": "c"}),
	)
	out := call(t, c, tok, client.ReqCall{ID: 11, Method: "POST", Path: "/order"}, nil)
	if out.Action != client.ActionStop {
		t.Fatalf("action %s, want stop: %+v", out.Action, out)
	}
	st := out.Stop
	if st.Status != 403 || string(st.Body) != "hello" {
		t.Fatalf("stop status %d body %q", st.Status, st.Body)
	}
	if got := one(t, st.Headers, "x-order"); got != "ab" {
		t.Fatalf("plugins ran in order %q, want ab", got)
	}
	if got := one(t, st.Headers, "x-resp-a6-runner"); got != "Go" {
		t.Fatalf("X-Resp-A6-Runner %q", got)
	}
	if got := values(st.Headers, "x-multi"); !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Fatalf("x-multi %q, want both values", got)
	}
	if n := r.out.count("boom in RequestFilter"); n != 0 {
		t.Fatalf("a plugin after the one that answered ran (%d panic lines)", n)
	}
}

func TestReqCallStop(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	cases := []struct {
		name   string
		confs  []client.Conf
		status int
		body   string
	}{
		{"status unset reads as 200", []client.Conf{pc("say", map[string]any{"body": "hi"})}, 200, "hi"},
		{"first writer wins", []client.Conf{pc("say", map[string]any{"body": "first", "status": 401}), pc("say", map[string]any{"body": "second"})}, 401, "first"},
		{"status without body", []client.Conf{pc("say", map[string]any{"status": 204})}, 204, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := call(t, c, prepare(t, c, tc.confs...), client.ReqCall{ID: 5}, nil)
			if out.Action != client.ActionStop || out.Stop.Status != tc.status || string(out.Stop.Body) != tc.body {
				t.Fatalf("got %s status %d body %q", out.Action, out.Stop.Status, out.Stop.Body)
			}
		})
	}
}

func TestReqCallRewrite(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	newPath := "/new path?x"
	tok := prepare(t, c, pc("rewrite", map[string]any{
		"path":         newPath,
		"set_headers":  map[string]string{"X-Set": "v", "Host": "up.example"},
		"add_headers":  map[string][]string{"X-Add": {"a", "b"}, "X-Keep2": {"k2b"}},
		"del_headers":  []string{"X-Del"},
		"set_args":     map[string]string{"a": "9"},
		"add_args":     map[string][]string{"r": {"1", "2"}, "a2": {"2"}},
		"del_args":     []string{"gone"},
		"resp_headers": map[string]string{"X-Resp": "r"},
		"body":         "B",
	}))
	rq := client.ReqCall{
		ID: 21, Method: "PUT", Path: "/old", SrcIP: net.ParseIP("10.0.0.9"),
		Headers: []client.KV{client.Pair("X-Del", "d"), client.Pair("X-Keep", "k"), client.Pair("X-Keep2", "k2a"), client.Pair("Host", "orig")},
		Args:    []client.KV{client.Pair("a", "1"), client.Pair("gone", "1"), client.Pair("keep", "1"), client.Bare("b"), client.Pair("a2", "1")},
	}
	out := call(t, c, tok, rq, nil)
	if out.Action != client.ActionRewrite {
		t.Fatalf("action %s, want rewrite: %+v", out.Action, out)
	}
	rw := out.Rewrite
	if !rw.HasPath || rw.Path != newPath {
		t.Errorf("path %q (set %v), want %q", rw.Path, rw.HasPath, newPath)
	}
	if !rw.HasBody || string(rw.Body) != "B" {
		t.Errorf("body %q (set %v)", rw.Body, rw.HasBody)
	}
	// Headers: only the changed names are sent, deletes without a value.
	if got, want := names(rw.Headers), []string{"host", "x-add", "x-del", "x-keep2", "x-set"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rewritten header names %v, want %v", got, want)
	}
	if !deleted(rw.Headers, "x-del") {
		t.Errorf("x-del not deleted: %v", rw.Headers)
	}
	// What the upstream gets once APISIX applied the rewrite (each entry
	// replaces the header): every value a plugin added must survive.
	up := rw.ApplyHeaders(rq.Headers)
	for name, want := range map[string][]string{
		"x-set": {"v"}, "host": {"up.example"}, "x-add": {"a", "b"}, "x-keep2": {"k2a", "k2b"}, "x-keep": {"k"}, "x-del": nil,
	} {
		if got := splitValues(values(up, name)); !reflect.DeepEqual(got, want) {
			t.Errorf("upstream %s: %q, want %q (rewrite headers %v)", name, got, want, rw.Headers)
		}
	}
	// Args: APISIX replaces a name on its first entry and adds the repeats,
	// so every value of a changed name is sent.
	if got, want := names(rw.Args), []string{"a", "a2", "gone", "r"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rewritten arg names %v, want %v", got, want)
	}
	if one(t, rw.Args, "a") != "9" {
		t.Errorf("a: %v", rw.Args)
	}
	if got := values(rw.Args, "r"); !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Errorf("r %q", got)
	}
	if got := values(rw.Args, "a2"); !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Errorf("a2 %q, want the original value and the added one", got)
	}
	if !deleted(rw.Args, "gone") {
		t.Errorf("gone not deleted: %v", rw.Args)
	}
	upArgs := rw.ApplyArgs(rq.Args)
	wantArgs := []client.KV{client.Pair("keep", "1"), client.Bare("b"), client.Pair("a", "9"), client.Pair("a2", "1"), client.Pair("a2", "2"), client.Pair("r", "1"), client.Pair("r", "2")}
	if !sameMultiset(upArgs, wantArgs) {
		t.Errorf("upstream args %v, want %v", upArgs, wantArgs)
	}
	if one(t, rw.RespHeaders, "x-resp") != "r" || len(rw.RespHeaders) != 1 {
		t.Errorf("resp headers %v", rw.RespHeaders)
	}
}

func TestReqCallRewriteOneField(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	rq := client.ReqCall{ID: 31, Path: "/p", Headers: []client.KV{client.Pair("X-H", "1")}, Args: []client.KV{client.Pair("q", "1")}}
	cases := []struct {
		name  string
		conf  map[string]any
		check func(t *testing.T, rw client.Rewrite)
	}{
		{"path", map[string]any{"path": "/only"}, func(t *testing.T, rw client.Rewrite) {
			if !rw.HasPath || rw.Path != "/only" || len(rw.Headers)+len(rw.Args)+len(rw.RespHeaders) != 0 || rw.HasBody {
				t.Fatalf("%+v", rw)
			}
		}},
		{"header delete", map[string]any{"del_headers": []string{"x-h"}}, func(t *testing.T, rw client.Rewrite) {
			if rw.HasPath || len(rw.Headers) != 1 || !deleted(rw.Headers, "x-h") || len(rw.Args) != 0 {
				t.Fatalf("%+v", rw)
			}
		}},
		{"arg delete", map[string]any{"del_args": []string{"q"}}, func(t *testing.T, rw client.Rewrite) {
			if len(rw.Args) != 1 || !deleted(rw.Args, "q") || len(rw.Headers) != 0 {
				t.Fatalf("%+v", rw)
			}
		}},
		{"arg added to an existing one", map[string]any{"add_args": map[string][]string{"q": {"2"}}}, func(t *testing.T, rw client.Rewrite) {
			if got := values(rw.Args, "q"); !reflect.DeepEqual(got, []string{"1", "2"}) {
				t.Fatalf("%+v", rw)
			}
		}},
		{"body", map[string]any{"body": "new body"}, func(t *testing.T, rw client.Rewrite) {
			if !rw.HasBody || string(rw.Body) != "new body" || rw.HasPath || len(rw.Headers) != 0 {
				t.Fatalf("%+v", rw)
			}
		}},
		{"resp header", map[string]any{"resp_headers": map[string]string{"X-R": "1"}}, func(t *testing.T, rw client.Rewrite) {
			if one(t, rw.RespHeaders, "x-r") != "1" || len(rw.Headers) != 0 {
				t.Fatalf("%+v", rw)
			}
		}},
		{"header set to the same value", map[string]any{"set_headers": map[string]string{"X-H": "1"}}, func(t *testing.T, rw client.Rewrite) {
			if one(t, rw.Headers, "x-h") != "1" {
				t.Fatalf("%+v", rw)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := call(t, c, prepare(t, c, pc("rewrite", tc.conf)), rq, nil)
			if out.Action != client.ActionRewrite {
				t.Fatalf("action %s, want rewrite", out.Action)
			}
			tc.check(t, out.Rewrite)
		})
	}
}

func TestReqCallNoChange(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	rq := client.ReqCall{ID: 41, Method: "GET", Path: "/same", Headers: []client.KV{client.Pair("Host", "h")}, Args: []client.KV{client.Pair("a", "1"), client.Bare("b"), client.Pair("c", "")}}
	cases := []struct {
		name  string
		confs []client.Conf
	}{
		{"no plugins", nil},
		{"plugin that only reads", []client.Conf{pc("noop", nil)}},
		{"rewrite with nothing to change", []client.Conf{pc("noop", nil), pc("rewrite", map[string]any{})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := call(t, c, prepare(t, c, tc.confs...), rq, nil)
			if out.Action != client.ActionNone {
				t.Fatalf("action %s, want the empty reply: %+v", out.Action, out)
			}
		})
	}
}

func TestReqCallLegacyFilter(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	out := call(t, c, prepare(t, c, pc("legacy", nil)), client.ReqCall{ID: 51}, nil)
	if out.Action != client.ActionRewrite || one(t, out.Rewrite.Headers, "x-legacy") != "1" {
		t.Fatalf("legacy Filter did not run: %+v", out)
	}
}

// TestReqCallDeadline: a compiled plugin's context has the call's
// deadline: the default plugin timeout, or RunnerConfig.PluginTimeout.
func TestReqCallDeadline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      []string
		min, max int // milliseconds left, bounds included
	}{
		{"default", nil, 1, 5000},
		{"RunnerConfig.PluginTimeout 50s", []string{"TESTRUNNER_PLUGIN_TIMEOUT=50s"}, 5001, 50000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRunner(t, "testrunner", tc.env...)
			c := r.dial()
			out := call(t, c, prepare(t, c, pc("deadline", nil)), client.ReqCall{ID: 61}, nil)
			h := out.Rewrite.Headers
			if one(t, h, "x-deadline-set") != "true" {
				t.Fatalf("the plugin's context has no deadline: %v", h)
			}
			left := one(t, h, "x-deadline-left-ms")
			var ms int
			if _, err := fmtSscan(left, &ms); err != nil || ms < tc.min || ms > tc.max {
				t.Fatalf("deadline %s ms away, want %d to %d", left, tc.min, tc.max)
			}
			if _, ok := client.Lookup(h, "x-ctx-err"); ok {
				t.Fatalf("context already done: %v", h)
			}
		})
	}
}
