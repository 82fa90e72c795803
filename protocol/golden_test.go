package protocol

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenReplies pins the exact bytes of every kind of reply.
func TestGoldenReplies(t *testing.T) {
	var r request
	if err := decodeReqCall(sampleReq.bytes(), &r.fb); err != nil {
		t.Fatal(err)
	}
	var resp response
	if err := decodeRespCall(respMsg(5, 1, 502, []kv{{name: "content-type", value: "text/plain"}, {name: "x-drop", value: "1"}}), &resp.fb); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		build func(b *flatbuffers.Builder)
	}{
		{"error_conf_token_not_found", func(b *flatbuffers.Builder) { encodeError(b, A6Err.CodeCONF_TOKEN_NOT_FOUND) }},
		{"prepare_conf", func(b *flatbuffers.Builder) { encodePrepareConf(b, 0xA1B2C3D4) }},
		{"req_call_empty", func(b *flatbuffers.Builder) { encodeEmpty(b, 7) }},
		{"req_call_stop", func(b *flatbuffers.Builder) {
			w := &responseWriter{}
			w.WriteHeader(http.StatusForbidden)
			w.Header().Add("X-Resp-A6-Runner", "Go")
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			_, _ = w.Write([]byte("denied"))
			encodeStop(b, 7, w)
		}},
		{"req_call_rewrite", func(b *flatbuffers.Builder) {
			r.reset(nil)
			r.SetPath([]byte("/v2/users/42"))
			r.Header().Set("X-User", "42")
			r.Header().Del("Cookie")
			r.Args().Set("page", "3")
			r.Args().Del("sort")
			r.RespHeader().Set("X-Cache", "miss")
			r.SetBody([]byte(`{"a":1}`))
			encodeRewrite(b, 7, &r)
		}},
		{"resp_call", func(b *flatbuffers.Builder) {
			resp.reset(nil)
			resp.WriteHeader(201)
			resp.Header().Set("X-Resp", "1")
			resp.Header().Del("X-Drop")
			_, _ = resp.Write([]byte("rewritten"))
			encodeResp(b, 5, &resp)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := flatbuffers.NewBuilder(64)
			tc.build(b)
			got := b.FinishedBytes()
			path := filepath.Join("testdata", "golden", tc.name+".bin")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./protocol -run Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("reply bytes differ from %s:\ngot  %x\nwant %x", path, got, want)
			}
		})
	}
}
