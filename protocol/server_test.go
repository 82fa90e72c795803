package protocol

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func TestPrepareConf(t *testing.T) {
	reg := registry(t,
		funcPlugin{name: "say", req: say},
		funcPlugin{name: "strict", req: say, parse: func(in []byte) (any, error) {
			if string(in) != "ok" {
				return nil, errors.New("want ok")
			}
			return "ok", nil
		}},
		funcPlugin{name: "boom", req: say, parse: func([]byte) (any, error) { panic("parse boom") }},
	)
	core, logs := observer.New(zap.InfoLevel)
	_, sock := testServer(t, Config{Logger: zap.New(core)}, reg)
	p := dial(t, sock)

	t1 := p.prepare("route#1#ext-plugin-pre-req#1", kv{name: "say", value: "a"})
	if t1 == 0 {
		t.Fatal("token 0")
	}
	if again := p.prepare("route#1#ext-plugin-pre-req#1", kv{name: "say", value: "a"}); again != t1 {
		t.Errorf("same key: token %d, then %d", t1, again)
	}
	if other := p.prepare("route#2#ext-plugin-pre-req#1", kv{name: "say", value: "a"}); other == t1 {
		t.Errorf("different keys share token %d", t1)
	}

	for _, tc := range []struct {
		name, plugin, reason string
		conf                 []kv
	}{
		{"unknown plugin", "nope", "unknown plugin", []kv{{name: "say", value: "a"}, {name: "nope", value: "{}"}}},
		{"conf rejected", "strict", "want ok", []kv{{name: "strict", value: "bad"}}},
		{"parse panics", "boom", "parse boom", []kv{{name: "boom", value: "{}"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := p.on(t)
			key := "route#" + tc.plugin + "#x#1"
			typ, body := p.roundTrip(TypePrepareConf, prepareMsg(key, tc.conf...))
			if typ != TypeError || errCode(body) != A6Err.CodeBAD_REQUEST {
				t.Fatalf("got %s code %v, want error BAD_REQUEST", TypeName(typ), errCode(body))
			}
			found := logs.FilterMessage("conf rejected").FilterField(zap.String("key", key)).FilterField(zap.String("plugin", tc.plugin)).All()
			if len(found) != 1 || !strings.Contains(found[0].ContextMap()["error"].(string), tc.reason) {
				t.Errorf("want one log line naming key %s, plugin %s and %q; got %v", key, tc.plugin, tc.reason, found)
			}
		})
	}
	// The connection still serves after the failures.
	p.prepare("route#3#ext-plugin-pre-req#1", kv{name: "strict", value: "ok"})
}

func TestPrepareConfSkipPolicy(t *testing.T) {
	reg := registry(t, funcPlugin{name: "say", req: say})
	_, sock := testServer(t, Config{SkipUnknown: true}, reg)
	p := dial(t, sock)
	tok := p.prepare("route#1#x#1", kv{name: "nope", value: "{}"}, kv{name: "say", value: "hi"})
	typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{id: 1, token: tok, path: "/"}.bytes())
	if typ != TypeHTTPReqCall || string(stopOf(t, body).BodyBytes()) != "hi" {
		t.Fatalf("got %s", TypeName(typ))
	}
}

func TestConfExpiry(t *testing.T) {
	reg := registry(t, funcPlugin{name: "say", req: say})
	_, sock := testServer(t, Config{ConfTTL: 20 * time.Millisecond}, reg)
	p := dial(t, sock)
	tok := p.prepare("route#1#x#1", kv{name: "say", value: "hi"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{id: 1, token: tok, path: "/"}.bytes())
		if typ == TypeError {
			if c := errCode(body); c != A6Err.CodeCONF_TOKEN_NOT_FOUND {
				t.Fatalf("code %v", c)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("token never expired")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if tok2 := p.prepare("route#1#x#1", kv{name: "say", value: "hi"}); tok2 == tok {
		t.Errorf("expired key got its old token back")
	}
}

func TestUnknownToken(t *testing.T) {
	_, sock := testServer(t, Config{}, registry(t))
	p := dial(t, sock)
	typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{id: 1, token: 12345, path: "/"}.bytes())
	if typ != TypeError || errCode(body) != A6Err.CodeCONF_TOKEN_NOT_FOUND {
		t.Fatalf("got %s %v", TypeName(typ), errCode(body))
	}
}

func TestReqCall(t *testing.T) {
	var ran atomic.Int32
	rewrite := func(conf any, w http.ResponseWriter, r pluginhttp.Request) {
		switch conf.(string) {
		case "path":
			r.SetPath([]byte("/new?x"))
		case "headers":
			r.Header().Set("X-Set", "1")
			r.Header().Add("Accept", "text/html")
			r.Header().Del("Cookie")
		case "args":
			r.Args().Set("page", "3")
			r.Args().Add("q", "more")
			r.Args().Del("sort")
			r.Args().Set("new", "")
		case "body":
			r.SetBody([]byte("new body"))
		case "resp":
			r.RespHeader().Set("X-Resp", "yes")
		case "read":
			_ = r.Header().Get("Host")
			_ = r.Args().Get("page")
			_ = r.Path()
		case "count":
			ran.Add(1)
		case "stop-status":
			w.WriteHeader(403)
		case "echo":
			w.Header().Set("X-Path", string(r.Path()))
			w.Header().Set("X-Method", r.Method())
			w.Header().Set("X-Ip", r.SrcIP().String())
			w.Header().Set("X-Host", r.Header().Get("host"))
			w.Header().Set("X-Q", r.Args().Get("q"))
			w.Header().Set("X-Id", "7")
			if _, ok := r.Context().Deadline(); !ok {
				panic("no deadline")
			}
		}
	}
	reg := registry(t, funcPlugin{name: "rw", req: rewrite}, funcPlugin{name: "say", req: say})
	_, sock := testServer(t, Config{}, reg)
	p := dial(t, sock)

	cases := []struct {
		name  string
		chain []kv
		check func(t *testing.T, body []byte)
	}{
		{"stop with body", []kv{{name: "say", value: "hello"}}, func(t *testing.T, body []byte) {
			s := stopOf(t, body)
			if s.Status() != 200 || string(s.BodyBytes()) != "hello" {
				t.Errorf("status %d body %q", s.Status(), s.BodyBytes())
			}
			if got := strings.Join(entryList(s.HeadersLength(), s.Headers), ","); got != "x-resp-a6-runner=Go" {
				t.Errorf("headers %s", got)
			}
		}},
		{"stop with status only", []kv{{name: "rw", value: "stop-status"}, {name: "rw", value: "count"}}, func(t *testing.T, body []byte) {
			if s := stopOf(t, body); s.Status() != 403 || s.BodyLength() != 0 {
				t.Errorf("status %d", s.Status())
			}
		}},
		{"request view", []kv{{name: "rw", value: "echo"}}, func(t *testing.T, body []byte) {
			got := strings.Join(entryList(stopOf(t, body).HeadersLength(), stopOf(t, body).Headers), ",")
			want := "x-host=upstream.local,x-id=7,x-ip=10.0.0.1,x-method=GET,x-path=/api/v1/users/42,x-q=go runner"
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		}},
		{"no change", []kv{{name: "rw", value: "read"}}, func(t *testing.T, body []byte) {
			if a := hrc.GetRootAsResp(body, 0).ActionType(); a != hrc.ActionNONE {
				t.Errorf("action %v", a)
			}
		}},
		{"rewrite all", []kv{{name: "rw", value: "path"}, {name: "rw", value: "headers"}, {name: "rw", value: "args"},
			{name: "rw", value: "body"}, {name: "rw", value: "resp"}}, func(t *testing.T, body []byte) {
			rw := rewriteOf(t, body)
			if string(rw.Path()) != "/new?x" {
				t.Errorf("path %q", rw.Path())
			}
			if got := strings.Join(entryList(rw.HeadersLength(), rw.Headers), ","); got != "accept=*/*, text/html,cookie,x-set=1" {
				t.Errorf("headers %s", got)
			}
			if got := strings.Join(entryList(rw.ArgsLength(), rw.Args), ","); got != "new=,page=3,q=go runner,q=more,sort" {
				t.Errorf("args %s", got)
			}
			if got := strings.Join(entryList(rw.RespHeadersLength(), rw.RespHeaders), ","); got != "x-resp=yes" {
				t.Errorf("resp headers %s", got)
			}
			if string(rw.BodyBytes()) != "new body" {
				t.Errorf("body %q", rw.BodyBytes())
			}
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := p.on(t)
			tok := p.prepare("route#"+tc.name+"#x#1", tc.chain...)
			m := sampleReq
			m.token = tok
			typ, body := p.roundTrip(TypeHTTPReqCall, m.bytes())
			if typ != TypeHTTPReqCall {
				t.Fatalf("case %d: got %s frame, code %v", i, TypeName(typ), errCode(body))
			}
			if id := hrc.GetRootAsResp(body, 0).Id(); id != 7 {
				t.Errorf("id %d", id)
			}
			tc.check(t, body)
		})
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("a plugin after the one that answered ran %d times", n)
	}
}

func TestPluginFailures(t *testing.T) {
	reg := registry(t,
		funcPlugin{name: "panic", req: func(any, http.ResponseWriter, pluginhttp.Request) { panic("boom") },
			resp: func(any, pluginhttp.Response) { panic(errors.New("resp boom")) }},
		funcPlugin{name: "wait", req: func(_ any, _ http.ResponseWriter, r pluginhttp.Request) { <-r.Context().Done() }},
		funcPlugin{name: "big", req: func(_ any, w http.ResponseWriter, _ pluginhttp.Request) { _, _ = w.Write(make([]byte, MaxBodyLen)) }},
		funcPlugin{name: "say", req: say},
	)
	// Each case has its own server and connection. Only "deadline" is meant
	// to reach the timeout; the others get one no loaded machine reaches:
	// a compiled call still running one watchdog interval past its
	// deadline is given up and its connection closed (stuck.go), which is
	// what a 16 MiB allocation under the race detector on a starved machine
	// did with a shared 500 ms timeout. The deadline case's timeout is 2 s,
	// so that "wait", which returns when its context ends, has the longest
	// watchdog interval (100 ms) to be scheduled and return in.
	for _, tc := range []struct {
		name    string
		typ     byte
		plug    string
		timeout time.Duration
		build   func(tok uint32) []byte
	}{
		{"panic in request filter", TypeHTTPReqCall, "panic", time.Minute, func(tok uint32) []byte { return reqMsg{token: tok, path: "/"}.bytes() }},
		{"panic in response filter", TypeHTTPRespCall, "panic", time.Minute, func(tok uint32) []byte { return respMsg(1, tok, 200, nil) }},
		{"deadline", TypeHTTPReqCall, "wait", 2 * time.Second, func(tok uint32) []byte { return reqMsg{token: tok, path: "/"}.bytes() }},
		{"reply too large", TypeHTTPReqCall, "big", time.Minute, func(tok uint32) []byte { return reqMsg{token: tok, path: "/"}.bytes() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sock := testServer(t, Config{PluginTimeout: tc.timeout}, reg)
			p := dial(t, sock)
			okTok := p.prepare("route#ok#x#1", kv{name: "say", value: "fine"})
			tok := p.prepare("route#"+tc.plug+"#x#1", kv{name: tc.plug, value: "{}"})
			typ, body := p.roundTrip(tc.typ, tc.build(tok))
			if typ != TypeError || errCode(body) != A6Err.CodeSERVICE_UNAVAILABLE {
				t.Fatalf("got %s code %v", TypeName(typ), errCode(body))
			}
			typ, body = p.roundTrip(TypeHTTPReqCall, reqMsg{token: okTok, path: "/"}.bytes())
			if typ != TypeHTTPReqCall || string(stopOf(t, body).BodyBytes()) != "fine" {
				t.Fatalf("connection broken after %s", tc.name)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	_, sock := testServer(t, Config{}, registry(t, funcPlugin{name: "say", req: say}))
	good := dial(t, sock)
	tok := good.prepare("route#1#x#1", kv{name: "say", value: "ok"})
	for _, tc := range []struct {
		name string
		typ  byte
		body []byte
		code A6Err.Code
	}{
		{"garbage req call", TypeHTTPReqCall, []byte(strings.Repeat("\xff\x7f\x00\x10", 40)), A6Err.CodeBAD_REQUEST},
		{"short req call", TypeHTTPReqCall, []byte{1, 2}, A6Err.CodeBAD_REQUEST},
		{"garbage prepare", TypePrepareConf, []byte(strings.Repeat("\x08\x00\x00\x00", 20)), A6Err.CodeBAD_REQUEST},
		{"garbage resp call", TypeHTTPRespCall, []byte(strings.Repeat("\x04\x00\xff\xff", 9)), A6Err.CodeBAD_REQUEST},
		{"unknown type", 9, []byte("x"), A6Err.CodeBAD_REQUEST},
		{"unsolicited extra info", TypeExtraInfo, extraInfoRespMsg([]byte("x")), A6Err.CodeBAD_REQUEST},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := dial(t, sock)
			typ, body := p.roundTrip(tc.typ, tc.body)
			if typ != TypeError || errCode(body) != tc.code {
				t.Fatalf("got %s code %v", TypeName(typ), errCode(body))
			}
			// Same connection, and another one, still serve.
			for _, q := range []*peer{p, good} {
				typ, body = q.roundTrip(TypeHTTPReqCall, reqMsg{token: tok, path: "/"}.bytes())
				if typ != TypeHTTPReqCall || string(stopOf(t, body).BodyBytes()) != "ok" {
					t.Fatalf("not serving after %s", tc.name)
				}
			}
		})
	}
	t.Run("body never comes", func(t *testing.T) {
		p := dial(t, sock)
		_, _ = p.nc.Write([]byte{TypeHTTPReqCall, 0, 1, 0, 1, 2, 3})
		_ = p.nc.Close()
		typ, _ := good.roundTrip(TypeHTTPReqCall, reqMsg{token: tok, path: "/"}.bytes())
		if typ != TypeHTTPReqCall {
			t.Fatal("not serving")
		}
	})
}

func TestExtraInfo(t *testing.T) {
	reg := registry(t, funcPlugin{name: "vars", req: func(_ any, w http.ResponseWriter, r pluginhttp.Request) {
		a, err := r.Var("remote_addr")
		if err != nil {
			w.WriteHeader(599)
			return
		}
		again, _ := r.Var("remote_addr")
		missing, _ := r.Var("nope")
		body, _ := r.Body()
		body2, _ := r.Body()
		w.Header().Set("X-Addr", string(a)+"|"+string(again))
		w.Header().Set("X-Missing", string(missing))
		_, _ = w.Write(append(body, body2...))
	}}, funcPlugin{name: "say", req: say})
	_, sock := testServer(t, Config{}, reg)
	p := dial(t, sock)
	tok := p.prepare("route#1#x#1", kv{name: "vars", value: ""})

	if err := WriteFrame(p.nc, TypeHTTPReqCall, reqMsg{id: 3, token: tok, path: "/"}.bytes()); err != nil {
		t.Fatal(err)
	}
	asked := 0
	for i := 0; i < 10; i++ {
		typ, body, err := ReadFrame(p.r, nil)
		if err != nil {
			t.Fatal(err)
		}
		if typ != TypeExtraInfo {
			s := stopOf(t, body)
			hdr := strings.Join(entryList(s.HeadersLength(), s.Headers), ",")
			if hdr != "x-addr=1.2.3.4|1.2.3.4,x-missing=" || string(s.BodyBytes()) != "payloadpayload" {
				t.Fatalf("headers %s body %q", hdr, s.BodyBytes())
			}
			if asked != 3 {
				t.Errorf("asked APISIX %d times, want 3 (var, missing var, body: each once)", asked)
			}
			return
		}
		asked++
		req := ei.GetRootAsReq(body, 0)
		var answer []byte
		switch req.InfoType() {
		case ei.InfoVar:
			var tab flatbuffersTable
			req.Info(&tab.Table)
			var v ei.Var
			v.Init(tab.Bytes, tab.Pos)
			if string(v.Name()) == "remote_addr" {
				answer = []byte("1.2.3.4")
			}
		case ei.InfoReqBody:
			answer = []byte("payload")
		}
		if err := WriteFrame(p.nc, TypeExtraInfo, extraInfoRespMsg(answer)); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("no final reply")
}

func TestPeerClosesDuringExtraInfo(t *testing.T) {
	reg := registry(t, funcPlugin{name: "vars", req: func(_ any, w http.ResponseWriter, r pluginhttp.Request) {
		if _, err := r.Var("remote_addr"); !errors.Is(err, ErrPeerClosed) {
			panic("want ErrPeerClosed")
		}
	}}, funcPlugin{name: "say", req: say})
	closed := make(chan struct{}, 2) // p's close, and q's at the end
	srv, sock := testServer(t, Config{Observer: closeObserver{closed: closed}}, reg)
	p := dial(t, sock)
	tok := p.prepare("route#1#x#1", kv{name: "vars", value: ""})
	okTok := p.prepare("route#2#x#1", kv{name: "say", value: "ok"})
	_ = WriteFrame(p.nc, TypeHTTPReqCall, reqMsg{token: tok, path: "/"}.bytes())
	if typ, _, err := ReadFrame(p.r, nil); err != nil || typ != TypeExtraInfo {
		t.Fatalf("want extra info, got %d %v", typ, err)
	}
	_ = p.nc.Close()
	q := dial(t, sock)
	if typ, _ := q.roundTrip(TypeHTTPReqCall, reqMsg{token: okTok, path: "/"}.bytes()); typ != TypeHTTPReqCall {
		t.Fatal("not serving")
	}
	// The closed connection's goroutine ends: it reports ConnClosed on
	// its way out.
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the closed connection's goroutine never ended")
	}
	srv.mu.Lock()
	n := len(srv.conns)
	srv.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d connections tracked, want the open one only", n)
	}
}

// closeObserver reports each connection the server lets go of.
type closeObserver struct {
	nopObserver
	closed chan<- struct{}
}

func (o closeObserver) ConnClosed() {
	select {
	case o.closed <- struct{}{}:
	default: // never block the server
	}
}

func TestRespCall(t *testing.T) {
	reg := registry(t, funcPlugin{name: "rr", resp: func(conf any, w pluginhttp.Response) {
		switch conf.(string) {
		case "all":
			if w.StatusCode() != 502 || w.Header().Get("Content-Type") != "text/plain" {
				panic("bad view")
			}
			w.WriteHeader(201)
			w.Header().Set("X-Resp", "1")
			w.Header().Del("X-Drop")
			_, _ = w.Write([]byte("new"))
		case "none":
		}
	}})
	_, sock := testServer(t, Config{}, reg)
	p := dial(t, sock)
	hdrs := []kv{{name: "content-type", value: "text/plain"}, {name: "x-drop", value: "1"}, {name: "x-keep", value: "a"}, {name: "x-keep", value: "b"},
		{name: "content-length", value: "5"}, {name: "transfer-encoding", value: "chunked"}, {name: "connection", value: "keep-alive"}}
	for _, tc := range []struct {
		conf               string
		status             uint16
		headers, body      string
		hasHeaders, hasBdy bool
	}{
		{"all", 201, "content-type=text/plain,x-keep=a,x-keep=b,x-resp=1", "new", true, true},
		{"none", 0, "content-type=text/plain,x-drop=1,x-keep=a,x-keep=b,content-length=5", "", true, false},
	} {
		t.Run(tc.conf, func(t *testing.T) {
			p := p.on(t)
			tok := p.prepare("route#"+tc.conf+"#post-resp#1", kv{name: "rr", value: tc.conf})
			typ, body := p.roundTrip(TypeHTTPRespCall, respMsg(5, tok, 502, hdrs))
			if typ != TypeHTTPRespCall {
				t.Fatalf("got %s code %v", TypeName(typ), errCode(body))
			}
			r := hrsc.GetRootAsResp(body, 0)
			got := strings.Join(entryList(r.HeadersLength(), r.Headers), ",")
			if r.Id() != 5 || r.Status() != tc.status || got != tc.headers || string(r.BodyBytes()) != tc.body || (r.BodyBytes() != nil) != tc.hasBdy {
				t.Errorf("id %d status %d headers %s body %q", r.Id(), r.Status(), got, r.BodyBytes())
			}
		})
	}
}

func TestRebind(t *testing.T) {
	v1 := registry(t, funcPlugin{name: "say", req: say})
	srv, sock := testServer(t, Config{}, v1)
	p := dial(t, sock)
	tok := p.prepare("route#1#x#1", kv{name: "say", value: "v1"})

	v2 := registry(t, funcPlugin{name: "say", req: say, parse: func(in []byte) (any, error) { return "v2:" + string(in), nil }})
	if n := srv.Rebind(v2); n != 1 {
		t.Fatalf("rebind changed %d entries, want 1", n)
	}
	typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{token: tok, path: "/"}.bytes())
	if typ != TypeHTTPReqCall || string(stopOf(t, body).BodyBytes()) != "v2:v1" {
		t.Fatalf("after rebind: %s", TypeName(typ))
	}
	v3 := registry(t, funcPlugin{name: "say", req: say, parse: func([]byte) (any, error) { return nil, errors.New("no") }})
	srv.Rebind(v3)
	typ, body = p.roundTrip(TypeHTTPReqCall, reqMsg{token: tok, path: "/"}.bytes())
	if typ != TypeError || errCode(body) != A6Err.CodeSERVICE_UNAVAILABLE {
		t.Fatalf("rejected conf: got %s %v", TypeName(typ), errCode(body))
	}
}
