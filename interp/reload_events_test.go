package interp

import (
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// countingEvents is a UnitEvents that counts per unit and event.
type countingEvents struct {
	mu sync.Mutex
	n  map[string]int // "loaded a.go", "reloaded a.go", "failed a.go"
}

func (e *countingEvents) add(ev, unit string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == nil {
		e.n = make(map[string]int)
	}
	e.n[ev+" "+unit]++
}

func (e *countingEvents) count(ev, unit string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[ev+" "+unit]
}

func (e *countingEvents) UnitLoaded(unit string)       { e.add("loaded", unit) }
func (e *countingEvents) UnitReloaded(unit string)     { e.add("reloaded", unit) }
func (e *countingEvents) UnitLoadFailed(unit string)   { e.add("failed", unit) }
func (e *countingEvents) UnitCoolingDown(string, bool) {}

// TestReloaderCountsBeforeLogging: whoever reads a unit's "added",
// "reloaded", "rebuilt" or "failed" log line finds the event already
// counted (an alert on the metric must not lag the log).
func TestReloaderCountsBeforeLogging(t *testing.T) {
	ev := &countingEvents{}
	var mu sync.Mutex
	var lines []string // each line logged, with the count it found
	hook := func(e zapcore.Entry) error {
		var event string
		switch {
		case e.Message == "script unit added":
			event = "loaded"
		case e.Message == "script unit reloaded" || strings.HasPrefix(e.Message, "script unit rebuilt"):
			event = "reloaded"
		case strings.HasPrefix(e.Message, "script unit failed"):
			event = "failed"
		default:
			return nil
		}
		mu.Lock()
		lines = append(lines, e.Message+": "+strings.Repeat("+", ev.count(event, "a.go")+ev.count(event, "b.go")))
		mu.Unlock()
		return nil
	}
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, func(c *ReloadConfig) {
		c.Events = ev
		c.Logger = c.Logger.WithOptions(zap.Hooks(hook))
	})

	f.write("b.go", verSrc("b", 1, ""))
	f.r.Rescan(false)
	f.write("a.go", verSrc("a", 2, ""))
	f.r.Rescan(false)
	s := f.r.Registry().Lookup("a")
	s.Guard.(*Unit).Interrupt("test: overran")
	f.r.CallFailed(s)
	f.r.Rescan(false)
	f.write("a.go", verSrc("a", 3, "func broken() {"))
	f.r.Rescan(false)

	want := []string{
		"script unit added: ++", // a.go's first load counts as loaded too
		"script unit reloaded: +",
		"script unit rebuilt after it was stopped: ++",
		"script unit failed to reload; its previous version keeps serving: +",
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("log lines with the count each found:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
