package benchscripts

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-runner/go-runner/sdk/plugin"
	"github.com/go-runner/go-runner/sdk/pluginhttp"
	"github.com/go-runner/go-runner/sdk/pluginlog"
)

func init() {
	if err := plugin.RegisterPlugin(&BenchVar{}); err != nil {
		pluginlog.Fatalf("register bench-var: %s", err)
	}
}

// BenchVar asks APISIX for one variable (one ExtraInfo round trip) and
// forwards it upstream in a header: the benchmark's Var scenario.
type BenchVar struct {
	plugin.DefaultPlugin
}

// BenchVarConf is {"var": "remote_addr", "header": "X-Real-IP"}.
type BenchVarConf struct {
	Var    string `json:"var"`
	Header string `json:"header"`
}

// Name is the plugin's name in a route's conf.
func (*BenchVar) Name() string { return "bench-var" }

// ParseConf decodes the conf once per PrepareConf.
func (*BenchVar) ParseConf(in []byte) (interface{}, error) {
	var c BenchVarConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, fmt.Errorf("bench-var: %w", err)
	}
	return &c, nil
}

// RequestFilter copies the variable into the header. The conf is kept by
// pointer and the error path is a helper: fewer copies and locals per call
// in the interpreter (the README's fast style).
func (*BenchVar) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(*BenchVarConf)
	if v, err := r.Var(c.Var); err == nil {
		r.Header().Set(c.Header, string(v))
	} else {
		varFailed(c, err)
	}
}

func varFailed(c *BenchVarConf, err error) {
	pluginlog.Errorf("bench-var: var %s: %s", c.Var, err)
}
