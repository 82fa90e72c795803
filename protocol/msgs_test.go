package protocol

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Builders of APISIX's messages and a test server, for the tests of this
// package (protocol/client frames on its own, so that the two share no code).

type kv struct {
	name, value string
	none        bool // sent without a value
}

func entries(b *flatbuffers.Builder, kvs []kv, start func(*flatbuffers.Builder, int) flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	offs := make([]flatbuffers.UOffsetT, len(kvs))
	for i := range kvs {
		if kvs[i].none {
			offs[i] = textEntry(b, kvs[i].name, nil)
		} else {
			offs[i] = textEntry(b, kvs[i].name, &kvs[i].value)
		}
	}
	return vector(b, offs, start)
}

func prepareMsg(key string, confs ...kv) []byte {
	b := flatbuffers.NewBuilder(256)
	vec := entries(b, confs, pc.ReqStartConfVector)
	k := b.CreateString(key)
	pc.ReqStart(b)
	pc.ReqAddConf(b, vec)
	pc.ReqAddKey(b, k)
	b.Finish(pc.ReqEnd(b))
	return b.FinishedBytes()
}

type reqMsg struct {
	id      uint32
	token   uint32
	method  A6.Method
	path    string
	srcIP   []byte
	args    []kv
	headers []kv
}

func (m reqMsg) bytes() []byte {
	b := flatbuffers.NewBuilder(1024)
	path := b.CreateString(m.path)
	args := entries(b, m.args, hrc.ReqStartArgsVector)
	hdrs := entries(b, m.headers, hrc.ReqStartHeadersVector)
	ip := b.CreateByteVector(m.srcIP)
	hrc.ReqStart(b)
	hrc.ReqAddId(b, m.id)
	hrc.ReqAddConfToken(b, m.token)
	hrc.ReqAddMethod(b, m.method)
	hrc.ReqAddPath(b, path)
	hrc.ReqAddSrcIp(b, ip)
	hrc.ReqAddArgs(b, args)
	hrc.ReqAddHeaders(b, hdrs)
	b.Finish(hrc.ReqEnd(b))
	return b.FinishedBytes()
}

func respMsg(id, token uint32, status uint16, headers []kv) []byte {
	b := flatbuffers.NewBuilder(512)
	hdrs := entries(b, headers, hrsc.ReqStartHeadersVector)
	hrsc.ReqStart(b)
	hrsc.ReqAddId(b, id)
	hrsc.ReqAddStatus(b, status)
	hrsc.ReqAddHeaders(b, hdrs)
	hrsc.ReqAddConfToken(b, token)
	b.Finish(hrsc.ReqEnd(b))
	return b.FinishedBytes()
}

func extraInfoRespMsg(result []byte) []byte {
	b := flatbuffers.NewBuilder(64)
	var r flatbuffers.UOffsetT
	if result != nil {
		r = b.CreateByteVector(result)
	}
	ei.RespStart(b)
	if result != nil {
		ei.RespAddResult(b, r)
	}
	b.Finish(ei.RespEnd(b))
	return b.FinishedBytes()
}

var sampleReq = reqMsg{
	id: 7, token: 1, method: A6.MethodGET, path: "/api/v1/users/42", srcIP: []byte{10, 0, 0, 1},
	args: []kv{{name: "page", value: "2"}, {name: "sort", value: "name"}, {name: "q", value: "go runner"}},
	headers: []kv{
		{name: "host", value: "upstream.local"}, {name: "user-agent", value: "curl/8.0"}, {name: "accept", value: "*/*"},
		{name: "x-request-id", value: "f3a9c2d4"}, {name: "accept-encoding", value: "gzip"}, {name: "x-forwarded-for", value: "10.0.0.1"},
		{name: "x-real-ip", value: "10.0.0.1"}, {name: "cookie", value: "a=b"}, {name: "authorization", value: "Bearer abc"},
		{name: "content-type", value: "application/json"}, {name: "x-b3-traceid", value: "1234"}, {name: "connection", value: "keep-alive"},
	},
}

// Test plugins.

type funcPlugin struct {
	name  string
	parse plugin.ParseFunc
	req   plugin.RequestFunc
	resp  plugin.ResponseFunc
}

func (p funcPlugin) spec() *plugin.Spec {
	parse := p.parse
	if parse == nil {
		parse = func(in []byte) (any, error) { return string(in), nil }
	}
	return &plugin.Spec{Name: p.name, Origin: "test", ParseConf: parse, RequestFilter: p.req, ResponseFilter: p.resp}
}

func say(conf any, w http.ResponseWriter, _ pluginhttp.Request) {
	w.Header().Add("X-Resp-A6-Runner", "Go")
	_, _ = w.Write([]byte(conf.(string)))
}

func registry(t testing.TB, ps ...funcPlugin) *plugin.Registry {
	reg := plugin.NewRegistry()
	for _, p := range ps {
		if err := reg.Add(p.spec()); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

// testServer runs a server on a socket in a temporary directory.
func testServer(t testing.TB, cfg Config, cat Catalog) (*Server, string) {
	dir, err := os.MkdirTemp("", "gr")
	if err != nil {
		t.Fatal(err)
	}
	sock := dir + "/r.sock"
	srv := NewServer(cfg, cat)
	l, err := Listen("unix:"+sock, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, srv, l, time.Second) }()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = os.RemoveAll(dir)
	})
	return srv, sock
}

type peer struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

func dial(t testing.TB, sock string) *peer {
	nc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	return &peer{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// on is p reporting to t: a subtest's failures then end the subtest, not
// the test that dialed (FailNow on a parent from a subtest panics).
func (p *peer) on(t testing.TB) *peer { return &peer{t: t, nc: p.nc, r: p.r} }

func (p *peer) roundTrip(typ byte, body []byte) (byte, []byte) {
	p.t.Helper()
	if err := WriteFrame(p.nc, typ, body); err != nil {
		p.t.Fatal(err)
	}
	rt, rb, err := ReadFrame(p.r, nil)
	if err != nil {
		p.t.Fatalf("read reply: %v", err)
	}
	return rt, rb
}

func (p *peer) prepare(key string, confs ...kv) uint32 {
	p.t.Helper()
	typ, body := p.roundTrip(TypePrepareConf, prepareMsg(key, confs...))
	if typ != TypePrepareConf {
		p.t.Fatalf("prepare %s: got %s frame (code %v)", key, TypeName(typ), errCode(body))
	}
	return pc.GetRootAsResp(body, 0).ConfToken()
}

func errCode(body []byte) A6Err.Code {
	if len(body) < 8 {
		return 255
	}
	return A6Err.GetRootAsResp(body, 0).Code()
}

// stopOf decodes a Stop reply.
func stopOf(t testing.TB, body []byte) *hrc.Stop {
	t.Helper()
	resp := hrc.GetRootAsResp(body, 0)
	if resp.ActionType() != hrc.ActionStop {
		t.Fatalf("want Stop, got %v", resp.ActionType())
	}
	var tab flatbuffers.Table
	resp.Action(&tab)
	s := new(hrc.Stop)
	s.Init(tab.Bytes, tab.Pos)
	return s
}

// rewriteOf decodes a Rewrite reply.
func rewriteOf(t testing.TB, body []byte) *hrc.Rewrite {
	t.Helper()
	resp := hrc.GetRootAsResp(body, 0)
	if resp.ActionType() != hrc.ActionRewrite {
		t.Fatalf("want Rewrite, got %v", resp.ActionType())
	}
	var tab flatbuffers.Table
	resp.Action(&tab)
	s := new(hrc.Rewrite)
	s.Init(tab.Bytes, tab.Pos)
	return s
}

func entryList(n int, at func(*A6.TextEntry, int) bool) []string {
	var out []string
	var e A6.TextEntry
	for i := 0; i < n; i++ {
		at(&e, i)
		if v := e.Value(); v != nil {
			out = append(out, string(e.Name())+"="+string(v))
		} else {
			out = append(out, string(e.Name()))
		}
	}
	return out
}

type flatbuffersTable struct{ flatbuffers.Table }
