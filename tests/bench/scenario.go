package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/go-runner/go-runner/protocol/client"
)

// What the scenarios' plugins are configured to do, and what every reply is
// checked against. say and response-rewrite are the reference runner's
// examples and go-runner's scripts of the same names (scripts/), which
// answer the same confs with the same bodies and statuses but set
// different extra headers (both says add X-Resp-A6-Runner: Go, go-runner's
// also a Content-Type): the checks leave those out.
// bench-rewrite and bench-var are written for this benchmark, the same
// work for both runners (refplugins/ for the reference, scripts/ for
// go-runner), each in its SDK's idiom: go-runner's rewrite is prepared in
// ParseConf.
const (
	sayBody = "hello"

	rewritePath  = "/internal/v2/orders/00042/items"
	rewriteHdrA  = "X-Bench-Route"
	rewriteValA  = "orders"
	rewriteHdrB  = "X-Upstream-Version"
	rewriteValB  = "v2"
	varName      = "remote_addr"
	varHeader    = "X-Real-IP"
	varValue     = "203.0.113.7"
	respBody     = "rewritten by the runner"
	respHdr      = "X-Bench"
	respHdrValue = "resp"
	runnerHdr    = "X-Resp-A6-Runner"
	runnerHdrVal = "Go"
)

// scenario is one kind of call with the plugin conf that serves it.
type scenario struct {
	name string
	desc string
	// phase names the ext-plugin the conf belongs to, for the conf key.
	phase string
	conf  []client.Conf
	// resp makes the call an HTTPRespCall.
	resp bool
	// extra is the variable the runner must ask for once per call; "" when
	// it must ask for nothing.
	extra string
	// checkReq or checkResp validates the decoded reply.
	checkReq  func(*client.ReqResult) error
	checkResp func(*client.RespResult) error
}

var scenarios = []*scenario{
	{
		name:  "say",
		desc:  "say plugin: Stop with a body",
		phase: "ext-plugin-pre-req",
		conf:  []client.Conf{{Name: "say", Value: `{"body":"` + sayBody + `"}`}},
		checkReq: func(r *client.ReqResult) error {
			if r.Action != client.ActionStop {
				return fmt.Errorf("%w: action %s, want stop", errReply, r.Action)
			}
			if r.Stop.Status != 200 || string(r.Stop.Body) != sayBody {
				return fmt.Errorf("%w: stop %d %q, want 200 %q", errReply, r.Stop.Status, r.Stop.Body, sayBody)
			}
			return nil
		},
	},
	{
		name:  "rewrite",
		desc:  "bench-rewrite plugin: Rewrite of the path and two headers",
		phase: "ext-plugin-pre-req",
		conf: []client.Conf{{Name: "bench-rewrite", Value: `{"path":"` + rewritePath +
			`","headers":{"` + rewriteHdrA + `":"` + rewriteValA + `","` + rewriteHdrB + `":"` + rewriteValB + `"}}`}},
		checkReq: func(r *client.ReqResult) error {
			if r.Action != client.ActionRewrite {
				return fmt.Errorf("%w: action %s, want rewrite", errReply, r.Action)
			}
			w := &r.Rewrite
			if !w.HasPath || w.Path != rewritePath {
				return fmt.Errorf("%w: rewrite path %q, want %q", errReply, w.Path, rewritePath)
			}
			if len(w.Args) != 0 || len(w.RespHeaders) != 0 || w.HasBody {
				return fmt.Errorf("%w: rewrite changes args, response headers or body", errReply)
			}
			return wantHeaders(w.Headers, rewriteHdrA, rewriteValA, rewriteHdrB, rewriteValB)
		},
	},
	{
		name:  "var",
		desc:  "bench-var plugin: one Var round trip, then a Rewrite with the value",
		phase: "ext-plugin-pre-req",
		conf:  []client.Conf{{Name: "bench-var", Value: `{"var":"` + varName + `","header":"` + varHeader + `"}`}},
		extra: varName,
		checkReq: func(r *client.ReqResult) error {
			if r.Action != client.ActionRewrite {
				return fmt.Errorf("%w: action %s, want rewrite", errReply, r.Action)
			}
			w := &r.Rewrite
			if w.HasPath || len(w.Args) != 0 || len(w.RespHeaders) != 0 || w.HasBody {
				return fmt.Errorf("%w: rewrite changes more than headers", errReply)
			}
			return wantHeaders(w.Headers, varHeader, varValue)
		},
	},
	{
		name:  "resp",
		desc:  "response-rewrite plugin in post-resp: new body and headers",
		phase: "ext-plugin-post-resp",
		conf:  []client.Conf{{Name: "response-rewrite", Value: `{"headers":{"` + respHdr + `":"` + respHdrValue + `"},"body":"` + respBody + `"}`}},
		resp:  true,
		checkResp: func(r *client.RespResult) error {
			if r.Status != 0 && r.Status != 200 {
				return fmt.Errorf("%w: status %d, want 0 or 200", errReply, r.Status)
			}
			if !r.HasBody || !bytes.Equal(r.Body, []byte(respBody)) {
				return fmt.Errorf("%w: body %q, want %q", errReply, r.Body, respBody)
			}
			return wantHeaders(r.Headers, respHdr, respHdrValue)
		},
	},
}

// scenarioNames lists the scenarios for usage messages.
func scenarioNames() string {
	names := make([]string, 0, len(scenarios))
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func findScenario(name string) (*scenario, error) {
	for _, s := range scenarios {
		if s.name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w %q (have %s)", errUnknownScen, name, scenarioNames())
}

// key is the scenario's PrepareConf key, in APISIX's format.
func (s *scenario) key() string { return client.ConfKey("bench-"+s.name, s.phase, 1) }

// wantHeaders checks that kvs holds each name (case-insensitive) with its
// value, given as name, value pairs.
func wantHeaders(kvs []client.KV, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		kv, ok := client.Lookup(kvs, pairs[i])
		if !ok || kv.NoValue || kv.Value != pairs[i+1] {
			return fmt.Errorf("%w: header %s: got %q (present %t), want %q", errReply, pairs[i], kv.Value, ok, pairs[i+1])
		}
	}
	return nil
}
