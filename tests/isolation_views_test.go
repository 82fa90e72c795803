package tests

import (
	"fmt"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// Issue 11, item 1: a call's views die with the call.

// thiefScript's plugin "thief" keeps the Request and ResponseWriter of its
// call on the conf "keep" and starts a time.AfterFunc callback that, once
// told to by a "poll" call, uses them in a tight loop: reading
// Authorization, setting headers, answering 302. On "reuse" a later call
// uses them itself.
const thiefScript = `package scripts

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

var (
	keptReq pluginhttp.Request
	keptW   http.ResponseWriter
	poll    = make(chan int, 1)
)

func init() {
	if err := plugin.RegisterPlugin(&Thief{}); err != nil {
		panic(err)
	}
}

type Thief struct{ plugin.DefaultPlugin }

func (*Thief) Name() string                             { return "thief" }
func (*Thief) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

// try runs f and returns what it panicked with.
func try(f func()) (p interface{}) {
	defer func() { p = recover() }()
	f()
	return nil
}

func steal() {
	n := <-poll
	refused, stolen := 0, 0
	var last interface{}
	uses := []func(){
		func() {
			if keptReq.Header().Get("Authorization") != "" {
				stolen++
			}
		},
		func() { keptReq.Header().Set("X-Stolen", "1") },
		func() { keptReq.SetPath([]byte("/stolen")) },
		func() { keptW.Header().Set("Location", "/evil") },
		func() { keptW.WriteHeader(302) },
	}
	for i := 0; i < n; i++ {
		for _, use := range uses {
			if p := try(use); p != nil {
				refused++
				last = p
			}
		}
	}
	fmt.Printf("thief: %d of %d stale uses refused, %d reads stolen: %v\n", refused, n*len(uses), stolen, last)
	keptReq.Method() // not recovered here: the runner's guard logs it
}

func (*Thief) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	switch conf.(string) {
	case "keep":
		keptReq, keptW = r, w
		time.AfterFunc(0, steal)
		r.Header().Set("X-Thief", "kept")
	case "poll":
		poll <- 400
	case "reuse":
		keptReq.Header().Get("Authorization")
	}
}
`

// victimScript's plugin "victim" copies the call's Authorization into
// X-Seen-Auth.
const victimScript = `package scripts

import (
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Victim{}); err != nil {
		panic(err)
	}
}

type Victim struct{ plugin.DefaultPlugin }

func (*Victim) Name() string                             { return "victim" }
func (*Victim) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

func (*Victim) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	r.Header().Set("X-Seen-Auth", r.Header().Get("Authorization"))
}
`

// maxVictimCalls bounds the victim calls made while the thief polls.
const maxVictimCalls = 20000

// TestKeptViewsDie: a script keeps the Request and ResponseWriter of a call
// and uses them later, from a later call and from a time.AfterFunc callback
// polling while another route's calls run on the same connection. Every
// use panics in the script with a clear message; no later call is read or
// changed (each sees its own Authorization, no header, path or status of
// the thief's); the runner stays up without a data race.
func TestKeptViewsDie(t *testing.T) {
	// Every stale use makes yaegi print a line: no log rate here. The
	// callback's 2,000 recovered panics took over 5 s (the default
	// plugins.timeout, which bounds callbacks too) on a starved machine
	// under the race detector, and were cut short: the timeout here is
	// one nothing in this test is meant to reach.
	r := startReloadRunner(t, map[string]string{"thief.go": thiefScript, "victim.go": victimScript},
		"log.unit_lines_per_second=1000000", "plugins.timeout=50s")
	c := r.dial()
	keep := prepare(t, c, pc("thief", "keep"))
	reuse := prepare(t, c, pc("thief", "reuse"))
	poll := prepare(t, c, pc("thief", "poll"))
	victim := prepare(t, c, pc("victim", "x"))

	auth := func(i int) []client.KV {
		return []client.KV{client.Pair("authorization", fmt.Sprintf("Bearer victim-%d", i))}
	}
	out := call(t, c, keep, client.ReqCall{ID: 1, Path: "/thief", Headers: auth(0)}, nil)
	if one(t, out.Rewrite.Headers, "X-Thief") != "kept" {
		t.Fatalf("the thief's own call: %+v", out)
	}

	// A later call of the thief using the views it kept: the use panics
	// there, and only that call fails.
	var res client.ReqResult
	err := c.ReqCall(&client.ReqCall{ID: 2, ConfToken: reuse, Headers: auth(2)}, nil, &res)
	wantRPCError(t, err, "a call using a kept request")
	r.awaitLog(1, "plugin panicked", `"plugin":"thief"`, "pluginhttp: request used after its call returned")

	// The callback polls while the victim's calls run on the connection.
	call(t, c, poll, client.ReqCall{ID: 3}, nil)
	done := func() bool { return r.out.count("thief: ") > 0 }
	calls := 0
	for i := 0; i < maxVictimCalls && (i%64 != 0 || !done()); i++ {
		id := uint32(100 + i)
		out := call(t, c, victim, client.ReqCall{ID: id, Path: "/victim", Headers: auth(i)}, nil)
		if out.Action != client.ActionRewrite || out.Rewrite.Path != "" {
			t.Fatalf("victim call %d: %+v: the thief reached it", i, out)
		}
		if got, want := one(t, out.Rewrite.Headers, "X-Seen-Auth"), fmt.Sprintf("Bearer victim-%d", i); got != want {
			t.Fatalf("victim call %d saw Authorization %q, want %q", i, got, want)
		}
		if names := names(out.Rewrite.Headers); len(names) != 1 {
			t.Fatalf("victim call %d: headers %v changed, want only x-seen-auth", i, names)
		}
		calls++
	}
	r.awaitLog(1, "thief: 2000 of 2000 stale uses refused, 0 reads stolen", "used after its call returned")
	r.awaitLog(1, "time.AfterFunc callback panicked", "pluginhttp: request used after its call returned")
	t.Logf("%d victim calls served on the thief's connection while it polled", calls)

	r.alive()
	out = call(t, c, victim, client.ReqCall{ID: 9, Headers: auth(9)}, nil)
	if one(t, out.Rewrite.Headers, "X-Seen-Auth") != "Bearer victim-9" {
		t.Fatal("the victim no longer serves")
	}
	r.stop()
}
