package interp

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/protocol/client"
)

// TestServerStopsRunawayScript runs script units behind the real server: a
// filter that never returns is cut off by the server's watchdog through the
// unit's Guard, its unit then fails fast, and the other units keep serving.
func TestServerStopsRunawayScript(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"runaway.go": runawaySrc, "echo.go": echoSrc("echo")})
	units, errs := LoadDir(Config{Dir: dir})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	t.Cleanup(func() {
		for _, u := range units {
			u.Close()
		}
	})
	reg, errs := Build(nil, units)
	if len(errs) > 0 {
		t.Fatal(errs)
	}

	sockDir, err := os.MkdirTemp("", "itp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "r.sock")
	l, err := protocol.Listen("unix:"+sock, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The timeout bounds every call, the prepares and the other unit's
	// included: it leaves them room on a loaded machine.
	srv := protocol.NewServer(protocol.Config{PluginTimeout: time.Second, Logger: zap.NewNop()}, reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- protocol.Run(ctx, srv, l, time.Second) }()
	c := client.New(client.Options{Path: sock})
	t.Cleanup(func() {
		c.Close()
		cancel()
		<-done
	})

	route := func(plugin, conf string) *client.Route {
		return &client.Route{Key: client.ConfKey(plugin+conf, plugin, 1), Conf: []client.Conf{{Name: plugin, Value: conf}}}
	}
	req := &client.ReqCall{Method: "GET", Path: "/"}
	var out client.ReqResult
	if err := c.ReqCall(route("runaway", "spin"), req, &client.Extra{}, &out); err == nil {
		t.Fatalf("a runaway call answered %s", out.Action)
	}
	var runaway *Unit
	for _, u := range units {
		if u.Name() == "runaway.go" {
			runaway = u
		}
	}
	if !runaway.Dead() {
		t.Fatal("the watchdog did not interrupt the runaway unit")
	}
	if err := c.ReqCall(route("runaway", "ok"), req, &client.Extra{}, &out); err == nil {
		t.Fatal("the dead unit answered")
	}
	if err := c.ReqCall(route("echo", "v"), req, &client.Extra{}, &out); err != nil || out.Action != client.ActionRewrite {
		t.Fatalf("the other unit: %v %s", err, out.Action)
	}
}
