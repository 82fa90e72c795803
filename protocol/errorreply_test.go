package protocol

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// TestOnErrorReply: every error reply is told with its frame, key or id,
// code and reason; an unknown plugin's reason suggests the closest name.
func TestOnErrorReply(t *testing.T) {
	reg := registry(t,
		funcPlugin{name: "say", req: say},
		funcPlugin{name: "boom", req: func(any, http.ResponseWriter, pluginhttp.Request) { panic("filter boom") }},
	)
	var mu sync.Mutex
	var got []ErrorReply
	_, sock := testServer(t, Config{OnErrorReply: func(r ErrorReply) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
	}}, reg)
	p := dial(t, sock)
	last := func(t *testing.T) ErrorReply {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 0 {
			t.Fatal("no error reply told")
		}
		return got[len(got)-1]
	}

	for _, tc := range []struct {
		name    string
		frame   func(p *peer) byte
		want    ErrorReply
		reason  string
		wantErr error
	}{
		{"unknown plugin", func(p *peer) byte {
			typ, _ := p.roundTrip(TypePrepareConf, prepareMsg("route#sya#x#1", kv{name: "sya", value: "{}"}))
			return typ
		}, ErrorReply{Frame: "prepare_conf", Key: "route#sya#x#1", Code: "BAD_REQUEST"}, `did you mean "say"?`, ErrUnknownPlugin},
		{"no suggestion", func(p *peer) byte {
			typ, _ := p.roundTrip(TypePrepareConf, prepareMsg("route#zzz#x#1", kv{name: "zzzzzz", value: "{}"}))
			return typ
		}, ErrorReply{Frame: "prepare_conf", Key: "route#zzz#x#1", Code: "BAD_REQUEST"}, `plugin "zzzzzz": unknown plugin`, ErrUnknownPlugin},
		{"token not found", func(p *peer) byte {
			typ, _ := p.roundTrip(TypeHTTPReqCall, reqMsg{id: 7, token: 999999, path: "/"}.bytes())
			return typ
		}, ErrorReply{Frame: "http_req_call", ID: 7, Code: "CONF_TOKEN_NOT_FOUND"}, "conf token not found", ErrTokenNotFound},
		{"plugin panics", func(p *peer) byte {
			tok := p.prepare("route#boom#x#1", kv{name: "boom", value: "{}"})
			typ, _ := p.roundTrip(TypeHTTPReqCall, reqMsg{id: 8, token: tok, path: "/"}.bytes())
			return typ
		}, ErrorReply{Frame: "http_req_call", ID: 8, Code: "SERVICE_UNAVAILABLE"}, "filter boom", ErrPluginPanic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if typ := tc.frame(p.on(t)); typ != TypeError {
				t.Fatalf("got %s, want an error reply", TypeName(typ))
			}
			r := last(t)
			if r.Frame != tc.want.Frame || r.Key != tc.want.Key || r.ID != tc.want.ID || r.Code != tc.want.Code {
				t.Errorf("told %+v, want %+v", r, tc.want)
			}
			if r.Err == nil || !strings.Contains(r.Err.Error(), tc.reason) || !errors.Is(r.Err, tc.wantErr) {
				t.Errorf("reason %v, want one that says %q and is %v", r.Err, tc.reason, tc.wantErr)
			}
		})
	}
}
