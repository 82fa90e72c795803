package protocol

import (
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// handleOnce prepares a conf of plugin p on a server logging to log and
// returns a connection without a socket and the body of a call on it.
func handleOnce(t testing.TB, log *zap.Logger, p funcPlugin) (*conn, []byte) {
	t.Helper()
	srv := NewServer(Config{Logger: log}, registry(t, p))
	t.Cleanup(func() { close(srv.stop) })
	c := newConn(srv, discardConn{})
	if !c.handle(TypePrepareConf, prepareMsg("route#1#ext-plugin-pre-req#1", kv{name: p.name, value: "hi"})) {
		t.Fatal("prepare broke the connection")
	}
	srv.confs.mu.RLock()
	e := srv.confs.byKey["route#1#ext-plugin-pre-req#1"]
	srv.confs.mu.RUnlock()
	if e == nil {
		t.Fatal("the conf was not prepared")
	}
	tok := e.token
	m := sampleReq
	m.token = tok
	return c, m.bytes()
}

// TestCallDebugLog: at debug, one line per call (plugin, unit, phase,
// duration, outcome) and one per PrepareConf with its key; at info,
// nothing for either.
func TestCallDebugLog(t *testing.T) {
	failing := funcPlugin{name: "boom", req: func(any, http.ResponseWriter, pluginhttp.Request) { panic("boom") }}
	for _, tc := range []struct {
		name    string
		level   zapcore.Level
		p       funcPlugin
		outcome string // "": no call line
	}{
		{"debug ok", zapcore.DebugLevel, funcPlugin{name: "say", req: say}, "ok"},
		{"debug panic", zapcore.DebugLevel, failing, "panic"},
		{"info", zapcore.InfoLevel, funcPlugin{name: "say", req: say}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(tc.level)
			c, body := handleOnce(t, zap.New(core), tc.p)
			if !c.handle(TypeHTTPReqCall, body) {
				t.Fatal("call broke the connection")
			}
			calls := logs.FilterMessage("plugin call").FilterField(zap.String("phase", "request")).All()
			prepared := logs.FilterMessage("conf prepared").All()
			if tc.outcome == "" {
				for _, e := range logs.All() {
					if e.Level < zapcore.WarnLevel {
						t.Errorf("logged at %s: %s %v", e.Level, e.Message, e.ContextMap())
					}
				}
				return
			}
			if len(calls) != 1 {
				t.Fatalf("%d request call lines, want 1: %v", len(calls), logs.All())
			}
			f := calls[0].ContextMap()
			if f["plugin"] != tc.p.name || f["unit"] != "" || f["outcome"] != tc.outcome || calls[0].Level != zapcore.DebugLevel {
				t.Errorf("call line %v", f)
			}
			if d, ok := f["duration"].(time.Duration); !ok || d <= 0 {
				t.Errorf("duration %v", f["duration"])
			}
			if len(prepared) != 1 || prepared[0].ContextMap()["key"] != "route#1#ext-plugin-pre-req#1" {
				t.Errorf("conf prepared lines %v, want one with the key", prepared)
			}
			if n := len(logs.FilterMessage("plugin call").FilterField(zap.String("phase", "parse_conf")).All()); n != 1 {
				t.Errorf("%d parse_conf call lines, want 1", n)
			}
		})
	}
}

// TestCallDebugLogCostsNothingOff: with debug off, a call allocates no
// more than with no logger at all.
func TestCallDebugLogCostsNothingOff(t *testing.T) {
	allocs := func(log *zap.Logger) float64 {
		c, body := handleOnce(t, log, funcPlugin{name: "say", req: say})
		return testing.AllocsPerRun(200, func() {
			if !c.handle(TypeHTTPReqCall, body) {
				t.Fatal("call broke the connection")
			}
		})
	}
	info, _ := observer.New(zapcore.InfoLevel)
	debug, _ := observer.New(zapcore.DebugLevel)
	nop, atInfo, atDebug := allocs(zap.NewNop()), allocs(zap.New(info)), allocs(zap.New(debug))
	if atInfo > nop {
		t.Errorf("a call allocates %.1f times with the logger at info, %.1f with none", atInfo, nop)
	}
	if atDebug <= atInfo {
		t.Errorf("a call allocates %.1f times at debug, %.1f at info: the debug line is not written", atDebug, atInfo)
	}
}
