package tests

import (
	"fmt"
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

// waitFileEntries polls path (bounded by d, or until p exits) until its
// JSON lines hold count entries of msg (and process, unless empty), and
// returns the entries.
func waitFileEntries(t testing.TB, p *proc, path string, d time.Duration, msg, process string, count int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		b, _ := os.ReadFile(path)
		entries := jsonLines(string(b))
		n := 0
		for _, e := range entries {
			if e["msg"] == msg && (process == "" || e["process"] == process) {
				n++
			}
		}
		if n >= count {
			return entries
		}
		if p.exited() {
			t.Fatalf("go-runner exited (%v) before %s logged %q (%s) %d times:\n%s", p.cmd.ProcessState, path, msg, process, count, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d of %d %q (%s) after %s:\n%s", path, n, count, msg, process, d, b)
		}
		select {
		case <-p.done:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestOperatorSIGUSR1ReopensLog: logrotate renames log.output and sends
// SIGUSR1; every process writing the file (the supervisor and its worker,
// or the single process) goes on in a new file of that name.
func TestOperatorSIGUSR1ReopensLog(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
		// workers is how many worker processes write the file: the
		// serving one and the standby (0: a single process).
		workers int
	}{
		{"supervised", nil, 2},
		{"single", []string{"--set", "worker.supervised=false"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := shortDir(t)
			opScripts(t, dir, "scripts", "opsay.go")
			sock := filepath.Join(dir, "r.sock")
			logPath := filepath.Join(dir, "runner.log")
			args := append([]string{"--set", "log.output=" + logPath, "--set", "log.format=json", "--set", "log.level=debug"}, tc.sets...)
			p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, args...)
			waitFileEntries(t, p, logPath, readyTimeout, "go-runner started", "", 1)
			if tc.workers > 0 {
				// Both workers ready: each writes the file.
				waitFileEntries(t, p, logPath, readyTimeout, "worker ready", "", tc.workers)
			}

			rotated := logPath + ".1"
			if err := os.Rename(logPath, rotated); err != nil {
				t.Fatal(err)
			}
			p.signal(syscall.SIGUSR1)
			const reopened = "SIGUSR1: log file reopened"
			var entries []map[string]any
			if tc.workers > 0 {
				waitFileEntries(t, p, logPath, logTimeout, reopened, "supervisor", 1)
				entries = waitFileEntries(t, p, logPath, logTimeout, reopened, "worker", tc.workers)
			} else {
				entries = waitFileEntries(t, p, logPath, logTimeout, reopened, "worker", 1)
			}
			pids := map[float64]bool{}
			for _, e := range entries {
				if e["msg"] == reopened {
					pids[e["pid"].(float64)] = true
				}
			}
			if want := 1 + tc.workers; len(pids) != want {
				t.Errorf("reopened by pids %v, want %d processes", pids, want)
			}
			if p.cmd.Process.Pid != 0 && tc.workers == 0 && !pids[float64(p.cmd.Process.Pid)] {
				t.Errorf("reopened by pids %v, not by the runner's %d", pids, p.cmd.Process.Pid)
			}
			old, err := os.ReadFile(rotated)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(old), "reopened") {
				t.Errorf("the rotated file got lines after SIGUSR1:\n%s", old)
			}

			// Still serving, and nothing ended on the signal.
			c := p.dial()
			tok := prepare(t, c, pc("op-say", map[string]any{"body": "hi"}))
			call(t, c, tok, client.ReqCall{ID: 1}, nil)
			p.alive()
			p.stop()
			if b, _ := os.ReadFile(logPath); !strings.Contains(string(b), `"go-runner stopped"`) {
				t.Errorf("the stop was not logged in the new file:\n%s", b)
			}
		})
	}
}

// TestOperatorMetricsPortBusy: a metrics port in use is logged as an error
// and the runner serves without metrics instead of exiting (under APISIX
// an exit is a restart every 3 s).
func TestOperatorMetricsPortBusy(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		sets []string
	}{
		{"supervised", nil},
		{"single", []string{"--set", "worker.supervised=false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := shortDir(t)
			opScripts(t, dir, "scripts", "opsay.go")
			sock := filepath.Join(dir, "r.sock")
			args := append([]string{"--set", "metrics.address=" + busy.Addr().String(), "--set", "log.format=json"}, tc.sets...)
			p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, args...)
			if !p.out.waitCount(readyTimeout, 1, "metrics endpoint not started") {
				t.Fatal("the busy port was not logged")
			}
			e := findEntry(jsonLines(p.out.String()), "metrics endpoint not started: serving without metrics")
			if e == nil || e["level"] != "error" || !strings.Contains(fmt.Sprint(e["error"]), "address already in use") {
				t.Errorf("entry %v, want an error naming the address in use", e)
			}
			c := p.dial()
			tok := prepare(t, c, pc("op-say", map[string]any{"body": "hi"}))
			call(t, c, tok, client.ReqCall{ID: 1}, nil)
			p.alive()
			if n := p.out.count("metrics endpoint listening"); n != 0 {
				t.Errorf("%d lines say a metrics endpoint listens", n)
			}
			p.stop()
		})
	}
}

// TestCompiledRunnerCommandLine: a compiled runner (runner.Run) answers
// --help and --version without serving, refuses what it does not know,
// and serves with its documented flags.
func TestCompiledRunnerCommandLine(t *testing.T) {
	path, _ := binPath(t, "example")
	dir := shortDir(t)
	sock := filepath.Join(dir, "r.sock")
	env := []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"--help"}, 0, "Usage: example [run] [flags]", ""},
		{[]string{"run", "-h"}, 0, "--version", ""},
		{[]string{"--version"}, 0, "sdk:    go-runner ", ""},
		{[]string{"--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"serve"}, 2, "", `unexpected argument "serve"`},
	} {
		r := opRunBin(t, path, dir, env, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("example %q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.stdout, tc.stderr)
		}
		if _, err := os.Lstat(sock); err == nil {
			t.Fatalf("example %q created the socket: it served", tc.args)
		}
	}

	// The reference runner's command line, with a flag: it serves, and
	// logs below warn (the example's own level), where its start is.
	p := &proc{t: t, name: "example", dir: dir, sock: sock, out: newLogBuf(), done: make(chan struct{})}
	p.cmd = exec.Command(path, "run", "--log-level", "debug")
	p.cmd.Dir = dir
	p.cmd.Env = runnerEnv(env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	p.waitReady()
	c := p.dial()
	tok := prepare(t, c, pc("say", map[string]any{"body": "hi"}))
	call(t, c, tok, client.ReqCall{ID: 1}, nil)
	if !p.out.waitCount(logTimeout, 1, "info", "runner started") {
		t.Errorf("--log-level debug did not log the start at info:\n%s", p.out.String())
	}
	p.stop()
}
