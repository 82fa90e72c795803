package protocol

import (
	"bufio"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
)

// BenchmarkReqCall measures whole HTTPReqCall round trips through the
// server over a unix socket: the client writes a prebuilt 12-header frame
// and reads the reply; a compiled say plugin answers with a Stop.
// Allocations are the server's and the client's together. Each connection
// count runs with every ReadYield policy: compare auto with never.
func BenchmarkReqCall(b *testing.B) {
	type benchCase struct {
		name  string
		conns int
		yield ReadYield
	}
	var cases []benchCase
	for _, conns := range []int{1, 4, 16} {
		for _, y := range []ReadYield{YieldAuto, YieldNever, YieldAlways} {
			cases = append(cases, benchCase{fmt.Sprintf("conns=%d/yield=%s", conns, y), conns, y})
		}
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			_, sock := testServer(b, Config{ReadYield: bc.yield}, registry(b, funcPlugin{name: "say", req: say}))
			tok := dial(b, sock).prepare("route#1#x#1", kv{name: "say", value: "hello"})
			m := sampleReq
			m.token = tok
			body := m.bytes()
			frame := make([]byte, HeaderLen+len(body))
			_ = PutHeader(frame, TypeHTTPReqCall, len(body))
			copy(frame[HeaderLen:], body)

			peers := make(chan *peer, bc.conns)
			for i := 0; i < bc.conns; i++ {
				peers <- dial(b, sock)
			}
			var failed atomic.Int64
			b.ReportAllocs()
			b.SetParallelism((bc.conns + 1) / 2) // GOMAXPROCS is 2 here
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := <-peers
				defer func() { peers <- p }()
				buf := make([]byte, 0, 4096)
				for pb.Next() {
					if !roundTripRaw(p.nc, p.r, frame, buf) {
						failed.Add(1)
					}
				}
			})
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d calls failed", n)
			}
		})
	}
}

func roundTripRaw(nc net.Conn, r *bufio.Reader, frame, buf []byte) bool {
	if _, err := nc.Write(frame); err != nil {
		return false
	}
	typ, _, err := ReadFrame(r, buf)
	return err == nil && typ == TypeHTTPReqCall
}
