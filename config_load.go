package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/go-runner/go-runner/protocol"
)

// flagSetting is a setting given on the command line, e.g. --log-level
// debug is {key: "log.level", value: "debug", from: "--log-level"}.
type flagSetting struct {
	key, value, from string
}

// configInput is what loadConfig reads besides the defaults and the
// environment.
type configInput struct {
	// file is --config; "" looks for ./config.yaml and runs on the
	// embedded defaults when there is none.
	file string
	// flags win over every other source; later entries win over earlier.
	flags []flagSetting
	// mode is --mode: its settings win over the built-in defaults only.
	mode runMode
}

// parseSet turns a --set argument KEY=VALUE into a flag setting.
func parseSet(arg string) (flagSetting, error) {
	k, v, ok := strings.Cut(arg, "=")
	k = strings.ToLower(strings.TrimSpace(k))
	if !ok || k == "" {
		return flagSetting{}, fmt.Errorf("config: --set %q: %w: want KEY=VALUE, e.g. --set log.level=debug", arg, ErrUsage)
	}
	return flagSetting{key: k, value: v, from: "--set " + k}, nil
}

// keySet is the keys config.yaml documents, with their default values.
type keySet struct {
	list     []string // sorted
	defaults map[string]any
}

func (ks *keySet) has(k string) bool { _, ok := ks.defaults[k]; return ok }

// isSection reports whether s is the section of some key ("log").
func (ks *keySet) isSection(s string) bool {
	for _, k := range ks.list {
		if strings.HasPrefix(k, s+".") {
			return true
		}
	}
	return false
}

// knownKeys reads the keys and defaults of the embedded config.yaml.
var knownKeys = sync.OnceValues(func() (*keySet, error) {
	dv := viper.New()
	dv.SetConfigType("yaml")
	if err := dv.ReadConfig(bytes.NewReader(defaultConfigYAML)); err != nil {
		return nil, fmt.Errorf("config: embedded config.yaml: %w", err)
	}
	ks := &keySet{list: dv.AllKeys(), defaults: map[string]any{}}
	slices.Sort(ks.list)
	for _, k := range ks.list {
		ks.defaults[k] = dv.Get(k)
	}
	return ks, nil
})

// envName is the environment variable of key: GO_RUNNER_LOG_LEVEL for
// log.level.
func envName(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// findConfigFile returns the config file to read: flag when given (it
// must exist), else ./config.yaml when present, else "".
func findConfigFile(flag string) (string, error) {
	if flag != "" {
		fi, err := os.Stat(flag)
		if err != nil {
			return "", fmt.Errorf("config: --config %s: %w: %w", flag, ErrConfig, err)
		}
		if fi.IsDir() {
			return "", fmt.Errorf("config: --config %s: %w: is a directory", flag, ErrConfig)
		}
		return filepath.Abs(flag)
	}
	fi, err := os.Stat(defaultConfigFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("config: %s: %w: %w", defaultConfigFile, ErrConfig, err)
	case fi.IsDir():
		return "", fmt.Errorf("config: %s: %w: is a directory", defaultConfigFile, ErrConfig)
	}
	return filepath.Abs(defaultConfigFile)
}

// loadConfig reads the configuration: embedded defaults, then the mode's
// (--mode prod), then the config file, then GO_RUNNER_* variables, then APISIX_LISTEN_ADDRESS and
// APISIX_CONF_EXPIRE_TIME, then flags. Every problem is reported, each
// naming its key, where the value came from and what the key allows.
func loadConfig(in configInput) (*Config, error) {
	ks, err := knownKeys()
	if err != nil {
		return nil, err
	}
	v := viper.New()
	for _, k := range ks.list {
		v.SetDefault(k, ks.defaults[k])
	}
	sources := map[string]string{}
	var errs []error
	for _, m := range in.mode.settings() {
		v.SetDefault(m.key, m.value)
		sources[m.key] = m.from
	}

	file, err := findConfigFile(in.file)
	if err != nil {
		return nil, err
	}
	if file != "" {
		fv := viper.New()
		fv.SetConfigFile(file)
		fv.SetConfigType("yaml")
		if err := fv.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config: %s: %w: %w", file, ErrConfig, err)
		}
		for _, k := range fv.AllKeys() {
			if !ks.has(k) && fv.Get(k) == nil && ks.isSection(k) {
				continue // an empty section ("log:" alone)
			}
			if !ks.has(k) {
				errs = append(errs, unknownKey(ks, k, file))
				continue
			}
			sources[k] = file
		}
		if err := v.MergeConfigMap(fv.AllSettings()); err != nil {
			return nil, fmt.Errorf("config: %s: %w: %w", file, ErrConfig, err)
		}
	}

	v.AllowEmptyEnv(true)
	for _, k := range ks.list {
		name := envName(k)
		if err := v.BindEnv(k, name); err != nil {
			return nil, fmt.Errorf("config: bind %s: %w", name, err)
		}
		if _, ok := os.LookupEnv(name); ok {
			sources[k] = name
		}
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if rest, ok := strings.CutPrefix(name, envPrefix); ok {
			if key := envKey(ks, rest); key == "" {
				errs = append(errs, unknownEnv(ks, name))
			}
		}
	}

	if a, ok := os.LookupEnv(protocol.EnvListenAddress); ok {
		v.Set("socket.address", a)
		sources["socket.address"] = protocol.EnvListenAddress
	}
	if e, ok := os.LookupEnv(protocol.EnvConfExpireTime); ok {
		v.Set("conf.expire_time", e)
		sources["conf.expire_time"] = protocol.EnvConfExpireTime
	}

	for _, f := range in.flags {
		if !ks.has(f.key) {
			errs = append(errs, unknownKey(ks, f.key, f.from))
			continue
		}
		v.Set(f.key, f.value)
		sources[f.key] = f.from
	}
	// Unknown keys are dropped so that the known ones are still decoded
	// and checked: every problem is reported at once.
	c := &Config{File: file, sources: sources, raw: map[string]any{}}
	settings := map[string]any{}
	for _, k := range ks.list {
		c.raw[k] = v.Get(k)
		setPath(settings, k, c.raw[k])
	}
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           c,
		ErrorUnused:      true,
		WeaklyTypedInput: false,
		DecodeHook:       decodeHook,
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	reported := map[string]bool{}
	if err := dec.Decode(settings); err != nil {
		for _, e := range c.decodeErrors(err) {
			if ce, ok := e.(*configError); ok {
				reported[ce.key] = true
			}
			errs = append(errs, e)
		}
	}
	c.resolvePaths()
	for _, e := range c.validate() {
		if ce, ok := e.(*configError); !ok || !reported[ce.key] {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// setPath sets m[a][b] = val for the key "a.b".
func setPath(m map[string]any, key string, val any) {
	sec, name, ok := strings.Cut(key, ".")
	if !ok {
		m[key] = val
		return
	}
	sub, _ := m[sec].(map[string]any)
	if sub == nil {
		sub = map[string]any{}
		m[sec] = sub
	}
	setPath(sub, name, val)
}

// envKey returns the key whose variable is GO_RUNNER_<rest>, or "".
func envKey(ks *keySet, rest string) string {
	for _, k := range ks.list {
		if envName(k) == envPrefix+rest {
			return k
		}
	}
	return ""
}

// resolvePaths makes the relative paths of the config file relative to
// its directory.
func (c *Config) resolvePaths() {
	if c.File == "" {
		return
	}
	dir := filepath.Dir(c.File)
	fix := func(key string, p *string) {
		if c.source(key) == c.File && *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	fix("scripts.dir", &c.Scripts.Dir)
	fix("scripts.etcd.cache", &c.Scripts.Etcd.Cache)
	fix("scripts.etcd.tls.cert", &c.Scripts.Etcd.TLS.Cert)
	fix("scripts.etcd.tls.key", &c.Scripts.Etcd.TLS.Key)
	fix("scripts.etcd.tls.ca", &c.Scripts.Etcd.TLS.CA)
	if c.Log.Output != "stdout" && c.Log.Output != "stderr" {
		fix("log.output", &c.Log.Output)
	}
}

// hookError is a value a decode hook cannot convert; mapstructure names
// its key.
type hookError struct{ msg string }

func (e *hookError) Error() string { return e.msg }

var (
	durationType   = reflect.TypeFor[time.Duration]()
	socketModeType = reflect.TypeFor[socketMode]()
)

// decodeHook converts what YAML, environment variables and flags give into
// the settings' types, strictly: a duration must carry its unit, a mode
// must be a quoted octal string, and strings (from the environment and
// flags) become booleans, numbers and lists only when they spell one.
func decodeHook(from, to reflect.Type, data any) (any, error) {
	s, isString := data.(string)
	switch {
	case to == socketModeType:
		if !isString {
			return nil, &hookError{fmt.Sprintf("write the mode as a quoted octal string such as %q (YAML reads an unquoted 0766 as the number 502)", DefaultSocketMode)}
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(s), "0o"), 8, 32)
		if err != nil {
			return nil, &hookError{fmt.Sprintf("%q is not an octal file mode such as %q", s, DefaultSocketMode)}
		}
		return socketMode(n), nil
	case to == durationType:
		if !isString {
			return nil, &hookError{"write a duration with its unit, such as 200ms or 5s"}
		}
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return nil, &hookError{fmt.Sprintf("%q is not a duration such as 200ms or 5s", s)}
		}
		return d, nil
	case !isString:
		return data, nil
	}
	switch to.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, &hookError{fmt.Sprintf("%q is not true or false", s)}
		}
		return b, nil
	case reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, &hookError{fmt.Sprintf("%q is not a whole number", s)}
		}
		return n, nil
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, &hookError{fmt.Sprintf("%q is not a number", s)}
		}
		return f, nil
	case reflect.Slice:
		if to.Elem().Kind() != reflect.String {
			return data, nil
		}
		out := []string{}
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out, nil
	}
	return data, nil
}
