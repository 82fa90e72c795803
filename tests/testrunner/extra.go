package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
)

// Plugins that ask APISIX for more (ExtraInfo) or report what they see.

func init() { register(&echo{}, &deadline{}, &legacy{}) }

type echo struct{}

type echoConf struct {
	// Vars are asked for besides remote_addr.
	Vars []string `json:"vars"`
}

func (*echo) Name() string                             { return "echo" }
func (*echo) ParseConf(in []byte) (interface{}, error) { return parseJSON[echoConf]("echo", in) }

// RequestFilter asks for remote_addr and the body twice each (the second
// time must come from the call's cache), then for the conf's vars, and
// echoes them in request headers: x-remote-addr, x-body, x-var-<name>.
// An error is reported in x-echo-error.
func (*echo) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	h := r.Header()
	for i := 0; i < 2; i++ {
		v, err := r.Var("remote_addr")
		if err != nil {
			h.Set("x-echo-error", err.Error())
			return
		}
		h.Set("x-remote-addr", string(v))
		b, err := r.Body()
		if err != nil {
			h.Set("x-echo-error", err.Error())
			return
		}
		h.Set("x-body", string(b))
	}
	for _, name := range conf.(*echoConf).Vars {
		v, err := r.Var(name)
		if err != nil {
			h.Set("x-echo-error", err.Error())
			return
		}
		h.Set("x-var-"+name, string(v))
	}
}

// ResponseFilter does the same in post-resp with the response body, into
// response headers (the complete set is then sent back).
func (*echo) ResponseFilter(conf interface{}, w pluginhttp.Response) {
	h := w.Header()
	for i := 0; i < 2; i++ {
		v, err := w.Var("remote_addr")
		if err != nil {
			h.Set("x-echo-error", err.Error())
			return
		}
		h.Set("x-remote-addr", string(v))
		b, err := w.ReadBody()
		if err != nil {
			h.Set("x-echo-error", err.Error())
			return
		}
		h.Set("x-resp-body", string(b))
	}
}

type deadline struct{ plugin.DefaultPlugin }

func (*deadline) Name() string                          { return "deadline" }
func (*deadline) ParseConf([]byte) (interface{}, error) { return nil, nil }

// RequestFilter reports r.Context().Deadline(): x-deadline-set and the
// milliseconds left in x-deadline-left-ms; x-ctx-err is the context's error.
func (*deadline) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	ctx := r.Context()
	dl, ok := ctx.Deadline()
	h := r.Header()
	h.Set("x-deadline-set", strconv.FormatBool(ok))
	if ok {
		h.Set("x-deadline-left-ms", strconv.FormatInt(time.Until(dl).Milliseconds(), 10))
	}
	if err := ctx.Err(); err != nil {
		h.Set("x-ctx-err", err.Error())
	}
}

// legacy has the shape of plugins written before RequestFilter existed. It
// must not embed DefaultPlugin, whose RequestFilter would take precedence.
type legacy struct{}

func (*legacy) Name() string                          { return "legacy" }
func (*legacy) ParseConf([]byte) (interface{}, error) { return nil, nil }

// Filter marks the request with x-legacy: 1.
func (*legacy) Filter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	r.Header().Set("x-legacy", "1")
}

var _ plugin.LegacyPlugin = (*legacy)(nil)
