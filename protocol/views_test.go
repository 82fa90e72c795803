package protocol

import (
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// kept is what a plugin kept of its first call.
type kept struct {
	req  pluginhttp.Request
	hdr  pluginhttp.Header
	w    http.ResponseWriter
	resp pluginhttp.Response
	rh   pluginhttp.Header
}

// expired runs f and returns what it panicked with, or nil.
func expired(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err, _ = p.(error)
			if err == nil {
				err = errors.New("panicked with a non-error")
			}
		}
	}()
	f()
	return nil
}

// staleUses is every method of the kept views.
func staleUses(k kept) map[string]func() {
	return map[string]func(){
		"Request.ID":          func() { k.req.ID() },
		"Request.SrcIP":       func() { k.req.SrcIP() },
		"Request.Method":      func() { k.req.Method() },
		"Request.Path":        func() { k.req.Path() },
		"Request.SetPath":     func() { k.req.SetPath([]byte("/stolen")) },
		"Request.Header":      func() { k.req.Header() },
		"Request.Args":        func() { k.req.Args() },
		"Request.Var":         func() { _, _ = k.req.Var("x") },
		"Request.Body":        func() { _, _ = k.req.Body() },
		"Request.SetBody":     func() { k.req.SetBody([]byte("x")) },
		"Request.Context":     func() { k.req.Context() },
		"Request.RespHeader":  func() { k.req.RespHeader() },
		"Header.Get":          func() { k.hdr.Get("Authorization") },
		"Header.Set":          func() { k.hdr.Set("X-Stolen", "1") },
		"Header.Add":          func() { k.hdr.Add("X-Stolen", "1") },
		"Header.Del":          func() { k.hdr.Del("Authorization") },
		"Header.View":         func() { k.hdr.View() },
		"Writer.Header":       func() { k.w.Header() },
		"Writer.Write":        func() { _, _ = k.w.Write([]byte("302")) },
		"Writer.WriteHeader":  func() { k.w.WriteHeader(302) },
		"Response.ID":         func() { k.resp.ID() },
		"Response.StatusCode": func() { k.resp.StatusCode() },
		"Response.Header":     func() { k.resp.Header() },
		"Response.Var":        func() { _, _ = k.resp.Var("x") },
		"Response.ReadBody":   func() { _, _ = k.resp.ReadBody() },
		"Response.Write":      func() { _, _ = k.resp.Write([]byte("x")) },
		"Response.WriteHdr":   func() { k.resp.WriteHeader(500) },
		"RespHeader.Get":      func() { k.rh.Get("X") },
		"RespHeader.Set":      func() { k.rh.Set("X", "1") },
	}
}

// TestViewsDieWithTheCall: a plugin that keeps its Request, Header,
// ResponseWriter and Response gets a panic with ErrViewExpired from every
// method once its call returned, and the later calls it tries to reach,
// served meanwhile from another goroutine, see nothing of it (run with
// -race: no data race with the runner either).
func TestViewsDieWithTheCall(t *testing.T) {
	var (
		mu sync.Mutex
		k  kept
	)
	keep := funcPlugin{name: "keep",
		req: func(_ any, w http.ResponseWriter, r pluginhttp.Request) {
			mu.Lock()
			if k.req == nil {
				k.req, k.hdr, k.w = r, r.Header(), w
			}
			mu.Unlock()
		},
		resp: func(_ any, r pluginhttp.Response) {
			mu.Lock()
			if k.resp == nil {
				k.resp, k.rh = r, r.Header()
			}
			mu.Unlock()
		},
	}
	echo := funcPlugin{name: "echo", req: func(_ any, w http.ResponseWriter, r pluginhttp.Request) {
		// Answers with the call's own Authorization; a stale view that
		// reached this call would change what it sees.
		w.Header().Set("X-Auth", r.Header().Get("Authorization"))
		_, _ = w.Write(r.Path())
	}}
	srv := NewServer(Config{}, registry(t, keep, echo))
	t.Cleanup(func() { close(srv.stop) })
	c := newConn(srv, discardConn{})
	now := time.Now()
	keepEntry, _, err := srv.confs.prepare("route#1#x#1", []rawConf{{name: "keep", value: "x"}}, srv.catalog(), c.parse, now)
	if err != nil {
		t.Fatal(err)
	}
	keepTok := keepEntry.token
	echoEntry, _, err := srv.confs.prepare("route#2#x#1", []rawConf{{name: "echo", value: "x"}}, srv.catalog(), c.parse, now)
	if err != nil {
		t.Fatal(err)
	}
	echoTok := echoEntry.token
	m := sampleReq
	m.token = keepTok
	if !c.handle(TypeHTTPReqCall, m.bytes()) || !c.handle(TypeHTTPRespCall, respMsg(8, keepTok, 200, nil)) {
		t.Fatal("connection broken")
	}
	mu.Lock()
	stale := k
	mu.Unlock()

	for name, use := range staleUses(stale) {
		if err := expired(use); !errors.Is(err, ErrViewExpired) {
			t.Errorf("%s after its call: %v, want a panic with ErrViewExpired", name, err)
		}
	}
	if err := expired(func() { stale.req.ID() }); err == nil || err.Error() != "pluginhttp: request used after its call returned" {
		t.Errorf("panic message %q", err)
	}

	// Stale uses from another goroutine while the connection serves echo
	// calls: each panics, and every echo answer is its own call's.
	const calls = 200
	m.token = echoTok
	body := m.bytes()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		uses := staleUses(stale)
		for i := 0; i < 1_000_000; i++ { // bounded; ends with the calls
			select {
			case <-stop:
				return
			default:
			}
			for name, use := range uses {
				if err := expired(use); !errors.Is(err, ErrViewExpired) {
					t.Errorf("%s during a later call: %v", name, err)
					return
				}
			}
		}
	}()
	for i := 0; i < calls; i++ {
		if !c.handle(TypeHTTPReqCall, body) {
			t.Fatal("connection broken")
		}
		if got := c.w.hdr.Get("X-Auth"); got != "Bearer abc" || string(c.w.body) != sampleReq.path || c.w.status != 0 {
			t.Fatalf("call %d answered %q %q %d: a stale view reached it", i, got, c.w.body, c.w.status)
		}
	}
	close(stop)
	wg.Wait()
}

// TestViewsSerializeScriptGoroutines: during its call, a plugin and a
// goroutine of its own may use the same views; their uses are serialized.
func TestViewsSerializeScriptGoroutines(t *testing.T) {
	both := funcPlugin{name: "both", req: func(_ any, w http.ResponseWriter, r pluginhttp.Request) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 100; i++ {
				r.Header().Set("X-A", "a")
				_, _ = w.Write([]byte("a"))
			}
		}()
		for i := 0; i < 100; i++ {
			r.Header().Set("X-B", "b")
			_, _ = w.Write([]byte("b"))
		}
		<-done
	}}
	srv := NewServer(Config{}, registry(t, both))
	t.Cleanup(func() { close(srv.stop) })
	c := newConn(srv, discardConn{})
	e, _, err := srv.confs.prepare("route#1#x#1", []rawConf{{name: "both", value: "x"}}, srv.catalog(), c.parse, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tok := e.token
	m := sampleReq
	m.token = tok
	if !c.handle(TypeHTTPReqCall, m.bytes()) {
		t.Fatal("connection broken")
	}
	if len(c.w.body) != 200 {
		t.Fatalf("body of %d bytes, want 200", len(c.w.body))
	}
}
