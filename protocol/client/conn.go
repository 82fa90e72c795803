package client

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"time"
)

// keepBuf is the largest read buffer a Conn keeps between frames.
const keepBuf = 64 << 10

// Conn is one connection to the runner, carrying one call at a time and
// kept alive between calls. After an I/O or protocol failure it is broken:
// every later call returns ErrBroken and it should be closed, as APISIX
// closes it. An RPC error reply does not break it. A Conn is not safe for
// concurrent use.
type Conn struct {
	nc   net.Conn
	br   *bufio.Reader
	enc  Encoder
	rbuf []byte
	o    Options
	err  error

	idleSince time.Time // set by the pool
}

// Dial connects to the runner at o.Path within o.ConnectTimeout.
func Dial(o Options) (*Conn, error) {
	o = o.withDefaults()
	nc, err := net.DialTimeout("unix", o.Path, o.ConnectTimeout)
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", o.Path, err)
	}
	return NewConn(nc, o), nil
}

// NewConn wraps an established connection.
func NewConn(nc net.Conn, o Options) *Conn {
	return &Conn{nc: nc, br: bufio.NewReaderSize(nc, 4096), o: o.withDefaults()}
}

// Err returns the failure that broke the connection, or nil.
func (c *Conn) Err() error { return c.err }

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// SetIOTimeout changes the bound on each write and read.
func (c *Conn) SetIOTimeout(d time.Duration) { c.o.IOTimeout = d }

// Prepare sends PrepareConf and returns the token.
func (c *Conn) Prepare(key string, conf []Conf) (uint32, error) {
	c.enc.PrepareConf(key, conf)
	typ, body, err := c.roundTrip(TypePrepareConf, nil, nil)
	if err != nil {
		return 0, err
	}
	if err := c.expect(TypePrepareConf, typ, body); err != nil {
		return 0, err
	}
	tok, err := DecodePrepareResp(body)
	if err != nil {
		return 0, c.fail(err)
	}
	return tok, nil
}

// ReqCall sends an HTTPReqCall, answers the runner's ExtraInfo requests from
// x (nil: nothing is known) and decodes the reply into out. An RPC error
// reply is returned as *RPCError.
func (c *Conn) ReqCall(r *ReqCall, x ExtraProvider, out *ReqResult) error {
	out.Trips = 0
	if _, err := c.enc.ReqCall(r); err != nil {
		return err
	}
	typ, body, err := c.roundTrip(TypeHTTPReqCall, x, &out.Trips)
	if err != nil {
		return err
	}
	if err := c.expect(TypeHTTPReqCall, typ, body); err != nil {
		return err
	}
	trips := out.Trips
	err = DecodeReqResp(body, out)
	out.Trips = trips
	if err != nil {
		return c.fail(err)
	}
	return nil
}

// RespCall sends an HTTPRespCall, answers ExtraInfo requests from x and
// decodes the reply into out.
func (c *Conn) RespCall(r *RespCall, x ExtraProvider, out *RespResult) error {
	out.Trips = 0
	c.enc.RespCall(r)
	typ, body, err := c.roundTrip(TypeHTTPRespCall, x, &out.Trips)
	if err != nil {
		return err
	}
	if err := c.expect(TypeHTTPRespCall, typ, body); err != nil {
		return err
	}
	trips := out.Trips
	err = DecodeRespResp(body, out)
	out.Trips = trips
	if err != nil {
		return c.fail(err)
	}
	return nil
}

// expect checks the reply type: an RPC error becomes *RPCError, another
// unexpected type breaks the connection.
func (c *Conn) expect(want, typ byte, body []byte) error {
	switch typ {
	case want:
		return nil
	case TypeError:
		rpc, err := DecodeError(body)
		if err != nil {
			return c.fail(err)
		}
		return rpc
	}
	return c.fail(fmt.Errorf("client: %s reply: %w: %s", TypeName(want), ErrUnexpectedType, TypeName(typ)))
}

// roundTrip writes the frame just encoded and reads replies, answering
// ExtraInfo requests, until one of another type arrives. The body returned
// is valid until the next read.
func (c *Conn) roundTrip(typ byte, x ExtraProvider, trips *int) (byte, []byte, error) {
	if c.err != nil {
		return 0, nil, fmt.Errorf("client: %w: %w", ErrBroken, c.err)
	}
	f, err := c.enc.frame(typ)
	if err != nil {
		return 0, nil, err // nothing was sent
	}
	if err := c.write(f); err != nil {
		return 0, nil, c.fail(err)
	}
	if x == nil {
		x = noExtra{}
	}
	for {
		rt, body, err := c.read()
		if err != nil {
			return 0, nil, c.fail(fmt.Errorf("client: waiting for the %s reply: %w", TypeName(typ), err))
		}
		if rt != TypeExtraInfo || trips == nil {
			return rt, body, nil
		}
		*trips++
		if *trips > c.o.MaxExtraTrips {
			return 0, nil, c.fail(fmt.Errorf("client: %w: %d", ErrTooManyTrips, *trips))
		}
		req, err := DecodeExtraReq(body)
		if err != nil {
			return 0, nil, c.fail(err)
		}
		res, ok, err := x.Answer(req)
		if err != nil {
			return 0, nil, c.fail(fmt.Errorf("client: answering extra_info %s: %w", req.Info, err))
		}
		c.enc.ExtraResp(res, ok)
		f, err := c.enc.frame(TypeExtraInfo)
		if err != nil {
			return 0, nil, c.fail(err)
		}
		if err := c.write(f); err != nil {
			return 0, nil, c.fail(err)
		}
	}
}

func (c *Conn) write(b []byte) error {
	if c.o.IOTimeout > 0 {
		if err := c.nc.SetWriteDeadline(time.Now().Add(c.o.IOTimeout)); err != nil {
			return fmt.Errorf("client: write deadline: %w", err)
		}
	}
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("client: write: %w", err)
	}
	return nil
}

func (c *Conn) read() (byte, []byte, error) {
	if c.o.IOTimeout > 0 {
		if err := c.nc.SetReadDeadline(time.Now().Add(c.o.IOTimeout)); err != nil {
			return 0, nil, fmt.Errorf("client: read deadline: %w", err)
		}
	}
	typ, body, err := readFrame(c.br, c.rbuf[:cap(c.rbuf)])
	if cap(body) > cap(c.rbuf) && cap(body) <= keepBuf {
		c.rbuf = body[:0]
	}
	if err == io.EOF {
		err = fmt.Errorf("client: runner closed the connection: %w", io.EOF)
	}
	return typ, body, err
}

func (c *Conn) fail(err error) error {
	if c.err == nil {
		c.err = err
	}
	return err
}
