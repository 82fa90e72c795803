package main

import (
	"crypto/sha256"
	_ "embed"
	"fmt"
	"os"
	"time"

	"github.com/go-runner/go-runner/fleet"
	"github.com/go-runner/go-runner/interp"
	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/supervisor"
)

// defaultConfigYAML is config.yaml as shipped: the documentation of every
// setting and, read at start-up, the defaults. TestEmbeddedDefaults checks
// that it agrees with the constants below.
//
//go:embed config.yaml
var defaultConfigYAML []byte

// defaultConfigFile is looked up in the working directory when --config is
// not given.
const defaultConfigFile = "config.yaml"

// envPrefix prefixes the environment variable of every key:
// log.level is GO_RUNNER_LOG_LEVEL.
const envPrefix = "GO_RUNNER_"

// Defaults of the settings, as documented in config.yaml.
const (
	DefaultSocketAddress   = protocol.DefaultAddress
	DefaultSocketMode      = "0766"
	DefaultReadYield       = "auto"
	DefaultConfExpireTime  = 3600
	DefaultConfTTLFactor   = 1.2
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "console"
	DefaultLogOutput       = "stdout"
	DefaultLogUnitRate     = interp.DefaultLogRate
	DefaultLogUnitLine     = interp.DefaultLogLineBytes
	DefaultScriptsDir      = "./scripts"
	DefaultScriptsWatch    = true
	DefaultScriptsDebounce = 200 * time.Millisecond
	DefaultFailOnLoadError = false
	DefaultEtcdPrefix      = fleet.DefaultPrefix
	DefaultEtcdTimeout     = 3 * time.Second
	DefaultEtcdTLSVerify   = true
	DefaultPluginTimeout   = protocol.DefaultPluginTimeout
	DefaultOnUnknown       = "fail"
	DefaultMaxBodyBytes    = protocol.DefaultMaxBodyBytes
	DefaultMaxConcurrent   = 0 // GOMAXPROCS - 1, at least 1 (interp.DefaultMaxConcurrent)
	DefaultMetricsAddress  = ""

	DefaultWorkerMemoryLimitMB    = 0 // a quarter of the machine's or the cgroup's memory
	DefaultWorkerMaxStuckCalls    = supervisor.DefaultMaxStuck
	DefaultWorkerQuarantineAfter  = supervisor.DefaultQuarantineAfter
	DefaultWorkerQuarantineWindow = supervisor.DefaultQuarantineWindow
	DefaultWorkerSupervised       = true
)

// Limits of the settings.
const (
	MaxExpireTime     = 10 * 365 * 24 * 3600 // seconds, as protocol.ParseExpireTime
	MinTTLFactor      = 1.0
	MaxTTLFactor      = 10.0
	MaxDebounce       = 10 * time.Second
	MinEtcdTimeout    = 100 * time.Millisecond
	MaxEtcdTimeout    = 60 * time.Second
	MinPluginTimeout  = time.Millisecond
	MaxPluginTimeout  = 60 * time.Second    // exclusive: APISIX's read timeout
	MaxMaxBodyBytes   = protocol.MaxBodyLen // a reply past the frame limit is an error anyway
	MaxLogUnitRate    = 1_000_000
	MinLogUnitLine    = 64
	MaxLogUnitLine    = 1 << 20
	MinMemoryLimitMB  = 64
	MaxStuckCalls     = 1 << 16
	MaxConcurrent     = 1 << 16
	MaxQuarantineN    = 100
	maxSocketPathLen  = 107
	socketModeMaxBits = os.FileMode(0o777)
)

// Allowed values of the enumerated settings.
var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"console", "json"}
	onUnknowns = []string{"fail", "skip"}
	readYields = []string{"auto", "never", "always"} // protocol.ParseReadYield
)

// Config is the runner's configuration, decoded from config.yaml, the
// environment and flags.
type Config struct {
	Socket  SocketConfig  `mapstructure:"socket"`
	Conf    ConfConfig    `mapstructure:"conf"`
	Log     LogConfig     `mapstructure:"log"`
	Scripts ScriptsConfig `mapstructure:"scripts"`
	Plugins PluginsConfig `mapstructure:"plugins"`
	Sandbox SandboxConfig `mapstructure:"sandbox"`
	Metrics MetricsConfig `mapstructure:"metrics"`
	Worker  WorkerConfig  `mapstructure:"worker"`

	// File is the config file read; "" when running on the embedded
	// defaults.
	File string `mapstructure:"-"`
	// sources says where each key's value came from, and raw what it was
	// there, for messages.
	sources map[string]string
	raw     map[string]any
}

// SocketConfig is where APISIX reaches the runner.
type SocketConfig struct {
	Address string     `mapstructure:"address"`
	Mode    socketMode `mapstructure:"mode"`
	// ReadYield is protocol.ReadYield by name.
	ReadYield string `mapstructure:"read_yield"`
}

// socketMode is a file mode written as a quoted octal string ("0766").
type socketMode os.FileMode

func (m socketMode) String() string { return fmt.Sprintf("%04o", uint32(m)) }

// ConfConfig is how long prepared confs live.
type ConfConfig struct {
	ExpireTime int     `mapstructure:"expire_time"`
	TTLFactor  float64 `mapstructure:"ttl_factor"`
}

// TTL is how long the runner keeps a prepared conf.
func (c ConfConfig) TTL() time.Duration {
	return time.Duration(float64(time.Duration(c.ExpireTime)*time.Second) * c.TTLFactor)
}

// LogConfig is where and how the runner logs.
type LogConfig struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
	Output string `mapstructure:"output"`
	// UnitRate and UnitLineBytes bound each script unit's log lines.
	UnitRate      int `mapstructure:"unit_lines_per_second"`
	UnitLineBytes int `mapstructure:"unit_line_bytes"`
}

// ScriptsConfig is where the script plugins are and how they reload.
type ScriptsConfig struct {
	Dir             string        `mapstructure:"dir"`
	Watch           bool          `mapstructure:"watch"`
	Debounce        time.Duration `mapstructure:"debounce"`
	FailOnLoadError bool          `mapstructure:"fail_on_load_error"`
	Etcd            EtcdConfig    `mapstructure:"etcd"`
}

// EtcdConfig is where the scripts are kept for a fleet (package fleet).
type EtcdConfig struct {
	Endpoints []string      `mapstructure:"endpoints"`
	Prefix    string        `mapstructure:"prefix"`
	Timeout   time.Duration `mapstructure:"timeout"`
	User      string        `mapstructure:"user"`
	Password  string        `mapstructure:"password"`
	Cache     string        `mapstructure:"cache"`
	TLS       EtcdTLSConfig `mapstructure:"tls"`
}

// EtcdTLSConfig is the TLS of the etcd connection.
type EtcdTLSConfig struct {
	Cert   string `mapstructure:"cert"`
	Key    string `mapstructure:"key"`
	CA     string `mapstructure:"ca"`
	Verify bool   `mapstructure:"verify"`
}

// On reports whether the scripts come from etcd.
func (e EtcdConfig) On() bool { return len(e.Endpoints) > 0 }

// options are the fleet package's settings.
func (e EtcdConfig) options() fleet.Options {
	return fleet.Options{Endpoints: e.Endpoints, Prefix: e.Prefix, Timeout: e.Timeout, User: e.User, Password: e.Password,
		Cert: e.TLS.Cert, Key: e.TLS.Key, CA: e.TLS.CA, Verify: e.TLS.Verify}
}

// PluginsConfig bounds plugin calls.
type PluginsConfig struct {
	Timeout      time.Duration `mapstructure:"timeout"`
	OnUnknown    string        `mapstructure:"on_unknown"`
	MaxBodyBytes int           `mapstructure:"max_body_bytes"`
	// MaxConcurrent bounds the calls of one unit running at once; 0:
	// GOMAXPROCS - 1, at least 1.
	MaxConcurrent int `mapstructure:"max_concurrent_per_unit"`
}

// SandboxConfig widens the imports scripts may use.
type SandboxConfig struct {
	Allow []string `mapstructure:"allow"`
}

// MetricsConfig is the Prometheus endpoint.
type MetricsConfig struct {
	Address string `mapstructure:"address"`
}

// WorkerConfig is the process model: the supervisor and its worker.
type WorkerConfig struct {
	Supervised       bool          `mapstructure:"supervised"`
	MemoryLimitMB    int           `mapstructure:"memory_limit_mb"`
	MaxStuckCalls    int           `mapstructure:"max_stuck_calls"`
	QuarantineAfter  int           `mapstructure:"quarantine_after"`
	QuarantineWindow time.Duration `mapstructure:"quarantine_window"`
}

// defaultConfig is the configuration of the constants above.
func defaultConfig() Config {
	return Config{
		Socket: SocketConfig{Address: DefaultSocketAddress, Mode: 0o766, ReadYield: DefaultReadYield},
		Conf:   ConfConfig{ExpireTime: DefaultConfExpireTime, TTLFactor: DefaultConfTTLFactor},
		Log: LogConfig{Level: DefaultLogLevel, Format: DefaultLogFormat, Output: DefaultLogOutput,
			UnitRate: DefaultLogUnitRate, UnitLineBytes: DefaultLogUnitLine},
		Scripts: ScriptsConfig{Dir: DefaultScriptsDir, Watch: DefaultScriptsWatch, Debounce: DefaultScriptsDebounce, FailOnLoadError: DefaultFailOnLoadError,
			Etcd: EtcdConfig{Endpoints: []string{}, Prefix: DefaultEtcdPrefix, Timeout: DefaultEtcdTimeout,
				TLS: EtcdTLSConfig{Verify: DefaultEtcdTLSVerify}}},
		Plugins: PluginsConfig{Timeout: DefaultPluginTimeout, OnUnknown: DefaultOnUnknown, MaxBodyBytes: DefaultMaxBodyBytes,
			MaxConcurrent: DefaultMaxConcurrent},
		Sandbox: SandboxConfig{Allow: []string{}},
		Metrics: MetricsConfig{Address: DefaultMetricsAddress},
		Worker: WorkerConfig{Supervised: DefaultWorkerSupervised, MemoryLimitMB: DefaultWorkerMemoryLimitMB, MaxStuckCalls: DefaultWorkerMaxStuckCalls,
			QuarantineAfter: DefaultWorkerQuarantineAfter, QuarantineWindow: DefaultWorkerQuarantineWindow},
	}
}

// settings flattens c into its keys, e.g. "log.level"; every key of
// config.yaml appears (TestSettingsCoverEveryKey). Values are comparable
// strings, for telling what a config edit changed.
func (c *Config) settings() map[string]string {
	return map[string]string{
		"socket.address":                  c.Socket.Address,
		"socket.mode":                     c.Socket.Mode.String(),
		"socket.read_yield":               c.Socket.ReadYield,
		"conf.expire_time":                fmt.Sprint(c.Conf.ExpireTime),
		"conf.ttl_factor":                 fmt.Sprint(c.Conf.TTLFactor),
		"log.level":                       c.Log.Level,
		"log.format":                      c.Log.Format,
		"log.output":                      c.Log.Output,
		"log.unit_lines_per_second":       fmt.Sprint(c.Log.UnitRate),
		"log.unit_line_bytes":             fmt.Sprint(c.Log.UnitLineBytes),
		"scripts.dir":                     c.Scripts.Dir,
		"scripts.watch":                   fmt.Sprint(c.Scripts.Watch),
		"scripts.debounce":                c.Scripts.Debounce.String(),
		"scripts.fail_on_load_error":      fmt.Sprint(c.Scripts.FailOnLoadError),
		"scripts.etcd.endpoints":          fmt.Sprint(c.Scripts.Etcd.Endpoints),
		"scripts.etcd.prefix":             c.Scripts.Etcd.Prefix,
		"scripts.etcd.timeout":            c.Scripts.Etcd.Timeout.String(),
		"scripts.etcd.user":               c.Scripts.Etcd.User,
		"scripts.etcd.password":           redacted(c.Scripts.Etcd.Password),
		"scripts.etcd.cache":              c.Scripts.Etcd.Cache,
		"scripts.etcd.tls.cert":           c.Scripts.Etcd.TLS.Cert,
		"scripts.etcd.tls.key":            c.Scripts.Etcd.TLS.Key,
		"scripts.etcd.tls.ca":             c.Scripts.Etcd.TLS.CA,
		"scripts.etcd.tls.verify":         fmt.Sprint(c.Scripts.Etcd.TLS.Verify),
		"plugins.timeout":                 c.Plugins.Timeout.String(),
		"plugins.on_unknown":              c.Plugins.OnUnknown,
		"plugins.max_body_bytes":          fmt.Sprint(c.Plugins.MaxBodyBytes),
		"plugins.max_concurrent_per_unit": fmt.Sprint(c.Plugins.MaxConcurrent),
		"sandbox.allow":                   fmt.Sprint(c.Sandbox.Allow),
		"metrics.address":                 c.Metrics.Address,
		"worker.supervised":               fmt.Sprint(c.Worker.Supervised),
		"worker.memory_limit_mb":          fmt.Sprint(c.Worker.MemoryLimitMB),
		"worker.max_stuck_calls":          fmt.Sprint(c.Worker.MaxStuckCalls),
		"worker.quarantine_after":         fmt.Sprint(c.Worker.QuarantineAfter),
		"worker.quarantine_window":        c.Worker.QuarantineWindow.String(),
	}
}

// liveKeys are the settings a config edit changes while the runner runs.
var liveKeys = map[string]bool{"log.level": true}

// source says where key's value came from: "default", the config file,
// an environment variable or a flag.
func (c *Config) source(key string) string {
	if s, ok := c.sources[key]; ok {
		return s
	}
	return "default"
}

// skipUnknown reports whether unknown plugins are skipped (protocol.Config.SkipUnknown).
func (c *Config) skipUnknown() bool { return c.Plugins.OnUnknown == "skip" }

// redacted stands for a secret in settings, which may be logged: a short
// hash tells an edit without showing the value.
func redacted(secret string) string {
	if secret == "" {
		return ""
	}
	h := sha256.Sum256([]byte(secret))
	return fmt.Sprintf("(redacted %x)", h[:4])
}
