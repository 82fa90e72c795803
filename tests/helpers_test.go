package tests

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

var routeSeq atomic.Int64

// newKey returns a conf key no other test uses.
func newKey(phase string) string {
	return client.ConfKey(fmt.Sprint(routeSeq.Add(1)), phase, 1)
}

// pc is a conf entry: the plugin name and its conf marshalled to JSON
// (a string is sent as is).
func pc(name string, v any) client.Conf {
	switch v := v.(type) {
	case nil:
		return client.Conf{Name: name, Value: "{}"}
	case string:
		return client.Conf{Name: name, Value: v}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return client.Conf{Name: name, Value: string(b)}
}

// route is a route of the pre-req phase with a new key.
func route(confs ...client.Conf) *client.Route {
	return &client.Route{Key: newKey("ext-plugin-pre-req"), Conf: confs}
}

// prepare prepares confs on c under a new key and returns the token.
func prepare(t testing.TB, c *client.Conn, confs ...client.Conf) uint32 {
	t.Helper()
	tok, err := c.Prepare(newKey("ext-plugin-pre-req"), confs)
	if err != nil {
		t.Fatalf("prepare %v: %v", confs, err)
	}
	return tok
}

// call makes a request call with token tok on c and fails the test on error.
func call(t testing.TB, c *client.Conn, tok uint32, rq client.ReqCall, x client.ExtraProvider) *client.ReqResult {
	t.Helper()
	rq.ConfToken = tok
	var out client.ReqResult
	if err := c.ReqCall(&rq, x, &out); err != nil {
		t.Fatalf("req call: %v", err)
	}
	if out.ID != rq.ID {
		t.Fatalf("reply id %d, want the request's %d", out.ID, rq.ID)
	}
	return &out
}

// respCall makes a response call with token tok on c.
func respCall(t testing.TB, c *client.Conn, tok uint32, rq client.RespCall, x client.ExtraProvider) *client.RespResult {
	t.Helper()
	rq.ConfToken = tok
	var out client.RespResult
	if err := c.RespCall(&rq, x, &out); err != nil {
		t.Fatalf("resp call: %v", err)
	}
	if out.ID != rq.ID {
		t.Fatalf("reply id %d, want the request's %d", out.ID, rq.ID)
	}
	return &out
}

// wantRPCError checks that err is the runner's RPC_ERROR reply.
func wantRPCError(t testing.TB, err error, what string) *client.RPCError {
	t.Helper()
	var rpc *client.RPCError
	if !errors.As(err, &rpc) {
		t.Fatalf("%s: got %v, want an rpc error reply", what, err)
	}
	return rpc
}

// sayWorks checks that c can still be used: prepare and call a say.
func sayWorks(t testing.TB, c *client.Conn) {
	t.Helper()
	tok := prepare(t, c, pc("say", map[string]any{"body": "still here"}))
	out := call(t, c, tok, client.ReqCall{ID: 4242, Path: "/alive"}, nil)
	if out.Action != client.ActionStop || string(out.Stop.Body) != "still here" {
		t.Fatalf("connection no longer serves: %+v", out)
	}
}

// values returns the values of name in kvs, compared case-insensitively.
func values(kvs []client.KV, name string) []string { return client.Values(kvs, name) }

// one returns the single value of name in kvs, failing when there is not
// exactly one.
func one(t testing.TB, kvs []client.KV, name string) string {
	t.Helper()
	vs := values(kvs, name)
	if len(vs) != 1 {
		t.Fatalf("%s: values %q in %v, want exactly one", name, vs, kvs)
	}
	return vs[0]
}

// deleted reports whether kvs has an entry name without a value.
func deleted(kvs []client.KV, name string) bool {
	kv, ok := client.Lookup(kvs, name)
	return ok && kv.NoValue
}

// names lists the lower-cased names of kvs, sorted, without repeats.
func names(kvs []client.KV) []string {
	var out []string
	for _, kv := range kvs {
		n := strings.ToLower(kv.Name)
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func fmtSscan(s string, v any) (int, error) { return fmt.Sscan(s, v) }

// splitValues splits header values joined with ", " (RFC 9110's combined
// form), so that one joined entry and separate entries compare equal.
func splitValues(vs []string) []string {
	var out []string
	for _, v := range vs {
		out = append(out, strings.Split(v, ", ")...)
	}
	return out
}

// sameMultiset compares entries ignoring order between names but keeping
// the order of the values of one name.
func sameMultiset(a, b []client.KV) bool {
	if len(a) != len(b) {
		return false
	}
	group := func(kvs []client.KV) map[string][]string {
		m := map[string][]string{}
		for _, kv := range kvs {
			m[kv.Name] = append(m[kv.Name], kv.String())
		}
		return m
	}
	return reflect.DeepEqual(group(a), group(b))
}
