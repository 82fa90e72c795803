package supervisor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/go-runner/go-runner/protocol"
)

// The test binary is also the worker of these tests (go-plugin's helper
// process pattern): started with fakeWorkerEnv set, it attaches to its
// supervisor and behaves as the mode says.
const fakeWorkerEnv = "GORUNNER_FAKE_WORKER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeWorkerEnv); mode != "" {
		os.Exit(fakeWorker(mode))
	}
	os.Exit(m.Run())
}

// fakeWorker modes: "config" refuses its configuration; "crash" serves
// until its first connection, then dies as a fatal error does (exit 2);
// "hang" never says ready; "usr1" checks when SIGUSR1 comes (usr1_test.go).
func fakeWorker(mode string) int {
	k, err := Attach()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	switch mode {
	case "config":
		return ExitWorkerConfig
	case "usr1":
		return usr1Worker(k)
	case "hang":
		_, _ = k.Next() // until the supervisor goes
		return 0
	}
	if err := k.Ready(); err != nil {
		return 3
	}
	if o, err := k.Next(); err != nil || !o.Serve {
		return 0
	}
	c, err := k.Listener.Accept()
	if err != nil {
		return 3
	}
	fmt.Fprintf(c, "%d\n", os.Getpid())
	c.Close()
	fmt.Fprintln(os.Stderr, "fatal error: concurrent map writes")
	fmt.Fprintln(os.Stderr, "\ngoroutine 1 [running]:")
	return 2
}

func runFake(t *testing.T, mode string, cfg Config) (string, chan error, *observer.ObservedLogs) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "grs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s.sock")
	l, err := protocol.Listen("unix:"+sock, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.DebugLevel)
	cfg.Exe, cfg.Listener, cfg.Log = exe, l, zap.New(core)
	cfg.Env = append(os.Environ(), fakeWorkerEnv+"="+mode)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return sock, done, logs
}

func TestWorkerRefusingItsConfigurationStopsTheSupervisor(t *testing.T) {
	_, done, _ := runFake(t, "config", Config{})
	select {
	case err := <-done:
		if !errors.Is(err, ErrWorkerConfig) || ExitCode(err) != 2 {
			t.Fatalf("Run: %v (exit code %d), want ErrWorkerConfig and 2", err, ExitCode(err))
		}
		done <- err // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("the supervisor kept going after its worker refused the configuration")
	}
}

// TestDeadWorkerIsReplaced: each connection is answered by a new worker
// process: the one before died after answering.
func TestDeadWorkerIsReplaced(t *testing.T) {
	sock, _, logs := runFake(t, "crash", Config{})
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		c, err := net.DialTimeout("unix", sock, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		b := make([]byte, 32)
		n, err := c.Read(b)
		c.Close()
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		pid := strings.TrimSpace(string(b[:n]))
		if seen[pid] {
			t.Fatalf("worker %s answered twice; it died after the first", pid)
		}
		seen[pid] = true
	}
	deaths := logs.FilterMessage("worker died: its calls in flight failed; the next worker takes over")
	for i, e := range deaths.All() {
		if f := e.ContextMap()["fatal"]; f != "fatal error: concurrent map writes" {
			t.Errorf("death %d: fatal %v", i, f)
		}
	}
	if deaths.Len() < 2 {
		t.Fatalf("%d deaths logged, want at least 2", deaths.Len())
	}
}

func TestWorkerNeverReadyIsKilled(t *testing.T) {
	_, done, _ := runFake(t, "hang", Config{StartTimeout: 200 * time.Millisecond})
	select {
	case err := <-done:
		if !errors.Is(err, ErrWorkerStart) || !strings.Contains(err.Error(), "not ready, and no unit loaded within 200ms") {
			t.Fatalf("Run: %v, want ErrWorkerStart naming the start timeout", err)
		}
		done <- err // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("a worker that never got ready was not given up on")
	}
}

// TestNoScriptCode: the supervisor never links the interpreter.
func TestNoScriptCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "yaegi") || strings.HasSuffix(p, "/interp") || strings.HasSuffix(p, "/bridge") {
			t.Errorf("supervisor depends on %s", p)
		}
	}
}
