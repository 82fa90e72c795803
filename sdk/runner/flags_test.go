package runner

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
)

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		exit        int // -1: serves
		level       zapcore.Level
		out, errOut string
	}{
		{args: nil, exit: -1, level: zapcore.WarnLevel},
		{args: []string{"run"}, exit: -1, level: zapcore.WarnLevel},
		{args: []string{"run", "--log-level", "debug"}, exit: -1, level: zapcore.DebugLevel},
		{args: []string{"--log-level=error"}, exit: -1, level: zapcore.ErrorLevel},
		{args: []string{"--help"}, exit: 0, out: "--log-level LEVEL"},
		{args: []string{"-h"}, exit: 0, out: "APISIX_LISTEN_ADDRESS"},
		{args: []string{"run", "--help"}, exit: 0, out: "Usage: "},
		{args: []string{"--version"}, exit: 0, out: "sdk:    go-runner "},
		{args: []string{"--log-level", "loud"}, exit: 2, errOut: "loud"},
		{args: []string{"--bogus"}, exit: 2, errOut: "-bogus"},
		{args: []string{"serve"}, exit: 2, errOut: `unexpected argument "serve"`},
		{args: []string{"run", "run"}, exit: 2, errOut: `unexpected argument "run"`},
	} {
		var out, errOut bytes.Buffer
		cl := parseArgs(tc.args, zapcore.WarnLevel, &out, &errOut)
		got := -1
		if cl.exit != nil {
			got = *cl.exit
		}
		if got != tc.exit {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tc.args, got, tc.exit, errOut.String())
			continue
		}
		if tc.exit == -1 && cl.logLevel != tc.level {
			t.Errorf("%q: level %s, want %s", tc.args, cl.logLevel, tc.level)
		}
		if !strings.Contains(out.String(), tc.out) || (tc.out == "" && out.Len() > 0) {
			t.Errorf("%q: stdout %q, want %q", tc.args, out.String(), tc.out)
		}
		if !strings.Contains(errOut.String(), tc.errOut) || (tc.errOut == "" && errOut.Len() > 0) {
			t.Errorf("%q: stderr %q, want %q", tc.args, errOut.String(), tc.errOut)
		}
	}
}
