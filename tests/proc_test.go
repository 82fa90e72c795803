package tests

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-runner/go-runner/protocol/client"
)

// Bounds of the harness. They only cap waits for events; none is a speed
// requirement. (APISIX kills the runner one second after SIGTERM: that the
// runner's shutdown fits is checked on its constants, see stop.) Starting
// and ending processes gets the most room: on a starved machine a
// `go-runner check` that takes 0.3 s wrote nothing for over 10 s.
const (
	readyTimeout = time.Minute
	// manyUnitsTimeout bounds the start of a runner, or a check, loading
	// dozens of units at once (TestModernGo*'s 36, each type-checked,
	// interpreted and proven in a probe process of its own): beside a
	// stressed suite that took over readyTimeout.
	manyUnitsTimeout = 5 * time.Minute
	exitTimeout      = time.Minute
	ioTimeout        = 10 * time.Second
	// logTimeout bounds the wait for a line the runner logs after an
	// event the test caused.
	logTimeout = 30 * time.Second
	// bigFrameIOTimeout bounds each read and write of a call that moves a
	// frame near 16 MiB: APISIX's own bound. Such a call can take over
	// ten seconds under -race on a busy machine.
	bigFrameIOTimeout = client.DefaultIOTimeout
)

// proc is a runner process started as APISIX starts it.
type proc struct {
	t    testing.TB
	name string
	dir  string
	sock string
	cmd  *exec.Cmd
	out  *logBuf
	done chan struct{}
}

// shortDir returns a fresh directory under /tmp: unix socket paths are
// limited to 107 bytes, which t.TempDir() can exceed.
func shortDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "gr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// runnerEnv is the test's environment without APISIX's variables and the
// runner's own (GO_RUNNER_* config keys, GORUNNER_* between supervisor and
// worker: a developer's shell must not change what a test sees), plus env.
// Race-built binaries do not sleep at exit (the race runtime's default is 1 s).
func runnerEnv(env ...string) []string {
	out := []string{"GORACE=atexit_sleep_ms=0"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "APISIX_") || strings.HasPrefix(kv, "TESTRUNNER_") || strings.HasPrefix(kv, "GORACE=") ||
			strings.HasPrefix(kv, "GO_RUNNER_") || strings.HasPrefix(kv, "GORUNNER_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, env...)
}

// startRunner starts binary name listening on a new socket and waits until
// the socket accepts. env adds variables, e.g. "APISIX_CONF_EXPIRE_TIME=1".
func startRunner(t testing.TB, name string, env ...string) *proc {
	t.Helper()
	return startRunnerIn(t, name, shortDir(t), env...)
}

// startRunnerIn starts binary name on dir/r.sock, e.g. to restart a runner
// on the socket of an earlier one.
func startRunnerIn(t testing.TB, name, dir string, env ...string) *proc {
	t.Helper()
	path, spec := binPath(t, name)
	p := &proc{t: t, name: name, dir: dir, sock: filepath.Join(dir, "r.sock"), out: newLogBuf(), done: make(chan struct{})}
	p.cmd = exec.Command(path, spec.argsIn(t, dir)...)
	p.cmd.Dir = dir
	p.cmd.Env = runnerEnv(append([]string{"APISIX_LISTEN_ADDRESS=unix:" + p.sock}, env...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if strings.Contains(p.out.String(), "WARNING: DATA RACE") {
			t.Errorf("%s reported a data race", name)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	p.waitReady()
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitReady polls the socket by dialing until it accepts.
func (p *proc) waitReady() {
	p.t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		c, err := net.DialTimeout("unix", p.sock, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if p.exited() {
			p.t.Fatalf("%s exited before serving (%v):\n%s", p.name, p.cmd.ProcessState, p.out.String())
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: socket %s not accepting after %s: %v", p.name, p.sock, readyTimeout, err)
		}
		select {
		case <-p.done:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// alive fails the test when the process has exited.
func (p *proc) alive() {
	p.t.Helper()
	if p.exited() {
		p.t.Fatalf("%s exited: %v", p.name, p.cmd.ProcessState)
	}
}

// signal sends sig and returns when it was sent.
func (p *proc) signal(sig os.Signal) time.Time {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %s: %v", sig, err)
	}
	return time.Now()
}

// wait waits up to d for the process to exit and returns its exit code.
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		p.t.Fatalf("%s still running %s after it was told to stop", p.name, d)
		return -1
	}
}

// stop sends SIGTERM and checks a clean stop: exit code 0, the socket file
// removed, and no call cut off by the shutdown grace (the runner logs
// "... still running" when it cuts one): with no call outlasting the grace
// it does not wait the grace out. It returns how long the exit took.
//
// The exit is awaited (exitTimeout), not timed against APISIX's kill one
// second after SIGTERM: beside CPU burners an idle race-enabled runner was
// reaped 1.9 s after SIGTERM, and one cutting a stuck call off after its
// 800 ms grace 1.3 s after. That the grace fits APISIX's second is checked
// on the constants (TestShutdownFitsAPISIXKill, and
// TestShutdownGraceFitsAPISIXKill in sdk/runner).
func (p *proc) stop() time.Duration {
	p.t.Helper()
	took := p.terminate()
	if cut := p.out.count("still running"); cut > 0 {
		p.t.Errorf("%s cut calls off at its shutdown (%d lines say so), want every call answered", p.name, cut)
	}
	return took
}

// stopStuck is stop for a runner holding a call stuck for stuck, past its
// shutdown grace: the runner must cut it off and exit without waiting for
// it.
func (p *proc) stopStuck(stuck time.Duration) time.Duration {
	p.t.Helper()
	took := p.terminate()
	if took >= stuck {
		p.t.Errorf("%s took %s to exit after SIGTERM: it waited for the call stuck for %s", p.name, took, stuck)
	}
	return took
}

// terminate sends SIGTERM, awaits the exit and checks its code (0) and
// that the socket file is gone. It returns how long the exit took.
func (p *proc) terminate() time.Duration {
	p.t.Helper()
	sent := p.signal(syscall.SIGTERM)
	code := p.wait(exitTimeout)
	took := time.Since(sent)
	if code != 0 {
		p.t.Errorf("%s exited with code %d after SIGTERM, want 0", p.name, code)
	}
	if _, err := os.Lstat(p.sock); !errors.Is(err, os.ErrNotExist) {
		p.t.Errorf("socket %s still there after exit (%v)", p.sock, err)
	}
	return took
}

// options are the client options for this runner: APISIX's, with shorter
// I/O bounds so that a hang fails the test instead of stalling it.
func (p *proc) options() client.Options {
	return client.Options{Path: p.sock, IOTimeout: ioTimeout}
}

// dial opens one connection, closed with the test.
func (p *proc) dial() *client.Conn {
	p.t.Helper()
	c, err := client.Dial(p.options())
	if err != nil {
		p.t.Fatalf("dial %s: %v", p.sock, err)
	}
	p.t.Cleanup(func() { c.Close() })
	return c
}

// client returns an APISIX-like client, closed with the test.
func (p *proc) client() *client.Client {
	c := client.New(p.options())
	p.t.Cleanup(c.Close)
	return c
}

// runOnce runs binary name with env until it exits (bounded) and returns
// its exit code and output; for start-up failures.
func runOnce(t testing.TB, name string, env ...string) (int, string) {
	t.Helper()
	path, spec := binPath(t, name)
	dir := shortDir(t)
	cmd := exec.Command(path, spec.argsIn(t, dir)...)
	cmd.Dir = dir
	cmd.Env = runnerEnv(env...)
	out := newLogBuf()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(exitTimeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s still running after %s with %v:\n%s", name, exitTimeout, env, out.String())
	}
	return cmd.ProcessState.ExitCode(), out.String()
}
