package tests

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// Issue 11, item 6: bounded output.

// hogScript's plugin "hog" writes a body of 100 MiB on the conf "hog" and
// reports what Write returned.
const hogScript = `package scripts

import (
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

func init() {
	if err := plugin.RegisterPlugin(&Hog{}); err != nil {
		panic(err)
	}
}

type Hog struct{ plugin.DefaultPlugin }

func (*Hog) Name() string                             { return "hog" }
func (*Hog) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

var big = make([]byte, 100<<20)

func (*Hog) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	_, err := w.Write(big)
	fmt.Println("hog: write returned:", err)
}
`

// TestBodyCapped: 4 concurrent calls each writing a 100 MiB body are
// answered with an error (the write fails in the script with a clear
// message), the runner stays up and another unit serves.
func TestBodyCapped(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"hog.go": hogScript, "ver.go": versionScript("ver", 1, "", "")})
	c := r.dial()
	hog := prepare(t, c, pc("hog", "hog"))
	ver := prepare(t, c, pc("ver", "x"))
	const callers = 4
	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		conn := r.dial()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out client.ReqResult
			err := conn.ReqCall(&client.ReqCall{ID: uint32(i), ConfToken: hog}, nil, &out)
			var rpc *client.RPCError
			if !errors.As(err, &rpc) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a 100 MiB body was not answered with an error reply: %v", err)
	}
	r.awaitLog(callers, "hog: write returned: protocol: response body of 104857600 bytes: body over the limit (plugins.max_body_bytes) (12582912 bytes)")
	r.awaitLog(callers, "plugin body refused: the call is answered with an error", `"plugin":"hog"`)
	r.alive()
	if v := versionOf(t, call(t, c, ver, client.ReqCall{ID: 9}, nil)); v != 1 {
		t.Fatalf("ver answered version %d", v)
	}
	r.stop()
}

// floodScript's plugin "flood" logs a 256 KiB line 300 times on the conf
// "flood", and one short line otherwise.
const floodScript = `package scripts

import (
	"net/http"
	"strings"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	if err := plugin.RegisterPlugin(&Flood{}); err != nil {
		panic(err)
	}
}

type Flood struct{ plugin.DefaultPlugin }

func (*Flood) Name() string                             { return "flood" }
func (*Flood) ParseConf(in []byte) (interface{}, error) { return string(in), nil }

var huge = strings.Repeat("x", 256<<10)

func (*Flood) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	if conf.(string) == "flood" {
		for i := 0; i < 300; i++ {
			pluginlog.Errorf("flood %d: %s", i, huge)
		}
		return
	}
	pluginlog.Warnf("flood: calm again, call %d", r.ID())
}
`

// maxFloodBytes bounds the runner's whole log in TestLogFloodBounded: the
// flood alone would be 75 MiB.
const maxFloodBytes = 2 << 20

// floodRate is log.unit_lines_per_second in TestLogFloodBounded: however
// long the flood's call takes, within its deadline of floodTimeout at most
// 5 + 5 x 50 of the 300 lines pass, 4 KiB each: about 1 MiB.
const floodRate = 5

// floodTimeout is plugins.timeout in TestLogFloodBounded, one the flood is
// not meant to reach: formatting its 300 lines of 256 KiB took over the
// default 5 s on a starved machine under the race detector, and the call
// was cut short.
const floodTimeout = "50s"

// TestLogFloodBounded: a unit logging 300 lines of 256 KiB in one call gets
// at most its rate of lines, each cut to log.unit_line_bytes; notes count
// the lines dropped (none is lost uncounted); the runner stays up and
// another unit serves.
func TestLogFloodBounded(t *testing.T) {
	r := startReloadRunner(t, map[string]string{"flood.go": floodScript, "ver.go": versionScript("ver", 1, "", "")},
		fmt.Sprintf("log.unit_lines_per_second=%d", floodRate), "plugins.timeout="+floodTimeout)
	c := r.dial()
	flood := prepare(t, c, pc("flood", "flood"))
	calm := prepare(t, c, pc("flood", "calm"))
	ver := prepare(t, c, pc("ver", "x"))
	call(t, c, flood, client.ReqCall{ID: 1}, nil)
	// Calm calls until one is let through (the bucket refills with time):
	// it carries the note of the last lines dropped.
	const maxCalm = 100000
	calls := 0
	for ; calls < maxCalm && r.out.count("flood: calm again") == 0; calls++ {
		call(t, c, calm, client.ReqCall{ID: uint32(2 + calls)}, nil)
	}
	r.awaitLog(1, "flood: calm again")
	// Up to the first calm line logged, every line is logged or counted.
	logged, dropped, calmID := 0, 0, 0
	for _, e := range jsonLines(r.out.String()) {
		msg, _ := e["msg"].(string)
		switch {
		case e["unit"] != "flood.go":
		case strings.HasPrefix(msg, "flood ") && strings.HasSuffix(msg, "bytes cut)"):
			logged++
		case msg == "script log lines dropped: over the unit's log rate":
			n, _ := e["dropped"].(float64)
			dropped += int(n)
		case strings.HasPrefix(msg, "flood: calm again, call "):
			_, _ = fmtSscan(strings.TrimPrefix(msg, "flood: calm again, call "), &calmID)
		}
		if calmID != 0 {
			break
		}
	}
	calmCalls := calmID - 1 // ids from 2
	if logged == 0 || dropped == 0 || logged+dropped+1 != 300+calmCalls {
		t.Errorf("%d flood lines logged, %d lines counted as dropped, then calm call %d logged: want some of each, %d in all",
			logged, dropped, calmCalls, 300+calmCalls)
	}
	if n := len(r.out.String()); n > maxFloodBytes {
		t.Errorf("the runner logged %d bytes, want at most %d", n, maxFloodBytes)
	}
	r.alive()
	if v := versionOf(t, call(t, c, ver, client.ReqCall{ID: 1}, nil)); v != 1 {
		t.Fatalf("ver answered version %d", v)
	}
	t.Logf("300 lines of 256 KiB at %d lines/s: %d logged (cut to 4 KiB), %d dropped; %d bytes of log in all",
		floodRate, logged, dropped, len(r.out.String()))
	r.stop()
}
