package protocol

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	flatbuffers "github.com/google/flatbuffers/go"
	"go.uber.org/zap"

	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"
)

const (
	readBufSize = 16 << 10 // one read takes a typical frame whole
	maxKeptBuf  = 1 << 20  // larger frame buffers are not kept between calls
)

// conn serves one APISIX connection: one call at a time, kept alive.
type conn struct {
	srv *Server
	nc  net.Conn
	r   *bufio.Reader

	buf      []byte // frame body, reused
	extraBuf []byte // extra info answers, reused
	b        *flatbuffers.Builder
	eb       *flatbuffers.Builder // extra info questions

	slot   slot
	track  TrackSlot // nil unless the server has a Tracker
	idle   atomic.Bool
	idleMu sync.Mutex    // orders a handover's wake-up with the end of idleness
	seq    atomic.Uint64 // frames begun and ended: odd while one is handled (see retire.go)
	broken bool          // the peer went away during a call: close after it

	// wmu orders the connection's writes with abandon's (stuck.go);
	// abandoned is set once a stuck call's reply was sent for it.
	wmu       sync.Mutex
	abandoned bool
	stuck     chan struct{} // closed when a parse aside is given up (nil otherwise)
	released  sync.Once     // Server.release

	// held is the unit slot of the call running (Admitter), given back
	// while the call waits on APISIX for extra info (extrainfo.go).
	held Admitter

	req  request
	w    responseWriter
	resp response
	// views guards what plugins see of req, w and resp (views.go).
	views views
	// bodyErr is the current plugin call's body over the limit (body.go),
	// under the views lock.
	bodyErr error
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv: s,
		nc:  nc,
		r:   bufio.NewReaderSize(nc, readBufSize),
		buf: make([]byte, 0, 4<<10),
		b:   flatbuffers.NewBuilder(1024),
		eb:  flatbuffers.NewBuilder(128),
	}
	c.slot.abandon = c.abandon
	return c
}

// serve reads frames until the peer closes, the connection breaks, or the
// server shuts down.
func (c *conn) serve() {
	c.srv.yield.serving.Add(1)
	defer c.srv.yield.serving.Add(-1)
	for {
		c.idle.Store(true)
		if c.srv.closing.Load() {
			return
		}
		if c.srv.handingOver.Load() && c.handOver() {
			return
		}
		// Wait for the next frame: between frames the connection can be
		// handed over (handover.go).
		if err := c.waitFrame(); err != nil && c.srv.handingOver.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		c.busy()
		typ, body, err := ReadFrame(c.r, c.buf)
		if err != nil {
			c.readError(err)
			return
		}
		if cap(body) <= maxKeptBuf {
			c.buf = body[:0]
		}
		c.beginFrame()
		ok := c.handle(typ, body)
		c.endFrame()
		if !ok {
			return
		}
	}
}

func (c *conn) readError(err error) {
	if errors.Is(err, io.EOF) || c.srv.closing.Load() || errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	c.srv.obs.FrameError("truncated")
	c.srv.log.Warn("closing connection", zap.Error(err))
}

// handle answers one frame. It reports whether the connection can go on.
// A panic anywhere in here answers the frame with an error and is counted;
// the connection and every other call go on.
func (c *conn) handle(typ byte, body []byte) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.obs.FrameError("panic")
			c.srv.log.Error("recovered panic while handling a frame",
				zap.String("type", TypeName(typ)), zap.Any("panic", unwrapPanic(p)))
			c.errorReply(A6Err.CodeSERVICE_UNAVAILABLE, ErrorReply{Frame: TypeName(typ),
				Err: fmt.Errorf("protocol: panic while handling a frame: %v", unwrapPanic(p))})
			ok = !c.broken
		}
	}()
	switch typ {
	case TypePrepareConf:
		c.prepareConf(body)
	case TypeHTTPReqCall:
		c.reqCall(body)
	case TypeHTTPRespCall:
		c.respCall(body)
	default:
		c.srv.obs.FrameError("unknown_type")
		c.srv.log.Warn("unexpected frame type", zap.String("type", TypeName(typ)), zap.Int("size", len(body)))
		c.errorReply(A6Err.CodeBAD_REQUEST, ErrorReply{Frame: TypeName(typ), Err: ErrUnexpectedType})
	}
	return !c.broken
}

func (c *conn) prepareConf(body []byte) {
	key, raw, err := decodePrepareConf(body)
	if err != nil {
		c.malformed(err)
		return
	}
	e, skips, err := c.srv.confs.prepare(key, raw, c.srv.catalog(), c.parse, time.Now())
	for _, s := range skips {
		c.srv.log.Warn("plugin skipped from conf (plugins.on_unknown is skip)",
			zap.String("key", key), zap.String("plugin", s.name), zap.Error(s.err))
	}
	if err != nil && c.broken {
		return // given up while stuck (stuck.go), or the peer left
	}
	if err != nil {
		c.srv.obs.FrameError("prepare_conf")
		plug := ""
		if ce := (*ConfError)(nil); errors.As(err, &ce) {
			plug = ce.Plugin
		}
		c.srv.log.Error("conf rejected", zap.String("key", key), zap.String("plugin", plug), zap.Error(err))
		c.errorReply(A6Err.CodeBAD_REQUEST, ErrorReply{Frame: TypeName(TypePrepareConf), Key: key, Err: err})
		return
	}
	c.srv.obs.ConfEntries(c.srv.confs.len())
	if ce := c.srv.log.Check(zap.DebugLevel, "conf prepared"); ce != nil {
		names := make([]string, len(raw))
		for i, rc := range raw {
			names[i] = rc.name
		}
		ce.Write(zap.String("key", key), zap.Uint32("token", e.token), zap.Strings("plugins", names))
	}
	if f := c.srv.cfg.OnConfPrepared; f != nil {
		f(e.record())
	}
	encodePrepareConf(c.b, e.token)
	c.reply(TypePrepareConf)
}

func (c *conn) reqCall(body []byte) {
	fb := &c.req.fb
	if err := decodeReqCall(body, fb); err != nil {
		c.malformed(err)
		return
	}
	now := time.Now() // one clock read for the conf lookup and the first plugin
	ch := c.chainFor(TypeHTTPReqCall, fb.ConfToken(), fb.Id(), now)
	if ch == nil {
		return
	}
	c.req.reset(c)
	c.w.reset()
	if err := c.runRequest(ch, now); err != nil {
		c.callFailed(TypeHTTPReqCall, fb.Id(), err)
		return
	}
	switch {
	case c.w.written():
		encodeStop(c.b, fb.Id(), &c.w)
	case c.req.changed():
		encodeRewrite(c.b, fb.Id(), &c.req)
	default:
		encodeEmpty(c.b, fb.Id())
	}
	c.reply(TypeHTTPReqCall)
}

func (c *conn) respCall(body []byte) {
	fb := &c.resp.fb
	if err := decodeRespCall(body, fb); err != nil {
		c.malformed(err)
		return
	}
	now := time.Now()
	ch := c.chainFor(TypeHTTPRespCall, fb.ConfToken(), fb.Id(), now)
	if ch == nil {
		return
	}
	c.resp.reset(c)
	if err := c.runResponse(ch, now); err != nil {
		c.callFailed(TypeHTTPRespCall, fb.Id(), err)
		return
	}
	encodeResp(c.b, fb.Id(), &c.resp)
	c.reply(TypeHTTPRespCall)
}

// chainFor finds the chain of a token live at now, or answers the frame
// (of type typ, call id) and returns nil.
func (c *conn) chainFor(typ byte, token, id uint32, now time.Time) *chain {
	e := c.srv.confs.lookup(token, now.UnixNano())
	if e == nil {
		c.srv.obs.FrameError("token_not_found")
		if ce := c.srv.log.Check(zap.DebugLevel, "conf token not found"); ce != nil {
			ce.Write(zap.Uint32("token", token))
		}
		c.errorReply(A6Err.CodeCONF_TOKEN_NOT_FOUND, ErrorReply{Frame: TypeName(typ), ID: id, Err: ErrTokenNotFound})
		return nil
	}
	ch := e.chain.Load()
	if ch.err != nil {
		c.srv.obs.FrameError("conf_failed")
		if ce := c.srv.log.Check(zap.DebugLevel, "conf cannot serve"); ce != nil {
			ce.Write(zap.String("key", e.key), zap.Error(ch.err))
		}
		c.errorReply(A6Err.CodeSERVICE_UNAVAILABLE, ErrorReply{Frame: TypeName(typ), Key: e.key, ID: id, Err: ch.err})
		return nil
	}
	return ch
}

func (c *conn) malformed(err error) {
	c.srv.obs.FrameError("malformed")
	c.srv.log.Warn("malformed frame", zap.Error(err))
	c.errorReply(A6Err.CodeBAD_REQUEST, ErrorReply{Err: err})
}

// callFailed answers a call (of type typ, id) whose plugin failed. The
// failure was logged where it happened.
func (c *conn) callFailed(typ byte, id uint32, err error) {
	if c.broken {
		return
	}
	if ce := c.srv.log.Check(zap.DebugLevel, "call failed"); ce != nil {
		ce.Write(zap.Error(err))
	}
	c.errorReply(A6Err.CodeSERVICE_UNAVAILABLE, ErrorReply{Frame: TypeName(typ), ID: id, Err: err})
}

// errorReply tells Config.OnErrorReply, when set, why the frame is answered
// with code, then answers it.
func (c *conn) errorReply(code A6Err.Code, r ErrorReply) {
	if f := c.srv.cfg.OnErrorReply; f != nil {
		r.Code = code.String()
		f(r)
	}
	c.sendError(code)
}

func (c *conn) sendError(code A6Err.Code) {
	encodeError(c.b, code)
	c.reply(TypeError)
}

// reply sends the message built in c.b. A reply too large to frame is
// replaced by an error.
func (c *conn) reply(typ byte) {
	if n := len(c.b.FinishedBytes()); n > MaxBodyLen {
		c.srv.obs.FrameError("reply_too_large")
		c.srv.log.Error("reply too large to frame, answering with an error",
			zap.String("type", TypeName(typ)), zap.Int("size", n), zap.Int("limit", MaxBodyLen))
		encodeError(c.b, A6Err.CodeSERVICE_UNAVAILABLE)
		typ = TypeError
	}
	if err := c.send(typ, c.b); err != nil {
		c.broken = true
		if ce := c.srv.log.Check(zap.DebugLevel, "write failed"); ce != nil {
			ce.Write(zap.Error(err))
		}
	}
	if len(c.b.Bytes) > maxKeptBuf {
		c.b = flatbuffers.NewBuilder(1024)
	}
}

// send frames the message finished in b and writes it with one system call.
// The header goes into the builder's free space in front of the message.
// Nothing is written once a stuck call's reply was sent for it.
func (c *conn) send(typ byte, b *flatbuffers.Builder) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.abandoned {
		return ErrAbandoned
	}
	body := b.FinishedBytes()
	head := int(b.Head())
	if head < HeaderLen {
		return WriteFrame(c.nc, typ, body)
	}
	frame := b.Bytes[head-HeaderLen:]
	if err := PutHeader(frame, typ, len(body)); err != nil {
		return err
	}
	_, err := c.nc.Write(frame)
	return err
}
