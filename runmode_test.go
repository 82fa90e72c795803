package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

func TestRunModeSet(t *testing.T) {
	cases := []struct {
		in   string
		want runMode
		ok   bool
	}{
		{"dev", modeDev, true},
		{"prod", modeProd, true},
		{"PROD", modeProd, true},
		{" Prof ", modeProf, true},
		{"production", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		var m runMode
		err := m.Set(c.in)
		if (err == nil) != c.ok || m != c.want {
			t.Errorf("Set(%q): mode %q, error %v; want %q, ok %v", c.in, m, err, c.want, c.ok)
		}
	}
}

// TestModePrecedence: a mode's settings win over the built-in defaults
// only; the config file, the environment and flags win over them.
func TestModePrecedence(t *testing.T) {
	cases := []struct {
		name  string
		mode  runMode
		file  string
		env   map[string]string
		sets  []flagSetting
		check func(t *testing.T, c *Config)
	}{
		{name: "no mode is dev", check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "info", "default")
			want(t, c, "log.output", "stdout", "default")
		}},
		{name: "dev", mode: modeDev, check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "info", "default")
			want(t, c, "log.output", "stdout", "default")
		}},
		{name: "prod", mode: modeProd, check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "warn", "--mode prod")
			want(t, c, "log.output", modeLogFile, "--mode prod")
			want(t, c, "log.format", "console", "default")
		}},
		{name: "prof", mode: modeProf, check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "warn", "--mode prof")
			want(t, c, "log.output", modeLogFile, "--mode prof")
		}},
		{name: "file over mode", mode: modeProd, file: "log:\n  level: debug\n  output: stderr\n", check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "debug", "config.yaml")
			want(t, c, "log.output", "stderr", "config.yaml")
		}},
		{name: "file sets one key, the mode the other", mode: modeProd, file: "log:\n  level: error\n", check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "error", "config.yaml")
			want(t, c, "log.output", modeLogFile, "--mode prod")
		}},
		{name: "env over mode", mode: modeProd, env: map[string]string{"GO_RUNNER_LOG_OUTPUT": "stdout"}, check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "warn", "--mode prod")
			want(t, c, "log.output", "stdout", "GO_RUNNER_LOG_OUTPUT")
		}},
		{name: "flags over mode", mode: modeProf, sets: []flagSetting{{key: "log.level", value: "info", from: "--log-level"}}, check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "info", "--log-level")
			want(t, c, "log.output", modeLogFile, "--mode prof")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := cleanEnv(t)
			if c.file != "" {
				writeFile(t, filepath.Join(dir, "config.yaml"), c.file)
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg, err := loadConfig(configInput{flags: c.sets, mode: c.mode})
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, cfg)
		})
	}
}

// TestModeLogDir: the mode's logs/ is created; a directory the user named
// for log.output is not.
func TestModeLogDir(t *testing.T) {
	dir := cleanEnv(t)
	cfg, err := loadConfig(configInput{mode: modeProd})
	if err != nil {
		t.Fatal(err)
	}
	if err := makeModeLogDir(cfg); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, profileDir)); err != nil || !fi.IsDir() {
		t.Fatalf("logs directory: %v", err)
	}

	cfg, err = loadConfig(configInput{mode: modeProd, flags: []flagSetting{{key: "log.output", value: "mine/r.log", from: "--set log.output"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := makeModeLogDir(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mine")); !os.IsNotExist(err) {
		t.Fatalf("directory mine of --set log.output: %v, want it not created", err)
	}
}

// TestWorkerArgsCarryMode: the supervisor's worker gets the mode, so that
// it logs and profiles as the mode says; no mode given, none is passed.
func TestWorkerArgsCarryMode(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{nil, nil},
		{[]string{"-m", "PROD"}, []string{"--mode", "prod"}},
		{[]string{"--mode=prof", "--log-level", "info"}, []string{"--log-level", "info", "--mode", "prof"}},
	}
	for _, c := range cases {
		var f runFlags
		cmd := &cobra.Command{Use: "run"}
		f.add(cmd)
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if got := f.args(cmd); !slices.Equal(got, c.want) {
			t.Errorf("%q: worker args %q, want %q", c.args, got, c.want)
		}
	}
}
