package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Phases of a run, read by every worker after each call.
const (
	phaseWarm int32 = iota
	phaseMeasure
	phaseStop
)

// worker drives one kept-alive connection in a closed loop: write the
// request, answer ExtraInfo questions, read and validate the reply, repeat.
type worker struct {
	sc    *scenario
	nc    net.Conn
	r     *bufio.Reader
	frame []byte // private copy of the request template
	tpl   *template
	extra []byte // prebuilt ExtraInfo answer frame
	idHi  uint32

	rbuf []byte
	req  client.ReqResult
	resp client.RespResult

	hist     hist
	calls    uint64 // measured calls that passed
	errs     uint64 // measured calls that failed
	warmErrs uint64 // warm-up calls that failed
	firstErr error
	fatal    error // the connection broke; the worker stopped
}

func newWorker(sc *scenario, tpl *template, extra []byte, nc net.Conn, n int) *worker {
	return &worker{
		sc: sc, nc: nc, r: bufio.NewReaderSize(nc, 16<<10),
		frame: tpl.copyFrame(), tpl: tpl, extra: extra,
		idHi: uint32(n) << 24, rbuf: make([]byte, 0, 16<<10),
	}
}

func (w *worker) run(phase *atomic.Int32) {
	defer w.nc.Close()
	for seq := uint32(0); ; seq++ {
		id := w.idHi | seq&0xffffff
		w.tpl.setID(w.frame, id)
		start := time.Now()
		err := w.call(id)
		d := time.Since(start)
		p := phase.Load()
		if p == phaseStop {
			return
		}
		var fe *fatalError
		if errors.As(err, &fe) {
			w.fatal = fe.err
			return
		}
		if err != nil && w.firstErr == nil {
			w.firstErr = err
		}
		if p != phaseMeasure {
			if err != nil {
				w.warmErrs++
			}
			continue
		}
		if err != nil {
			w.errs++
			continue
		}
		w.calls++
		w.hist.record(d)
	}
}

// fatalError is an I/O or framing failure: the connection cannot go on.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

// call makes one call and validates its reply.
func (w *worker) call(id uint32) error {
	if _, err := w.nc.Write(w.frame); err != nil {
		return &fatalError{fmt.Errorf("bench: write: %w", err)}
	}
	typ, body, err := w.read()
	if err != nil {
		return &fatalError{err}
	}
	if w.sc.extra != "" {
		if typ != client.TypeExtraInfo {
			return w.unexpected(typ, body, client.TypeExtraInfo)
		}
		x, err := client.DecodeExtraReq(body)
		if err != nil {
			return &fatalError{err}
		}
		if x.Info != client.InfoVar || string(x.Name) != w.sc.extra {
			return &fatalError{fmt.Errorf("%w: extra info %s %q, want var %q", errReply, x.Info, x.Name, w.sc.extra)}
		}
		if _, err := w.nc.Write(w.extra); err != nil {
			return &fatalError{fmt.Errorf("bench: write extra info answer: %w", err)}
		}
		if typ, body, err = w.read(); err != nil {
			return &fatalError{err}
		}
	}
	if w.sc.resp {
		if typ != client.TypeHTTPRespCall {
			return w.unexpected(typ, body, client.TypeHTTPRespCall)
		}
		if err := client.DecodeRespResp(body, &w.resp); err != nil {
			return err
		}
		if w.resp.ID != id {
			return fmt.Errorf("%w: reply id %#x to call %#x", errReply, w.resp.ID, id)
		}
		return w.sc.checkResp(&w.resp)
	}
	if typ != client.TypeHTTPReqCall {
		return w.unexpected(typ, body, client.TypeHTTPReqCall)
	}
	if err := client.DecodeReqResp(body, &w.req); err != nil {
		return err
	}
	if w.req.ID != id {
		return fmt.Errorf("%w: reply id %#x to call %#x", errReply, w.req.ID, id)
	}
	return w.sc.checkReq(&w.req)
}

// unexpected turns a reply of the wrong type into an error: an RPC error
// leaves the connection usable, anything else does not.
func (w *worker) unexpected(typ byte, body []byte, want byte) error {
	if typ == client.TypeError {
		rpc, err := client.DecodeError(body)
		if err != nil {
			return &fatalError{err}
		}
		return rpc
	}
	return &fatalError{fmt.Errorf("%w: %s frame, want %s", errReply, client.TypeName(typ), client.TypeName(want))}
}

// read reads one frame; the body is valid until the next read.
func (w *worker) read() (byte, []byte, error) {
	var hdr [client.HeaderLen]byte
	if _, err := io.ReadFull(w.r, hdr[:]); err != nil {
		return 0, nil, fmt.Errorf("bench: read frame header: %w", err)
	}
	n := int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
	if cap(w.rbuf) < n {
		w.rbuf = make([]byte, n)
	}
	body := w.rbuf[:n]
	if _, err := io.ReadFull(w.r, body); err != nil {
		return 0, nil, fmt.Errorf("bench: read %s body of %d bytes: %w", client.TypeName(hdr[0]), n, err)
	}
	return hdr[0], body, nil
}
