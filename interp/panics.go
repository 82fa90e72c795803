package interp

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-runner/go-runner/bridge"
)

// Where a script panicked. As a panic unwinds through interpreted frames,
// yaegi prints one line per frame to the interpreter's stderr, innermost
// first: "say.go:28:5: panic: scripts.RequestFilter(...)". The lines are
// printed on the panicking goroutine, so the unit's stderr keeps them by
// goroutine (panicTrace), and the call's wrapper, on the same goroutine,
// takes them when it recovers: the first line is the panicking statement.
// They are logged only at debug, with the runner's stack; the runner logs
// one concise line per panic, with the position (package protocol).

// panicMark is in every frame line yaegi prints for a panic.
var panicMark = []byte(": panic: ")

// maxTraced bounds the goroutines with frames kept (a script that recovers
// its own panics leaves frames nobody takes); past it they are dropped.
const maxTraced = 256

// staleFrames is when frames kept for a goroutine are from an earlier
// panic (one the script recovered itself): unwinding prints them in a few
// microseconds.
const staleFrames = 100 * time.Millisecond

// panicTrace keeps the frames yaegi printed, by goroutine, until taken.
type panicTrace struct {
	mu  sync.Mutex
	byG map[uint64]*frames
}

type frames struct {
	at    time.Time
	lines []string
}

// note keeps one frame line printed on goroutine g.
func (pt *panicTrace) note(g uint64, line string, now time.Time) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.byG == nil || len(pt.byG) >= maxTraced {
		pt.byG = make(map[uint64]*frames)
	}
	f := pt.byG[g]
	if f == nil || now.Sub(f.at) > staleFrames {
		f = &frames{}
		pt.byG[g] = f
	}
	f.at = now
	if len(f.lines) < 64 {
		f.lines = append(f.lines, line)
	}
}

// take returns and forgets the frames printed on goroutine g.
func (pt *panicTrace) take(g uint64) []string {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	f := pt.byG[g]
	if f == nil {
		return nil
	}
	delete(pt.byG, g)
	return f.lines
}

// goid is the calling goroutine's id, read from its stack header; only
// panics pay for it.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b, _ = bytes.CutPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	n, _ := strconv.ParseUint(string(b), 10, 64)
	return n
}

// stderrWriter is a unit's stderr: yaegi's panic frames printed during a
// call go to the trace, everything else (and everything while the unit
// loads, whose errors quote the frames) to the log.
type stderrWriter struct{ u *Unit }

func (w stderrWriter) Write(p []byte) (int, error) {
	u := w.u
	if bytes.Contains(p, []byte(libSrc)) { // a helper's frame
		n := len(p)
		p = []byte(scriptPath(string(p)))
		_, err := w.write(u, p)
		return n, err
	}
	return w.write(u, p)
}

// write is Write once helper files are named as in the scripts directory.
func (w stderrWriter) write(u *Unit, p []byte) (int, error) {
	if u.loading.Load() || !bytes.Contains(p, panicMark) {
		return u.stderr.Write(p)
	}
	g, now := goid(), time.Now()
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		u.panics.note(g, line, now)
	}
	return len(p), nil
}

// PanicError is a script's panic in a call. Its message is the panic
// value's; Pos is the panicking statement ("say.go:28:5"), when yaegi
// printed it, and Frames the script's frames, innermost first.
type PanicError struct {
	Value  string
	Pos    string
	Frames []string
	cause  error // the value, when it is an error
}

func (e *PanicError) Error() string { return e.Value }

func (e *PanicError) Unwrap() error { return e.cause }

// PanicPos is where the script panicked, "" when unknown.
func (e *PanicError) PanicPos() string { return e.Pos }

// ScriptFrames are the script's frames, innermost first.
func (e *PanicError) ScriptFrames() []string { return e.Frames }

// callPanic describes the panic value v recovered on this goroutine. It
// formats v here, inside the call: v may be a script's error or Stringer.
func (u *Unit) callPanic(v interface{}) *PanicError {
	v = bridge.PanicValue(v)
	pe := &PanicError{Frames: u.panics.take(goid())}
	if e, ok := v.(error); ok {
		pe.cause = e
		pe.Value = e.Error()
	} else {
		pe.Value = fmt.Sprint(v)
	}
	if len(pe.Frames) > 0 {
		if pos, _, ok := strings.Cut(pe.Frames[0], string(panicMark)); ok {
			pe.Pos = pos
		}
	}
	u.place(pe)
	return pe
}
