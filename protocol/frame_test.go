package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"runtime"
	"testing"
)

func TestReadFrame(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), (3*firstBodyRead+5)/16)
	tests := []struct {
		name   string
		body   []byte
		buf    []byte
		cut    int // bytes of the body left out (the stream ends early)
		reused bool
	}{
		{name: "empty body", body: []byte{}},
		{name: "small body into a new slice", body: []byte("abc")},
		{name: "small body into the caller's buffer", body: []byte("abc"), buf: make([]byte, 16), reused: true},
		{name: "body larger than the first read", body: big},
		{name: "large body into a buffer that fits", body: big, buf: make([]byte, len(big)), reused: true},
		{name: "large body, buffer too small", body: big, buf: make([]byte, 10)},
		{name: "truncated small body", body: []byte("abcdef"), cut: 2},
		{name: "truncated large body", body: big, cut: firstBodyRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in bytes.Buffer
			hdr := make([]byte, HeaderLen)
			if err := PutHeader(hdr, TypeHTTPReqCall, len(tt.body)); err != nil {
				t.Fatal(err)
			}
			in.Write(hdr)
			in.Write(tt.body[:len(tt.body)-tt.cut])
			typ, got, err := ReadFrame(bufio.NewReader(&in), tt.buf)
			if tt.cut > 0 {
				if !errors.Is(err, ErrTruncated) {
					t.Fatalf("err = %v, want ErrTruncated", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if typ != TypeHTTPReqCall || !bytes.Equal(got, tt.body) {
				t.Fatalf("got type %d and %d bytes, want %d and the %d bytes sent", typ, len(got), TypeHTTPReqCall, len(tt.body))
			}
			if reused := len(got) > 0 && len(tt.buf) > 0 && &got[0] == &tt.buf[0]; reused != tt.reused {
				t.Fatalf("body in the caller's buffer: %v, want %v", reused, tt.reused)
			}
		})
	}
}

// A header that claims the largest body and is followed by nothing must not
// cost the reader that much memory up front.
func TestReadFrameClaimAllocatesLittle(t *testing.T) {
	in := []byte{TypeHTTPReqCall, 0xff, 0xff, 0xff, 1, 2, 3}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadFrame(bufio.NewReaderSize(bytes.NewReader(in), 16), nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	// TotalAlloc only grows; other goroutines of the test binary add little.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("a %d-byte claim with 3 bytes behind it allocated %d bytes", MaxBodyLen, grew)
	}
}
