package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	benchscripts "github.com/go-runner/go-runner/tests/bench/scripts"
)

// funcPlugin is a compiled plugin made of funcs, for the test runner.
type funcPlugin struct {
	plugin.DefaultPlugin
	name string
	req  func(w http.ResponseWriter, r pluginhttp.Request)
	resp func(w pluginhttp.Response)
}

func (p *funcPlugin) Name() string                          { return p.name }
func (p *funcPlugin) ParseConf([]byte) (interface{}, error) { return nil, nil }
func (p *funcPlugin) RequestFilter(_ interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	p.req(w, r)
}
func (p *funcPlugin) ResponseFilter(_ interface{}, w pluginhttp.Response) { p.resp(w) }

// testRunner serves the scenarios' plugins with package protocol on a
// socket in a temporary directory; say answers body.
func testRunner(t *testing.T, body string) string {
	t.Helper()
	reg := plugin.NewRegistry()
	add := func(p plugin.Base) {
		s, err := plugin.NewSpec(p, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	add(&funcPlugin{name: "say", req: func(w http.ResponseWriter, _ pluginhttp.Request) {
		w.Header().Add(runnerHdr, runnerHdrVal)
		_, _ = w.Write([]byte(body))
	}})
	add(&funcPlugin{name: "response-rewrite", req: func(http.ResponseWriter, pluginhttp.Request) {}, resp: func(w pluginhttp.Response) {
		w.Header().Set(runnerHdr, runnerHdrVal)
		w.Header().Set(respHdr, respHdrValue)
		_, _ = w.Write([]byte(respBody))
	}})
	add(&benchscripts.BenchRewrite{})
	add(&benchscripts.BenchVar{})

	dir, err := os.MkdirTemp("", "bench")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "r.sock")
	l, err := protocol.Listen("unix:"+sock, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- protocol.Run(ctx, protocol.NewServer(protocol.Config{}, reg), l, time.Second) }()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = os.RemoveAll(dir)
	})
	return sock
}

func shortRun(sock string) options {
	return options{socket: sock, conns: 4, duration: 150 * time.Millisecond, warmup: 50 * time.Millisecond, pid: os.Getpid()}
}

func TestScenarios(t *testing.T) {
	sock := testRunner(t, sayBody)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			res, err := runScenario(shortRun(sock), sc)
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors+res.WarmErrors > 0 || res.ConnsLost > 0 || res.Requests == 0 {
				t.Fatalf("%d requests, %d errors, %d warm-up errors, %d connections lost: %s",
					res.Requests, res.Errors, res.WarmErrors, res.ConnsLost, res.FirstError)
			}
			if res.RunnerCPUUs == nil || res.P50Us <= 0 || res.P99Us < res.P50Us {
				t.Fatalf("incomplete result %+v", res)
			}
		})
	}
}

// Every reply is checked: a runner answering the wrong body fails every
// call, and the run says why.
func TestWrongRepliesAreErrors(t *testing.T) {
	sock := testRunner(t, "not "+sayBody)
	sc, err := findScenario("say")
	if err != nil {
		t.Fatal(err)
	}
	res, err := runScenario(shortRun(sock), sc)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 0 || res.Errors == 0 || !strings.Contains(res.FirstError, "not "+sayBody) {
		t.Fatalf("%d passed, %d errors, first error %q", res.Requests, res.Errors, res.FirstError)
	}
	var out strings.Builder
	err = run(options{socket: sock, scenario: "say", conns: 1, duration: 50 * time.Millisecond, jsonOnly: true}, &out)
	if err == nil || !strings.Contains(out.String(), `"errors":`) {
		t.Fatalf("run: %v, output %q", err, out.String())
	}
}

func TestUsage(t *testing.T) {
	for _, o := range []options{
		{scenario: "nosuch", conns: 1, duration: time.Second},
		{scenario: "say", conns: 0, duration: time.Second},
	} {
		if err := run(o, &strings.Builder{}); !errors.Is(err, errUsage) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
