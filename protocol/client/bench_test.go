package client

import (
	"testing"

	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
)

// BenchmarkConnReqCall measures the client's own cost per call against a
// fake runner answering with a prebuilt empty reply: a call like APISIX's
// (12 headers, 3 args). The fake reuses its buffers, so allocs/op is the
// client's: it should stay 0.
func BenchmarkConnReqCall(b *testing.B) {
	reply := fbReqNone(1, hrc.ActionNONE)
	fr := startFake(b, func(fc *fakeConn, typ byte, body []byte) (byte, []byte) {
		return TypeHTTPReqCall, reply
	})
	c, err := Dial(testOpts(fr.path))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	rq := ReqCall{ID: 1, Method: "GET", Path: "/api/v1/items/1234567890/details/xyz",
		Args: []KV{Pair("a", "1"), Pair("b", "2"), Bare("c")}}
	for i := 0; i < 12; i++ {
		rq.Headers = append(rq.Headers, Pair("x-header-"+string(rune('a'+i)), "value-value-value"))
	}
	var out ReqResult
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.ReqCall(&rq, nil, &out); err != nil {
			b.Fatal(err)
		}
	}
}
