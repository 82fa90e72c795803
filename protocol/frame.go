package protocol

import (
	"bufio"
	"fmt"
	"io"
	"slices"
)

// Frame types.
const (
	TypeError        byte = 0
	TypePrepareConf  byte = 1
	TypeHTTPReqCall  byte = 2
	TypeExtraInfo    byte = 3
	TypeHTTPRespCall byte = 4
)

// HeaderLen is the size of a frame header.
const HeaderLen = 4

// MaxBodyLen is the largest body a frame can carry: the length field has 24 bits.
const MaxBodyLen = 1<<24 - 1

// firstBodyRead is how much of a body larger than the caller's buffer is
// allocated before any of it has arrived; the buffer then doubles as bytes
// come. A header claiming 16 MiB followed by nothing costs 64 KiB, not 16 MiB.
const firstBodyRead = 64 << 10

// TypeName names a frame type for logs and errors.
func TypeName(t byte) string {
	switch t {
	case TypeError:
		return "error"
	case TypePrepareConf:
		return "prepare_conf"
	case TypeHTTPReqCall:
		return "http_req_call"
	case TypeExtraInfo:
		return "extra_info"
	case TypeHTTPRespCall:
		return "http_resp_call"
	}
	return fmt.Sprintf("unknown(%d)", t)
}

// ReadFrame reads one frame from r. The body is read into buf when it fits
// (buf is reused across calls by the caller), otherwise into a new slice. A
// connection that ends before a frame starts returns io.EOF; one that ends
// inside a frame returns an error wrapping ErrTruncated.
func ReadFrame(r *bufio.Reader, buf []byte) (typ byte, body []byte, err error) {
	hdr, err := r.Peek(HeaderLen)
	if err != nil {
		if err == io.EOF && len(hdr) == 0 {
			return 0, nil, io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, fmt.Errorf("protocol: frame header: %w: %w", ErrTruncated, err)
	}
	typ = hdr[0]
	n := int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
	_, _ = r.Discard(HeaderLen)
	body = buf[:0]
	if cap(body) < n {
		body = make([]byte, 0, min(n, firstBodyRead))
	}
	for len(body) < n {
		if len(body) == cap(body) {
			body = slices.Grow(body, min(n-len(body), len(body)))
		}
		k, err := io.ReadFull(r, body[len(body):min(n, cap(body))])
		body = body[:len(body)+k]
		if err != nil {
			return typ, nil, fmt.Errorf("protocol: %s frame body of %d bytes: %w: %w", TypeName(typ), n, ErrTruncated, err)
		}
	}
	return typ, body, nil
}

// PutHeader writes the frame header for a body of n bytes into hdr.
func PutHeader(hdr []byte, typ byte, n int) error {
	if n > MaxBodyLen {
		return fmt.Errorf("protocol: %s body of %d bytes: %w", TypeName(typ), n, ErrFrameTooLarge)
	}
	hdr[0] = typ
	hdr[1] = byte(n >> 16)
	hdr[2] = byte(n >> 8)
	hdr[3] = byte(n)
	return nil
}

// WriteFrame writes one frame to w with a single Write call.
func WriteFrame(w io.Writer, typ byte, body []byte) error {
	buf := make([]byte, HeaderLen+len(body))
	if err := PutHeader(buf, typ, len(body)); err != nil {
		return err
	}
	copy(buf[HeaderLen:], body)
	_, err := w.Write(buf)
	return err
}
