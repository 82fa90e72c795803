package tests

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The files of the reference runner's prod and prof modes, relative to the
// working directory.
const (
	refLogFile    = "logs/runner.log"
	refCPUProfile = "logs/profile.cpu"
	refMemProfile = "logs/profile.mem"
)

// TestReferenceRunLines starts go-runner with each command line of the
// reference runner (github.com/apache/apisix-go-plugin-runner) that an
// APISIX ext-plugin.cmd carries, as APISIX does, in a working directory of
// its own, serves a call whose plugin logs a warning, and stops it with
// SIGTERM. prod and prof log at warn level into logs/runner.log; prof
// writes CPU and heap profiles at exit; explicit settings win over the
// mode.
func TestReferenceRunLines(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		config string   // config.yaml in the working directory
		env    []string // added to APISIX's variables
		// toFile: the log is logs/runner.log, else the process's output.
		toFile bool
		// info: info lines are logged (the supervisor's start).
		info     bool
		profiles bool
	}{
		{name: "run", info: true},
		{name: "run -m dev", args: []string{"-m", "dev"}, info: true},
		{name: "run -m prod", args: []string{"-m", "prod"}, toFile: true},
		{name: "run -m PROD", args: []string{"-m", "PROD"}, toFile: true},
		{name: "run --mode=prod", args: []string{"--mode=prod"}, toFile: true},
		{name: "run --mode prof", args: []string{"--mode", "prof"}, toFile: true, profiles: true},
		{name: "run -m Prof", args: []string{"-m", "Prof"}, toFile: true, profiles: true},
		{name: "--log-level wins over prod", args: []string{"-m", "prod", "--log-level", "info"}, toFile: true, info: true},
		{name: "config.yaml log.output wins over prod", args: []string{"-m", "prod"}, config: "log:\n  output: stdout\n"},
		{name: "--set log.level wins over prof", args: []string{"-m", "prof", "--set", "log.level=info"}, toFile: true, info: true, profiles: true},
		{name: "GO_RUNNER_LOG_LEVEL wins over prod", args: []string{"-m", "prod"}, env: []string{"GO_RUNNER_LOG_LEVEL=info"}, toFile: true, info: true},
		{name: "prof in one process", args: []string{"-m", "prof", "--set", "worker.supervised=false"}, toFile: true, profiles: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := shortDir(t)
			opScripts(t, dir, "scripts", "opsay.go")
			if c.config != "" {
				if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(c.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			sock := filepath.Join(dir, "r.sock")
			env := append([]string{"APISIX_LISTEN_ADDRESS=unix:" + sock, "APISIX_CONF_EXPIRE_TIME=3600"}, c.env...)
			p := opStart(t, dir, sock, env, c.args...)
			sayWorksOp(t, p.dial()) // op-say logs "op-say warned /alive" at warn level

			logPath := filepath.Join(dir, refLogFile)
			const warned = "op-say warned /alive"
			if c.toFile {
				awaitFileLine(t, p, logPath, warned)
			} else if !p.out.waitCount(logTimeout, 1, warned) {
				t.Fatalf("no %q in the output after %s", warned, logTimeout)
			}
			p.stop()

			if !c.toFile {
				if _, err := os.Stat(filepath.Join(dir, "logs")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("logs directory created (%v), want none: the log goes to the output", err)
				}
				if got := p.out.count("go-runner supervisor started") > 0; got != c.info {
					t.Errorf("info line in the output: %v, want %v", got, c.info)
				}
			} else {
				b, err := os.ReadFile(logPath)
				if err != nil {
					t.Fatal(err)
				}
				levels := logLevels(string(b))
				if levels["WARN"] == 0 {
					t.Errorf("no WARN line in %s:\n%s", refLogFile, b)
				}
				if got := levels["INFO"] > 0; got != c.info {
					t.Errorf("INFO lines in %s: %v, want %v:\n%s", refLogFile, got, c.info, b)
				}
				if levels["DEBUG"] > 0 {
					t.Errorf("DEBUG lines in %s:\n%s", refLogFile, b)
				}
				if n := p.out.count(warned); n > 0 {
					t.Errorf("the warning went to the output too (%d lines), want it in %s only", n, refLogFile)
				}
			}

			for f, kind := range map[string]string{refCPUProfile: "nanoseconds", refMemProfile: "inuse_space"} {
				path := filepath.Join(dir, f)
				b, err := os.ReadFile(path)
				switch {
				case c.profiles && err != nil:
					t.Errorf("profile %s: %v", f, err)
				case c.profiles:
					checkProfile(t, f, b, kind)
				case !errors.Is(err, os.ErrNotExist):
					t.Errorf("%s written (%v), want no profile outside prof mode", f, err)
				}
			}
		})
	}
}

// TestReferenceRunLogAppends: prod appends to an existing logs/runner.log,
// as the reference runner does, across restarts.
func TestReferenceRunLogAppends(t *testing.T) {
	dir := shortDir(t)
	opScripts(t, dir, "scripts", "opsay.go")
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	const earlier = "a line from an earlier run\n"
	logPath := filepath.Join(dir, refLogFile)
	if err := os.WriteFile(logPath, []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "r.sock")
	p := opStart(t, dir, sock, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, "-m", "prod")
	sayWorksOp(t, p.dial())
	awaitFileLine(t, p, logPath, "op-say warned /alive")
	p.stop()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), earlier) {
		t.Errorf("%s does not start with the earlier run's line:\n%s", refLogFile, b)
	}
}

// TestReferenceCommandLines runs the reference's other command lines, and
// flags it does not have: each is accepted, or refused with a message that
// names the flag and what go-runner takes instead.
func TestReferenceCommandLines(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{args: []string{"version"}, stdout: []string{"go-runner ", "commit: ", "go: "}},
		{args: []string{"version", "--long"}, stdout: []string{"go-runner ", "commit: ", "os/arch: "}},
		{args: []string{"--version"}, stdout: []string{"go-runner "}},
		{args: []string{"run", "--foo"}, code: 2, stderr: []string{"unknown flag: --foo", "-m/--mode", "--set", "see go-runner run --help"}},
		{args: []string{"run", "--long"}, code: 2, stderr: []string{"unknown flag: --long", "-m/--mode", "see go-runner run --help"}},
		{args: []string{"run", "-m", "staging"}, code: 2, stderr: []string{`invalid argument "staging"`, "dev, prod or prof", "see go-runner run --help"}},
		{args: []string{"run", "-x"}, code: 2, stderr: []string{"unknown shorthand flag: 'x'", "-m/--mode", "see go-runner run --help"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			dir := shortDir(t)
			sock := filepath.Join(dir, "r.sock")
			r := opRun(t, dir, []string{"APISIX_LISTEN_ADDRESS=unix:" + sock}, c.args...)
			if r.code != c.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, s := range c.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
		})
	}
}

// awaitFileLine waits until the file at path has a line containing sub.
func awaitFileLine(t testing.TB, p *proc, path, sub string) {
	t.Helper()
	deadline := time.Now().Add(logTimeout)
	for {
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), sub) {
			return
		}
		if p.exited() {
			t.Fatalf("runner exited before %s had %q (%v):\n%s", path, sub, err, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in %s after %s (%v):\n%s", sub, path, logTimeout, err, b)
		}
		select {
		case <-p.done:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// logLevels counts the lines of a console-format log by level, the second
// field of each line ("2026-01-02T03:04:05.000Z WARN ...").
func logLevels(log string) map[string]int {
	n := map[string]int{}
	for _, line := range strings.Split(log, "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			n[f[1]]++
		}
	}
	return n
}

// checkProfile checks that b is a runtime/pprof file: a gzip stream whose
// payload, a protobuf, has kind in its string table ("nanoseconds" for a
// CPU profile, "inuse_space" for a heap profile).
func checkProfile(t testing.TB, name string, b []byte, kind string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s: not gzip (%d bytes): %v", name, len(b), err)
		return
	}
	raw, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(raw, []byte(kind)) {
		t.Errorf("%s: %d bytes unzipped (%v), without the sample type %q", name, len(raw), err, kind)
	}
}
