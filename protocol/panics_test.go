package protocol

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// TestPanicLogAllow: the same panic is let through once a minute, with the
// count of repeats since.
func TestPanicLogAllow(t *testing.T) {
	var pl panicLog
	t0 := time.Unix(1000, 0)
	if ok, n := pl.allow("u|a.go:1:1", t0); !ok || n != 0 {
		t.Fatalf("first: %v %d", ok, n)
	}
	for i := 1; i <= 3; i++ {
		if ok, _ := pl.allow("u|a.go:1:1", t0.Add(time.Duration(i)*time.Second)); ok {
			t.Fatal("a repeat within the minute was logged")
		}
	}
	if ok, _ := pl.allow("u|b.go:2:2", t0); !ok {
		t.Fatal("another position was not logged")
	}
	if ok, n := pl.allow("u|a.go:1:1", t0.Add(panicEvery)); !ok || n != 3 {
		t.Fatalf("after a minute: %v %d, want true 3", ok, n)
	}
}

// fakeScriptPanic is what interp.PanicError looks like to the server.
type fakeScriptPanic struct{}

func (fakeScriptPanic) Error() string          { return "boom" }
func (fakeScriptPanic) PanicPos() string       { return "s.go:3:4" }
func (fakeScriptPanic) ScriptFrames() []string { return []string{"s.go:3:4: panic: scripts.f(...)"} }

// TestPanicLoggedOnce: 50 panics of a script's plugin make one concise
// error line with the script's position and no stack (that is at debug).
func TestPanicLoggedOnce(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	spec := funcPlugin{name: "p", req: func(any, http.ResponseWriter, pluginhttp.Request) {
		panic(errors.Join(errors.New("wrapped"), fakeScriptPanic{}))
	}}.spec()
	spec.Unit = "s.go"
	reg := plugin.NewRegistry()
	if err := reg.Add(spec); err != nil {
		t.Fatal(err)
	}
	_, sock := testServer(t, Config{Logger: zap.New(core)}, reg)
	p := dial(t, sock)
	tok := p.prepare("route#p#x#1", kv{name: "p", value: "{}"})
	for range 50 {
		typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{token: tok, path: "/"}.bytes())
		if typ != TypeError || errCode(body) != A6Err.CodeSERVICE_UNAVAILABLE {
			t.Fatalf("a panic answered %s", TypeName(typ))
		}
	}
	lines := logs.FilterMessage("plugin panicked").All()
	if len(lines) != 1 {
		t.Fatalf("%d lines for 50 panics of one position, want 1", len(lines))
	}
	m := lines[0].ContextMap()
	if m["at"] != "s.go:3:4" || m["stack"] != nil {
		t.Fatalf("panic line %v, want at s.go:3:4 and no stack", m)
	}
}
