package protocol

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// discardConn is a net.Conn whose writes succeed and vanish: it lets a
// benchmark run the server's per-call work without system calls.
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error)      { return len(b), nil }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
func (discardConn) Close() error                     { return nil }

// BenchmarkHandle measures the server's CPU work for one call, from the
// decoded frame to the encoded reply, without the socket: what the runner
// spends on a call besides reading and writing it.
func BenchmarkHandle(b *testing.B) {
	rewrite := func(_ any, _ http.ResponseWriter, r pluginhttp.Request) {
		r.SetPath([]byte("/internal/v2/orders/00042/items"))
		r.Header().Set("X-Bench-Route", "orders")
		r.Header().Set("X-Upstream-Version", "v2")
	}
	respRewrite := func(_ any, w pluginhttp.Response) {
		w.Header().Set("X-Resp-A6-Runner", "Go")
		w.Header().Set("X-Bench", "resp")
		_, _ = w.Write([]byte("rewritten by the runner"))
	}
	upstream := []kv{
		{name: "content-type", value: "application/json; charset=utf-8"}, {name: "content-length", value: "1432"},
		{name: "date", value: "Mon, 25 Nov 2024 20:18:00 GMT"}, {name: "server", value: "upstream/1.25"},
		{name: "cache-control", value: "private, max-age=0"}, {name: "etag", value: "W/\"598-8f3c2a1b\""},
		{name: "vary", value: "Accept-Encoding"}, {name: "x-request-id", value: "3c9f2b1e"},
		{name: "x-ratelimit-remaining", value: "4987"}, {name: "strict-transport-security", value: "max-age=63072000"},
	}
	for _, bc := range []struct {
		name string
		typ  byte
		p    funcPlugin
	}{
		{"say", TypeHTTPReqCall, funcPlugin{name: "p", req: say}},
		{"rewrite", TypeHTTPReqCall, funcPlugin{name: "p", req: rewrite}},
		{"resp", TypeHTTPRespCall, funcPlugin{name: "p", resp: respRewrite}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := NewServer(Config{}, registry(b, bc.p))
			b.Cleanup(func() { close(srv.stop) })
			c := newConn(srv, discardConn{})
			e, _, err := srv.confs.prepare("route#1#x#1", []rawConf{{name: "p", value: "hello"}}, srv.catalog(), c.parse, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			tok := e.token
			var body []byte
			if bc.typ == TypeHTTPRespCall {
				body = respMsg(7, tok, 200, upstream)
			} else {
				m := sampleReq
				m.token = tok
				body = m.bytes()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if !c.handle(bc.typ, body) {
					b.Fatal("connection broken")
				}
			}
		})
	}
}
