package client

import (
	"bytes"
	"flag"
	"net"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGoldenFrames pins the exact bytes the client sends, so that a change
// of the encoding shows up in review.
func TestGoldenFrames(t *testing.T) {
	e := NewEncoder()
	frame := func(typ byte, body []byte) []byte {
		f, err := AppendFrame(nil, typ, body)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	req, err := e.ReqCall(&ReqCall{ID: 42, SrcIP: net.ParseIP("192.168.1.2"), Method: "PUT", Path: "/v1/items",
		Args: []KV{Pair("a", "1"), Bare("b"), Pair("c", "")}, Headers: []KV{Pair("Host", "up"), Pair("X-Id", "7")}, ConfToken: 3})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		got  []byte
	}{
		{"req_call.bin", frame(TypeHTTPReqCall, req)},
		{"prepare_conf.bin", frame(TypePrepareConf, e.PrepareConf(ConfKey("1", "ext-plugin-pre-req", 2), []Conf{{"say", `{"body":"hi"}`}}))},
		{"resp_call.bin", frame(TypeHTTPRespCall, e.RespCall(&RespCall{ID: 5, Status: 502, Headers: []KV{Pair("Content-Type", "text/plain")}, ConfToken: 3}))},
		{"extra_resp.bin", frame(TypeExtraInfo, e.ExtraResp([]byte("10.0.0.1"), true))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.name)
			if *update {
				if err := os.WriteFile(path, tc.got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(tc.got, want) {
				t.Fatalf("frame differs from %s:\n got %x\nwant %x", path, tc.got, want)
			}
		})
	}
}
