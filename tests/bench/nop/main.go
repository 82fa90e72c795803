package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	flatbuffers "github.com/google/flatbuffers/go"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"
	ei "github.com/api7/ext-plugin-proto/go/A6/ExtraInfo"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	hrsc "github.com/api7/ext-plugin-proto/go/A6/HTTPRespCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"
)

const maxConfs = 1 << 12

// runner holds the prepared confs: tokens are small integers indexing a
// fixed table, so a call finds its reply without a lock.
type runner struct {
	mu     sync.Mutex
	byKey  map[string]uint32
	next   uint32
	confs  [maxConfs]atomic.Pointer[canned]
	errNF  []byte // prebuilt CONF_TOKEN_NOT_FOUND
	errBad []byte // prebuilt BAD_REQUEST
}

func main() {
	addr := os.Getenv("APISIX_LISTEN_ADDRESS")
	if addr == "" {
		addr = "unix:/tmp/runner.sock"
	}
	if err := serve(addr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func serve(addr string) error {
	path, ok := strings.CutPrefix(addr, "unix:")
	if !ok || path == "" {
		return fmt.Errorf("nop: %w %q", errBadAddress, addr)
	}
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("nop: listen: %w", err)
	}
	defer os.Remove(path)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() { <-ctx.Done(); _ = l.Close() }()

	r := &runner{byKey: make(map[string]uint32), errNF: errFrame(A6Err.CodeCONF_TOKEN_NOT_FOUND), errBad: errFrame(A6Err.CodeBAD_REQUEST)}
	for {
		nc, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("nop: accept: %w", err)
		}
		go r.serveConn(nc)
	}
}

func errFrame(code A6Err.Code) []byte {
	b := flatbuffers.NewBuilder(32)
	A6Err.RespStart(b)
	A6Err.RespAddCode(b, code)
	b.Finish(A6Err.RespEnd(b))
	return appendFrame(nil, typeError, b.FinishedBytes())
}

// conn is one connection's state: buffers reused for every call.
type conn struct {
	r   *runner
	nc  net.Conn
	br  *bufio.Reader
	buf []byte
	out []byte
	b   *flatbuffers.Builder
}

func (r *runner) serveConn(nc net.Conn) {
	defer nc.Close()
	c := &conn{r: r, nc: nc, br: bufio.NewReaderSize(nc, 16<<10), buf: make([]byte, 0, 16<<10), b: flatbuffers.NewBuilder(256)}
	for {
		typ, body, err := c.read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintln(os.Stderr, err)
			}
			return
		}
		if err := c.handle(typ, body); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
	}
}

func (c *conn) read() (byte, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
	if cap(c.buf) < n {
		c.buf = make([]byte, n)
	}
	body := c.buf[:n]
	if _, err := io.ReadFull(c.br, body); err != nil {
		return 0, nil, fmt.Errorf("nop: frame body: %w", err)
	}
	return hdr[0], body, nil
}

func (c *conn) write(f []byte) error {
	_, err := c.nc.Write(f)
	return err
}

func (c *conn) handle(typ byte, body []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("nop: malformed %d frame: %v", typ, p)
		}
	}()
	var id, tok uint32
	switch typ {
	case typePrepareConf:
		return c.prepare(body)
	case typeHTTPReqCall:
		m := hrc.GetRootAsReq(body, 0)
		id, tok = m.Id(), m.ConfToken()
	case typeHTTPRespCall:
		m := hrsc.GetRootAsReq(body, 0)
		id, tok = m.Id(), m.ConfToken()
	default:
		return c.write(c.r.errBad)
	}
	var cn *canned
	if tok < maxConfs {
		cn = c.r.confs[tok].Load()
	}
	if cn == nil {
		return c.write(c.r.errNF)
	}
	if cn.ask != nil {
		return c.askVar(cn, id)
	}
	c.out = append(c.out[:0], cn.frame...)
	c.out[0] = typ
	binary.LittleEndian.PutUint32(c.out[cn.idOff:], id)
	return c.write(c.out)
}

// askVar sends the prebuilt question, reads the answer and puts it in a
// Rewrite header.
func (c *conn) askVar(cn *canned, id uint32) error {
	if err := c.write(cn.ask); err != nil {
		return err
	}
	typ, body, err := c.read()
	if err != nil {
		return err
	}
	if typ != typeExtraInfo {
		return fmt.Errorf("nop: %w: type %d while waiting for extra info", errUnexpected, typ)
	}
	v := ei.GetRootAsResp(body, 0).ResultBytes()
	b := c.b
	b.Reset()
	rewrite(b, id, "", []kv{{cn.varHeader, string(v)}})
	c.out = appendFrame(c.out[:0], typeHTTPReqCall, b.FinishedBytes())
	return c.write(c.out)
}

func (c *conn) prepare(body []byte) error {
	m := pc.GetRootAsReq(body, 0)
	key := string(m.Key())
	var cn *canned
	var err error
	if m.ConfLength() != 1 {
		err = fmt.Errorf("nop: %w: %d conf entries, want 1", errBadConf, m.ConfLength())
	} else {
		var e A6.TextEntry
		m.Conf(&e, 0)
		cn, err = cannedFor(string(e.Name()), string(e.Value()))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return c.write(c.r.errBad)
	}
	c.r.mu.Lock()
	tok, ok := c.r.byKey[key]
	if !ok {
		c.r.next++
		tok = c.r.next
		if tok >= maxConfs {
			c.r.mu.Unlock()
			fmt.Fprintln(os.Stderr, fmt.Errorf("nop: %w", errTooManyConfs))
			return c.write(c.r.errBad)
		}
		c.r.byKey[key] = tok
	}
	c.r.confs[tok].Store(cn)
	c.r.mu.Unlock()
	b := c.b
	b.Reset()
	pc.RespStart(b)
	pc.RespAddConfToken(b, tok)
	b.Finish(pc.RespEnd(b))
	c.out = appendFrame(c.out[:0], typePrepareConf, b.FinishedBytes())
	return c.write(c.out)
}
