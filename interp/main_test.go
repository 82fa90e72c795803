package interp

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// The test binary is also the probe of the Prober tests (go-plugin's helper
// process pattern): started with probeHelperEnv set, it is the probe
// process, and never runs the tests.
const (
	probeHelperEnv = "GO_RUNNER_PROBE_HELPER"
	// probePIDEnv names a file the "hang" helper writes its pid to.
	probePIDEnv = "GO_RUNNER_PROBE_PIDFILE"
)

func TestMain(m *testing.M) {
	switch os.Getenv(probeHelperEnv) {
	case "":
		os.Exit(m.Run())
	case "1": // a probe, as `go-runner probe` is one
		os.Exit(ServeProbe(os.Stdin, os.Stdout, os.Stderr))
	case "hang": // a probe that never answers
		if f := os.Getenv(probePIDEnv); f != "" {
			if err := os.WriteFile(f, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
		}
		time.Sleep(time.Hour)
		os.Exit(4)
	case "silent": // not a probe: exits 0 without an answer
		os.Exit(0)
	}
	fmt.Fprintf(os.Stderr, "%s: unknown helper mode %q\n", probeHelperEnv, os.Getenv(probeHelperEnv))
	os.Exit(4)
}

// helperProber is a Prober running this test binary as a probe in mode.
func helperProber(t testing.TB, mode string, env ...string) *Prober {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &Prober{Exe: exe, Env: append([]string{probeHelperEnv + "=" + mode}, env...)}
}
