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
	if err := plugin.RegisterPlugin(&BenchRewrite{}); err != nil {
		pluginlog.Fatalf("register bench-rewrite: %s", err)
	}
}

// BenchRewrite rewrites the path and sets headers, with no other work: the
// benchmark's header/path rewrite scenario.
type BenchRewrite struct {
	plugin.DefaultPlugin
}

// BenchRewriteConf is {"path": "/new", "headers": {"X-Name": "value"}}.
type BenchRewriteConf struct {
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
}

// Name is the plugin's name in a route's conf.
func (*BenchRewrite) Name() string { return "bench-rewrite" }

// ParseConf decodes the conf once per PrepareConf.
func (*BenchRewrite) ParseConf(in []byte) (interface{}, error) {
	var c BenchRewriteConf
	if err := json.Unmarshal(in, &c); err != nil {
		return nil, fmt.Errorf("bench-rewrite: %w", err)
	}
	return c, nil
}

// RequestFilter sets the path and the headers.
func (*BenchRewrite) RequestFilter(conf interface{}, w http.ResponseWriter, r pluginhttp.Request) {
	c := conf.(BenchRewriteConf)
	if c.Path != "" {
		r.SetPath([]byte(c.Path))
	}
	for k, v := range c.Headers {
		r.Header().Set(k, v)
	}
}
