package client

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
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

// MaxBodyLen is the largest body the 24-bit length field can announce.
const MaxBodyLen = 1<<24 - 1

// TypeName names a frame type for errors.
func TypeName(t byte) string {
	switch t {
	case TypeError:
		return "rpc_error"
	case TypePrepareConf:
		return "prepare_conf"
	case TypeHTTPReqCall:
		return "http_req_call"
	case TypeExtraInfo:
		return "extra_info"
	case TypeHTTPRespCall:
		return "http_resp_call"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// PutHeader writes the header of a frame of type typ announcing n body bytes.
func PutHeader(hdr []byte, typ byte, n int) error {
	if n < 0 || n > MaxBodyLen {
		return fmt.Errorf("client: %s body of %d bytes: %w", TypeName(typ), n, ErrFrameTooLarge)
	}
	hdr[0], hdr[1], hdr[2], hdr[3] = typ, byte(n>>16), byte(n>>8), byte(n)
	return nil
}

// AppendFrame appends a whole frame (header and body) to dst.
func AppendFrame(dst []byte, typ byte, body []byte) ([]byte, error) {
	var hdr [HeaderLen]byte
	if err := PutHeader(hdr[:], typ, len(body)); err != nil {
		return dst, err
	}
	return append(append(dst, hdr[:]...), body...), nil
}

// readFrame reads one frame, into buf when it fits. A connection that ends
// before the frame starts gives io.EOF; one that ends inside gives
// ErrTruncated.
func readFrame(r *bufio.Reader, buf []byte) (typ byte, body []byte, err error) {
	// Peek rather than ReadFull into an array: the array would escape to
	// the heap, one allocation per frame.
	hdr, err := r.Peek(HeaderLen)
	if err != nil {
		if err == io.EOF && len(hdr) == 0 {
			return 0, buf[:0], io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, buf[:0], fmt.Errorf("client: frame header: %w: %w", ErrTruncated, err)
	}
	typ = hdr[0]
	n := int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
	_, _ = r.Discard(HeaderLen)
	if cap(buf) >= n {
		body = buf[:n]
	} else {
		body = make([]byte, n)
	}
	if _, err := io.ReadFull(r, body); err != nil {
		return typ, body[:0], fmt.Errorf("client: %s body of %d bytes: %w: %w", TypeName(typ), n, ErrTruncated, err)
	}
	return typ, body, nil
}
