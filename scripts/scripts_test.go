package scripts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
	"github.com/go-runner/go-runner/sdk/plugin"
)

// e2eCase is one plugin call through the real server, as APISIX makes it.
type e2eCase struct {
	name    string
	plugin  string
	conf    string
	badConf bool             // PrepareConf must fail
	req     *client.ReqCall  // a request phase call
	resp    *client.RespCall // or a response phase call
	extra   *client.Extra    // what APISIX answers to Var and Body questions
	calls   int              // made in a row (default 1); the checks see the last
	each    bool             // the checks see every call
	onReq   func(*testing.T, *client.ReqResult, *client.ReqCall)
	onResp  func(*testing.T, *client.RespResult, *client.RespCall)
}

func get(path string) *client.ReqCall { return &client.ReqCall{Method: "GET", Path: path} }

func header(kvs []client.KV, name string) string {
	kv, _ := client.Lookup(kvs, name)
	return kv.Value
}

func stop(status int, body string) func(*testing.T, *client.ReqResult, *client.ReqCall) {
	return func(t *testing.T, r *client.ReqResult, _ *client.ReqCall) {
		if r.Action != client.ActionStop || r.Stop.Status != status || string(r.Stop.Body) != body {
			t.Fatalf("got %s %d %q, want stop %d %q", r.Action, r.Stop.Status, r.Stop.Body, status, body)
		}
	}
}

func passes(t *testing.T, r *client.ReqResult, _ *client.ReqCall) {
	if r.Action != client.ActionNone {
		t.Fatalf("got %s, want the request to pass unchanged", r.Action)
	}
}

var e2eCases = []e2eCase{
	{name: "say answers", plugin: "say", conf: `{"body":"hello","status":201}`, req: get("/"),
		onReq: func(t *testing.T, r *client.ReqResult, _ *client.ReqCall) {
			stop(201, "hello")(t, r, nil)
			if ct := header(r.Stop.Headers, "Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Fatalf("content-type %q", ct)
			}
			if rn := header(r.Stop.Headers, "X-Resp-A6-Runner"); rn != "Go" {
				t.Fatalf("X-Resp-A6-Runner %q, want Go as the reference's say", rn)
			}
		}},
	{name: "say without body passes", plugin: "say", conf: `{"body":""}`, req: get("/"), onReq: passes},
	{name: "say refuses a bad status", plugin: "say", conf: `{"body":"x","status":99}`, badConf: true},

	{name: "fault-injection fails all", plugin: "fault-injection", conf: `{"http_status":503,"body":"injected"}`,
		req: get("/"), onReq: stop(503, "injected")},
	{name: "fault-injection at 0%", plugin: "fault-injection", conf: `{"http_status":503,"percentage":0}`,
		req: get("/"), calls: 20, each: true, onReq: passes},
	{name: "fault-injection refuses 101%", plugin: "fault-injection", conf: `{"http_status":503,"percentage":101}`, badConf: true},

	// One token per 1000 s: the third call in a row is over the burst.
	{name: "limit-req within burst", plugin: "limit-req", conf: `{"rate":0.001,"burst":2}`, req: get("/"), calls: 2, each: true, onReq: passes},
	{name: "limit-req over burst", plugin: "limit-req", conf: `{"rate":0.001,"burst":2,"rejected_code":429}`,
		req: get("/"), calls: 3, onReq: stop(429, "")},
	{name: "limit-req refuses rate 0", plugin: "limit-req", conf: `{"rate":0}`, badConf: true},

	{name: "request-body-rewrite", plugin: "request-body-rewrite", conf: `{"new_body":"{\"user\":\"anonymous\"}","content_type":"application/json"}`,
		req: &client.ReqCall{Method: "POST", Path: "/login", Headers: []client.KV{client.Pair("content-type", "text/plain")}},
		onReq: func(t *testing.T, r *client.ReqResult, q *client.ReqCall) {
			if r.Action != client.ActionRewrite || !r.Rewrite.HasBody || string(r.Rewrite.Body) != `{"user":"anonymous"}` {
				t.Fatalf("got %s body %q", r.Action, r.Rewrite.Body)
			}
			if ct := header(r.Rewrite.ApplyHeaders(q.Headers), "content-type"); ct != "application/json" {
				t.Fatalf("content-type %q", ct)
			}
		}},
	{name: "request-body-rewrite needs new_body", plugin: "request-body-rewrite", conf: `{}`, badConf: true},

	{name: "response-rewrite honours the status", plugin: "response-rewrite",
		conf:  `{"status":418,"headers":{"X-Rewritten":"yes"},"body":"replaced"}`,
		resp:  &client.RespCall{Status: 200, Headers: []client.KV{client.Pair("content-type", "text/html")}},
		extra: &client.Extra{RespBody: []byte("original")},
		onResp: func(t *testing.T, r *client.RespResult, q *client.RespCall) {
			h := r.ClientHeaders(q.Headers)
			if r.Status != 418 || string(r.Body) != "replaced" || header(h, "X-Rewritten") != "yes" || header(h, "Content-Type") != "text/html" {
				t.Fatalf("got %d %q %v", r.Status, r.Body, h)
			}
		}},
	{name: "response-rewrite filters", plugin: "response-rewrite",
		conf:  `{"filters":[{"regex":"wor(ld)","scope":"global","replace":"go$1"},{"regex":"hello","replace":"bye"}]}`,
		resp:  &client.RespCall{Status: 200},
		extra: &client.Extra{RespBody: []byte("hello world, hello world")},
		onResp: func(t *testing.T, r *client.RespResult, _ *client.RespCall) {
			if r.Status != 0 || string(r.Body) != "bye gold, hello gold" {
				t.Fatalf("got %d %q", r.Status, r.Body)
			}
		}},
	{name: "response-rewrite bad regex", plugin: "response-rewrite", conf: `{"filters":[{"regex":"("}]}`, badConf: true},

	{name: "var-body", plugin: "var-body",
		conf:  `{"vars":{"remote_addr":"X-Real-IP","route_id":"X-Route-Id"},"body_digest":"X-Body-SHA256"}`,
		req:   &client.ReqCall{Method: "POST", Path: "/upload"},
		extra: &client.Extra{Vars: map[string]string{"remote_addr": "10.0.0.9"}, ReqBody: []byte("abc")},
		onReq: func(t *testing.T, r *client.ReqResult, q *client.ReqCall) {
			sum := sha256.Sum256([]byte("abc"))
			h := r.Rewrite.ApplyHeaders(q.Headers)
			if r.Action != client.ActionRewrite || header(h, "X-Real-IP") != "10.0.0.9" || header(h, "X-Route-Id") != "" ||
				header(h, "X-Body-SHA256") != hex.EncodeToString(sum[:]) || header(h, "X-Body-Length") != "3" {
				t.Fatalf("got %s %v", r.Action, h)
			}
		}},
	{name: "var-body refuses a large body", plugin: "var-body", conf: `{"body_digest":"X-Sum","max_body":2}`,
		req: &client.ReqCall{Method: "POST", Path: "/"}, extra: &client.Extra{ReqBody: []byte("abc")},
		onReq: stop(http.StatusRequestEntityTooLarge, "")},

	{name: "rewrite path, headers and args", plugin: "rewrite",
		conf: `{"strip_prefix":"/api","set_headers":{"X-Forwarded-Prefix":"/api"},"del_headers":["X-Debug"],"set_args":{"lang":"go"},"del_args":["debug"]}`,
		req: &client.ReqCall{Method: "GET", Path: "/api/users",
			Headers: []client.KV{client.Pair("x-debug", "1"), client.Pair("accept", "*/*")},
			Args:    []client.KV{client.Pair("debug", "1"), client.Pair("keep", "2")}},
		onReq: func(t *testing.T, r *client.ReqResult, q *client.ReqCall) {
			h := r.Rewrite.ApplyHeaders(q.Headers)
			a := r.Rewrite.ApplyArgs(q.Args)
			if r.Action != client.ActionRewrite || !r.Rewrite.HasPath || r.Rewrite.Path != "/users" ||
				header(h, "x-forwarded-prefix") != "/api" || header(h, "accept") != "*/*" {
				t.Fatalf("got %s path %q headers %v", r.Action, r.Rewrite.Path, h)
			}
			if _, ok := client.Lookup(h, "x-debug"); ok {
				t.Fatalf("x-debug kept: %v", h)
			}
			if fmt.Sprint(a) != "[keep=2 lang=go]" {
				t.Fatalf("args %v", a)
			}
		}},
	{name: "rewrite cuts a path equal to the prefix to /", plugin: "rewrite", conf: `{"strip_prefix":"/api/"}`, req: get("/api"),
		onReq: func(t *testing.T, r *client.ReqResult, _ *client.ReqCall) {
			if r.Action != client.ActionRewrite || r.Rewrite.Path != "/" {
				t.Fatalf("got %s path %q", r.Action, r.Rewrite.Path)
			}
		}},
	{name: "rewrite leaves a longer name alone", plugin: "rewrite", conf: `{"strip_prefix":"/api"}`, req: get("/apiv2/x"), onReq: passes},
	{name: "rewrite refuses a relative path", plugin: "rewrite", conf: `{"path":"users"}`, badConf: true},

	{name: "resp-header", plugin: "resp-header",
		conf: `{"set":{"X-Frame-Options":"DENY"},"add":{"Vary":"Origin"},"del":["X-Powered-By"],"status_map":{"502":503}}`,
		resp: &client.RespCall{Status: 502, Headers: []client.KV{client.Pair("x-powered-by", "php"),
			client.Pair("content-type", "text/html"), client.Pair("vary", "Accept")}},
		onResp: func(t *testing.T, r *client.RespResult, q *client.RespCall) {
			h := r.ClientHeaders(q.Headers)
			if r.Status != 503 || header(h, "X-Frame-Options") != "DENY" || header(h, "Content-Type") != "text/html" ||
				fmt.Sprint(client.Values(h, "vary")) != "[Accept Origin]" {
				t.Fatalf("got %d %v", r.Status, h)
			}
			if _, ok := client.Lookup(h, "x-powered-by"); ok {
				t.Fatalf("x-powered-by kept: %v", h)
			}
		}},
	{name: "resp-header without status_map keeps the status", plugin: "resp-header", conf: `{"set":{"X-A":"1"}}`,
		resp: &client.RespCall{Status: 502},
		onResp: func(t *testing.T, r *client.RespResult, q *client.RespCall) {
			if r.Status != 0 || header(r.ClientHeaders(q.Headers), "X-A") != "1" {
				t.Fatalf("got %d %v", r.Status, r.Headers)
			}
		}},
	{name: "resp-header refuses a bad status_map", plugin: "resp-header", conf: `{"status_map":{"abc":503}}`, badConf: true},
}

// TestScriptsEndToEnd runs every example through the real loader and the
// real server, interpreted, and the same source compiled: both must answer
// as the cases say.
func TestScriptsEndToEnd(t *testing.T) {
	for _, mode := range []struct {
		name string
		reg  func(testing.TB) *plugin.Registry
	}{
		{"script", interpreted},
		{"compiled", func(testing.TB) *plugin.Registry { return plugin.Compiled() }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			reg := mode.reg(t)
			c := serve(t, reg)
			for i, tc := range e2eCases {
				t.Run(tc.name, func(t *testing.T) {
					s := reg.Lookup(tc.plugin)
					if s == nil {
						t.Fatalf("no plugin %q", tc.plugin)
					}
					if mode.name == "script" && s.Unit == "" {
						t.Fatalf("plugin %q is not a script", tc.plugin)
					}
					rt := &client.Route{Key: client.ConfKey(fmt.Sprint(i), tc.plugin, 1), Conf: []client.Conf{{Name: tc.plugin, Value: tc.conf}}}
					if tc.badConf {
						if _, err := c.Prepare(rt); err == nil {
							t.Fatal("conf accepted")
						}
						return
					}
					extra := tc.extra
					if extra == nil {
						extra = &client.Extra{}
					}
					for n := max(tc.calls, 1); n > 0; n-- {
						var err error
						if tc.req != nil {
							var out client.ReqResult
							if err = c.ReqCall(rt, tc.req, extra, &out); err == nil && (n == 1 || tc.each) {
								tc.onReq(t, &out, tc.req)
							}
						} else {
							var out client.RespResult
							if err = c.RespCall(rt, tc.resp, extra, &out); err == nil && (n == 1 || tc.each) {
								tc.onResp(t, &out, tc.resp)
							}
						}
						if err != nil {
							t.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// TestEveryScriptHasACase keeps the table above complete.
func TestEveryScriptHasACase(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range e2eCases {
		if !tc.badConf {
			covered[tc.plugin] = true
		}
	}
	reg := interpreted(t)
	for _, name := range reg.Names() {
		if !covered[name] {
			t.Errorf("script plugin %q has no end-to-end case", name)
		}
	}
	if reg.Len() != 8 {
		t.Errorf("%d script plugins, want 8: %v", reg.Len(), reg.Names())
	}
}
