package tests

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// logBuf collects a process's output and lets a test wait for a line. It
// keeps the output line by line, never in one contiguous buffer: under
// -race, growing a buffer of tens of megabytes took seconds, during which
// the runner blocked writing to its stdout and overran plugin deadlines
// (10,000 logged panics with their stacks make ~50 MB).
type logBuf struct {
	mu       sync.Mutex
	complete []string // the complete lines, without their newlines
	partial  []byte   // the line being written
	changed  chan struct{}
}

func newLogBuf() *logBuf { return &logBuf{changed: make(chan struct{}, 1)} }

func (l *logBuf) Write(p []byte) (int, error) {
	n := len(p)
	l.mu.Lock()
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			break
		}
		l.complete = append(l.complete, string(l.partial)+string(p[:i]))
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return n, nil
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, line := range l.complete {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.Write(l.partial)
	return b.String()
}

// lines returns the complete lines so far.
func (l *logBuf) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Lines are only ever appended: the caller may keep this view.
	return l.complete[:len(l.complete):len(l.complete)]
}

// count is the number of lines containing every one of subs.
func (l *logBuf) count(subs ...string) int {
	n := 0
	for _, line := range l.lines() {
		if containsAll(line, subs...) {
			n++
		}
	}
	return n
}

// waitCount waits until at least n lines contain every one of subs and
// reports whether that happened within d.
func (l *logBuf) waitCount(d time.Duration, n int, subs ...string) bool {
	return l.waitUntil(d, func() bool { return l.count(subs...) >= n })
}

// waitUntil waits until cond holds, checking it again at each write, and
// reports whether it held within d.
func (l *logBuf) waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-l.changed:
		case <-deadline.C:
			return cond()
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// levelOf returns the level of a zap log line, console ("time\tlevel\t...")
// or JSON ({"level":"..."}), or "" for a line that is neither.
func levelOf(line string) string {
	if strings.HasPrefix(line, "{") {
		if _, rest, ok := strings.Cut(line, `"level":"`); ok {
			lvl, _, _ := strings.Cut(rest, `"`)
			return strings.ToLower(lvl)
		}
		return ""
	}
	f := strings.SplitN(line, "\t", 3)
	if len(f) < 3 {
		return ""
	}
	switch lvl := strings.ToLower(f[1]); lvl {
	case "debug", "info", "warn", "error", "dpanic", "panic", "fatal":
		return lvl
	}
	return ""
}

// atLevel returns the lines logged at one of levels.
func (l *logBuf) atLevel(levels ...string) []string {
	var out []string
	for _, line := range l.lines() {
		lvl := levelOf(line)
		for _, want := range levels {
			if lvl == want {
				out = append(out, line)
			}
		}
	}
	return out
}
