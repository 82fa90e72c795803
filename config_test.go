package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// cleanEnv removes the variables loadConfig reads, for the test's duration,
// and runs it in a fresh working directory without config.yaml.
func cleanEnv(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, envPrefix) || strings.HasPrefix(name, "APISIX_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEmbeddedDefaults checks that config.yaml, as embedded, documents
// exactly the defaults of the constants.
func TestEmbeddedDefaults(t *testing.T) {
	cleanEnv(t)
	c, err := loadConfig(configInput{})
	if err != nil {
		t.Fatal(err)
	}
	if c.File != "" {
		t.Fatalf("read %s, want the embedded defaults", c.File)
	}
	want := defaultConfig()
	got := *c
	got.sources, got.raw, got.File = nil, nil, ""
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("config.yaml defaults:\n%+v\nconstants:\n%+v", got, want)
	}
	if got.Conf.TTL() != time.Duration(DefaultConfExpireTime)*time.Second*12/10 {
		t.Fatalf("default conf TTL %s", got.Conf.TTL())
	}
}

func TestSettingsCoverEveryKey(t *testing.T) {
	ks, err := knownKeys()
	if err != nil {
		t.Fatal(err)
	}
	c := defaultConfig()
	var keys []string
	for k := range c.settings() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, ks.list) {
		t.Fatalf("settings() keys %v\nconfig.yaml keys %v", keys, ks.list)
	}
	for k := range liveKeys {
		if !ks.has(k) {
			t.Errorf("live key %s is not a key", k)
		}
	}
}

// TestConfigFileDocumentsEveryKey checks that each key of config.yaml has a
// comment above it.
func TestConfigFileDocumentsEveryKey(t *testing.T) {
	lines := strings.Split(string(defaultConfigYAML), "\n")
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if !strings.HasPrefix(l, "  ") || strings.HasPrefix(trimmed, "#") || trimmed == "" {
			continue
		}
		if i == 0 || !strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#") {
			t.Errorf("config.yaml line %d %q has no comment above it", i+1, trimmed)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name  string
		file  string            // config.yaml content, "" for none
		env   map[string]string // variables
		sets  []string          // --set
		want  []string          // each must be in the error
		isKey bool              // errors.Is(err, ErrUnknownKey)
	}{
		{name: "unknown key", file: "log:\n  levle: debug\n", want: []string{"log.levle", "unknown key", "did you mean log.level?"}, isKey: true},
		{name: "unknown section", file: "sockets:\n  address: unix:/tmp/x.sock\n", want: []string{"sockets.address", "unknown key", "did you mean socket.address?"}, isKey: true},
		{name: "far unknown key", file: "log:\n  colour: true\n", want: []string{"log.colour", "the keys of log are"}, isKey: true},
		{name: "section as a value", file: "log: debug\n", want: []string{"log (from", "log is a section", "log.{"}, isKey: true},
		{name: "unknown variable", env: map[string]string{"GO_RUNNER_LOG_LEVL": "debug"}, want: []string{"GO_RUNNER_LOG_LEVL", "did you mean GO_RUNNER_LOG_LEVEL?"}, isKey: true},
		{name: "unknown --set key", sets: []string{"plugins.timout=1s"}, want: []string{"plugins.timout", "--set", "did you mean plugins.timeout?"}, isKey: true},
		{name: "bad level", file: "log:\n  level: verbose\n", want: []string{`log.level = "verbose"`, "config.yaml", "want one of debug, info, warn, error"}},
		{name: "bad format", env: map[string]string{"GO_RUNNER_LOG_FORMAT": "xml"}, want: []string{`log.format = "xml"`, "GO_RUNNER_LOG_FORMAT", "want one of console, json"}},
		{name: "empty output", file: "log:\n  output: ''\n", want: []string{"log.output", "want stdout, stderr or a file path"}},
		{name: "bad address", file: "socket:\n  address: tcp://127.0.0.1:9\n", want: []string{"socket.address", "want unix:/path/to/socket"}},
		{name: "bad apisix address", env: map[string]string{"APISIX_LISTEN_ADDRESS": "/tmp/x.sock"}, want: []string{"socket.address", "APISIX_LISTEN_ADDRESS", "want unix:"}},
		{name: "long socket path", sets: []string{"socket.address=unix:/" + strings.Repeat("x", 120)}, want: []string{"socket.address", "at most 107 bytes"}},
		{name: "unquoted mode", file: "socket:\n  mode: 0766\n", want: []string{"socket.mode = 502", "quoted octal string"}},
		{name: "mode not octal", file: "socket:\n  mode: '0789'\n", want: []string{"socket.mode", "not an octal file mode"}},
		{name: "mode without owner write", file: "socket:\n  mode: '0466'\n", want: []string{"socket.mode", "owner's read and write"}},
		{name: "mode too wide", file: "socket:\n  mode: '4777'\n", want: []string{"socket.mode", "from 0600 to 0777"}},
		{name: "expire time zero", env: map[string]string{"APISIX_CONF_EXPIRE_TIME": "0"}, want: []string{"conf.expire_time", "APISIX_CONF_EXPIRE_TIME", "want whole seconds from 1 to"}},
		{name: "expire time not a number", env: map[string]string{"APISIX_CONF_EXPIRE_TIME": "1h"}, want: []string{"conf.expire_time", "not a whole number"}},
		{name: "ttl factor below 1", file: "conf:\n  ttl_factor: 0.9\n", want: []string{"conf.ttl_factor", "from 1 to 10"}},
		{name: "ttl factor a string", file: "conf:\n  ttl_factor: high\n", want: []string{"conf.ttl_factor", `"high" is not a number`}},
		{name: "timeout without unit", file: "plugins:\n  timeout: 5\n", want: []string{"plugins.timeout = 5", "duration with its unit"}},
		{name: "timeout at APISIX's", sets: []string{"plugins.timeout=60s"}, want: []string{"plugins.timeout", "less than 1m0s"}},
		{name: "timeout zero", sets: []string{"plugins.timeout=0s"}, want: []string{"plugins.timeout", "from 1ms"}},
		{name: "bad duration", env: map[string]string{"GO_RUNNER_SCRIPTS_DEBOUNCE": "soon"}, want: []string{"scripts.debounce", "GO_RUNNER_SCRIPTS_DEBOUNCE", "not a duration"}},
		{name: "debounce too long", file: "scripts:\n  debounce: 1m\n", want: []string{"scripts.debounce", "from 0s to 10s"}},
		{name: "watch not a boolean", env: map[string]string{"GO_RUNNER_SCRIPTS_WATCH": "maybe"}, want: []string{"scripts.watch", "not true or false"}},
		{name: "fail_on_load_error a number", file: "scripts:\n  fail_on_load_error: 1\n", want: []string{"scripts.fail_on_load_error", "want true or false"}},
		{name: "read_yield", file: "socket:\n  read_yield: sometimes\n", want: []string{"socket.read_yield", "want one of auto, never, always"}},
		{name: "on_unknown", file: "plugins:\n  on_unknown: ignore\n", want: []string{"plugins.on_unknown", "want one of fail, skip"}},
		{name: "allow not a path", sets: []string{"sandbox.allow=os,../etc"}, want: []string{"sandbox.allow", `"../etc" is not an import path`}},
		{name: "allow not a package", sets: []string{"sandbox.allow=os,github.com/x/y"}, want: []string{"sandbox.allow", `"github.com/x/y" is not a standard library package`}},
		{name: "allow not a list", file: "sandbox:\n  allow:\n    os: true\n", want: []string{"sandbox.allow.os", "unknown key"}, isKey: true},
		{name: "metrics public", file: "metrics:\n  address: 0.0.0.0:9091\n", want: []string{"metrics.address", "loopback host:port"}},
		{name: "metrics no port", sets: []string{"metrics.address=127.0.0.1"}, want: []string{"metrics.address", "loopback"}},
		{name: "etcd endpoint not a URL", env: map[string]string{"GO_RUNNER_SCRIPTS_ETCD_ENDPOINTS": "http://127.0.0.1:2379,etcd:2379"}, want: []string{"scripts.etcd.endpoints", `"etcd:2379" is not an etcd client URL`}},
		{name: "etcd prefix without slashes", sets: []string{"scripts.etcd.prefix=scripts"}, want: []string{"scripts.etcd.prefix", `starts and ends with "/"`}},
		{name: "etcd timeout too long", file: "scripts:\n  etcd:\n    timeout: 2m\n", want: []string{"scripts.etcd.timeout", "from 100ms to 1m0s"}},
		{name: "etcd key without cert", sets: []string{"scripts.etcd.tls.key=k.pem"}, want: []string{"scripts.etcd.tls.key", "both set, or neither"}},
		{name: "etcd unknown tls key", file: "scripts:\n  etcd:\n    tls:\n      verfy: false\n", want: []string{"scripts.etcd.tls.verfy", "did you mean scripts.etcd.tls.verify?"}, isKey: true},
		{name: "bad --set", sets: []string{"log.level"}, want: []string{"--set", "KEY=VALUE"}},
		{name: "not YAML", file: "log: [\n", want: []string{"config.yaml"}},
		{name: "every error at once", file: "log:\n  level: loud\nplugins:\n  on_unknown: x\n  bogus: 1\n", want: []string{"log.level", "plugins.on_unknown", "plugins.bogus"}, isKey: true},
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
			in := configInput{}
			var err error
			for _, s := range c.sets {
				var fs flagSetting
				if fs, err = parseSet(s); err != nil {
					break
				}
				in.flags = append(in.flags, fs)
			}
			if err == nil {
				_, err = loadConfig(in)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrConfig) && !errors.Is(err, ErrUsage) {
				t.Errorf("error is neither ErrConfig nor ErrUsage: %v", err)
			}
			if errors.Is(err, ErrUnknownKey) != c.isKey {
				t.Errorf("errors.Is(err, ErrUnknownKey) = %v, want %v", !c.isKey, c.isKey)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestConfigPrecedence(t *testing.T) {
	const file = "log:\n  level: warn\n  format: json\nsocket:\n  address: unix:/tmp/file.sock\nconf:\n  expire_time: 100\nplugins:\n  timeout: 3s\n"
	cases := []struct {
		name  string
		env   map[string]string
		sets  []flagSetting
		check func(t *testing.T, c *Config)
	}{
		{name: "file over defaults", check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "warn", "config.yaml")
			want(t, c, "log.format", "json", "config.yaml")
			want(t, c, "log.output", "stdout", "default")
			want(t, c, "plugins.timeout", "3s", "config.yaml")
		}},
		{name: "env over file", env: map[string]string{"GO_RUNNER_LOG_LEVEL": "error", "GO_RUNNER_PLUGINS_TIMEOUT": "2s", "GO_RUNNER_SANDBOX_ALLOW": "os, net/url"}, check: func(t *testing.T, c *Config) {
			want(t, c, "log.level", "error", "GO_RUNNER_LOG_LEVEL")
			want(t, c, "plugins.timeout", "2s", "GO_RUNNER_PLUGINS_TIMEOUT")
			want(t, c, "sandbox.allow", "[os net/url]", "GO_RUNNER_SANDBOX_ALLOW")
			want(t, c, "log.format", "json", "config.yaml")
		}},
		{name: "empty env value counts", env: map[string]string{"GO_RUNNER_METRICS_ADDRESS": ""}, check: func(t *testing.T, c *Config) {
			want(t, c, "metrics.address", "", "GO_RUNNER_METRICS_ADDRESS")
		}},
		{name: "APISIX over file and GO_RUNNER", env: map[string]string{
			"GO_RUNNER_SOCKET_ADDRESS": "unix:/tmp/env.sock", "APISIX_LISTEN_ADDRESS": "unix:/tmp/apisix.sock",
			"GO_RUNNER_CONF_EXPIRE_TIME": "50", "APISIX_CONF_EXPIRE_TIME": "10",
		}, check: func(t *testing.T, c *Config) {
			want(t, c, "socket.address", "unix:/tmp/apisix.sock", "APISIX_LISTEN_ADDRESS")
			want(t, c, "conf.expire_time", "10", "APISIX_CONF_EXPIRE_TIME")
			if c.Conf.TTL() != 12*time.Second {
				t.Errorf("conf TTL %s, want 12s (10 s x 1.2)", c.Conf.TTL())
			}
		}},
		{name: "flags over everything", env: map[string]string{"GO_RUNNER_LOG_LEVEL": "error", "APISIX_LISTEN_ADDRESS": "unix:/tmp/apisix.sock"},
			sets: []flagSetting{
				{key: "log.level", value: "info", from: "--set log.level"},
				{key: "log.level", value: "debug", from: "--log-level"},
				{key: "socket.address", value: "unix:/tmp/flag.sock", from: "--set socket.address"},
				{key: "conf.ttl_factor", value: "2", from: "--set conf.ttl_factor"},
			}, check: func(t *testing.T, c *Config) {
				want(t, c, "log.level", "debug", "--log-level")
				want(t, c, "socket.address", "unix:/tmp/flag.sock", "--set socket.address")
				if c.Conf.TTL() != 200*time.Second {
					t.Errorf("conf TTL %s, want 200s (100 s x 2)", c.Conf.TTL())
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := cleanEnv(t)
			writeFile(t, filepath.Join(dir, "config.yaml"), file)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg, err := loadConfig(configInput{flags: c.sets})
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, cfg)
		})
	}
}

// want checks a key's value and that its source contains from.
func want(t *testing.T, c *Config, key, value, from string) {
	t.Helper()
	if got := c.settings()[key]; got != value {
		t.Errorf("%s = %q, want %q", key, got, value)
	}
	if src := c.source(key); !strings.Contains(src, from) {
		t.Errorf("%s comes from %q, want %q", key, src, from)
	}
}

func TestConfigFileLookup(t *testing.T) {
	t.Run("explicit file must exist", func(t *testing.T) {
		cleanEnv(t)
		_, err := loadConfig(configInput{file: "nope.yaml"})
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "nope.yaml") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("explicit file wins over ./config.yaml", func(t *testing.T) {
		dir := cleanEnv(t)
		writeFile(t, filepath.Join(dir, "config.yaml"), "log:\n  level: warn\n")
		other := writeFile(t, filepath.Join(dir, "other.yaml"), "log:\n  level: error\n")
		c, err := loadConfig(configInput{file: "other.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		if c.File != other || c.Log.Level != "error" {
			t.Fatalf("read %s, level %s", c.File, c.Log.Level)
		}
	})
	t.Run("relative paths of the file are relative to it", func(t *testing.T) {
		dir := cleanEnv(t)
		sub := filepath.Join(dir, "etc")
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(sub, "c.yaml"), "scripts:\n  dir: plugins\nlog:\n  output: runner.log\n")
		c, err := loadConfig(configInput{file: "etc/c.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Scripts.Dir != filepath.Join(sub, "plugins") || c.Log.Output != filepath.Join(sub, "runner.log") {
			t.Fatalf("scripts.dir %s, log.output %s; want both under %s", c.Scripts.Dir, c.Log.Output, sub)
		}
		t.Setenv("GO_RUNNER_SCRIPTS_DIR", "mine")
		c, err = loadConfig(configInput{file: "etc/c.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Scripts.Dir != "mine" {
			t.Fatalf("scripts.dir from the environment became %s; want it as given", c.Scripts.Dir)
		}
	})
	t.Run("empty file and empty sections are the defaults", func(t *testing.T) {
		dir := cleanEnv(t)
		writeFile(t, filepath.Join(dir, "config.yaml"), "# nothing but empty sections\nlog:\nmetrics:\n  address:\n")
		c, err := loadConfig(configInput{})
		if err != nil {
			t.Fatal(err)
		}
		got := *c
		got.sources, got.raw, got.File = nil, nil, ""
		if !reflect.DeepEqual(got, defaultConfig()) {
			t.Fatalf("%+v", got)
		}
	})
}

func TestDecodeHook(t *testing.T) {
	cases := []struct {
		name  string
		value string
		set   string
		want  string
	}{
		{"octal mode with 0o", "socket.mode", "0o700", "0700"},
		{"octal mode", "socket.mode", "0660", "0660"},
		{"duration", "scripts.debounce", " 1s ", "1s"},
		{"bool", "scripts.watch", "false", "false"},
		{"float", "conf.ttl_factor", "1.5", "1.5"},
		{"list", "sandbox.allow", "os,,os/exec ", "[os os/exec]"},
		{"empty list", "sandbox.allow", "", "[]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cleanEnv(t)
			cfg, err := loadConfig(configInput{flags: []flagSetting{{key: c.value, value: c.set, from: "--set"}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.settings()[c.value]; got != c.want {
				t.Fatalf("%s=%q decoded as %q, want %q", c.value, c.set, got, c.want)
			}
		})
	}
}

// TestEtcdPasswordRedacted: settings, which a config edit logs, never hold
// the etcd password, yet tell two passwords apart.
func TestEtcdPasswordRedacted(t *testing.T) {
	sums := map[string]bool{}
	for _, pw := range []string{"hunter2", "hunter3"} {
		c, err := loadConfig(configInput{flags: []flagSetting{{key: "scripts.etcd.password", value: pw, from: "--set"}}})
		if err != nil {
			t.Fatal(err)
		}
		got := c.settings()["scripts.etcd.password"]
		if strings.Contains(got, pw) || got == "" {
			t.Fatalf("settings show the password as %q", got)
		}
		sums[got] = true
	}
	if len(sums) != 2 {
		t.Fatal("two passwords look the same in settings: an edit would go unnoticed")
	}
}
