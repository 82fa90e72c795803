package protocol

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"go.uber.org/zap"
)

// A process that stops serving can hand its connections to the process that
// serves next instead of closing them: a connection closed while idle races
// with the request APISIX may be writing on it, and that request would be
// lost. Handover gives each connection away once it is between frames, with
// whatever this process had already read of the next one; Adopt serves a
// connection given so.

// Handover stops accepting, lets every call in flight finish, and passes
// each connection, once it is between frames, to give: a duplicate of its
// file descriptor and the bytes already read from it but not yet served.
// A connection give fails on is closed. Handover returns when no
// connection is left, or with ctx's error when ctx ends first (the calls
// still running then are stuck in code that cannot be stopped). Serve
// returns ErrServerClosed once Handover has returned.
func (s *Server) Handover(ctx context.Context, give func(f *os.File, buffered []byte) error) error {
	s.mu.Lock()
	if s.closing.Load() || s.handingOver.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.give = give
	s.handingOver.Store(true)
	closed := s.closeListener()
	for c := range s.conns {
		c.wake()
	}
	s.mu.Unlock()
	select {
	case <-closed:
	case <-ctx.Done():
	}
	defer close(s.handedOver)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("protocol: handover: %w", ctx.Err())
	}
}

// wake makes an idle connection's wait for its next frame return, so that
// it is handed over.
func (c *conn) wake() {
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	if c.idle.Load() {
		_ = c.nc.SetReadDeadline(time.Now())
	}
}

// busy ends the connection's idleness: a frame is arriving. During a
// handover, a wake-up that came meanwhile is undone: the frame is read and
// served, and the connection handed over after it.
func (c *conn) busy() {
	if !c.srv.handingOver.Load() {
		c.idle.Store(false)
		return
	}
	c.idleMu.Lock()
	c.idle.Store(false)
	_ = c.nc.SetReadDeadline(time.Time{})
	c.idleMu.Unlock()
}

// handOver gives the connection away between two frames, unless a frame
// has started to arrive; it reports whether the connection is done here.
func (c *conn) handOver() bool {
	c.idleMu.Lock()
	_ = c.nc.SetReadDeadline(time.Now()) // nothing more is read here
	c.idleMu.Unlock()
	f, ok := c.nc.(interface{ File() (*os.File, error) })
	if !ok {
		return true // nothing to hand over: closed
	}
	buffered, _ := c.r.Peek(c.r.Buffered())
	dup, err := f.File()
	if err == nil {
		err = c.srv.give(dup, bytes.Clone(buffered))
		dup.Close()
	}
	if err != nil {
		c.srv.log.Warn("connection closed: it could not be handed to the next worker", zap.Error(err))
	} else if ce := c.srv.log.Check(zap.DebugLevel, "connection handed over"); ce != nil {
		ce.Write(zap.Int("buffered", len(buffered)))
	}
	return true
}

// Adopt serves a connection another process handed over; buffered is
// what that process had read of it and not served.
func (s *Server) Adopt(nc net.Conn, buffered []byte) {
	if uc, ok := nc.(*net.UnixConn); ok && len(buffered) > 0 {
		pre := bytes.NewReader(buffered)
		nc = &prefixConn{UnixConn: uc, pre: pre, r: io.MultiReader(pre, uc)}
	}
	if ce := s.log.Check(zap.DebugLevel, "connection adopted"); ce != nil {
		ce.Write(zap.Int("buffered", len(buffered)))
	}
	s.track(nc)
}

// prefixConn reads bytes another process read first, then the connection.
type prefixConn struct {
	*net.UnixConn
	pre *bytes.Reader
	r   io.Reader
}

func (p *prefixConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// File is refused while bytes read elsewhere are unread: they cannot
// travel with the descriptor.
func (p *prefixConn) File() (*os.File, error) {
	if p.pre.Len() > 0 {
		return nil, errors.New("protocol: a connection with bytes read by another process cannot be handed over again")
	}
	return p.UnixConn.File()
}
