package protocol

import (
	"net/http"
	"testing"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// retireBound caps the waits of these tests; none is a speed requirement.
const retireBound = 10 * time.Second

// TestRetireWithoutFramesInFlightRunsAtOnce: with a connection open but no
// frame in flight, Retire runs its callback before it returns.
func TestRetireWithoutFramesInFlightRunsAtOnce(t *testing.T) {
	srv, sock := testServer(t, Config{}, registry(t, funcPlugin{name: "say", req: say}))
	p := dial(t, sock)
	p.prepare("route#1#x#1", kv{name: "say", value: "v1"})
	// The reply is written before the connection ends its frame, so the
	// PrepareConf may still be in flight here: await its end (afterFrames
	// reports it) before the connection counts as idle.
	idle := make(chan struct{})
	srv.afterFrames(func() { close(idle) })
	select {
	case <-idle:
	case <-time.After(retireBound):
		t.Fatal("the PrepareConf frame never ended")
	}
	ran := make(chan struct{})
	srv.Retire(func() { close(ran) })
	select {
	case <-ran:
	default:
		t.Fatal("Retire did not run its callback with no frame in flight")
	}
}

// TestRetireWaitsForFramesInFlight: a call that took its chain before the
// Rebind keeps its plugin until it ends; the callback (which closes the old
// units) runs after that, and the next call runs the new plugin.
func TestRetireWaitsForFramesInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	hold := func(conf any, w http.ResponseWriter, r pluginhttp.Request) {
		close(entered)
		<-release
		say(conf, w, r)
	}
	srv, sock := testServer(t, Config{}, registry(t, funcPlugin{name: "say", req: hold}))
	p, q := dial(t, sock), dial(t, sock)
	tok := p.prepare("route#1#x#1", kv{name: "say", value: "old"})

	replied := make(chan string, 1)
	go func() {
		typ, body := p.roundTrip(TypeHTTPReqCall, reqMsg{id: 1, token: tok, path: "/"}.bytes())
		if typ != TypeHTTPReqCall {
			replied <- "frame " + TypeName(typ)
			return
		}
		replied <- string(stopOf(t, body).BodyBytes())
	}()
	<-entered

	srv.Rebind(registry(t, funcPlugin{name: "say", req: say, parse: func(in []byte) (any, error) { return "new:" + string(in), nil }}))
	retired := make(chan struct{})
	srv.Retire(func() { close(retired) })
	select {
	case <-retired:
		t.Fatal("retired while a call that started on the old plugin is in flight")
	default:
	}
	// Another connection already gets the new plugin.
	typ, body := q.roundTrip(TypeHTTPReqCall, reqMsg{id: 2, token: tok, path: "/"}.bytes())
	if typ != TypeHTTPReqCall || string(stopOf(t, body).BodyBytes()) != "new:old" {
		t.Fatalf("call after the rebind: %s", TypeName(typ))
	}

	close(release)
	if got := <-replied; got != "old" {
		t.Fatalf("call in flight answered %q, want its old plugin's \"old\"", got)
	}
	select {
	case <-retired:
	case <-time.After(retireBound):
		t.Fatal("Retire's callback never ran after the call in flight ended")
	}
}

// TestRebindStale: an entry prepared against the old catalog after the
// rebind went over the cache is re-parsed by the pass Retire makes; entries
// already current or failed are left alone.
func TestRebindStale(t *testing.T) {
	v1 := registry(t, funcPlugin{name: "say", req: say})
	v2 := registry(t, funcPlugin{name: "say", req: say, parse: func(in []byte) (any, error) { return "v2:" + string(in), nil }})
	c := newConfCache(time.Hour, false, 0)
	parses := 0
	parse := func(spec *plugin.Spec, value string) (any, error) { parses++; return spec.ParseConf([]byte(value)) }
	now := time.Now()
	stale, _, err := c.prepare("stale", []rawConf{{"say", "a"}}, v1, parse, now)
	if err != nil {
		t.Fatal(err)
	}
	current, _, err := c.prepare("current", []rawConf{{"say", "b"}}, v2, parse, now)
	if err != nil {
		t.Fatal(err)
	}
	parses = 0
	if failed := c.rebindStale(v2, parse, now.UnixNano()); len(failed) != 0 || parses != 1 {
		t.Fatalf("rebindStale: %d failed, %d parses; want 0 and 1", len(failed), parses)
	}
	for tok, want := range map[uint32]string{stale.token: "v2:a", current.token: "v2:b"} {
		ch := c.lookup(tok, now.UnixNano()).chain.Load()
		if ch.err != nil || ch.plugins[0].spec != v2.Lookup("say") || ch.plugins[0].conf != want {
			t.Errorf("token %d: chain %+v, want v2's say with %q", tok, ch, want)
		}
	}
}
