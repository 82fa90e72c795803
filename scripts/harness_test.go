package scripts

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/protocol/client"
	"github.com/go-runner/go-runner/sdk/plugin"
)

// interpreted loads this directory's units through the real loader, as the
// runner does, and returns their registry (no compiled plugins).
func interpreted(t testing.TB) *plugin.Registry {
	t.Helper()
	units, errs := interp.LoadDir(interp.Config{Dir: ".", Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))})
	t.Cleanup(func() {
		for _, u := range units {
			u.Close()
		}
	})
	if len(errs) > 0 {
		t.Fatalf("load: %v", errs)
	}
	reg, errs := interp.Build(nil, units)
	if len(errs) > 0 {
		t.Fatalf("build: %v", errs)
	}
	return reg
}

// serve runs the real server for reg on a unix socket and returns a client
// that behaves like an APISIX worker.
func serve(t testing.TB, reg *plugin.Registry) *client.Client {
	t.Helper()
	dir, err := os.MkdirTemp("", "scr") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "r.sock")
	l, err := protocol.Listen("unix:"+sock, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv := protocol.NewServer(protocol.Config{Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))}, reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- protocol.Run(ctx, srv, l, time.Second) }()
	c := client.New(client.Options{Path: sock})
	t.Cleanup(func() {
		c.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
		_ = os.RemoveAll(dir)
	})
	return c
}
