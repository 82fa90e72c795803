package protocol

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	A6Err "github.com/api7/ext-plugin-proto/go/A6/Err"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// stuckBound caps every wait of these tests; none is a speed requirement.
const stuckBound = 10 * time.Second

// awaitStuck waits until srv counts n stuck calls.
func awaitStuck(t *testing.T, srv *Server, n int) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(stuckBound)
	for srv.StuckCalls() != n {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("stuck calls %d, want %d", srv.StuckCalls(), n)
		}
	}
}

// overruns records OnOverrun's calls.
type overruns struct {
	mu    sync.Mutex
	names []string
}

func (o *overruns) add(s *plugin.Spec) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.names = append(o.names, s.Name)
}

func (o *overruns) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.names...)
}

// TestStuckCallAnswered: a filter blocked in compiled code past its
// deadline is answered with an error, its connection closed and counted
// stuck until it returns; other connections serve meanwhile, and a
// handover does not wait for it.
func TestStuckCallAnswered(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	reg := registry(t,
		funcPlugin{name: "stuck", req: func(any, http.ResponseWriter, pluginhttp.Request) { <-release }},
		funcPlugin{name: "say", req: say},
	)
	var over overruns
	srv, sock := testServer(t, Config{PluginTimeout: 50 * time.Millisecond, OnOverrun: over.add}, reg)
	p, q := dial(t, sock), dial(t, sock)
	stuckTok := p.prepare("route#stuck#x#1", kv{name: "stuck", value: "{}"})
	okTok := q.prepare("route#ok#x#1", kv{name: "say", value: "fine"})

	typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{token: stuckTok, path: "/"}.bytes())
	if typ != TypeError || errCode(body) != A6Err.CodeSERVICE_UNAVAILABLE {
		t.Fatalf("stuck call answered %s code %v, want an error", TypeName(typ), errCode(body))
	}
	if _, _, err := ReadFrame(p.r, nil); !errors.Is(err, io.EOF) {
		t.Fatalf("after the stuck call's error the connection gave %v, want it closed", err)
	}
	if got := over.list(); len(got) != 1 || got[0] != "stuck" {
		t.Fatalf("OnOverrun saw %v, want [stuck]", got)
	}
	if n := srv.StuckCalls(); n != 1 {
		t.Fatalf("stuck calls %d, want 1", n)
	}
	typ, body = q.roundTrip(TypeHTTPReqCall, reqMsg{token: okTok, path: "/"}.bytes())
	if typ != TypeHTTPReqCall || string(stopOf(t, body).BodyBytes()) != "fine" {
		t.Fatal("another connection does not serve beside the stuck call")
	}

	// A handover gives q away and does not wait for the stuck goroutine.
	ctx, cancel := context.WithTimeout(context.Background(), stuckBound)
	defer cancel()
	var given int
	err := srv.Handover(ctx, func(f *os.File, _ []byte) error { given++; return nil })
	if err != nil {
		t.Fatalf("handover with a stuck call: %v", err)
	}
	if given != 1 {
		t.Fatalf("%d connections handed over, want 1", given)
	}

	unblock()
	awaitStuck(t, srv, 0)
}

// TestStuckParseConfInRebind: a ParseConf blocked in compiled code does not
// block Rebind: the entry fails closed and the call is counted stuck.
func TestStuckParseConfInRebind(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	first := registry(t, funcPlugin{name: "p", req: say})
	srv, sock := testServer(t, Config{PluginTimeout: 50 * time.Millisecond}, first)
	p := dial(t, sock)
	tok := p.prepare("route#p#x#1", kv{name: "p", value: "v1"})

	blocked := registry(t, funcPlugin{name: "p", req: say, parse: func([]byte) (any, error) { <-release; return nil, nil }})
	if n := srv.Rebind(blocked); n != 1 {
		t.Fatalf("rebind changed %d entries, want 1", n)
	}
	typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{token: tok, path: "/"}.bytes())
	if typ != TypeError || errCode(body) != A6Err.CodeSERVICE_UNAVAILABLE {
		t.Fatalf("a conf whose ParseConf is stuck served: %s code %v", TypeName(typ), errCode(body))
	}
	if n := srv.StuckCalls(); n != 1 {
		t.Fatalf("stuck calls %d, want 1", n)
	}
}
