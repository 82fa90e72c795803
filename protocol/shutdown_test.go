package protocol

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestShutdownBeforeServeRemovesSocket: a SIGTERM that arrives as the
// runner starts can shut the server down before Serve has its listener;
// the socket file must still go with the runner.
func TestShutdownBeforeServeRemovesSocket(t *testing.T) {
	sockPath := func(t *testing.T) string {
		t.Helper()
		dir, err := os.MkdirTemp("", "gr") // short: a socket path has at most 107 bytes
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		return filepath.Join(dir, "r.sock")
	}
	gone := func(t *testing.T, sock string) {
		t.Helper()
		if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("socket %s still there (%v)", sock, err)
		}
	}

	t.Run("Shutdown then Serve", func(t *testing.T) {
		sock := sockPath(t)
		l, err := Listen("unix:"+sock, 0)
		if err != nil {
			t.Fatal(err)
		}
		srv := NewServer(Config{}, registry(t))
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := srv.Serve(l); !errors.Is(err, ErrServerClosed) {
			t.Fatalf("Serve after Shutdown: %v, want ErrServerClosed", err)
		}
		gone(t, sock)
	})
	t.Run("Run with its context already done", func(t *testing.T) {
		sock := sockPath(t)
		l, err := Listen("unix:"+sock, 0)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := Run(ctx, NewServer(Config{}, registry(t)), l, time.Second); err != nil {
			t.Fatalf("Run: %v", err)
		}
		gone(t, sock)
	})
}
