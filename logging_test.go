package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestLoggerFormats(t *testing.T) {
	cases := []struct {
		name   string
		cfg    LogConfig
		check  func(t *testing.T, line string)
		stderr bool
	}{
		{name: "console on stdout", cfg: LogConfig{Level: "info", Format: "console", Output: "stdout"}, check: func(t *testing.T, line string) {
			for _, w := range []string{" INFO ", "protocol", "conf rejected", `{"key": "route#1", "stack": "a\nb"}`} {
				if !strings.Contains(line, w) {
					t.Errorf("console line lacks %q: %q", w, line)
				}
			}
			if strings.Contains(line, "\x1b[") {
				t.Errorf("console line has colour codes: %q", line)
			}
		}},
		{name: "json on stderr", stderr: true, cfg: LogConfig{Level: "debug", Format: "json", Output: "stderr"}, check: func(t *testing.T, line string) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("not JSON: %v: %q", err, line)
			}
			if m["level"] != "info" || m["logger"] != "protocol" || m["msg"] != "conf rejected" || m["key"] != "route#1" || m["ts"] == nil {
				t.Errorf("JSON entry %v", m)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			l, err := newLogger(c.cfg, &stdout, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			l.Named("protocol").Info("conf rejected", zap.String("key", "route#1"), zap.String("stack", "a\nb"))
			l.close()
			out, other := &stdout, &stderr
			if c.stderr {
				out, other = other, out
			}
			if other.Len() != 0 {
				t.Errorf("the other stream got %q", other.String())
			}
			s := out.String()
			if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
				t.Fatalf("want exactly one line, got %q", s)
			}
			c.check(t, strings.TrimSuffix(s, "\n"))
		})
	}
}

func TestLoggerLevelAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runner.log")
	l, err := newLogger(LogConfig{Level: "warn", Format: "console", Output: path}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hidden at warn")
	l.level.SetLevel(zapcore.DebugLevel)
	l.Debug("shown at debug")
	l.close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "hidden") || !strings.Contains(string(b), "shown at debug") {
		t.Fatalf("log file:\n%s", b)
	}
	if _, err := newLogger(LogConfig{Level: "info", Format: "console", Output: filepath.Join(path, "sub", "x.log")}, nil, nil); err == nil {
		t.Fatal("a log file that cannot be opened was accepted")
	}
}
