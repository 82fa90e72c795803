package interp

import (
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Defaults of Config's log limits.
const (
	DefaultLogRate      = 100  // lines per second per unit
	DefaultLogLineBytes = 4096 // bytes of one line's message or field
)

// limitCore is the zap core of one unit's script logs (pluginlog, stdout,
// stderr): at most rate lines a second, with a burst of as many, each
// message and string field cut to lineBytes. Lines over the rate are
// dropped and counted; the next line that passes is preceded by a note
// saying how many were dropped.
type limitCore struct {
	zapcore.Core
	rate      float64
	lineBytes int
	st        *limitState
}

// limitState is shared by the cores With derives from one unit's.
type limitState struct {
	mu      sync.Mutex
	tokens  float64
	last    time.Time
	dropped int
}

// limitLogger returns l whose lines go through a limitCore.
func limitLogger(l *zap.Logger, rate, lineBytes int) *zap.Logger {
	st := &limitState{tokens: float64(rate)}
	return l.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return &limitCore{Core: c, rate: float64(rate), lineBytes: lineBytes, st: st}
	}))
}

func (c *limitCore) With(fields []zapcore.Field) zapcore.Core {
	return &limitCore{Core: c.Core.With(fields), rate: c.rate, lineBytes: c.lineBytes, st: c.st}
}

func (c *limitCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if !c.Enabled(e.Level) {
		return ce
	}
	return ce.AddCore(e, c)
}

// take reports whether a line may be written at now, and how many were
// dropped since the last one that was.
func (s *limitState) take(now time.Time, rate float64) (ok bool, dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.last.IsZero() {
		s.tokens = min(rate, s.tokens+now.Sub(s.last).Seconds()*rate)
	}
	s.last = now
	if s.tokens < 1 {
		s.dropped++
		return false, 0
	}
	s.tokens--
	dropped, s.dropped = s.dropped, 0
	return true, dropped
}

func (c *limitCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	ok, dropped := c.st.take(e.Time, c.rate)
	if !ok {
		return nil
	}
	if dropped > 0 {
		note := e
		note.Level = zapcore.WarnLevel
		note.Message = "script log lines dropped: over the unit's log rate"
		_ = c.Core.Write(note, []zapcore.Field{zap.Int("dropped", dropped), zap.Float64("lines_per_second", c.rate)})
	}
	e.Message = cut(e.Message, c.lineBytes)
	for i := range fields {
		if fields[i].Type == zapcore.StringType {
			fields[i].String = cut(fields[i].String, c.lineBytes)
		}
	}
	return c.Core.Write(e, fields)
}

// cut shortens s to n bytes, saying by how much.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "... (" + strconv.Itoa(len(s)-n) + " bytes cut)"
}
