package main

import (
	"encoding/base64"
	"fmt"
	"unicode/utf8"

	"github.com/go-runner/go-runner/protocol/client"
)

// tryOutput is what `go-runner try` prints: the reply APISIX would
// receive, plus what it would do with it.
type tryOutput struct {
	Phase string `json:"phase"`
	// Call numbers the call, from 1, when try makes several (--repeat).
	Call int `json:"call,omitempty"`
	// Action is stop, rewrite or none for the request phase, response for
	// the response phase, error for an error reply.
	Action   string       `json:"action"`
	Stop     *tryStop     `json:"stop,omitempty"`
	Rewrite  *tryRewrite  `json:"rewrite,omitempty"`
	Upstream *tryUpstream `json:"upstream,omitempty"`
	Response *tryResponse `json:"response,omitempty"`
	Client   *tryClient   `json:"client,omitempty"`
	Error    *tryError    `json:"error,omitempty"`
	// ExtraInfo counts the questions the plugins asked APISIX.
	ExtraInfo *tryExtra `json:"extra_info,omitempty"`
	// Warnings are about the conf: a plugin without a filter for the phase.
	Warnings []string `json:"warnings,omitempty"`
}

// tryRepeat is what try prints for --repeat or --concurrency: every
// call's output, by call number, and how many calls ended each way.
type tryRepeat struct {
	Phase       string `json:"phase"`
	Repeat      int    `json:"repeat"`
	Concurrency int    `json:"concurrency"`
	// Summary counts the calls by outcome: "none", "rewrite", "stop 429",
	// "response 200" (the client's status) or "error BAD_REQUEST".
	Summary  map[string]int `json:"summary"`
	Warnings []string       `json:"warnings,omitempty"`
	Calls    []*tryOutput   `json:"calls"`
}

// tryKV is a header or argument; Value is absent on an entry that deletes.
type tryKV struct {
	Name   string  `json:"name"`
	Value  *string `json:"value,omitempty"`
	Delete bool    `json:"delete,omitempty"`
}

// tryBody is a body: as text when it is UTF-8, else in base64.
type tryBody struct {
	Body       *string `json:"body,omitempty"`
	BodyBase64 *string `json:"body_base64,omitempty"`
}

type tryStop struct {
	// Status as APISIX uses it (0 on the wire is 200).
	Status  int     `json:"status"`
	Headers []tryKV `json:"headers"`
	tryBody
}

type tryRewrite struct {
	Path        *string `json:"path,omitempty"`
	Headers     []tryKV `json:"headers"`
	Args        []tryKV `json:"args"`
	RespHeaders []tryKV `json:"resp_headers"`
	tryBody
}

// tryUpstream is the request the upstream would receive after a rewrite.
type tryUpstream struct {
	Path    string  `json:"path"`
	Headers []tryKV `json:"headers"`
	Args    []tryKV `json:"args"`
}

// tryResponse is the reply to a response-phase call.
type tryResponse struct {
	// Status 0 keeps the upstream's.
	Status  int     `json:"status"`
	Headers []tryKV `json:"headers"`
	tryBody
}

// tryClient is what the HTTP client would receive after a response-phase
// reply.
type tryClient struct {
	Status  int     `json:"status"`
	Headers []tryKV `json:"headers"`
	tryBody
}

type tryError struct {
	// Code is the RPC error code: BAD_REQUEST, SERVICE_UNAVAILABLE or
	// CONF_TOKEN_NOT_FOUND.
	Code string `json:"code"`
	// Reason is why, as the runner logs it; the wire carries only the
	// code, so a reply from a runner reached with --socket has none.
	Reason string `json:"reason,omitempty"`
}

type tryExtra struct {
	Var          int `json:"var"`
	RequestBody  int `json:"request_body"`
	ResponseBody int `json:"response_body"`
}

func kvs(in []client.KV) []tryKV {
	out := make([]tryKV, 0, len(in))
	for _, kv := range in {
		e := tryKV{Name: kv.Name}
		if kv.NoValue {
			e.Delete = true
		} else {
			v := kv.Value
			e.Value = &v
		}
		out = append(out, e)
	}
	return out
}

// argKVs shows query arguments: an argument without a value is shown
// without one, not as a deletion.
func argKVs(in []client.KV) []tryKV {
	out := make([]tryKV, 0, len(in))
	for _, kv := range in {
		e := tryKV{Name: kv.Name}
		if !kv.NoValue {
			v := kv.Value
			e.Value = &v
		}
		out = append(out, e)
	}
	return out
}

func body(b []byte) tryBody {
	if utf8.Valid(b) {
		s := string(b)
		return tryBody{Body: &s}
	}
	s := base64.StdEncoding.EncodeToString(b)
	return tryBody{BodyBase64: &s}
}

func extraOf(x *client.Extra) *tryExtra {
	return &tryExtra{Var: x.VarTrips, RequestBody: x.ReqBodyTrips, ResponseBody: x.RespBodyTrips}
}

// outcome is the key of the summary of --repeat for out.
func (out *tryOutput) outcome() string {
	switch {
	case out.Error != nil:
		return "error " + out.Error.Code
	case out.Stop != nil:
		return fmt.Sprintf("stop %d", out.Stop.Status)
	case out.Client != nil:
		return fmt.Sprintf("response %d", out.Client.Status)
	}
	return out.Action
}

func reqOutput(tc *tryCall, x *client.Extra, res *client.ReqResult) *tryOutput {
	out := &tryOutput{Phase: "request", Action: res.Action.String(), ExtraInfo: extraOf(x)}
	switch res.Action {
	case client.ActionStop:
		out.Stop = &tryStop{Status: res.Stop.Status, Headers: kvs(res.Stop.Headers), tryBody: body(res.Stop.Body)}
	case client.ActionRewrite:
		rw := &res.Rewrite
		out.Rewrite = &tryRewrite{Headers: kvs(rw.Headers), Args: kvs(rw.Args), RespHeaders: kvs(rw.RespHeaders)}
		if rw.HasPath {
			p := rw.Path
			out.Rewrite.Path = &p
		}
		if rw.HasBody {
			out.Rewrite.tryBody = body(rw.Body)
		}
		up := &tryUpstream{Path: tc.req.Path, Headers: kvs(rw.ApplyHeaders(tc.req.Headers)), Args: argKVs(rw.ApplyArgs(tc.req.Args))}
		if rw.HasPath {
			up.Path = rw.Path
		}
		out.Upstream = up
	}
	return out
}

func respOutput(tc *tryCall, x *client.Extra, res *client.RespResult) *tryOutput {
	out := &tryOutput{Phase: "response", Action: "response", ExtraInfo: extraOf(x)}
	r := &tryResponse{Status: res.Status, Headers: kvs(res.Headers)}
	if res.HasBody {
		r.tryBody = body(res.Body)
	}
	out.Response = r
	cl := &tryClient{Status: tc.resp.Status, Headers: kvs(res.ClientHeaders(tc.resp.Headers))}
	if res.Status != 0 {
		cl.Status = res.Status
	}
	switch {
	case res.HasBody:
		cl.tryBody = body(res.Body)
	case tc.extra.RespBody != nil:
		cl.tryBody = body(tc.extra.RespBody)
	}
	out.Client = cl
	return out
}
