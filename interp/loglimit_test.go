package interp

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestLogLimit: over the rate, lines are dropped and counted; the next line
// let through is preceded by a note with the count; long lines are cut.
func TestLogLimit(t *testing.T) {
	obs, logs := observer.New(zapcore.DebugLevel)
	c := &limitCore{Core: obs, rate: 10, lineBytes: 16, st: &limitState{tokens: 10}}
	t0 := time.Unix(1000, 0)
	for i := 0; i < 100; i++ {
		_ = c.Write(zapcore.Entry{Time: t0, Level: zapcore.InfoLevel, Message: "flood"}, nil)
	}
	if n := logs.Len(); n != 10 {
		t.Fatalf("%d lines written in a burst at rate 10, want 10", n)
	}
	_ = c.Write(zapcore.Entry{Time: t0.Add(time.Second), Level: zapcore.ErrorLevel, Message: strings.Repeat("x", 100)},
		[]zapcore.Field{{Key: "line", Type: zapcore.StringType, String: strings.Repeat("y", 100)}})
	all := logs.All()
	if len(all) != 12 {
		t.Fatalf("%d lines, want 10 + the note + the line", len(all))
	}
	note, line := all[10], all[11]
	if !strings.Contains(note.Message, "dropped") || note.ContextMap()["dropped"] != int64(90) {
		t.Errorf("note %q %v, want 90 dropped", note.Message, note.ContextMap())
	}
	want := strings.Repeat("x", 16) + "... (84 bytes cut)"
	if line.Message != want || line.ContextMap()["line"] != strings.Repeat("y", 16)+"... (84 bytes cut)" {
		t.Errorf("long line written as %q %v", line.Message, line.ContextMap())
	}
}
