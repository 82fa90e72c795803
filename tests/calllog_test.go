package tests

import (
	"strings"
	"testing"

	"github.com/go-runner/go-runner/protocol/client"
)

// TestCallDebugLog: at debug, the runner logs each plugin call (plugin,
// unit, phase, duration, outcome) and the conf key of each PrepareConf, so
// that an operator can see APISIX calling it; at info, neither.
func TestCallDebugLog(t *testing.T) {
	say := pc("say", map[string]any{"body": "hi"})
	t.Run("debug", func(t *testing.T) {
		p := startExampleRunner(t, nil, "--log-level", "debug", "--set", "log.format=json")
		rt := exRoute(phasePreReq, say)
		var out client.ReqResult
		if err := p.client().ReqCall(rt, &client.ReqCall{ID: 9, Method: "GET", Path: "/"}, nil, &out); err != nil {
			t.Fatal(err)
		}
		if !p.out.waitCount(logTimeout, 1, `"plugin call"`, `"phase":"request"`) {
			t.Fatalf("no plugin call line at debug:\n%s", p.out.String())
		}
		var call, prepared map[string]any
		for _, e := range jsonLines(p.out.String()) {
			switch {
			case e["msg"] == "plugin call" && e["phase"] == "request":
				call = e
			case e["msg"] == "conf prepared" && e["key"] == rt.Key:
				prepared = e
			}
		}
		if call["level"] != "debug" || call["plugin"] != "say" || call["unit"] != "say.go" || call["outcome"] != "ok" || call["duration"] == nil {
			t.Errorf("call line %v", call)
		}
		if prepared == nil || prepared["level"] != "debug" {
			t.Errorf("no debug line with the conf key %s:\n%s", rt.Key, p.out.String())
		}
	})
	t.Run("info", func(t *testing.T) {
		p := startExampleRunner(t, nil, "--set", "log.format=json")
		var out client.ReqResult
		for range 3 {
			if err := p.client().ReqCall(exRoute(phasePreReq, say), &client.ReqCall{ID: 9, Method: "GET", Path: "/"}, nil, &out); err != nil {
				t.Fatal(err)
			}
		}
		// A refused conf logs an error after the calls: once it is in,
		// whatever the calls logged is too.
		_ = p.client().ReqCall(exRoute(phasePreReq, pc("no-such-plugin", nil)), &client.ReqCall{ID: 10, Method: "GET", Path: "/"}, nil, &out)
		if !p.out.waitCount(logTimeout, 1, "conf rejected") {
			t.Fatalf("no conf rejected line:\n%s", p.out.String())
		}
		for _, l := range p.out.lines() {
			if strings.Contains(l, `"plugin call"`) || strings.Contains(l, `"conf prepared"`) || strings.Contains(l, `"level":"debug"`) {
				t.Errorf("logged at info: %s", l)
			}
		}
	})
}
