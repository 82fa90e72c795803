package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Helpers of the operator tests (operator_test.go): they run the built
// go-runner with command lines, config files and variables of their own.

// opResult is the outcome of one go-runner command.
type opResult struct {
	code           int
	stdout, stderr string
}

// opScripts copies the named files of testdata/operator/<set> into
// dir/scripts and returns that directory.
func opScripts(t testing.TB, dir, set string, files ...string) string {
	t.Helper()
	return opCopy(t, filepath.Join(dir, "scripts"), set, files...)
}

// opCopy copies the named files of testdata/operator/<set> into dst.
func opCopy(t testing.TB, dst, set string, files ...string) string {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", "operator", set, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// allScripts are the good units of testdata/operator/scripts.
var allScripts = []string{"opsay.go", "oprewrite.go", "opresp.go"}

// opRun runs go-runner args in dir with env until it exits (bounded).
func opRun(t testing.TB, dir string, env []string, args ...string) opResult {
	t.Helper()
	path, _ := binPath(t, "go-runner")
	return opRunBin(t, path, dir, env, args...)
}

func opRunBin(t testing.TB, path, dir string, env []string, args ...string) opResult {
	t.Helper()
	return runBounded(t, exitTimeout, path, dir, runnerEnv(env...), args...)
}

// runBounded runs prog with args in dir with exactly env until it exits,
// failing the test past d.
func runBounded(t testing.TB, d time.Duration, prog, dir string, env []string, args ...string) opResult {
	t.Helper()
	name := filepath.Base(prog)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %q still running after %s:\nstdout:\n%s\nstderr:\n%s", name, args, d, stdout.String(), stderr.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s %q: %v", name, args, err)
	}
	return opResult{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// opStart starts `go-runner run args...` in dir with env and waits until
// sock accepts. Its output (stdout and stderr) is collected in p.out.
func opStart(t testing.TB, dir, sock string, env []string, args ...string) *proc {
	t.Helper()
	path, _ := binPath(t, "go-runner")
	p := &proc{t: t, name: "go-runner", dir: dir, sock: sock, out: newLogBuf(), done: make(chan struct{})}
	p.cmd = exec.Command(path, append([]string{"run"}, args...)...)
	p.cmd.Dir = dir
	p.cmd.Env = runnerEnv(env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start go-runner: %v", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("go-runner output:\n%s", p.out.String())
		}
	})
	p.waitReady()
	return p
}

// jsonLines decodes the JSON log lines of out, skipping other lines.
func jsonLines(out string) []map[string]any {
	var entries []map[string]any
	for _, l := range strings.Split(out, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			entries = append(entries, m)
		}
	}
	return entries
}

// findEntry returns the first JSON log entry whose msg is msg.
func findEntry(entries []map[string]any, msg string) map[string]any {
	for _, e := range entries {
		if e["msg"] == msg {
			return e
		}
	}
	return nil
}

// goBuildFlags builds pkg into out with extra build flags, bounded like
// the harness's builds.
func goBuildFlags(root, out, pkg string, flags ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	args := append(append([]string{"build", "-o", out}, flags...), pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}
