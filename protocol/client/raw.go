package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// Raw helpers for malformed-input tests. They bypass the call logic and
// leave the connection's state to the caller.

// WriteRaw writes b as is.
func (c *Conn) WriteRaw(b []byte) error { return c.write(b) }

// WriteFrame writes a frame of any type and body.
func (c *Conn) WriteFrame(typ byte, body []byte) error {
	f, err := AppendFrame(nil, typ, body)
	if err != nil {
		return err
	}
	return c.write(f)
}

// WriteHeader writes only a frame header announcing n body bytes (up to
// MaxBodyLen), for a body that is then sent short or never.
func (c *Conn) WriteHeader(typ byte, n int) error {
	var hdr [HeaderLen]byte
	if err := PutHeader(hdr[:], typ, n); err != nil {
		return err
	}
	return c.write(hdr[:])
}

// ReadFrame reads one frame. The body is valid until the next read.
func (c *Conn) ReadFrame() (typ byte, body []byte, err error) { return c.read() }

// CloseWrite shuts the sending side down; the runner then reads EOF.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("client: %T cannot half-close", c.nc)
}

// ReadUntilClosed reads until the runner closes the connection and returns
// what arrived. When the runner has not closed it within d, the error wraps
// ErrNotClosed.
func (c *Conn) ReadUntilClosed(d time.Duration) ([]byte, error) {
	if err := c.nc.SetReadDeadline(time.Now().Add(d)); err != nil {
		return nil, fmt.Errorf("client: read deadline: %w", err)
	}
	b, err := io.ReadAll(c.br)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return b, fmt.Errorf("client: after %s: %w", d, ErrNotClosed)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return b, fmt.Errorf("client: after %s: %w", d, ErrNotClosed)
		}
		if errors.Is(err, net.ErrClosed) {
			return b, err
		}
		// A reset by the peer is a close too.
		return b, nil
	}
	return b, nil
}
