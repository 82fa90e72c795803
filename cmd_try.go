package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	A6 "github.com/api7/ext-plugin-proto/go/A6"
	"github.com/spf13/cobra"

	"github.com/go-runner/go-runner/protocol/client"
)

type tryFlags struct {
	configFlags
	scripts string

	conf  string
	phase string

	method  string
	path    string
	srcIP   string
	headers []string
	args    []string
	body    string
	vars    []string

	status      int
	respHeaders []string
	respBody    string

	repeat      int
	concurrency int
	socket      string
}

func newTryCmd(stdout, stderr io.Writer) *cobra.Command {
	var f tryFlags
	c := &cobra.Command{
		Use:   "try --conf JSON [flags]",
		Short: "Run a plugin chain on a request described by flags and print APISIX's reply as JSON",
		Long: `Run a plugin chain without APISIX: the runner is started in the process on a
temporary unix socket and called exactly as APISIX calls it (PrepareConf,
then HTTPReqCall or HTTPRespCall, answering the plugins' questions for
variables and bodies from --var, --body and --resp-body). With --socket,
the runner already serving at PATH is called instead, as APISIX would.

The reply is printed on standard output as JSON: for the request phase the
action (stop, rewrite or none) with its fields, and what the upstream would
receive after a rewrite; for the response phase the reply and what the
HTTP client would receive. An error reply is printed as {"action":"error"}
with its code and reason, and the exit status is 1. A plugin with no
filter of its own for the phase is warned about. Logs go to standard error.

--repeat N makes N calls on the same route (one conf, so a rate limiter
counts them all), --concurrency C makes them on C connections at once; the
output then lists every call and counts them by outcome.

Example:
  go-runner try --conf '[{"name":"say","value":"{\"body\":\"hi\"}"}]' \
      --method POST --path /login --header 'x-user=ann' --arg debug
  go-runner try --phase response --conf '[{"name":"resp-header","value":"{\"set\":{\"X-A\":\"1\"}}"}]' \
      --status 502 --resp-header content-type=text/plain --resp-body oops
  go-runner try --conf '[{"name":"limit-req","value":"{\"rate\":1,\"burst\":2}"}]' --repeat 5
  go-runner try --socket /tmp/runner.sock --conf '[{"name":"say","value":"{\"body\":\"hi\"}"}]'`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var extra []flagSetting
			if cmd.Flags().Changed("scripts") {
				extra = append(extra, flagSetting{key: "scripts.dir", value: f.scripts, from: "--scripts"})
			}
			in, err := f.input(extra...)
			if err != nil {
				return err
			}
			call, err := f.call(cmd)
			if err != nil {
				return err
			}
			return runTry(in, call, stdout, stderr)
		},
	}
	f.add(c)
	fl := c.Flags()
	fl.StringVar(&f.scripts, "scripts", "", "scripts directory (scripts.dir)")
	fl.StringVar(&f.conf, "conf", "", `the ext-plugin conf list as APISIX sends it, e.g. '[{"name":"say","value":"{\"body\":\"hi\"}"}]' (required)`)
	fl.StringVar(&f.phase, "phase", "request", "request (ext-plugin-pre-req/post-req) or response (ext-plugin-post-resp)")
	fl.StringVar(&f.method, "method", "GET", "request method")
	fl.StringVar(&f.path, "path", "/", "request path, decoded, without the query")
	fl.StringVar(&f.srcIP, "src-ip", "127.0.0.1", "client address")
	fl.StringArrayVar(&f.headers, "header", nil, "request header name=value or 'name: value' (repeatable)")
	fl.StringArrayVar(&f.args, "arg", nil, "query argument name=value, or name alone for one without a value (repeatable)")
	fl.StringVar(&f.body, "body", "", "request body, answered when a plugin asks for it")
	fl.StringArrayVar(&f.vars, "var", nil, "nginx/APISIX variable name=value, answered when a plugin asks for it (repeatable)")
	fl.IntVar(&f.status, "status", 200, "response phase: the upstream's status")
	fl.StringArrayVar(&f.respHeaders, "resp-header", nil, "response phase: an upstream response header name=value (repeatable)")
	fl.StringVar(&f.respBody, "resp-body", "", "response phase: the upstream's body, answered when a plugin asks for it")
	fl.IntVar(&f.repeat, "repeat", 1, fmt.Sprintf("make the call N times on the same route (1 to %d)", maxTryRepeat))
	fl.IntVar(&f.concurrency, "concurrency", 1, fmt.Sprintf("make the calls on C connections at once (1 to %d, at most --repeat)", maxTryConcurrency))
	fl.StringVar(&f.socket, "socket", "", "call the runner serving at this unix socket (PATH or unix:PATH, as APISIX_LISTEN_ADDRESS) instead of starting one")
	return c
}

// tryCall is the call try makes.
type tryCall struct {
	phase string
	confs []client.Conf
	req   client.ReqCall
	resp  client.RespCall
	extra client.Extra

	repeat, concurrency int
	socket              string
}

// call checks the flags and describes the call.
func (f *tryFlags) call(cmd *cobra.Command) (*tryCall, error) {
	usage := func(format string, args ...any) error {
		return fmt.Errorf("try: %w: %s", ErrUsage, fmt.Sprintf(format, args...))
	}
	tc := &tryCall{phase: f.phase, repeat: f.repeat, concurrency: f.concurrency, socket: strings.TrimPrefix(f.socket, "unix:")}
	if f.repeat < 1 || f.repeat > maxTryRepeat {
		return nil, usage("--repeat %d: want 1 to %d", f.repeat, maxTryRepeat)
	}
	if f.concurrency < 1 || f.concurrency > maxTryConcurrency || f.concurrency > f.repeat {
		return nil, usage("--concurrency %d: want 1 to %d, and at most --repeat (%d)", f.concurrency, maxTryConcurrency, f.repeat)
	}
	if cmd.Flags().Changed("socket") {
		if tc.socket == "" {
			return nil, usage("--socket: want the path of the runner's unix socket")
		}
		if cmd.Flags().Changed("scripts") {
			return nil, usage("--socket calls a running runner with its own scripts: --scripts does not apply")
		}
	}
	if f.phase != "request" && f.phase != "response" {
		return nil, usage("--phase %q: want request or response", f.phase)
	}
	if !cmd.Flags().Changed("conf") {
		return nil, usage(`--conf is required, e.g. --conf '[{"name":"say","value":"{\"body\":\"hi\"}"}]'`)
	}
	confs, err := parseConfList(f.conf)
	if err != nil {
		return nil, usage("--conf: %v", err)
	}
	tc.confs = confs
	if _, ok := A6.EnumValuesMethod[strings.ToUpper(f.method)]; !ok {
		return nil, usage("--method %q: want one of %s (the methods APISIX sends to a runner)", f.method, strings.Join(protocolMethods(), ", "))
	}
	ip := net.ParseIP(f.srcIP)
	if ip == nil {
		return nil, usage("--src-ip %q is not an IP address", f.srcIP)
	}
	headers, err := parseKVs("--header", f.headers, true, false)
	if err != nil {
		return nil, usage("%v", err)
	}
	args, err := parseKVs("--arg", f.args, false, true)
	if err != nil {
		return nil, usage("%v", err)
	}
	vars, err := parseKVs("--var", f.vars, false, false)
	if err != nil {
		return nil, usage("%v", err)
	}
	tc.extra.Vars = map[string]string{}
	for _, kv := range vars {
		tc.extra.Vars[kv.Name] = kv.Value
	}
	if cmd.Flags().Changed("body") {
		tc.extra.ReqBody = []byte(f.body)
	}
	tc.req = client.ReqCall{ID: 1, SrcIP: ip, Method: strings.ToUpper(f.method), Path: f.path, Args: args, Headers: headers}
	if f.status < 100 || f.status > 999 {
		return nil, usage("--status %d: want an HTTP status from 100 to 999", f.status)
	}
	respHeaders, err := parseKVs("--resp-header", f.respHeaders, true, false)
	if err != nil {
		return nil, usage("%v", err)
	}
	tc.resp = client.RespCall{ID: 1, Status: f.status, Headers: respHeaders}
	if cmd.Flags().Changed("resp-body") {
		tc.extra.RespBody = []byte(f.respBody)
	}
	return tc, nil
}

// parseConfList reads the conf list of an ext-plugin-* plugin as APISIX
// holds it: [{"name": ..., "value": "<JSON string>"}]. A value written as
// a JSON object instead of a string is sent as its JSON text.
func parseConfList(s string) ([]client.Conf, error) {
	var raw []struct {
		Name  *string         `json:"name"`
		Value json.RawMessage `json:"value"`
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf(`want a JSON list [{"name":"...","value":"..."}]: %w`, err)
	}
	if len(raw) == 0 {
		return nil, errors.New("the conf list is empty")
	}
	out := make([]client.Conf, len(raw))
	for i, r := range raw {
		if r.Name == nil || *r.Name == "" {
			return nil, fmt.Errorf("entry %d has no name", i)
		}
		out[i].Name = *r.Name
		switch {
		case len(r.Value) == 0 || string(r.Value) == "null":
			out[i].Value = "{}"
		case r.Value[0] == '"':
			if err := json.Unmarshal(r.Value, &out[i].Value); err != nil {
				return nil, fmt.Errorf("entry %d (%s): value: %w", i, *r.Name, err)
			}
		default:
			out[i].Value = string(r.Value)
		}
	}
	return out, nil
}

// parseKVs reads name=value flags; colon also accepts "name: value",
// bare also accepts a name alone (an entry without a value).
func parseKVs(flag string, vals []string, colon, bare bool) ([]client.KV, error) {
	var out []client.KV
	for _, v := range vals {
		i := strings.IndexByte(v, '=')
		if colon {
			if j := strings.IndexByte(v, ':'); j >= 0 && (i < 0 || j < i) {
				i = j
			}
		}
		if i < 0 {
			if !bare || v == "" {
				return nil, fmt.Errorf("%s %q: want name=value", flag, v)
			}
			out = append(out, client.Bare(v))
			continue
		}
		name, value := strings.TrimSpace(v[:i]), v[i+1:]
		if colon {
			value = strings.TrimSpace(value)
		}
		if name == "" {
			return nil, fmt.Errorf("%s %q: the name is empty", flag, v)
		}
		out = append(out, client.Pair(name, value))
	}
	return out, nil
}

// protocolMethods lists the methods of the protocol's enum, sorted.
func protocolMethods() []string {
	ms := make([]string, 0, len(A6.EnumValuesMethod))
	for m := range A6.EnumValuesMethod {
		ms = append(ms, m)
	}
	slices.Sort(ms)
	return ms
}
