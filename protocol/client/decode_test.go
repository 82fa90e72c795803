package client

import (
	"errors"
	"reflect"
	"testing"

	"github.com/api7/ext-plugin-proto/go/A6/Err"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
)

func strp(s string) *string { return &s }

func TestDecodeReqResp(t *testing.T) {
	cases := []struct {
		name    string
		body    []byte
		want    ReqResult
		wantErr error
	}{
		{
			name: "empty reply",
			body: fbReqNone(3, hrc.ActionNONE),
			want: ReqResult{ID: 3, Action: ActionNone},
		},
		{
			name: "stop status 0 reads as 200",
			body: fbStop(4, 0, nil, []byte("hi")),
			want: ReqResult{ID: 4, Action: ActionStop, Stop: Stop{Status: 200, Body: []byte("hi")}},
		},
		{
			name: "stop with headers, repeated name kept",
			body: fbStop(5, 403, []KV{Pair("X-A", "1"), Pair("X-A", "2")}, nil),
			want: ReqResult{ID: 5, Action: ActionStop, Stop: Stop{Status: 403, WireStatus: 403,
				Headers: []KV{Pair("X-A", "1"), Pair("X-A", "2")}}},
		},
		{
			name: "rewrite everything",
			body: fbRewrite(6, fbRW{path: strp("/new"), hdrs: []KV{Pair("x-set", "v"), Bare("x-del")},
				args: []KV{Pair("a", "1"), Bare("gone")}, respHeader: []KV{Pair("x-r", "r")}, body: []byte("B")}),
			want: ReqResult{ID: 6, Action: ActionRewrite, Rewrite: Rewrite{Path: "/new", HasPath: true,
				Headers: []KV{Pair("x-set", "v"), Bare("x-del")}, Args: []KV{Pair("a", "1"), Bare("gone")},
				RespHeaders: []KV{Pair("x-r", "r")}, Body: []byte("B"), HasBody: true}},
		},
		{
			name: "rewrite without path or body",
			body: fbRewrite(7, fbRW{hdrs: []KV{Pair("x", "y")}}),
			want: ReqResult{ID: 7, Action: ActionRewrite, Rewrite: Rewrite{Headers: []KV{Pair("x", "y")}}},
		},
		{
			name: "rewrite with empty path",
			body: fbRewrite(8, fbRW{path: strp("")}),
			want: ReqResult{ID: 8, Action: ActionRewrite, Rewrite: Rewrite{HasPath: true}},
		},
		{name: "unknown action", body: fbReqNone(9, hrc.Action(7)), wantErr: ErrMalformed},
		{name: "action without table", body: fbReqNone(9, hrc.ActionStop), wantErr: ErrMalformed},
		{name: "too short", body: []byte{1, 2}, wantErr: ErrMalformed},
		{name: "garbage offsets", body: []byte{0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4}, wantErr: ErrMalformed},
	}
	var out ReqResult
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// out is reused on purpose: nothing of the previous case may remain.
			err := DecodeReqResp(tc.body, &out)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sameReqResult(out, tc.want) {
				t.Fatalf("got %+v\nwant %+v", out, tc.want)
			}
		})
	}
}

// sameReqResult compares ignoring nil against empty slices.
func sameReqResult(a, b ReqResult) bool {
	norm := func(r ReqResult) ReqResult {
		n := func(kv []KV) []KV {
			if len(kv) == 0 {
				return nil
			}
			return kv
		}
		nb := func(b []byte) []byte {
			if len(b) == 0 {
				return nil
			}
			return b
		}
		r.Stop.Headers, r.Stop.Body = n(r.Stop.Headers), nb(r.Stop.Body)
		r.Rewrite.Headers, r.Rewrite.Args, r.Rewrite.RespHeaders = n(r.Rewrite.Headers), n(r.Rewrite.Args), n(r.Rewrite.RespHeaders)
		r.Rewrite.Body = nb(r.Rewrite.Body)
		return r
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestDecodeRespResp(t *testing.T) {
	cases := []struct {
		name      string
		body      []byte
		wantEmpty bool
		status    int
		hdrs      []KV
		resBody   string
		hasBody   bool
	}{
		{name: "empty", body: fbRespReply(1, 0, nil, nil), wantEmpty: true},
		{name: "status only", body: fbRespReply(1, 418, nil, nil), status: 418},
		{name: "complete header set", body: fbRespReply(1, 0, []KV{Pair("Content-Type", "a"), Pair("X-N", "1")}, nil),
			hdrs: []KV{Pair("Content-Type", "a"), Pair("X-N", "1")}},
		{name: "empty body written", body: fbRespReply(1, 0, nil, []byte{}), hasBody: true},
		{name: "body", body: fbRespReply(1, 201, nil, []byte("xyz")), status: 201, resBody: "xyz", hasBody: true},
	}
	var out RespResult
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := DecodeRespResp(tc.body, &out); err != nil {
				t.Fatal(err)
			}
			if out.Empty() != tc.wantEmpty || out.Status != tc.status || out.HasBody != tc.hasBody ||
				string(out.Body) != tc.resBody || len(out.Headers) != len(tc.hdrs) {
				t.Fatalf("got %+v", out)
			}
			for i := range tc.hdrs {
				if out.Headers[i] != tc.hdrs[i] {
					t.Fatalf("header %d: %v, want %v", i, out.Headers[i], tc.hdrs[i])
				}
			}
		})
	}
}

func TestClientHeaders(t *testing.T) {
	up := []KV{Pair("Content-Type", "text/html"), Pair("X-Up", "1"), Pair("Server", "s")}
	empty := RespResult{}
	if got := empty.ClientHeaders(up); !reflect.DeepEqual(got, []KV{Pair("X-Up", "1")}) {
		t.Errorf("no reply headers: %v", got)
	}
	full := RespResult{Headers: []KV{Pair("Content-Type", "text/html"), Pair("X-New", "2")}}
	if got := full.ClientHeaders(up); !reflect.DeepEqual(got, full.Headers) {
		t.Errorf("reply headers: %v", got)
	}
}

func TestDecodeError(t *testing.T) {
	for _, code := range []Err.Code{Err.CodeBAD_REQUEST, Err.CodeSERVICE_UNAVAILABLE, Err.CodeCONF_TOKEN_NOT_FOUND} {
		t.Run(code.String(), func(t *testing.T) {
			rpc, err := DecodeError(fbErr(code))
			if err != nil {
				t.Fatal(err)
			}
			if rpc.Code != code || !errors.Is(rpc, ErrRPC) {
				t.Fatalf("got %v", rpc)
			}
			if errors.Is(rpc, ErrTokenNotFound) != (code == Err.CodeCONF_TOKEN_NOT_FOUND) {
				t.Fatalf("ErrTokenNotFound match wrong for %s", code)
			}
		})
	}
}

func TestDecodePrepareResp(t *testing.T) {
	tok, err := DecodePrepareResp(fbToken(0xdeadbeef))
	if err != nil || tok != 0xdeadbeef {
		t.Fatalf("token %x, err %v", tok, err)
	}
	if _, err := DecodePrepareResp(nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty body: %v", err)
	}
}

func TestDecodeExtraReq(t *testing.T) {
	cases := []struct {
		name    string
		body    []byte
		info    Info
		varName string
		wantErr error
	}{
		{name: "var", body: fbExtraReq(ei.InfoVar, "remote_addr"), info: InfoVar, varName: "remote_addr"},
		{name: "req body", body: fbExtraReq(ei.InfoReqBody, ""), info: InfoReqBody},
		{name: "resp body", body: fbExtraReq(ei.InfoRespBody, ""), info: InfoRespBody},
		{name: "unknown info", body: fbExtraReq(ei.Info(9), ""), wantErr: ErrUnsupportedInfo},
		{name: "garbage", body: []byte{9, 9, 9}, wantErr: ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeExtraReq(tc.body)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || req.Info != tc.info || string(req.Name) != tc.varName {
				t.Fatalf("got %+v, %v", req, err)
			}
		})
	}
}

func FuzzDecodeReqResp(f *testing.F) {
	f.Add(fbStop(1, 200, []KV{Pair("a", "b")}, []byte("x")))
	f.Add(fbRewrite(2, fbRW{path: strp("/p"), args: []KV{Bare("a")}}))
	f.Add(fbReqNone(3, hrc.ActionNONE))
	f.Fuzz(func(t *testing.T, b []byte) {
		var out ReqResult
		_ = DecodeReqResp(b, &out) // must not panic
		var rs RespResult
		_ = DecodeRespResp(b, &rs)
		_, _ = DecodeExtraReq(b)
		_, _ = DecodeError(b)
		_, _ = DecodePrepareResp(b)
	})
}
