package client

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// fakeRunner serves a unix socket with a handler per frame, so that the
// client's behaviour can be checked without the real server.
type fakeRunner struct {
	path string
	ln   net.Listener

	mu   sync.Mutex
	open int // connections currently open
	log  []event
}

type event struct {
	typ  byte
	conn int // connection number, from 1
	open int // connections open when the frame arrived
}

// handler answers one frame; it may use fc to exchange ExtraInfo frames.
type handler func(fc *fakeConn, typ byte, body []byte) (rtyp byte, reply []byte)

type fakeConn struct {
	nc net.Conn
	br *bufio.Reader
	id int
}

// ask sends an ExtraInfo request and returns the reply body, or an empty
// ExtraInfo.Resp when the client broke off (the client side asserts that).
func (fc *fakeConn) ask(body []byte) []byte {
	f, _ := AppendFrame(nil, TypeExtraInfo, body)
	if _, err := fc.nc.Write(f); err != nil {
		return NewEncoder().ExtraResp(nil, false)
	}
	typ, b, err := readFrame(fc.br, nil)
	if err != nil || typ != TypeExtraInfo {
		return NewEncoder().ExtraResp(nil, false)
	}
	return b
}

func shortTempDir(t testing.TB) string {
	d, err := os.MkdirTemp("", "grc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func startFake(t testing.TB, h handler) *fakeRunner {
	path := filepath.Join(shortTempDir(t), "f.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	fr := &fakeRunner{path: path, ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			fr.mu.Lock()
			fr.open++ // counted here, in accept order
			fr.mu.Unlock()
			wg.Add(1)
			go func(id int) {
				defer wg.Done()
				fr.serve(t, &fakeConn{nc: nc, br: bufio.NewReader(nc), id: id}, h)
			}(n)
		}
	}()
	return fr
}

func (fr *fakeRunner) serve(t testing.TB, fc *fakeConn, h handler) {
	defer func() {
		fc.nc.Close()
		fr.mu.Lock()
		fr.open--
		fr.mu.Unlock()
	}()
	var buf, out []byte // reused, so that benchmarks count the client's allocations only
	for {
		typ, body, err := readFrame(fc.br, buf[:cap(buf)])
		if err != nil {
			return
		}
		buf = body
		fr.mu.Lock()
		fr.log = append(fr.log, event{typ: typ, conn: fc.id, open: fr.open})
		fr.mu.Unlock()
		rtyp, reply := h(fc, typ, body)
		if reply == nil {
			return // close the connection
		}
		out, _ = AppendFrame(out[:0], rtyp, reply)
		if _, err := fc.nc.Write(out); err != nil {
			return
		}
	}
}

func (fr *fakeRunner) events() []event {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return append([]event(nil), fr.log...)
}
