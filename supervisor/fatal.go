package supervisor

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// crash is what a worker's stderr said about its end: the first line of a
// fatal error or unrecovered panic, and the goroutine its trace names first.
type crash struct {
	mu        sync.Mutex
	line      string
	goroutine uint64
	seen      bool      // line set: the next "goroutine N [" line is the crashing one
	at        time.Time // when line was read
}

// fatalPrefixes start the line that names a fatal error.
var fatalPrefixes = []string{
	"fatal error:",
	"panic:",
	"runtime: goroutine stack exceeds",
	"runtime: out of memory",
}

func (c *crash) observe(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.seen {
		for _, p := range fatalPrefixes {
			if strings.HasPrefix(line, p) {
				c.line, c.seen, c.at = line, true, time.Now()
				return
			}
		}
		return
	}
	if c.goroutine != 0 {
		return
	}
	if rest, ok := strings.CutPrefix(line, "goroutine "); ok {
		if i := strings.IndexByte(rest, ' '); i > 0 {
			if id, err := strconv.ParseUint(rest[:i], 10, 64); err == nil {
				c.goroutine = id
			}
		}
	}
}

func (c *crash) get() (line string, goroutine uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.line, c.goroutine
}

// when is when the crash's first line was read; zero without one.
func (c *crash) when() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

// relay copies the worker's stderr to out line by line, watching for the
// lines of a crash, until r ends.
func (c *crash) relay(r io.Reader, out io.Writer) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			_, _ = out.Write(line)
			if err == nil {
				c.observe(strings.TrimRight(string(line), "\n"))
			}
		}
		if err == bufio.ErrBufferFull {
			continue // an overlong line: passed on, not parsed
		}
		if err != nil {
			return
		}
	}
}
