package supervisor

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// goAheadEnv names the file whose existence lets a "usr1" fake worker say
// ready.
const goAheadEnv = "GORUNNER_FAKE_GO_AHEAD"

// usr1Worker is the "usr1" fake worker: it must not get SIGUSR1 before it
// is ready, and must get it after, once the supervisor was sent it while
// the worker was starting. It reports on stderr.
func usr1Worker(k *Link) int {
	got := make(chan os.Signal, 1)
	signal.Notify(got, syscall.SIGUSR1)
	goAhead := os.Getenv(goAheadEnv)
	for deadline := time.Now().Add(time.Minute); ; {
		if _, err := os.Stat(goAhead); err == nil {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "usr1: no go-ahead")
			return 3
		}
		select {
		case <-got:
			fmt.Fprintln(os.Stderr, "usr1: SIGUSR1 before ready")
			return 3
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := k.Ready(); err != nil {
		return 3
	}
	select {
	case <-got:
		fmt.Fprintln(os.Stderr, "usr1: SIGUSR1 once ready")
	case <-time.After(time.Minute):
		fmt.Fprintln(os.Stderr, "usr1: no SIGUSR1 once ready")
	}
	_, _ = k.Next() // until the supervisor goes
	return 0
}

// TestUsr1ReachesAStartingWorkerOnceReady: SIGUSR1 that comes while a
// worker starts (its handler may not be installed yet, and the default
// action would kill it) is passed on once the worker is ready.
func TestUsr1ReachesAStartingWorkerOnceReady(t *testing.T) {
	dir := t.TempDir()
	goAhead := filepath.Join(dir, "go-ahead")
	t.Setenv(goAheadEnv, goAhead)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "usr1: ") {
				lines <- sc.Text()
			}
		}
	}()
	usr1 := make(chan os.Signal)
	_, _, logs := runFake(t, "usr1", Config{Stderr: w, Usr1: usr1})
	for deadline := time.Now().Add(time.Minute); logs.FilterMessage("worker starting").Len() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no worker started")
		}
		time.Sleep(10 * time.Millisecond) // polls the log; bounded by the deadline
	}
	select {
	case usr1 <- syscall.SIGUSR1: // taken by the supervisor's loop
	case <-time.After(time.Minute):
		t.Fatal("the supervisor did not take SIGUSR1")
	}
	if err := os.WriteFile(goAhead, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-lines:
		if l != "usr1: SIGUSR1 once ready" {
			t.Fatalf("worker: %q", l)
		}
	case <-time.After(time.Minute):
		t.Fatal("the worker said nothing")
	}
}
