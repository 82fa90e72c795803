package client

import (
	"errors"
	"fmt"
	"net"
	"reflect"
	"testing"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"
)

// readEntries reads a TextEntry vector with the generated readers.
func readEntries(n int, at func(*A6.TextEntry, int) bool) []KV {
	var out []KV
	var e A6.TextEntry
	for i := 0; i < n; i++ {
		at(&e, i)
		kv := KV{Name: string(e.Name())}
		if v := e.Value(); v == nil {
			kv.NoValue = true
		} else {
			kv.Value = string(v)
		}
		out = append(out, kv)
	}
	return out
}

func manyHeaders(n int) []KV {
	h := make([]KV, n)
	for i := range h {
		h[i] = Pair(fmt.Sprintf("X-H-%03d", i), "v")
	}
	return h
}

func TestEncodeReqCall(t *testing.T) {
	lowered := manyHeaders(MaxHeaders)
	for i := range lowered {
		lowered[i].Name = fmt.Sprintf("x-h-%03d", i)
	}
	cases := []struct {
		name     string
		in       ReqCall
		wantIP   []byte
		method   A6.Method
		wantArgs []KV
		wantHdrs []KV
	}{
		{
			name:   "defaults",
			in:     ReqCall{ID: 1, Path: "/"},
			wantIP: []byte{127, 0, 0, 1},
			method: A6.MethodGET,
		},
		{
			name: "args without value, empty value, repeats",
			in: ReqCall{ID: 2, Method: "POST", Path: "/a b", SrcIP: net.ParseIP("10.1.2.3"),
				Args: []KV{Pair("a", "1"), Bare("b"), Pair("c", ""), Pair("a", "2")}},
			wantIP:   []byte{10, 1, 2, 3},
			method:   A6.MethodPOST,
			wantArgs: []KV{Pair("a", "1"), Bare("b"), Pair("c", ""), Pair("a", "2")},
		},
		{
			name:     "header names lower-cased, order and repeats kept",
			in:       ReqCall{Method: "PATCH", SrcIP: net.ParseIP("::1"), Headers: []KV{Pair("X-Api-Key", "K"), Pair("accept", "a"), Pair("Accept", "b")}},
			wantIP:   net.ParseIP("::1").To16(),
			method:   A6.MethodPATCH,
			wantHdrs: []KV{Pair("x-api-key", "K"), Pair("accept", "a"), Pair("accept", "b")},
		},
		{
			name:     "headers beyond 100 dropped",
			in:       ReqCall{Method: "TRACE", Headers: manyHeaders(150)},
			wantIP:   []byte{127, 0, 0, 1},
			method:   A6.MethodTRACE,
			wantHdrs: lowered,
		},
	}
	e := NewEncoder()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.ConfToken = 77
			body, err := e.ReqCall(&tc.in)
			if err != nil {
				t.Fatal(err)
			}
			r := hrc.GetRootAsReq(body, 0)
			if r.Id() != tc.in.ID || r.ConfToken() != 77 || r.Method() != tc.method {
				t.Errorf("id %d token %d method %s", r.Id(), r.ConfToken(), r.Method())
			}
			if got := r.SrcIpBytes(); !reflect.DeepEqual(got, tc.wantIP) {
				t.Errorf("src ip %v, want %v", got, tc.wantIP)
			}
			if got := string(r.Path()); got != tc.in.Path {
				t.Errorf("path %q", got)
			}
			if got := readEntries(r.ArgsLength(), r.Args); !reflect.DeepEqual(got, tc.wantArgs) {
				t.Errorf("args %v, want %v", got, tc.wantArgs)
			}
			if got := readEntries(r.HeadersLength(), r.Headers); !reflect.DeepEqual(got, tc.wantHdrs) {
				t.Errorf("headers %v, want %v", got, tc.wantHdrs)
			}
		})
	}
}

func TestEncodeReqCallBadMethod(t *testing.T) {
	for _, m := range []string{"CONNECT", "get", "PURGE"} {
		t.Run(m, func(t *testing.T) {
			_, err := NewEncoder().ReqCall(&ReqCall{Method: m})
			if !errors.Is(err, ErrBadMethod) {
				t.Fatalf("err %v, want ErrBadMethod", err)
			}
		})
	}
}

func TestEncodePrepareConf(t *testing.T) {
	cases := []struct {
		name string
		key  string
		conf []Conf
	}{
		{"empty chain", ConfKey("1", "ext-plugin-pre-req", 3), nil},
		{"two plugins in order", ConfKey("r7", "ext-plugin-post-resp", 1),
			[]Conf{{"say", `{"body":"hi"}`}, {"rewrite", `{}`}}},
	}
	e := NewEncoder()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := pc.GetRootAsReq(e.PrepareConf(tc.key, tc.conf), 0)
			if string(r.Key()) != tc.key {
				t.Errorf("key %q", r.Key())
			}
			var got []Conf
			var te A6.TextEntry
			for i := 0; i < r.ConfLength(); i++ {
				r.Conf(&te, i)
				got = append(got, Conf{string(te.Name()), string(te.Value())})
			}
			if !reflect.DeepEqual(got, tc.conf) {
				t.Errorf("conf %v, want %v", got, tc.conf)
			}
		})
	}
}

func TestConfKey(t *testing.T) {
	if got := ConfKey("12", "say", 4); got != "route#12#say#4" {
		t.Fatalf("ConfKey = %q", got)
	}
}

func TestEncodeRespCall(t *testing.T) {
	in := RespCall{ID: 9, Status: 404, ConfToken: 5,
		Headers: append([]KV{Pair("Content-Type", "text/plain")}, manyHeaders(120)...)}
	r := hrsc.GetRootAsReq(NewEncoder().RespCall(&in), 0)
	if r.Id() != 9 || r.Status() != 404 || r.ConfToken() != 5 {
		t.Fatalf("id %d status %d token %d", r.Id(), r.Status(), r.ConfToken())
	}
	h := readEntries(r.HeadersLength(), r.Headers)
	if len(h) != MaxHeaders || h[0] != Pair("content-type", "text/plain") {
		t.Fatalf("%d headers, first %v", len(h), h[0])
	}
}

func TestEncodeExtraResp(t *testing.T) {
	cases := []struct {
		name   string
		result []byte
		ok     bool
	}{
		{"no result", nil, false},
		{"empty result", []byte{}, true},
		{"value", []byte("10.0.0.1"), true},
	}
	e := NewEncoder()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ei.GetRootAsResp(e.ExtraResp(tc.result, tc.ok), 0)
			got := r.ResultBytes()
			if (got != nil) != tc.ok || string(got) != string(tc.result) {
				t.Fatalf("result %q (present %v)", got, got != nil)
			}
		})
	}
}

func TestEncoderFrame(t *testing.T) {
	e := NewEncoder()
	body := append([]byte(nil), e.PrepareConf("k", nil)...)
	f, err := e.frame(TypePrepareConf)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := AppendFrame(nil, TypePrepareConf, body)
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("frame %x, want %x", f, want)
	}
}
