package protocol

import (
	"fmt"
	"time"

	flatbuffers "github.com/google/flatbuffers/go"

	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
)

// During a call a plugin may ask APISIX for a variable or a body. The
// question goes out as an EXTRA_INFO frame on the call's connection and the
// answer comes back on it before the call's reply is sent.

// varCache keeps the variables asked during one call.
type varCache map[string][]byte

// get returns the variable name, asking APISIX on c the first time.
func (vc *varCache) get(c *conn, name string) ([]byte, error) {
	if v, ok := (*vc)[name]; ok {
		return v, nil
	}
	v, err := c.askVar(name)
	if err != nil {
		return nil, err
	}
	if *vc == nil {
		*vc = make(varCache, 2)
	}
	(*vc)[name] = v
	return v, nil
}

func (c *conn) askVar(name string) ([]byte, error) {
	b := c.eb
	b.Reset()
	n := b.CreateString(name)
	ei.VarStart(b)
	ei.VarAddName(b, n)
	return c.ask(ei.InfoVar, ei.VarEnd(b), "var "+name)
}

func (c *conn) askReqBody() ([]byte, error) {
	b := c.eb
	b.Reset()
	ei.ReqBodyStart(b)
	return c.ask(ei.InfoReqBody, ei.ReqBodyEnd(b), "request body")
}

func (c *conn) askRespBody() ([]byte, error) {
	b := c.eb
	b.Reset()
	ei.RespBodyStart(b)
	return c.ask(ei.InfoRespBody, ei.RespBodyEnd(b), "response body")
}

func (c *conn) ask(typ ei.Info, info flatbuffers.UOffsetT, what string) ([]byte, error) {
	if c.broken {
		return nil, fmt.Errorf("protocol: extra info %s: %w", what, ErrPeerClosed)
	}
	if a := c.held; a != nil {
		// Waiting on APISIX uses no processor: the slot serves another
		// call meanwhile. Taken back within the call's deadline, or the
		// call goes on without it (the watchdog sees to the deadline).
		a.Release()
		defer func() {
			if !a.Acquire(time.Until(c.slot.deadline())) {
				c.held = nil
			}
		}()
	}
	b := c.eb
	ei.ReqStart(b)
	ei.ReqAddInfoType(b, typ)
	ei.ReqAddInfo(b, info)
	b.Finish(ei.ReqEnd(b))
	c.srv.obs.ExtraInfo()
	if err := c.send(TypeExtraInfo, b); err != nil {
		c.broken = true
		return nil, fmt.Errorf("protocol: extra info %s: %w: %w", what, ErrPeerClosed, err)
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.ExtraInfoTimeout))
	t, body, err := ReadFrame(c.r, c.extraBuf)
	_ = c.nc.SetReadDeadline(time.Time{})
	if err != nil {
		c.broken = true
		return nil, fmt.Errorf("protocol: extra info %s: %w: %w", what, ErrPeerClosed, err)
	}
	if cap(body) <= maxKeptBuf {
		c.extraBuf = body[:0]
	}
	if t != TypeExtraInfo {
		c.broken = true
		return nil, fmt.Errorf("protocol: extra info %s: %w: got %s", what, ErrUnexpectedType, TypeName(t))
	}
	return decodeExtraInfoResp(body)
}
