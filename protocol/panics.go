package protocol

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/sdk/plugin"
)

// A plugin's panic is logged as one concise line: the plugin, its unit, the
// phase, the panic value and, for a script, the panicking statement
// ("at": "say.go:28:5"). The runner's stack and the script's frames are
// logged at debug only. The same panic of a script (its unit and position,
// or its plugin and value when the position is unknown) is logged once a
// minute at most: the next line says how many times it happened since
// ("repeated"). A compiled plugin's panics are logged each time.

// scriptPanic is a panic a script unit describes (interp.PanicError).
type scriptPanic interface {
	PanicPos() string
	ScriptFrames() []string
}

// panicEvery is how often the same panic is logged again.
const panicEvery = time.Minute

// maxPanicKeys bounds the panics remembered; past it, logging starts afresh.
const maxPanicKeys = 1024

// panicLog remembers when each panic was last logged.
type panicLog struct {
	mu   sync.Mutex
	seen map[string]*panicSeen
}

type panicSeen struct {
	last    time.Time
	repeats int
}

// allow counts one panic of key at now and reports whether to log it, with
// the repeats since its last line.
func (pl *panicLog) allow(key string, now time.Time) (bool, int) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.seen == nil || len(pl.seen) >= maxPanicKeys {
		pl.seen = make(map[string]*panicSeen)
	}
	s := pl.seen[key]
	if s == nil {
		pl.seen[key] = &panicSeen{last: now}
		return true, 0
	}
	if now.Sub(s.last) < panicEvery {
		s.repeats++
		return false, 0
	}
	n := s.repeats
	s.last, s.repeats = now, 0
	return true, n
}

// logPanic logs the panic p of a call of spec (see above). It runs in the
// call's recover, so the stack is the panicking goroutine's.
func (s *Server) logPanic(spec *plugin.Spec, phase Phase, p any) {
	var pos string
	var frames []string
	if err, ok := p.(error); ok {
		var sp scriptPanic
		if errors.As(err, &sp) {
			pos, frames = sp.PanicPos(), sp.ScriptFrames()
		}
	}
	msg := fmt.Sprint(p) // the runner's own error, or a compiled plugin's value
	key := spec.Unit + "|" + pos
	if pos == "" {
		key = spec.Name + "|" + msg
	}
	ok, repeats := true, 0
	if spec.Unit != "" {
		ok, repeats = s.panics.allow(key, time.Now())
	}
	if !ok {
		return
	}
	fields := []zap.Field{zap.String("plugin", spec.Name), zap.String("unit", spec.Unit),
		zap.String("phase", string(phase)), zap.String("panic", msg)}
	if pos != "" {
		fields = append(fields, zap.String("at", pos))
	}
	if repeats > 0 {
		fields = append(fields, zap.Int("repeated", repeats))
	}
	s.log.Error("plugin panicked", fields...)
	if ce := s.log.Check(zap.DebugLevel, "plugin panic stack"); ce != nil {
		ce.Write(zap.String("plugin", spec.Name), zap.Strings("script_frames", frames), zap.ByteString("stack", debug.Stack()))
	}
}
