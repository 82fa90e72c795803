package client

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/api7/ext-plugin-proto/go/A6/Err"
	hrc "github.com/api7/ext-plugin-proto/go/A6/HTTPReqCall"
	pc "github.com/api7/ext-plugin-proto/go/A6/PrepareConf"
)

// tokenRunner is a fake runner that hands out tokens from next and knows
// only those; callErr, when set, answers every call with that code.
type tokenRunner struct {
	mu      sync.Mutex
	next    uint32
	known   map[uint32]string
	forget  bool // refuse every token
	callErr *Err.Code
}

func (tr *tokenRunner) handle(fc *fakeConn, typ byte, body []byte) (byte, []byte) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	switch typ {
	case TypePrepareConf:
		tr.next++
		tr.known[tr.next] = string(pc.GetRootAsReq(body, 0).Key())
		return TypePrepareConf, fbToken(tr.next)
	case TypeHTTPReqCall:
		if tr.callErr != nil {
			return TypeError, fbErr(*tr.callErr)
		}
		tok := hrc.GetRootAsReq(body, 0).ConfToken()
		key, ok := tr.known[tok]
		if !ok || tr.forget {
			return TypeError, fbErr(Err.CodeCONF_TOKEN_NOT_FOUND)
		}
		return TypeHTTPReqCall, fbStop(1, 200, []KV{Pair("key", key)}, nil)
	}
	return TypeError, fbErr(Err.CodeBAD_REQUEST)
}

func newTokenRunner(t *testing.T) (*tokenRunner, *fakeRunner) {
	tr := &tokenRunner{next: 100, known: map[uint32]string{}}
	return tr, startFake(t, tr.handle)
}

func countTypes(evs []event, typ byte) int {
	n := 0
	for _, e := range evs {
		if e.typ == typ {
			n++
		}
	}
	return n
}

var routeA = Route{Key: ConfKey("1", "ext-plugin-pre-req", 1), Conf: []Conf{{"say", `{}`}}}

func TestClientPreparesOnSecondConnection(t *testing.T) {
	_, fr := newTokenRunner(t)
	c := New(testOpts(fr.path))
	defer c.Close()
	var out ReqResult
	for i := 0; i < 3; i++ {
		if err := c.ReqCall(&routeA, &ReqCall{}, nil, &out); err != nil {
			t.Fatal(err)
		}
		if kv, _ := Lookup(out.Stop.Headers, "key"); kv.Value != routeA.Key {
			t.Fatalf("call %d answered for %q", i, kv.Value)
		}
	}
	evs := fr.events()
	if len(evs) != 4 {
		t.Fatalf("events %+v, want one prepare and three calls", evs)
	}
	prep, call := evs[0], evs[1]
	if prep.typ != TypePrepareConf || prep.open != 2 || prep.conn == call.conn {
		t.Fatalf("prepare %+v, call %+v: want the prepare on a second connection while the call's is open", prep, call)
	}
	for _, e := range evs[1:] {
		if e.conn != call.conn {
			t.Fatalf("calls on connections %+v: want the kept-alive one", evs)
		}
	}
	if s := c.Stats(); s.Dials != 2 || s.Prepares != 1 || s.Calls != 3 || s.Retries != 0 {
		t.Fatalf("stats %+v", s)
	}
	if c.Idle() != 2 {
		t.Fatalf("idle %d, want both connections kept", c.Idle())
	}
}

func TestClientRetries(t *testing.T) {
	unavailable := Err.CodeSERVICE_UNAVAILABLE
	cases := []struct {
		name      string
		setup     func(c *Client, tr *tokenRunner)
		wantErr   error
		calls     int
		prepares  int
		retries   uint64
		flushedB  bool
		idleAfter int
	}{
		{
			name: "stale token: flush all, prepare again, succeed",
			setup: func(c *Client, tr *tokenRunner) {
				c.StoreToken(routeA.Key, 7)
				c.StoreToken("route#2#x#1", 8)
			},
			calls: 2, prepares: 1, retries: 1, flushedB: true, idleAfter: 2,
		},
		{
			name:    "token never known: three tries",
			setup:   func(c *Client, tr *tokenRunner) { tr.forget = true },
			wantErr: ErrTokenNotFound,
			calls:   3, prepares: 3, retries: 2, idleAfter: 1,
		},
		{
			name:    "other rpc error: no retry, connection closed",
			setup:   func(c *Client, tr *tokenRunner) { tr.callErr = &unavailable },
			wantErr: ErrRPC,
			calls:   1, prepares: 1, idleAfter: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, fr := newTokenRunner(t)
			c := New(testOpts(fr.path))
			defer c.Close()
			tc.setup(c, tr)
			err := c.ReqCall(&routeA, &ReqCall{}, nil, &ReqResult{})
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == ErrRPC && errors.Is(err, ErrTokenNotFound) {
				t.Fatalf("err %v is not a token error", err)
			}
			evs := fr.events()
			if n := countTypes(evs, TypeHTTPReqCall); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			if n := countTypes(evs, TypePrepareConf); n != tc.prepares {
				t.Errorf("%d prepares, want %d", n, tc.prepares)
			}
			if s := c.Stats(); s.Retries != tc.retries {
				t.Errorf("retries %d, want %d", s.Retries, tc.retries)
			}
			if _, ok := c.Token("route#2#x#1"); tc.flushedB && ok {
				t.Errorf("other route's token still cached, want every token flushed")
			}
			if c.Idle() != tc.idleAfter {
				t.Errorf("idle %d, want %d (failed connections closed)", c.Idle(), tc.idleAfter)
			}
		})
	}
}

func TestClientTokenTTL(t *testing.T) {
	_, fr := newTokenRunner(t)
	o := testOpts(fr.path)
	o.TokenTTL = time.Nanosecond
	c := New(o)
	defer c.Close()
	for i := 0; i < 2; i++ {
		if err := c.ReqCall(&routeA, &ReqCall{}, nil, &ReqResult{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := countTypes(fr.events(), TypePrepareConf); n != 2 {
		t.Fatalf("%d prepares, want one per call once the token expired", n)
	}
}

func TestClientConcurrent(t *testing.T) {
	_, fr := newTokenRunner(t)
	o := testOpts(fr.path)
	o.MaxIdle = 4
	c := New(o)
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var out ReqResult
			r := ReqCall{ID: uint32(g), Path: "/" + strconv.Itoa(g)}
			for i := 0; i < 20; i++ {
				if err := c.ReqCall(&routeA, &r, nil, &out); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := countTypes(fr.events(), TypePrepareConf); n != 1 {
		t.Fatalf("%d prepares, want 1 (the lock and the second look)", n)
	}
	if c.Idle() > 4 {
		t.Fatalf("idle %d over MaxIdle", c.Idle())
	}
	if s := c.Stats(); s.Calls != 320 {
		t.Fatalf("stats %+v", s)
	}
}

func TestClientClosed(t *testing.T) {
	_, fr := newTokenRunner(t)
	c := New(testOpts(fr.path))
	c.Close()
	if err := c.ReqCall(&routeA, &ReqCall{}, nil, &ReqResult{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("err %v, want ErrClosed", err)
	}
}
