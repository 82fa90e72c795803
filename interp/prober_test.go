package interp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unlockSrc is a unit whose init ends its process with a fatal error.
const unlockSrc = `package scripts

import "sync"

func init() {
	var mu sync.Mutex
	mu.Unlock()
}
`

// recurseSrc is a unit whose init recurses until the stack overflows.
const recurseSrc = `package scripts

func down(n int) int { return down(n+1) + 1 }

func init() { _ = down(0) }
`

// TestProberProve runs real probe processes (this test binary, see
// TestMain): a load error comes back as the in-process load gives it, and a
// probe that dies or hangs is reported without harm to the caller.
func TestProberProve(t *testing.T) {
	cases := []struct {
		name        string
		src         string
		mode        string        // helper mode; "1" (a probe) when empty
		exe         string        // instead of the test binary
		loadTimeout time.Duration // DefaultLoadTimeout when zero
		grace       time.Duration
		is          []error
		want        string // the exact error, or a part of it with ~ in front
		same        bool   // the error is LoadUnit's own, to the byte
	}{
		{name: "loads", src: echoSrc("ok")},
		{name: "compile error keeps file:line:col", src: verSrc("u", 1, "var typo int = \"x\"\n"),
			is: []error{ErrCompile}, want: `~interp: unit "u.go": compile error: u.go:33:`, same: true},
		{name: "panic in init", src: verSrc("u", 1, "func init() { panic(\"bad init\") }\n"),
			is: []error{ErrLoadPanic}, want: "~u.go:33:15", same: true},
		{name: "no plugin", src: "package scripts\n\nvar x = 1\n", is: []error{ErrNoPlugin}, same: true},
		{name: "endless loop in init is stopped by the probe", src: verSrc("u", 1, "func init() { for {} }\n"),
			loadTimeout: 300 * time.Millisecond, is: []error{ErrLoadTimeout}, want: "~does not return", same: true},
		{name: "unlock of unlocked mutex", src: unlockSrc, is: []error{ErrProbeCrashed},
			want: `interp: unit "u.go": probe process crashed: fatal error: sync: unlock of unlocked mutex`},
		{name: "stack overflow", src: recurseSrc, loadTimeout: time.Minute, is: []error{ErrProbeCrashed},
			want: `interp: unit "u.go": probe process crashed: runtime: goroutine stack exceeds 67108864-byte limit`},
		{name: "probe that never answers is killed", src: echoSrc("ok"), mode: "hang",
			loadTimeout: 100 * time.Millisecond, grace: 400 * time.Millisecond, is: []error{ErrProbeCrashed, ErrLoadTimeout},
			want: "~probe process crashed: killed after"},
		{name: "not a probe", src: echoSrc("ok"), mode: "silent", is: []error{ErrProbeCrashed},
			want: `interp: unit "u.go": probe process crashed: exit status 0 without an answer (is it a go-runner probe?)`},
		{name: "no such executable", src: echoSrc("ok"), exe: filepath.Join(t.TempDir(), "absent"),
			want: `~interp: unit "u.go": probe: fork/exec `},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"u.go": tc.src})
			snap, err := readUnit(dir, "u.go", filepath.Join(dir, "u.go"))
			if err != nil {
				t.Fatal(err)
			}
			mode := tc.mode
			if mode == "" {
				mode = "1"
			}
			pidFile := filepath.Join(dir, "pid")
			p := helperProber(t, mode, probePIDEnv+"="+pidFile)
			p.Grace = tc.grace
			if tc.exe != "" {
				p.Exe = tc.exe
			}
			cfg := Config{Dir: dir, LoadTimeout: tc.loadTimeout}
			start := time.Now()
			err = p.Prove(cfg, snap)
			t.Logf("probe took %s: %v", time.Since(start).Round(time.Millisecond), err)

			if tc.want == "" && len(tc.is) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ue *UnitError
			if err == nil || !errors.As(err, &ue) || ue.Unit != "u.go" {
				t.Fatalf("error %v, want a *UnitError of u.go", err)
			}
			for _, is := range tc.is {
				if !errors.Is(err, is) {
					t.Errorf("error %q is not %v", err, is)
				}
			}
			if w, part := strings.CutPrefix(tc.want, "~"); part && !strings.Contains(err.Error(), w) || !part && w != "" && err.Error() != w {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			if tc.same {
				_, inProcess := loadOne(t, cfg, "u.go", map[string]string{"u.go": tc.src})
				if inProcess == nil || err.Error() != inProcess.Error() {
					t.Errorf("the probe's error differs from the in-process load's:\n%v\n%v", err, inProcess)
				}
			}
			if tc.mode == "hang" {
				b, rerr := os.ReadFile(pidFile)
				pid, perr := strconv.Atoi(string(b))
				if rerr != nil || perr != nil {
					// On a loaded machine the kill can come before the
					// helper wrote its pid; Prove waited for it either way.
					t.Logf("the hanging probe was killed before it wrote its pid: %v %v", rerr, perr)
					return
				}
				if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("the probe killed, pid %d still exists: %v", pid, err)
				}
			}
		})
	}
}

// TestServeProbeRefuses: anything but a probe request on stdin exits 2,
// saying so, before the probe changes anything of its process.
func TestServeProbeRefuses(t *testing.T) {
	good := newSnapshot(t, "u.go", map[string]string{"u.go": echoSrc("ok")})
	badSum := *good
	badSum.Sum[0]++
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	cases := []struct {
		name  string
		stdin any // a string, a request to encode, or a reader
		want  string
	}{
		{name: "nothing", stdin: "", want: "EOF"},
		{name: "text", stdin: "hello\n", want: "invalid character"},
		{name: "other JSON", stdin: `{"Probe": "something else"}`, want: `it does not start with "go-runner unit probe 1"`},
		{name: "no unit", stdin: probeRequest{Probe: probeMagic}, want: "no unit in it"},
		{name: "sum mismatch", stdin: probeRequest{Probe: probeMagic, Unit: &badSum}, want: "its sum does not match its files"},
		{name: "a unit path", stdin: probeRequest{Probe: probeMagic, Unit: newSnapshot(t, "../u.go", nil)}, want: "no unit in it"},
		{name: "a device", stdin: devNull, want: "it is a terminal or a device"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in io.Reader
			switch v := tc.stdin.(type) {
			case string:
				in = strings.NewReader(v)
			case probeRequest:
				in = bytes.NewReader(mustJSON(t, v))
			case io.Reader:
				in = v
			}
			var stdout, stderr bytes.Buffer
			code := ServeProbe(in, &stdout, &stderr)
			if code != probeExitRefused || stdout.Len() > 0 {
				t.Fatalf("exit %d, stdout %q, want 2 and nothing", code, stdout.String())
			}
			msg := stderr.String()
			if !strings.HasPrefix(msg, "interp: probe: not a probe request on stdin") || !strings.Contains(msg, tc.want) {
				t.Fatalf("stderr %q, want the refusal and %q", msg, tc.want)
			}
		})
	}
}

// TestReloaderProbeCrashKeepsServing: with a Prober, a saved version whose
// init is fatal fails to reload, the process lives on, the old version
// serves, and the failure is logged once with the fatal error.
func TestReloaderProbeCrashKeepsServing(t *testing.T) {
	f := newReloadFixture(t, map[string]string{"a.go": verSrc("a", 1, "")}, func(c *ReloadConfig) {
		c.Prove = helperProber(t, "1").Prove
	})
	served := f.r.Registry()
	fatal := verSrc("a", 2, "func init() {\n\tvar mu sync.Mutex\n\tmu.Unlock()\n}\n")
	f.write("a.go", strings.Replace(fatal, `"errors"`, "\"errors\"\n\t\"sync\"", 1))
	rep := f.r.Rescan(false)
	if len(rep.Failed) != 1 || !errors.Is(rep.Failed[0], ErrProbeCrashed) || rep.Published {
		t.Fatalf("report %+v", rep)
	}
	if f.r.Registry() != served || version(t, served, "a") != "1" {
		t.Fatal("the crashing version replaced the one served")
	}
	logged := f.errorLogs("a.go")
	if len(logged) != 1 || !strings.Contains(logged[0].ContextMap()["error"].(string), "fatal error: sync: unlock of unlocked mutex") {
		t.Fatalf("logged %v", logged)
	}
	if rep := f.r.Rescan(false); len(rep.Failed) > 0 {
		t.Fatalf("the same content was proved again: %+v", rep)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
