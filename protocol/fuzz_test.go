package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// Every decoder must turn any input into a value or an error, never a panic
// (the fuzz engine reports a panic as a failure).

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{TypeHTTPReqCall, 0, 0, 3, 1, 2, 3})
	f.Add([]byte{TypePrepareConf, 0xff, 0xff, 0xff})
	f.Add([]byte{9, 0, 0, 0})
	f.Add(append([]byte{TypeHTTPReqCall, 0, 1, 0}, sampleReq.bytes()...))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		for i := 0; i < 8; i++ {
			_, body, err := ReadFrame(r, nil)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, ErrTruncated) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(body) > MaxBodyLen {
				t.Fatalf("body of %d bytes", len(body))
			}
		}
	})
}

func FuzzDecodeReqCall(f *testing.F) {
	f.Add(sampleReq.bytes())
	f.Add(reqMsg{path: "/", args: []kv{{name: "b", none: true}}}.bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		var r request
		if err := decodeReqCall(in, &r.fb); err != nil {
			return
		}
		// A message that passed is safe to read lazily, as plugins do.
		r.reset(nil)
		_, _, _, _ = r.ID(), r.SrcIP(), r.Method(), r.Path()
		_ = r.Header().View()
		_ = r.Args()
	})
}

func FuzzDecodeRespCall(f *testing.F) {
	f.Add(respMsg(1, 2, 200, []kv{{name: "content-type", value: "text/plain"}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		var r response
		if err := decodeRespCall(in, &r.fb); err != nil {
			return
		}
		r.reset(nil)
		_, _ = r.ID(), r.StatusCode()
		_ = r.Header().View()
	})
}

func FuzzDecodePrepareConf(f *testing.F) {
	f.Add(prepareMsg("route#1#ext-plugin-pre-req#1", kv{name: "say", value: `{"body":"hi"}`}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		_, raw, err := decodePrepareConf(in)
		if err == nil && len(raw) > len(in) {
			t.Fatalf("%d entries from %d bytes", len(raw), len(in))
		}
	})
}

func FuzzDecodeExtraInfoResp(f *testing.F) {
	f.Add(extraInfoRespMsg([]byte("1.2.3.4")))
	f.Add(extraInfoRespMsg(nil))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = decodeExtraInfoResp(in)
	})
}
