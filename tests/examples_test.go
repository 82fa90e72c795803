package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"slices"
	"strconv"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// The example scripts (scripts/*.go), served by the built go-runner and
// called as APISIX calls them: every plugin in every phase it serves, with
// its conf variants, then chains of them. Each case states what APISIX
// ends up doing: the request the upstream gets, or the answer the client
// gets.

// exReq is what APISIX sends for
//
//	POST /api/ünïcødé/路径?debug=1&flag&empty=&r=1&r=2&q=ünï
//
// from 10.0.0.7: the path decoded and without the query, the args decoded
// (flag without a value, empty with an empty one), header names
// lower-cased and Host replaced by the upstream's host.
func exReq() *client.ReqCall {
	return &client.ReqCall{
		Method: "POST", Path: "/api/ünïcødé/路径", SrcIP: net.ParseIP("10.0.0.7"),
		Headers: []client.KV{
			client.Pair("Host", "upstream.internal"), client.Pair("User-Agent", "curl/8.5"),
			client.Pair("Content-Type", "text/plain; charset=utf-8"), client.Pair("X-Debug", "1"), client.Pair("X-Name", "Zoë 東京"),
			client.Pair("Accept", "text/html"), client.Pair("Accept", "application/json"), client.Pair("X-Real-IP", "203.0.113.9"),
		},
		Args: []client.KV{client.Pair("debug", "1"), client.Bare("flag"), client.Pair("empty", ""), client.Pair("r", "1"), client.Pair("r", "2"), client.Pair("q", "ünï")},
	}
}

// exBody is the request body APISIX answers ReqBody with.
const exBody = "payload ✓ ünï"

// exVars are the variables APISIX answers Var with.
var exVars = map[string]string{"remote_addr": "10.0.0.7", "route_id": "42", "uri": "/api/ünïcødé/路径"}

// exResp is the upstream's response of the post-resp cases, as APISIX
// passes it (names lower-cased).
func exResp(status int) *client.RespCall {
	return &client.RespCall{Status: status, Headers: []client.KV{
		client.Pair("Content-Type", "text/html; charset=utf-8"), client.Pair("Server", "nginx"), client.Pair("X-Powered-By", "php"),
		client.Pair("Vary", "Accept"), client.Pair("Set-Cookie", "a=1"), client.Pair("Set-Cookie", "b=2"), client.Pair("X-Name", "Zoë"),
	}}
}

// exRespBody is the upstream's response body.
const exRespBody = "hello wörld, hello wörld"

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// exReqCase is one request-phase call sequence on a route of its own.
type exReqCase struct {
	name  string
	confs []client.Conf
	// edit changes exReq() for this case; nil: as is.
	edit func(rq *client.ReqCall)
	// body is what APISIX answers ReqBody with; nil: exBody.
	body *string
	// want is the outcome of each call in turn (one call per entry).
	want []func(rq *client.ReqCall, body string) reqOutcome
	// varTrips and bodyTrips are the ExtraInfo round trips each call must
	// make (Var and ReqBody questions).
	varTrips, bodyTrips int
}

// exRespCase is one ext-plugin-post-resp call on a route of its own.
type exRespCase struct {
	name     string
	confs    []client.Conf
	status   int // the upstream's; 0: 200
	want     func(rs *client.RespCall) respOutcome
	bodyTrip bool // the runner must ask for the response body
}

// exPass: the request goes upstream unchanged.
func exPass(rq *client.ReqCall, body string) reqOutcome { return proxied(rq, body) }

func exStop(status int, body string, headers ...client.KV) func(*client.ReqCall, string) reqOutcome {
	return func(*client.ReqCall, string) reqOutcome { return stopped(status, body, headers...) }
}

// exSayRunner is the header say adds to its answer, as the reference's say.
var exSayRunner = client.Pair("x-resp-a6-runner", "Go")

// exUpstream: the request goes upstream as edited.
func exUpstream(edit func(o *reqOutcome)) func(*client.ReqCall, string) reqOutcome {
	return func(rq *client.ReqCall, body string) reqOutcome {
		o := proxied(rq, body)
		edit(&o)
		return o
	}
}

func exTimes(n int, f func(*client.ReqCall, string) reqOutcome) []func(*client.ReqCall, string) reqOutcome {
	out := make([]func(*client.ReqCall, string) reqOutcome, n)
	for i := range out {
		out[i] = f
	}
	return out
}

func exOnce(f func(*client.ReqCall, string) reqOutcome) []func(*client.ReqCall, string) reqOutcome {
	return exTimes(1, f)
}

// exHeaders is exReq's headers as the upstream gets them, with edits:
// an entry replaces every value of its header (APISIX sets it), one
// without a value deletes it, a new name is added.
func exHeaders(edits ...client.KV) []client.KV {
	out := lowerKVs(exReq().Headers)
	for _, e := range edits {
		i := slices.IndexFunc(out, func(h client.KV) bool { return h.Name == e.Name })
		out = slices.DeleteFunc(out, func(h client.KV) bool { return h.Name == e.Name })
		if e.NoValue {
			continue
		}
		if i < 0 || i > len(out) {
			i = len(out)
		}
		out = slices.Insert(out, i, e)
	}
	return out
}

var exReqCases = []exReqCase{
	// say
	{name: "say answers with its status and content type", confs: []client.Conf{pc("say", map[string]any{"body": `{"msg":"héllo"}`, "status": 201, "content_type": "application/json"})},
		want: exOnce(exStop(201, `{"msg":"héllo"}`, client.Pair("content-type", "application/json"), exSayRunner))},
	{name: "say defaults to 200 and text/plain", confs: []client.Conf{pc("say", map[string]any{"body": "Grüße, 世界 👋"})},
		want: exTimes(2, exStop(200, "Grüße, 世界 👋", client.Pair("content-type", "text/plain; charset=utf-8"), exSayRunner))},
	{name: "say with a conf of JSON escapes", confs: []client.Conf{pc("say", `{"body":"\u00fcber \/ \ud83d\udc4b","status":200}`)},
		want: exOnce(exStop(200, "über / 👋", client.Pair("content-type", "text/plain; charset=utf-8"), exSayRunner))},
	{name: "say with an empty body lets the request through", confs: []client.Conf{pc("say", map[string]any{"body": ""})},
		want: exOnce(exPass)},

	// fault-injection
	{name: "fault-injection fails every request", confs: []client.Conf{pc("fault-injection", map[string]any{"http_status": 503, "body": "injected fault ⚡"})},
		want: exTimes(3, exStop(503, "injected fault ⚡"))},
	{name: "fault-injection without a body", confs: []client.Conf{pc("fault-injection", map[string]any{"http_status": 500, "percentage": 100})},
		want: exOnce(exStop(500, ""))},
	{name: "fault-injection at 0% never fails", confs: []client.Conf{pc("fault-injection", map[string]any{"http_status": 503, "percentage": 0})},
		want: exTimes(5, exPass)},

	// limit-req: one token per 1000 s, so the bucket does not refill during the test.
	{name: "limit-req refuses past the burst", confs: []client.Conf{pc("limit-req", map[string]any{"rate": 0.001, "burst": 2, "rejected_code": 429})},
		want: append(exTimes(2, exPass), exStop(429, ""), exStop(429, ""))},
	{name: "limit-req defaults: burst of the rate rounded up, 503", confs: []client.Conf{pc("limit-req", map[string]any{"rate": 0.001})},
		want: []func(*client.ReqCall, string) reqOutcome{exPass, exStop(503, "")}},

	// request-body-rewrite
	{name: "request-body-rewrite replaces the body and its content type",
		confs: []client.Conf{pc("request-body-rewrite", map[string]any{"new_body": `{"user":"anonymous"}`, "content_type": "application/json"})},
		want: exOnce(exUpstream(func(o *reqOutcome) {
			o.Body = `{"user":"anonymous"}`
			o.Headers = exHeaders(client.Pair("content-type", "application/json"))
		}))},
	{name: "request-body-rewrite with unicode, content type kept",
		confs: []client.Conf{pc("request-body-rewrite", map[string]any{"new_body": "nouveau corps – 新しい本文"})},
		want:  exTimes(2, exUpstream(func(o *reqOutcome) { o.Body = "nouveau corps – 新しい本文" }))},

	// rewrite
	{name: "rewrite strips a prefix off a unicode path", confs: []client.Conf{pc("rewrite", map[string]any{"strip_prefix": "/api"})},
		want: exOnce(exUpstream(func(o *reqOutcome) { o.Path = "/ünïcødé/路径" }))},
	{name: "rewrite strips a prefix with a trailing slash", confs: []client.Conf{pc("rewrite", map[string]any{"strip_prefix": "/api/ünïcødé/"})},
		want: exOnce(exUpstream(func(o *reqOutcome) { o.Path = "/路径" }))},
	{name: "rewrite of a path equal to the prefix gives /", confs: []client.Conf{pc("rewrite", map[string]any{"strip_prefix": "/api"})},
		edit: func(rq *client.ReqCall) { rq.Path = "/api" },
		want: exOnce(exUpstream(func(o *reqOutcome) { o.Path = "/" }))},
	{name: "rewrite leaves a path that only starts like the prefix", confs: []client.Conf{pc("rewrite", map[string]any{"strip_prefix": "/api"})},
		edit: func(rq *client.ReqCall) { rq.Path = "/apiary/x" },
		want: exOnce(exPass)},
	{name: "rewrite replaces the path, which may hold a question mark", confs: []client.Conf{pc("rewrite", map[string]any{"path": "/v2/ça va?x=1", "strip_prefix": "/api"})},
		want: exOnce(exUpstream(func(o *reqOutcome) { o.Path = "/v2/ça va?x=1" }))},
	{name: "rewrite sets and deletes headers",
		confs: []client.Conf{pc("rewrite", map[string]any{
			"set_headers": map[string]string{"X-Forwarded-Prefix": "/api", "x-name": "Zoë → Zed ✓"},
			"del_headers": []string{"X-Debug", "X-Absent"},
		})},
		want: exOnce(exUpstream(func(o *reqOutcome) {
			o.Headers = exHeaders(client.Pair("x-forwarded-prefix", "/api"), client.Pair("x-name", "Zoë → Zed ✓"), client.Bare("x-debug"))
		}))},
	{name: "rewrite of a repeated header", confs: []client.Conf{pc("rewrite", map[string]any{"set_headers": map[string]string{"Accept": "*/*"}})},
		want: exOnce(exUpstream(func(o *reqOutcome) { o.Headers = exHeaders(client.Pair("accept", "*/*")) }))},
	{name: "rewrite deletes a repeated header", confs: []client.Conf{pc("rewrite", map[string]any{"del_headers": []string{"accept"}})},
		want: exOnce(exUpstream(func(o *reqOutcome) { o.Headers = exHeaders(client.Bare("accept")) }))},
	{name: "rewrite of Host sets the upstream host", confs: []client.Conf{pc("rewrite", map[string]any{"set_headers": map[string]string{"Host": "other.upstream:8080"}})},
		want: exOnce(exUpstream(func(o *reqOutcome) { o.Headers = exHeaders(client.Pair("host", "other.upstream:8080")) }))},
	{name: "rewrite sets and deletes args, the others kept as they came",
		confs: []client.Conf{pc("rewrite", map[string]any{"set_args": map[string]string{"lang": "go", "q": "ü→u"}, "del_args": []string{"debug", "absent"}})},
		want: exOnce(exUpstream(func(o *reqOutcome) {
			o.Args = []client.KV{client.Bare("flag"), client.Pair("empty", ""), client.Pair("r", "1"), client.Pair("r", "2"), client.Pair("q", "ü→u"), client.Pair("lang", "go")}
		}))},
	{name: "rewrite replaces a repeated arg and one without a value",
		confs: []client.Conf{pc("rewrite", map[string]any{"set_args": map[string]string{"r": "3", "flag": "on"}, "del_args": []string{"empty"}})},
		want: exOnce(exUpstream(func(o *reqOutcome) {
			o.Args = []client.KV{client.Pair("debug", "1"), client.Pair("q", "ünï"), client.Pair("r", "3"), client.Pair("flag", "on")}
		}))},
	{name: "rewrite deletes an arg without a value",
		confs: []client.Conf{pc("rewrite", map[string]any{"del_args": []string{"flag"}})},
		want: exOnce(exUpstream(func(o *reqOutcome) {
			o.Args = []client.KV{client.Pair("debug", "1"), client.Pair("empty", ""), client.Pair("r", "1"), client.Pair("r", "2"), client.Pair("q", "ünï")}
		}))},
	{name: "rewrite with the documented conf",
		confs: []client.Conf{pc("rewrite", map[string]any{
			"strip_prefix": "/api", "set_headers": map[string]string{"X-Forwarded-Prefix": "/api"}, "del_headers": []string{"X-Debug"},
			"set_args": map[string]string{"lang": "go"}, "del_args": []string{"debug"},
		})},
		want: exTimes(2, exUpstream(func(o *reqOutcome) {
			o.Path = "/ünïcødé/路径"
			o.Headers = exHeaders(client.Pair("x-forwarded-prefix", "/api"), client.Bare("x-debug"))
			o.Args = []client.KV{client.Bare("flag"), client.Pair("empty", ""), client.Pair("r", "1"), client.Pair("r", "2"), client.Pair("q", "ünï"), client.Pair("lang", "go")}
		}))},
	{name: "rewrite with an empty conf changes nothing", confs: []client.Conf{pc("rewrite", nil)},
		want: exOnce(exPass)},

	// var-body
	// X-Real-IP as the client sent it is replaced, not added to.
	{name: "var-body copies the variables APISIX knows",
		confs: []client.Conf{pc("var-body", map[string]any{"vars": map[string]string{
			"remote_addr": "X-Real-IP", "route_id": "X-Route-Id", "uri": "X-Uri", "no_such_var": "X-None",
		}})},
		want: exTimes(2, exUpstream(func(o *reqOutcome) {
			o.Headers = exHeaders(client.Pair("x-real-ip", "10.0.0.7"), client.Pair("x-route-id", "42"), client.Pair("x-uri", "/api/ünïcødé/路径"))
		})),
		varTrips: 4, bodyTrips: 0},
	{name: "var-body digests the body",
		confs: []client.Conf{pc("var-body", map[string]any{"body_digest": "X-Body-SHA256"})},
		want: exTimes(2, exUpstream(func(o *reqOutcome) {
			o.Headers = exHeaders(client.Pair("x-body-sha256", sha256Hex(exBody)), client.Pair("x-body-length", strconv.Itoa(len(exBody))))
		})),
		varTrips: 0, bodyTrips: 1},
	{name: "var-body with a request without a body",
		confs: []client.Conf{pc("var-body", map[string]any{"body_digest": "X-Body-SHA256", "vars": map[string]string{"remote_addr": "X-Real-IP"}})},
		body:  new(string),
		want: exOnce(exUpstream(func(o *reqOutcome) {
			o.Headers = exHeaders(client.Pair("x-real-ip", "10.0.0.7"), client.Pair("x-body-sha256", sha256Hex("")), client.Pair("x-body-length", "0"))
		})),
		varTrips: 1, bodyTrips: 1},
	{name: "var-body takes a body of exactly max_body",
		confs: []client.Conf{pc("var-body", map[string]any{"body_digest": "X-Sum", "max_body": len(exBody)})},
		want: exOnce(exUpstream(func(o *reqOutcome) {
			o.Headers = exHeaders(client.Pair("x-sum", sha256Hex(exBody)), client.Pair("x-body-length", strconv.Itoa(len(exBody))))
		})),
		varTrips: 0, bodyTrips: 1},
	{name: "var-body refuses a body over max_body",
		confs: []client.Conf{pc("var-body", map[string]any{"body_digest": "X-Sum", "max_body": len(exBody) - 1})},
		want:  exTimes(2, exStop(413, "")), varTrips: 0, bodyTrips: 1},
}

// A post-resp reply always carries the complete header set (APISIX would
// drop Content-Type and others from a reply without headers), so the
// client keeps every upstream header the plugins did not change.
var exRespCases = []exRespCase{
	// response-rewrite
	{name: "response-rewrite with the documented conf",
		confs: []client.Conf{pc("response-rewrite", map[string]any{"status": 418, "headers": map[string]string{"X-Rewritten": "yes"}, "body": "replacement body ✓"})},
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 418, Headers: append(lowerKVs(rs.Headers), client.Pair("x-rewritten", "yes")), Body: "replacement body ✓"}
		}},
	{name: "response-rewrite filters, once and global, over unicode",
		confs: []client.Conf{pc("response-rewrite", map[string]any{"filters": []map[string]string{
			{"regex": "w(ö)rld", "scope": "global", "replace": "m${1}nde"}, {"regex": "hello", "replace": "grüß dich"},
		}})},
		bodyTrip: true,
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 200, Headers: lowerKVs(rs.Headers), Body: "grüß dich mönde, hello mönde"}
		}},
	{name: "response-rewrite filters ignore body",
		confs:    []client.Conf{pc("response-rewrite", map[string]any{"body": "unused", "filters": []map[string]string{{"regex": "hello", "replace": "bye"}}})},
		bodyTrip: true,
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 200, Headers: lowerKVs(rs.Headers), Body: "bye wörld, hello wörld"}
		}},
	{name: "response-rewrite filters that match nothing",
		confs:    []client.Conf{pc("response-rewrite", map[string]any{"filters": []map[string]string{{"regex": "absent", "replace": "x"}}})},
		bodyTrip: true,
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 200, Headers: lowerKVs(rs.Headers), Body: exRespBody}
		}},
	{name: "response-rewrite of the status only", confs: []client.Conf{pc("response-rewrite", map[string]any{"status": 503})},
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 503, Headers: lowerKVs(rs.Headers), Body: exRespBody}
		}},
	{name: "response-rewrite of a header keeps the others", confs: []client.Conf{pc("response-rewrite", map[string]any{"headers": map[string]string{"Content-Type": "application/json"}})},
		want: func(rs *client.RespCall) respOutcome {
			h := lowerKVs(rs.Headers)
			h[0].Value = "application/json"
			return respOutcome{Status: 200, Headers: h, Body: exRespBody}
		}},

	// resp-header
	{name: "resp-header with the documented conf", status: 502,
		confs: []client.Conf{pc("resp-header", map[string]any{
			"set": map[string]string{"X-Frame-Options": "DENY"}, "add": map[string]string{"Vary": "Origin"},
			"del": []string{"X-Powered-By"}, "status_map": map[string]int{"502": 503},
		})},
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 503, Body: exRespBody, Headers: []client.KV{
				client.Pair("content-type", "text/html; charset=utf-8"), client.Pair("server", "nginx"), client.Pair("vary", "Accept"), client.Pair("vary", "Origin"),
				client.Pair("set-cookie", "a=1"), client.Pair("set-cookie", "b=2"), client.Pair("x-name", "Zoë"), client.Pair("x-frame-options", "DENY"),
			}}
		}},
	// The status changes and every upstream header is kept.
	{name: "resp-header maps the status only", status: 502,
		confs: []client.Conf{pc("resp-header", map[string]any{"status_map": map[string]int{"502": 503}})},
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 503, Headers: lowerKVs(rs.Headers), Body: exRespBody}
		}},
	{name: "resp-header status_map leaves other statuses", status: 200,
		confs: []client.Conf{pc("resp-header", map[string]any{"status_map": map[string]int{"502": 503}})},
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 200, Headers: lowerKVs(rs.Headers), Body: exRespBody}
		}},
	{name: "resp-header sets a unicode value and deletes a repeated header",
		confs: []client.Conf{pc("resp-header", map[string]any{"set": map[string]string{"x-name": "Zoë ✓"}, "del": []string{"Set-Cookie"}})},
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 200, Body: exRespBody, Headers: []client.KV{
				client.Pair("content-type", "text/html; charset=utf-8"), client.Pair("server", "nginx"), client.Pair("x-powered-by", "php"),
				client.Pair("vary", "Accept"), client.Pair("x-name", "Zoë ✓"),
			}}
		}},
	{name: "resp-header adds to a repeated header",
		confs: []client.Conf{pc("resp-header", map[string]any{"add": map[string]string{"Set-Cookie": "c=3"}})},
		want: func(rs *client.RespCall) respOutcome {
			return respOutcome{Status: 200, Body: exRespBody, Headers: append(lowerKVs(rs.Headers), client.Pair("set-cookie", "c=3"))}
		}},
}

// TestScriptPlugins runs every example plugin in every phase it serves:
// the request plugins in ext-plugin-pre-req and ext-plugin-post-req, the
// response plugins in ext-plugin-post-resp; and each plugin in a phase it
// does not serve, where it must change nothing.
func TestScriptPlugins(t *testing.T) {
	r := startExampleRunner(t, nil)
	cl := r.client()
	covered := map[string]bool{}

	for _, phase := range []string{phasePreReq, phasePostReq} {
		for _, tc := range exReqCases {
			covered[tc.confs[0].Name] = true
			t.Run(phase+"/"+tc.name, func(t *testing.T) { runReqCase(t, cl, phase, tc) })
		}
	}
	for _, tc := range exRespCases {
		covered[tc.confs[0].Name] = true
		t.Run(phasePostResp+"/"+tc.name, func(t *testing.T) { runRespCase(t, cl, tc) })
	}
	for _, name := range examplePlugins {
		if !covered[name] {
			t.Errorf("example plugin %s has no case", name)
		}
	}

	// A phase the plugin does not serve: its conf is accepted and the call
	// changes nothing.
	firstConf := map[string]client.Conf{}
	for _, tc := range exReqCases {
		if _, ok := firstConf[tc.confs[0].Name]; !ok {
			firstConf[tc.confs[0].Name] = tc.confs[0]
		}
	}
	for _, tc := range exRespCases {
		if _, ok := firstConf[tc.confs[0].Name]; !ok {
			firstConf[tc.confs[0].Name] = tc.confs[0]
		}
	}
	for _, name := range []string{"say", "fault-injection", "limit-req", "request-body-rewrite", "rewrite", "var-body"} {
		t.Run(phasePostResp+"/"+name+" changes no response", func(t *testing.T) {
			runRespCase(t, cl, exRespCase{confs: []client.Conf{firstConf[name]}, want: func(rs *client.RespCall) respOutcome {
				return respOutcome{Status: 200, Headers: lowerKVs(rs.Headers), Body: exRespBody}
			}})
		})
	}
	for _, name := range []string{"response-rewrite", "resp-header"} {
		for _, phase := range []string{phasePreReq, phasePostReq} {
			t.Run(phase+"/"+name+" changes no request", func(t *testing.T) {
				runReqCase(t, cl, phase, exReqCase{confs: []client.Conf{firstConf[name]}, want: exOnce(exPass)})
			})
		}
	}

	s := cl.Stats()
	if s.Retries != 0 || s.Failures != 0 {
		t.Errorf("client stats %+v: want no retry and no failure", s)
	}
	r.alive()
}

// runReqCase makes tc's calls on a route of its own in phase and checks
// what APISIX does with each reply.
func runReqCase(t *testing.T, cl *client.Client, phase string, tc exReqCase) {
	t.Helper()
	rt := exRoute(phase, tc.confs...)
	body := exBody
	if tc.body != nil {
		body = *tc.body
	}
	x := &client.Extra{Vars: exVars}
	if tc.body == nil || *tc.body != "" {
		x.ReqBody = []byte(body)
	}
	for i, want := range tc.want {
		rq := exReq()
		if tc.edit != nil {
			tc.edit(rq)
		}
		rq.ID = uint32(i + 1)
		x.Reset()
		var out client.ReqResult
		if err := cl.ReqCall(rt, rq, x, &out); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if out.ID != rq.ID {
			t.Fatalf("call %d: reply id %d, want %d", i+1, out.ID, rq.ID)
		}
		// The request as APISIX holds it; edits are only for the want.
		orig := exReq()
		if tc.edit != nil {
			tc.edit(orig)
		}
		if d := diffReq(applyReq(orig, body, &out), want(orig, body)); d != "" {
			t.Errorf("call %d: %s\nreply: %+v", i+1, d, out)
		}
		if out.Action == client.ActionRewrite && len(out.Rewrite.Headers)+len(out.Rewrite.Args)+len(out.Rewrite.RespHeaders) == 0 &&
			!out.Rewrite.HasPath && !out.Rewrite.HasBody {
			t.Errorf("call %d: a rewrite that changes nothing; want the empty reply", i+1)
		}
		if x.VarTrips != tc.varTrips {
			t.Errorf("call %d: %d Var round trips, want %d", i+1, x.VarTrips, tc.varTrips)
		}
		if x.ReqBodyTrips != tc.bodyTrips {
			t.Errorf("call %d: %d ReqBody round trips, want %d", i+1, x.ReqBodyTrips, tc.bodyTrips)
		}
	}
}

// runRespCase makes tc's post-resp call and checks what the client gets.
func runRespCase(t *testing.T, cl *client.Client, tc exRespCase) {
	t.Helper()
	status := tc.status
	if status == 0 {
		status = 200
	}
	rt := exRoute(phasePostResp, tc.confs...)
	rs := exResp(status)
	rs.ID = 7
	x := &client.Extra{Vars: exVars, RespBody: []byte(exRespBody)}
	var out client.RespResult
	if err := cl.RespCall(rt, rs, x, &out); err != nil {
		t.Fatal(err)
	}
	if out.ID != rs.ID {
		t.Fatalf("reply id %d, want %d", out.ID, rs.ID)
	}
	if d := diffResp(applyResp(exResp(status), exRespBody, &out), tc.want(exResp(status))); d != "" {
		t.Errorf("%s\nreply: %+v", d, out)
	}
	if got := x.RespBodyTrips; (got == 1) != tc.bodyTrip || got > 1 {
		t.Errorf("%d RespBody round trips, want %d", got, map[bool]int{true: 1}[tc.bodyTrip])
	}
}

// TestScriptChains runs routes whose ext-plugin conf lists several example
// plugins: they run in order, each seeing the request as the earlier ones
// left it, and the first to answer ends the chain.
func TestScriptChains(t *testing.T) {
	r := startExampleRunner(t, nil)
	cl := r.client()
	const newBody = `{"user":"anonymous"}`
	reqChains := []exReqCase{
		{name: "rewrite, request-body-rewrite, var-body: the digest is of the new body, not asked of APISIX",
			confs: []client.Conf{
				pc("rewrite", map[string]any{"strip_prefix": "/api", "set_headers": map[string]string{"X-Forwarded-Prefix": "/api"}}),
				pc("request-body-rewrite", map[string]any{"new_body": newBody, "content_type": "application/json"}),
				pc("var-body", map[string]any{"body_digest": "X-Body-SHA256", "vars": map[string]string{"remote_addr": "X-Real-IP"}}),
			},
			want: exTimes(2, exUpstream(func(o *reqOutcome) {
				o.Path = "/ünïcødé/路径"
				o.Body = newBody
				o.Headers = exHeaders(client.Pair("x-forwarded-prefix", "/api"), client.Pair("content-type", "application/json"),
					client.Pair("x-real-ip", "10.0.0.7"), client.Pair("x-body-sha256", sha256Hex(newBody)),
					client.Pair("x-body-length", strconv.Itoa(len(newBody))))
			})),
			varTrips: 1, bodyTrips: 0},
		{name: "var-body, request-body-rewrite: the digest is of the body APISIX has",
			confs: []client.Conf{
				pc("var-body", map[string]any{"body_digest": "X-Original-SHA256"}),
				pc("request-body-rewrite", map[string]any{"new_body": newBody}),
			},
			want: exOnce(exUpstream(func(o *reqOutcome) {
				o.Body = newBody
				o.Headers = exHeaders(client.Pair("x-original-sha256", sha256Hex(exBody)), client.Pair("x-body-length", strconv.Itoa(len(exBody))))
			})),
			varTrips: 0, bodyTrips: 1},
		{name: "rewrite twice: the second sees the first's path",
			confs: []client.Conf{
				pc("rewrite", map[string]any{"strip_prefix": "/api"}),
				pc("rewrite", map[string]any{"strip_prefix": "/ünïcødé", "set_args": map[string]string{"v": "2"}}),
			},
			want: exOnce(exUpstream(func(o *reqOutcome) {
				o.Path = "/路径"
				o.Args = append(o.Args, client.Pair("v", "2"))
			}))},
		{name: "an arg set then deleted later in the chain is no change",
			confs: []client.Conf{
				pc("rewrite", map[string]any{"set_args": map[string]string{"tmp": "1"}}),
				pc("rewrite", map[string]any{"del_args": []string{"tmp"}}),
			},
			want: exOnce(exPass)},
		{name: "limit-req before say: say answers until the bucket is empty",
			confs: []client.Conf{
				pc("limit-req", map[string]any{"rate": 0.001, "burst": 1, "rejected_code": 429}),
				pc("say", map[string]any{"body": "hi"}),
			},
			want: []func(*client.ReqCall, string) reqOutcome{
				exStop(200, "hi", client.Pair("content-type", "text/plain; charset=utf-8"), exSayRunner), exStop(429, ""), exStop(429, ""),
			}},
		{name: "say with an empty body passes on to rewrite",
			confs: []client.Conf{pc("say", map[string]any{"body": ""}), pc("rewrite", map[string]any{"path": "/v2"})},
			want:  exOnce(exUpstream(func(o *reqOutcome) { o.Path = "/v2" }))},
		{name: "rewrite then fault-injection: the fault answers, the rewrite is moot",
			confs: []client.Conf{
				pc("rewrite", map[string]any{"path": "/v2", "set_headers": map[string]string{"X-A": "1"}}),
				pc("fault-injection", map[string]any{"http_status": 502, "body": "bad gateway"}),
			},
			want: exOnce(exStop(502, "bad gateway"))},
		{name: "say before fault-injection: the chain ends at the first answer",
			confs: []client.Conf{
				pc("say", map[string]any{"body": "first", "status": 202}),
				pc("fault-injection", map[string]any{"http_status": 500, "body": "never"}),
				pc("var-body", map[string]any{"body_digest": "X-Sum"}),
			},
			want: exTimes(2, exStop(202, "first", client.Pair("content-type", "text/plain; charset=utf-8"), exSayRunner))},
		{name: "fault-injection at 0% then var-body then say",
			confs: []client.Conf{
				pc("fault-injection", map[string]any{"http_status": 500, "percentage": 0}),
				pc("var-body", map[string]any{"vars": map[string]string{"route_id": "X-Route-Id"}}),
				pc("say", map[string]any{"body": "served"}),
			},
			want: exOnce(exStop(200, "served", client.Pair("content-type", "text/plain; charset=utf-8"), exSayRunner)), varTrips: 1},
		{name: "response plugins in a request chain change nothing",
			confs: []client.Conf{
				pc("resp-header", map[string]any{"set": map[string]string{"X-Frame-Options": "DENY"}}),
				pc("rewrite", map[string]any{"set_headers": map[string]string{"X-A": "1"}}),
				pc("response-rewrite", map[string]any{"status": 500, "body": "x"}),
			},
			want: exOnce(exUpstream(func(o *reqOutcome) { o.Headers = exHeaders(client.Pair("x-a", "1")) }))},
	}
	for _, phase := range []string{phasePreReq, phasePostReq} {
		for _, tc := range reqChains {
			t.Run(phase+"/"+tc.name, func(t *testing.T) { runReqCase(t, cl, phase, tc) })
		}
	}

	respChains := []exRespCase{
		{name: "resp-header then response-rewrite", status: 502,
			confs: []client.Conf{
				pc("resp-header", map[string]any{"set": map[string]string{"X-Frame-Options": "DENY"}, "del": []string{"X-Powered-By"}, "status_map": map[string]int{"502": 503}}),
				pc("response-rewrite", map[string]any{"headers": map[string]string{"X-Rewritten": "yes"}, "filters": []map[string]string{{"regex": "hello", "scope": "global", "replace": "bye"}}}),
			},
			bodyTrip: true,
			want: func(rs *client.RespCall) respOutcome {
				return respOutcome{Status: 503, Body: "bye wörld, bye wörld", Headers: []client.KV{
					client.Pair("content-type", "text/html; charset=utf-8"), client.Pair("server", "nginx"), client.Pair("vary", "Accept"),
					client.Pair("set-cookie", "a=1"), client.Pair("set-cookie", "b=2"), client.Pair("x-name", "Zoë"),
					client.Pair("x-frame-options", "DENY"), client.Pair("x-rewritten", "yes"),
				}}
			}},
		{name: "two response-rewrites: the first status wins, the changes add up",
			confs: []client.Conf{
				pc("response-rewrite", map[string]any{"status": 201, "body": "one"}),
				pc("response-rewrite", map[string]any{"status": 202, "headers": map[string]string{"X-Second": "2"}}),
			},
			want: func(rs *client.RespCall) respOutcome {
				return respOutcome{Status: 201, Body: "one", Headers: append(lowerKVs(rs.Headers), client.Pair("x-second", "2"))}
			}},
		{name: "request plugins in a response chain change nothing",
			confs: []client.Conf{
				pc("say", map[string]any{"body": "never"}),
				pc("resp-header", map[string]any{"add": map[string]string{"Vary": "Origin"}}),
				pc("fault-injection", map[string]any{"http_status": 500}),
			},
			want: func(rs *client.RespCall) respOutcome {
				return respOutcome{Status: 200, Body: exRespBody, Headers: append(lowerKVs(rs.Headers), client.Pair("vary", "Origin"))}
			}},
	}
	for _, tc := range respChains {
		t.Run(phasePostResp+"/"+tc.name, func(t *testing.T) { runRespCase(t, cl, tc) })
	}
	if s := cl.Stats(); s.Retries != 0 || s.Failures != 0 {
		t.Errorf("client stats %+v: want no retry and no failure", s)
	}
	r.alive()
}

// TestScriptBadConfs: a conf an example plugin refuses fails PrepareConf
// (APISIX answers 503, or skips the plugin with allow_degradation), in
// every phase, without a retry, and the runner goes on serving.
func TestScriptBadConfs(t *testing.T) {
	r := startExampleRunner(t, nil)
	cl := r.client()
	cases := []struct {
		name string
		conf client.Conf
	}{
		{"say with status 99", pc("say", map[string]any{"body": "x", "status": 99})},
		{"fault-injection at 101%", pc("fault-injection", map[string]any{"http_status": 503, "percentage": 101})},
		{"fault-injection without a status", pc("fault-injection", nil)},
		{"limit-req at rate 0", pc("limit-req", map[string]any{"rate": 0})},
		{"limit-req with a rejected_code of 600", pc("limit-req", map[string]any{"rate": 1, "rejected_code": 600})},
		{"request-body-rewrite without new_body", pc("request-body-rewrite", nil)},
		{"request-body-rewrite to an empty body (APISIX cannot express one)", pc("request-body-rewrite", map[string]any{"new_body": ""})},
		{"rewrite to a relative path", pc("rewrite", map[string]any{"path": "users"})},
		{"rewrite stripping /", pc("rewrite", map[string]any{"strip_prefix": "/"})},
		{"var-body with a negative max_body", pc("var-body", map[string]any{"max_body": -1})},
		{"var-body mapping a variable to no header", pc("var-body", map[string]any{"vars": map[string]string{"remote_addr": ""}})},
		{"response-rewrite with a bad regex", pc("response-rewrite", map[string]any{"filters": []map[string]string{{"regex": "("}}})},
		{"response-rewrite with scope sometimes", pc("response-rewrite", map[string]any{"filters": []map[string]string{{"regex": "a", "scope": "sometimes"}}})},
		{"resp-header with a bad status_map", pc("resp-header", map[string]any{"status_map": map[string]int{"abc": 503}})},
		{"a conf that is not JSON", pc("rewrite", `{"path": "/x"`)},
	}
	ok := exRoute(phasePreReq, pc("say", map[string]any{"body": "fine"}))
	for _, tc := range cases {
		for _, phase := range []string{phasePreReq, phasePostReq, phasePostResp} {
			t.Run(phase+"/"+tc.name, func(t *testing.T) {
				rt := exRoute(phase, pc("say", map[string]any{"body": ""}), tc.conf)
				var err error
				if phase == phasePostResp {
					err = cl.RespCall(rt, exResp(200), nil, &client.RespResult{})
				} else {
					err = cl.ReqCall(rt, exReq(), nil, &client.ReqResult{})
				}
				if !errors.Is(err, client.ErrRPC) || errors.Is(err, client.ErrTokenNotFound) {
					t.Fatalf("got %v, want the rpc error of a refused conf", err)
				}
				var out client.ReqResult
				if err := cl.ReqCall(ok, exReq(), nil, &out); err != nil || string(out.Stop.Body) != "fine" {
					t.Fatalf("runner no longer serves: %v %+v", err, out)
				}
			})
		}
	}
	if s := cl.Stats(); s.Retries != 0 {
		t.Errorf("stats %+v: a refused conf is no reason to retry", s)
	}
	r.alive()
}
