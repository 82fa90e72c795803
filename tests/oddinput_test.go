package tests

import (
	"testing"

	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"

	"github.com/go-runner/go-runner/protocol/client"
)

// Frames APISIX never sends but a runner must take without harm.

func TestPipelinedFrames(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	tok := prepare(t, c, pc("say", map[string]any{"body": "p"}))
	enc := client.NewEncoder()
	var burst []byte
	for i := 0; i < 5; i++ {
		body, err := enc.ReqCall(&client.ReqCall{ID: uint32(100 + i), ConfToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if burst, err = client.AppendFrame(burst, client.TypeHTTPReqCall, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.WriteRaw(burst); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		typ, body, err := c.ReadFrame()
		if err != nil || typ != client.TypeHTTPReqCall {
			t.Fatalf("reply %d: type %d, %v", i, typ, err)
		}
		var out client.ReqResult
		if err := client.DecodeReqResp(body, &out); err != nil {
			t.Fatal(err)
		}
		if out.ID != uint32(100+i) || string(out.Stop.Body) != "p" {
			t.Fatalf("reply %d: %+v, want the replies in order", i, out)
		}
	}
}

func TestOddFields(t *testing.T) {
	r := startRunner(t, "testrunner")
	c := r.dial()
	tok := prepare(t, c, pc("noop", nil), pc("rewrite", map[string]any{"set_headers": map[string]string{"X-Ok": "1"}}))
	cases := []struct {
		name   string
		mutate func(req *hrc.Req)
	}{
		{"method outside the enum", func(req *hrc.Req) { req.MutateMethod(200) }},
		{"token zero", func(req *hrc.Req) { req.MutateConfToken(0) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := client.NewEncoder().ReqCall(&client.ReqCall{ID: 9, ConfToken: tok, Path: "/odd",
				Args: []client.KV{client.Bare("b")}, Headers: []client.KV{client.Pair("Host", "h")}})
			if err != nil {
				t.Fatal(err)
			}
			body = append([]byte(nil), body...)
			tc.mutate(hrc.GetRootAsReq(body, 0))
			if err := c.WriteFrame(client.TypeHTTPReqCall, body); err != nil {
				t.Fatal(err)
			}
			typ, _, err := c.ReadFrame()
			if err != nil {
				t.Fatalf("no reply: %v", err)
			}
			if typ != client.TypeHTTPReqCall && typ != client.TypeError {
				t.Fatalf("reply type %s", client.TypeName(typ))
			}
			sayWorks(t, c)
			r.alive()
		})
	}
}
