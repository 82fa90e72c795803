package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"

	"github.com/go-runner/go-runner/bridge"
	"github.com/go-runner/go-runner/internal/suggest"
	"github.com/go-runner/go-runner/protocol"
	"github.com/go-runner/go-runner/protocol/metrics"
)

// configError is a value a key does not allow.
type configError struct {
	key    string
	value  any
	source string // "default", the config file, a variable or a flag
	msg    string // what the key allows
}

func (e *configError) Error() string {
	v := fmt.Sprint(e.value)
	if s, ok := e.value.(string); ok {
		v = strconv.Quote(s)
	}
	return fmt.Sprintf("config: %s = %s (from %s): %s", e.key, v, e.source, e.msg)
}

func (e *configError) Is(target error) bool { return target == ErrConfig }

// unknownKeyError is a key no setting has.
type unknownKeyError struct {
	key, source, hint string
}

func (e *unknownKeyError) Error() string {
	return fmt.Sprintf("config: %s (from %s): %s; %s", e.key, e.source, ErrUnknownKey, e.hint)
}

func (e *unknownKeyError) Is(target error) bool {
	return target == ErrConfig || target == ErrUnknownKey
}

// unknownKey explains key, which no setting has: a section given a value,
// a near miss of a known key, or the keys of its section.
func unknownKey(ks *keySet, key, source string) error {
	sections, inSection := sectionsOf(ks), []string{}
	sec, _, _ := strings.Cut(key, ".")
	for _, k := range ks.list {
		if s, name, _ := strings.Cut(k, "."); s == sec {
			inSection = append(inSection, name)
		}
	}
	hint := ""
	switch {
	case len(inSection) > 0 && key == sec:
		hint = fmt.Sprintf("%s is a section; its keys are %s.{%s}", sec, sec, strings.Join(inSection, ","))
	case closest(ks.list, key) != "":
		hint = fmt.Sprintf("did you mean %s?", closest(ks.list, key))
	case len(inSection) > 0:
		hint = fmt.Sprintf("the keys of %s are %s", sec, strings.Join(inSection, ", "))
	default:
		hint = fmt.Sprintf("the sections are %s (see config.yaml)", strings.Join(sections, ", "))
	}
	return &unknownKeyError{key: key, source: source, hint: hint}
}

// unknownEnv explains a GO_RUNNER_ variable that names no key.
func unknownEnv(ks *keySet, name string) error {
	names := make([]string, len(ks.list))
	for i, k := range ks.list {
		names[i] = envName(k)
	}
	hint := "the variables are " + envPrefix + "<SECTION>_<KEY> for the keys of config.yaml"
	if c := closest(names, name); c != "" {
		hint = "did you mean " + c + "?"
	}
	return &unknownKeyError{key: name, source: "environment", hint: hint}
}

func sectionsOf(ks *keySet) []string {
	var out []string
	for _, k := range ks.list {
		if s, _, _ := strings.Cut(k, "."); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// closest returns the candidate within edit distance 2 of s (3 for long
// names), or "".
func closest(candidates []string, s string) string {
	within := 2
	if len(s) > 12 {
		within = 3
	}
	return suggest.Closest(candidates, s, within)
}

// decodeErrors turns mapstructure's errors into one configError per key.
func (c *Config) decodeErrors(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		de, ok := e.(*mapstructure.DecodeError)
		if !ok {
			switch u := e.(type) {
			case interface{ Unwrap() []error }:
				for _, x := range u.Unwrap() {
					walk(x)
				}
			case interface{ Unwrap() error }:
				walk(u.Unwrap())
			default:
				out = append(out, fmt.Errorf("config: %w: %w", ErrConfig, e))
			}
			return
		}
		inner := de.Unwrap()
		var nested *mapstructure.DecodeError
		if errors.As(inner, &nested) {
			walk(inner)
			return
		}
		key, _, _ := strings.Cut(de.Name(), "[")
		out = append(out, &configError{
			key:    key,
			value:  c.raw[key],
			source: c.source(key),
			msg:    decodeMessage(inner),
		})
	}
	walk(err)
	return out
}

func decodeMessage(err error) string {
	var he *hookError
	if errors.As(err, &he) {
		return he.msg
	}
	var ut *mapstructure.UnconvertibleTypeError
	if errors.As(err, &ut) {
		return fmt.Sprintf("want %s, got %v", kindName(ut.Expected.Type()), ut.Value)
	}
	return err.Error()
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a section of keys"
	}
	return t.String()
}

// importPath matches an import path: slash-separated elements of letters,
// digits and ._-~, none of them "." or "..".
var importPath = regexp.MustCompile(`^[A-Za-z0-9_\-~]+(\.[A-Za-z0-9_\-~]+)*(/[A-Za-z0-9_\-~]+(\.[A-Za-z0-9_\-~]+)*)*$`)

// validate checks every value against what its key allows.
func (c *Config) validate() []error {
	var errs []error
	vals := c.settings()
	bad := func(key, format string, args ...any) {
		var v any = vals[key]
		if r, ok := c.raw[key]; ok {
			v = r // as written
		}
		errs = append(errs, &configError{key: key, value: v, source: c.source(key), msg: fmt.Sprintf(format, args...)})
	}
	oneOf := func(key, v string, allowed []string) {
		if !slices.Contains(allowed, v) {
			bad(key, "want one of %s", strings.Join(allowed, ", "))
		}
	}

	if _, err := protocol.ParseAddress(c.Socket.Address); err != nil {
		bad("socket.address", "want unix:/path/to/socket, a path of at most %d bytes", maxSocketPathLen)
	}
	if m := os.FileMode(c.Socket.Mode); m&^socketModeMaxBits != 0 || m&0o600 != 0o600 {
		bad("socket.mode", "want permission bits from 0600 to 0777 with the owner's read and write (0600 bits) set")
	}
	if c.Conf.ExpireTime < 1 || c.Conf.ExpireTime > MaxExpireTime {
		bad("conf.expire_time", "want whole seconds from 1 to %d", MaxExpireTime)
	}
	if !(c.Conf.TTLFactor >= MinTTLFactor && c.Conf.TTLFactor <= MaxTTLFactor) {
		bad("conf.ttl_factor", "want a number from %g to %g: the runner must keep confs at least as long as APISIX", MinTTLFactor, MaxTTLFactor)
	}
	oneOf("log.level", c.Log.Level, logLevels)
	oneOf("log.format", c.Log.Format, logFormats)
	if strings.TrimSpace(c.Log.Output) == "" {
		bad("log.output", "want stdout, stderr or a file path")
	}
	if c.Log.UnitRate < 1 || c.Log.UnitRate > MaxLogUnitRate {
		bad("log.unit_lines_per_second", "want a number of lines from 1 to %d", MaxLogUnitRate)
	}
	if c.Log.UnitLineBytes < MinLogUnitLine || c.Log.UnitLineBytes > MaxLogUnitLine {
		bad("log.unit_line_bytes", "want a number of bytes from %d to %d", MinLogUnitLine, MaxLogUnitLine)
	}
	if strings.TrimSpace(c.Scripts.Dir) == "" {
		bad("scripts.dir", "want the path of the scripts directory")
	}
	if c.Scripts.Debounce < 0 || c.Scripts.Debounce > MaxDebounce {
		bad("scripts.debounce", "want a duration from 0s to %s", MaxDebounce)
	}
	c.validateEtcd(bad)
	if c.Plugins.Timeout < MinPluginTimeout || c.Plugins.Timeout >= MaxPluginTimeout {
		bad("plugins.timeout", "want a duration from %s to less than %s (APISIX waits %s for a reply)", MinPluginTimeout, MaxPluginTimeout, MaxPluginTimeout)
	}
	oneOf("plugins.on_unknown", c.Plugins.OnUnknown, onUnknowns)
	oneOf("socket.read_yield", c.Socket.ReadYield, readYields)
	if c.Plugins.MaxBodyBytes < 1 || c.Plugins.MaxBodyBytes > MaxMaxBodyBytes {
		bad("plugins.max_body_bytes", "want a number of bytes from 1 to %d (a reply must fit one frame)", MaxMaxBodyBytes)
	}
	if c.Plugins.MaxConcurrent < 0 || c.Plugins.MaxConcurrent > MaxConcurrent {
		bad("plugins.max_concurrent_per_unit", "want a whole number from 0 (GOMAXPROCS - 1) to %d", MaxConcurrent)
	}
	for _, p := range c.Sandbox.Allow {
		switch {
		case !importPath.MatchString(p):
			bad("sandbox.allow", "%q is not an import path such as os or net/http", p)
		case bridge.CheckAllow([]string{p}) != nil:
			bad("sandbox.allow", "%q is not a standard library package the interpreter can provide to scripts", p)
		}
	}
	if c.Metrics.Address != "" {
		if err := metrics.CheckAddress(c.Metrics.Address); err != nil {
			bad("metrics.address", "want \"\" (off) or a loopback host:port such as 127.0.0.1:9091")
		}
	}
	if c.Worker.MemoryLimitMB != 0 && c.Worker.MemoryLimitMB < MinMemoryLimitMB {
		bad("worker.memory_limit_mb", "want 0 (a quarter of the machine's or cgroup's memory) or at least %d", MinMemoryLimitMB)
	}
	if c.Worker.MaxStuckCalls < 1 || c.Worker.MaxStuckCalls > MaxStuckCalls {
		bad("worker.max_stuck_calls", "want a whole number from 1 to %d", MaxStuckCalls)
	}
	if c.Worker.QuarantineAfter < 1 || c.Worker.QuarantineAfter > MaxQuarantineN {
		bad("worker.quarantine_after", "want a whole number from 1 to %d", MaxQuarantineN)
	}
	if c.Worker.QuarantineWindow < time.Second {
		bad("worker.quarantine_window", "want a duration of 1s or more")
	}
	return errs
}

// validateEtcd checks scripts.etcd.*.
func (c *Config) validateEtcd(bad func(key, format string, args ...any)) {
	e := c.Scripts.Etcd
	for _, ep := range e.Endpoints {
		if u, err := url.Parse(ep); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("scripts.etcd.endpoints", "%q is not an etcd client URL such as http://127.0.0.1:2379", ep)
		}
	}
	if !strings.HasPrefix(e.Prefix, "/") || !strings.HasSuffix(e.Prefix, "/") || len(e.Prefix) < 2 {
		bad("scripts.etcd.prefix", "want a key prefix that starts and ends with \"/\", such as %s", DefaultEtcdPrefix)
	}
	if e.Timeout < MinEtcdTimeout || e.Timeout > MaxEtcdTimeout {
		bad("scripts.etcd.timeout", "want a duration from %s to %s", MinEtcdTimeout, MaxEtcdTimeout)
	}
	if (e.TLS.Cert == "") != (e.TLS.Key == "") {
		bad("scripts.etcd.tls.key", "want scripts.etcd.tls.cert and scripts.etcd.tls.key both set, or neither")
	}
}
