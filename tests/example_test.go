package tests

import (
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// The documented example runner (sdk/runner/example) does what its docs say.
func TestExampleRunner(t *testing.T) {
	r := startRunner(t, "example")
	c := r.dial()
	rq := client.ReqCall{ID: 5, Path: "/get", Headers: []client.KV{client.Pair("X-Drop", "1")}, Args: []client.KV{client.Pair("b", "2")}}

	out := call(t, c, prepare(t, c, pc("say", map[string]any{"body": "hello"})), rq, nil)
	if out.Action != client.ActionStop || out.Stop.Status != 200 || string(out.Stop.Body) != "hello" || one(t, out.Stop.Headers, "x-resp-a6-runner") != "Go" {
		t.Fatalf("say: %+v", out)
	}

	out = call(t, c, prepare(t, c, pc("say", map[string]any{})), rq, nil)
	if out.Action != client.ActionNone {
		t.Fatalf("say without body: %+v, want the empty reply", out)
	}

	rw := pc("rewrite", map[string]any{
		"path": "/v2/get", "set_headers": map[string]string{"X-From": "runner"}, "del_headers": []string{"X-Drop"},
		"set_args": map[string]string{"a": "1"}, "del_args": []string{"b"}, "resp_headers": map[string]string{"X-Served-By": "runner"},
	})
	out = call(t, c, prepare(t, c, rw), rq, nil)
	w := out.Rewrite
	if out.Action != client.ActionRewrite || w.Path != "/v2/get" || one(t, w.Headers, "x-from") != "runner" || !deleted(w.Headers, "x-drop") ||
		one(t, w.Args, "a") != "1" || !deleted(w.Args, "b") || one(t, w.RespHeaders, "x-served-by") != "runner" {
		t.Fatalf("rewrite: %+v", out)
	}

	// say after rewrite answers the client: the rewrite is moot.
	out = call(t, c, prepare(t, c, rw, pc("say", map[string]any{"body": "hi"})), rq, nil)
	if out.Action != client.ActionStop || string(out.Stop.Body) != "hi" {
		t.Fatalf("rewrite then say: %+v", out)
	}
	if n := len(r.out.lines()); n != 0 {
		t.Fatalf("the example logs at warn, yet wrote %d lines:\n%s", n, r.out.String())
	}
	r.stop()
}
